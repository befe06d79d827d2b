import BackchatEngine

/// Which nodes and edges of the dialogs the transcripts reached.
public struct Coverage: Sendable {
    public struct FlowReport: Sendable, Codable, Hashable {
        public var flow: String
        public var file: String
        public var nodes: Int
        public var nodesCovered: Int
        public var edges: Int
        public var edgesCovered: Int
        public var missedNodes: [String]
        public var missedEdges: [String]
    }

    private var nodes = Set<String>()
    private var edges = Set<String>()

    public init() {}

    /// Records one trace event.
    public mutating func record(_ e: TraceEvent) {
        switch e {
        case .node(let f, let n): nodes.insert("\(f).\(n)")
        case .edge(let f, let n, let label): edges.insert("\(f).\(n)->\(label)")
        }
    }

    /// Every edge a node has, by the labels the engine traces.
    static func edgeLabels(_ node: Node) -> [String] {
        switch node.action {
        case .next: return ["next"]
        case .ask(let a):
            var out: [String]
            if case .choice(let cs) = a.kind { out = cs.map(\.key) } else { out = ["answer"] }
            if a.skip != nil { out.append("skip") }
            return out
        case .branch(let bs, _): return bs.indices.map { "branch:\($0)" } + ["else"]
        case .call: return ["call"]
        case .returns: return ["return"]
        case .end: return []
        }
    }

    /// The report for one locale's flows.
    public func report(_ ls: LocaleScript) -> [FlowReport] {
        ls.flows.map { f in
            var missedNodes: [String] = []
            var missedEdges: [String] = []
            var edgeCount = 0
            for n in f.nodes {
                if !nodes.contains("\(f.name).\(n.id)") { missedNodes.append(n.id) }
                for label in Coverage.edgeLabels(n) {
                    edgeCount += 1
                    if !edges.contains("\(f.name).\(n.id)->\(label)") { missedEdges.append("\(n.id) -> \(label)") }
                }
            }
            return FlowReport(flow: f.name, file: f.file, nodes: f.nodes.count, nodesCovered: f.nodes.count - missedNodes.count,
                              edges: edgeCount, edgesCovered: edgeCount - missedEdges.count,
                              missedNodes: missedNodes, missedEdges: missedEdges)
        }
    }

    /// A readable table with totals and what no transcript reaches.
    public static func render(_ reports: [FlowReport], locale: String) -> String {
        func pct(_ a: Int, _ b: Int) -> String { b == 0 ? "100.0%" : String(format1: Double(a) * 100 / Double(b)) + "%" }
        var lines = ["coverage (\(locale)):", "  flow                      nodes            edges"]
        var tn = 0, tnc = 0, te = 0, tec = 0
        for r in reports {
            tn += r.nodes; tnc += r.nodesCovered; te += r.edges; tec += r.edgesCovered
            let name = r.flow.padding(24)
            lines.append("  \(name)  \(("\(r.nodesCovered)/\(r.nodes)").padding(6)) \(pct(r.nodesCovered, r.nodes).padding(8))  \(("\(r.edgesCovered)/\(r.edges)").padding(6)) \(pct(r.edgesCovered, r.edges))")
        }
        lines.append("  \("total".padding(24))  \(("\(tnc)/\(tn)").padding(6)) \(pct(tnc, tn).padding(8))  \(("\(tec)/\(te)").padding(6)) \(pct(tec, te))")
        let missed = reports.filter { !$0.missedNodes.isEmpty || !$0.missedEdges.isEmpty }
        if !missed.isEmpty {
            lines.append("not reached by any transcript:")
            for r in missed {
                for n in r.missedNodes { lines.append("  node \(r.flow).\(n)  (\(r.file))") }
                for e in r.missedEdges { lines.append("  edge \(r.flow).\(e)") }
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    init(format1 value: Double) {
        let scaled = (value * 10).rounded() / 10
        self = String(scaled)
    }
}
