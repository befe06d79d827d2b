import Foundation

/// The crisis backstop: a small logistic regression, trained in the repository on its own
/// labelled lines (`Tools/safety-model/train.py`), that scores a message the rules found
/// nothing in.
///
/// The rules are transparent but miss wordings nobody listed; the model has seen many
/// wordings and reads them by their pieces, so it can notice a crisis phrased in a new way.
/// It only ever asks: a score at or above ``threshold`` makes the scan report a *possible*
/// crisis, which asks one gentle check question (the `crisis-check` flow).
///
/// Features are hashed (FNV-1a, 32 bit) into ``buckets``: every word, every pair of
/// neighbouring words, and every 3-, 4- and 5-byte run of the words joined by single spaces
/// (with a space before and after). Each occurrence counts `1/√N`, N the number of
/// occurrences. Weights are integers times `2^-scaleLog2`, so the sum is exact and the score
/// is the same, bit for bit, as the trainer's. The cost is a few hashes per byte of the
/// message, whatever the number of weights.
public struct SafetyModel: Sendable {
    /// A power of two.
    public let buckets: Int
    public let scaleLog2: Int
    public let bias: Double
    /// The logit at or above which the model asks its check question.
    public let threshold: Double
    /// Weights by bucket, as integers (times `2^-scaleLog2`).
    let weights: [Int32]
    /// How many weights are not zero.
    public let weightCount: Int

    /// Why a model cannot be built from the values given.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// A model from its dense weights, one per bucket (as stored in the compiled-dialogs cache).
    init(buckets: Int, scaleLog2: Int, bias: Double, threshold: Double, dense: [Int32]) throws(Invalid) {
        guard buckets > 0, buckets & (buckets - 1) == 0, buckets <= 1 << 24 else {
            throw Invalid(message: "buckets must be a power of two up to 16777216, not \(buckets)")
        }
        guard (0...30).contains(scaleLog2) else { throw Invalid(message: "scale must be from 0 to 30, not \(scaleLog2)") }
        guard bias.isFinite, threshold.isFinite else { throw Invalid(message: "bias and threshold must be numbers") }
        guard dense.count == buckets else { throw Invalid(message: "\(dense.count) weights for \(buckets) buckets") }
        self.buckets = buckets
        self.scaleLog2 = scaleLog2
        self.bias = bias
        self.threshold = threshold
        self.weights = dense
        self.weightCount = dense.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
    }

    /// - Parameter weights: `(bucket, weight)` pairs; each bucket below `buckets`.
    public init(buckets: Int, scaleLog2: Int, bias: Double, threshold: Double,
                weights: [(bucket: Int, weight: Int32)]) throws(Invalid) {
        guard buckets > 0, buckets & (buckets - 1) == 0, buckets <= 1 << 24 else {
            throw Invalid(message: "buckets must be a power of two up to 16777216, not \(buckets)")
        }
        var dense = [Int32](repeating: 0, count: buckets)
        for (b, w) in weights {
            guard b >= 0, b < buckets else { throw Invalid(message: "bucket \(b) is outside 0..<\(buckets)") }
            dense[b] = w
        }
        try self.init(buckets: buckets, scaleLog2: scaleLog2, bias: bias, threshold: threshold, dense: dense)
    }

    /// The model's logit for a message already cut into the scan's words (``SafetyText``).
    /// With no words it is the bias.
    public func logit(words: [String]) -> Double {
        guard !words.isEmpty else { return bias }
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
        var total = 0
        var count = 0
        joined.withUnsafeBufferPointer { bytes in
            @inline(__always) func add(_ kind: UInt8, _ range: Range<Int>) {
                var h: UInt32 = 0x811C_9DC5
                h = (h ^ UInt32(kind)) &* 0x0100_0193
                for k in range { h = (h ^ UInt32(bytes[k])) &* 0x0100_0193 }
                total += Int(weights[Int(h & mask)])
                count += 1
            }
            for b in bounds { add(UInt8(ascii: "w"), b.start..<b.end) }
            // "a b": the bytes of both words and the one space between them.
            for k in bounds.indices.dropLast() { add(UInt8(ascii: "b"), bounds[k].start..<bounds[k + 1].end) }
            for n in 3...5 where bytes.count >= n {
                for i in 0...(bytes.count - n) { add(UInt8(ascii: "c"), i..<(i + n)) }
            }
        }
        let scale = Double(sign: .plus, exponent: -scaleLog2, significand: 1)
        return bias + scale * Double(total) / Double(count).squareRoot()
    }

    /// The probability the logit stands for, for people reading an explanation.
    public static func probability(_ logit: Double) -> Double { 1 / (1 + Foundation.exp(-logit)) }
}
