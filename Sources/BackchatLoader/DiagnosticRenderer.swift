import BackchatEngine

/// Renders diagnostics the way compilers and CI annotators expect:
///
/// ```
/// Dialogs/en/pain.yaml:12:5: error: unknown key 'nxt' in node 'where'
///    12 |     nxt: done
///       |     ^~~
/// hint: did you mean 'next'?
/// ```
/// All rendering of diagnostics happens here.
public struct DiagnosticRenderer {
    /// File contents by path, for the source excerpt (files not in it get no excerpt).
    public var sources: [String: String]

    public init(sources: [String: String] = [:]) { self.sources = sources }

    public func render(_ d: Diagnostic) -> String {
        var out = d.line > 0 ? "\(d.file):\(d.line):\(d.column): " : "\(d.file): "
        out += "\(d.severity.rawValue): \(d.message)"
        if d.line > 0, let text = sources[d.file] {
            let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            if d.line - 1 < lines.count {
                let source = String(lines[d.line - 1]).replacingTabs
                let gutter = String(d.line)
                let pad = String(repeating: " ", count: gutter.count)
                let caretColumn = max(0, min(d.column - 1, source.count))
                let token = source.dropFirst(caretColumn).prefix { !$0.isWhitespace && !":,]}".contains($0) }
                let underline = "^" + String(repeating: "~", count: max(0, min(token.count, 40) - 1))
                out += "\n \(gutter) | \(source)"
                out += "\n \(pad) | \(String(repeating: " ", count: caretColumn))\(underline)"
            }
        }
        if let hint = d.hint { out += "\nhint: \(hint)" }
        return out
    }

    /// All diagnostics, sorted, and a closing count line.
    public func render(_ diagnostics: [Diagnostic]) -> String {
        var parts = diagnostics.sorted().map(render)
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        if !diagnostics.isEmpty {
            parts.append("\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        }
        return parts.joined(separator: "\n")
    }
}

extension String {
    /// Tabs shown as a visible arrow so the caret still lines up.
    var replacingTabs: String { String(map { $0 == "\t" ? "→" : $0 }) }
}

/// Close matches among `candidates`, for "did you mean" hints.
enum Suggest {
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        var best: (String, Int)? = nil
        let w = word.lowercased()
        for c in candidates {
            let limit = max(1, min(3, c.count / 3))
            let d = TextNormalizer.distance(w, c.lowercased(), limit: limit)
            if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    static func hint(for word: String, in candidates: some Sequence<String>) -> String? {
        closest(to: word, in: candidates).map { "did you mean '\($0)'?" }
    }
}
