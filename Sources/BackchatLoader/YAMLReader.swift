import Foundation
import BackchatEngine
import Yams

/// Reads one YAML file's node tree with positions, collecting a diagnostic for every
/// problem instead of stopping at the first.
///
/// Scalars are read as the text the author wrote: YAML 1.1 would turn a bare `yes` or
/// `no` into a boolean, but in a dialog they are words.
struct YAMLReader {
    let file: String
    var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    func location(_ node: Yams.Node) -> Location {
        let mark = node.mark
        return Location(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func error(_ node: Yams.Node, _ message: String, hint: String? = nil) {
        diagnostics.append(.error(location(node), message, hint: hint))
    }

    mutating func error(_ at: Location, _ message: String, hint: String? = nil) {
        diagnostics.append(.error(at, message, hint: hint))
    }

    mutating func warning(_ at: Location, _ message: String, hint: String? = nil) {
        diagnostics.append(.warning(at, message, hint: hint))
    }

    /// Parses the file's text into a node tree, or records the syntax error.
    mutating func compose(_ text: String) -> Yams.Node? {
        if let tab = Self.tabIndentation(text) {
            diagnostics.append(.error(Location(file: file, line: tab.line, column: tab.column),
                                      "tab character used for indentation",
                                      hint: "YAML indents with spaces only; replace the tab with spaces"))
            return nil
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                diagnostics.append(.error(Location(file: file, line: 1, column: 1), "the file is empty",
                                          hint: "a dialog file holds one flow: start with 'flow: NAME'"))
                return nil
            }
            return node
        } catch let e as YamlError {
            diagnostics.append(Self.diagnostic(for: e, file: file))
            return nil
        } catch {
            diagnostics.append(.error(Location(file: file, line: 1, column: 1), "cannot read YAML: \(error)"))
            return nil
        }
    }

    /// The first line indented with a tab, if any (libyaml's own message for this is cryptic).
    static func tabIndentation(_ text: String) -> (line: Int, column: Int)? {
        var line = 1
        var atLineStart = true
        var column = 1
        for ch in text {
            if ch == "\n" || ch == "\r\n" { line += 1; atLineStart = true; column = 1; continue }
            if atLineStart {
                if ch == "\t" { return (line, column) }
                if ch != " " { atLineStart = false }
            }
            column += 1
        }
        return nil
    }

    static func diagnostic(for error: YamlError, file: String) -> Diagnostic {
        func make(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> Diagnostic {
            var message = "YAML syntax error: \(problem)"
            if let context, !context.text.isEmpty { message += " (\(context.text) at line \(context.mark.line))" }
            return Diagnostic(.error, file: file, line: mark.line, column: mark.column, message, hint: hint(for: problem))
        }
        switch error {
        case .scanner(let context, let problem, let mark, _): return make(mark, problem, context)
        case .parser(let context, let problem, let mark, _): return make(mark, problem, context)
        case .composer(let context, let problem, let mark, _): return make(mark, problem, context)
        case .duplicatedKeysInMapping(let keys, let context):
            let list = keys.map { "'\($0)'" }.joined(separator: ", ")
            return Diagnostic(.error, file: file, line: context.mark.line, column: context.mark.column,
                              "duplicate key \(list) in the same mapping",
                              hint: "each key (and each node id) may appear only once; rename or merge the duplicates")
        case .reader(let problem, _, _, _):
            return Diagnostic(.error, file: file, line: 1, column: 1, "cannot read the file: \(problem)",
                              hint: "dialog files must be UTF-8 text")
        default:
            return Diagnostic(.error, file: file, line: 1, column: 1, "cannot read YAML: \(error)")
        }
    }

    static func hint(for problem: String) -> String? {
        if problem.contains("did not find expected ',' or ']'") { return "a '[' list is not closed: add the missing ']'" }
        if problem.contains("did not find expected ',' or '}'") { return "a '{' mapping is not closed: add the missing '}'" }
        if problem.contains("mapping values are not allowed") {
            return "a ':' inside a value needs quotes, e.g. say: \"Note: this\" (or the indentation is off)"
        }
        if problem.contains("found character that cannot start any token") { return "quote values that start with '@', '`' or '%'" }
        if problem.contains("did not find expected key") { return "check the indentation: keys of one mapping line up in one column" }
        if problem.contains("could not find expected ':'") { return "a key is missing its ':', or a multi-line text needs '|'" }
        if problem.contains("found unexpected end of stream") { return "a quote or bracket is not closed" }
        return nil
    }

    // MARK: - Typed access

    /// The pairs of a mapping (keys as written), or a diagnostic saying what was expected.
    mutating func mapping(_ node: Yams.Node, _ what: String) -> [(key: Located<String>, value: Yams.Node)]? {
        guard case .mapping(let m) = node else {
            error(node, "\(what) must be a mapping of 'key: value' lines, not \(Self.describe(node))")
            return nil
        }
        var out: [(key: Located<String>, value: Yams.Node)] = []
        for (k, v) in m {
            guard case .scalar(let s) = k else { error(k, "keys must be plain words in \(what)"); continue }
            out.append((Located(s.string, at: location(k)), v))
        }
        return out
    }

    /// Reports keys not in `allowed`, with a "did you mean" hint.
    mutating func checkKeys(_ pairs: [(key: Located<String>, value: Yams.Node)], allowed: [String], in what: String) {
        for (k, _) in pairs where !allowed.contains(k.value) {
            let hint = Suggest.hint(for: k.value, in: allowed) ?? "allowed here: \(allowed.joined(separator: ", "))"
            error(k.at, "unknown key '\(k.value)' in \(what)", hint: hint)
        }
    }

    /// A scalar's text.
    mutating func string(_ node: Yams.Node, _ what: String) -> Located<String>? {
        guard case .scalar(let s) = node else {
            error(node, "\(what) must be a single value, not \(Self.describe(node))")
            return nil
        }
        return Located(s.string, at: location(node))
    }

    /// A non-empty scalar's text.
    mutating func text(_ node: Yams.Node, _ what: String) -> Located<String>? {
        guard let s = string(node, what) else { return nil }
        if s.value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            error(node, "\(what) is empty"); return nil
        }
        return s
    }

    /// One text or a list of texts.
    mutating func texts(_ node: Yams.Node, _ what: String) -> [Located<String>] {
        switch node {
        case .scalar: return text(node, what).map { [$0] } ?? []
        case .sequence(let seq): return seq.compactMap { text($0, "each item of \(what)") }
        default:
            error(node, "\(what) must be a text or a list of texts, not \(Self.describe(node))")
            return []
        }
    }

    mutating func sequence(_ node: Yams.Node, _ what: String) -> [Yams.Node]? {
        guard case .sequence(let seq) = node else {
            error(node, "\(what) must be a list (lines starting with '- '), not \(Self.describe(node))")
            return nil
        }
        return Array(seq)
    }

    mutating func number(_ node: Yams.Node, _ what: String) -> Double? {
        guard let s = string(node, what) else { return nil }
        guard let n = Double(s.value), n.isFinite else { error(node, "\(what) must be a number, not '\(s.value)'"); return nil }
        return n
    }

    mutating func bool(_ node: Yams.Node, _ what: String) -> Bool? {
        guard let s = string(node, what) else { return nil }
        switch s.value.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: error(node, "\(what) must be true or false, not '\(s.value)'"); return nil
        }
    }

    /// A scalar as a typed value: quoted text stays text; bare true/false/null/numbers are typed.
    func value(_ node: Yams.Node) -> Value? {
        guard case .scalar(let s) = node else { return nil }
        if s.style == .plain {
            switch s.string {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null", "~": return .null
            default: if let n = Double(s.string), n.isFinite { return .number(n) }
            }
        }
        return .string(s.string)
    }

    static func describe(_ node: Yams.Node) -> String {
        switch node {
        case .scalar(let s): "the value '\(s.string.prefix(30))'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
