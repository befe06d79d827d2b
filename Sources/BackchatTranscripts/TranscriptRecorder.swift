import BackchatEngine

/// Writes a conversation down as a transcript that `backchat test` replays:
/// every input as `>`, every message of every reply as `<`, and the choices,
/// escalation and end of each turn as checks.
public struct TranscriptRecorder: Sendable {
    var lines: [String]

    /// Starts a transcript; `locale`, `region` and `today` become directives so the replay
    /// sees the same crisis lines and the same date.
    public init(locale: String?, region: String?, today: CalendarDay?, flow: String? = nil, note: String? = nil) {
        lines = ["# Recorded with `backchat record`\(note.map { ": \($0)" } ?? "")."]
        if let locale { lines.append("@locale \(locale)") }
        if let region { lines.append("@region \(region)") }
        if let today { lines.append("@now \(today.iso)") }
        if let flow { lines.append("@flow \(flow)") }
        lines.append("")
    }

    /// The opening turn (before anything was typed).
    public mutating func opening(_ turn: Turn) { checks(turn) }

    /// One exchange: what was typed and what came back.
    public mutating func record(input: String, turn: Turn) {
        lines.append("")
        lines.append("> " + Self.oneLine(input))
        checks(turn)
    }

    mutating func checks(_ turn: Turn) {
        for m in turn.messages {
            let text = Self.oneLine(m)
            if !text.isEmpty { lines.append("< " + text) }
        }
        if !turn.choices.isEmpty { lines.append("choices: " + turn.choices.map(\.key).joined(separator: ", ")) }
        if turn.expects != .none { lines.append("expects: \(turn.expects.rawValue)") }
        lines.append("escalation: \(turn.escalation?.level.rawValue ?? "none")")
        if turn.ended { lines.append("ended") }
    }

    /// The transcript text.
    public var text: String { lines.joined(separator: "\n") + "\n" }

    /// Line breaks and runs of spaces as one space (the runner compares that way too).
    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
