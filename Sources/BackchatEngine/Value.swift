/// A variable's value: what a dialog can store and compare.
///
/// Deliberately tiny: dialogs need text, numbers, yes/no and "not set".
public enum Value: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)

    /// Whether the value counts as true in a condition (`null`, `false`, `0` and `""` do not).
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let b): b
        case .number(let n): n != 0
        case .string(let s): !s.isEmpty
        }
    }

    /// The value as a person reads it in a message.
    public var text: String {
        switch self {
        case .null: ""
        case .bool(let b): b ? "yes" : "no"
        case .number(let n): Value.format(n)
        case .string(let s): s
        }
    }

    /// Whole numbers without a trailing ".0"; others with at most two decimals.
    public static func format(_ n: Double) -> String {
        if n.isFinite, n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
        let scaled = (n * 100).rounded() / 100
        return String(scaled)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        }
    }
}
