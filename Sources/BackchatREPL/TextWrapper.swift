/// Greedy word wrap measured in terminal columns.
///
/// A paragraph that starts with a list marker (`- `, `* `, `• `, `1. `, `2) `) keeps its
/// continuation lines under the text, not under the marker. Words longer than a line are
/// kept whole (a URL broken in two cannot be copied), so such a line may run long.
public enum TextWrapper {
    /// The lines of `text` (one paragraph, no newlines) at most `width` columns wide.
    /// Continuation lines start with `indent` (and the list marker's hanging indent).
    public static func wrap(_ text: String, width: Int, indent: String = "") -> [String] {
        let width = max(width, 10)
        let leading = String(text.prefix { $0 == " " })
        let body = text.dropFirst(leading.count)
        if body.isEmpty { return [""] }
        let hanging = indent + leading + String(repeating: " ", count: listMarkerWidth(body))
        var lines: [String] = []
        var line = leading
        var lineWidth = columns(leading)
        var lineHasWord = false
        for word in body.split(separator: " ", omittingEmptySubsequences: true) {
            let w = columns(word)
            if !lineHasWord {
                line += word; lineWidth += w; lineHasWord = true
            } else if lineWidth + 1 + w > width {
                lines.append(line)
                line = hanging + word
                lineWidth = columns(hanging) + w
            } else {
                line += " " + word; lineWidth += 1 + w
            }
        }
        lines.append(line)
        return lines
    }

    /// Columns taken by a list marker and its space at the start of `text`, or 0.
    static func listMarkerWidth(_ text: Substring) -> Int {
        for bullet in ["- ", "* ", "• ", "– "] where text.hasPrefix(bullet) { return bullet.count }
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 3 else { return 0 }
        let rest = text.dropFirst(digits.count)
        if rest.hasPrefix(". ") || rest.hasPrefix(") ") { return digits.count + 2 }
        return 0
    }

    /// The columns a string takes on a terminal: wide East Asian characters and emoji take
    /// two, combining marks none. Escape codes must not be in `text`.
    public static func columns<S: StringProtocol>(_ text: S) -> Int {
        var total = 0
        for character in text { total += columns(character) }
        return total
    }

    static func columns(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        if character.unicodeScalars.contains(where: { $0.value == 0xFE0F }) { return 2 }
        return isWide(scalar.value) ? 2 : 1
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
