/// What kind of answer the conversation is waiting for.
public enum Expects: String, Sendable, Codable {
    case choice, text, number, duration, none
}

/// One answer on offer, as a front end shows it.
public struct ChoiceView: Sendable, Codable, Hashable {
    public var key: String
    public var label: String
    public init(key: String, label: String) { self.key = key; self.label = label }
}

/// What the person sees after each input. Every front end renders this; none decides anything.
public struct Turn: Sendable, Codable, Hashable {
    public var messages: [String]
    public var choices: [ChoiceView]
    public var expects: Expects
    public var escalation: Escalation?
    public var ended: Bool
    /// Where the conversation now is (`flow.node`), for analytics and debugging.
    public var node: String

    public init(messages: [String] = [], choices: [ChoiceView] = [], expects: Expects = .none,
                escalation: Escalation? = nil, ended: Bool = false, node: String = "") {
        self.messages = messages; self.choices = choices; self.expects = expects
        self.escalation = escalation; self.ended = ended; self.node = node
    }

    /// All messages as one text (what the benchmark and transcripts compare against).
    public var text: String { messages.joined(separator: "\n") }
}

/// What a front end hands the engine.
public enum Input: Sendable, Hashable {
    /// Something the person typed.
    case text(String)
    /// A global command by name, without the slash (`help`, `back`, `restart`, `quit`, `skip`,
    /// or one a locale adds, such as `plan`). Typed text `/help` means the same.
    case command(String)

    /// The commands the engine itself understands in every locale.
    public static let builtinCommands = ["help", "back", "restart", "quit", "skip"]
}

/// Something that happened during a step, for coverage reports.
public enum TraceEvent: Sendable, Hashable {
    /// A node was entered.
    case node(flow: String, node: String)
    /// An edge was taken: a choice key, `branch:N`, `else`, `next`, `skip`, `answer` or `safety`.
    case edge(flow: String, node: String, label: String)
}
