import Foundation

/// Folds what a person typed into a canonical form before any matching.
///
/// Unicode compatibility forms (NFKC), case, accents, typographic apostrophes and dashes,
/// letters repeated three or more times ("sooooo" → "soo"), punctuation and spacing.
/// Apostrophes inside words are dropped ("can’t" → "cant") so contractions match
/// however they were typed. The same folding is applied to every phrase a dialog or
/// lexicon defines, so both sides always agree.
public enum TextNormalizer {
    /// The folded text as words.
    public static func words(_ text: String) -> [String] {
        if let ascii = asciiWords(text) { return ascii }
        var words: [String] = []
        var current = ""
        var lastChar: Character = " "
        var run = 0
        func flush() {
            if !current.isEmpty { words.append(current); current = "" }
            run = 0; lastChar = " "
        }
        for ch in fold(text) {
            if ch.isLetter || ch.isNumber {
                if ch == lastChar { run += 1 } else { run = 1; lastChar = ch }
                if run <= 2 || ch.isNumber { current.append(ch) }
            } else if ch == "'" {
                continue // joins contractions: don't → dont
            } else if ch == "." || ch == ",", let prev = current.last, prev.isNumber {
                current.append(".") // keep decimals like 1.5 and 7,5 (a trailing dot is trimmed below)
                lastChar = ch; run = 1
            } else {
                flush()
            }
        }
        flush()
        return words.map { w in
            var w = w
            while w.last == "." { w.removeLast() }
            return w
        }.filter { !$0.isEmpty }
    }

    /// The same folding for pure ASCII text, on bytes: Unicode character properties are the
    /// most expensive part of a turn, and almost everything people type is ASCII.
    /// Returns `nil` for any other text.
    static func asciiWords(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            var words: [String] = []
            var current: [UInt8] = []
            current.reserveCapacity(16)
            var last: UInt8 = 0
            var run = 0
            func flush() {
                while current.last == UInt8(ascii: ".") { current.removeLast() }
                if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)); current.removeAll(keepingCapacity: true) }
                run = 0; last = 0
            }
            for b in bytes {
                if b >= 0x80 { return nil }
                var c = b
                if c >= 0x41 && c <= 0x5A { c |= 0x20 }
                let isLetter = c >= 0x61 && c <= 0x7A
                let isDigit = c >= 0x30 && c <= 0x39
                if isLetter || isDigit {
                    if c == last { run += 1 } else { run = 1; last = c }
                    if run <= 2 || isDigit { current.append(c) }
                } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "`") {
                    continue
                } else if (c == UInt8(ascii: ".") || c == UInt8(ascii: ",")), let prev = current.last, prev >= 0x30 && prev <= 0x39 {
                    current.append(UInt8(ascii: "."))
                    last = c; run = 1
                } else {
                    flush()
                }
            }
            flush()
            return words
        }
    }

    /// The folded text as one string of words separated by single spaces.
    public static func normalize(_ text: String) -> String {
        words(text).joined(separator: " ")
    }

    /// Whether `text` is pure ASCII, looked at as contiguous bytes.
    static func isASCII(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var all: UInt8 = 0
            for b in bytes { all |= b }
            return all < 0x80
        }
    }

    /// Lower-cased, compatibility-decomposed text without accents, with typographic
    /// apostrophes unified. Pure ASCII skips the Unicode work.
    static func fold(_ text: String) -> String {
        if isASCII(text) { return text.lowercased() }
        var s = text.precomposedStringWithCompatibilityMapping
        s = s.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\u{2018}", "\u{2019}", "\u{201B}", "\u{2032}", "\u{02BC}", "`", "\u{00B4}": out.append("'")
            case "\u{2010}"..."\u{2015}", "\u{2212}": out.append("-")
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out.lowercased()
    }

    /// Edit distance with adjacent transpositions (optimal string alignment), stopping early
    /// once it exceeds `limit`.
    public static func distance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if abs(x.count - y.count) > limit { return limit + 1 }
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev2 = [Int](repeating: 0, count: y.count + 1)
        var prev = Array(0...y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            var rowMin = cur[0]
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { v = min(v, prev2[j - 2] + 1) }
                cur[j] = v
                rowMin = min(rowMin, v)
            }
            if rowMin > limit { return limit + 1 }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[y.count]
    }

    /// How many typos a word of this length may carry and still match.
    public static func typoAllowance(forLength n: Int) -> Int {
        n >= 8 ? 2 : (n >= 4 ? 1 : 0)
    }
}
