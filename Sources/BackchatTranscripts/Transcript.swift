/// A scripted conversation: what the person types and what the assistant must show.
///
/// See `docs/transcripts.md` for the format.
public struct Transcript: Sendable, Hashable {
    public var file: String
    public var locale: String?
    public var region: String?
    public var today: String?
    public var flow: String?
    /// Variables a front end would provide at the start (`@set name value`).
    public var variables: [String: String] = [:]
    /// The steps in order. The first ones (before any `>`) check the opening turn.
    public var steps: [Step]

    public init(file: String, locale: String? = nil, region: String? = nil, today: String? = nil, flow: String? = nil, steps: [Step] = []) {
        self.file = file; self.locale = locale; self.region = region; self.today = today; self.flow = flow; self.steps = steps
    }

    public struct Step: Sendable, Hashable {
        public var line: Int
        public var kind: Kind
        public init(line: Int, kind: Kind) { self.line = line; self.kind = kind }
    }

    public enum Kind: Sendable, Hashable {
        /// `> text`: the person types this.
        case say(String)
        /// `< text` or `< /regex/`: the reply contains this.
        case expect(Pattern)
        /// `<! text`: the reply does not contain this.
        case expectNot(Pattern)
        /// `choices: a, b`: exactly these choice keys are offered, in this order (empty: none).
        case choices([String])
        /// `expects: number`.
        case expects(String)
        /// `escalation: crisis` (or `none`).
        case escalation(String)
        /// `node: flow.node`.
        case node(String)
        /// `ended` / `ended: no`.
        case ended(Bool)
    }

    public enum Pattern: Sendable, Hashable {
        case substring(String)
        case regex(String)

        public var description: String {
            switch self {
            case .substring(let s): "\"\(s)\""
            case .regex(let r): "/\(r)/"
            }
        }
    }
}
