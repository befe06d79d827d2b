import BackchatAuthoring
import BackchatEngine
import BackchatLoader
import BackchatTestSupport
import Foundation
import Testing

@Suite("Graphs")
struct GraphTests {
    func fixture() throws -> LocaleScript {
        let r = DialogLoader.load(directory: Paths.fixture)
        return try #require(r.script?.locales["en"])
    }

    @Test func dotShowsNodesChoicesConditionsCallsAndSafety() throws {
        let dot = GraphRenderer(locale: try fixture()).render(.dot)
        #expect(dot.hasPrefix("digraph backchat {\n"))
        #expect(dot.contains(##""main.ready" [label="ready\nReady?", style="rounded,filled", fillcolor="#e3f0ff"];"##))
        #expect(dot.contains(##""main.ready" -> "main.weeks" [label="Yes, ready"];"##))
        #expect(dot.contains(##""main.classify" -> "main.chronic" [label="pain_weeks >= 12", color="#8a6d00"];"##))
        #expect(dot.contains(##""main.breathe" -> "breathing.intro" [label="call", style=dashed];"##))
        #expect(dot.contains(##""breathing.out" -> "main.name" [label="return", style=dotted];"##))
        #expect(dot.contains(##""safety_scan" -> "crisis.open" [label="crisis", color="#b00020", style=bold];"##))
        #expect(dot.contains(##""command_plan" -> "plan.show" [label="any time", style=dashed];"##))
        #expect(dot.contains(##"label="Thank you for telling me. Please…""##) == false, "excerpts are cut at a word")
        #expect(dot.contains(##"open\nThank you for telling me. Please…"##))
    }

    @Test func oneFlowDrawsItsExitsAsStubs() throws {
        let dot = GraphRenderer(locale: try fixture(), flows: ["breathing"]).render(.dot)
        #expect(!dot.contains("\"main.hello\" ["))
        #expect(dot.contains(##""main.name" [label="→ main.name", shape=plaintext];"##))
    }

    @Test func mermaidUsesSafeIdsAndEscapes() throws {
        let m = GraphRenderer(locale: try fixture()).render(.mermaid)
        #expect(m.hasPrefix("flowchart TD\n"))
        #expect(m.contains("  main_ready -->|\"Yes, ready\"| main_weeks\n"))
        #expect(m.contains("  main_classify{\"classify\"}\n"))
        #expect(m.contains("  safety_scan ==>|\"crisis\"| crisis_open\n"))
        #expect(m.contains("  main_breathe -.->|\"call\"| breathing_intro\n"))
        #expect(!m.contains("main.ready"), "no dots in Mermaid ids")
        // Every line is a known Mermaid statement: a header, subgraph/end, a node or an edge.
        for line in m.split(separator: "\n").dropFirst() {
            let t = line.trimmingCharacters(in: .whitespaces)
            #expect(t.hasPrefix("subgraph ") || t == "end" || t.contains("-->") || t.contains("-.->") || t.contains("==>")
                    || t.range(of: ##"^[A-Za-z0-9_]+[\[\(\{>]"##, options: .regularExpression) != nil, "\(t)")
        }
    }

    @Test("every shipped flow renders with Graphviz", arguments: ["dot"])
    func shippedFlowsRender(_ tool: String) throws {
        let engine = try shippedEngine.get()
        let ls = try #require(engine.script.locales["en"])
        for flow in [[]] + ls.flows.map({ [$0.name] }) {
            let dot = GraphRenderer(locale: ls, flows: flow).render(.dot)
            let (message, status) = try Tool.run([tool, "-Tsvg", "-o", "/dev/null"], input: Data(dot.utf8))
            #expect(status == 0, "dot failed on \(flow): \(message) (graphviz is installed by .ci/setup)")
        }
    }
}
