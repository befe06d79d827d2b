import BackchatEngine

/// Renders a ``Turn`` as terminal text: wrapped messages, numbered choices, and a clearly
/// separate escalation block. With `color` off no escape code is ever written; with
/// `plain` (for screen readers) there is no decoration at all, one line per item.
public struct TurnFormatter: Sendable {
    public var width: Int
    public var color: Bool
    public var plain: Bool

    public init(width: Int = 80, color: Bool = false, plain: Bool = false) {
        self.width = max(20, width); self.color = color; self.plain = plain
    }

    func style(_ code: String, _ text: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    public func format(_ turn: Turn) -> String {
        var out: [String] = []
        if let e = turn.escalation, e.new {
            out += escalationBlock(e)
        }
        for m in turn.messages {
            if plain { out.append(contentsOf: m.split(separator: "\n").map(String.init)); continue }
            for paragraph in m.split(separator: "\n", omittingEmptySubsequences: false) {
                out += wrap(String(paragraph), width: width)
            }
        }
        if !turn.choices.isEmpty {
            let numberWidth = String(turn.choices.count).count
            for (i, c) in turn.choices.enumerated() {
                let n = String(i + 1)
                if plain {
                    out.append("\(n). \(c.label)")
                } else {
                    let pad = String(repeating: " ", count: numberWidth - n.count)
                    let prefix = "  \(pad)\(n). "
                    let lines = wrap(c.label, width: width - prefix.count)
                    for (k, l) in lines.enumerated() {
                        out.append(k == 0 ? style("1", prefix) + l : String(repeating: " ", count: prefix.count) + l)
                    }
                }
            }
        }
        if let e = turn.escalation, !e.new, turn.ended {
            out += escalationBlock(e)
        }
        return out.joined(separator: "\n")
    }

    /// The escalation as a block that stands apart from the conversation.
    public func escalationBlock(_ e: Escalation) -> [String] {
        let title: String
        switch e.level {
        case .crisis: title = "Crisis support — you don't have to go through this alone"
        case .emergency: title = "Emergency — get medical help now"
        case .urgent: title = "Urgent — see a doctor today"
        case .support: title = "Support is available"
        }
        var lines: [String] = []
        if plain {
            lines.append("\(e.level.rawValue.uppercased()): \(title)")
            for r in e.resources { lines.append("\(r.name): \(r.contact)" + (r.detail.map { " (\($0))" } ?? "")) }
            return lines
        }
        let rule = String(repeating: "─", count: min(width, 60))
        let code = e.level == .crisis || e.level == .emergency ? "1;31" : (e.level == .urgent ? "1;33" : "1;36")
        lines.append(style(code, rule))
        lines.append(style(code, "! " + title))
        for r in e.resources {
            let text = "  • \(r.name): \(r.contact)" + (r.detail.map { " (\($0))" } ?? "")
            lines += wrap(text, width: width, indent: "    ")
        }
        lines.append(style(code, rule))
        return lines
    }

    /// Greedy word wrap; words longer than the width are kept whole.
    public func wrap(_ text: String, width: Int, indent: String = "") -> [String] {
        if text.isEmpty { return [""] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if line.isEmpty { line = String(word); continue }
            if line.count + 1 + word.count > width {
                lines.append(line)
                line = indent + word
            } else {
                line += " " + word
            }
        }
        lines.append(line)
        return lines
    }
}
