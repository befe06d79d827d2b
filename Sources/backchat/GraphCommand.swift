import ArgumentParser
import BackchatAuthoring
import BackchatEngine

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw the conversation graphs as Graphviz DOT or Mermaid.",
        discussion: "Example: backchat graph --flow welcome | dot -Tsvg > welcome.svg")

    @OptionGroup var options: DialogOptions
    @Option(help: "dot (default) or mermaid.")
    var format: String = "dot"
    @Option(name: .customLong("flow"), help: "Only this flow (repeat for several); default: all flows.")
    var flows: [String] = []
    @Option(help: "The locale to draw (default: the default locale).")
    var locale: String?

    func validate() throws {
        guard GraphRenderer.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be dot or mermaid, not '\(format)'")
        }
    }

    func run() throws {
        let script = try options.loadScript()
        guard let ls = script.localeScript(for: locale) else { throw ValidationError("no locale '\(locale ?? "")' in the dialogs") }
        for f in flows where ls.flowIndex[f] == nil {
            throw ValidationError("no flow '\(f)' in locale '\(ls.code)'; flows: \(ls.flows.map(\.name).joined(separator: ", "))")
        }
        print(GraphRenderer(locale: ls, flows: flows).render(GraphRenderer.Format(rawValue: format) ?? .dot), terminator: "")
    }
}
