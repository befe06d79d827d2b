/// Everything loaded from `Dialogs/`: checked, immutable, shared by every session.
///
/// The loader builds it; the engine only reads it. References between nodes and flows
/// are resolved to indices at load time, so a step never looks up a missing name.
public struct Script: Sendable {
    /// One language's dialogs, keyed by locale code (`en`).
    public var locales: [String: LocaleScript]
    /// The locale used when a session asks for one that is not shipped.
    public var defaultLocale: String
    /// A fingerprint of the dialog files, stored in sessions so that a saved session can tell
    /// when the dialogs changed under it.
    public var version: String
    /// Crisis and emergency contacts per region.
    public var resources: ResourceTable

    public init(locales: [String: LocaleScript], defaultLocale: String, version: String, resources: ResourceTable) {
        self.locales = locales
        self.defaultLocale = defaultLocale
        self.version = version
        self.resources = resources
    }

    /// The locale script for a code such as `en-GB` (falls back on the language, then the default).
    public func localeScript(for code: String?) -> LocaleScript? {
        if let code {
            if let l = locales[code] { return l }
            let language = String(code.split(whereSeparator: { $0 == "-" || $0 == "_" }).first ?? "")
            if let l = locales[language.lowercased()] { return l }
        }
        return locales[defaultLocale]
    }
}

/// The flows, strings and safety set-up of one language.
///
/// A value like any other, but its members live behind one shared, immutable reference:
/// every turn copies the locale into its step, and copying one reference costs a retain
/// where copying the members themselves (the flows, the indexes, fifteen strings, the
/// scanner) cost dozens. A change replaces the reference, so copies never see it.
public struct LocaleScript: Sendable {
    /// The members, as one value.
    struct Members: Sendable {
        var code: String
        var flows: [Flow]
        var flowIndex: [String: Int]
        var entryFlow: Int
        var strings: EngineStrings
        var safety: SafetySetup
        var commands: [String: Int]
        var commandWords: [String: String]
        /// The most words any of `commandWords` has: longer text is never a command word.
        var mostCommandWords = 0

        /// Works out the members derived from the others.
        mutating func derive() {
            mostCommandWords = commandWords.keys.reduce(0) { most, phrase in
                max(most, phrase.utf8.reduce(1) { $1 == UInt8(ascii: " ") ? $0 + 1 : $0 })
            }
        }
    }

    /// The shared members; never changed once made.
    final class Box: Sendable {
        let members: Members
        init(_ members: Members) { self.members = members }
    }

    private var box: Box

    /// Changes one member: the others are shared, the reference is new.
    private mutating func change(_ body: (inout Members) -> Void) {
        var members = box.members
        body(&members)
        members.derive()
        box = Box(members)
    }

    public var code: String {
        get { box.members.code }
        set { change { $0.code = newValue } }
    }
    public var flows: [Flow] {
        get { box.members.flows }
        set { change { $0.flows = newValue } }
    }
    public var flowIndex: [String: Int] {
        get { box.members.flowIndex }
        set { change { $0.flowIndex = newValue } }
    }
    /// The flow a new conversation starts in.
    public var entryFlow: Int {
        get { box.members.entryFlow }
        set { change { $0.entryFlow = newValue } }
    }
    /// Words the engine itself says (help, "cannot go back", …).
    public var strings: EngineStrings {
        get { box.members.strings }
        set { change { $0.strings = newValue } }
    }
    /// The safety scan and where each escalation level leads.
    public var safety: SafetySetup {
        get { box.members.safety }
        set { change { $0.safety = newValue } }
    }
    /// Extra slash-commands: command name → the flow it calls (then the conversation resumes).
    public var commands: [String: Int] {
        get { box.members.commands }
        set { change { $0.commands = newValue } }
    }
    /// Plain words that mean a command when typed alone ("quit", "exit", "go back", …).
    public var commandWords: [String: String] {
        get { box.members.commandWords }
        set { change { $0.commandWords = newValue } }
    }

    /// The most words a command word has (`bye for now`: 3); text with more is not one.
    var mostCommandWords: Int { box.members.mostCommandWords }

    public static let defaultCommandWords: [String: String] = [
        "help": "help", "quit": "quit", "exit": "quit", "bye for now": "quit",
        "restart": "restart", "start over": "restart", "start again": "restart",
        "go back": "back", "previous question": "back", "undo": "back",
        "skip": "skip", "pass": "skip", "skip this": "skip", "skip it": "skip",
    ]

    public init(code: String, flows: [Flow], entryFlow: Int, strings: EngineStrings, safety: SafetySetup) {
        var index: [String: Int] = [:]
        for (i, f) in flows.enumerated() { index[f.name] = i }
        var members = Members(code: code, flows: flows, flowIndex: index, entryFlow: entryFlow, strings: strings,
                              safety: safety, commands: [:], commandWords: LocaleScript.defaultCommandWords)
        members.derive()
        box = Box(members)
    }

    public func flow(named name: String) -> Flow? { flowIndex[name].map { flows[$0] } }
}

/// The engine's own words in one language; every one can be changed in `locale.yaml`.
public struct EngineStrings: Sendable {
    public var help: String
    public var cannotGoBack: String
    public var goingBack: String
    public var restarted: String
    public var goodbye: String
    public var ended: String
    public var notUnderstood: String
    public var didYouMean: String
    public var resuming: String
    public var dialogsChanged: String
    public var skipped: String
    public var cannotSkip: String
    public var unknownCommand: String
    public var stayWithSafety: String
    public var outOfRange: String
    /// Said when a medical emergency is told while crisis support runs; `{safety_also}` is what was found.
    public var emergencyDuringCrisis: String

    public init(help: String = "You can answer with the number or the words of a choice. Commands: /back, /restart, /plan, /quit.",
                cannotGoBack: String = "We're at the start, so there's nowhere to go back to.",
                goingBack: String = "Let's go back a step.",
                restarted: String = "Let's start again from the beginning.",
                goodbye: String = "Take care. You can come back any time.",
                ended: String = "This conversation has finished. Type /restart to begin again.",
                notUnderstood: String = "Sorry, I didn't catch that.",
                didYouMean: String = "Did you mean {options}?",
                resuming: String = "Let's carry on where we were.",
                dialogsChanged: String = "The conversation has been updated since last time, so we'll pick up at the start of this part.",
                skipped: String = "That's fine, let's skip that one.",
                cannotSkip: String = "This one can't be skipped, but you can answer in your own words.",
                unknownCommand: String = "I don't know the command /{command}. Type /help to see what you can do.",
                stayWithSafety: String = "Let's stay with this for a moment first.",
                outOfRange: String = "Please give a number from {min} to {max}.",
                emergencyDuringCrisis: String = "What you just said needs emergency care now ({safety_also}). Please call {emergency_number} now. I'm still here with you.") {
        self.help = help; self.cannotGoBack = cannotGoBack; self.goingBack = goingBack; self.restarted = restarted
        self.goodbye = goodbye; self.ended = ended; self.notUnderstood = notUnderstood; self.didYouMean = didYouMean
        self.resuming = resuming; self.dialogsChanged = dialogsChanged; self.skipped = skipped
        self.cannotSkip = cannotSkip; self.unknownCommand = unknownCommand; self.stayWithSafety = stayWithSafety
        self.outOfRange = outOfRange
        self.emergencyDuringCrisis = emergencyDuringCrisis
    }
}

/// One conversation graph: a named set of nodes with a start.
public struct Flow: Sendable {
    public var name: String
    public var title: String
    public var start: Int
    public var nodes: [Node]
    public var nodeIndex: [String: Int]
    /// Set for the flows the safety scan leads to.
    public var role: FlowRole?
    /// Where the conversation goes when this safety flow is triggered again while it runs.
    public var reentry: Int?
    public var file: String

    public init(name: String, title: String, start: Int, nodes: [Node], role: FlowRole? = nil, reentry: Int? = nil, file: String = "") {
        self.name = name; self.title = title; self.start = start; self.nodes = nodes
        self.role = role; self.reentry = reentry; self.file = file
        var index: [String: Int] = [:]
        for (i, n) in nodes.enumerated() { index[n.id] = i }
        self.nodeIndex = index
    }
}

/// What a safety flow is for.
public enum FlowRole: String, Sendable, Codable, CaseIterable {
    /// Suicidal thoughts or self-harm.
    case crisis
    /// A weak or ambiguous crisis signal: ask a gentle, direct check question.
    case crisisCheck = "crisis-check"
    /// A red flag that needs emergency care now.
    case emergency
    /// A red flag that needs a doctor today.
    case urgent
    /// A disclosure of abuse or violence: support and a helpline.
    case support
    /// A possible red flag or disclosure the backstop model noticed (level in `safety_check_level`):
    /// ask one check question before giving the advice.
    case safetyCheck = "safety-check"

    /// The flow that handles a finding at `level`: the level's own, or for a possible finding
    /// its check question (`crisis-check` for a crisis, `safety-check` below).
    public static func handling(_ level: EscalationLevel, possible: Bool) -> FlowRole {
        switch level {
        case .crisis: possible ? .crisisCheck : .crisis
        case .emergency: possible ? .safetyCheck : .emergency
        case .urgent: possible ? .safetyCheck : .urgent
        case .support: possible ? .safetyCheck : .support
        }
    }

    /// A flow that asks one check question about a possible finding before anything else.
    public var isCheck: Bool { self == .crisisCheck || self == .safetyCheck }

    /// A flow that `/back` and `/restart` may not leave: the crisis flow, and a check question
    /// waiting for its answer.
    public var holdsTheConversation: Bool { self == .crisis || isCheck }

    /// The level the flow stands for. The safety check stands for the lowest, so that any
    /// finding while it runs takes over; the level it asks about is in `safety_level`.
    public var level: EscalationLevel {
        switch self {
        case .crisis, .crisisCheck: .crisis
        case .emergency: .emergency
        case .urgent: .urgent
        case .support, .safetyCheck: .support
        }
    }
}

/// A place in a locale's graph.
public struct Target: Sendable, Hashable {
    public var flow: Int
    public var node: Int
    public init(flow: Int, node: Int) { self.flow = flow; self.node = node }
}

/// Text with `{variable}` placeholders, split once at load time.
public struct Template: Sendable, Hashable {
    public enum Part: Sendable, Hashable { case text(String), variable(String) }
    public var parts: [Part]

    public init(parts: [Part]) { self.parts = parts }

    /// Splits `{name}` placeholders out of `source`; `{{` and `}}` stand for literal braces.
    public init(_ source: String) {
        var parts: [Part] = []
        var text = ""
        var chars = source.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if c == "{" {
                let next = chars.next()
                if next == "{" { text.append("{"); continue }
                var name = ""
                var closed = false
                var n = next
                while let ch = n { if ch == "}" { closed = true; break }; name.append(ch); n = chars.next() }
                if closed, !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    if !text.isEmpty { parts.append(.text(text)); text = "" }
                    parts.append(.variable(name))
                } else {
                    text.append("{"); text.append(name); if closed { text.append("}") }
                }
            } else if c == "}" {
                let next = chars.next()
                text.append("}")
                if next != "}" { pending = next }
            } else {
                text.append(c)
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
    }

    public var variables: [String] {
        parts.compactMap { if case .variable(let v) = $0 { v } else { nil } }
    }

    /// The text when there is no placeholder in it (no lookup needed), else `nil`.
    public var plainText: String? {
        if parts.isEmpty { return "" }
        if parts.count == 1, case .text(let t) = parts[0] { return t }
        return nil
    }

    /// The plain text with each placeholder replaced by its variable's value.
    public func render(_ lookup: (String) -> Value) -> String {
        if parts.count == 1, case .text(let t) = parts[0] { return t }
        var out = ""
        for p in parts {
            switch p {
            case .text(let t): out += t
            case .variable(let v): out += lookup(v).text
            }
        }
        return out
    }

    /// The source text, placeholders kept (for graphs and lint).
    public var source: String {
        parts.map { p in
            switch p { case .text(let t): t; case .variable(let v): "{\(v)}" }
        }.joined()
    }
}

/// A variable assignment: a literal value or a computed one.
public struct Assignment: Sendable, Hashable {
    public enum Source: Sendable, Hashable { case value(Value), expression(Expression) }
    public var variable: String
    public var source: Source
    public init(variable: String, source: Source) { self.variable = variable; self.source = source }
}

/// One step of a flow.
public struct Node: Sendable {
    public var id: String
    /// Messages shown on arrival, in order.
    public var say: [Template]
    /// Assignments made on arrival, after `say` is rendered.
    public var assignments: [Assignment]
    public var action: Action
    /// 1-based source line of the node, for graphs and coverage reports.
    public var line: Int

    public init(id: String, say: [Template] = [], assignments: [Assignment] = [], action: Action, line: Int = 0) {
        self.id = id; self.say = say; self.assignments = assignments; self.action = action; self.line = line
    }

    /// What happens after the node's messages and assignments.
    public enum Action: Sendable {
        /// Go on to another node (in this flow or another).
        case next(Target)
        /// Wait for the person's answer.
        case ask(Ask)
        /// Take the first branch whose condition holds, else `otherwise`.
        case branch([Branch], otherwise: Target)
        /// Run another flow; when it returns, continue at `then`.
        case call(flow: Int, then: Target)
        /// Return to the node after the `call` that started this flow.
        case returns
        /// The conversation ends.
        case end
    }
}

public struct Branch: Sendable {
    public var condition: Expression
    public var source: String
    public var target: Target
    public init(condition: Expression, source: String, target: Target) {
        self.condition = condition; self.source = source; self.target = target
    }
}

/// A question and how to understand its answer.
public struct Ask: Sendable {
    public enum Kind: Sendable {
        case choice([Choice])
        case text
        case number(min: Double?, max: Double?)
        /// A length of time, stored in `unitDays`-day units (7 for weeks).
        case duration(unitDays: Double, unitName: String)
    }
    public var prompt: Template
    public var kind: Kind
    /// The variable the answer is stored in (for choices: the chosen key).
    public var into: String?
    /// Where to go after an answer (a choice's own `next` wins).
    public var next: Target?
    /// Said when the answer was not understood (before the question again).
    public var retry: Template?
    /// Where "skip" leads; `nil` when the question cannot be skipped.
    public var skip: Target?

    public init(prompt: Template, kind: Kind, into: String? = nil, next: Target? = nil, retry: Template? = nil, skip: Target? = nil) {
        self.prompt = prompt; self.kind = kind; self.into = into; self.next = next; self.retry = retry; self.skip = skip
    }

    public var expects: Expects {
        switch kind {
        case .choice: .choice
        case .text: .text
        case .number: .number
        case .duration: .duration
        }
    }
}

/// One answer on offer.
public struct Choice: Sendable {
    public var key: String
    public var label: Template
    /// Normalised phrases that pick this choice: key, label and synonyms.
    public var phrases: [[String]]
    public var assignments: [Assignment]
    public var next: Target?

    public init(key: String, label: Template, synonyms: [String] = [], assignments: [Assignment] = [], next: Target? = nil) {
        self.key = key; self.label = label; self.assignments = assignments; self.next = next
        var seen = Set<[String]>()
        var phrases: [[String]] = []
        for p in [key.replacingUnderscores, label.source] + synonyms {
            let w = TextNormalizer.words(p)
            if !w.isEmpty, seen.insert(w).inserted { phrases.append(w) }
        }
        self.phrases = phrases
    }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
