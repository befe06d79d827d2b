import ArgumentParser

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "graph", abstract: "Not available yet.")
    func run() throws { throw ValidationError("'graph' is not available yet") }
}
