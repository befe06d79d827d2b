import BackchatEngine

/// Reads the plain-text transcript format (see `docs/transcripts.md`).
public enum TranscriptParser {
    /// A problem in a transcript file, at a line.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): error: \(message)" }
    }

    static let directives = ["locale", "region", "now", "flow", "set"]
    static let checks = ["choices", "expects", "escalation", "node", "ended"]

    public static func parse(_ text: String, file: String) -> Result<Transcript, Problem> {
        var t = Transcript(file: file)
        var sawSay = false
        // "\r\n" is one Character in Swift: split on it too, or a Windows file is one line.
        for (i, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let n = i + 1
            var line = String(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            let trimmed = line.trimmingWhitespace
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            func fail(_ m: String) -> Result<Transcript, Problem> { .failure(Problem(file: file, line: n, message: m)) }
            if trimmed.hasPrefix("@") {
                let body = trimmed.dropFirst()
                let name = String(body.prefix { !$0.isWhitespace })
                let value = String(body.dropFirst(name.count)).trimmingWhitespace
                guard directives.contains(name) else {
                    return fail("unknown directive '@\(name)'; use @locale, @region, @now, @flow or @set")
                }
                if sawSay { return fail("'@\(name)' must come before the first '>' line") }
                if value.isEmpty { return fail("'@\(name)' needs a value") }
                switch name {
                case "locale": t.locale = value
                case "region": t.region = value
                case "now": t.today = value
                case "set":
                    let variable = String(value.prefix { !$0.isWhitespace })
                    t.variables[variable] = String(value.dropFirst(variable.count)).trimmingWhitespace
                default: t.flow = value
                }
                continue
            }
            if trimmed.hasPrefix(">") {
                sawSay = true
                t.steps.append(.init(line: n, kind: .say(String(trimmed.dropFirst()).trimmingWhitespace)))
                continue
            }
            if trimmed.hasPrefix("<!") {
                let body = String(trimmed.dropFirst(2)).trimmingWhitespace
                if body.isEmpty { return fail("'<!' needs the text that must not appear") }
                switch pattern(body) {
                case .success(let p): t.steps.append(.init(line: n, kind: .expectNot(p)))
                case .failure(let e): return fail(e.message)
                }
                continue
            }
            if trimmed.hasPrefix("<") {
                let body = String(trimmed.dropFirst()).trimmingWhitespace
                if body.isEmpty { return fail("'<' needs the text the reply must contain") }
                switch pattern(body) {
                case .success(let p): t.steps.append(.init(line: n, kind: .expect(p)))
                case .failure(let e): return fail(e.message)
                }
                continue
            }
            let name = String(trimmed.prefix { $0 != ":" }).trimmingWhitespace
            let value = trimmed.contains(":") ? String(trimmed.drop { $0 != ":" }.dropFirst()).trimmingWhitespace : ""
            switch name {
            case "choices":
                let keys = value.split(separator: ",").map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
                t.steps.append(.init(line: n, kind: .choices(keys == ["none"] ? [] : keys)))
            case "expects":
                guard ["choice", "text", "number", "duration", "none"].contains(value) else {
                    return fail("expects must be choice, text, number, duration or none, not '\(value)'")
                }
                t.steps.append(.init(line: n, kind: .expects(value)))
            case "escalation":
                guard ["none", "crisis", "emergency", "urgent", "support"].contains(value) else {
                    return fail("escalation must be none, crisis, emergency, urgent or support, not '\(value)'")
                }
                t.steps.append(.init(line: n, kind: .escalation(value)))
            case "node":
                if value.isEmpty { return fail("node needs 'flow.node'") }
                t.steps.append(.init(line: n, kind: .node(value)))
            case "ended":
                guard ["", "yes", "no", "true", "false"].contains(value) else { return fail("ended takes yes or no") }
                t.steps.append(.init(line: n, kind: .ended(value.isEmpty || value == "yes" || value == "true")))
            default:
                return fail("cannot read this line: start it with '>' (the person types), '<' (the reply contains), "
                            + "'<!' (does not contain), or one of \(checks.map { "'\($0):'" }.joined(separator: ", "))")
            }
        }
        return .success(t)
    }

    struct PatternError: Error { var message: String }

    static func pattern(_ body: String) -> Result<Transcript.Pattern, PatternError> {
        if body.count >= 2, body.hasPrefix("/"), body.hasSuffix("/") {
            let re = String(body.dropFirst().dropLast())
            do { _ = try Regex(re) } catch { return .failure(PatternError(message: "invalid regular expression /\(re)/: \(error)")) }
            return .success(.regex(re))
        }
        return .success(.substring(body))
    }
}

