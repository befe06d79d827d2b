import ArgumentParser
import BackchatEngine
import BackchatREPL
import Foundation

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk with Backchat (the default).",
        discussion: """
            At a terminal: line editing, Tab completion of the choices and commands, and a \
            history of earlier lines kept in $XDG_STATE_HOME/backchat/history (default \
            ~/.local/state/backchat/history, readable only by you; nothing typed during a \
            crisis or other safety escalation is saved). Commands: /help, /back, /restart, \
            /plan, /quit. Ctrl-C clears the line, Ctrl-D leaves.

            When stdin is not a terminal, plain lines are read and a clean transcript is \
            printed, e.g. printf '1\\n' | backchat
            """)

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
    @Flag(name: .customLong("no-history"), help: "Do not read or save the line history.")
    var noHistory = false

    func run() throws { try converse(observer: nil) }

    /// Runs the conversation; `observer` hears every turn (for `record`).
    func converse(observer: (@Sendable (_ engine: Engine) -> ChatMachine.Observer)?) throws {
        let script = try options.loadScript()
        let engine = Engine(script: script)
        let env = ProcessInfo.processInfo.environment
        let localeCode = locale ?? env["BACKCHAT_LOCALE"]
        let state: SessionState
        let turn: Turn
        do {
            (state, turn) = try engine.start(locale: localeCode, region: region, flow: flow, today: Clock.today())
        } catch {
            Stderr.write("backchat: cannot start: \(error)")
            throw ExitCode(2)
        }
        let configuration = ChatREPL.Configuration(noColor: noColor, plain: plain, history: !noHistory, environment: env,
                                                   observer: observer?(engine))
        let status = ChatREPL.run(engine: engine, state: state, turn: turn, configuration: configuration,
                                  clock: { Clock.today() })
        if status != 0 { throw ExitCode(status) }
    }
}
