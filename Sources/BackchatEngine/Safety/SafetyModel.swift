import Foundation

/// The safety backstop: small logistic regressions, one per escalation level (a *head*),
/// trained in the repository on its own labelled lines (`Tools/safety-model/train.py`), that
/// score a message the rules found nothing in.
///
/// The rules are transparent but miss wordings nobody listed; the heads have seen many
/// wordings and read them by their pieces, so they can notice a crisis, a red flag or a
/// disclosure phrased in a new way. They only ever ask: the head furthest above its threshold
/// makes the scan report a *possible* finding at its level, which asks one gentle check question
/// (the `crisis-check` flow for a crisis, the `safety-check` flow for the others).
///
/// Features are hashed (FNV-1a, 32 bit) into ``buckets``: every word, every pair of
/// neighbouring words, and every 3-, 4- and 5-byte run of the words joined by single spaces
/// (with a space before and after). Each occurrence counts `1/√N`, N the number of
/// occurrences. The heads share the features, so each message is hashed once. Weights are
/// integers times `2^-scaleLog2`, so the sums are exact and the scores are the same, bit for
/// bit, as the trainer's. The cost is a few hashes per byte of the message, whatever the
/// number of weights.
public struct SafetyModel: Sendable {
    /// One level's regression.
    public struct Head: Sendable, Equatable {
        public var level: EscalationLevel
        public var bias: Double
        /// The logit at or above which this head asks its check question.
        public var threshold: Double
        public init(level: EscalationLevel, bias: Double, threshold: Double) {
            self.level = level; self.bias = bias; self.threshold = threshold
        }
    }

    /// A power of two.
    public let buckets: Int
    public let scaleLog2: Int
    /// The heads, most serious level first; no level twice.
    public let heads: [Head]
    /// The fewest words a message needs before the model may speak: one or two words are
    /// nearly always an answer ("years tbh", "my partner"), and the rules read the short
    /// disclosures ("kms", "want to die").
    public let minWords: Int
    /// Weights by bucket, then head (`weights[bucket * heads.count + head]`), as integers
    /// (times `2^-scaleLog2`). Sixteen bits are plenty (the trainer keeps them in range) and
    /// halve what start-up reads back from the cache.
    let weights: [Int16]
    /// How many weights are not zero.
    public let weightCount: Int

    /// Why a model cannot be built from the values given.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// A model from its dense weights, `buckets × heads.count` (as stored in the compiled-dialogs cache).
    init(buckets: Int, scaleLog2: Int, heads: [Head], minWords: Int = 1, dense: [Int16]) throws(Invalid) {
        guard buckets > 0, buckets & (buckets - 1) == 0, buckets <= 1 << 24 else {
            throw Invalid(message: "buckets must be a power of two up to 16777216, not \(buckets)")
        }
        guard (0...30).contains(scaleLog2) else { throw Invalid(message: "scale must be from 0 to 30, not \(scaleLog2)") }
        guard !heads.isEmpty, Set(heads.map(\.level)).count == heads.count else {
            throw Invalid(message: "a model needs at least one head and each level once")
        }
        guard heads.allSatisfy({ $0.bias.isFinite && $0.threshold.isFinite }) else {
            throw Invalid(message: "bias and threshold must be numbers")
        }
        guard dense.count == buckets * heads.count else {
            throw Invalid(message: "\(dense.count) weights for \(buckets) buckets and \(heads.count) heads")
        }
        guard (0...100).contains(minWords) else { throw Invalid(message: "min-words must be from 0 to 100, not \(minWords)") }
        self.buckets = buckets
        self.scaleLog2 = scaleLog2
        self.minWords = minWords
        // Most serious first, so the first head that asks is the one that wins.
        let order = heads.indices.sorted { heads[$0].level > heads[$1].level }
        self.heads = order.map { heads[$0] }
        if order == Array(heads.indices) {
            self.weights = dense
        } else {
            var sorted = [Int16](repeating: 0, count: dense.count)
            let h = heads.count
            for b in 0..<buckets { for (to, from) in order.enumerated() { sorted[b * h + to] = dense[b * h + from] } }
            self.weights = sorted
        }
        self.weightCount = dense.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
    }

    /// - Parameter weights: `(bucket, weights)` rows, one weight per head in `heads`' order;
    ///   each bucket below `buckets`.
    public init(buckets: Int, scaleLog2: Int, heads: [Head], minWords: Int = 1,
                weights: [(bucket: Int, weights: [Int16])]) throws(Invalid) {
        guard buckets > 0, buckets & (buckets - 1) == 0, buckets <= 1 << 24 else {
            throw Invalid(message: "buckets must be a power of two up to 16777216, not \(buckets)")
        }
        let h = heads.count
        var dense = [Int16](repeating: 0, count: buckets * h)
        for (b, row) in weights {
            guard b >= 0, b < buckets else { throw Invalid(message: "bucket \(b) is outside 0..<\(buckets)") }
            guard row.count == h else { throw Invalid(message: "bucket \(b) has \(row.count) weights for \(h) heads") }
            for k in 0..<h { dense[b * h + k] = row[k] }
        }
        try self.init(buckets: buckets, scaleLog2: scaleLog2, heads: heads, minWords: minWords, dense: dense)
    }

    /// Each head's logit (in ``heads``' order) for a message already cut into the scan's words
    /// (``SafetyText``). With no words each is its bias.
    public func logits(words: [String]) -> [Double] {
        let h = heads.count
        guard !words.isEmpty else { return heads.map(\.bias) }
        // The words joined by single spaces, with one before and after.
        var joined: [UInt8] = [0x20]
        joined.reserveCapacity(words.reduce(2) { $0 + $1.utf8.count + 1 })
        var bounds: [(start: Int, end: Int)] = []
        bounds.reserveCapacity(words.count)
        for w in words {
            let start = joined.count
            joined.append(contentsOf: w.utf8)
            bounds.append((start, joined.count))
            joined.append(0x20)
        }
        let mask = UInt32(buckets - 1)
        var totals = [Int](repeating: 0, count: h)
        var count = 0
        joined.withUnsafeBufferPointer { bytes in
            weights.withUnsafeBufferPointer { weights in
                totals.withUnsafeMutableBufferPointer { totals in
                    @inline(__always) func add(_ kind: UInt8, _ range: Range<Int>) {
                        var hash: UInt32 = 0x811C_9DC5
                        hash = (hash ^ UInt32(kind)) &* 0x0100_0193
                        for k in range { hash = (hash ^ UInt32(bytes[k])) &* 0x0100_0193 }
                        let base = Int(hash & mask) * h
                        for k in 0..<h { totals[k] += Int(weights[base + k]) }
                        count += 1
                    }
                    for b in bounds { add(UInt8(ascii: "w"), b.start..<b.end) }
                    // "a b": the bytes of both words and the one space between them.
                    for k in bounds.indices.dropLast() { add(UInt8(ascii: "b"), bounds[k].start..<bounds[k + 1].end) }
                    for n in 3...5 where bytes.count >= n {
                        for i in 0...(bytes.count - n) { add(UInt8(ascii: "c"), i..<(i + n)) }
                    }
                }
            }
        }
        let scale = Double(sign: .plus, exponent: -scaleLog2, significand: 1)
        let norm = Double(count).squareRoot()
        return (0..<h).map { heads[$0].bias + scale * Double(totals[$0]) / norm }
    }

    /// The head that asks: of the heads at or above their thresholds (among the levels
    /// allowed), the one furthest above its own; on a tie, the more serious. `nil` when none.
    /// Furthest, not most serious: "I've been throwing up blood" may stir the crisis head a
    /// little and the emergency head a lot, and the check question must be the emergency one.
    public func asking(_ logits: [Double], allowed: (EscalationLevel) -> Bool = { _ in true }) -> Int? {
        var best: Int? = nil
        for k in heads.indices where logits[k] >= heads[k].threshold && allowed(heads[k].level) {
            if let b = best, logits[k] - heads[k].threshold <= logits[b] - heads[b].threshold { continue }
            best = k
        }
        return best
    }

    /// The probability a logit stands for, for people reading an explanation.
    public static func probability(_ logit: Double) -> Double { 1 / (1 + Foundation.exp(-logit)) }
}
