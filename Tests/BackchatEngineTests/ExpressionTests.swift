import BackchatEngine
import Testing

@Suite("Expression language")
struct ExpressionTests {
    static let variables: [String: Value] = [
        "weeks": .number(20), "mood": .string("Low"), "smoker": .bool(true), "zero": .number(0), "name": .string("Sam"),
    ]

    func eval(_ source: String) throws -> Value {
        let e = try ExpressionParser.parse(source).get()
        return e.evaluate { Self.variables[$0] ?? .null }
    }

    @Test("evaluates", arguments: [
        ("weeks >= 12", Value.bool(true)),
        ("weeks < 12", .bool(false)),
        ("mood == 'low'", .bool(true)),           // text compares without case
        ("mood != \"low\"", .bool(false)),
        ("smoker and weeks > 10", .bool(true)),
        ("not smoker or zero", .bool(false)),
        ("!(weeks == 20) || smoker", .bool(true)),
        ("weeks + 5 * 2", .number(30)),
        ("(weeks + 5) * 2", .number(50)),
        ("-weeks + 1", .number(-19)),
        ("weeks / zero", .null),                  // no trap on division by zero
        ("unset == null", .bool(true)),
        ("unset > 3", .bool(false)),              // null never orders
        ("name + ' here'", .string("Sam here")),
        ("true and not false", .bool(true)),
        ("weeks == '20'", .bool(true)),           // numeric text equals the number
    ])
    func evaluates(_ source: String, _ expected: Value) throws {
        #expect(try eval(source) == expected, "\(source)")
    }

    @Test("reports where a condition is broken", arguments: [
        ("weeks >= ", "expected a value, found the end of the expression", 9),
        ("weeks = 3", "'=' is not a comparison; use '==' to compare", 6),
        ("(weeks > 3", "expected ')' to close the '(' at column 1", 10),
        ("mood == 'low", "unterminated string: add the closing '", 8),
        ("1 < weeks < 3", "comparisons cannot be chained; join them with 'and'", 10),
        ("weeks > 3 mood", "unexpected 'mood' after a complete expression", 10),
        ("weeks # 2", "unexpected character '#'", 6),
    ])
    func failures(_ source: String, _ message: String, _ offset: Int) {
        guard case .failure(let f) = ExpressionParser.parse(source) else {
            Issue.record("'\(source)' should not parse"); return
        }
        #expect(f.message == message)
        #expect(f.offset == offset, "offset of the problem in '\(source)'")
    }

    @Test func listsVariables() throws {
        let e = try ExpressionParser.parse("a > 1 and (b == 'x' or not c)").get()
        #expect(e.variables == ["a", "b", "c"])
    }
}
