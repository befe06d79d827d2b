/// Understands numbers and durations the way people type them.
///
/// Numbers: "7", "7.5", "seven", "twenty one", "7/10", "7 out of 10", "about a 6".
/// Durations: "6 wks", "3 months", "a year and a half", "two and a half years",
/// "half a year", "18 mths", "since March", "since 2019", "since last year".
/// Input is already folded by ``TextNormalizer``.
public enum QuantityParser {
    static let units: [String: Double] = {
        var u: [String: Double] = [:]
        for w in ["minute", "minutes", "min", "mins", "mn"] { u[w] = 1.0 / 1440 }
        for w in ["hour", "hours", "hr", "hrs", "h"] { u[w] = 1.0 / 24 }
        for w in ["day", "days", "d", "dys", "dy"] { u[w] = 1 }
        for w in ["week", "weeks", "wk", "wks", "w", "wek", "weks", "weeek"] { u[w] = 7 }
        for w in ["fortnight", "fortnights"] { u[w] = 14 }
        for w in ["month", "months", "mo", "mos", "mth", "mths", "mnth", "mnths", "mon", "monts", "moths"] { u[w] = 30.4375 }
        for w in ["year", "years", "yr", "yrs", "y", "yeras", "yaers", "yers"] { u[w] = 365.25 }
        for w in ["decade", "decades"] { u[w] = 3652.5 }
        return u
    }()

    static let ones: [String: Double] = [
        "zero": 0, "nil": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
        "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    ]
    static let tens: [String: Double] = [
        "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
        "seventy": 70, "eighty": 80, "ninety": 90,
    ]
    /// Words that stand for a rough count when followed by a unit.
    static let vague: [String: Double] = ["couple": 2, "few": 3, "several": 4, "many": 5, "dozen": 12]
    static let months: [String: Int] = [
        "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
        "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
        "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
        "december": 12, "dec": 12,
    ]

    /// The single number a word stands for, if any ("7", "7.5", "seven").
    static func number(_ word: String) -> Double? {
        // Only words that start with a digit can be numerals (cheap check first: this runs per word).
        guard let first = word.utf8.first else { return nil }
        guard first >= 0x30 && first <= 0x39 else { return ones[word] ?? tens[word] }
        if let d = Double(word), d.isFinite { return d }
        // "7th", "10x" and similar: a leading number glued to letters.
        let digits = word.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        if !digits.isEmpty, digits.count < word.count, let d = Double(digits) { return d }
        return nil
    }

    /// The first number in the words; "twenty one" reads as 21, "7/10" and "7 out of 10" as 7.
    public static func parseNumber(_ words: [String]) -> Double? {
        var i = 0
        while i < words.count {
            if let t = tens[words[i]] {
                if i + 1 < words.count, let o = ones[words[i + 1]], o < 10 { return t + o }
                return t
            }
            if let n = number(words[i]) {
                let rest = words.dropFirst(i + 1).prefix(3)
                if rest.starts(with: ["and", "half"]) || rest.starts(with: ["and", "a", "half"]) { return n + 0.5 }
                return n
            }
            if words[i] == "half" { return 0.5 }
            i += 1
        }
        return nil
    }

    /// The length of time the words describe, in days; `nil` when they give none.
    /// A bare number ("20") is read in `defaultUnitDays`.
    public static func parseDuration(_ words: [String], defaultUnitDays: Double = 7, today: CalendarDay? = nil) -> Double? {
        if let since = parseSince(words, today: today) { return since }
        // "since December 2030" or "since March" without a date to count from: no guess.
        if let s = words.firstIndex(of: "since"), s + 1 < words.count {
            let next = words[s + 1]
            if months[next] != nil || (next.count == 4 && Int(next) != nil) { return nil }
        }
        var total = 0.0
        var found = false
        var pending: Double? = nil
        var lastUnit: Double? = nil
        var bareNumber: Double? = nil
        var i = 0
        while i < words.count {
            let w = words[i]
            if let unit = units[w] {
                var qty = pending
                if qty == nil {
                    let prev = i > 0 ? words[i - 1] : ""
                    if ["a", "an", "one", "per", "the", "last", "past"].contains(prev) || !w.hasSuffix("s") { qty = 1 }
                    else { qty = 2 } // "for years": at least two
                }
                // A lone "d", "w", "y" or "mo" counts only right after a number ("6w").
                if w.count <= 2 && pending == nil { i += 1; continue }
                total += (qty ?? 1) * unit
                found = true
                lastUnit = unit
                pending = nil
                bareNumber = nil
            } else if w == "half" {
                if i >= 2, words[i - 2] == "and" || words[i - 1] == "and", let u = lastUnit, pending == nil {
                    total += 0.5 * u  // "a year and a half"
                } else if let p = pending {
                    pending = p + 0.5  // "two and a half years"
                } else {
                    pending = 0.5      // "half a year"
                }
            } else if let t = tens[w] {
                var v = t
                if i + 1 < words.count, let o = ones[words[i + 1]], o < 10 { v += o; i += 1 }
                pending = v; bareNumber = v
            } else if let v = vague[w] {
                pending = v
            } else if let v = ones[w] {
                pending = v; bareNumber = v
            } else if let n = number(w) {
                // "6w", "3mths": number and unit glued together.
                let suffix = String(w.drop { $0.isASCII && ($0.isNumber || $0 == ".") })
                if !suffix.isEmpty, let unit = units[suffix] {
                    total += n * unit; found = true; lastUnit = unit; pending = nil
                } else if suffix.isEmpty {
                    pending = n
                    bareNumber = n
                }
            }
            i += 1
        }
        if found { return total }
        if let n = bareNumber { return n * defaultUnitDays }
        return nil
    }

    /// "since March", "since last year", "since 2019", "since christmas" — needs today's date.
    static func parseSince(_ words: [String], today: CalendarDay?) -> Double? {
        guard let today, let s = words.firstIndex(where: { $0 == "since" || $0 == "from" }), s + 1 < words.count else { return nil }
        var rest = Array(words[(s + 1)...])
        if rest.first == "about" || rest.first == "around" || rest.first == "early" || rest.first == "the" { rest.removeFirst() }
        guard let first = rest.first else { return nil }
        var start: CalendarDay? = nil
        if first == "last" || first == "past", rest.count > 1 {
            let what = rest[1]
            if what == "year" { start = CalendarDay(year: today.year - 1, month: today.month, day: 1) }
            else if what == "month" { start = CalendarDay(ordinal: today.ordinal - 30) }
            else if what == "week" { start = CalendarDay(ordinal: today.ordinal - 7) }
            else if let m = months[what] { start = CalendarDay(year: m < today.month ? today.year - 1 : today.year - 1, month: m, day: 1) }
            else if what == "christmas" || what == "xmas" { start = CalendarDay(year: today.year - 1, month: 12, day: 25) }
            else if what == "summer" { start = CalendarDay(year: today.year - 1, month: 7, day: 1) }
        } else if let m = months[first] {
            if rest.count > 1, let y = Int(rest[1]), y >= 1900 {
                guard y <= today.year else { return nil }
                start = CalendarDay(year: y, month: m, day: 1)
            } else {
                start = CalendarDay(year: m <= today.month ? today.year : today.year - 1, month: m, day: 1)
            }
        } else if let y = Int(first), (1900...today.year).contains(y) {
            start = CalendarDay(year: y, month: 1, day: 1)
        } else if first == "christmas" || first == "xmas" {
            start = CalendarDay(year: today.month == 12 && today.day >= 25 ? today.year : today.year - 1, month: 12, day: 25)
        } else if first == "yesterday" {
            start = CalendarDay(ordinal: today.ordinal - 1)
        } else if first == "summer" {
            start = CalendarDay(year: today.month >= 7 ? today.year : today.year - 1, month: 7, day: 1)
        }
        guard let start, start <= today else { return nil }
        return Double(max(1, today.ordinal - start.ordinal))
    }
}
