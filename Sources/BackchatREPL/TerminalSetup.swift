/// How to talk to whatever is on the other end: decided once at the start from what is a
/// terminal, the environment and the flags. A pure function, so every case is tested.
public struct TerminalSetup: Sendable, Equatable {
    /// Where the line editor draws its prompt and echo.
    public enum EditorOutput: Sendable, Equatable {
        /// Normal use: everything on the terminal.
        case stdout
        /// stdout is redirected to a file: the prompt goes to the terminal on stderr and the
        /// file gets a clean transcript.
        case stderr
    }

    /// Read lines with readline (`nil`: plain lines, no echo, no history).
    public var editor: EditorOutput?
    /// Escape codes for colour and weight in the conversation.
    public var color: Bool
    /// Screen-reader output: no decoration, one line per item.
    public var plain: Bool
    /// Box-drawing characters in decoration (a UTF-8 locale).
    public var unicode: Bool
    /// Columns to wrap to.
    public var width: Int
    /// `TERM=dumb` (or unset): no bracketed paste, no colour.
    public var dumbTerminal: Bool

    public var formatter: TurnFormatter {
        TurnFormatter(width: width, color: color, plain: plain, unicode: unicode)
    }

    public var machineOptions: ChatMachine.Options {
        ChatMachine.Options(echoInput: editor != .stdout, interactive: editor != nil)
    }

    public static func detect(stdinIsTerminal: Bool, stdoutIsTerminal: Bool, stderrIsTerminal: Bool,
                              stdoutColumns: Int, environment env: [String: String],
                              noColorFlag: Bool, plainFlag: Bool) -> TerminalSetup {
        let term = env["TERM"] ?? ""
        let dumb = term.isEmpty || term == "dumb"
        let editor: EditorOutput?
        if !stdinIsTerminal {
            editor = nil
        } else if stdoutIsTerminal {
            editor = .stdout
        } else if stderrIsTerminal {
            editor = .stderr
        } else {
            editor = nil
        }
        // https://no-color.org: set and not empty means no colour.
        let noColorEnv = !(env["NO_COLOR"] ?? "").isEmpty
        let color = stdoutIsTerminal && !dumb && !noColorEnv && !noColorFlag && !plainFlag
        let localeVar = [env["LC_ALL"], env["LC_CTYPE"], env["LANG"]].compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let lowered = localeVar.lowercased()
        let unicode = lowered.contains("utf-8") || lowered.contains("utf8")
        var width = stdoutColumns
        if width <= 0 { width = Int(env["COLUMNS"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? 80 }
        return TerminalSetup(editor: editor, color: color, plain: plainFlag, unicode: unicode,
                             width: width, dumbTerminal: dumb)
    }
}
