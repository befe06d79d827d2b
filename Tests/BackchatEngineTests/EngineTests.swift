import BackchatEngine
import BackchatLoader
import Foundation
import Testing

/// A scanner that flags fixed words, so engine tests don't depend on the real lexicon.
struct KeywordScanner: SafetyScanning {
    func scan(_ text: String) -> Detection? {
        let t = text.lowercased()
        if t.contains("end it all") { return Detection(level: .crisis, category: "suicidal-ideation", reason: "thoughts of ending your life") }
        if t.contains("fever") { return Detection(level: .urgent, category: "fever", reason: "a fever") }
        return nil
    }
}

enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/engine").path

    static func engine() throws -> Engine {
        let result = DialogLoader.load(directory: root)
        var script = try #require(result.script, "fixture dialogs must load: \(result.renderer.render(result.diagnostics))")
        script.locales["en"]?.safety.scanner = KeywordScanner()
        return Engine(script: script)
    }
}

@Suite("Engine")
struct EngineTests {
    let engine: Engine
    init() throws { engine = try Fixture.engine() }

    /// Runs inputs from a fresh session and returns the final state and every turn.
    func talk(_ inputs: [String], locale: String = "en-GB") throws -> (SessionState, [Turn]) {
        var (state, first) = try engine.start(locale: locale, today: CalendarDay(year: 2026, month: 11, day: 25))
        var turns = [first]
        for i in inputs { turns.append(engine.respond(&state, to: .text(i), today: CalendarDay(year: 2026, month: 11, day: 25))) }
        return (state, turns)
    }

    @Test func greetsAndOffersChoices() throws {
        let (state, turns) = try talk([])
        #expect(turns[0].messages == ["Hello from the fixture.", "Ready?"])
        #expect(turns[0].choices == [ChoiceView(key: "yes", label: "Yes, ready"), ChoiceView(key: "no", label: "Not yet")])
        #expect(turns[0].expects == .choice)
        #expect(turns[0].node == "main.ready")
        #expect(state.region == "GB")
        #expect(state.variables["visits"] == .number(1))
    }

    @Test func answersAdvanceAndBranch() throws {
        let (state, turns) = try talk(["of course", "since March"])
        #expect(turns[1].messages == ["How long have you had it?"])
        #expect(turns[1].expects == .duration)
        #expect(turns[2].messages == ["That is chronic: 38.4 weeks.", "How strong is it from 0 to 10?"])
        #expect(state.variables["ready"] == .string("yes"))
        #expect(state.variables["pain_weeks_days"] == .number(269))
    }

    @Test func retriesWithTheAuthorsWords() throws {
        let (_, turns) = try talk(["yes", "quite a while"])
        #expect(turns[2].messages == ["Roughly how long, for example 6 weeks?"])
        #expect(turns[2].node == "main.weeks")
    }

    @Test func rangeIsChecked() throws {
        let (_, turns) = try talk(["yes", "4 weeks", "eleven"])
        #expect(turns[2].messages == ["That is acute.", "How strong is it from 0 to 10?"])
        #expect(turns[3].messages == ["Please give a number from 0 to 10.", "How strong is it from 0 to 10?"])
    }

    @Test func notUnderstoodRepeatsTheQuestionAndChoices() throws {
        let (_, turns) = try talk(["purple"])
        #expect(turns[1].messages == ["Sorry, I didn't catch that.", "Ready?"])
        #expect(turns[1].choices.count == 2)
    }

    @Test func callsAFlowAndReturns() throws {
        let (state, turns) = try talk(["yes", "2 weeks", "5", "1", "once more", "done", "Sam"])
        #expect(turns[3].messages == ["Let's breathe.", "Once more?"])
        #expect(turns[6].messages == ["What should I call you?"])
        #expect(turns[7].messages == ["Bye Sam, visits: 3."])
        #expect(turns[7].ended)
        #expect(turns[7].expects == .none)
        #expect(state.returns.isEmpty)
    }

    @Test func backRestoresTheEarlierQuestionAndVariables() throws {
        let (state, turns) = try talk(["yes", "20 weeks", "/back"])
        #expect(turns[3].messages == ["Let's go back a step.", "How long have you had it?"])
        #expect(state.variables["pain_weeks"] == nil)
        let (_, atStart) = try talk(["go back"])
        #expect(atStart[1].messages.first == "We're at the start, so there's nowhere to go back to.")
    }

    @Test func skipHelpRestartQuit() throws {
        let (_, turns) = try talk(["yes", "skip", "help", "/restart", "quit"])
        #expect(turns[2].messages == ["That's fine, let's skip that one.", "How strong is it from 0 to 10?"])
        #expect(turns[3].messages.first?.hasPrefix("You can answer with the number") == true)
        #expect(turns[4].messages == ["Let's start again from the beginning.", "Hello from the fixture.", "Ready?"])
        #expect(turns[5].ended)
        #expect(turns[5].messages == ["Take care. You can come back any time."])
    }

    @Test func cannotSkipWithoutASkipTarget() throws {
        let (_, turns) = try talk(["/skip"])
        #expect(turns[1].messages == ["This one can't be skipped, but you can answer in your own words.", "Ready?"])
    }

    @Test func unknownCommandExplains() throws {
        let (_, turns) = try talk(["/dance"])
        #expect(turns[1].messages == ["I don't know the command /dance. Type /help to see what you can do.", "Ready?"])
    }

    @Test func localeCommandCallsItsFlowAndResumes() throws {
        let (_, turns) = try talk(["yes", "3 weeks", "6", "/plan"])
        #expect(turns[4].messages == ["Your plan: score 6, ready: yes.", "Let's carry on where we were.", "Once more?"])
        #expect(turns[4].node == "breathing.again")
    }

    @Test func planAfterTheEndShowsThePlanAndStaysFinished() throws {
        let (state, turns) = try talk(["no", "/plan"])
        #expect(turns[2].messages == ["Your plan: score , ready: no.", "This conversation has finished. Type /restart to begin again."])
        #expect(turns[2].ended)
        #expect(state.ended)
        #expect(state.returns.isEmpty)
    }

    @Test func endedConversationSaysSo() throws {
        let (_, turns) = try talk(["no", "hello?"])
        #expect(turns[1].ended)
        #expect(turns[2].messages == ["This conversation has finished. Type /restart to begin again."])
        #expect(turns[2].ended)
    }

    @Test func crisisInterruptsAnyQuestionAndResumesOnlyWhenChosen() throws {
        let (state, turns) = try talk(["yes", "I just want to end it all", "yes", "go back to the conversation"])
        let crisis = turns[2]
        #expect(crisis.escalation?.level == .crisis)
        #expect(crisis.escalation?.new == true)
        #expect(crisis.escalation?.resources.first == Resource(kind: "crisis", name: "Samaritans", contact: "call 116 123", detail: "free, 24/7"))
        #expect(crisis.messages.first == "Thank you for telling me. Please contact Samaritans: call 116 123 or 999.")
        #expect(crisis.node == "crisis.safe")
        // The following turns in the crisis flow keep the escalation visible.
        #expect(turns[3].escalation?.level == .crisis)
        #expect(turns[3].escalation?.new == false)
        // Back to the interrupted question, without repeating its lead-in.
        #expect(turns[4].messages == ["Let's carry on where we were.", "How long have you had it?"])
        #expect(turns[4].escalation == nil)
        #expect(state.variables["safety_category"] == .string("suicidal-ideation"))
    }

    @Test func crisisCannotBeLeftWithBackOrRestart() throws {
        let (_, turns) = try talk(["I want to end it all", "/back", "/restart"])
        #expect(turns[2].messages == ["Let's stay with this for a moment first.", "Are you safe right now?"])
        #expect(turns[3].node == "crisis.safe")
        #expect(turns[3].escalation?.level == .crisis)
    }

    @Test func crisisWinsEvenAfterTheEnd() throws {
        let (_, turns) = try talk(["no", "I want to end it all"])
        #expect(turns[2].escalation?.level == .crisis)
        #expect(turns[2].ended == false)
    }

    @Test func urgentFlagNamesTheReason() throws {
        let (_, turns) = try talk(["yes", "I've had a fever since Monday", "carry on"])
        #expect(turns[2].escalation?.level == .urgent)
        #expect(turns[2].messages.first == "You mentioned a fever. Please see a doctor today.")
        #expect(turns[3].messages.last == "How long have you had it?")
    }

    @Test func weakerFindingDuringCrisisStaysInCrisis() throws {
        let (_, turns) = try talk(["I want to end it all", "I have a fever too"])
        #expect(turns[2].escalation?.level == .crisis)
        #expect(turns[2].node == "crisis.safe")
    }

    @Test func stateRoundTripsThroughJSON() throws {
        let (state, _) = try talk(["yes", "20 weeks", "7"])
        let data = try JSONEncoder().encode(state)
        let back = try JSONDecoder().decode(SessionState.self, from: data)
        #expect(back == state)
        #expect(data.count < 1024, "a session is small: \(data.count) bytes")
        var s1 = state, s2 = back
        #expect(engine.respond(&s1, to: .text("once more")) == engine.respond(&s2, to: .text("once more")))
    }

    @Test func savedSessionSurvivesEditedDialogs() throws {
        var (state, _) = try talk(["yes", "20 weeks"])
        state.position = SessionState.Position(flow: "main", node: "removed_node")
        state.dialogsVersion = "older"
        let turn = engine.respond(&state, to: .text("5"))
        #expect(turn.messages.first == "The conversation has been updated since last time, so we'll pick up at the start of this part.")
        #expect(turn.node == "main.ready")
        #expect(state.variables["pain_weeks"] == .number(20), "answers are kept")
        #expect(state.dialogsVersion == engine.script.version)
    }

    @Test func sameInputsGiveTheSameTranscript() throws {
        let inputs = ["yes", "since 2024", "7/10", "no", "Ana"]
        let (a, ta) = try talk(inputs)
        let (b, tb) = try talk(inputs)
        #expect(ta == tb)
        #expect(a == b)
    }

    @Test func unknownFlowIsAnError() {
        #expect(throws: Engine.StartError.unknownFlow("nope", locale: "en")) {
            _ = try engine.start(flow: "nope")
        }
    }
}
