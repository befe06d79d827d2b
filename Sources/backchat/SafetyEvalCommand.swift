import ArgumentParser

struct SafetyEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "safety-eval", abstract: "Not available yet.")
    func run() throws { throw ValidationError("'safety-eval' is not available yet") }
}
