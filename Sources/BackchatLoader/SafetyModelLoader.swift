import BackchatEngine

/// Reads a locale's safety backstop model (`Dialogs/<locale>/lexicon/backstop-model.tsv`),
/// written by `Tools/safety-model/train.py`.
///
/// The file is text: `#` comment lines (how it was made, from which data), then
/// `key<TAB>value…` lines — `format`, `buckets`, `scale`, `min-words` (optional, 1 when
/// missing), `heads` (the levels, tab-separated),
/// `bias` and `threshold` (one number per head) — then one `bucket<TAB>weight…` line (one
/// weight per head) per bucket with a weight that is not zero. It is read on bytes because it
/// has tens of thousands of lines and is read at every start. A problem is reported with its
/// line, and a model with any problem is not used: the rules still run, so safety is never off.
enum SafetyModelLoader {
    /// The model file's name inside the lexicon folder.
    static let fileName = "backstop-model.tsv"
    static let format = "backchat-safety-model 2"

    static func parse(_ text: String, file: String) -> (SafetyModel?, [Diagnostic]) {
        parse(bytes: Array(text.utf8), file: file)
    }

    /// The model in `bytes`, the file as read: it is kept as bytes (not a `String`) because
    /// start-up only checksums it, and making a string of megabytes would copy and validate
    /// them at every start. Whether it is UTF-8 is checked here, when it is parsed.
    static func parse(bytes: [UInt8], file: String) -> (SafetyModel?, [Diagnostic]) {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return (nil, [Diagnostic(.error, file: file, line: 1, column: 1, "the file is not valid UTF-8",
                                     hint: "write it with Tools/safety-model/train.py")])
        }
        var diagnostics: [Diagnostic] = []
        var header: [String: (values: [String], line: Int)] = [:]
        var rows: [(bucket: Int, weights: [Int16], line: Int)] = []
        rows.reserveCapacity(65_536)
        bytes.withUnsafeBufferPointer { bytes in
            var line = 0
            var start = 0
            while start < bytes.count {
                line += 1
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                var stop = end
                if stop > start, bytes[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
                defer { start = end + 1 }
                guard stop > start, bytes[start] != UInt8(ascii: "#") else { continue }
                let row = UnsafeBufferPointer(rebasing: bytes[start..<stop])
                // The fields and the column each starts at.
                var fields: [(Slice<UnsafeBufferPointer<UInt8>>, column: Int)] = []
                var from = row.startIndex
                for k in row.indices where row[k] == UInt8(ascii: "\t") {
                    fields.append((row[from..<k], from + 1)); from = k + 1
                }
                fields.append((row[from...], from + 1))
                guard fields.count >= 2 else {
                    diagnostics.append(Diagnostic(.error, file: file, line: line, column: 1, "expected 'key<TAB>value'"))
                    continue
                }
                if let bucket = integer(fields[0].0) {
                    var weights: [Int16] = []
                    weights.reserveCapacity(fields.count - 1)
                    for (field, column) in fields.dropFirst() {
                        guard let w = integer(field), let weight = Int16(exactly: w) else {
                            diagnostics.append(Diagnostic(.error, file: file, line: line, column: column,
                                                          "a weight must be a whole number from -32768 to 32767"))
                            break
                        }
                        weights.append(weight)
                    }
                    if weights.count == fields.count - 1 { rows.append((bucket, weights, line)) }
                } else {
                    let key = String(decoding: fields[0].0, as: UTF8.self)
                    guard ["format", "buckets", "scale", "min-words", "heads", "bias", "threshold"].contains(key) else {
                        diagnostics.append(Diagnostic(.error, file: file, line: line, column: 1, "unknown key '\(key)'",
                                                      hint: "the keys are format, buckets, scale, min-words, heads, bias and threshold"))
                        continue
                    }
                    header[key] = (fields.dropFirst().map { String(decoding: $0.0, as: UTF8.self) }, line)
                }
            }
        }
        let whole = Location(file: file, line: 0, column: 0)
        guard let format = header["format"], format.values == [Self.format] else {
            diagnostics.append(.error(Location(file: file, line: header["format"]?.line ?? 1, column: 1),
                                      "not a safety model file ('format\\t\(Self.format)' is missing)",
                                      hint: "write it with Tools/safety-model/train.py"))
            return (nil, diagnostics)
        }
        func entry(_ key: String) -> (values: [String], line: Int)? {
            guard let e = header[key] else {
                diagnostics.append(.error(whole, "the model has no '\(key)'", hint: "write it with Tools/safety-model/train.py"))
                return nil
            }
            return e
        }
        var levels: [EscalationLevel] = []
        if let e = entry("heads") {
            for name in e.values {
                guard let level = EscalationLevel(rawValue: name) else {
                    diagnostics.append(Diagnostic(.error, file: file, line: e.line, column: 1, "unknown level '\(name)' in 'heads'",
                                                  hint: "the levels are crisis, emergency, urgent and support"))
                    continue
                }
                levels.append(level)
            }
        }
        func numbers(_ key: String, count: Int) -> [Double] {
            guard let e = entry(key) else { return [] }
            let xs = e.values.compactMap { Double($0) }.filter(\.isFinite)
            guard xs.count == e.values.count, xs.count == count else {
                diagnostics.append(Diagnostic(.error, file: file, line: e.line, column: key.count + 2,
                                              key == "bias" || key == "threshold" ? "'\(key)' must be \(count) number\(count == 1 ? "" : "s"), one per head"
                                                  : "'\(key)' must be a number"))
                return []
            }
            return xs
        }
        let buckets = numbers("buckets", count: 1), scale = numbers("scale", count: 1)
        let minWords = header["min-words"] == nil ? [1] : numbers("min-words", count: 1)
        let biases = numbers("bias", count: levels.count), thresholds = numbers("threshold", count: levels.count)
        for r in rows where r.weights.count != levels.count {
            diagnostics.append(Diagnostic(.error, file: file, line: r.line, column: 1,
                                          "\(r.weights.count) weights for \(levels.count) heads"))
            break
        }
        guard diagnostics.isEmpty, let b = buckets.first.flatMap({ Int(exactly: $0) }),
              let s = scale.first.flatMap({ Int(exactly: $0) }), let minimum = minWords.first.flatMap({ Int(exactly: $0) }) else {
            if diagnostics.isEmpty { diagnostics.append(.error(whole, "'buckets', 'scale' and 'min-words' must be whole numbers")) }
            return (nil, diagnostics)
        }
        let heads = levels.indices.map { SafetyModel.Head(level: levels[$0], bias: biases[$0], threshold: thresholds[$0]) }
        do {
            return (try SafetyModel(buckets: b, scaleLog2: s, heads: heads, minWords: minimum,
                                    weights: rows.map { ($0.bucket, $0.weights) }), [])
        } catch {
            return (nil, [.error(whole, "the safety model cannot be used: \(error)")])
        }
    }

    /// A decimal integer, optionally negative; `nil` for anything else.
    static func integer(_ digits: UnsafeBufferPointer<UInt8>.SubSequence) -> Int? {
        var k = digits.startIndex
        var negative = false
        if k < digits.endIndex, digits[k] == UInt8(ascii: "-") { negative = true; k += 1 }
        guard k < digits.endIndex, digits.endIndex - k <= 12 else { return nil }
        var n = 0
        while k < digits.endIndex {
            let d = digits[k]
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(d - UInt8(ascii: "0"))
            k += 1
        }
        return negative ? -n : n
    }
}
