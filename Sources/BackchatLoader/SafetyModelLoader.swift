import BackchatEngine

/// Reads a locale's crisis backstop model (`Dialogs/<locale>/lexicon/crisis-model.tsv`),
/// written by `Tools/safety-model/train.py`.
///
/// The file is text: `#` comment lines (how it was made, from which data), then
/// `key<TAB>value` lines — `format`, `buckets`, `scale`, `bias`, `threshold` — then one
/// `bucket<TAB>weight` line per weight that is not zero. It is read on bytes because it has
/// tens of thousands of lines and is read at every start. A problem is reported with its line,
/// and a model with any problem is not used: the rules still run, so safety is never off.
enum SafetyModelLoader {
    /// The model file's name inside the lexicon folder.
    static let fileName = "crisis-model.tsv"
    static let format = "backchat-crisis-model 1"

    static func parse(_ text: String, file: String) -> (SafetyModel?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var header: [String: (value: String, line: Int)] = [:]
        var weights: [(bucket: Int, weight: Int32)] = []
        weights.reserveCapacity(65_536)
        var text = text
        text.withUTF8 { bytes in
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
                guard let tab = row.firstIndex(of: UInt8(ascii: "\t")) else {
                    diagnostics.append(Diagnostic(.error, file: file, line: line, column: 1, "expected 'key<TAB>value'"))
                    continue
                }
                if let bucket = integer(row[..<tab]) {
                    guard let w = integer(row[(tab + 1)...]), let weight = Int32(exactly: w) else {
                        diagnostics.append(Diagnostic(.error, file: file, line: line, column: tab + 2,
                                                      "a weight must be a whole number"))
                        continue
                    }
                    weights.append((bucket, weight))
                } else {
                    let key = String(decoding: row[..<tab], as: UTF8.self)
                    let value = String(decoding: row[(tab + 1)...], as: UTF8.self)
                    guard ["format", "buckets", "scale", "bias", "threshold"].contains(key) else {
                        diagnostics.append(Diagnostic(.error, file: file, line: line, column: 1, "unknown key '\(key)'",
                                                      hint: "the keys are format, buckets, scale, bias and threshold"))
                        continue
                    }
                    header[key] = (value, line)
                }
            }
        }
        let whole = Location(file: file, line: 0, column: 0)
        guard let format = header["format"], format.value == Self.format else {
            diagnostics.append(.error(Location(file: file, line: header["format"]?.line ?? 1, column: 1),
                                      "not a crisis model file ('format\\t\(Self.format)' is missing)",
                                      hint: "write it with Tools/safety-model/train.py"))
            return (nil, diagnostics)
        }
        func number(_ key: String) -> Double? {
            guard let entry = header[key] else {
                diagnostics.append(.error(whole, "the model has no '\(key)'", hint: "write it with Tools/safety-model/train.py"))
                return nil
            }
            guard let x = Double(entry.value), x.isFinite else {
                diagnostics.append(Diagnostic(.error, file: file, line: entry.line, column: key.count + 2,
                                              "'\(key)' must be a number, not '\(entry.value)'"))
                return nil
            }
            return x
        }
        let buckets = number("buckets"), scale = number("scale"), bias = number("bias"), threshold = number("threshold")
        guard diagnostics.isEmpty, let buckets, let scale, let bias, let threshold,
              let b = Int(exactly: buckets), let s = Int(exactly: scale) else {
            if diagnostics.isEmpty { diagnostics.append(.error(whole, "'buckets' and 'scale' must be whole numbers")) }
            return (nil, diagnostics)
        }
        do {
            return (try SafetyModel(buckets: b, scaleLog2: s, bias: bias, threshold: threshold, weights: weights), [])
        } catch {
            return (nil, [.error(whole, "the crisis model cannot be used: \(error)")])
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
