import BackchatREPL
import Testing

@Suite("TerminalSetup: readline, colour and width from what is a terminal")
struct TerminalSetupTests {
    static let term = ["TERM": "xterm-256color", "LANG": "en_GB.UTF-8"]

    func detect(stdin: Bool = true, stdout: Bool = true, stderr: Bool = true, columns: Int = 100,
                env: [String: String] = term, noColor: Bool = false, plain: Bool = false) -> TerminalSetup {
        TerminalSetup.detect(stdinIsTerminal: stdin, stdoutIsTerminal: stdout, stderrIsTerminal: stderr,
                             stdoutColumns: columns, environment: env, noColorFlag: noColor, plainFlag: plain)
    }

    @Test("A terminal: readline on stdout, colour, its width")
    func terminal() {
        let s = detect()
        #expect(s.editor == .stdout)
        #expect(s.color && s.unicode && !s.plain && !s.dumbTerminal)
        #expect(s.width == 100)
        #expect(s.machineOptions == ChatMachine.Options(echoInput: false, interactive: true))
    }

    @Test("Piped stdin: plain lines, input echoed into the transcript, no tips")
    func piped() {
        let s = detect(stdin: false, stdout: false, stderr: false, columns: 0)
        #expect(s.editor == nil)
        #expect(!s.color)
        #expect(s.width == 80)
        #expect(s.machineOptions == ChatMachine.Options(echoInput: true, interactive: false))
    }

    @Test("stdout redirected to a file: the editor draws on stderr, no colour in the file")
    func redirected() {
        let s = detect(stdout: false, columns: 0)
        #expect(s.editor == .stderr)
        #expect(!s.color)
        #expect(s.machineOptions.echoInput)
        #expect(detect(stdout: false, stderr: false).editor == nil)
    }

    @Test("No colour with NO_COLOR, --no-color, --plain or a dumb terminal")
    func noColour() {
        #expect(!detect(env: Self.term.merging(["NO_COLOR": "1"]) { $1 }).color)
        #expect(detect(env: Self.term.merging(["NO_COLOR": ""]) { $1 }).color, "an empty NO_COLOR does not count")
        #expect(!detect(noColor: true).color)
        #expect(!detect(plain: true).color)
        let dumb = detect(env: ["TERM": "dumb"])
        #expect(!dumb.color && dumb.dumbTerminal)
        #expect(detect(env: [:]).dumbTerminal)
    }

    @Test("Width from COLUMNS when stdout is not a terminal")
    func columns() {
        #expect(detect(stdout: false, columns: 0, env: ["COLUMNS": "60"]).width == 60)
        #expect(detect(stdout: false, columns: 0, env: ["COLUMNS": "wide"]).width == 80)
    }

    @Test("Box drawing only in a UTF-8 locale; LC_ALL wins over LANG")
    func unicode() {
        #expect(!detect(env: ["TERM": "xterm", "LANG": "C"]).unicode)
        #expect(detect(env: ["TERM": "xterm", "LC_ALL": "C.utf8", "LANG": "C"]).unicode)
        #expect(!detect(env: ["TERM": "xterm", "LC_ALL": "C", "LANG": "en_US.UTF-8"]).unicode)
    }
}
