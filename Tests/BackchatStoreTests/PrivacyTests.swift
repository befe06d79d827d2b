import BackchatEngine
import BackchatStore
import Foundation
import Testing

@Suite("Store: export and forget")
struct PrivacyTests {
    @Test func theExportHoldsAnswersGoalsAndCheckInsWithDates() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        var variables = Fixtures.goalVariables
        variables["pain_score"] = .number(6)
        try store.save(sessionID: "repl-1", state: Fixtures.state(variables: variables), at: Fixtures.at(0))
        let goal = try #require(try store.currentGoal())
        try store.recordCheckIn(goalID: try #require(goal.id), outcome: .partly, day: Fixtures.day(7), note: "back flared up")

        let data = try store.exportJSON(exportedAt: Fixtures.at(8))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains("\n  \"format\" : \"backchat-export\""), "pretty-printed")
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["exportedAt"] as? String == "2025-03-18T10:00:00Z")
        #expect(json["formatVersion"] as? Int == 1)
        #expect(json["store"] as? String == store.location.path)
        let sessions = try #require(json["sessions"] as? [[String: Any]])
        #expect(sessions.count == 1)
        #expect(sessions.first?["id"] as? String == "repl-1")
        #expect(sessions.first?["started"] as? String == "2025-03-10T10:00:00Z")
        #expect(sessions.first?["waitingAt"] as? String == "pain.how_long")
        let answers = try #require(sessions.first?["answers"] as? [String: Any])
        #expect(answers["pain_score"] as? Double == 6)
        #expect(answers["goal_activity"] as? String == "walking")
        let goals = try #require(json["goals"] as? [[String: Any]])
        #expect(goals.count == 2, "the goal and the smaller one after the check-in")
        #expect(goals.first?["summary"] as? String == "walking for 10 minutes, 3 times a week, in the morning")
        #expect(goals.first?["createdOn"] as? String == "2025-03-10")
        #expect(goals.first?["madeIn"] as? String == "conversation")
        let checkIns = try #require(goals.first?["checkIns"] as? [[String: Any]])
        #expect(checkIns.first?["day"] as? String == "2025-03-17")
        #expect(checkIns.first?["outcome"] as? String == "partly")
        #expect(checkIns.first?["meaning"] as? String == "partly done")
        #expect(checkIns.first?["note"] as? String == "back flared up")
        #expect(goals.last?["minutes"] as? Int == 8)
        #expect(goals.last?["madeIn"] as? String == "adapted at a check-in")
        #expect(try store.exportJSON(exportedAt: Fixtures.at(8)) == data, "the same data exports identically")
    }

    @Test func anEmptyExportNeedsNoStore() throws {
        let scratch = try Scratch()
        let location = try scratch.location
        let data = try ConversationStore.emptyExport(location: location)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((json["sessions"] as? [Any])?.isEmpty == true)
        #expect((json["goals"] as? [Any])?.isEmpty == true)
        #expect(!FileManager.default.fileExists(atPath: location.directory), "nothing created")
    }

    @Test func forgetDeletesTheStoreItsLogAndDamagedCopies() throws {
        let scratch = try Scratch()
        let location = try scratch.location
        try FileManager.default.createDirectory(atPath: location.directory, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 512).write(to: URL(fileURLWithPath: location.path))
        let store = try scratch.open() // moves the garbage aside
        try store.save(sessionID: "s", state: Fixtures.state(), at: Fixtures.at(0))
        let files = ConversationStore.storedFiles(location)
        #expect(files.contains(location.path))
        #expect(files.contains(location.path + "-wal"))
        #expect(files.contains { $0.hasPrefix(location.path + ".corrupt-") })

        let deleted = try store.forgetAll()
        #expect(Set(deleted) == Set(files))
        #expect(deleted.contains(location.path))
        #expect(deleted.contains { $0.hasPrefix(location.path + ".corrupt-") })
        #expect(ConversationStore.storedFiles(location).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: location.directory), "Backchat's own folder goes too, once empty")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/data"), "but not the XDG folder above it")
        // A new store starts empty.
        #expect(try scratch.open().allSessionIDs().isEmpty)
    }

    @Test func forgetLeavesOtherFilesAndForeignFoldersAlone() throws {
        let scratch = try Scratch()
        try "keep me".write(toFile: scratch.path + "/notes.txt", atomically: true, encoding: .utf8)
        let store = try ConversationStore(path: scratch.path + "/b.sqlite", now: Fixtures.monday10am)
        try store.save(sessionID: "s", state: Fixtures.state(), at: Fixtures.at(0))
        try store.forgetAll()
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["notes.txt"])
    }

    @Test func forgetWorksOnAStoreThatCannotBeOpened() throws {
        let scratch = try Scratch()
        let location = try scratch.location
        try FileManager.default.createDirectory(atPath: location.directory, withIntermediateDirectories: true)
        try Data(repeating: 1, count: 64).write(to: URL(fileURLWithPath: location.path))
        #expect(try ConversationStore.forget(location) == [location.path])
    }

    @Test func aStoreStillOpenElsewhereCannotSaveAfterForget() throws {
        let scratch = try Scratch()
        let running = try scratch.open()
        try running.save(sessionID: "s", state: Fixtures.state(), at: Fixtures.at(0))
        try ConversationStore.forget(try scratch.location)
        #expect(throws: StoreError.removed(path: running.location.path), "not silently saved into a deleted file") {
            try running.save(sessionID: "s", state: Fixtures.state(turns: 9), at: Fixtures.at(0))
        }
        #expect(throws: StoreError.removed(path: running.location.path), "nor read back from it") {
            try running.latestSession()
        }
        #expect(ConversationStore.storedFiles(try scratch.location).isEmpty, "and nothing comes back")
        // A new store made meanwhile is not harmed when the old connection closes.
        let fresh = try scratch.open()
        try fresh.save(sessionID: "new", state: Fixtures.state(), at: Fixtures.at(1))
        _ = consume running
        #expect(try scratch.open().allSessionIDs() == ["new"])
    }
}
