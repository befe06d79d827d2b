import BackchatEngine
import CReadline

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal front end's entry point: looks at what stdin and stdout are, then runs
/// the conversation with readline (a person at a terminal) or with plain lines (a pipe).
public enum ChatREPL {
    /// What the command line asked for.
    public struct Configuration: Sendable {
        public var noColor: Bool
        public var plain: Bool
        /// Keep a history file (`--no-history` turns it off).
        public var history: Bool
        public var environment: [String: String]
        /// Told about every turn (see ``ChatMachine/observer``).
        public var observer: ChatMachine.Observer?
        /// Commands the front end answers itself (see ``ChatMachine/localCommands``).
        public var localCommands: [String: @Sendable () -> String] = [:]

        public init(noColor: Bool = false, plain: Bool = false, history: Bool = true, environment: [String: String],
                    observer: ChatMachine.Observer? = nil) {
            self.noColor = noColor; self.plain = plain; self.history = history; self.environment = environment
            self.observer = observer
        }
    }

    /// Runs the conversation that `turn` opened and returns the exit status.
    public static func run(engine: Engine, state: SessionState, turn: Turn, configuration: Configuration,
                           clock: @escaping @Sendable () -> CalendarDay?) -> Int32 {
        let setup = TerminalSetup.detect(
            stdinIsTerminal: isatty(STDIN_FILENO) == 1,
            stdoutIsTerminal: isatty(STDOUT_FILENO) == 1,
            stderrIsTerminal: isatty(STDERR_FILENO) == 1,
            stdoutColumns: Int(backchat_terminal_columns(STDOUT_FILENO)),
            environment: configuration.environment,
            noColorFlag: configuration.noColor, plainFlag: configuration.plain)
        var machine = ChatMachine(engine: engine, state: state, firstTurn: turn, formatter: setup.formatter,
                                  options: setup.machineOptions, clock: clock)
        machine.observer = configuration.observer
        machine.localCommands = configuration.localCommands
        guard setup.editor != nil else { return PlainLineSession(machine: machine).run() }
        let history = configuration.history ? HistoryFile.path(environment: configuration.environment) : nil
        return ReadlineSession(machine: machine, setup: setup, historyPath: history).run()
    }
}
