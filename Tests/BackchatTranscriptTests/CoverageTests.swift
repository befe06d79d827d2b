import BackchatEngine
import BackchatTranscripts
import Foundation
import Testing

@Suite("Transcript coverage of the shipped dialogs")
struct ShippedCoverageTests {
    /// Every node of every shipped flow is visited by at least one transcript.
    @Test func everyNodeIsVisited() throws {
        let engine = try shippedEngine.get()
        var cov = Coverage()
        for relative in Paths.allTranscripts {
            let text = try String(contentsOfFile: Paths.transcripts + "/" + relative, encoding: .utf8)
            let t = try TranscriptParser.parse(text, file: relative).get()
            _ = TranscriptRunner(engine: engine).run(t) { cov.record($0) }
        }
        for (code, ls) in engine.script.locales {
            let report = cov.report(ls)
            let missed = report.flatMap { r in r.missedNodes.map { "\(r.flow).\($0)" } }
            #expect(missed.isEmpty, "locale \(code): nodes no transcript visits: \(missed.joined(separator: ", "))")
        }
    }
}
