import BackchatEngine
@testable import BackchatREPL
import Testing

@Suite("ChatMachine: the REPL's decisions without a terminal")
struct ChatMachineTests {
    typealias Action = ChatMachine.Action

    func shown(_ actions: [Action]) -> String {
        actions.compactMap { if case .show(let t) = $0 { t } else { nil } }.joined(separator: "\n")
    }

    func remembered(_ actions: [Action]) -> [String] {
        actions.compactMap { if case .remember(let t) = $0 { t } else { nil } }
    }

    @Test("The start shows the tip, then the greeting and the numbered choices")
    func start() throws {
        var m = try REPLFixture.machine()
        let actions = m.start()
        #expect(actions == [
            .notice(TurnFormatter(width: 80).notice(ChatMachine.tip) + "\n"),
            .show("Hello from the fixture.\nReady?\n  1. Yes, ready\n  2. Not yet"),
        ])
    }

    @Test("Piped use prints only the conversation: no tip, the input echoed")
    func piped() throws {
        var m = try REPLFixture.machine(interactive: false, echo: true)
        #expect(m.start() == [.show("Hello from the fixture.\nReady?\n  1. Yes, ready\n  2. Not yet")])
        let actions = m.handle(.line("1"))
        #expect(actions == [.echo("\n> 1"), .remember("1"), .show("\nHow long have you had it?")])
        #expect(m.handle(.endOfInput) == [.exit(0)], "no goodbye at the end of piped input")
    }

    @Test("An answer advances the conversation and is remembered")
    func answer() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        let actions = m.handle(.line("yes, ready"))
        #expect(shown(actions) == "\nHow long have you had it?")
        #expect(remembered(actions) == ["yes, ready"])
        #expect(m.turn.expects == .duration)
    }

    @Test("Blank lines do nothing")
    func blank() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        #expect(m.handle(.line("   ")).isEmpty)
        #expect(m.turn.node == "main.ready")
    }

    @Test("Leaving a disclosure of abuse clears the screen and shows nothing more about it")
    func discreetExit() throws {
        for leave: ChatMachine.Event in [.line("/quit"), .endOfInput] {
            var m = try REPLFixture.machine()
            _ = m.start()
            let disclosure = m.handle(.line("my partner hits me"))
            #expect(shown(disclosure).contains("I believe you"))
            let actions = m.handle(leave)
            #expect(actions.first == .clearScreen, "\(leave)")
            #expect(actions.last == .exit(0))
            let text = shown(actions)
            #expect(!text.contains("999") && !text.contains("believe") && !text.contains("helpline"), "\(text)")
        }
        // Leaving crisis support shows its lines once more, and clears nothing.
        var m = try REPLFixture.machine()
        _ = m.start()
        _ = m.handle(.line("I want to die"))
        let actions = m.handle(.line("/quit"))
        #expect(!actions.contains(.clearScreen))
        #expect(shown(actions).contains("116 123"))
    }

    @Test("The end of the conversation exits 0 after the last words")
    func ended() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        let actions = m.handle(.line("2"))
        #expect(actions.last == .exit(0))
        #expect(shown(actions).contains("Bye."))
        #expect(m.finished)
        #expect(m.handle(.line("1")).isEmpty, "nothing happens after the end")
    }

    @Test("/quit, quit and exit leave with the engine's goodbye", arguments: ["/quit", "quit", "exit", "/QUIT"])
    func quit(_ line: String) throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        let actions = m.handle(.line(line))
        #expect(shown(actions).contains("Take care"))
        #expect(actions.last == .exit(0))
    }

    @Test("Ctrl-D says goodbye and exits 0")
    func endOfInput() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        let actions = m.handle(.endOfInput)
        #expect(shown(actions).contains("Take care. You can come back any time."))
        #expect(actions.last == .exit(0))
    }

    @Test("Ctrl-C keeps the conversation; on an empty line it explains how to leave")
    func interrupt() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        #expect(m.handle(.interrupt(lineWasEmpty: false)) == [])
        let second = m.handle(.interrupt(lineWasEmpty: true))
        #expect(second == [.notice(ChatMachine.howToLeave)])
        #expect(!m.finished)
        #expect(m.turn.node == "main.ready")
    }

    @Test("Unknown slash-commands get the engine's helpful message")
    func unknownCommand() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        let text = shown(m.handle(.line("/frobnicate")))
        #expect(text.contains("I don't know the command /frobnicate. Type /help"))
        #expect(text.contains("1. Yes, ready"), "the question is asked again")
    }

    @Test("/help: the engine's help, then the keys, then the question again")
    func help() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        let actions = m.handle(.line("/help"))
        #expect(actions.count == 4)
        guard actions.count == 4 else { return }
        #expect(actions[0] == .remember("/help"))
        #expect(actions[2] == .notice(TurnFormatter(width: 80).notice(ChatMachine.keys)))
        #expect(shown([actions[3]]) == "Ready?\n  1. Yes, ready\n  2. Not yet")
    }

    @Test("/plan runs the locale's flow and comes back")
    func plan() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        let text = shown(m.handle(.line("/plan")))
        #expect(text.contains("Your plan."))
        #expect(m.turn.node == "main.ready")
    }

    @Test("Nothing typed around a crisis is remembered: the line that set it off, the answers inside, the way out")
    func crisisNotRemembered() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        #expect(remembered(m.handle(.line("1"))) == ["1"])
        let disclosure = m.handle(.line("I want to die"))
        #expect(remembered(disclosure).isEmpty)
        #expect(m.turn.escalation?.level == .crisis)
        #expect(shown(disclosure).contains("CRISIS SUPPORT"))
        #expect(shown(disclosure).contains("Samaritans: call 116 123 (free, 24/7)"))
        #expect(remembered(m.handle(.line("1"))).isEmpty, "an answer inside the crisis flow")
        #expect(remembered(m.handle(.line("Go back to the conversation"))).isEmpty, "the line that leaves it")
        #expect(m.turn.escalation == nil)
        #expect(m.turn.node == "main.weeks")
        #expect(remembered(m.handle(.line("6 weeks"))) == ["6 weeks"], "remembered again once it is over")
    }

    @Test("Quitting inside a crisis shows the numbers again")
    func quitInCrisis() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        _ = m.handle(.line("I want to die"))
        let actions = m.handle(.endOfInput)
        #expect(shown(actions).contains("Samaritans: call 116 123"))
        #expect(actions.last == .exit(0))
    }

    @Test("A line that starts with a space is not remembered")
    func leadingSpace() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        #expect(remembered(m.handle(.line(" 1"))).isEmpty)
        #expect(m.turn.node == "main.weeks", "but it is still answered")
    }

    @Test("A resize re-wraps what comes next")
    func resize() throws {
        var m = try REPLFixture.machine(formatter: TurnFormatter(width: 80))
        _ = m.start()
        #expect(m.handle(.resize(columns: 24)) == [])
        #expect(m.formatter.width == 24)
        let text = shown(m.handle(.line("/help")))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 24 }, "\(text)")
    }

    @Test("Tab completes the current choices and every command, /plan included")
    func completions() throws {
        var m = try REPLFixture.machine()
        _ = m.start()
        #expect(m.completions.labels == ["Yes, ready", "Not yet"])
        #expect(m.completions.commands == ["/back", "/help", "/plan", "/quit", "/restart", "/skip"])
        _ = m.handle(.line("1"))
        #expect(m.completions.labels == [], "a duration question has no labels")
    }
}
