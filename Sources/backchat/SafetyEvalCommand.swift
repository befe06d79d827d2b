import ArgumentParser
import BackchatEngine
import BackchatLoader
import Foundation

struct SafetyEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safety-eval",
        abstract: "Measure the safety scan on a labelled corpus: recall per level and false positives.",
        discussion: """
            The corpus is one example a line, 'label<TAB>text', labels crisis, emergency, urgent, \
            support or none (Tests/SafetyCorpus/README.md). Exit status: 0 targets met, 1 not met, \
            2 unusable input. With --explain, shows how one message is read instead.
            """)

    @OptionGroup var options: DialogOptions
    @Option(help: ArgumentHelp("The labelled corpus (default: Tests/SafetyCorpus/corpus.tsv beside the dialogs).", valueName: "FILE"))
    var corpus: String?
    @Option(help: "The locale whose lexicon to measure.")
    var locale: String = "en"
    @Flag(name: .customLong("no-misses"), help: "Print only the figures, not each missed or wrong line.")
    var noMisses = false
    @Option(help: ArgumentHelp("Explain how the scan reads this message, then exit.", valueName: "TEXT"))
    var explain: String?
    @Flag(help: "Also time the scan, with the shipped lexicon and one ten times larger.")
    var timing = false
    @Flag(name: .customLong("no-model"), help: "The rules alone, without the backstop model.")
    var noModel = false
    @Flag(help: "One tab-separated line per example (what was found, the model score) instead of the report.")
    var lines = false

    func run() throws {
        let dialogs = options.directory
        if let text = explain {
            let (detector, problems) = SafetyEvaluation.shippedDetector(dialogs: dialogs, locale: locale, useModel: !noModel)
            guard let detector else { Stderr.write(DiagnosticRenderer().render(problems)); throw ExitCode(2) }
            print(detector.explain(text).render())
            return
        }
        let parent = (dialogs as NSString).deletingLastPathComponent
        let file = corpus ?? ((parent.isEmpty ? "." : parent) + "/Tests/SafetyCorpus/corpus.tsv")
        guard FileManager.default.fileExists(atPath: file) else {
            throw ValidationError("no corpus at \(file); pass --corpus FILE")
        }
        let (text, ok, diagnostics) = SafetyEvaluation.run(dialogs: dialogs, corpus: file, locale: locale, showMisses: !noMisses,
                                                           useModel: !noModel, perLine: lines)
        if !diagnostics.isEmpty { Stderr.write(DiagnosticRenderer().render(diagnostics)) }
        print(text)
        if timing, !lines { print(SafetyEvaluation.benchmarkSummary(dialogs: dialogs, corpus: file, locale: locale)) }
        if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode(2) }
        if !ok { throw ExitCode(1) }
    }
}
