/// Reads the common shape of a request without `JSONDecoder`:
/// `{"jsonrpc":"2.0","id":7,"method":"session.say","params":{"session":"s1","text":"…"}}`
/// with members in any order, string or integer ids and string params.
///
/// It makes no `IncomingMessage` (whose params carry a whole `SessionState` slot): the
/// hot calls run straight from the ``FastRequest``, and the rest are turned into a message.
///
/// Anything else — another shape, a duplicate key, a number with a fraction, an escape it
/// does not know, bad JSON — returns `nil`, and the line goes through `JSONDecoder`, which
/// judges it exactly as before. So this is only ever a shortcut, never a second opinion:
/// a test checks both paths give the same answer for every kind of line.
enum FastRequestReader {
    /// The member names read, by index (no string is made for a name): `jsonrpc`, `method`,
    /// `id`, `params`. Matched by length, then bytes.
    static func messageKey(_ name: UnsafeRawBufferPointer) -> Int? {
        switch name.count {
        case 7: return equal(name, "jsonrpc") ? 0 : nil
        case 6: return equal(name, "method") ? 1 : equal(name, "params") ? 3 : nil
        case 2: return equal(name, "id") ? 2 : nil
        default: return nil
        }
    }

    /// The params read, by index: `session`, `text`, `locale`, `region`, `flow`.
    static func paramKey(_ name: UnsafeRawBufferPointer) -> Int? {
        switch name.count {
        case 7: return equal(name, "session") ? 0 : nil
        case 4: return equal(name, "text") ? 1 : equal(name, "flow") ? 4 : nil
        case 6: return equal(name, "locale") ? 2 : equal(name, "region") ? 3 : nil
        default: return nil
        }
    }

    /// A method this server knows, by its name's bytes.
    static func method(_ name: UnsafeRawBufferPointer) -> Method? {
        switch name.count {
        case 11:
            if equal(name, "session.say") { return .say }
            if equal(name, "session.end") { return .end }
            return equal(name, "server.info") ? .info : nil
        case 13: return equal(name, "session.start") ? .start : nil
        case 14:
            if equal(name, "session.export") { return .export }
            return equal(name, "session.import") ? .importState : nil
        default: return nil
        }
    }

    /// Whether the bytes are exactly `word` (the caller has checked the length).
    static func equal(_ name: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        let w = word.utf8Start
        var k = 0
        while k < name.count {
            if name[k] != w[k] { return false }
            k += 1
        }
        return true
    }

    static func read(_ bytes: UnsafeRawBufferPointer) -> FastRequest? {
        var r = Cursor(bytes: bytes)
        guard r.skipSpace(), r.take(UInt8(ascii: "{")) else { return nil }
        var request = FastRequest()
        var seen = 0
        guard r.skipSpace() else { return nil }
        if r.peek == UInt8(ascii: "}") { return nil }
        while true {
            guard r.skipSpace(), let key = r.name().flatMap(messageKey), seen & (1 << key) == 0,
                  r.skipSpace(), r.take(UInt8(ascii: ":")), r.skipSpace() else { return nil }
            seen |= 1 << key
            switch key {
            case 0: // jsonrpc
                if r.literal(#""2.0""#) {
                    request.jsonrpc = .value("2.0")
                } else {
                    guard let s = r.string() else { return nil }
                    request.jsonrpc = .value(s)
                }
            case 1: // method
                let start = r.i
                if let m = r.name().flatMap(method) {
                    request.method = .known(m)
                } else {
                    r.i = start
                    guard let s = r.string() else { return nil }
                    request.method = .other(s)
                }
            case 2: // id
                if r.peek == UInt8(ascii: "\"") {
                    guard let s = r.string() else { return nil }
                    request.id = .string(s)
                } else if r.literal("null") {
                    request.id = .null
                } else {
                    guard let n = r.integer() else { return nil }
                    request.id = .number(n)
                }
            case 3: // params
                guard params(&r, into: &request) else { return nil }
                request.hasParams = true
            default:
                return nil
            }
            guard r.skipSpace() else { return nil }
            if r.take(UInt8(ascii: ",")) { continue }
            guard r.take(UInt8(ascii: "}")) else { return nil }
            break
        }
        // Only white space may follow.
        guard r.skipSpace(), r.atEnd else { return nil }
        return request
    }

    static func params(_ r: inout Cursor, into request: inout FastRequest) -> Bool {
        guard r.take(UInt8(ascii: "{")), r.skipSpace() else { return false }
        if r.take(UInt8(ascii: "}")) { return true }
        var seen = 0
        while true {
            guard r.skipSpace(), let key = r.name().flatMap(paramKey), seen & (1 << key) == 0,
                  r.skipSpace(), r.take(UInt8(ascii: ":")), r.skipSpace(), let value = r.string() else { return false }
            seen |= 1 << key
            switch key {
            case 0: request.session = value
            case 1: request.text = value
            case 2: request.locale = value
            case 3: request.region = value
            case 4: request.flow = value
            default: return false
            }
            guard r.skipSpace() else { return false }
            if r.take(UInt8(ascii: ",")) { continue }
            return r.take(UInt8(ascii: "}"))
        }
    }

    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        var atEnd: Bool { i >= bytes.count }
        var peek: UInt8 { i < bytes.count ? bytes[i] : 0 }

        /// Skips JSON white space; always true (for use in `guard` chains).
        mutating func skipSpace() -> Bool {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
            return true
        }

        mutating func take(_ b: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == b else { return false }
            i += 1
            return true
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            let w = word.utf8Start
            for k in 0..<n where bytes[i + k] != w[k] { return false }
            i += n
            return true
        }

        /// A string written without escapes, as its bytes (no string is made for it); `nil`
        /// for anything else (the line then goes the general way, or the caller reads it again).
        mutating func name() -> UnsafeRawBufferPointer? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            return UnsafeRawBufferPointer(rebasing: bytes[start..<(i - 1)])
        }

        /// A JSON integer without fraction or exponent that fits in `Int64`.
        mutating func integer() -> Int64? {
            let start = i
            var negative = false
            if take(UInt8(ascii: "-")) { negative = true }
            guard i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 else { i = start; return nil }
            if bytes[i] == 0x30, i + 1 < bytes.count, bytes[i + 1] >= 0x30, bytes[i + 1] <= 0x39 { return nil } // leading zero
            var value: Int64 = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 0x30))
                guard !o1, !o2 else { return nil }
                value = a
                i += 1
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { return nil }
            return negative ? -value : value
        }

        /// A JSON string with its escapes resolved; `nil` for anything malformed.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = i
            // Fast: no escapes.
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                    i += 1
                    return s
                }
                if b == UInt8(ascii: "\\") { break }
                if b < 0x20 { return nil }
                i += 1
            }
            var out: [UInt8] = Array(bytes[start..<i])
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
                if b < 0x20 { return nil }
                if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
                i += 1
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), low >= 0xDC00, low < 0xE000 else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        return nil
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    return nil
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[i]
                let d: UInt32
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x41...0x46: d = UInt32(b - 0x41 + 10)
                case 0x61...0x66: d = UInt32(b - 0x61 + 10)
                default: return nil
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }
    }
}
