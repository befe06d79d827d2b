import BackchatEngine

/// Everything the REPL decides, without a terminal: a state machine whose events
/// (a line typed, Ctrl-C, end of input, a resize) return the actions a thin terminal
/// class then performs (show text, add a line to history, exit).
///
/// It owns the conversation (the engine is a pure function, so this stays a value) and
/// the presentation settings. Tests drive it directly; ``ReadlineSession`` and
/// ``PlainLineSession`` only move bytes.
public struct ChatMachine: Sendable {
    /// How the machine talks to its front end.
    public struct Options: Sendable, Equatable {
        /// Write `> line` into the transcript: the input was not already shown by a line editor.
        public var echoInput: Bool
        /// A person at a terminal: a tip at the start, key help after /help, a goodbye on
        /// Ctrl-D. Off for piped use, which must print only the conversation.
        public var interactive: Bool

        public init(echoInput: Bool, interactive: Bool) {
            self.echoInput = echoInput; self.interactive = interactive
        }
    }

    public enum Event: Sendable, Equatable {
        /// A line the person entered (without its newline).
        case line(String)
        /// Ctrl-C; the terminal has already thrown away what was typed.
        case interrupt(lineWasEmpty: Bool)
        /// Ctrl-D on an empty line, or the end of piped input.
        case endOfInput
        /// The terminal is now this many columns wide.
        case resize(columns: Int)
    }

    public enum Action: Sendable, Equatable {
        /// Conversation text, one or more lines, no trailing newline.
        case show(String)
        /// The person's line, for a transcript where no line editor showed it (`\n> line`).
        case echo(String)
        /// Interface help for the person at the terminal only, already styled.
        case notice(String)
        /// Add this line to the line editor's history.
        case remember(String)
        /// Clear the terminal, scroll-back included (leaving a disclosure of abuse discreetly).
        case clearScreen
        /// Leave with this status.
        case exit(Int32)
    }

    /// Whether the conversation is in the abuse-support flow, where leaving should leave
    /// nothing on the screen for someone else to read.
    var inSupportFlow: Bool {
        guard let p = state.position, let ls = engine.script.localeScript(for: state.locale) else { return false }
        return ls.flow(named: p.flow)?.role == .support
    }

    /// Leaving from the support flow: the screen is cleared and only a plain goodbye shown.
    func discreetExit(_ turn: Turn) -> [Action] {
        [.clearScreen, .show(formatter.format(Turn(messages: turn.messages, ended: true))), .exit(0)]
    }

    public let engine: Engine
    public private(set) var state: SessionState
    /// The turn on screen now.
    public private(set) var turn: Turn
    public var formatter: TurnFormatter
    public let options: Options
    let clock: @Sendable () -> CalendarDay?
    /// Set once an ``Action/exit(_:)`` was returned; later events do nothing.
    public private(set) var finished = false
    /// Told about every turn as it happens (the opening turn with `nil` input): a recorder
    /// writes it into a transcript, a store saves the session.
    public var observer: Observer?

    public typealias Observer = @Sendable (_ input: String?, _ turn: Turn, _ state: SessionState) -> Void
    /// Slash-commands the front end answers itself (`/progress` from the store): the text
    /// to show, after which the current question is shown again.
    public var localCommands: [String: @Sendable () -> String] = [:]

    public init(engine: Engine, state: SessionState, firstTurn: Turn, formatter: TurnFormatter,
                options: Options, clock: @escaping @Sendable () -> CalendarDay? = { nil }) {
        self.engine = engine; self.state = state; self.turn = firstTurn
        self.formatter = formatter; self.options = options; self.clock = clock
    }

    /// The tip shown once at the start of an interactive session.
    public static let tip = "Answer with a number or in your own words. Tab completes, /help lists the commands, Ctrl-D leaves."
    /// Shown after Ctrl-C on an empty line.
    public static let howToLeave = "To leave, type /quit or press Ctrl-D. (Ctrl-C only clears the line.)"
    /// Shown after /help in an interactive session, below the engine's help.
    public static let keys = "Keys: Tab completes a choice or command, Up and Down recall earlier lines, Ctrl-C clears the line, Ctrl-D leaves. A line that starts with a space is not saved in the history."

    /// What to show before the first prompt.
    public mutating func start() -> [Action] {
        var actions: [Action] = []
        if options.interactive {
            actions.append(.notice(formatter.notice(ChatMachine.tip) + (formatter.plain ? "" : "\n")))
        }
        actions.append(.show(formatter.format(turn)))
        observer?(nil, turn, state)
        if turn.ended { finished = true; actions.append(.exit(0)) }
        return actions
    }

    public mutating func handle(_ event: Event) -> [Action] {
        guard !finished else { return [] }
        switch event {
        case .line(let line):
            return answer(line)
        case .interrupt(let lineWasEmpty):
            return lineWasEmpty ? [.notice(formatter.notice(ChatMachine.howToLeave))] : []
        case .endOfInput:
            finished = true
            guard options.interactive else { return [.exit(0)] }
            let discreet = inSupportFlow
            turn = engine.respond(&state, to: .command("quit"), today: clock())
            observer?("/quit", turn, state)
            if discreet { return discreetExit(turn) }
            return [.show("\n" + formatter.format(turn)), .exit(0)]
        case .resize(let columns):
            formatter.width = max(20, columns)
            return []
        }
    }

    mutating func answer(_ line: String) -> [Action] {
        let text = line.trimmed(of: " \t\r")
        guard !text.isEmpty else { return [] }
        var actions: [Action] = []
        if options.echoInput { actions.append(.echo("\n> " + line)) }
        if text.hasPrefix("/"), let local = localCommands[String(text.dropFirst()).lowercased()] {
            actions.append(.remember(line))
            actions.append(.show("\n" + local()))
            actions.append(.show(formatter.format(engine.current(state))))
            return actions
        }
        let before = turn
        let discreet = inSupportFlow
        turn = engine.respond(&state, to: .text(line), today: clock())
        observer?(line, turn, state)
        if discreet, turn.ended, options.interactive { finished = true; return discreetExit(turn) }
        if ChatMachine.mayRemember(line, answering: before, producing: turn) { actions.append(.remember(line)) }
        actions += show(turn, withKeyHelp: options.interactive && ChatMachine.asksForHelp(text))
        if turn.ended { finished = true; actions.append(.exit(0)) }
        return actions
    }

    /// The turn after an answer. After /help, the keys are explained right below the
    /// engine's help text, before the question is asked again.
    func show(_ turn: Turn, withKeyHelp: Bool) -> [Action] {
        let help = engine.script.localeScript(for: state.locale)?.strings.help
        guard withKeyHelp, let first = turn.messages.first, first == help, turn.escalation == nil else {
            return [.show("\n" + formatter.format(turn))]
        }
        var rest = turn
        rest.messages.removeFirst()
        let extra = localCommands.keys.sorted().map { "/\($0)" }
        let keys = ChatMachine.keys + (extra.isEmpty ? "" : " Also: \(extra.joined(separator: ", ")) (\(extra == ["/progress"] ? "your activity goals week by week" : "more commands")).")
        return [.show("\n" + formatter.format(Turn(messages: [first]))),
                .notice(formatter.notice(keys)),
                .show(formatter.format(rest))]
    }

    /// Whether a line may go into the saved history. Never a line typed while a safety
    /// escalation is on screen, nor the line that set one off (a crisis, a red flag or a
    /// disclosure of abuse), nor one starting with a space (the shell convention for
    /// "don't save this").
    public static func mayRemember(_ line: String, answering before: Turn, producing after: Turn) -> Bool {
        guard let first = line.first, first != " ", first != "\t" else { return false }
        return before.escalation == nil && after.escalation == nil
    }

    static func asksForHelp(_ text: String) -> Bool {
        ["/help", "/h", "/?", "help", "?"].contains(text.lowercased())
    }

    /// What Tab completes now.
    public var completions: Completions {
        let ls = engine.script.localeScript(for: state.locale)
        let names = Input.builtinCommands + (ls.map { Array($0.commands.keys) } ?? []) + Array(localCommands.keys)
        return Completions(turn: turn, commandNames: names)
    }
}

extension String {
    fileprivate func trimmed(of set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
