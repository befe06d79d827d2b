/// One lexicon phrase, parsed: a small pattern language over normalised words.
///
/// | syntax | meaning |
/// |---|---|
/// | `want to die` | these words in a row (folded like any input: `can't` = `cant`) |
/// | `(kill|end) myself` | one of the alternatives; an alternative may be several words |
/// | `[really] want`, `(really|truly)? want` | an optional part |
/// | `@self` | any member of the word set `self` |
/// | `want .. die` | up to 3 other words in between; `..5` allows up to 5 |
/// | `suicid*` | any word starting with `suicid` (at least 3 letters before `*`) |
/// | `*` | exactly one word, any |
/// | `#num`, `#50-110` | a number, or a number in a range |
/// | `^` first, `$` last | the phrase must start / end its clause |
public struct SafetyPattern: Sendable, Hashable {
    /// One element of a pattern.
    public indirect enum Element: Sendable, Hashable {
        case word(String)
        case prefix(String)
        case any
        case number(ClosedRange<Double>)
        case gap(Int)
        case set(String)
        case sequence([Element])
        /// Alternatives; an empty sequence among them makes the group optional.
        case choice([Element])
    }

    public var element: Element
    /// `^`: only at the start of a clause.
    public var anchoredStart: Bool
    /// `$`: only at the end of a clause.
    public var anchoredEnd: Bool

    /// The most words a `..N` gap may skip.
    public static let maxGap = 8

    /// A problem in a phrase, with the character offset where it is.
    public struct ParseError: Error, Sendable, Hashable {
        public var message: String
        /// 0-based offset in the phrase text.
        public var offset: Int
        public var hint: String?
        public init(_ message: String, offset: Int, hint: String? = nil) {
            self.message = message; self.offset = offset; self.hint = hint
        }
    }

    /// Parses `text`; `sets` are the known set names (for `@name` checks), or `nil` to skip that check.
    public init(parsing text: String, sets: Set<String>? = nil) throws(ParseError) {
        var parser = Parser(chars: Array(text), sets: sets)
        self = try parser.parsePattern()
    }

    init(element: Element, anchoredStart: Bool, anchoredEnd: Bool) {
        self.element = element; self.anchoredStart = anchoredStart; self.anchoredEnd = anchoredEnd
    }

    /// The literal words of the pattern (for the typo index).
    var literalWords: [String] {
        var out: [String] = []
        func walk(_ e: Element) {
            switch e {
            case .word(let w): out.append(w)
            case .sequence(let items), .choice(let items): items.forEach(walk)
            default: break
            }
        }
        walk(element)
        return out
    }

    /// The `@set` names the pattern uses.
    var setNames: [String] {
        var out: [String] = []
        func walk(_ e: Element) {
            switch e {
            case .set(let s): out.append(s)
            case .sequence(let items), .choice(let items): items.forEach(walk)
            default: break
            }
        }
        walk(element)
        return out
    }
}

extension SafetyPattern {
    struct Parser {
        let chars: [Character]
        let sets: Set<String>?
        var i = 0

        init(chars: [Character], sets: Set<String>?) { self.chars = chars; self.sets = sets }

        mutating func parsePattern() throws(ParseError) -> SafetyPattern {
            skipSpace()
            var start = false, end = false
            if peek == "^" { start = true; i += 1 }
            let seq = try parseSequence(until: nil)
            skipSpace()
            if i < chars.count {
                throw ParseError("unexpected '\(chars[i])'", offset: i,
                                 hint: chars[i] == ")" || chars[i] == "]" ? "there is no matching opening bracket" : nil)
            }
            var items = seq.items
            if case .word("$")? = items.last.map({ $0.element }) {
                end = true
                items.removeLast()
            }
            if items.isEmpty { throw ParseError("the phrase has no words", offset: 0) }
            try checkGaps(items)
            let element: Element = items.count == 1 ? items[0].element : .sequence(items.map(\.element))
            if Self.canBeEmpty(element) {
                throw ParseError("the phrase can match nothing at all", offset: 0, hint: "make at least one word required")
            }
            return SafetyPattern(element: element, anchoredStart: start, anchoredEnd: end)
        }

        struct Item { var element: Element; var offset: Int }
        struct Seq { var items: [Item] }

        var peek: Character? { i < chars.count ? chars[i] : nil }

        mutating func skipSpace() { while let c = peek, c.isWhitespace { i += 1 } }

        /// White space and the bracket characters end a plain token.
        static func endsToken(_ c: Character) -> Bool {
            switch c {
            case " ", "(", ")", "[", "]", "|": return true
            default: return c.isWhitespace
            }
        }

        /// Items up to `until` (`)` or `]`) or a `|`, which the caller handles.
        mutating func parseSequence(until close: Character?) throws(ParseError) -> Seq {
            var items: [Item] = []
            while true {
                skipSpace()
                guard let c = peek else { break }
                if c == "|" || c == ")" || c == "]" { break }
                let at = i
                if c == "(" || c == "[" {
                    i += 1
                    let closing: Character = c == "(" ? ")" : "]"
                    var alternatives: [Element] = []
                    while true {
                        let s = try parseSequence(until: closing)
                        if s.items.isEmpty {
                            throw ParseError("empty alternative in '\(c)…\(closing)'", offset: i,
                                             hint: "remove the extra '|', or use [ … ] for an optional part")
                        }
                        try checkGaps(s.items)
                        alternatives.append(s.items.count == 1 ? s.items[0].element : .sequence(s.items.map(\.element)))
                        if peek == "|" { i += 1; continue }
                        if peek == closing { i += 1; break }
                        if let p = peek {
                            throw ParseError("'\(c)' closed by '\(p)'", offset: i, hint: "close it with '\(closing)'")
                        }
                        throw ParseError("'\(c)' is never closed", offset: at, hint: "add the missing '\(closing)'")
                    }
                    // `[…]` and `(…)?` are optional.
                    if closing == ")", peek == "?" { i += 1; alternatives.append(.sequence([])) }
                    if closing == "]" { alternatives.append(.sequence([])) }
                    items.append(Item(element: alternatives.count == 1 ? alternatives[0] : .choice(alternatives), offset: at))
                    continue
                }
                // A plain token up to whitespace or a bracket.
                var token = ""
                while let d = peek, !Self.endsToken(d) { token.append(d); i += 1 }
                if token.count > 1, token.hasSuffix("$") {
                    // `word$`: the word, then the end anchor.
                    items += try element(for: String(token.dropLast()), at: at)
                    items += try element(for: "$", at: at + token.count - 1)
                } else {
                    items += try element(for: token, at: at)
                }
            }
            _ = close
            return Seq(items: items)
        }

        mutating func element(for token: String, at: Int) throws(ParseError) -> [Item] {
            if token == "^" { throw ParseError("'^' may only begin the phrase", offset: at) }
            if token == "$" {
                skipSpace()
                if peek != nil { throw ParseError("'$' may only end the phrase", offset: at) }
                return [Item(element: .word("$"), offset: at)]
            }
            if token == "*" { return [Item(element: .any, offset: at)] }
            if token.hasPrefix("..") {
                let digits = token.dropFirst(2)
                let n = digits.isEmpty ? 3 : Int(digits)
                guard let n, n >= 1, n <= SafetyPattern.maxGap else {
                    throw ParseError("a gap is '..' or '..N' with N from 1 to \(SafetyPattern.maxGap), not '\(token)'", offset: at)
                }
                return [Item(element: .gap(n), offset: at)]
            }
            if token.hasPrefix("@") {
                let name = String(token.dropFirst())
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw ParseError("'\(token)' is not a set name", offset: at, hint: "set names use letters, digits, '-' and '_'")
                }
                if let sets, !sets.contains(name) {
                    let hint = SafetyPattern.closest(name, in: sets).map { "did you mean '@\($0)'?" } ?? "define it under 'sets:'"
                    throw ParseError("unknown set '@\(name)'", offset: at, hint: hint)
                }
                return [Item(element: .set(name), offset: at)]
            }
            if token.hasPrefix("#") {
                let body = token.dropFirst()
                if body == "num" { return [Item(element: .number(-Double.infinity...Double.infinity), offset: at)] }
                let parts = body.split(separator: "-", omittingEmptySubsequences: false)
                if parts.count == 2, let lo = Double(parts[0]), let hi = Double(parts[1]), lo <= hi {
                    return [Item(element: .number(lo...hi), offset: at)]
                }
                throw ParseError("'\(token)' is not a number pattern", offset: at, hint: "use #num for any number or #LOW-HIGH, e.g. #50-110")
            }
            if token.count > 1, token.hasSuffix("*") {
                let stem = TextNormalizer.words(String(token.dropLast()))
                guard stem.count == 1, stem[0].count >= 3 else {
                    throw ParseError("a prefix needs at least 3 letters before '*': '\(token)'", offset: at)
                }
                return [Item(element: .prefix(stem[0]), offset: at)]
            }
            let words = TextNormalizer.words(token)
            if words.isEmpty {
                throw ParseError("'\(token)' has no letters or digits", offset: at,
                                 hint: "special characters are ( ) [ ] | * .. @ # ^ $")
            }
            return words.map { Item(element: .word($0), offset: at) }
        }

        func checkGaps(_ items: [Item]) throws(ParseError) {
            // A gap needs a word on both sides: nothing before or after it but optional parts won't do.
            for (k, item) in items.enumerated() {
                guard case .gap = item.element else { continue }
                if items[..<k].allSatisfy({ Self.canBeEmpty($0.element) }) {
                    throw ParseError("a gap cannot begin a phrase or group", offset: item.offset,
                                     hint: "put a required word before '..'")
                }
                if items[(k + 1)...].allSatisfy({ Self.canBeEmpty($0.element) }) {
                    throw ParseError("a gap cannot end a phrase or group", offset: item.offset,
                                     hint: "put a required word after '..'")
                }
            }
            for (a, b) in zip(items, items.dropFirst()) {
                if case .gap = a.element, case .gap = b.element {
                    throw ParseError("two gaps in a row", offset: b.offset, hint: "use one gap such as '..5'")
                }
            }
        }

        static func canBeEmpty(_ e: Element) -> Bool {
            switch e {
            case .sequence(let items): items.allSatisfy(canBeEmpty)
            case .choice(let alts): alts.contains(where: canBeEmpty)
            case .gap: true
            default: false
            }
        }
    }

    /// The closest name by edit distance, for "did you mean" hints.
    static func closest(_ name: String, in candidates: Set<String>) -> String? {
        var best: (String, Int)? = nil
        for c in candidates.sorted() {
            let d = TextNormalizer.distance(name, c, limit: 2)
            if d <= 2, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }
}
