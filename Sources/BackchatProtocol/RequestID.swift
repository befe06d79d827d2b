/// A request's `id`, echoed unchanged in its response.
public enum RequestID: Sendable, Hashable {
    /// `null`: used in answers when the id could not be read.
    case null
    case number(Int64)
    /// A number with a fraction (allowed by JSON-RPC, though discouraged).
    case fractional(Double)
    case string(String)
}

extension RequestID: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        // Numbers first: they are what most hosts send, and a failed attempt costs a thrown error.
        if let n = try? c.decode(Int64.self) { self = .number(n); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        self = .fractional(try c.decode(Double.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .number(let n): try c.encode(n)
        case .fractional(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        }
    }
}
