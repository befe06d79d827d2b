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
        out.append(contentsOf: #"{"id":"#.utf8)
        switch id {
        case .null: out.append(contentsOf: "null".utf8)
        case .number(let n): out.append(contentsOf: String(n).utf8)
        case .string(let s): string(s, into: &out)
        case .fractional: return nil
        }
        out.append(contentsOf: #","jsonrpc":"2.0","result":{"choices":["#.utf8)
        let turn = result.turn
        for (i, c) in turn.choices.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"key":"#.utf8)
            string(c.key, into: &out)
            out.append(contentsOf: #","label":"#.utf8)
            string(c.label, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: #"],"ended":"#.utf8)
        out.append(contentsOf: (turn.ended ? "true" : "false").utf8)
        out.append(contentsOf: #","escalation":"#.utf8)
        if let e = turn.escalation {
            out.append(contentsOf: #"{"category":"#.utf8)
            optional(e.category, into: &out)
            out.append(contentsOf: #","certainty":"#.utf8)
            string(e.certainty.rawValue, into: &out)
            out.append(contentsOf: #","level":"#.utf8)
            string(e.level.rawValue, into: &out)
            out.append(contentsOf: #","new":"#.utf8)
            out.append(contentsOf: (e.new ? "true" : "false").utf8)
            out.append(contentsOf: #","reason":"#.utf8)
            optional(e.reason, into: &out)
            out.append(contentsOf: #","resources":["#.utf8)
            for (i, r) in e.resources.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: #"{"contact":"#.utf8)
                string(r.contact, into: &out)
                out.append(contentsOf: #","detail":"#.utf8)
                optional(r.detail, into: &out)
                out.append(contentsOf: #","kind":"#.utf8)
                string(r.kind, into: &out)
                out.append(contentsOf: #","name":"#.utf8)
                string(r.name, into: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(contentsOf: "]}".utf8)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(contentsOf: #","expects":"#.utf8)
        string(turn.expects.rawValue, into: &out)
        out.append(contentsOf: #","messages":["#.utf8)
        for (i, m) in turn.messages.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            string(m, into: &out)
        }
        out.append(contentsOf: #"],"node":"#.utf8)
        string(turn.node, into: &out)
        out.append(contentsOf: #","session":"#.utf8)
        string(result.session, into: &out)
        out.append(contentsOf: "}}".utf8)
        return out
    }

    static func optional(_ s: String?, into out: inout [UInt8]) {
        if let s { string(s, into: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: `"` and `\` escaped, control characters as `\n`-style or `\u00XX`, the rest as is.
    static func string(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most text needs no escaping at all: copy it in one go.
        var s = s
        let clean = s.withUTF8 { bytes -> Bool in
            for b in bytes where b < 0x20 || b == 0x22 || b == 0x5C { return false }
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
