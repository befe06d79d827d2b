/// Parses the expression language (see ``Expression``), reporting the column of the first problem.
public struct ExpressionParser {
    /// A parse failure: what is wrong and where (0-based offset in characters).
    public struct Failure: Error, Sendable, Equatable {
        public var message: String
        public var offset: Int
    }

    enum Token: Equatable {
        case number(Double), string(String), identifier(String), symbol(String), end
    }

    private var tokens: [(token: Token, offset: Int)] = []
    private var position = 0

    /// Parses `source` completely or returns why not.
    public static func parse(_ source: String) -> Result<Expression, Failure> {
        var parser = ExpressionParser()
        do {
            parser.tokens = try tokenize(source)
            let e = try parser.parseOr()
            guard case .end = parser.peek else {
                throw Failure(message: "unexpected \(describe(parser.peek)) after a complete expression",
                              offset: parser.offset)
            }
            return .success(e)
        } catch let f as Failure {
            return .failure(f)
        } catch {
            return .failure(Failure(message: "\(error)", offset: 0))
        }
    }

    private var peek: Token { tokens[position].token }
    private var offset: Int { tokens[position].offset }

    private mutating func advance() -> Token {
        let t = tokens[position].token
        if position < tokens.count - 1 { position += 1 }
        return t
    }

    private mutating func accept(_ symbols: String...) -> String? {
        switch peek {
        case .symbol(let s) where symbols.contains(s): _ = advance(); return s
        case .identifier(let s) where symbols.contains(s): _ = advance(); return s
        default: return nil
        }
    }

    private mutating func parseOr() throws(Failure) -> Expression {
        var left = try parseAnd()
        while accept("or", "||") != nil { left = .binary(.or, left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(Failure) -> Expression {
        var left = try parseNot()
        while accept("and", "&&") != nil { left = .binary(.and, left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws(Failure) -> Expression {
        if accept("not", "!") != nil { return .not(try parseNot()) }
        return try parseCompare()
    }

    private mutating func parseCompare() throws(Failure) -> Expression {
        let left = try parseSum()
        if case .symbol("=") = peek {
            throw Failure(message: "'=' is not a comparison; use '==' to compare", offset: offset)
        }
        if let op = accept("==", "!=", "<=", ">=", "<", ">"),
           let kind = Expression.BinaryOperator(rawValue: op) {
            let right = try parseSum()
            if case .symbol(let s) = peek, ["==", "!=", "<=", ">=", "<", ">"].contains(s) {
                throw Failure(message: "comparisons cannot be chained; join them with 'and'", offset: offset)
            }
            return .binary(kind, left, right)
        }
        return left
    }

    private mutating func parseSum() throws(Failure) -> Expression {
        var left = try parseProduct()
        while let op = accept("+", "-"), let kind = Expression.BinaryOperator(rawValue: op) {
            left = .binary(kind, left, try parseProduct())
        }
        return left
    }

    private mutating func parseProduct() throws(Failure) -> Expression {
        var left = try parseUnary()
        while let op = accept("*", "/"), let kind = Expression.BinaryOperator(rawValue: op) {
            left = .binary(kind, left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(Failure) -> Expression {
        if accept("-") != nil { return .negate(try parseUnary()) }
        return try parseAtom()
    }

    private mutating func parseAtom() throws(Failure) -> Expression {
        let at = offset
        switch advance() {
        case .number(let n): return .literal(.number(n))
        case .string(let s): return .literal(.string(s))
        case .identifier("true"): return .literal(.bool(true))
        case .identifier("false"): return .literal(.bool(false))
        case .identifier("null"): return .literal(.null)
        case .identifier(let word) where ["and", "or", "not"].contains(word):
            throw Failure(message: "expected a value before '\(word)'", offset: at)
        case .identifier(let name): return .variable(name)
        case .symbol("("):
            let inner = try parseOr()
            guard accept(")") != nil else {
                throw Failure(message: "expected ')' to close the '(' at column \(at + 1)", offset: offset)
            }
            return inner
        case .symbol("="):
            throw Failure(message: "'=' is not a comparison; use '==' to compare", offset: at)
        case let t:
            throw Failure(message: "expected a value, found \(ExpressionParser.describe(t))", offset: at)
        }
    }

    static func describe(_ t: Token) -> String {
        switch t {
        case .number(let n): "number \(Value.format(n))"
        case .string(let s): "string '\(s)'"
        case .identifier(let s): "'\(s)'"
        case .symbol(let s): "'\(s)'"
        case .end: "the end of the expression"
        }
    }

    static func tokenize(_ source: String) throws(Failure) -> [(token: Token, offset: Int)] {
        let chars = Array(source)
        var out: [(token: Token, offset: Int)] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c.isNumber && c.isASCII || (c == "." && i + 1 < chars.count && chars[i + 1].isASCII && chars[i + 1].isNumber) {
                while i < chars.count, chars[i].isASCII, chars[i].isNumber || chars[i] == "." { i += 1 }
                let text = String(chars[start..<i])
                guard let n = Double(text) else { throw Failure(message: "'\(text)' is not a number", offset: start) }
                out.append((.number(n), start))
            } else if c == "'" || c == "\"" {
                i += 1
                var s = ""
                while i < chars.count, chars[i] != c { s.append(chars[i]); i += 1 }
                guard i < chars.count else { throw Failure(message: "unterminated string: add the closing \(c)", offset: start) }
                i += 1
                out.append((.string(s), start))
            } else if c.isLetter || c == "_" {
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "." { i += 1 }
                out.append((.identifier(String(chars[start..<i])), start))
            } else {
                let two = i + 1 < chars.count ? String(chars[i...i + 1]) : ""
                if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                    out.append((.symbol(two), start)); i += 2
                } else if "()<>+-*/!=".contains(c) {
                    out.append((.symbol(String(c)), start)); i += 1
                } else {
                    throw Failure(message: "unexpected character '\(c)'", offset: start)
                }
            }
        }
        out.append((.end, chars.count))
        return out
    }
}
