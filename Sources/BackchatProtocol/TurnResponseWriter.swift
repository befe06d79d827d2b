import BackchatEngine

/// Writes the answer to a turn-returning call straight into bytes, with the same members,
/// order (sorted keys) and escaping as the `JSONEncoder` path, at a fraction of the cost:
/// the answer to `session.say` is the protocol's hot path.
///
/// A test checks it byte for byte against `JSONEncoder` on many turns and strings.
enum TurnResponseWriter {
    /// The answer line, or `nil` when the id is a fractional number (left to `JSONEncoder`).
    static func write(id: RequestID, result: TurnResult) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(256 + result.turn.messages.reduce(0) { $0 + $1.utf8.count })
        return write(id: id, result: result, into: &out) ? out : nil
    }

    /// Appends the answer line to `out`; `false` (and nothing appended) when the id is a
    /// fractional number.
    static func write(id: RequestID, result: TurnResult, into out: inout [UInt8]) -> Bool {
        if case .fractional = id { return false }
        raw(#"{"id":"#, into: &out)
        switch id {
        case .null: raw("null", into: &out)
        case .number(let n): number(n, into: &out)
        case .string(let s): string(s, into: &out)
        case .fractional: return false
        }
        raw(#","jsonrpc":"2.0","result":{"choices":["#, into: &out)
        let turn = result.turn
        for (i, c) in turn.choices.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            raw(#"{"key":"#, into: &out)
            string(c.key, into: &out)
            raw(#","label":"#, into: &out)
            string(c.label, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        raw(#"],"ended":"#, into: &out)
        raw(turn.ended ? "true" : "false", into: &out)
        raw(#","escalation":"#, into: &out)
        if let e = turn.escalation {
            raw(#"{"category":"#, into: &out)
            optional(e.category, into: &out)
            raw(#","certainty":"#, into: &out)
            string(e.certainty.rawValue, into: &out)
            raw(#","level":"#, into: &out)
            string(e.level.rawValue, into: &out)
            raw(#","new":"#, into: &out)
            raw(e.new ? "true" : "false", into: &out)
            raw(#","reason":"#, into: &out)
            optional(e.reason, into: &out)
            raw(#","resources":["#, into: &out)
            for (i, r) in e.resources.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                raw(#"{"contact":"#, into: &out)
                string(r.contact, into: &out)
                raw(#","detail":"#, into: &out)
                optional(r.detail, into: &out)
                raw(#","kind":"#, into: &out)
                string(r.kind, into: &out)
                raw(#","name":"#, into: &out)
                string(r.name, into: &out)
                out.append(UInt8(ascii: "}"))
            }
            raw("]}", into: &out)
        } else {
            raw("null", into: &out)
        }
        raw(#","expects":"#, into: &out)
        string(turn.expects.rawValue, into: &out)
        raw(#","messages":["#, into: &out)
        for (i, m) in turn.messages.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(m, into: &out)
        }
        raw(#"],"node":"#, into: &out)
        string(turn.node, into: &out)
        raw(#","session":"#, into: &out)
        string(result.session, into: &out)
        raw("}}", into: &out)
        return true
    }

    /// An integer in decimal, as `JSONEncoder` writes it, without making a `String`.
    static func number(_ n: Int64, into out: inout [UInt8]) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = n.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes; 19 digits at most, filled from the end
        withUnsafeMutableBytes(of: &digits) { buffer in
            var i = buffer.count
            repeat {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[i...]))
        }
    }

    /// Appends a literal's bytes as they are (no walk through a `String.UTF8View`).
    static func raw(_ s: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    static func optional(_ s: String?, into out: inout [UInt8]) {
        if let s { string(s, into: &out) } else { raw("null", into: &out) }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether no byte needs escaping (none below 0x20, no `"`, no `\`), looked at eight
    /// bytes at a time: messages are most of an answer's bytes.
    static func isClean(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let count = bytes.count
        var i = 0
        while i + 8 <= count {
            let x = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let quote = x ^ (ones &* 0x22)
            let backslash = x ^ (ones &* 0x5C)
            // A byte below 0x20 in x, or a zero byte in `quote` or `backslash` (exact as to
            // whether there is one; which one does not matter here).
            let below = (x &- ones &* 0x20) & ~x
            let zeroQuote = (quote &- ones) & ~quote
            let zeroBackslash = (backslash &- ones) & ~backslash
            if (below | zeroQuote | zeroBackslash) & highs != 0 { return false }
            i += 8
        }
        while i < count {
            let b = bytes[i]
            if b < 0x20 || b == 0x22 || b == 0x5C { return false }
            i += 1
        }
        return true
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\n`-style or `\u00XX`, the rest as is.
    static func string(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most text needs no escaping at all: copy it in one go.
        var s = s
        let clean = s.withUTF8 { bytes -> Bool in
            guard isClean(UnsafeRawBufferPointer(bytes)) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if clean { out.append(UInt8(ascii: "\"")); return }
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x00..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
