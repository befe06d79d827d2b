import Testing
@testable import BackchatEngine

/// The safety detector on a small inline lexicon: each rule, one table at a time.
@Suite("Safety detector")
struct SafetyDetectorTests {
    static let lexicon = SafetyLexicon(
        sets: ["self": ["myself", "my self"], "back": ["back", "spine", "sciatica"]],
        spellings: ["kil": "kill", "sewerslide": "suicide"],
        notTypos: ["will", "fill", "fewer", "never"],
        negators: ["not", "no", "never", "dont", "without", "havent"],
        notNegators: ["not sure", "no one"],
        negationWindow: 3,
        negationBlockers: ["i", "he", "she"],
        clauseBreaks: ["anyway"],
        contrasts: ["but", "though"],
        idioms: ["killing me", "dying to", "dead tired", "#num kms"],
        resolved: ["(its|it has) gone", "years ago"],
        current: ["again", "now"],
        hypothetical: ["what if", "if i ever"],
        questionStarts: ["what", "is", "can"],
        firstPerson: ["i", "my", "me"],
        categories: [
            .init(id: "suicidal-thoughts", level: .crisis, reason: "thoughts of ending your life",
                  phrases: ["kill @self", "(want|wanna) [to] die", "suicidal", "kms"],
                  possible: ["suicide", "cant go on$"], unless: [["documentary"]], unlessScope: .clause,
                  soften: ["lol"]),
            .init(id: "saddle-numbness", level: .emergency, reason: "numbness between your legs",
                  phrases: ["numb ..2 between my legs", "(bum|groin) ..2 numb"],
                  unless: [["asked", "said no"], ["asked", "^[i] (havent|dont)$"]]),
            .init(id: "fever", level: .urgent, reason: "a fever along with back pain",
                  phrases: ["(fever|feverish)", "temperature of #37.8-43"], with: ["@back"],
                  unlessAnywhere: [["it was", "(the heating|covid)"]]),
            .init(id: "past-attempt", level: .crisis, reason: "having tried to end your life",
                  phrases: ["took an overdose"], resolvable: true),
            .init(id: "partner-violence", level: .support, reason: "being hurt by someone close to you",
                  phrases: ["(husband|partner) ..2 (hits|hit) me"], unless: [["(at|in) (chess|cards)"]]),
        ])

    static let detector: SafetyDetector = {
        do { return try SafetyDetector(lexicon) } catch { fatalError("the test lexicon must compile: \(error)") }
    }()

    static func level(_ text: String) -> EscalationLevel? { detector.scan(text)?.level }

    @Test("each level is recognised", arguments: [
        ("I want to die", EscalationLevel.crisis),
        ("my bum has gone numb", .emergency),
        ("I've got a fever and my back aches", .urgent),
        ("my husband hits me", .support),
    ])
    func levels(_ text: String, _ expected: EscalationLevel) {
        #expect(Self.level(text) == expected, "\(Self.detector.explain(text).render())")
    }

    @Test("ordinary messages find nothing", arguments: [
        "my back is stiff today", "", "   ", "7/10", "yes", "walked 5 kms today", "I will myself to get up",
    ])
    func nothing(_ text: String) {
        #expect(Self.detector.scan(text) == nil, "\(Self.detector.explain(text).render())")
    }

    @Test("the most serious level wins", arguments: [
        ("my husband hits me and I want to die", EscalationLevel.crisis),
        ("fever, and now my groin has gone numb, back is sore", .emergency),
        ("fever and sciatica, my partner hit me", .urgent),
    ])
    func precedence(_ text: String, _ expected: EscalationLevel) {
        #expect(Self.level(text) == expected)
    }

    @Test("a negator before a phrase denies it; a denial contradicted later does not", arguments: [
        ("I'm not suicidal", nil),
        ("I don't want to die", nil),
        ("never suicidal, just fed up", nil),
        ("my bum is not numb", nil),            // the negator sits inside a `..` gap of the phrase
        ("no fever, back is fine", nil),
        ("no, I want to die", EscalationLevel.crisis),  // a new subject blocks the "no"
        ("I'm not suicidal but I want to die", .crisis),
        ("I'm not sure I don't want to die", nil),
        ("not sure, I want to die", .crisis),   // "not sure" is not a negation
    ] as [(String, EscalationLevel?)])
    func negation(_ text: String, _ expected: EscalationLevel?) {
        #expect(Self.level(text) == expected, "\(Self.detector.explain(text).render())")
    }

    @Test("figures of speech do not count", arguments: [
        "this pain is killing me", "dying to get back to the gym", "dead tired", "THIS PAIN IS KILLING ME",
    ])
    func hyperbole(_ text: String) {
        #expect(Self.detector.scan(text) == nil)
    }

    @Test("typos, txt-speak, censoring and stretched letters", arguments: [
        "i want to kil myself", "kill myslef", "feeling suicidel", "su1cidal", "s*icidal", "i want to diiiiie",
        "I WANNA DIE", "gonna kms",
    ])
    func spelling(_ text: String) {
        #expect(Self.level(text) == .crisis, "\(Self.detector.explain(text).render())")
    }

    @Test("curly apostrophes and quotes read like straight ones")
    func typography() {
        #expect(Self.level("I don’t want to die") == nil)
        #expect(Self.level("I’m “suicidal”") == .crisis)
        #expect(Self.detector.explain("I can’t").words == ["i", "cant"])
    }

    @Test("real words near a lexicon word are never read as typos")
    func notTypos() {
        #expect(Self.detector.explain("fewer").corrections.isEmpty)
        #expect(Self.detector.explain("feverr").corrections["feverr"] == ["fever"])
        #expect(Self.level("I fill myself up with tea") == nil)
    }

    @Test("over and long past symptoms do not count, unless something is happening now", arguments: [
        ("I had a fever with my sciatica years ago", nil),
        ("fever last month, it's gone, back is ok", nil),
        ("fever again now, my back is worse", EscalationLevel.urgent),
        // a crisis told as over must be over in the whole message
        ("I took an overdose years ago. It's gone.", nil),
        ("I took an overdose years ago. Therapy helped.", .crisis),   // only the date says it is over
        ("I took an overdose years ago.", .crisis),
        ("I took an overdose years ago. I feel that way again now.", .crisis),
        ("I took an overdose years ago. Now the pain is back and so are the thoughts.", .crisis),
    ] as [(String, EscalationLevel?)])
    func resolved(_ text: String, _ expected: EscalationLevel?) {
        #expect(Self.level(text) == expected, "\(Self.detector.explain(text).render())")
    }

    @Test("hypotheticals and general questions do not count for symptoms", arguments: [
        ("what if my bum goes numb?", nil),
        ("is a fever with back pain serious?", nil),
        ("is it bad that my bum is numb?", EscalationLevel.emergency),  // first person: about them
    ] as [(String, EscalationLevel?)])
    func hypothetical(_ text: String, _ expected: EscalationLevel?) {
        #expect(Self.level(text) == expected)
    }

    @Test("a category's required context and its `unless` contexts")
    func contexts() {
        #expect(Self.level("I have a fever") == nil, "a fever alone is not a spinal red flag")
        #expect(Self.level("I have a temperature of 38.9 and my spine hurts") == .urgent)
        #expect(Self.level("my husband hits me at chess") == nil)
        #expect(Self.level("I watched a documentary about suicide") == nil)
        #expect(Self.level("I watched a documentary, now I want to die") == .crisis, "the context is in another clause")
    }

    @Test("an `unless-anywhere` explanation sets a sign aside from any sentence, unless a contrast or a sign of now follows it", arguments: [
        ("I had a fever and my back ached. It was the heating", nil),
        ("It was covid. Fever and back pain all week", nil),
        ("I had a fever with my back pain but it was the heating", nil),
        ("I had a fever and my back ached. It was the heating, but the fever is here again", EscalationLevel.urgent),
        ("fever and back pain. It was the heating. Now my back aches again", .urgent),
        ("It was the heating last week. Now I have a fever and my back hurts", .urgent),
        ("fever and back pain. It was the heating?", .urgent),
        ("fever and a sore back. It was not the heating", .urgent),
    ])
    func anywhere(_ text: String, _ expected: EscalationLevel?) {
        #expect(Self.level(text) == expected, "\(Self.detector.explain(text).render())")
    }

    @Test("a question answered no sets the risk aside; the answer may be the next sentence; a contradiction after it counts", arguments: [
        ("the GP asked if my bum was numb and I said no", nil),
        ("the GP asked if my bum was numb. I haven't", nil),
        ("the GP asked if my bum was numb. I haven't, but is that normal?", nil),   // a contrast that only asks
        ("the GP asked if my bum was numb and I said no, but it is", .emergency),
        ("the GP asked if my bum was numb and I said no. It is though", .emergency),
        ("the GP asked if my bum was numb. I haven't, but it is.", .emergency),
        ("the GP asked if my bum was numb. I haven't been able to sit since", .emergency),   // not a short answer
        ("my bum is numb. I haven't", .emergency),                                           // no question
    ] as [(String, EscalationLevel?)])
    func answeredNo(_ text: String, _ expected: EscalationLevel?) {
        #expect(Self.level(text) == expected)
    }

    @Test("weak signals are possible; clear ones and two weak ones are clear")
    func certainty() {
        #expect(Self.detector.scan("suicide") == Detection(level: .crisis, category: "suicidal-thoughts",
                                                           reason: "thoughts of ending your life", certainty: .possible))
        #expect(Self.detector.scan("I want to die")?.certainty == .clear)
        #expect(Self.detector.scan("I want to die lol")?.certainty == .possible, "`soften` lowers certainty")
        #expect(Self.detector.scan("suicide. I cant go on")?.certainty == .clear)
    }

    @Test("the signal can be one clause of a long message")
    func longMessage() {
        let text = "Did my stretches this morning, walked to the shop and back, the weather was awful and the "
            + "bus was late again. My physio says keep going. Honestly I want to die some days. Anyway, what's next?"
        #expect(Self.level(text) == .crisis)
    }

    @Test("explain says why each phrase counted or not")
    func explain() {
        let a = Self.detector.explain("I'm not suicidal but my bum is numb")
        #expect(a.render() == """
            detected: emergency (saddle-numbness, clear): numbness between your legs
            words: im not suicidal but my bum is numb
              context: 'not' on "not"
              negated: crisis/suicidal-thoughts 'suicidal' on "suicidal"
              counted: emergency/saddle-numbness '(bum|groin) ..2 numb' on "bum is numb"
            """)
    }
}

/// The phrase language: what parses, and the exact problem reported for what doesn't.
@Suite("Safety pattern language")
struct SafetyPatternTests {
    @Test("valid phrases", arguments: [
        "want to die", "(kill|end) @self", "[really] want", "(really|truly)? want", "want ..5 die", "suicid*",
        "temperature of #37.8-43", "#num kms", "^no$", "end it$", "* myself",
    ])
    func valid(_ text: String) throws {
        _ = try SafetyPattern(parsing: text, sets: ["self"])
    }

    @Test("invalid phrases say what and where", arguments: [
        ("(kill|end myself", "'(' is never closed", 0),
        ("kill | end)", "unexpected '|'", 5),
        ("..2 die", "a gap cannot begin a phrase or group", 0),
        ("want ..", "a gap cannot end a phrase or group", 5),
        ("want [really] ..", "a gap cannot end a phrase or group", 14),
        ("want ..9 die", "a gap is '..' or '..N' with N from 1 to 8, not '..9'", 5),
        ("kill @slef", "unknown set '@slef'", 5),
        ("[really]", "the phrase can match nothing at all", 0),
        ("end $ now", "'$' may only end the phrase", 4),
        ("su* cide", "a prefix needs at least 3 letters before '*': 'su*'", 0),
        ("#lots", "'#lots' is not a number pattern", 0),
        ("die (|now)", "empty alternative in '(…)'", 5),
    ])
    func invalid(_ text: String, _ message: String, _ offset: Int) {
        #expect(throws: SafetyPattern.ParseError.self) { try SafetyPattern(parsing: text, sets: ["self"]) }
        do {
            _ = try SafetyPattern(parsing: text, sets: ["self"])
        } catch {
            #expect(error.message == message)
            #expect(error.offset == offset)
        }
    }

    @Test("an unknown set suggests the closest one")
    func suggestion() {
        do {
            _ = try SafetyPattern(parsing: "kill @slef", sets: ["self", "back"])
            Issue.record("should not parse")
        } catch {
            #expect(error.hint == "did you mean '@self'?")
        }
    }

    @Test("after a gap, an optional part may be left out: the gap's allowance carries past it", arguments: [
        ("my legs went useless", true), ("my legs suddenly went useless", true), ("legs went to useless", true),
        ("legs went from fine to useless", true), ("legs went very quickly all useless", true),
        ("legs went one two three four useless", false), ("legs went", false), ("useless legs went", false),
    ])
    func gapBeforeAnOption(_ text: String, _ found: Bool) throws {
        let lexicon = SafetyLexicon(categories: [
            .init(id: "weak", level: .emergency, reason: "r", phrases: ["legs .. went [from] .. [to] useless"])])
        let d = try SafetyDetector(lexicon)
        #expect((d.scan(text) != nil) == found, "\(text)")
    }

    @Test("a set that refers to itself is a compile error, not a hang")
    func cycle() {
        let lexicon = SafetyLexicon(sets: ["a": ["x @b"], "b": ["y @a"]],
                                    categories: [.init(id: "c", level: .crisis, reason: "r", phrases: ["@a"])])
        #expect(throws: SafetyDetector.CompileError.self) { try SafetyDetector(lexicon) }
    }
}

/// Cutting text into sentences and clauses, and reading typos.
@Suite("Safety text and typos")
struct SafetyTextTests {
    @Test("sentences, clauses, decimals and units")
    func segmentation() {
        let t = SafetyText("No fever, temp 38.5. I lost 6kg but ok? yes", clauseBreaks: [], contrasts: ["but"])
        #expect(t.words == ["no", "fever", "temp", "38.5", "i", "lost", "6", "kg", "but", "ok", "yes"])
        #expect(t.sentences.map(\.range) == [0..<4, 4..<10, 10..<11])
        #expect(t.sentences.map(\.question) == [false, true, false])
        #expect(t.clause[0] == t.clause[1] && t.clause[1] != t.clause[2])
        #expect(t.contrastClauses.contains(t.clause[8]))
    }

    @Test("censored and digit-for-letter spellings", arguments: [
        ("s*icide", "sicide"), ("s**cide", "scide"), ("k1ll", "kill"), ("3am", "3am"), ("su1c1de", "suicide"),
    ])
    func deobfuscate(_ raw: String, _ expected: String) {
        #expect(SafetyText.deobfuscate(raw) == expected)
    }

    @Test("the typo index finds one- and two-letter slips without scanning the vocabulary")
    func typoIndex() {
        let index = TypoIndex(vocabulary: ["suicidal", "bladder", "kill", "numbness", "immunosuppressant"], notTypos: ["ladder"],
                              spellings: [:])
        #expect(index.alternatives(for: "sucidal") == ["sucidal", "suicidal"])
        #expect(index.alternatives(for: "suicdial") == ["suicdial", "suicidal"], "a transposition")
        #expect(index.alternatives(for: "numbnes") == ["numbnes", "numbness"])
        #expect(index.alternatives(for: "ladder") == ["ladder"], "a listed real word")
        #expect(index.alternatives(for: "bill") == ["bill"], "short words are not corrected")
        #expect(index.alternatives(for: "gladder") == ["gladder"], "the first letter must match in short words")
        #expect(index.alternatives(for: "imunosupressant") == ["imunosupressant", "immunosuppressant"], "two slips in a long word")
    }
}
