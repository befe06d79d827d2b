import ArgumentParser

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Not available yet.")
    func run() throws { throw ValidationError("'test' is not available yet") }
}
