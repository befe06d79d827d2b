/// Finds the lexicon words a misspelt input word may stand for, without comparing it
/// against every word in the lexicon.
///
/// Symmetric-delete method: at compile time every lexicon word of 5 letters or more is
/// stored under itself and each form with one letter deleted (words of 9 or more letters
/// also with two deleted). At scan time an unknown input word generates its own deletion
/// forms and looks them up; each candidate found is confirmed with a bounded edit
/// distance. The cost depends on the length of the input word, not on the lexicon size.
///
/// What is never corrected: words of the lexicon itself, words listed as `not-typos`
/// (real words near a lexicon word: `will` is not `kill`, `never` is not `fever`), words
/// shorter than 4 letters and numbers. A correction must keep the first letter unless the
/// word is 8 letters or longer.
struct TypoIndex: Sendable {
    /// Words that match exactly and are never corrected.
    let protected: Set<String>
    let vocabulary: Set<String>
    let spellings: [String: String]
    /// The correctable lexicon words, which the deletion tables refer to by number.
    let words: [String]
    /// Each correctable word under itself and each one-deletion form.
    let deletes1: DeletionTable
    /// Words of 9 letters or more under each two-deletion form.
    let deletes2: DeletionTable
    /// `first letter << 8 | length` of every correctable lexicon word, and the lengths of
    /// those of 8 letters or more (whose first letter may change): an input word whose shape
    /// is nowhere near any of them cannot be a typo of one, and skips the deletion work.
    let shapes: Set<Int>
    let longLengths: Set<Int>

    static let minLength = 5
    static let twoEditLength = 9

    init(vocabulary: Set<String>, notTypos: Set<String>, spellings: [String: String]) {
        self.vocabulary = vocabulary
        self.protected = vocabulary.union(notTypos)
        self.spellings = spellings
        var words: [String] = []
        var d1: [(String, Int32)] = []
        var d2: [(String, Int32)] = []
        for word in vocabulary.sorted() where word.count >= Self.minLength && !word.allSatisfy(\.isNumber) {
            let id = Int32(words.count)
            words.append(word)
            for v in Set([word] + Self.deletions(word)) { d1.append((v, id)) }
            if word.count >= Self.twoEditLength {
                var second = Set<String>()
                for v in Self.deletions(word) { second.formUnion(Self.deletions(v)) }
                for v in second { d2.append((v, id)) }
            }
        }
        self.words = words
        deletes1 = DeletionTable(d1)
        deletes2 = DeletionTable(d2)
        var shapes = Set<Int>(), long = Set<Int>()
        for word in vocabulary where word.count >= Self.minLength {
            if let f = word.unicodeScalars.first { shapes.insert(Int(f.value & 0xFFFF) << 8 | word.count) }
            if word.count >= 8 { long.insert(word.count) }
        }
        self.shapes = shapes
        self.longLengths = long
    }

    /// Whether some lexicon word has a shape within two edits of `word`'s.
    private func mayBeTypo(_ word: String, length n: Int) -> Bool {
        guard let f = word.unicodeScalars.first else { return false }
        // The long lengths are few and all above the minimum: run through them before hashing.
        if longLengths.contains(where: { abs($0 - n) <= 2 && $0 >= Self.minLength }) { return true }
        let key = Int(f.value & 0xFFFF) << 8
        let lo = max(n - 2, Self.minLength), hi = n + 2
        guard lo <= hi else { return false }
        for len in lo...hi where shapes.contains(key | len) { return true }
        return false
    }

    /// The word itself first, then what it may stand for. `stretched` is the word with its
    /// stretched letters made single, when the person typed three or more of a letter
    /// ("diiiie" is folded to "diie"; stretched, it is "die").
    func alternatives(for word: String, stretched: String? = nil) -> [String] {
        [word] + readings(for: word, stretched: stretched, isProtected: protected.contains(word), spelling: spellings[word])
    }

    /// What `word` may stand for besides itself: empty for nearly every word (and then
    /// nothing is allocated). `isProtected` and `spelling` are `protected.contains(word)` and
    /// `spellings[word]`, which the scan has already looked up with the word's other facts.
    func readings(for word: String, stretched: String?, isProtected: Bool, spelling: String?) -> [String] {
        if let stretched, stretched != word, !isProtected {
            if let s = spellings[stretched] { return [s] }
            if vocabulary.contains(stretched) { return [stretched] }
        }
        if isProtected { return [] }
        if let spelling { return [spelling] }
        let (n, hasNumber) = Self.lengthAndNumber(word)
        guard n >= 4, !hasNumber, mayBeTypo(word, length: n) else { return [] }
        var out = [word]
        let first = word.first
        func consider(_ candidate: String, limit: Int) {
            guard !out.contains(candidate) else { return }
            if candidate.count < 8 && candidate.first != first { return }
            if TextNormalizer.distance(word, candidate, limit: limit) <= limit { out.append(candidate) }
        }
        let own = Self.deletions(word)
        for c in deletes1.words(under: word) { consider(words[Int(c)], limit: 1) }
        for v in own {
            for c in deletes1.words(under: v) { consider(words[Int(c)], limit: 1) }
        }
        if n >= Self.twoEditLength - 1, !deletes2.isEmpty {
            var seen = Set<String>()
            for v in [word] + own {
                for w in [v] + Self.deletions(v) where seen.insert(w).inserted {
                    for c in deletes2.words(under: w) { consider(words[Int(c)], limit: 2) }
                }
            }
        }
        return Array(out.dropFirst())
    }

    /// The word's length in Characters and whether one of them is a number: from its bytes
    /// when it is ASCII without a `\r` (every ASCII Character is then one byte, and only
    /// digits are numbers), from its Characters otherwise.
    static func lengthAndNumber(_ word: String) -> (length: Int, hasNumber: Bool) {
        var w = word
        let bytes: (Int, Bool)? = w.withUTF8 { b in
            var digit = false
            for x in b {
                if x >= 0x80 || x == 0x0D { return nil }
                if x >= 0x30 && x <= 0x39 { digit = true }
            }
            return (b.count, digit)
        }
        return bytes ?? (word.count, word.contains(where: \.isNumber))
    }

    /// Every form of `word` with one character deleted.
    static func deletions(_ word: String) -> [String] {
        if word.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: delete bytes, not Characters.
            let bytes = Array(word.utf8)
            guard bytes.count > 1 else { return [] }
            var out: [String] = []
            out.reserveCapacity(bytes.count)
            var buffer = [UInt8](repeating: 0, count: bytes.count - 1)
            for k in bytes.indices {
                var j = 0
                for (i, b) in bytes.enumerated() where i != k { buffer[j] = b; j += 1 }
                out.append(String(decoding: buffer, as: UTF8.self))
            }
            return out
        }
        let chars = Array(word)
        guard chars.count > 1 else { return [] }
        var out: [String] = []
        out.reserveCapacity(chars.count)
        for k in chars.indices {
            var c = chars
            c.remove(at: k)
            out.append(String(c))
        }
        return out
    }
}

/// Deletion forms → word numbers, as two parallel arrays sorted by a 64-bit hash of the
/// form: a look-up is a binary search, and the tables load as two flat arrays (see
/// `SafetyDetector+Stored.swift`) instead of a hash table of strings rebuilt entry by entry.
/// Two forms with the same hash only add a candidate, which the edit-distance check that
/// follows every look-up then accepts or rejects on its merits.
struct DeletionTable: Sendable {
    let hashes: [UInt64]
    let words: [Int32]

    init(_ entries: [(String, Int32)]) {
        let sorted = entries.map { (Self.hash($0.0), $0.1) }.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        hashes = sorted.map(\.0)
        words = sorted.map(\.1)
    }

    init(hashes: [UInt64], words: [Int32]) {
        self.hashes = hashes; self.words = words
    }

    var isEmpty: Bool { hashes.isEmpty }

    /// FNV-1a over the UTF-8 bytes.
    static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }

    /// The numbers of the words stored under `form`.
    func words(under form: String) -> ArraySlice<Int32> {
        let h = Self.hash(form)
        var lo = 0, hi = hashes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if hashes[mid] < h { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < hashes.count, hashes[end] == h { end += 1 }
        return words[lo..<end]
    }
}
