/// Decides which choice a free-text answer picks.
///
/// In order, the first rule that decides wins:
/// 1. the choice's number ("2", "two", "number 2", "the second one");
/// 2. the whole answer equals a choice's key, label or synonym;
/// 3. a key, label or synonym appears as whole words in the answer — the earliest choice
///    in the list wins, so authors put the more specific or safer choice first;
/// 4. a phrase matches with small typos (one edit from 4 letters, two from 8) — if that
///    fits more than one choice, the answer is ambiguous and the person is asked.
public enum ChoiceMatcher {
    public enum Outcome: Equatable, Sendable {
        case choice(Int)
        case ambiguous([Int])
        case none
    }

    static let ordinals: [String: Int] = [
        "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
        "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
        "ninth": 9, "9th": 9, "tenth": 10, "10th": 10,
    ]
    static let fillers: Set<String> = ["number", "option", "choice", "the", "one", "nr", "num", "please", "pls", "its", "it"]

    public static func match(_ words: [String], choices: [Choice]) -> Outcome {
        guard !words.isEmpty, !choices.isEmpty else { return .none }
        if let n = choiceNumber(words), n >= 1, n <= choices.count { return .choice(n - 1) }
        for (i, c) in choices.enumerated() where c.phrases.contains(words) { return .choice(i) }
        for (i, c) in choices.enumerated() where c.phrases.contains(where: { contains(words, $0) }) { return .choice(i) }
        var fuzzy: [Int] = []
        for (i, c) in choices.enumerated() where c.phrases.contains(where: { fuzzyContains(words, $0) }) { fuzzy.append(i) }
        if fuzzy.count == 1 { return .choice(fuzzy[0]) }
        if fuzzy.count > 1 { return .ambiguous(fuzzy) }
        return .none
    }

    /// "2", "two", "number 2", "option two", "the second one", "2nd".
    static func choiceNumber(_ words: [String]) -> Int? {
        // "one", "option one", "number one" (compared in place: array literals would be built per call).
        if let last = words.last, last == "one",
           words.count == 1 || words.count == 2 && (words[0] == "option" || words[0] == "number") { return 1 }
        // Exactly one word that is not a filler.
        var core: String? = nil
        for w in words where !fillers.contains(w) {
            guard core == nil else { return nil }
            core = w
        }
        guard let w = core else { return nil }
        if let o = ordinals[w] { return o }
        if let i = Int(w) { return i }
        if let v = QuantityParser.ones[w], words.count <= 3 { return Int(v) }
        return nil
    }

    /// Words that deny the phrase right after them: "no fever" does not pick a choice
    /// whose synonym is "fever".
    static let negators: Set<String> = ["no", "not", "never", "without", "dont", "didnt", "havent", "hasnt",
                                        "isnt", "arent", "wasnt", "nor", "neither"]

    /// Whether `phrase` occurs in `words` as a contiguous run of whole words that is not
    /// denied by the word just before it (unless the phrase itself starts with a denial).
    static func contains(_ words: [String], _ phrase: [String]) -> Bool {
        guard phrase.count <= words.count, let head = phrase.first else { return false }
        // Asked only once the phrase is found after a word: most phrases are not in the answer at all.
        var denialAllowed: Bool? = nil
        for start in 0...(words.count - phrase.count) where words[start] == head {
            var k = 1
            while k < phrase.count && words[start + k] == phrase[k] { k += 1 }
            guard k == phrase.count else { continue }
            if start > 0 {
                let allowed = denialAllowed ?? negators.contains(head)
                denialAllowed = allowed
                if !allowed, negators.contains(words[start - 1]) { continue }
            }
            return true
        }
        return false
    }

    /// The word with doubled letters made single ("yess" → "yes").
    static func squeeze(_ w: String) -> String {
        var out = ""
        for c in w where c != out.last { out.append(c) }
        return out
    }

    /// Like ``contains(_:_:)`` but each word may carry small typos.
    static func fuzzyContains(_ words: [String], _ phrase: [String]) -> Bool {
        guard phrase.count <= words.count, let head = phrase.first else { return false }
        let denialAllowed = negators.contains(head)
        for start in 0...(words.count - phrase.count) {
            if !denialAllowed, start > 0, negators.contains(words[start - 1]) { continue }
            var ok = true
            for (k, p) in phrase.enumerated() {
                let w = words[start + k]
                if squeeze(w) == p { continue } // "yess", "nooo"
                let limit = TextNormalizer.typoAllowance(forLength: min(p.count, w.count + 1))
                if w != p && (limit == 0 || TextNormalizer.distance(w, p, limit: limit) > limit) { ok = false; break }
            }
            if ok { return true }
        }
        return false
    }
}
