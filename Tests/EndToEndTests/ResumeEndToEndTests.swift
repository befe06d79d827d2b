import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Memory across runs, as a person meets it in a terminal: killed mid-conversation and
/// continued; a goal made, then asked about "a week later".
@Suite("Resume and check-ins in a real terminal", .serialized)
struct ResumeEndToEndTests {
    typealias PTY = REPLPseudoTerminal

    @Test("kill -9 mid-conversation loses no completed turn; the next start offers to continue")
    func killedAndResumed() throws {
        let box = try REPLTerminalTests.Sandbox()
        let first = try box.start()
        first.expect("Ready to begin?")
        first.type("yes" + PTY.enter)
        first.expect("How long have you had it?")
        first.type("six we")                       // typed, not sent: this is what may be lost
        first.signal(SIGKILL)
        #expect(first.waitForExit() == 128 + SIGKILL)

        let second = try box.start()
        second.expect("Continue where you left off? [Y/n]")
        second.type("y" + PTY.enter)
        second.expect("How long have you had it?")
        second.expect("> ")
        second.type("6 weeks" + PTY.enter)
        second.expect("Bye for now.")
        #expect(second.waitForExit() == 0)

        // The conversation reached its end, so nothing is offered the next time.
        let third = try box.start()
        third.expect("Ready to begin?")
        third.expect("> ")
        third.type("/quit" + PTY.enter)
        #expect(third.waitForExit() == 0)
    }

    @Test("Quitting keeps the conversation for next time; 'n' starts afresh")
    func quitThenChooseNew() throws {
        let box = try REPLTerminalTests.Sandbox()
        let first = try box.start()
        first.expect("Ready to begin?")
        first.type("yes" + PTY.enter)
        first.expect("How long have you had it?")
        first.type("/quit" + PTY.enter)
        #expect(first.waitForExit() == 0)

        let second = try box.start()
        second.expect("Continue where you left off? [Y/n]")
        second.type("n" + PTY.enter)
        second.expect("Ready to begin?")
        second.expect("> ")
        second.type(PTY.ctrlD)
        #expect(second.waitForExit() == 0)
    }
}

/// The goal check-in with the shipped dialogs, driven through plain lines with the clock moved.
@Suite("Goal check-in a week later")
struct GoalCheckInEndToEndTests {
    @Test func aGoalIsAskedAboutAWeekLaterAndAdapted() throws {
        let data = NSTemporaryDirectory() + "backchat-goal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let env = ["XDG_DATA_HOME": data]
        // Piped runs keep nothing unless they name the store (a script must not replace the
        // conversation a person has in progress).
        let store = ["--store", data + "/backchat/backchat.sqlite"]
        var day1 = env; day1["BACKCHAT_NOW"] = "2026-11-18"
        let make = try CLI.run(["--flow", "activity_goal", "--no-history"] + store,
                               input: "walking\n10 minutes\n3 times a week\nafter lunch\n8\n", environment: day1)
        #expect(make.status == 0, "\(make.stderr)")

        var sameWeek = env; sameWeek["BACKCHAT_NOW"] = "2026-11-20"
        let early = try CLI.run(["--fresh", "--no-history"] + store, input: "not now\n", environment: sameWeek)
        #expect(!early.stdout.contains("How did it go this week?"), "not due yet")

        var weekLater = env; weekLater["BACKCHAT_NOW"] = "2026-11-25"
        let checkIn = try CLI.run(["--fresh", "--no-history"] + store, input: "I did it, it was easy\nthat's all for today\n",
                                  environment: weekLater)
        #expect(checkIn.status == 0, "\(checkIn.stderr)")
        let said = checkIn.stdout.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        #expect(said.contains("Last time you set yourself a goal: walking for 10 minutes, 3 times a week"), "\(said)")
        #expect(said.contains("Next week: walking for 12 minutes, 3 times a week"))

        let export = try CLI.run(["export"], environment: weekLater)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])
        let goals = try #require(json["goals"] as? [[String: Any]])
        #expect(goals.count == 2)
        #expect((goals.first?["checkIns"] as? [[String: Any]])?.first?["outcome"] as? String == "met-comfortably")
        #expect(goals.last?["minutes"] as? Int == 12)

        let progress = try CLI.run(["--fresh", "--no-history"] + store, input: "/progress\nquit\n", environment: weekLater)
        #expect(progress.stdout.contains("walking      12 min"), "\(progress.stdout)")

        // A piped run that does not name the store keeps nothing and tells no one it does.
        let piped = try CLI.run(["--no-history"], input: "not now\n", environment: weekLater)
        #expect(piped.stdout.contains("keeps nothing from this chat"))
        #expect(!piped.stdout.contains("How did it go this week?"))
        let after = try CLI.run(["export"], environment: weekLater)
        let sessions = (try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])?["sessions"] as? [Any]
        #expect(sessions?.count == json["sessions"].flatMap { ($0 as? [Any])?.count }, "the piped run saved nothing")
    }
}
