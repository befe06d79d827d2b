import ArgumentParser
import BackchatEngine
import BackchatTranscripts
import Foundation

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Replay transcript files against the dialogs and report differences.",
        discussion: "With no paths, runs every *.transcript under Tests/Transcripts. Exit status: 0 all pass, 1 failures, 2 unusable input.")

    @OptionGroup var options: DialogOptions
    @Argument(help: "Transcript files or directories.")
    var paths: [String] = []
    @Flag(help: "Print node and edge coverage per flow.")
    var coverage = false
    @Option(name: .customLong("coverage-json"), help: ArgumentHelp("Write the coverage report as JSON to FILE.", valueName: "FILE"))
    var coverageJSON: String?
    @Flag(name: .shortAndLong, help: "List every transcript, not only failures.")
    var verbose = false

    func run() throws {
        let script = try options.loadScript()
        let runner = TranscriptRunner(engine: Engine(script: script))
        let roots = paths.isEmpty ? [TranscriptFiles.defaultDirectory(near: options.directory)] : paths
        let files: [String]
        do { files = try TranscriptFiles.find(roots) } catch let e as TranscriptFiles.NotFound {
            Stderr.write("backchat: \(e.path): no such file or directory"); throw ExitCode(2)
        }
        if files.isEmpty { Stderr.write("backchat: no *.transcript files in \(roots.joined(separator: ", "))"); throw ExitCode(2) }
        var cov = Coverage()
        var failed = 0, unreadable = 0, checks = 0, turns = 0
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                Stderr.write("\(file): error: cannot read the file as UTF-8 text"); unreadable += 1; continue
            }
            switch TranscriptParser.parse(text, file: file) {
            case .failure(let p):
                print(p.description); unreadable += 1
            case .success(let t):
                let outcome = runner.run(t) { cov.record($0) }
                checks += outcome.checks; turns += outcome.turns
                if let f = outcome.failure { print(f.description); failed += 1 }
                else if verbose { print("ok   \(file) (\(outcome.turns) turns, \(outcome.checks) checks)") }
            }
        }
        let passed = files.count - failed - unreadable
        if coverage || coverageJSON != nil {
            var all: [String: [Coverage.FlowReport]] = [:]
            for code in script.locales.keys.sorted() {
                guard let ls = script.locales[code] else { continue }
                let report = cov.report(ls)
                all[code] = report
                if coverage { print(Coverage.render(report, locale: code)) }
            }
            if let path = coverageJSON {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(all).write(to: URL(fileURLWithPath: path))
            }
        }
        print("transcripts: \(passed) passed, \(failed + unreadable) failed (\(turns) turns, \(checks) checks)")
        if unreadable > 0 && failed == 0 { throw ExitCode(2) }
        if failed > 0 || unreadable > 0 { throw ExitCode(1) }
    }
}

/// Finding transcript files.
enum TranscriptFiles {
    struct NotFound: Error { var path: String }

    /// `Tests/Transcripts` beside the dialogs directory.
    static func defaultDirectory(near dialogs: String) -> String {
        let parent = (dialogs as NSString).deletingLastPathComponent
        return (parent.isEmpty ? "." : parent) + "/Tests/Transcripts"
    }

    static func find(_ roots: [String]) throws -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for root in roots {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: root, isDirectory: &isDir) else { throw NotFound(path: root) }
            if !isDir.boolValue { out.append(root); continue }
            let e = fm.enumerator(atPath: root)
            var found: [String] = []
            while let rel = e?.nextObject() as? String {
                if rel.hasSuffix(".transcript") { found.append(root + "/" + rel) }
            }
            out += found.sorted()
        }
        return out
    }
}
