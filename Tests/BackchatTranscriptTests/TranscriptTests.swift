import BackchatEngine
import BackchatLoader
import BackchatTranscripts
import Foundation
import Testing

enum Paths {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let dialogs = package.appendingPathComponent("Dialogs").path
    static let transcripts = package.appendingPathComponent("Tests/Transcripts").path
    static let fixture = package.appendingPathComponent("Tests/Fixtures/engine").path

    /// Every shipped transcript, relative to the package.
    static var allTranscripts: [String] {
        guard let e = FileManager.default.enumerator(atPath: transcripts) else { return [] }
        var out: [String] = []
        while let rel = e.nextObject() as? String { if rel.hasSuffix(".transcript") { out.append(rel) } }
        return out.sorted()
    }
}

/// The shipped dialogs, loaded once for all transcript tests.
let shippedEngine: Result<Engine, DiagnosticsError> = {
    let r = DialogLoader.load(directory: Paths.dialogs)
    guard let script = r.script else { return .failure(DiagnosticsError(text: r.renderer.render(r.diagnostics))) }
    return .success(Engine(script: script))
}()

struct DiagnosticsError: Error, CustomStringConvertible { var text: String; var description: String { text } }

@Suite("Transcripts")
struct TranscriptTests {
    @Test("shipped transcript passes", arguments: Paths.allTranscripts)
    func shipped(_ relative: String) throws {
        let engine = try shippedEngine.get()
        let path = Paths.transcripts + "/" + relative
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let transcript = try TranscriptParser.parse(text, file: "Tests/Transcripts/" + relative).get()
        let outcome = TranscriptRunner(engine: engine).run(transcript)
        #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
        #expect(outcome.checks > 0, "a transcript must check something")
    }

    @Test func thereAreTranscripts() {
        #expect(!Paths.allTranscripts.isEmpty)
    }

    @Test func wrongTranscriptFailsWithAReadableDiff() throws {
        let r = DialogLoader.load(directory: Paths.fixture)
        let engine = Engine(script: try #require(r.script))
        let file = Paths.package.appendingPathComponent("Tests/Fixtures/transcripts/wrong.transcript").path
        let t = try TranscriptParser.parse(try String(contentsOfFile: file, encoding: .utf8), file: "wrong.transcript").get()
        let outcome = TranscriptRunner(engine: engine).run(t)
        let failure = try #require(outcome.failure)
        #expect(failure.description == """
            wrong.transcript:4: error: the reply does not contain "How old are you"
              expected: "How old are you"
              actual turn:
                | How long have you had it?
                | expects: duration, node: main.weeks
            """)
    }

    @Test func everyKindOfCheck() throws {
        let r = DialogLoader.load(directory: Paths.fixture)
        let engine = Engine(script: try #require(r.script))
        let text = """
            @locale en-GB
            @now 2026-11-25
            < Hello from the fixture.
            choices: yes, no
            expects: choice
            escalation: none
            node: main.ready
            ended: no
            > yes
            < /how long .* it\\?/
            <! ready
            choices: none
            > since March
            < chronic: 38.4 weeks
            expects: number
            > 7
            > done
            > Sam
            < Bye Sam
            ended
            """
        let t = try TranscriptParser.parse(text, file: "t").get()
        let outcome = TranscriptRunner(engine: engine).run(t)
        #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
        #expect(outcome.checks == 13)
        #expect(outcome.turns == 5)
    }

    @Test("reports unreadable lines", arguments: [
        ("hello there", "t:1: error: cannot read this line: start it with '>' (the person types), '<' (the reply contains), '<!' (does not contain), or one of 'choices:', 'expects:', 'escalation:', 'node:', 'ended:'"),
        ("@colour blue", "t:1: error: unknown directive '@colour'; use @locale, @region, @now, @flow or @set"),
        ("> hi\n@locale en", "t:2: error: '@locale' must come before the first '>' line"),
        ("escalation: panic", "t:1: error: escalation must be none, crisis, emergency, urgent or support, not 'panic'"),
        ("< /unclosed(/", "t:1: error: invalid regular expression /unclosed(/"),
        ("<", "t:1: error: '<' needs the text the reply must contain"),
    ])
    func parseErrors(_ text: String, _ expected: String) {
        guard case .failure(let p) = TranscriptParser.parse(text, file: "t") else { Issue.record("should fail"); return }
        #expect(p.description.hasPrefix(expected), "\(p.description)")
    }

    @Test func windowsLineEndingsAreLines() throws {
        let t = try TranscriptParser.parse("@locale en-GB\r\n< Hello\r\n> yes\r\nended: no\r\n", file: "t").get()
        #expect(t.locale == "en-GB")
        #expect(t.steps.map(\.line) == [2, 3, 4])
    }

    @Test func coverageCountsNodesAndEdges() throws {
        let r = DialogLoader.load(directory: Paths.fixture)
        let script = try #require(r.script)
        let engine = Engine(script: script)
        var cov = Coverage()
        let t = try TranscriptParser.parse("> no\nended", file: "t").get()
        _ = TranscriptRunner(engine: engine).run(t) { cov.record($0) }
        let en = try #require(script.locales["en"])
        let main = try #require(cov.report(en).first { $0.flow == "main" })
        #expect(main.nodesCovered == 3)   // hello, ready, bye
        #expect(main.nodes == 10)
        #expect(main.missedNodes.contains("weeks"))
        #expect(main.missedEdges.contains("ready -> yes"))
        #expect(!main.missedEdges.contains("ready -> no"))
    }
}
