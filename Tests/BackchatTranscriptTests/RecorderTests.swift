import BackchatEngine
import BackchatLoader
import BackchatTranscripts
import Testing

@Suite("Recording transcripts")
struct RecorderTests {
    @Test func aRecordedConversationReplaysGreen() throws {
        let r = DialogLoader.load(directory: Paths.fixture)
        let engine = Engine(script: try #require(r.script))
        let today = CalendarDay(year: 2026, month: 11, day: 25)
        var (state, turn) = try engine.start(locale: "en-GB", today: today)
        var recorder = TranscriptRecorder(locale: "en-GB", region: nil, today: today)
        recorder.opening(turn)
        for input in ["sure", "since   March", "what?", "7", "once more", "done", "Ana\nMaria"] {
            turn = engine.respond(&state, to: .text(input), today: today)
            recorder.record(input: input, turn: turn)
        }
        let text = recorder.text
        #expect(text.contains("\n> since March\n< That is chronic: 38.4 weeks.\n< How strong is it from 0 to 10?\nexpects: number\nescalation: none\n"))
        #expect(text.hasSuffix("> Ana Maria\n< Bye Ana Maria, visits: 2.\nescalation: none\nended\n"))
        let transcript = try TranscriptParser.parse(text, file: "recorded").get()
        let outcome = TranscriptRunner(engine: engine).run(transcript)
        #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
        #expect(outcome.turns == 7)
    }

    @Test func escalationsAreRecorded() throws {
        let r = DialogLoader.load(directory: Paths.fixture)
        var script = try #require(r.script)
        script.locales["en"]?.safety.scanner = FixedScanner()
        let engine = Engine(script: script)
        var (state, turn) = try engine.start(locale: "en-GB")
        var recorder = TranscriptRecorder(locale: "en-GB", region: nil, today: nil)
        recorder.opening(turn)
        turn = engine.respond(&state, to: .text("I want to die"))
        recorder.record(input: "I want to die", turn: turn)
        #expect(recorder.text.contains("escalation: crisis"))
        let outcome = TranscriptRunner(engine: engine).run(try TranscriptParser.parse(recorder.text, file: "r").get())
        #expect(outcome.failure == nil, "\(outcome.failure?.description ?? "")")
    }
}

struct FixedScanner: SafetyScanning {
    func scan(_ text: String) -> Detection? {
        text.contains("die") ? Detection(level: .crisis, category: "suicidal-thoughts", reason: "thoughts of ending your life") : nil
    }
}
