import BackchatEngine

/// Replays transcripts against the engine and explains the first difference.
public struct TranscriptRunner: Sendable {
    public let engine: Engine

    public init(engine: Engine) { self.engine = engine }

    /// Why a transcript failed: where, what was expected, what the assistant actually showed.
    public struct Failure: Sendable, Hashable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var expected: String
        public var actual: Turn?

        public var description: String {
            var out = "\(file):\(line): error: \(message)\n  expected: \(expected)"
            if let actual { out += "\n  actual turn:\n" + TranscriptRunner.describe(actual).map { "    | \($0)" }.joined(separator: "\n") }
            return out
        }
    }

    /// The result of one transcript.
    public struct Outcome: Sendable {
        public var file: String
        public var failure: Failure?
        public var turns: Int
        public var checks: Int
        public var passed: Bool { failure == nil }
    }

    /// Runs one transcript. `trace` receives every node entered and edge taken (for coverage).
    public func run(_ t: Transcript, trace: ((TraceEvent) -> Void)? = nil) -> Outcome {
        let today = t.today.flatMap(CalendarDay.init(iso:))
        var checks = 0
        var turns = 0
        func fail(_ step: Transcript.Step, _ message: String, _ expected: String, _ turn: Turn?) -> Outcome {
            Outcome(file: t.file, failure: Failure(file: t.file, line: step.line, message: message, expected: expected, actual: turn),
                    turns: turns, checks: checks)
        }
        var state: SessionState
        var turn: Turn
        do {
            let variables = t.variables.mapValues { text -> Value in Double(text).map { .number($0) } ?? .string(text) }
            (state, turn) = try engine.start(locale: t.locale, region: t.region, flow: t.flow, variables: variables,
                                             today: today, trace: trace)
        } catch {
            return Outcome(file: t.file, failure: Failure(file: t.file, line: 1, message: "cannot start: \(error)",
                                                          expected: "a conversation", actual: nil), turns: 0, checks: 0)
        }
        for step in t.steps {
            switch step.kind {
            case .say(let text):
                turn = engine.respond(&state, to: .text(text), today: today, trace: trace)
                turns += 1
                continue
            case .expect(let p):
                if !TranscriptRunner.matches(p, turn.text) { return fail(step, "the reply does not contain \(p.description)", p.description, turn) }
            case .expectNot(let p):
                if TranscriptRunner.matches(p, turn.text) { return fail(step, "the reply contains \(p.description), which it must not", "no \(p.description)", turn) }
            case .choices(let keys):
                let actual = turn.choices.map(\.key)
                if actual != keys {
                    return fail(step, "different choices offered", keys.isEmpty ? "none" : keys.joined(separator: ", "), turn)
                }
            case .expects(let kind):
                if turn.expects.rawValue != kind { return fail(step, "expects \(turn.expects.rawValue), not \(kind)", kind, turn) }
            case .escalation(let level):
                let actual = turn.escalation?.level.rawValue ?? "none"
                if actual != level { return fail(step, "escalation is \(actual), not \(level)", level, turn) }
            case .node(let node):
                if turn.node != node { return fail(step, "the conversation is at \(turn.node.isEmpty ? "no node" : turn.node), not \(node)", node, turn) }
            case .ended(let ended):
                if turn.ended != ended { return fail(step, ended ? "the conversation has not ended" : "the conversation ended", ended ? "ended" : "not ended", turn) }
            }
            checks += 1
        }
        return Outcome(file: t.file, failure: nil, turns: turns, checks: checks)
    }

    /// Case-insensitive substring with whitespace collapsed, or a regex match.
    public static func matches(_ p: Transcript.Pattern, _ text: String) -> Bool {
        switch p {
        case .substring(let s): return collapse(text).lowercased().contains(collapse(s).lowercased())
        case .regex(let r):
            guard let re = try? Regex(r).ignoresCase() else { return false }
            return text.contains(re)
        }
    }

    static func collapse(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// A turn as readable lines.
    public static func describe(_ turn: Turn) -> [String] {
        var lines = turn.messages.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        if !turn.choices.isEmpty { lines.append("choices: " + turn.choices.map { "\($0.key) (\($0.label))" }.joined(separator: ", ")) }
        lines.append("expects: \(turn.expects.rawValue)" + (turn.escalation.map { ", escalation: \($0.level.rawValue)" } ?? "")
                     + (turn.ended ? ", ended" : "") + (turn.node.isEmpty ? "" : ", node: \(turn.node)"))
        return lines
    }
}
