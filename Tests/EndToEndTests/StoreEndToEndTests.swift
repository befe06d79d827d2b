import BackchatEngine
import BackchatStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `backchat export` and `backchat forget`, run as a person or a script would, with the
/// store in a temporary XDG_DATA_HOME (HOME points there too, so the real home is never touched).
@Suite("Store commands, end to end")
struct StoreEndToEndTests {
    /// A temporary home with its own XDG folders.
    final class Home {
        let path = NSTemporaryDirectory() + "backchat-store-e2e-\(UUID().uuidString)"
        var data: String { path + "/data" }
        var state: String { path + "/state" }
        var storePath: String { data + "/backchat/backchat.sqlite" }
        var history: String { state + "/backchat/history" }
        var environment: [String: String] {
            ["HOME": path, "XDG_DATA_HOME": data, "XDG_STATE_HOME": state, "BACKCHAT_NOW": "2025-03-18T09:30:00Z"]
        }

        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// A store with one conversation, a goal and a check-in, as the chat would leave it.
        func seed() throws {
            let day = CalendarDay(year: 2025, month: 3, day: 10)
            let store = try ConversationStore(path: storePath, now: Timestamp(day: day))
            var state = SessionState(locale: "en", region: "GB", dialogsVersion: "e2e")
            state.position = SessionState.Position(flow: "pain", node: "how_long")
            state.variables = ["pain_score": .number(7), "goal_set": .bool(true), "goal_activity": .string("walking"),
                               "goal_minutes": .number(10), "goal_frequency": .string("twice a week")]
            try store.save(sessionID: "repl", state: state, at: Timestamp(day: day, secondOfDay: 9 * 3600))
            let goal = try #require(try store.currentGoal())
            try store.recordCheckIn(goalID: try #require(goal.id), outcome: .metComfortably,
                                    day: CalendarDay(ordinal: day.ordinal + 7), note: "felt good")
        }

        func exists(_ p: String) -> Bool { FileManager.default.fileExists(atPath: p) }
    }

    @Test func exportWritesTheStoredDataAsJSON() throws {
        let home = try Home()
        try home.seed()
        let r = try CLI.run(["export"], environment: home.environment)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(json["format"] as? String == "backchat-export")
        #expect(json["exportedAt"] as? String == "2025-03-18T09:30:00Z", "BACKCHAT_NOW is the clock")
        let sessions = try #require(json["sessions"] as? [[String: Any]])
        #expect((sessions.first?["answers"] as? [String: Any])?["pain_score"] as? Double == 7)
        let goals = try #require(json["goals"] as? [[String: Any]])
        #expect(goals.map { $0["minutes"] as? Int } == [10, 12])
        #expect(r.stdout.contains("\"note\" : \"felt good\""))
    }

    @Test func exportToAFileIsPrivate() throws {
        let home = try Home()
        try home.seed()
        let out = home.path + "/for-my-physio.json"
        let r = try CLI.run(["export", "--output", out], environment: home.environment)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "backchat: exported to \(out)\n")
        var info = stat()
        #expect(stat(out, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("\"activity\" : \"walking\""))
    }

    @Test func exportWithNothingStoredCreatesNothing() throws {
        let home = try Home()
        let r = try CLI.run(["export"], environment: home.environment)
        #expect(r.status == 0)
        #expect(r.stderr == "backchat: nothing is stored yet (no \(home.storePath))\n")
        #expect(r.stdout.contains("\"sessions\" : [\n\n  ]"))
        #expect(!home.exists(home.data), "no store created just to export it")
    }

    @Test func exportHonoursStore() throws {
        let home = try Home()
        let other = home.path + "/elsewhere/mine.sqlite"
        let store = try ConversationStore(path: other, now: Timestamp(day: CalendarDay(year: 2025, month: 3, day: 10)))
        try store.save(sessionID: "host-7", state: SessionState(locale: "en", region: nil, dialogsVersion: "x"),
                       at: Timestamp(day: CalendarDay(year: 2025, month: 3, day: 10)))
        let r = try CLI.run(["export", "--store", other], environment: home.environment)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"id\" : \"host-7\""))
        #expect(r.stdout.contains("\"store\" : \"\(other)\""))
    }

    @Test func aCorruptedStoreIsMovedAsideAndThePersonToldWhere() throws {
        let home = try Home()
        try FileManager.default.createDirectory(atPath: home.data + "/backchat", withIntermediateDirectories: true)
        try Data("this is not sqlite, just some bytes".utf8).write(to: URL(fileURLWithPath: home.storePath))
        let r = try CLI.run(["export"], environment: home.environment)
        let aside = home.storePath + ".corrupt-20250318T093000Z"
        #expect(r.status == 0)
        #expect(r.stderr == """
            backchat: The saved conversations in \(home.storePath) could not be read (file is not a database). \
            Nothing was deleted: the file was moved to \(aside), and Backchat started a new, empty store. \
            Keep that file if you want to try to recover it; 'backchat forget' deletes it.

            """)
        #expect(try String(contentsOfFile: aside, encoding: .utf8) == "this is not sqlite, just some bytes")
    }

    @Test func forgetWithoutATerminalOrYesRefuses() throws {
        let home = try Home()
        try home.seed()
        let r = try CLI.run(["forget"], environment: home.environment)
        #expect(r.status == 2)
        #expect(r.stderr == """
            backchat: forget deletes all your saved conversations and goals, so it asks first, and there is \
            no terminal to ask at. To delete without asking, run: backchat forget --yes

            """)
        #expect(home.exists(home.storePath), "nothing deleted")
    }

    @Test func forgetYesDeletesTheStoreDamagedCopiesAndHistory() throws {
        let home = try Home()
        try home.seed()
        try Data("old damaged copy".utf8).write(to: URL(fileURLWithPath: home.storePath + ".corrupt-20250101T000000Z"))
        try FileManager.default.createDirectory(atPath: home.state + "/backchat", withIntermediateDirectories: true)
        try "my back hurts\n".write(toFile: home.history, atomically: true, encoding: .utf8)
        let r = try CLI.run(["forget", "--yes"], environment: home.environment)
        #expect(r.status == 0, "\(r.stderr)")
        // The database, its -wal and -shm, the damaged copy, the history.
        #expect(r.stdout == "Deleted 5 files. Backchat no longer remembers anything about you on this computer.\n")
        #expect(!home.exists(home.data + "/backchat"))
        #expect(!home.exists(home.history))
        let again = try CLI.run(["forget", "--yes"], environment: home.environment)
        #expect(again.stdout == "Nothing to forget: Backchat has nothing stored in \(home.data)/backchat.\n")
        let export = try CLI.run(["export"], environment: home.environment)
        #expect(export.stdout.contains("\"goals\" : [\n\n  ]"), "an export afterwards is empty")
    }

    @Test func forgetWithStoreDeletesOnlyThatStore() throws {
        let home = try Home()
        try home.seed()
        let other = home.path + "/host.sqlite"
        _ = try ConversationStore(path: other, now: Timestamp(day: CalendarDay(year: 2025, month: 3, day: 10)))
        let r = try CLI.run(["forget", "--yes", "--store", other], environment: home.environment)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!home.exists(other))
        #expect(home.exists(home.storePath), "the person's own store is untouched")
    }

    @Test func forgetAtATerminalAsksFirst() throws {
        let home = try Home()
        try home.seed()
        var env = home.environment
        env["TERM"] = "xterm"
        let no = try REPLPseudoTerminal(arguments: ["forget"], environment: env, directory: home.path)
        #expect(no.expect("This deletes everything Backchat has stored about you"))
        #expect(no.expect(home.storePath))
        #expect(no.expect("Delete all of it? [y/N]"))
        no.type("n\r")
        #expect(no.expect("Nothing was deleted."))
        #expect(no.waitForExit() == 0)
        #expect(home.exists(home.storePath))

        let yes = try REPLPseudoTerminal(arguments: ["forget"], environment: env, directory: home.path)
        #expect(yes.expect("Delete all of it? [y/N]"))
        yes.type("yes\r")
        #expect(yes.expect("Backchat no longer remembers anything about you on this computer."))
        #expect(yes.waitForExit() == 0)
        #expect(!home.exists(home.storePath))
    }
}
