import BackchatEngine

/// Draws a locale's flows as Graphviz DOT or Mermaid, for authors and reviewers.
///
/// Nodes show their id and the first words of what they say or ask; choice labels
/// sit on edges; branches show their conditions; calls and returns are dashed; the
/// safety scan, which runs before every input, is drawn as its own node with red
/// edges into the safety flows.
public struct GraphRenderer: Sendable {
    public enum Format: String, Sendable, CaseIterable { case dot, mermaid }

    let locale: LocaleScript
    /// Only these flows (all when empty); edges leaving them end at small stub nodes.
    let only: Set<String>

    public init(locale: LocaleScript, flows: [String] = []) {
        self.locale = locale
        self.only = Set(flows)
    }

    struct Edge { var from: String; var to: String; var label: String; var kind: Kind }
    enum Kind { case normal, branch, call, returns, safety }
    enum Shape { case say, ask, branch, call, returns, end }

    struct GraphNode { var id: String; var flow: String; var title: String; var text: String; var shape: Shape; var role: FlowRole? }

    func included(_ flow: Flow) -> Bool { only.isEmpty || only.contains(flow.name) }

    func key(_ t: Target) -> String {
        let f = locale.flows[t.flow]
        return "\(f.name).\(f.nodes[t.node].id)"
    }

    /// Nodes and edges of the selected flows.
    func collect() -> (nodes: [GraphNode], edges: [Edge], stubs: [String]) {
        var nodes: [GraphNode] = []
        var edges: [Edge] = []
        var callers: [Int: [Target]] = [:]
        for f in locale.flows { for n in f.nodes { if case .call(let c, let then) = n.action { callers[c, default: []].append(then) } } }
        for (fi, f) in locale.flows.enumerated() where included(f) {
            for n in f.nodes {
                let id = "\(f.name).\(n.id)"
                var text = n.say.first.map { $0.source } ?? ""
                let shape: Shape
                switch n.action {
                case .next(let t):
                    shape = .say
                    edges.append(Edge(from: id, to: key(t), label: "", kind: .normal))
                case .ask(let a):
                    shape = .ask
                    text = a.prompt.source
                    switch a.kind {
                    case .choice(let cs):
                        for c in cs { if let t = c.next ?? a.next { edges.append(Edge(from: id, to: key(t), label: c.label.source, kind: .normal)) } }
                    case .text, .number, .duration:
                        if let t = a.next { edges.append(Edge(from: id, to: key(t), label: "(\(a.expects.rawValue))", kind: .normal)) }
                    }
                    if let s = a.skip { edges.append(Edge(from: id, to: key(s), label: "skip", kind: .normal)) }
                case .branch(let bs, let otherwise):
                    shape = .branch
                    for b in bs { edges.append(Edge(from: id, to: key(b.target), label: b.source, kind: .branch)) }
                    edges.append(Edge(from: id, to: key(otherwise), label: "else", kind: .branch))
                case .call(let callee, let then):
                    shape = .call
                    text = "call \(locale.flows[callee].name)"
                    edges.append(Edge(from: id, to: key(Target(flow: callee, node: locale.flows[callee].start)), label: "call", kind: .call))
                    edges.append(Edge(from: id, to: key(then), label: "after", kind: .normal))
                case .returns:
                    shape = .returns
                    if text.isEmpty { text = f.role != nil ? "back to the interrupted question" : "return" }
                    for then in callers[fi] ?? [] { edges.append(Edge(from: id, to: key(then), label: "return", kind: .returns)) }
                case .end:
                    shape = .end
                }
                nodes.append(GraphNode(id: id, flow: f.name, title: n.id, text: text, shape: shape, role: f.role))
            }
        }
        // The safety scan runs before every input and can lead into each safety flow.
        var safetyTargets: [(FlowRole, Target)] = []
        for role in FlowRole.allCases { if let f = locale.safety.flows[role] { safetyTargets.append((role, Target(flow: f, node: locale.flows[f].start))) } }
        if !safetyTargets.isEmpty {
            for (role, t) in safetyTargets where included(locale.flows[t.flow]) || only.isEmpty {
                edges.append(Edge(from: "safety_scan", to: key(t), label: role.rawValue, kind: .safety))
            }
        }
        // Slash-commands a locale adds call their flow from anywhere.
        for (name, f) in locale.commands.sorted(by: { $0.key < $1.key }) where included(locale.flows[f]) {
            edges.append(Edge(from: "command_\(name)", to: key(Target(flow: f, node: locale.flows[f].start)), label: "any time", kind: .call))
        }
        let known = Set(nodes.map(\.id))
        var stubs: [String] = []
        for e in edges where !e.to.hasPrefix("command_") && !known.contains(e.to) && !stubs.contains(e.to) { stubs.append(e.to) }
        return (nodes, edges, stubs)
    }

    /// The first words of a text, at most `limit` characters, on one line.
    static func excerpt(_ text: String, limit: Int = 40) -> String {
        let flat = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        if flat.count <= limit { return flat }
        var out = ""
        for word in flat.split(separator: " ") {
            if out.count + word.count + 1 > limit - 1 { break }
            out += out.isEmpty ? String(word) : " " + word
        }
        return out + "…"
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .dot: dot()
        case .mermaid: mermaid()
        }
    }

    // MARK: - DOT

    static func dotEscape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    func dot() -> String {
        let (nodes, edges, stubs) = collect()
        var lines = [
            "digraph backchat {",
            "  rankdir=TB;",
            "  newrank=true;",
            "  graph [fontname=\"Helvetica\", fontsize=11];",
            "  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=rounded];",
            "  edge [fontname=\"Helvetica\", fontsize=9];",
        ]
        let hasSafety = edges.contains { $0.kind == .safety }
        if hasSafety {
            lines.append("  \"safety_scan\" [label=\"safety scan\\n(before every input)\", shape=octagon, style=filled, fillcolor=\"#fde2e2\", color=\"#b00020\"];")
        }
        for e in edges where e.from.hasPrefix("command_") {
            lines.append("  \"\(e.from)\" [label=\"/\(Self.dotEscape(String(e.from.dropFirst(8))))\", shape=note];")
        }
        let flowsInOrder = locale.flows.filter(included).map(\.name)
        for (i, flow) in flowsInOrder.enumerated() {
            guard let f = locale.flow(named: flow) else { continue }
            let title = f.title.isEmpty ? f.name : "\(f.name) — \(f.title)"
            lines.append("  subgraph cluster_\(i) {")
            lines.append("    label=\"\(Self.dotEscape(title + (f.role.map { " [\($0.rawValue)]" } ?? "")))\";")
            lines.append("    style=rounded; color=\"\(f.role == nil ? "#888888" : "#b00020")\";")
            for n in nodes where n.flow == flow {
                let label = n.text.isEmpty ? n.title : "\(n.title)\n\(Self.excerpt(n.text))"
                var attrs = "label=\"\(Self.dotEscape(label))\""
                switch n.shape {
                case .say: break
                case .ask: attrs += ", style=\"rounded,filled\", fillcolor=\"#e3f0ff\""
                case .branch: attrs += ", shape=diamond, style=filled, fillcolor=\"#fff6d5\""
                case .call: attrs += ", shape=box, style=\"rounded,dashed\""
                case .returns: attrs += ", shape=cds"
                case .end: attrs += ", shape=doubleoctagon"
                }
                lines.append("    \"\(Self.dotEscape(n.id))\" [\(attrs)];")
            }
            lines.append("  }")
        }
        for s in stubs {
            lines.append("  \"\(Self.dotEscape(s))\" [label=\"\(Self.dotEscape("→ " + s))\", shape=plaintext];")
        }
        for e in edges {
            var attrs: [String] = []
            if !e.label.isEmpty { attrs.append("label=\"\(Self.dotEscape(Self.excerpt(e.label, limit: 30)))\"") }
            switch e.kind {
            case .normal: break
            case .branch: attrs.append("color=\"#8a6d00\"")
            case .call: attrs.append("style=dashed")
            case .returns: attrs.append("style=dotted")
            case .safety: attrs.append("color=\"#b00020\""); attrs.append("style=bold")
            }
            lines.append("  \"\(Self.dotEscape(e.from))\" -> \"\(Self.dotEscape(e.to))\"" + (attrs.isEmpty ? ";" : " [\(attrs.joined(separator: ", "))];"))
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Mermaid

    static func mermaidID(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    static func mermaidText(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\"": out += "#quot;"
            case "\n": out += "<br/>"
            case "<": out += "#lt;"
            case ">": out += "#gt;"
            case "|": out += "#124;"
            default: out.append(c)
            }
        }
        return out
    }

    func mermaid() -> String {
        let (nodes, edges, stubs) = collect()
        var lines = ["flowchart TD"]
        if edges.contains(where: { $0.kind == .safety }) {
            lines.append("  safety_scan{{\"safety scan<br/>(before every input)\"}}")
        }
        for f in locale.flows where included(f) {
            let title = f.title.isEmpty ? f.name : "\(f.name) — \(f.title)"
            lines.append("  subgraph \(Self.mermaidID("flow_" + f.name))[\"\(Self.mermaidText(title))\"]")
            for n in nodes where n.flow == f.name {
                let label = Self.mermaidText(n.text.isEmpty ? n.title : "\(n.title)\n\(Self.excerpt(n.text))")
                let id = Self.mermaidID(n.id)
                switch n.shape {
                case .say: lines.append("    \(id)(\"\(label)\")")
                case .ask: lines.append("    \(id)[\"\(label)\"]")
                case .branch: lines.append("    \(id){\"\(label)\"}")
                case .call: lines.append("    \(id)[[\"\(label)\"]]")
                case .returns: lines.append("    \(id)>\"\(label)\"]")
                case .end: lines.append("    \(id)([\"\(label)\"])")
                }
            }
            lines.append("  end")
        }
        for s in stubs { lines.append("  \(Self.mermaidID(s))[\"\(Self.mermaidText("→ " + s))\"]") }
        for e in edges where e.from.hasPrefix("command_") {
            lines.append("  \(Self.mermaidID(e.from))[/\"/\(Self.mermaidText(String(e.from.dropFirst(8))))\"/]")
        }
        for e in edges {
            let arrow: String
            switch e.kind {
            case .normal, .branch: arrow = "-->"
            case .call, .returns: arrow = "-.->"
            case .safety: arrow = "==>"
            }
            let label = e.label.isEmpty ? "" : "|\"\(Self.mermaidText(Self.excerpt(e.label, limit: 30)))\"|"
            lines.append("  \(Self.mermaidID(e.from)) \(arrow)\(label) \(Self.mermaidID(e.to))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
