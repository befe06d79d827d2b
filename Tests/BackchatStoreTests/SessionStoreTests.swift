import BackchatEngine
import BackchatStore
import Foundation
import Testing

@Suite("Store: saved conversations")
struct SessionStoreTests {
    @Test func aSavedSessionComesBackUnchanged() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        let state = Fixtures.state()
        try store.save(sessionID: "repl-1", state: state, at: Fixtures.at(0))
        let back = try #require(try store.session(id: "repl-1"))
        #expect(back.state == state, "the state must round-trip exactly")
        #expect(back.createdAt.iso == "2025-03-10T10:00:00Z")
        #expect(back.updatedAt.iso == "2025-03-10T10:00:00Z")
        #expect(back.isResumable)
        #expect(try store.session(id: "nope") == nil)
    }

    @Test func aSecondSaveUpdatesTheSameRowAndKeepsTheStartTime() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        try store.save(sessionID: "s", state: Fixtures.state(turns: 1), at: Fixtures.at(0, hour: 9))
        try store.save(sessionID: "s", state: Fixtures.state(turns: 2), at: Fixtures.at(0, hour: 11))
        let back = try #require(try store.session(id: "s"))
        #expect(back.state.turns == 2)
        #expect(back.createdAt.iso == "2025-03-10T09:00:00Z")
        #expect(back.updatedAt.iso == "2025-03-10T11:00:00Z")
        #expect(try store.allSessionIDs() == ["s"])
    }

    @Test func theLatestSessionIsTheLastSavedEvenWhenTheClockWentBack() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        try store.save(sessionID: "a", state: Fixtures.state(), at: Fixtures.at(5))
        try store.save(sessionID: "b", state: Fixtures.state(), at: Fixtures.at(0))
        #expect(try store.latestSession()?.id == "b", "save order, not timestamps, decides")
        try store.save(sessionID: "a", state: Fixtures.state(turns: 9), at: Fixtures.at(0))
        #expect(try store.latestSession()?.id == "a")
        #expect(try store.allSessionIDs() == ["b", "a"], "oldest save first")
    }

    @Test func endedSessionsAreNotOfferedForResumeButAreKept() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        try store.save(sessionID: "open", state: Fixtures.state(), at: Fixtures.at(0))
        var ended = Fixtures.state()
        ended.ended = true
        ended.position = nil
        try store.save(sessionID: "done", state: ended, at: Fixtures.at(1))
        #expect(try store.latestSession()?.id == "open")
        #expect(try store.latestSession(includingEnded: true)?.id == "done")
        #expect(try store.allSessionIDs(includingEnded: false) == ["open"])
        #expect(try store.allSessionIDs() == ["open", "done"])
        #expect(try store.session(id: "done")?.isResumable == false)
    }

    @Test func deletingASessionKeepsTheOthers() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        try store.save(sessionID: "a", state: Fixtures.state(), at: Fixtures.at(0))
        try store.save(sessionID: "b", state: Fixtures.state(), at: Fixtures.at(0))
        #expect(try store.deleteSession(id: "a"))
        #expect(try !store.deleteSession(id: "a"), "a second delete finds nothing")
        #expect(try store.allSessionIDs() == ["b"])
    }

    @Test func aSaveIsVisibleToAnotherConnectionWithoutClosing() throws {
        // What kill -9 leaves behind: committed transactions in the WAL, no clean close.
        let scratch = try Scratch()
        let writer = try scratch.open()
        try writer.save(sessionID: "s", state: Fixtures.state(turns: 4), at: Fixtures.at(0))
        let reader = try scratch.open()
        #expect(try reader.session(id: "s")?.state.turns == 4)
        #expect(FileManager.default.fileExists(atPath: try scratch.location.path + "-wal"), "WAL mode")
    }

    @Test func unicodeAndLongAnswersSurvive() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        let long = String(repeating: "it’s the sciatica — again 😣 ", count: 400)
        let state = Fixtures.state(variables: ["story": .string(long), "none": .null, "yes": .bool(true)])
        try store.save(sessionID: "ü-1", state: state, at: Fixtures.at(0))
        #expect(try store.session(id: "ü-1")?.state == state)
    }
}

@Suite("Store: timestamps")
struct TimestampTests {
    @Test(arguments: [
        ("2025-03-10", "2025-03-10T00:00:00"),
        ("2025-03-10T09:30", "2025-03-10T09:30:00"),
        ("2025-03-10T09:30:15Z", "2025-03-10T09:30:15Z"),
        ("2025-03-10T09:30:15.250Z", "2025-03-10T09:30:15Z"),
        ("2025-03-10 09:30:15+01:00", "2025-03-10T09:30:15+01:00"),
        ("2025-03-10T23:59:59-0530", "2025-03-10T23:59:59-05:30"),
    ])
    func parsesISO8601(text: String, iso: String) throws {
        let t = try #require(Timestamp(iso: text))
        #expect(t.iso == iso)
        #expect(t.day == CalendarDay(year: 2025, month: 3, day: 10), "the day as written, whatever the offset")
    }

    @Test(arguments: ["", "2025-3-10", "2025-03-10T9:30", "2025-03-10T09:30:15X", "2025-13-01", "yesterday"])
    func rejectsOtherText(text: String) {
        #expect(Timestamp(iso: text) == nil)
    }

    @Test func convertsSecondsSinceTheEpochAndNamesFiles() {
        let t = Timestamp(secondsSince1970: 1_741_600_815) // 2025-03-10T10:00:15Z
        #expect(t.iso == "2025-03-10T10:00:15Z")
        #expect(t.compact == "20250310T100015Z")
    }
}
