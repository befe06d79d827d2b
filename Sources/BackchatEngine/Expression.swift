/// A condition or computed value in a dialog: the small expression language of `if:` and `= …` values.
///
/// Grammar (lowest precedence first):
/// ```
/// expr    := or
/// or      := and ( ("or" | "||") and )*
/// and     := not ( ("and" | "&&") not )*
/// not     := ("not" | "!") not | compare
/// compare := sum ( ("==" | "!=" | "<" | "<=" | ">" | ">=") sum )?
/// sum     := product ( ("+" | "-") product )*
/// product := unary ( ("*" | "/") unary )*
/// unary   := "-" unary | atom
/// atom    := number | 'string' | "string" | true | false | null | identifier | "(" expr ")"
/// ```
/// Identifiers name variables; a variable that was never set is `null`.
public indirect enum Expression: Sendable, Hashable {
    case literal(Value)
    case variable(String)
    case not(Expression)
    case negate(Expression)
    case binary(BinaryOperator, Expression, Expression)

    public enum BinaryOperator: String, Sendable, Hashable {
        case and, or
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case add = "+", subtract = "-", multiply = "*", divide = "/"
    }

    /// Every variable the expression reads, in order of appearance.
    public var variables: [String] {
        switch self {
        case .literal: []
        case .variable(let name): [name]
        case .not(let e), .negate(let e): e.variables
        case .binary(_, let l, let r): l.variables + r.variables
        }
    }

    /// Evaluates against the given variables. Never traps: type mismatches give `null` or `false`.
    public func evaluate(_ lookup: (String) -> Value) -> Value {
        switch self {
        case .literal(let v): return v
        case .variable(let name): return lookup(name)
        case .not(let e): return .bool(!e.evaluate(lookup).isTruthy)
        case .negate(let e):
            if case .number(let n) = e.evaluate(lookup) { return .number(-n) }
            return .null
        case .binary(let op, let l, let r):
            switch op {
            case .and: return .bool(l.evaluate(lookup).isTruthy && r.evaluate(lookup).isTruthy)
            case .or: return .bool(l.evaluate(lookup).isTruthy || r.evaluate(lookup).isTruthy)
            default: return Expression.apply(op, l.evaluate(lookup), r.evaluate(lookup))
            }
        }
    }

    static func apply(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Value {
        switch op {
        case .equal: return .bool(equal(a, b))
        case .notEqual: return .bool(!equal(a, b))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let order = compare(a, b) else { return .bool(false) }
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .add:
            if case .number(let x) = a, case .number(let y) = b { return .number(x + y) }
            if case .string(let x) = a { return .string(x + b.text) }
            return .null
        case .subtract, .multiply, .divide:
            guard case .number(let x) = a, case .number(let y) = b else { return .null }
            switch op {
            case .subtract: return .number(x - y)
            case .multiply: return .number(x * y)
            default: return y == 0 ? .null : .number(x / y)
            }
        case .and, .or: return .null
        }
    }

    /// Strings compare without regard to case; a number and a numeric string compare as numbers.
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x.lowercased() == y.lowercased()
        case (.number(let x), .string(let y)), (.string(let y), .number(let x)):
            return Double(y) == x
        default: return a == b
        }
    }

    static func compare(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let x), .string(let y)):
            let (p, q) = (x.lowercased(), y.lowercased())
            return p < q ? -1 : (p > q ? 1 : 0)
        default: return nil
        }
    }
}
