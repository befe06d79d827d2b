import BackchatEngine

/// Renders a ``Turn`` as terminal text: wrapped messages, numbered and aligned choices,
/// and an escalation block that stands apart from the conversation.
///
/// With `color` off no escape code is ever written. With `plain` (for screen readers)
/// there is no decoration at all: no wrapping, no indentation, no rules, one line per
/// item, so a screen reader reads each item once and whole.
public struct TurnFormatter: Sendable, Equatable {
    /// Terminal columns; messages are wrapped to this (at most ``readableWidth``).
    public var width: Int
    public var color: Bool
    public var plain: Bool
    /// Whether box-drawing characters may be used for decoration (a UTF-8 locale).
    public var unicode: Bool

    /// Lines longer than this are hard to read, however wide the terminal.
    public static let readableWidth = 100

    public init(width: Int = 80, color: Bool = false, plain: Bool = false, unicode: Bool = true) {
        self.width = max(20, width); self.color = color; self.plain = plain; self.unicode = unicode
    }

    /// The width text is wrapped to.
    var textWidth: Int { min(width, TurnFormatter.readableWidth) }

    /// The whole turn, lines joined with newlines (no trailing newline).
    public func format(_ turn: Turn) -> String {
        lines(turn).joined(separator: "\n")
    }

    /// The whole turn as lines: the escalation block first (it matters most), then the
    /// messages, then the choices; when a safety flow continues, a short reminder of the
    /// numbers; when the conversation ends inside one, the full block again.
    public func lines(_ turn: Turn) -> [String] {
        var out: [String] = []
        if let e = turn.escalation, e.new {
            out += escalationBlock(e)
            if !plain { out.append("") }
        }
        for message in turn.messages {
            out += messageLines(message)
        }
        out += choiceLines(turn.choices)
        if let e = turn.escalation, !e.new {
            if turn.ended {
                if !plain { out.append("") }
                out += escalationBlock(e)
            } else if e.level == .crisis {
                if !plain { out.append("") }
                out += reminder(e)
            }
        }
        return out
    }

    /// One message; newlines in it start new paragraphs.
    public func messageLines(_ message: String) -> [String] {
        let paragraphs = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if plain { return paragraphs.filter { !$0.isEmpty } }
        return paragraphs.flatMap { TextWrapper.wrap($0, width: textWidth) }
    }

    /// The choices, numbered from 1, numbers right-aligned, long labels wrapped under their text.
    public func choiceLines(_ choices: [ChoiceView]) -> [String] {
        let numberWidth = String(choices.count).count
        var out: [String] = []
        for (i, choice) in choices.enumerated() {
            let n = String(i + 1)
            if plain { out.append("\(n). \(choice.label)"); continue }
            let pad = String(repeating: " ", count: numberWidth - n.count)
            let prefix = "  \(pad)\(n). "
            let hanging = String(repeating: " ", count: prefix.count)
            let wrapped = TextWrapper.wrap(choice.label, width: textWidth - prefix.count)
            for (k, line) in wrapped.enumerated() {
                out.append(k == 0 ? style(.bold, prefix) + line : hanging + line)
            }
        }
        return out
    }

    /// The line editor's prompt. Escape codes are bracketed by `\u{1}`…`\u{2}` so readline
    /// does not count them as columns.
    public var prompt: String {
        color ? "\u{1}\u{1B}[1m\u{2}>\u{1}\u{1B}[0m\u{2} " : "> "
    }

    /// A line of interface help (not part of the conversation), dimmed on a colour terminal.
    public func notice(_ text: String) -> String {
        if plain { return text }
        return TextWrapper.wrap(text, width: textWidth).map { style(.dim, $0) }.joined(separator: "\n")
    }

    // MARK: - Styles

    enum Style {
        case bold, dim, alert(EscalationLevel)

        var code: String {
            switch self {
            case .bold: "1"
            case .dim: "2"
            case .alert(let level):
                switch level {
                case .crisis, .emergency: "1;31"
                case .urgent: "1;33"
                case .support: "1;36"
                }
            }
        }
    }

    func style(_ style: Style, _ text: String) -> String {
        color && !text.isEmpty ? "\u{1B}[\(style.code)m\(text)\u{1B}[0m" : text
    }
}
