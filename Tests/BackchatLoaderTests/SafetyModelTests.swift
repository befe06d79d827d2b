import BackchatEngine
@testable import BackchatLoader
import Foundation
import Testing

/// The safety backstop model: the file, the scores (the same as the trainer's), and where it may speak.
@Suite("Safety backstop model")
struct SafetyModelTests {
    static let modelPath = packageRoot + "/Dialogs/en/lexicon/backstop-model.tsv"

    static var model: SafetyModel {
        get throws { try #require(shippedDetector.backstop, "the shipped English scan has a backstop model") }
    }

    /// `(logits, words, text)` rows written by `Tools/safety-model/train.py`: one logit per
    /// head in the trainer's order (crisis, emergency, urgent, support).
    static let checks: [(logits: [String], words: String, text: String)] = {
        let path = packageRoot + "/Tests/Fixtures/safety-model/check.tsv"
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let cols = line.split(separator: "\t", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
            return cols.count == 6 ? (Array(cols[0..<4]), cols[4], cols[5]) : nil
        }
    }()

    @Test("the Swift scores are the trainer's, exactly, and so are the words it reads")
    func crossCheck() throws {
        #expect(Self.checks.count > 40, "the trainer writes the check texts")
        let model = try Self.model
        #expect(model.heads.map(\.level) == [.crisis, .emergency, .urgent, .support])
        for c in Self.checks {
            let words = shippedDetector.explain(c.text).words
            #expect(words.joined(separator: " ") == c.words, "words of \(c.text.debugDescription)")
            let expected = c.logits.compactMap(Double.init)
            #expect(model.logits(words: words) == expected, "logits of \(c.text.debugDescription)")
        }
    }

    @Test("the model was exported with a threshold per head, from data the header names")
    func header() throws {
        let text = try String(contentsOfFile: Self.modelPath, encoding: .utf8)
        #expect(text.contains("# data sha256 "))
        #expect(text.contains("Tools/safety-model/train.py"))
        let model = try Self.model
        for head in model.heads { #expect(head.threshold > 0, "\(head.level): a check question only when the head is fairly sure") }
        #expect(model.weightCount > 1000)
    }

    @Test("each head reads its own level: plain messages of each kind, unseen wording")
    func heads() throws {
        let model = try Self.model
        func asking(_ text: String) -> EscalationLevel? {
            let logits = model.logits(words: shippedDetector.explain(text).words)
            return model.asking(logits).map { model.heads[$0].level }
        }
        #expect(asking("my back is stiff today and physio is on thursday") == nil)
        #expect(asking("yes") == nil)
        #expect(asking("3") == nil)
    }

    @Test("the heads are kept most serious first, whatever order the file lists them in")
    func headOrder() throws {
        let (m, d) = SafetyModelLoader.parse("""
            format\tbackchat-safety-model 2
            buckets\t8
            scale\t0
            heads\tsupport\tcrisis
            bias\t1\t-1
            threshold\t0\t0
            0\t5\t7

            """, file: "m.tsv")
        #expect(d.isEmpty)
        let model = try #require(m)
        #expect(model.heads.map(\.level) == [.crisis, .support])
        #expect(model.heads.map(\.bias) == [-1, 1])
        #expect(model.asking([1, 1]) == 0, "both ask, as far above their thresholds: the more serious wins")
        #expect(model.asking([1, 2]) == 1, "both ask: the one further above its threshold wins")
        #expect(model.asking([3, 2]) == 0)
        #expect(model.asking([1, 1], allowed: { $0 != .crisis }) == 1)
        #expect(model.asking([-1, -1]) == nil)
        #expect(model.asking([-1, 0]) == 1, "at the threshold asks")
    }

    @Test("it speaks only where the rules found nothing: a denial or idiom the rules set aside stays set aside")
    func gated() throws {
        // A model that would ask about every message.
        let eager = try eagerDetector(.crisis)
        #expect(eager.scan("my back is stiff today")?.category == SafetyDetector.backstopCategory(.crisis))
        #expect(eager.scan("my back is stiff today")?.certainty == .possible)
        #expect(eager.scan("I'm not suicidal, just tired") == nil, "negated by the rules")
        #expect(eager.scan("i'd rather die than go back to that physio lol") == nil, "set aside by the rules")
        #expect(eager.scan("I want to kill myself")?.certainty == .clear, "the rules' finding is kept")
        #expect(eager.scan("I can't feel anything when I wipe")?.level == .emergency, "a red flag is not turned into a crisis")
        // Every hard negative of the corpora in which the rules set a crisis phrase aside.
        var setAside = 0
        for file in ["corpus.tsv", "probes.tsv"] {
            let (corpus, _) = SafetyCorpus.load(path: packageRoot + "/Tests/SafetyCorpus/" + file)
            for ex in try #require(corpus).examples where ex.label == nil {
                guard rulesOnlyDetector.explain(ex.text).findings.contains(where: { $0.level == .crisis }) else { continue }
                setAside += 1
                #expect(eager.scan(ex.text) == nil, "\(file):\(ex.line): \(ex.text)")
            }
        }
        #expect(setAside > 50, "the corpora have many hard negatives the rules set aside")
    }

    @Test("a head below the crisis asks only where the rules found nothing, and not at a level they read as a question")
    func gatedHeads() throws {
        let eager = try eagerDetector(.urgent)
        let d = eager.scan("my back is stiff today")
        #expect(d?.level == .urgent && d?.certainty == .possible && d?.category == "urgent-model")
        #expect(d?.reason == SafetyDetector.backstopReason(.urgent))
        #expect(eager.scan("I want to kill myself")?.level == .crisis, "the rules' finding is kept")
        #expect(eager.scan("i'd rather die than go back to that physio lol")?.level == .urgent,
                "a crisis phrase set aside silences only the crisis head")
        // A phrase of the head's level the rules read as a general question or an if: their
        // judgement stands.
        for text in ["is a temperature of 38 a fever?", "if I ever had a fever with my back pain what should I do"] {
            #expect(rulesOnlyDetector.explain(text).heldBack == [.urgent], "\(text)")
            #expect(eager.scan(text) == nil, "\(text)")
            #expect(eager.explain(text).render().contains("not used: the rules read the urgent phrase as a question or an if"), "\(text)")
        }
        #expect(try eagerDetector(.emergency).scan("is a temperature of 38 a fever?")?.level == .emergency,
                "only the urgent head is held back")
        // Set aside for another reason (a denial, a story that is over), the head may still ask:
        // measured, holding those back cost urgent recall.
        #expect(eager.scan("I had a fever with covid but that was months ago")?.level == .urgent)
    }

    @Test("the model never speaks on fewer words than the file says; the rules always do")
    func minWords() throws {
        #expect(try Self.model.minWords == 3, "the shipped model needs three words")
        let eager = try eagerDetector(.support, minWords: 3)
        #expect(eager.scan("my partner") == nil)
        #expect(eager.scan("my partner again")?.category == "support-model")
        #expect(eager.scan("kms")?.level == .crisis, "the rules read short messages")
        #expect(eager.explain("my partner").render().contains("not used: fewer than 3 words"))
    }

    @Test("with the model, the corpora keep every finding and gain no false positive", arguments: ["corpus.tsv", "probes.tsv"])
    func noNewFalsePositives(_ file: String) throws {
        let path = packageRoot + "/Tests/SafetyCorpus/" + file
        let with = try #require(SafetyEvaluation.evaluate(file: path, scanner: shippedDetector).0)
        let without = try #require(SafetyEvaluation.evaluate(file: path, scanner: rulesOnlyDetector).0)
        #expect(with.falsePositives == without.falsePositives, "\(with.render())")
        for level in EscalationLevel.allCases { #expect(with.levels[level]?.recall == 1, "\(level)") }
        #expect(with.wrongLevel == without.wrongLevel)
    }

    @Test("explain shows the model's score and why it did or did not ask")
    func explain() {
        let asks = shippedDetector.explain("honestly i dont see the point in being around much longer").render()
        #expect(asks.hasPrefix("detected: crisis (crisis-model, possible)"), "\(asks)")
        #expect(asks.contains("model, crisis: score ") && asks.contains("asks a check question"), "\(asks)")
        let quiet = shippedDetector.explain("my back is stiff today").render()
        for level in ["crisis", "emergency", "urgent", "support"] {
            #expect(quiet.contains("model, \(level): score "), "\(quiet)")
        }
        #expect(quiet.hasSuffix("below the threshold"), "\(quiet)")
        let setAside = shippedDetector.explain("I'm not suicidal, just tired").render()
        #expect(setAside.contains("crisis: score") && setAside.contains("not used: the rules set a crisis phrase aside"), "\(setAside)")
        let found = shippedDetector.explain("I want to kill myself").render()
        #expect(found.hasSuffix("not used: the rules found something"), "\(found)")
    }

    // The model's cost per message (and that it does not grow with the number of weights) is
    // measured by `python3 Benchmarks/run.py scan`, not here: timings in a test fail on a busy machine.

    @Test("a broken model file is reported with its line, and the rules still run without it")
    func diagnostics() {
        let head = "format\tbackchat-safety-model 2\nbuckets\t8\nscale\t12\nheads\tcrisis\turgent\n"
        let (m1, d1) = SafetyModelLoader.parse("# made by hand\n" + head + "bias\t0.5\t1\nthreshold\tsoon\t1\n3\tx\t1\n4\t1\n",
                                               file: "m.tsv")
        #expect(m1 == nil)
        #expect(DiagnosticRenderer().render(d1) == """
            m.tsv:7:11: error: 'threshold' must be 2 numbers, one per head
            m.tsv:8:3: error: a weight must be a whole number from -32768 to 32767
            m.tsv:9:1: error: 1 weights for 2 heads
            3 errors, 0 warnings
            """)
        let (m2, d2) = SafetyModelLoader.parse("buckets\t1024\n", file: "m.tsv")
        #expect(m2 == nil)
        #expect(d2.map(\.message) == ["not a safety model file ('format\\tbackchat-safety-model 2' is missing)"])
        let (m3, d3) = SafetyModelLoader.parse("format\tbackchat-safety-model 2\nbuckets\t1000\nscale\t12\nheads\tcrisis\nbias\t0\nthreshold\t1\n", file: "m.tsv")
        #expect(m3 == nil)
        #expect(d3.map(\.message) == ["the safety model cannot be used: buckets must be a power of two up to 16777216, not 1000"])
        let (m4, d4) = SafetyModelLoader.parse(head + "bias\t0\t0\nthreshold\t1\t1\n9\t4\t4\n", file: "m.tsv")
        #expect(m4 == nil)
        #expect(d4.map(\.message) == ["the safety model cannot be used: bucket 9 is outside 0..<8"])
        let (m7, d7) = SafetyModelLoader.parse(head + "min-words\tthree\nbias\t0\t0\nthreshold\t1\t1\n", file: "m.tsv")
        #expect(m7 == nil)
        #expect(d7.map(\.message) == ["'min-words' must be a number"])
        let (m6, d6) = SafetyModelLoader.parse("format\tbackchat-safety-model 2\nbuckets\t8\nscale\t1\nheads\tcrisis\tworry\nbias\t0\nthreshold\t1\n", file: "m.tsv")
        #expect(m6 == nil)
        #expect(d6.first?.message == "unknown level 'worry' in 'heads'")
        // Every bucket weighs 2 × 2^-1 for the crisis head and 0 for the other; Windows line endings are fine.
        let rows = (0..<8).map { "\($0)\t2\t0\r\n" }.joined()
        let (m5, d5) = SafetyModelLoader.parse("format\tbackchat-safety-model 2\r\nbuckets\t8\r\nscale\t1\r\nheads\tcrisis\tsupport\r\n"
                                               + "bias\t-0.5\t0.25\r\nthreshold\t1\t1\r\n" + rows, file: "m.tsv")
        #expect(d5.isEmpty)
        #expect(m5?.logits(words: []) == [-0.5, 0.25], "no words: the biases")
        // "hi": the word, no pair, and in " hi " two 3-byte and one 4-byte run: 4 occurrences,
        // so -0.5 + 0.5 × (4 × 2) / √4 for the first head, the bias for the second.
        #expect(m5?.logits(words: ["hi"]) == [1.5, 0.25])
    }

    @Test("the shipped dialogs load the model into the English scan")
    func loading() throws {
        let r = DialogLoader.load(directory: packageRoot + "/Dialogs")
        let scanner = try #require(r.script?.locales["en"]?.safety.scanner as? SafetyDetector)
        #expect(scanner.backstop != nil)
        #expect(scanner.rolesNeeded.isSuperset(of: [.crisisCheck, .safetyCheck]))
    }
}
