import BackchatEngine
@testable import BackchatLoader
import Foundation
import Testing

/// The crisis backstop model: the file, the score (the same as the trainer's), and where it may speak.
@Suite("Safety backstop model")
struct SafetyModelTests {
    static let modelPath = packageRoot + "/Dialogs/en/lexicon/crisis-model.tsv"

    static var model: SafetyModel {
        get throws { try #require(shippedDetector.backstop, "the shipped English scan has a backstop model") }
    }

    /// `(logit, words, text)` rows written by `Tools/safety-model/train.py`.
    static let checks: [(logit: String, words: String, text: String)] = {
        let path = packageRoot + "/Tests/Fixtures/safety-model/check.tsv"
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let cols = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            return cols.count == 3 ? (cols[0], cols[1], cols[2]) : nil
        }
    }()

    @Test("the Swift score is the trainer's, exactly, and so are the words it reads")
    func crossCheck() throws {
        #expect(Self.checks.count > 40, "the trainer writes the check texts")
        let model = try Self.model
        for c in Self.checks {
            let words = shippedDetector.explain(c.text).words
            #expect(words.joined(separator: " ") == c.words, "words of \(c.text.debugDescription)")
            let expected = try #require(Double(c.logit))
            #expect(model.logit(words: words) == expected, "logit of \(c.text.debugDescription)")
        }
    }

    @Test("the model was exported with a threshold, from data the header names")
    func header() throws {
        let text = try String(contentsOfFile: Self.modelPath, encoding: .utf8)
        #expect(text.contains("# data sha256 "))
        #expect(text.contains("Tools/safety-model/train.py"))
        let model = try Self.model
        #expect(model.threshold > 0, "a check question only when the model is fairly sure")
        #expect(model.weightCount > 1000)
    }

    @Test("it speaks only where the rules found nothing: a denial or idiom the rules set aside stays set aside")
    func gated() throws {
        // A model that would ask about every message.
        var eager = shippedDetector
        let m = try Self.model
        eager.backstop = try SafetyModel(buckets: m.buckets, scaleLog2: m.scaleLog2, bias: 0, threshold: -1e9, weights: [])
        #expect(eager.scan("my back is stiff today")?.category == SafetyDetector.backstopCategory)
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

    @Test("with the model, the corpora keep every crisis and gain no false positive", arguments: ["corpus.tsv", "probes.tsv"])
    func noNewFalsePositives(_ file: String) throws {
        let path = packageRoot + "/Tests/SafetyCorpus/" + file
        let with = try #require(SafetyEvaluation.evaluate(file: path, scanner: shippedDetector).0)
        let without = try #require(SafetyEvaluation.evaluate(file: path, scanner: rulesOnlyDetector).0)
        #expect(with.falsePositives == without.falsePositives, "\(with.render())")
        #expect(with.levels[.crisis]?.recall == 1)
        #expect(with.wrongLevel == without.wrongLevel)
    }

    @Test("explain shows the model's score and why it did or did not ask")
    func explain() {
        let asks = shippedDetector.explain("honestly i dont see the point in being around much longer").render()
        #expect(asks.hasPrefix("detected: crisis (crisis-model, possible)"), "\(asks)")
        #expect(asks.contains("model: score ") && asks.hasSuffix("asks a check question"), "\(asks)")
        let quiet = shippedDetector.explain("my back is stiff today").render()
        #expect(quiet.hasSuffix("below the threshold"), "\(quiet)")
        let setAside = shippedDetector.explain("I'm not suicidal, just tired").render()
        #expect(setAside.hasSuffix("not used: the rules set a crisis phrase aside"), "\(setAside)")
        let found = shippedDetector.explain("I want to kill myself").render()
        #expect(found.hasSuffix("not used: the rules found something"), "\(found)")
    }

    @Test("a scan with the model still takes microseconds, and the model's cost does not grow with its size")
    func speed() throws {
        let (corpus, _) = SafetyCorpus.load(path: packageRoot + "/Tests/SafetyCorpus/corpus.tsv")
        let texts = try #require(corpus).examples.map(\.text)
        let m = try Self.model
        let words = texts.map { shippedDetector.explain($0).words }
        func perScore(_ model: SafetyModel) -> Double {
            let clock = ContinuousClock()
            var best = Double.infinity
            for _ in 0..<3 {
                var sum = 0.0
                let start = clock.now
                for w in words { sum += model.logit(words: w) }
                let d = clock.now - start
                let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
                if sum.isFinite { best = min(best, seconds * 1e6 / Double(words.count)) }
            }
            return best
        }
        let small = try SafetyModel(buckets: 1 << 10, scaleLog2: 12, bias: 0, threshold: 0, weights: [(1, 1)])
        let shipped = perScore(m), tiny = perScore(small)
        print("model score: \(shipped) µs (shipped, \(m.weightCount) weights), \(tiny) µs (one weight)")
        #expect(shipped < 1000, "a score should take microseconds (debug builds are slower)")
        #expect(shipped < tiny * 3 + 5, "the cost depends on the message, not on the number of weights")
    }

    @Test("a broken model file is reported with its line, and the rules still run without it")
    func diagnostics() {
        let (m1, d1) = SafetyModelLoader.parse("# made by hand\nformat\tbackchat-crisis-model 1\nbuckets\t1024\nscale\t12\nbias\t0.5\nthreshold\tsoon\n3\tx\n",
                                               file: "m.tsv")
        #expect(m1 == nil)
        #expect(DiagnosticRenderer().render(d1) == """
            m.tsv:6:11: error: 'threshold' must be a number, not 'soon'
            m.tsv:7:3: error: a weight must be a whole number
            2 errors, 0 warnings
            """)
        let (m2, d2) = SafetyModelLoader.parse("buckets\t1024\n", file: "m.tsv")
        #expect(m2 == nil)
        #expect(d2.map(\.message) == ["not a crisis model file ('format\\tbackchat-crisis-model 1' is missing)"])
        let (m3, d3) = SafetyModelLoader.parse("format\tbackchat-crisis-model 1\nbuckets\t1000\nscale\t12\nbias\t0\nthreshold\t1\n", file: "m.tsv")
        #expect(m3 == nil)
        #expect(d3.map(\.message) == ["the crisis model cannot be used: buckets must be a power of two up to 16777216, not 1000"])
        let (m4, d4) = SafetyModelLoader.parse("format\tbackchat-crisis-model 1\nbuckets\t8\nscale\t12\nbias\t0\nthreshold\t1\n9\t4\n", file: "m.tsv")
        #expect(m4 == nil)
        #expect(d4.map(\.message) == ["the crisis model cannot be used: bucket 9 is outside 0..<8"])
        // Every bucket weighs 2 × 2^-1; Windows line endings are fine.
        let rows = (0..<8).map { "\($0)\t2\r\n" }.joined()
        let (m5, d5) = SafetyModelLoader.parse("format\tbackchat-crisis-model 1\r\nbuckets\t8\r\nscale\t1\r\nbias\t-0.5\r\nthreshold\t1\r\n" + rows,
                                               file: "m.tsv")
        #expect(d5.isEmpty)
        #expect(m5?.logit(words: []) == -0.5, "no words: the bias")
        // "hi": the word, no pair, and in " hi " two 3-byte and one 4-byte run: 4 occurrences,
        // so -0.5 + 0.5 × (4 × 2) / √4.
        #expect(m5?.logit(words: ["hi"]) == 1.5)
    }

    @Test("the shipped dialogs load the model into the English scan")
    func loading() throws {
        let r = DialogLoader.load(directory: packageRoot + "/Dialogs")
        let scanner = try #require(r.script?.locales["en"]?.safety.scanner as? SafetyDetector)
        #expect(scanner.backstop != nil)
        #expect(scanner.rolesNeeded.contains(.crisisCheck))
    }
}
