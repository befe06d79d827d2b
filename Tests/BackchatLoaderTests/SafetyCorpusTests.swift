import BackchatEngine
@testable import BackchatLoader
import Foundation
import Testing

/// The package root, found from this file's path (Tests/BackchatLoaderTests/…).
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The shipped English safety scan (lexicon and backstop model), compiled once for all tests.
let shippedDetector: SafetyDetector = {
    let (detector, diagnostics) = SafetyEvaluation.shippedDetector(dialogs: packageRoot + "/Dialogs")
    guard let detector, diagnostics.isEmpty else {
        fatalError("the shipped lexicon or model has problems:\n" + DiagnosticRenderer().render(diagnostics))
    }
    return detector
}()

/// The shipped rules with a model whose one head (at `level`) asks about every message of at
/// least `minWords` words the rules find nothing in: for testing where a guess may speak.
func eagerDetector(_ level: EscalationLevel, minWords: Int = 1) throws -> SafetyDetector {
    var eager = shippedDetector
    let m = try #require(shippedDetector.backstop, "the shipped English scan has a backstop model")
    eager.backstop = try SafetyModel(buckets: m.buckets, scaleLog2: m.scaleLog2,
                                     heads: [SafetyModel.Head(level: level, bias: 0, threshold: -1e9)], minWords: minWords, weights: [])
    return eager
}

/// The shipped English lexicon alone, without the backstop model.
let rulesOnlyDetector: SafetyDetector = {
    var d = shippedDetector
    d.backstop = nil
    return d
}()

/// The real lexicon against the labelled corpus, and the safety flows in the real dialogs.
@Suite("Safety corpus")
struct SafetyCorpusTests {
    @Test("the development corpus and the probes meet the targets", arguments: ["corpus.tsv", "probes.tsv"])
    func corpus(_ file: String) throws {
        let (report, diagnostics) = SafetyEvaluation.evaluate(file: packageRoot + "/Tests/SafetyCorpus/" + file, scanner: shippedDetector)
        #expect(diagnostics.isEmpty, "\(DiagnosticRenderer().render(diagnostics))")
        let r = try #require(report)
        print(r.render())
        let rendered = r.render()
        #expect((r.levels[.crisis]?.recall ?? 0) == 1, "crisis recall must be 100 %\n\(rendered)")
        #expect((r.levels[.emergency]?.recall ?? 0) >= 0.98, "\(rendered)")
        #expect((r.levels[.urgent]?.recall ?? 0) >= 0.95, "\(rendered)")
        #expect(r.falsePositiveRate <= 0.02, "\(rendered)")
        #expect(r.wrongLevel <= r.positives / 50, "positives at the wrong level\n\(rendered)")
        #expect(r.meetsTargets)
    }

    @Test("the report counts, confuses and lists misses")
    func report() {
        let corpus = SafetyCorpus(file: "t.tsv", examples: [
            .init(label: .crisis, text: "I want to die", line: 1),
            .init(label: .crisis, text: "my back hurts", line: 2),
            .init(label: nil, text: "I'm suicidal", line: 3),
            .init(label: .urgent, text: "I'm suicidal", line: 4),
            .init(label: nil, text: "nice day", line: 5),
        ])
        let r = SafetyEvaluation.evaluate(corpus, scanner: shippedDetector)
        #expect(r.levels[.crisis]?.recall == 0.5)
        #expect(r.falsePositives == 1 && r.noneTotal == 2)
        #expect(r.wrongLevel == 1)
        #expect(r.confusion["urgent"]?["crisis"] == 1)
        #expect(r.misses.map(\.line) == [2, 3, 4])
        #expect(r.render().contains("t.tsv:2: crisis → nothing: my back hurts"))
        #expect(!r.meetsTargets)
    }

    @Test("corpus lines that are not label<TAB>text are reported")
    func corpusFormat() {
        let (c, d) = SafetyCorpus.parse("# comment\ncrisis\tI want to die\nmaybe\tx\nno tab here\n", file: "c.tsv")
        #expect(c.examples.count == 1)
        #expect(DiagnosticRenderer().render(d) == """
            c.tsv:3:1: error: unknown label 'maybe'
            hint: one of: crisis, emergency, urgent, support, none
            c.tsv:4:1: error: expected 'label<TAB>text'
            2 errors, 0 warnings
            """)
    }

    /// How fast a scan is, and that a lexicon ten times larger costs about the same, is a
    /// benchmark (`python3 Benchmarks/run.py scan`), not a test: timings in a test fail on a
    /// busy machine. This checks the measuring itself: the larger lexicon really is larger,
    /// scans the same texts, and finds what the shipped one finds on them.
    @Test("the scan benchmark measures what it says: a lexicon ten times larger, the same texts")
    func speedBenchmark() throws {
        let (corpus, _) = SafetyCorpus.load(path: packageRoot + "/Tests/SafetyCorpus/corpus.tsv")
        let texts = try #require(corpus).examples.map(\.text)
        let (lexicon, _) = SafetyEvaluation.loadLexicon(dialogs: packageRoot + "/Dialogs")
        let big = try SafetyEvaluation.compile(SafetyEvaluation.syntheticLexicon(base: try #require(lexicon), factor: 10))
        #expect(big.phraseCount > shippedDetector.phraseCount * 5)
        var rules = shippedDetector
        rules.backstop = nil
        for text in texts {
            #expect(big.scan(text)?.level == rules.scan(text)?.level, "\(text)")
        }
        let run = SafetyEvaluation.benchmark(shippedDetector, texts: texts, minimumScans: 500)
        #expect(run.scans >= 500 && run.scans % texts.count == 0)
        #expect(run.seconds > 0 && run.microsecondsPerScan.isFinite)
        #expect(run.phrases == shippedDetector.phraseCount)
    }

    static let dictionaries = ["/usr/share/dict/words", "/usr/share/dict/british-english", "/usr/share/dict/american-english"]
        .filter { FileManager.default.fileExists(atPath: $0) }

    @Test("no real English word is read as a typo of a lexicon word", .enabled(if: !dictionaries.isEmpty))
    func notTyposAreComplete() throws {
        let (lexicon, _) = SafetyEvaluation.loadLexicon(dialogs: packageRoot + "/Dialogs")
        let spellings = Set(try #require(lexicon).spellings.keys)
        var words = Set<String>()
        for path in Self.dictionaries {
            let data = try #require(FileManager.default.contents(atPath: path))
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.contains("'") {
                let w = TextNormalizer.normalize(String(line))
                if !w.isEmpty, !w.contains(" "), !spellings.contains(w) { words.insert(w) }
            }
        }
        let misread = words.sorted().filter { !shippedDetector.readings(of: $0).isEmpty }
        #expect(misread.isEmpty, "add these to Dialogs/en/lexicon/not-typos.yaml: \(misread.prefix(80).joined(separator: ", "))")
    }

    @Test("typos of lexicon words are read as the word")
    func readings() {
        #expect(shippedDetector.readings(of: "suicdal") == ["suicidal"])
        #expect(shippedDetector.readings(of: "bladdr") == ["bladder"])
        #expect(shippedDetector.readings(of: "never").isEmpty)
        #expect(shippedDetector.scan("i want to diiiiie")?.level == .crisis)
        #expect(shippedDetector.scan("the moooon is nice") == nil)
    }
}

/// The safety flows in the shipped dialogs, driven through the engine.
@Suite("Safety flows")
struct SafetyFlowTests {
    /// The shipped resources, lexicon and safety flows, with a one-question entry flow of
    /// their own, so these tests do not depend on the rest of the dialogs.
    static let script: Script = {
        let fm = FileManager.default
        let root = NSTemporaryDirectory() + "backchat-safety-\(UUID().uuidString)"
        let shipped = packageRoot + "/Dialogs"
        do {
            for dir in ["en/lexicon", "en/safety"] {
                try fm.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
                for name in try fm.contentsOfDirectory(atPath: shipped + "/" + dir) where name.hasSuffix(".yaml") || name.hasSuffix(".tsv") {
                    try fm.copyItem(atPath: shipped + "/" + dir + "/" + name, toPath: root + "/" + dir + "/" + name)
                }
            }
            try fm.copyItem(atPath: shipped + "/resources.yaml", toPath: root + "/resources.yaml")
            try "locale: en\nentry: main\nstarts: [how_long]\n".write(toFile: root + "/en/locale.yaml", atomically: true, encoding: .utf8)
            try """
                flow: main
                nodes:
                  how:
                    ask: How is your back today?
                    choices:
                      - { key: ok, label: Okay, next: bye }
                      - { key: bad, label: Bad, next: bye }
                  bye:
                    say: Thanks.
                    end: true

                """.write(toFile: root + "/en/main.yaml", atomically: true, encoding: .utf8)
            try """
                flow: how_long
                nodes:
                  how_long:
                    ask: How long have you had it?
                    expect: duration
                    unit: weeks
                    into: weeks
                    next: done
                  done:
                    say: Thanks.
                    end: true

                """.write(toFile: root + "/en/how_long.yaml", atomically: true, encoding: .utf8)
        } catch {
            fatalError("cannot set up the safety dialogs: \(error)")
        }
        let r = DialogLoader.load(directory: root)
        guard let s = r.script else { fatalError(r.renderer.render(r.diagnostics)) }
        return s
    }()

    @Test("the lexicon, resources and safety flows load without problems")
    func clean() {
        let r = DialogLoader.load(directory: packageRoot + "/Dialogs")
        let mine = r.diagnostics.filter { $0.file.contains("/lexicon/") || $0.file.contains("/safety/") || $0.file.hasSuffix("resources.yaml") }
        #expect(mine.isEmpty, "\(r.renderer.render(mine))")
    }

    @Test("every role has its flow")
    func roles() throws {
        let en = try #require(Self.script.locales["en"])
        #expect(Set(en.safety.flows.keys) == Set(FlowRole.allCases))
    }

    @Test("resources exist for every listed region, each with a crisis line and an emergency number", arguments: ["US", "CA", "GB", "IE", "AU", "NZ", "UK", "en-GB", "xx"])
    func resources(_ region: String) {
        let table = Self.script.resources
        #expect(!table.resources(for: .crisis, region: region).filter { $0.kind == "crisis" }.isEmpty)
        #expect(!table.region(for: region).emergencyNumber.isEmpty)
        #expect(!table.resources(for: .support, region: region).isEmpty)
        #expect(!table.resources(for: .urgent, region: region).filter { $0.kind == "medical" }.isEmpty)
        for level in EscalationLevel.allCases {
            let shown = table.resources(for: level, region: region).map { "\($0.name) \($0.contact)" }
            #expect(Set(shown).count == shown.count, "each service is shown once: \(shown)")
        }
    }

    func say(_ state: inout SessionState, _ text: String) -> Turn {
        Engine(script: Self.script).respond(&state, to: .text(text))
    }

    @Test("a crisis disclosure escalates with the region's line, stays, and returns only when chosen")
    func crisis() throws {
        let engine = Engine(script: Self.script)
        var (state, first) = try engine.start(locale: "en", region: "GB")
        let turn = say(&state, "honestly I just want to die")
        let esc = try #require(turn.escalation)
        #expect(esc.level == .crisis && esc.new && esc.certainty == .clear)
        #expect(esc.resources.map(\.contact).contains("call 116 123"))
        #expect(turn.messages.joined(separator: " ").contains("Samaritans: call 116 123"))
        #expect(turn.messages.joined(separator: " ").contains("999"))
        #expect(turn.messages.last == "Are you safe right now?")
        // "That's not what I meant": resources stay, one direct question, then the offer to go back.
        let meant = say(&state, "that's not what I meant")
        #expect(meant.escalation?.level == .crisis)
        #expect(meant.messages.last?.contains("thoughts of suicide") == true)
        let no = say(&state, "no")
        #expect(no.escalation?.level == .crisis)
        #expect(no.messages.last == "Shall we go back to what we were doing?")
        let back = say(&state, "yes")
        #expect(back.escalation == nil)
        #expect(back.messages.last == first.messages.last, "back at the interrupted question")
    }

    /// Every question of every shipped flow, reached by walking the graph: a crisis said
    /// there escalates at once, and afterwards the conversation still works and, when the
    /// person chooses, goes back to that very question.
    @Test("a crisis disclosure escalates from every question of every shipped flow, and the conversation carries on")
    func crisisFromEveryQuestion() throws {
        let script = try #require(StoredFormTests.shipped, "the shipped dialogs load")
        let engine = Engine(script: script)
        func say(_ state: inout SessionState, _ text: String) -> Turn { engine.respond(&state, to: .text(text)) }
        let ls = try #require(script.locales["en"])
        var asked = 0
        for flow in ls.flows {
            for node in flow.nodes {
                guard case .ask = node.action else { continue }
                asked += 1
                let here = "\(flow.name).\(node.id)"
                var state = SessionState(locale: "en", region: "GB", dialogsVersion: script.version)
                state.position = SessionState.Position(flow: flow.name, node: node.id)
                let turn = say(&state, "honestly I've been thinking of killing myself")
                #expect(turn.escalation?.level == .crisis, "no escalation at \(here)")
                #expect(turn.messages.joined(separator: " ").contains("116 123"), "no crisis line at \(here)")
                #expect(state.position?.flow == "crisis", "not in crisis support at \(here)")
                // The person is safe for now and chooses to go back.
                let safe = say(&state, "yes, I'm safe for now")
                #expect(safe.escalation?.level == .crisis, "\(here)")
                let back = say(&state, "go back to what we were doing")
                if flow.role == nil {
                    #expect(back.escalation == nil, "\(here)")
                    #expect(state.position?.flow == flow.name && state.position?.node == node.id,
                            "not back at \(here) but at \(state.position.map { "\($0.flow).\($0.node)" } ?? "the end")")
                    #expect(!back.messages.isEmpty && !back.ended, "\(here)")
                } else {
                    #expect(!back.messages.isEmpty, "\(here)")
                }
            }
        }
        #expect(asked >= 70, "walked \(asked) questions")
    }

    @Test("not safe: the emergency number, and the flow keeps offering help")
    func notSafe() throws {
        let engine = Engine(script: Self.script)
        var (state, _) = try engine.start(locale: "en", region: "US")
        _ = say(&state, "I have pills saved up")
        let t = say(&state, "no")
        #expect(t.messages.joined(separator: " ").contains("call 911 now"))
        let loop = say(&state, "not yet")
        #expect(loop.messages.last == "I'm still here. Have you been able to reach someone?")
        #expect(say(&state, "/quit").escalation?.level == .crisis, "the crisis resources show even when leaving")
    }

    @Test("a weak signal asks one direct question first")
    func check() throws {
        let engine = Engine(script: Self.script)
        var (state, first) = try engine.start(locale: "en")
        let t = say(&state, "I keep thinking about suicide lately, it's everywhere")
        #expect(t.escalation?.certainty == .clear)
        var (s2, _) = try engine.start(locale: "en")
        let weak = say(&s2, "suicide")
        #expect(weak.escalation?.certainty == .possible)
        #expect(weak.messages.last == "Are you having thoughts of suicide, or of ending your life?")
        let no = say(&s2, "no")
        #expect(no.escalation == nil)
        #expect(no.messages.last == first.messages.last)
        _ = state
    }

    @Test("a crisis the rules miss but the backstop model recognises asks the check question")
    func backstop() throws {
        let text = "honestly i dont see the point in being around much longer"
        #expect(rulesOnlyDetector.scan(text) == nil, "this test needs a message the rules miss")
        let engine = Engine(script: Self.script)
        var (state, first) = try engine.start(locale: "en")
        let t = say(&state, text)
        let esc = try #require(t.escalation)
        #expect(esc.level == .crisis && esc.certainty == .possible && esc.category == SafetyDetector.backstopCategory(.crisis))
        #expect(t.messages.last == "Are you having thoughts of suicide, or of ending your life?")
        let no = say(&state, "no")
        #expect(no.escalation == nil)
        #expect(no.messages.last == first.messages.last)
    }

    @Test("inside the crisis and check flows, for commands and for exact choices, a guess of the model never swallows the answer")
    func backstopInsideSafetyFlows() throws {
        let engine = Engine(script: try Self.eagerScript(.crisis))
        var (s0, _) = try engine.start(locale: "en")
        #expect(engine.respond(&s0, to: .text("/help")).escalation == nil, "a command is not a disclosure")
        let bad = engine.respond(&s0, to: .text("bad"))
        #expect(bad.escalation == nil && bad.messages.last == "Thanks.", "an answer that is one of the choices is taken as the answer")
        var (state, first) = try engine.start(locale: "en")
        #expect(engine.respond(&state, to: .text("my back is stiff")).escalation?.certainty == .possible)
        let no = engine.respond(&state, to: .text("no"))
        #expect(no.escalation == nil, "'no' answers the check question; it is not asked again")
        #expect(no.messages.last == first.messages.last)
        var (s2, _) = try engine.start(locale: "en")
        _ = engine.respond(&s2, to: .text("honestly I just want to die"))
        let meant = engine.respond(&s2, to: .text("that's not what I meant"))
        #expect(meant.messages.last?.contains("thoughts of suicide") == true, "\(meant.messages)")
    }

    /// The shipped script with a model whose one head (at `level`) asks about every message
    /// the rules find nothing in.
    static func eagerScript(_ level: EscalationLevel) throws -> Script {
        var script = Self.script
        script.locales["en"]?.safety.scanner = try eagerDetector(level)
        return script
    }

    @Test("a red flag or disclosure only the model noticed asks one check question first", arguments: [
        (EscalationLevel.emergency, "safety_check.ask_emergency", "call 999 now"),
        (.urgent, "safety_check.ask_urgent", "contact your doctor today"),
        (.support, "safety_check.ask_support", "not your fault"),
    ])
    func possibleRedFlag(_ level: EscalationLevel, _ node: String, _ advice: String) throws {
        let engine = Engine(script: try Self.eagerScript(level))
        // Yes: the advice for that level, as a new escalation of that level.
        var (state, first) = try engine.start(locale: "en", region: "GB")
        let asked = engine.respond(&state, to: .text("something odd is going on"))
        #expect(asked.node == node)
        #expect(asked.escalation?.level == level && asked.escalation?.certainty == .possible)
        #expect(asked.escalation?.category == "\(level.rawValue)-model")
        let yes = engine.respond(&state, to: .text("yes"))
        #expect(yes.escalation?.level == level && yes.escalation?.new == true && yes.escalation?.certainty == .clear,
                "\(String(describing: yes.escalation))")
        #expect(yes.messages.joined(separator: " ").contains(advice), "\(yes.messages)")
        // Not sure is never a plain no.
        var (s2, _) = try engine.start(locale: "en", region: "GB")
        _ = engine.respond(&s2, to: .text("something odd is going on"))
        let unsure = engine.respond(&s2, to: .text("not sure"))
        #expect(unsure.escalation?.level == level && unsure.escalation?.new == true)
        #expect(unsure.messages.joined(separator: " ").contains(advice), "\(unsure.messages)")
        // No: a short acknowledgement, and the conversation carries on where it was.
        var (s3, _) = try engine.start(locale: "en", region: "GB")
        _ = engine.respond(&s3, to: .text("something odd is going on"))
        let no = engine.respond(&s3, to: .text("no"))
        #expect(no.escalation == nil)
        #expect(no.messages.last == first.messages.last)
    }

    @Test("the rules' finding during a check question takes over at once")
    func rulesDuringCheck() throws {
        let engine = Engine(script: try Self.eagerScript(.urgent))
        var (state, _) = try engine.start(locale: "en", region: "GB")
        _ = engine.respond(&state, to: .text("something odd is going on"))
        let t = engine.respond(&state, to: .text("I want to kill myself"))
        #expect(t.escalation?.level == .crisis && t.escalation?.certainty == .clear)
        #expect(t.node.hasPrefix("crisis."), "\(t.node)")
    }

    @Test("a short answer to a how-long or how-much question is an answer, not a guess of the model")
    func quantityAnswersAreAnswers() throws {
        let engine = Engine(script: try Self.eagerScript(.urgent))
        var (state, first) = try engine.start(locale: "en", region: "GB", flow: "how_long")
        #expect(first.node == "how_long.how_long")
        let answer = engine.respond(&state, to: .text("3 weeks"))
        #expect(answer.escalation == nil, "\(answer.messages)")
        #expect(answer.messages.last == "Thanks.")
        // A longer message at the same question is not just an answer: the guess stands.
        var (s2, _) = try engine.start(locale: "en", region: "GB", flow: "how_long")
        let long = engine.respond(&s2, to: .text("3 weeks but something else is worrying me"))
        #expect(long.node == "safety_check.ask_urgent", "\(long.node)")
        // The same answer to a question that is not about a quantity is not set aside.
        var (s3, _) = try engine.start(locale: "en", region: "GB")
        #expect(engine.respond(&s3, to: .text("3 weeks")).node == "safety_check.ask_urgent")
    }

    @Test("red flags name the symptom and the action, then offer to carry on", arguments: [
        ("I can't feel anything when I wipe", EscalationLevel.emergency, "call 999 now"),
        ("I've had a fever since yesterday and my back is agony", .urgent, "contact your doctor today"),
        ("my partner hits me", .support, "not your fault"),
    ])
    func redFlags(_ text: String, _ level: EscalationLevel, _ phrase: String) throws {
        let engine = Engine(script: Self.script)
        var (state, first) = try engine.start(locale: "en", region: "GB")
        let t = say(&state, text)
        #expect(t.escalation?.level == level)
        let all = t.messages.joined(separator: " ")
        #expect(all.contains(phrase), "\(all)")
        if level != .support { #expect(all.contains("You mentioned \(t.escalation?.reason ?? "?")")) }
        _ = say(&state, "yes")
        let back = say(&state, "carry on")
        #expect(back.messages.last == first.messages.last)
    }
}
