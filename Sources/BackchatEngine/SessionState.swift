/// Everything one conversation remembers: small, `Codable`, portable between processes.
///
/// Positions are stored by name (flow and node id), not by index, so a saved session
/// still loads after the dialogs were edited: where a node no longer exists the engine
/// restarts that flow and says so, and keeps the variables.
public struct SessionState: Sendable, Codable, Hashable {
    /// A place in the graph, by name.
    public struct Position: Sendable, Codable, Hashable {
        public var flow: String
        public var node: String
        /// For return points: re-ask only the question there, without its lead-in messages
        /// (set when a safety flow interrupted the question).
        public var resume: Bool

        public init(flow: String, node: String, resume: Bool = false) {
            self.flow = flow; self.node = node; self.resume = resume
        }

        /// The return point of a command flow run after the conversation ended: when it
        /// returns, the conversation is finished again.
        public static let finished = Position(flow: "", node: "")

        enum CodingKeys: String, CodingKey { case flow, node, resume }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            flow = try c.decode(String.self, forKey: .flow)
            node = try c.decode(String.self, forKey: .node)
            resume = try c.decodeIfPresent(Bool.self, forKey: .resume) ?? false
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(flow, forKey: .flow)
            try c.encode(node, forKey: .node)
            if resume { try c.encode(resume, forKey: .resume) }
        }
    }

    /// A point the person can go back to.
    public struct Snapshot: Sendable, Codable, Hashable {
        public var position: Position
        public var returns: [Position]
        public var variables: [String: Value]
    }

    /// The format of this value; bumped when its shape changes.
    public static let formatVersion = 1

    public var format: Int = SessionState.formatVersion
    public var locale: String
    /// Region for crisis lines and emergency numbers (`US`, `GB`, …), if known.
    public var region: String?
    /// The ``Script/version`` the session was last advanced with.
    public var dialogsVersion: String
    /// The question waiting for an answer; `nil` before the start and after the end.
    public var position: Position?
    /// Where each running `call` returns to, innermost last.
    public var returns: [Position]
    public var variables: [String: Value]
    /// Earlier questions, for "back" (most recent last, at most ``historyLimit``).
    public var history: [Snapshot]
    public var ended: Bool
    public var turns: Int

    /// How many steps "back" can go.
    public static let historyLimit = 12

    public init(locale: String, region: String?, dialogsVersion: String) {
        self.locale = locale; self.region = region; self.dialogsVersion = dialogsVersion
        self.position = nil; self.returns = []; self.variables = [:]; self.history = []
        self.ended = false; self.turns = 0
    }
}

extension SessionState {
    /// The variables that record a safety finding.
    public static let safetyVariables = ["safety_level", "safety_category", "safety_reason", "safety_also",
                                         "safety_check_level", "safety_check_category", "safety_check_reason"]

    /// This state as a front end should keep it on disk. A disclosure of abuse is not kept:
    /// someone who hurts the person may use the same computer, and a saved "are you safe?"
    /// reopening on the next start, or the reason in an export, could put them at risk. So
    /// while the support flow runs, or after it has, the state kept is the conversation as
    /// it was before: at the place it will resume, without the safety variables, and
    /// without the steps back into the disclosure.
    public func forStorage(in script: Script) -> SessionState {
        guard let locale = script.localeScript(for: self.locale) else { return self }
        func role(_ p: Position?) -> FlowRole? { p.flatMap { locale.flow(named: $0.flow)?.role } }
        let supportLevel = Value.string(EscalationLevel.support.rawValue)
        // The support flow, or the check question that asks whether someone is hurting them.
        let inSupport = role(position) == .support || (role(position) == .safetyCheck && variables["safety_check_level"] == supportLevel)
        guard inSupport || variables["safety_level"] == supportLevel else { return self }
        var s = self
        for name in Self.safetyVariables { s.variables[name] = nil }
        if inSupport {
            // Back to where the conversation was when the disclosure came.
            while let top = s.returns.popLast() {
                if role(top) == nil { s.position = top; break }
            }
            if role(s.position) != nil { s.position = nil }
        }
        s.history = s.history.filter { snap in
            role(snap.position) == nil && snap.variables["safety_level"] == nil
        }
        return s
    }
}
