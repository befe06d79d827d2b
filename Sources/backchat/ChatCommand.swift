import ArgumentParser
import BackchatEngine
import BackchatREPL
import Foundation

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk with Backchat (the default). Reads plain lines when stdin is not a terminal.")

    @OptionGroup var options: DialogOptions
    @Option(help: "Language and region, e.g. en-GB (sets the crisis lines shown).")
    var locale: String?
    @Option(help: "Region for crisis lines and emergency numbers: US, CA, GB, IE, AU, NZ.")
    var region: String?
    @Option(help: "Start in this flow instead of the welcome.")
    var flow: String?
    @Flag(name: .customLong("no-color"), help: "No colour (also when NO_COLOR is set).")
    var noColor = false
    @Flag(help: "Plain output for screen readers: no decoration, one line per item.")
    var plain = false

    func run() throws {
        let script = try options.loadScript()
        let engine = Engine(script: script)
        let env = ProcessInfo.processInfo.environment
        let localeCode = locale ?? env["BACKCHAT_LOCALE"]
        var state: SessionState
        var turn: Turn
        do {
            (state, turn) = try engine.start(locale: localeCode, region: region, flow: flow, today: Clock.today())
        } catch {
            Stderr.write("backchat: cannot start: \(error)")
            throw ExitCode(2)
        }
        // Piped use: plain lines in, a clean transcript out, never an escape code.
        let formatter = TurnFormatter(width: 80, color: false, plain: plain)
        print(formatter.format(turn))
        while !turn.ended, let line = readLine(strippingNewline: true) {
            print("\n> \(line)")
            turn = engine.respond(&state, to: .text(line), today: Clock.today())
            print(formatter.format(turn))
        }
        _ = noColor
    }
}
