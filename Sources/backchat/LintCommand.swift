import ArgumentParser
import BackchatEngine
import BackchatLoader

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check the dialogs and report every problem with file:line:column.",
        discussion: "Exit status: 0 clean, 1 problems found, 2 unusable arguments.")

    @OptionGroup var options: DialogOptions
    @Flag(name: .long, help: "Treat warnings as problems (exit 1).")
    var strict = false

    func run() throws {
        let result = options.load()
        if result.diagnostics.isEmpty {
            let locales = result.script?.locales.values.sorted { $0.code < $1.code } ?? []
            let flows = locales.reduce(0) { $0 + $1.flows.count }
            let nodes = locales.reduce(0) { $0 + $1.flows.reduce(0) { $0 + $1.nodes.count } }
            print("\(options.directory): ok (\(locales.count) locale\(locales.count == 1 ? "" : "s"), \(flows) flows, \(nodes) nodes)")
            return
        }
        print(result.renderer.render(result.diagnostics))
        if !result.errors.isEmpty || strict { throw ExitCode(1) }
    }
}
