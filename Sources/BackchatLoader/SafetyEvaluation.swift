import BackchatEngine
import Foundation

/// A labelled set of messages for measuring the safety scan (`Tests/SafetyCorpus/*.tsv`).
///
/// One example per line, `label<TAB>text`; labels are `crisis`, `emergency`, `urgent`,
/// `support` and `none`; lines starting with `#` are comments.
public struct SafetyCorpus: Sendable {
    public struct Example: Sendable, Hashable {
        /// `nil` for `none`.
        public var label: EscalationLevel?
        public var text: String
        /// 1-based line in the file.
        public var line: Int
        public init(label: EscalationLevel?, text: String, line: Int) { self.label = label; self.text = text; self.line = line }
    }

    public var file: String
    public var examples: [Example]

    /// Parses corpus text; malformed lines become diagnostics and are skipped.
    public static func parse(_ text: String, file: String) -> (SafetyCorpus, [Diagnostic]) {
        var examples: [Example] = []
        var diagnostics: [Diagnostic] = []
        // "\r\n" is one Character in Swift: split on it too, or a Windows file is one line.
        for (i, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[1].isEmpty else {
                diagnostics.append(Diagnostic(.error, file: file, line: i + 1, column: 1, "expected 'label<TAB>text'"))
                continue
            }
            let label = String(parts[0]).trimmingCharacters(in: .whitespaces).lowercased()
            // A header line ('label<TAB>text') is not an example.
            if examples.isEmpty && diagnostics.isEmpty && ["label", "level", "class"].contains(label) { continue }
            if label == "none" {
                examples.append(Example(label: nil, text: String(parts[1]), line: i + 1))
            } else if let level = EscalationLevel(rawValue: label) {
                examples.append(Example(label: level, text: String(parts[1]), line: i + 1))
            } else {
                diagnostics.append(Diagnostic(.error, file: file, line: i + 1, column: 1, "unknown label '\(label)'",
                                              hint: "one of: crisis, emergency, urgent, support, none"))
            }
        }
        return (SafetyCorpus(file: file, examples: examples), diagnostics)
    }

    /// Reads and parses a corpus file.
    public static func load(path: String) -> (SafetyCorpus?, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return (nil, [Diagnostic(.error, file: path, line: 0, column: 0, "cannot read the corpus file")])
        }
        let (corpus, diagnostics) = parse(text, file: path)
        return (corpus, diagnostics)
    }
}

/// How well a scanner does on a labelled corpus.
public struct SafetyEvaluationReport: Sendable {
    /// Results for one label.
    public struct LevelResult: Sendable {
        public var total = 0
        /// Detected at exactly this level.
        public var correct = 0
        /// Detected, but at another level.
        public var wrongLevel = 0
        /// Not detected at all.
        public var missed = 0
        public var recall: Double { total == 0 ? 1 : Double(correct) / Double(total) }
    }

    /// One example the scanner got wrong.
    public struct Miss: Sendable {
        public var line: Int
        public var label: EscalationLevel?
        public var detected: Detection?
        public var text: String
    }

    public var file: String
    public var levels: [EscalationLevel: LevelResult] = [:]
    public var noneTotal = 0
    /// `none` examples detected as anything.
    public var falsePositives = 0
    /// `label → detected → count`, with `none` for no label or no detection.
    public var confusion: [String: [String: Int]] = [:]
    /// Wrong answers, in file order.
    public var misses: [Miss] = []
    /// Crisis detections that asked a check question rather than escalating outright.
    public var crisisPossible = 0

    public var falsePositiveRate: Double { noneTotal == 0 ? 0 : Double(falsePositives) / Double(noneTotal) }
    /// Positives detected at the wrong level.
    public var wrongLevel: Int { levels.values.map(\.wrongLevel).reduce(0, +) }
    public var positives: Int { levels.values.map(\.total).reduce(0, +) }

    /// The issue's targets: crisis recall 100 %, emergency ≥ 98 %, urgent ≥ 95 %, false positives ≤ 2 %.
    /// Whether the targets are met; an empty corpus meets nothing.
    public var meetsTargets: Bool {
        (levels.values.reduce(0) { $0 + $1.total } + noneTotal) > 0
            && (levels[.crisis]?.recall ?? 1) >= 1 && (levels[.emergency]?.recall ?? 1) >= 0.98
            && (levels[.urgent]?.recall ?? 1) >= 0.95 && falsePositiveRate <= 0.02
    }

    /// A plain-text report: recall per level, false positives, confusion, misses.
    public func render(showMisses: Bool = true) -> String {
        func pct(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
        var out = ["safety evaluation: \(file)", ""]
        out.append("level       examples  correct  wrong-level  missed  recall")
        for level in EscalationLevel.allCases.reversed() {
            guard let r = levels[level] else { continue }
            out.append(level.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                + String(r.total).leftPadded(8) + String(r.correct).leftPadded(9) + String(r.wrongLevel).leftPadded(13)
                + String(r.missed).leftPadded(8) + "  " + pct(r.recall))
        }
        out.append("none".padding(toLength: 12, withPad: " ", startingAt: 0) + String(noneTotal).leftPadded(8)
                   + "  false positives: \(falsePositives) (\(pct(falsePositiveRate)))")
        out.append("")
        out.append("positives at the wrong level: \(wrongLevel) of \(positives)")
        out.append("crisis detections that ask a check question first: \(crisisPossible)")
        out.append("targets (crisis 100 %, emergency ≥ 98 %, urgent ≥ 95 %, false positives ≤ 2 %): \(meetsTargets ? "met" : "NOT met")")
        out.append("")
        let names = ["crisis", "emergency", "urgent", "support", "none"]
        out.append("confusion (rows: label, columns: detected)")
        out.append("".padding(toLength: 11, withPad: " ", startingAt: 0) + names.map { $0.leftPadded(10) }.joined())
        for row in names {
            guard let r = confusion[row] else { continue }
            out.append(row.padding(toLength: 11, withPad: " ", startingAt: 0) + names.map { String(r[$0] ?? 0).leftPadded(10) }.joined())
        }
        if showMisses, !misses.isEmpty {
            out.append("")
            out.append("wrong answers:")
            for m in misses {
                let got = m.detected.map { "\($0.level.rawValue) (\($0.category))" } ?? "nothing"
                out.append("  \(file.split(separator: "/").last.map(String.init) ?? file):\(m.line): \(m.label?.rawValue ?? "none") → \(got): \(m.text)")
            }
        }
        return out.joined(separator: "\n")
    }
}

/// Time per scan, for `backchat bench`.
public struct SafetyBenchmark: Sendable {
    public var scans: Int
    public var seconds: Double
    public var microsecondsPerScan: Double { scans == 0 ? 0 : seconds * 1_000_000 / Double(scans) }
    public var phrases: Int
    public var nodes: Int

    public func render(label: String) -> String {
        String(format: "%@: %.2f µs per scan (%d scans, %d phrases, %d trie nodes)", label, microsecondsPerScan, scans, phrases, nodes)
    }
}

/// Measuring the safety scan: corpus evaluation and micro-benchmarks.
public enum SafetyEvaluation {
    /// Scans every example and tallies the results.
    public static func evaluate(_ corpus: SafetyCorpus, scanner: any SafetyScanning) -> SafetyEvaluationReport {
        var report = SafetyEvaluationReport(file: corpus.file)
        for ex in corpus.examples {
            let d = scanner.scan(ex.text)
            let row = ex.label?.rawValue ?? "none", column = d?.level.rawValue ?? "none"
            report.confusion[row, default: [:]][column, default: 0] += 1
            if d?.level == .crisis && d?.certainty == .possible { report.crisisPossible += 1 }
            guard let label = ex.label else {
                report.noneTotal += 1
                if d != nil {
                    report.falsePositives += 1
                    report.misses.append(.init(line: ex.line, label: nil, detected: d, text: ex.text))
                }
                continue
            }
            var r = report.levels[label] ?? .init()
            r.total += 1
            if d?.level == label { r.correct += 1 } else {
                if d == nil { r.missed += 1 } else { r.wrongLevel += 1 }
                report.misses.append(.init(line: ex.line, label: label, detected: d, text: ex.text))
            }
            report.levels[label] = r
        }
        return report
    }

    /// Evaluates the corpus file at `path` against `scanner`.
    public static func evaluate(file path: String, scanner: any SafetyScanning) -> (SafetyEvaluationReport?, [Diagnostic]) {
        let (corpus, diagnostics) = SafetyCorpus.load(path: path)
        return (corpus.map { evaluate($0, scanner: scanner) }, diagnostics)
    }

    /// Reads the lexicon of one locale (`<dialogs>/<locale>/lexicon/*.yaml`) without compiling it.
    public static func loadLexicon(dialogs: String, locale: String = "en") -> (SafetyLexicon?, [Diagnostic]) {
        let dir = dialogs + "/" + locale + "/lexicon"
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var files: [(path: String, text: String)] = []
        for n in names {
            let path = dir + "/" + n
            if let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) { files.append((path, text)) }
        }
        return SafetyLexiconLoader.parse(files: files)
    }

    /// Reads the backstop model of one locale (`<dialogs>/<locale>/lexicon/backstop-model.tsv`);
    /// `nil` without problems when the locale has none.
    public static func loadModel(dialogs: String, locale: String = "en") -> (SafetyModel?, [Diagnostic]) {
        let path = dialogs + "/" + locale + "/lexicon/" + SafetyModelLoader.fileName
        guard FileManager.default.fileExists(atPath: path) else { return (nil, []) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return (nil, [Diagnostic(.error, file: path, line: 0, column: 0, "cannot read the safety model")])
        }
        return SafetyModelLoader.parse(text, file: path)
    }

    /// Compiles a lexicon read with ``loadLexicon(dialogs:locale:)``, with the backstop model if given.
    public static func compile(_ lexicon: SafetyLexicon, model: SafetyModel? = nil) throws(SafetyDetector.CompileError) -> SafetyDetector {
        var detector = try SafetyDetector(lexicon)
        detector.backstop = model
        return detector
    }

    /// One line per example, tab-separated, for the model trainer and for reviewers:
    /// `line, label, detected level, certainty, category, levels held back from the model
    /// (``SafetyAnalysis/heldBack``, comma-separated), model logits (`level=logit` for each head, space-separated; empty without a
    /// model), text`.
    public static func lines(_ corpus: SafetyCorpus, detector: SafetyDetector) -> String {
        var out = ["line\tlabel\tdetected\tcertainty\tcategory\theld-back\tmodel\ttext"]
        for ex in corpus.examples {
            let a = detector.explain(ex.text)
            let d = a.detection
            let found = EscalationLevel.allCases.filter { a.heldBack.contains($0) }.map(\.rawValue)
            let logits: [String] = (a.model ?? []).map { "\($0.level.rawValue)=\($0.logit)" }
            let fields: [String] = [String(ex.line), ex.label?.rawValue ?? "none", d?.level.rawValue ?? "none",
                                    d?.certainty.rawValue ?? "", d?.category ?? "", found.joined(separator: ","),
                                    logits.joined(separator: " "), ex.text]
            out.append(fields.joined(separator: "\t"))
        }
        return out.joined(separator: "\n")
    }

    /// Times `scanner` over `texts`, repeated until at least `minimumScans` scans were made.
    public static func benchmark(_ detector: SafetyDetector, texts: [String], minimumScans: Int = 20_000) -> SafetyBenchmark {
        guard !texts.isEmpty else { return SafetyBenchmark(scans: 0, seconds: 0, phrases: detector.phraseCount, nodes: detector.nodeCount) }
        var found = 0
        for t in texts where detector.scan(t) != nil { found += 1 } // warm up
        let rounds = max(1, (minimumScans + texts.count - 1) / texts.count)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<rounds {
            for t in texts where detector.scan(t) != nil { found += 1 }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        precondition(found >= 0)
        return SafetyBenchmark(scans: rounds * texts.count, seconds: seconds, phrases: detector.phraseCount, nodes: detector.nodeCount)
    }

    /// What `backchat safety-eval` prints: the report for `corpus` against the lexicon in
    /// `dialogs`, or the problems that stopped it. `ok` is true when the targets are met.
    /// With `useModel: false`, the rules alone; with `perLine`, ``lines(_:detector:)`` instead of the report.
    public static func run(dialogs: String, corpus: String, locale: String = "en", showMisses: Bool = true,
                           useModel: Bool = true, perLine: Bool = false)
        -> (text: String, ok: Bool, diagnostics: [Diagnostic]) {
        let (detector, problems) = shippedDetector(dialogs: dialogs, locale: locale, useModel: useModel)
        guard let detector else { return ("the safety lexicon could not be loaded", false, problems) }
        if perLine {
            let (c, diagnostics) = SafetyCorpus.load(path: corpus)
            guard let c else { return ("the corpus could not be read", false, problems + diagnostics) }
            return (lines(c, detector: detector), true, problems + diagnostics)
        }
        let (report, diagnostics) = evaluate(file: corpus, scanner: detector)
        guard let report else { return ("the corpus could not be read", false, problems + diagnostics) }
        return (report.render(showMisses: showMisses), report.meetsTargets, problems + diagnostics)
    }

    /// The scan a locale ships: its lexicon compiled, with its backstop model unless `useModel` is false.
    /// `nil` (and the problems) when the lexicon or the model has errors.
    public static func shippedDetector(dialogs: String, locale: String = "en", useModel: Bool = true)
        -> (SafetyDetector?, [Diagnostic]) {
        let (lexicon, problems) = loadLexicon(dialogs: dialogs, locale: locale)
        let (model, modelProblems) = useModel ? loadModel(dialogs: dialogs, locale: locale) : (nil, [])
        let all = problems + modelProblems
        guard let lexicon, !all.contains(where: { $0.severity == .error }) else { return (nil, all) }
        do { return (try compile(lexicon, model: model), all) } catch {
            return (nil, all + [Diagnostic(.error, file: dialogs, line: 0, column: 0,
                                           "the safety lexicon could not be compiled: \(error)")])
        }
    }

    /// What `backchat bench` can show for the safety scan: time per scan over the texts of
    /// `corpus` with the shipped lexicon, and with one ten times larger.
    public static func benchmarkSummary(dialogs: String, corpus: String, locale: String = "en") -> String {
        let (lexicon, _) = loadLexicon(dialogs: dialogs, locale: locale)
        let (c, _) = SafetyCorpus.load(path: corpus)
        guard let lexicon, let c, let base = try? SafetyDetector(lexicon),
              let big = try? SafetyDetector(syntheticLexicon(base: lexicon, factor: 10)) else {
            return "safety scan: not measured (no lexicon or corpus)"
        }
        let texts = c.examples.map(\.text)
        var out = [benchmark(base, texts: texts).render(label: "safety scan, rules alone"),
                   benchmark(big, texts: texts).render(label: "safety scan, rules alone, lexicon x10")]
        if let model = loadModel(dialogs: dialogs, locale: locale).0 {
            var withModel = base
            withModel.backstop = model
            out.append(benchmark(withModel, texts: texts).render(label: "safety scan with the backstop model"))
        }
        return out.joined(separator: "\n")
    }

    /// `base` plus `factor - 1` times as many made-up categories of made-up phrases, shaped like
    /// the real ones (words, choices, gaps, sets): a lexicon `factor` times larger, to show the cost
    /// per scan does not grow with the number of phrases.
    public static func syntheticLexicon(base: SafetyLexicon, factor: Int) -> SafetyLexicon {
        var lexicon = base
        guard factor > 1 else { return lexicon }
        // A deterministic generator (no randomness in tests and benchmarks).
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
            return seed
        }
        let syllables = ["ka", "lo", "mi", "zu", "re", "ta", "vo", "ne", "shi", "gu", "pa", "do", "xe", "qui", "bo", "fy"]
        func word() -> String {
            let n = 2 + Int(next() % 3)
            return (0..<n).map { _ in syllables[Int(next() % UInt64(syllables.count))] }.joined()
        }
        let realWords = Array(Set(base.categories.flatMap(\.phrases).flatMap { TextNormalizer.words($0) })).sorted()
        func phrase() -> String {
            var parts: [String] = []
            for k in 0..<(2 + Int(next() % 3)) {
                switch next() % 6 {
                case 0 where k > 0: parts.append("..2"); parts.append(word())
                case 1: parts.append("(\(word())|\(word()))")
                case 2 where !realWords.isEmpty: parts.append(realWords[Int(next() % UInt64(realWords.count))])
                default: parts.append(word())
                }
            }
            return parts.joined(separator: " ")
        }
        let basePhrases = base.categories.map { $0.phrases.count + $0.possible.count }.reduce(0, +)
        let wanted = basePhrases * (factor - 1)
        var made = 0, k = 0
        while made < wanted {
            let count = min(40, wanted - made)
            lexicon.categories.append(SafetyLexicon.Category(
                id: "synthetic-\(k)", level: EscalationLevel.allCases[k % 4], reason: "a made-up risk",
                phrases: (0..<count).map { _ in phrase() }))
            made += count
            k += 1
        }
        return lexicon
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
