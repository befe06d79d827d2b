import ArgumentParser
import BackchatEngine
import Foundation

/// The `backchat` command: a conversation by default, and the tools around it.
@main
struct Backchat: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "backchat",
        abstract: "A self-management companion for people living with chronic back pain.",
        discussion: """
            Backchat is a self-management and education tool, not a diagnosis or a replacement \
            for a clinician. If you are in danger or thinking about suicide, call your local \
            emergency number or a crisis line now.
            """,
        version: version,
        subcommands: [ChatCommand.self, ServeCommand.self, TestCommand.self, LintCommand.self, GraphCommand.self,
                      BenchCommand.self, SafetyEvalCommand.self, RecordCommand.self, ExportCommand.self, ForgetCommand.self],
        defaultSubcommand: ChatCommand.self
    )

    /// Runs the command; usage errors exit 2 (not argument-parser's 64), as the docs promise.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            if let exit = error as? ExitCode { Foundation.exit(exit.rawValue) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure ? 2 : (code.rawValue == 64 ? 2 : code.rawValue))
        }
    }
}
