/// A message cut into sentences, clauses and normalised words, ready for matching.
///
/// Words are folded by ``TextNormalizer`` (so lexicon phrases and input always agree).
/// Before that, two habits of real writing are undone: censored spellings (`s*icide`)
/// lose their asterisks, and digits inside words (`su1cidal`, `k1ll`) are read as the
/// letters they stand for. Sentences end at `.` `!` `?` `;` and line breaks; clauses also
/// end at commas, brackets, dashes and the lexicon's clause-break words (`but`).
struct SafetyText {
    struct Sentence {
        /// Token indices.
        var range: Range<Int>
        /// Ends with a question mark.
        var question: Bool
    }

    var words: [String] = []
    /// The clause of each word (numbered across the whole message).
    var clause: [Int] = []
    var sentences: [Sentence] = []
    /// Clauses that open with a contrast word ("but I want to die"): context does not carry across them.
    var contrastClauses = Set<Int>()
    /// Words typed with a letter three or more times, by index: the word with those letters
    /// single ("diiiie" → "die"; the folded word itself keeps two: "diie").
    var stretched: [Int: String] = [:]

    init(_ text: String, clauseBreaks: Set<String>, contrasts: Set<String> = []) {
        // ASCII as typed (almost every message): the byte path lowers case itself, so the
        // folded copy is not needed.
        if TextNormalizer.isASCII(text) {
            self.init(ascii: text, clauseBreaks: clauseBreaks, contrasts: contrasts)
            return
        }
        let folded = TextNormalizer.fold(text)
        if TextNormalizer.isASCII(folded) {
            self.init(ascii: folded, clauseBreaks: clauseBreaks, contrasts: contrasts)
            return
        }
        self.init(unicode: SafetyText.deobfuscate(folded), clauseBreaks: clauseBreaks, contrasts: contrasts)
    }

    /// The general path, on Characters (text that is not ASCII once folded).
    private init(unicode folded: String, clauseBreaks: Set<String>, contrasts: Set<String>) {
        var clauseNo = 0
        var piece = ""
        var sentenceStart = 0
        let chars = Array(folded)

        func flushPiece() {
            guard !piece.isEmpty else { return }
            let ws = TextNormalizer.words(piece).flatMap(SafetyText.splitUnit)
            var single: [String] = []
            if let squeezed = SafetyText.squeezeRuns(piece) {
                single = TextNormalizer.words(squeezed).flatMap(SafetyText.splitUnit)
                if single.count != ws.count { single = [] }
            }
            piece = ""
            guard !ws.isEmpty else { return }
            for (n, w) in ws.enumerated() {
                if n < single.count, single[n] != w { stretched[words.count] = single[n] }
                let isBreak = clauseBreaks.contains(w) || contrasts.contains(w)
                if isBreak, let last = clause.last, last == clauseNo, words.count > sentenceStart { clauseNo += 1 }
                if contrasts.contains(w), clause.last != clauseNo { contrastClauses.insert(clauseNo) }
                words.append(w)
                clause.append(clauseNo)
            }
            clauseNo += 1
        }
        func endSentence(question: Bool) {
            flushPiece()
            if words.count > sentenceStart {
                sentences.append(Sentence(range: sentenceStart..<words.count, question: question))
            } else if question, let last = sentences.popLast() {
                // "…?!" or a question mark after a closing bracket: mark the previous sentence.
                sentences.append(Sentence(range: last.range, question: true))
            }
            sentenceStart = words.count
        }

        for (k, c) in chars.enumerated() {
            let prevDigit = k > 0 && chars[k - 1].isNumber
            let nextDigit = k + 1 < chars.count && chars[k + 1].isNumber
            switch c {
            case "?":
                endSentence(question: true)
            case "!", ";", "\n", "\r", "\u{2026}":
                endSentence(question: false)
            case ".":
                if prevDigit && nextDigit { piece.append(c) } else { endSentence(question: false) }
            case ",":
                if prevDigit && nextDigit { piece.append(c) } else { flushPiece() }
            case "(", ")", "\u{2014}", "\u{2013}", ":", "\"", "\u{201C}", "\u{201D}":
                flushPiece()
            case "-":
                // " - " between words separates clauses; "self-harm" stays one phrase.
                let spaced = (k == 0 || chars[k - 1].isWhitespace) && (k + 1 == chars.count || chars[k + 1].isWhitespace)
                if spaced { flushPiece() } else { piece.append(c) }
            default:
                piece.append(c)
            }
        }
        endSentence(question: false)
    }

    /// The same cutting and folding on bytes, for ASCII text (almost everything people type):
    /// Character properties are the expensive part of a scan. Gives exactly what the general
    /// path gives. Upper case is lowered here, byte by byte.
    private init(ascii: String, clauseBreaks: Set<String>, contrasts: Set<String>) {
        var text = ascii
        text.withUTF8 { b in
            let n = b.count
            var clauseNo = 0
            var sentenceStart = 0
            var pieceHasWords = false
            // The current word as runs of one byte, so both foldings can be built at its end.
            var runs: [(byte: UInt8, count: Int)] = []
            runs.reserveCapacity(16)
            // A word takes at least one byte and a separator (or is a unit after its number).
            words.reserveCapacity(n / 2 + 2)
            clause.reserveCapacity(n / 2 + 2)

            func isLetter(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
            func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
            func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
            func letterAt(_ k: Int) -> Bool { k >= 0 && k < n && isLetter(lower(b[k])) }

            func append(_ w: String, single: String?) {
                let isContrast = contrasts.contains(w)
                let isBreak = isContrast || clauseBreaks.contains(w)
                if isBreak, let last = clause.last, last == clauseNo, words.count > sentenceStart { clauseNo += 1 }
                if isContrast, clause.last != clauseNo { contrastClauses.insert(clauseNo) }
                if let single, single != w { stretched[words.count] = single }
                words.append(w)
                clause.append(clauseNo)
                pieceHasWords = true
            }
            /// The word written from `runs`, each run kept whole (digits and dots), at most
            /// twice (`folded`), or once where it is stretched (`single`).
            func word(_ runs: ArraySlice<(byte: UInt8, count: Int)>, length: Int, single: Bool) -> String {
                // The runs come in as an argument: read through the captured variable, each
                // access would be checked for exclusivity at run time.
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { out in
                    var k = 0
                    for r in runs {
                        let digit = isDigit(r.byte) || r.byte == UInt8(ascii: ".")
                        let keep = digit ? r.count : (single && r.count >= 3 ? 1 : min(r.count, 2))
                        for _ in 0..<keep { out[k] = r.byte; k += 1 }
                    }
                    return String(decoding: UnsafeBufferPointer(rebasing: out[0..<k]), as: UTF8.self)
                }
            }
            func flushWord() {
                guard let last = runs.last else { return }
                // Trailing dots go (runs never repeat a byte, so that is the last run at most).
                let usable = last.byte == UInt8(ascii: ".") ? runs.count - 1 : runs.count
                var length = 0, singleLength = 0
                for r in runs[0..<usable] {
                    let digit = isDigit(r.byte) || r.byte == UInt8(ascii: ".")
                    let keep = digit ? r.count : min(r.count, 2)
                    length += keep
                    singleLength += !digit && r.count >= 3 ? 1 : keep
                }
                let first = runs[0].byte
                let stretchedWord = singleLength != length
                guard usable > 0 else { runs.removeAll(keepingCapacity: true); return }
                let w = word(runs[0..<usable], length: length, single: false)
                let s = stretchedWord ? word(runs[0..<usable], length: singleLength, single: true) : nil
                runs.removeAll(keepingCapacity: true)
                // Only a word that starts with a digit can carry a unit (6kg); the rest is one word.
                guard isDigit(first) else { append(w, single: s); return }
                let parts = SafetyText.splitUnit(w)
                let singleParts = s.map(SafetyText.splitUnit) ?? []
                for (k, p) in parts.enumerated() { append(p, single: k < singleParts.count ? singleParts[k] : nil) }
            }
            func endClause() {
                flushWord()
                if pieceHasWords { clauseNo += 1; pieceHasWords = false }
            }
            func endSentence(question: Bool) {
                endClause()
                if words.count > sentenceStart {
                    sentences.append(Sentence(range: sentenceStart..<words.count, question: question))
                } else if question, let last = sentences.popLast() {
                    sentences.append(Sentence(range: last.range, question: true))
                }
                sentenceStart = words.count
            }
            func addByte(_ c: UInt8) {
                if let last = runs.last, last.byte == c { runs[runs.count - 1].count += 1 } else { runs.append((c, 1)) }
            }

            var k = 0
            while k < n {
                var c = lower(b[k])
                let prevDigit = k > 0 && isDigit(b[k - 1])
                let nextDigit = k + 1 < n && isDigit(b[k + 1])
                // Digit-for-letter spellings between letters: su1cidal, k1ll.
                if letterAt(k - 1) && letterAt(k + 1) {
                    switch c {
                    case UInt8(ascii: "0"): c = UInt8(ascii: "o")
                    case UInt8(ascii: "1"): c = UInt8(ascii: "i")
                    case UInt8(ascii: "3"): c = UInt8(ascii: "e")
                    case UInt8(ascii: "4"), UInt8(ascii: "@"): c = UInt8(ascii: "a")
                    case UInt8(ascii: "5"), UInt8(ascii: "$"): c = UInt8(ascii: "s")
                    case UInt8(ascii: "7"): c = UInt8(ascii: "t")
                    default: break
                    }
                }
                if isLetter(c) || isDigit(c) {
                    addByte(c)
                } else {
                    switch c {
                    case UInt8(ascii: "*"):
                        // A mask inside a word (s*icide, s**cide) is dropped; a lone '*' separates.
                        var p = k - 1
                        while p >= 0, b[p] == UInt8(ascii: "*") { p -= 1 }
                        var q = k + 1
                        while q < n, b[q] == UInt8(ascii: "*") { q += 1 }
                        if !(letterAt(p) && letterAt(q)) { flushWord() }
                    case UInt8(ascii: "'"), UInt8(ascii: "`"):
                        break // joins contractions: don't → dont
                    case UInt8(ascii: "?"):
                        endSentence(question: true)
                    case UInt8(ascii: "!"), UInt8(ascii: ";"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                        endSentence(question: false)
                    case UInt8(ascii: "."):
                        if prevDigit && nextDigit { addByte(c) } else { endSentence(question: false) }
                    case UInt8(ascii: ","):
                        if prevDigit && nextDigit { addByte(UInt8(ascii: ".")) } else { endClause() }
                    case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ":"), UInt8(ascii: "\""):
                        endClause()
                    case UInt8(ascii: "-"):
                        let spaced = (k == 0 || b[k - 1] == 0x20 || b[k - 1] == 0x09) && (k + 1 == n || b[k + 1] == 0x20 || b[k + 1] == 0x09)
                        if spaced { endClause() } else { flushWord() }
                    default:
                        flushWord()
                    }
                }
                k += 1
            }
            endSentence(question: false)
        }
    }

    /// `text` with every run of three or more of the same letter made single, or `nil` if it has none.
    static func squeezeRuns(_ text: String) -> String? {
        var out = ""
        var changed = false
        var run: [Character] = []
        func flush() {
            if run.count >= 3 { out.append(run[0]); changed = true } else { out.append(contentsOf: run) }
            run.removeAll(keepingCapacity: true)
        }
        for c in text {
            if let last = run.last, c == last, c.isLetter { run.append(c); continue }
            flush()
            run.append(c)
        }
        flush()
        return changed ? out : nil
    }

    /// Units written against their number, split off so phrases can match them: `6kg` → `6 kg`.
    static let units: Set<String> = ["kg", "kgs", "kilo", "kilos", "lb", "lbs", "st", "stone", "km", "kms", "mi", "ft",
                                     "m", "cm", "mg", "ml", "yo", "yr", "yrs", "wk", "wks", "hr", "hrs", "am", "pm",
                                     "c", "f", "x", "mins", "min", "days", "weeks", "months", "years"]

    static func splitUnit(_ word: String) -> [String] {
        guard let first = word.first, first.isNumber, let k = word.firstIndex(where: \.isLetter) else { return [word] }
        let number = String(word[..<k]), unit = String(word[k...])
        guard units.contains(unit), number.allSatisfy({ $0.isNumber || $0 == "." }) else { return [word] }
        return [number, unit]
    }

    /// Undoes censoring and digit-for-letter spellings inside words.
    static func deobfuscate(_ s: String) -> String {
        let chars = Array(s)
        guard chars.contains(where: { $0 == "*" || $0.isNumber || $0 == "@" || $0 == "$" }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for (k, c) in chars.enumerated() {
            let prevLetter = k > 0 && chars[k - 1].isLetter
            let nextLetter = k + 1 < chars.count && chars[k + 1].isLetter
            switch c {
            case "*":
                // s*icide, s**cide, k*ll: drop the mask; a lone '*' is punctuation.
                var b = k - 1
                while b >= 0, chars[b] == "*" { b -= 1 }
                var f = k + 1
                while f < chars.count, chars[f] == "*" { f += 1 }
                if b >= 0, chars[b].isLetter, f < chars.count, chars[f].isLetter { continue }
                out.append(" ")
            case "0", "1", "3", "4", "5", "7", "@", "$":
                if prevLetter && nextLetter {
                    let map: [Character: Character] = ["0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"]
                    out.append(map[c] ?? c)
                } else {
                    out.append(c)
                }
            default:
                out.append(c)
            }
        }
        return out
    }
}
