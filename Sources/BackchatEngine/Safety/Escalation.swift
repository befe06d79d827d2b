/// How urgently a person needs help beyond Backchat.
public enum EscalationLevel: String, Sendable, Codable, Comparable, CaseIterable {
    /// A disclosure of abuse or violence: a supportive reply and a helpline.
    case support
    /// A red flag: see a doctor today.
    case urgent
    /// A red flag or medical emergency: emergency care now.
    case emergency
    /// Suicidal thoughts, intent, plans or self-harm: crisis support now.
    case crisis

    var rank: Int {
        switch self { case .support: 0; case .urgent: 1; case .emergency: 2; case .crisis: 3 }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// A phone line or service shown with an escalation.
public struct Resource: Sendable, Codable, Hashable {
    /// What it is for: `crisis`, `emergency`, `medical`, `abuse`, …
    public var kind: String
    public var name: String
    /// What to dial or text, as a person would read it.
    public var contact: String
    /// When it is available, or how to reach it ("24/7, call or text").
    public var detail: String?

    public init(kind: String, name: String, contact: String, detail: String? = nil) {
        self.kind = kind; self.name = name; self.contact = contact; self.detail = detail
    }
}

/// Contacts per region (`US`, `GB`, …) with a default for unknown regions.
public struct ResourceTable: Sendable {
    public struct Region: Sendable {
        public var code: String
        public var name: String
        public var emergencyNumber: String
        public var resources: [Resource]
        public init(code: String, name: String, emergencyNumber: String, resources: [Resource]) {
            self.code = code; self.name = name; self.emergencyNumber = emergencyNumber; self.resources = resources
        }
    }
    public var regions: [String: Region]
    public var fallback: Region

    public init(regions: [String: Region], fallback: Region) {
        self.regions = regions; self.fallback = fallback
    }

    /// The region for a code such as `GB` or a locale such as `en-GB`.
    public func region(for code: String?) -> Region {
        guard let code, !code.isEmpty else { return fallback }
        let upper = code.uppercased()
        if let r = regions[upper] { return r }
        let parts = upper.split(whereSeparator: { $0 == "-" || $0 == "_" })
        if parts.count > 1, let r = regions[String(parts[parts.count - 1])] { return r }
        if upper == "UK", let r = regions["GB"] { return r }
        return fallback
    }

    /// The resources an escalation of `level` shows, most relevant first.
    public func resources(for level: EscalationLevel, region code: String?) -> [Resource] {
        let region = region(for: code)
        let wanted: [String]
        switch level {
        case .crisis: wanted = ["crisis", "emergency"]
        case .emergency: wanted = ["emergency"]
        case .urgent: wanted = ["medical", "emergency"]
        case .support: wanted = ["abuse", "sexual-violence", "child-abuse", "emergency"]
        }
        // A service listed under two kinds (a line for abuse that also takes calls about
        // sexual violence) is shown once.
        var seen = Set<String>()
        return wanted.flatMap { kind in region.resources.filter { $0.kind == kind } }
            .filter { seen.insert($0.name + "\u{0}" + $0.contact).inserted }
    }

    public static let empty = ResourceTable(
        regions: [:],
        fallback: Region(code: "default", name: "your country", emergencyNumber: "your local emergency number",
                         resources: [Resource(kind: "emergency", name: "Emergency services", contact: "your local emergency number")]))
}

/// What the safety scan found in one message.
public struct Detection: Sendable, Hashable {
    public enum Certainty: String, Sendable, Codable { case clear, possible }
    public var level: EscalationLevel
    /// A stable name of what was recognised (`suicidal-ideation`, `saddle-numbness`, …).
    public var category: String
    /// A short human phrase for what was recognised, usable in dialog text as `{safety_reason}`.
    public var reason: String
    public var certainty: Certainty

    public init(level: EscalationLevel, category: String, reason: String, certainty: Certainty = .clear) {
        self.level = level; self.category = category; self.reason = reason; self.certainty = certainty
    }
}

/// Anything that can scan a message for risk. The shipped implementation is ``SafetyDetector``.
public protocol SafetyScanning: Sendable {
    /// The most serious thing found in `text`, or `nil`.
    func scan(_ text: String) -> Detection?
}

/// A scanner that stands for a ``SafetyDetector`` it holds or will have (such as one still
/// being read back on another thread): stored forms store that detector.
public protocol SafetyDetectorProviding: SafetyScanning {
    var safetyDetector: SafetyDetector { get }
}

/// A scanner that finds nothing: for fixtures that have no safety lexicon.
public struct NoSafetyScan: SafetyScanning {
    public init() {}
    public func scan(_ text: String) -> Detection? { nil }
}

/// The safety scan of one locale and the flows each finding leads to.
public struct SafetySetup: Sendable {
    public var scanner: any SafetyScanning
    /// The flow for each role, by flow index.
    public var flows: [FlowRole: Int]

    public init(scanner: any SafetyScanning = NoSafetyScan(), flows: [FlowRole: Int] = [:]) {
        self.scanner = scanner; self.flows = flows
    }
}

/// An escalation as a front end shows it and a host records it.
public struct Escalation: Sendable, Codable, Hashable {
    public var level: EscalationLevel
    /// What was recognised (`nil` when the turn only continues an earlier escalation).
    public var category: String?
    public var reason: String?
    /// `true` on the turn the risk was recognised; `false` on the turns of the safety flow after it.
    public var new: Bool
    /// `possible` when the signal was weak and Backchat is asking a check question.
    public var certainty: Detection.Certainty
    public var resources: [Resource]

    public init(level: EscalationLevel, category: String?, reason: String?, new: Bool, certainty: Detection.Certainty, resources: [Resource]) {
        self.level = level; self.category = category; self.reason = reason; self.new = new
        self.certainty = certainty; self.resources = resources
    }
}
