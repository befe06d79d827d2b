import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The REPL as a person meets it: the built binary in a real pseudo-terminal, typed at
/// key by key. Every wait polls the terminal with a timeout; nothing sleeps a fixed time.
@Suite("REPL in a real terminal", .serialized)
struct REPLTerminalTests {
    typealias PTY = REPLPseudoTerminal

    /// A scratch home, state folder and dialogs for one test; removed afterwards.
    final class Sandbox {
        let root: String
        var home: String { root + "/home" }
        var state: String { root + "/state" }
        var dialogs: String { root + "/dialogs" }
        var work: String { root + "/work" }
        var historyFile: String { state + "/backchat/history" }

        init() throws {
            root = NSTemporaryDirectory() + "backchat-repl-\(UUID().uuidString)"
            let fm = FileManager.default
            for dir in [home, work, dialogs + "/en"] { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            for (path, text) in REPLTerminalTests.dialogFiles {
                try text.write(toFile: dialogs + "/" + path, atomically: true, encoding: .utf8)
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// Only what a terminal session would have; never the real home.
        func environment(_ extra: [String: String] = [:]) -> [String: String] {
            var env = ["HOME": home, "XDG_STATE_HOME": state, "TERM": "xterm-256color", "LANG": "C.UTF-8",
                       "PATH": "/usr/bin:/bin", "BACKCHAT_DIALOGS": dialogs]
            for (k, v) in extra { env[k] = v }
            return env
        }

        /// backchat in an 80×24 terminal, started in a working directory unrelated to the package.
        func start(_ arguments: [String] = [], environment extra: [String: String] = [:],
                   stdoutPath: String? = nil) throws -> PTY {
            try PTY(arguments: arguments, environment: environment(extra), directory: work, stdoutPath: stdoutPath)
        }
    }

    static let dialogFiles: [String: String] = [
        "resources.yaml": """
            default:
              name: your country
              emergency: your local emergency number
              resources:
                - { kind: crisis, name: Find a helpline, contact: findahelpline.com }
            """,
        "en/locale.yaml": "locale: en\nentry: main\n",
        "en/main.yaml": """
            flow: main
            nodes:
              hello:
                say: "Hello from the terminal fixture."
                next: ready
              ready:
                ask: Ready to begin?
                choices:
                  - key: yes
                    label: Yes, ready
                    next: weeks
                  - key: no
                    label: Not yet
                    next: bye
              weeks:
                ask: How long have you had it?
                expect: duration
                unit: weeks
                into: pain_weeks
                next: bye
              bye:
                say: "Bye for now."
                end: true
            """,
        "en/crisis.yaml": """
            flow: crisis
            role: crisis
            nodes:
              safe:
                ask: Are you safe right now?
                choices:
                  - key: yes
                    label: I'm safe
                    next: leave
                  - key: no
                    label: I'm not safe
                    next: safe
              leave:
                return: true
            """,
    ]

    @Test("Greeting, an answer, Tab completion, Ctrl-C twice, then Ctrl-D exits 0")
    func conversation() throws {
        let box = try Sandbox()
        let t = try box.start()
        t.expect("Hello from the terminal fixture.")
        t.expect("1. Yes, ready")
        t.expect("> ")

        t.type("Ye" + PTY.tab)
        t.expect("Yes, ready")
        t.type(PTY.enter)
        t.expect("How long have you had it?")

        t.type("six")
        t.expect("six")
        t.type(PTY.ctrlC)
        t.expect("^C")
        #expect(!t.hasExited(), "Ctrl-C must not end the program")
        t.type(PTY.ctrlC)
        t.expect("To leave, type /quit or press Ctrl-D")
        #expect(!t.hasExited())

        // The line really was cleared: an answer now is read on its own.
        t.type("6 weeks" + PTY.enter)
        t.expect("Bye for now.")
        #expect(t.waitForExit() == 0, "the conversation ended, so the program exits 0")
    }

    @Test("Ctrl-D on an empty line says goodbye and exits 0")
    func ctrlD() throws {
        let box = try Sandbox()
        let t = try box.start()
        t.expect("> ")
        t.type(PTY.ctrlD)
        t.expect("Take care")
        #expect(t.waitForExit() == 0)
    }

    @Test("/quit leaves; an unknown command gets help")
    func commands() throws {
        let box = try Sandbox()
        let t = try box.start()
        t.expect("> ")
        t.type("/qu" + PTY.tab)
        t.expect("/quit")
        t.type(PTY.ctrlU + "/nonsense" + PTY.enter)
        t.expect("I don't know the command /nonsense")
        t.type("/quit" + PTY.enter)
        t.expect("Take care")
        #expect(t.waitForExit() == 0)
    }

    @Test("History is kept across runs (0600), but nothing typed in a crisis flow")
    func history() throws {
        let box = try Sandbox()
        // First run: an ordinary answer.
        do {
            let t = try box.start()
            t.expect("> ")
            t.type("Not yet" + PTY.enter)
            t.expect("Bye for now.")
            #expect(t.waitForExit() == 0)
        }
        // Second run, inside the crisis flow: what is typed there stays out of the history.
        do {
            let t = try box.start(["--flow", "crisis"])
            t.expect("Are you safe right now?")
            t.type("I'm not safe" + PTY.enter)
            t.expect("Are you safe right now?")
            t.type(PTY.ctrlD)
            t.expect("Take care")
            #expect(t.waitForExit() == 0)
        }
        let saved = try String(contentsOfFile: box.historyFile, encoding: .utf8)
        #expect(saved == "Not yet\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: box.historyFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: box.state + "/backchat")
        #expect((folder[.posixPermissions] as? NSNumber)?.intValue == 0o700)

        // Third run (a new conversation, not the saved crisis one): Up recalls the line from the first run.
        let t = try box.start(["--fresh"])
        t.expect("> ")
        t.type(PTY.up)
        t.expect("Not yet")
        t.type(PTY.enter)
        t.expect("Bye for now.")
        #expect(t.waitForExit() == 0)
    }

    @Test("The history file is kept to its size limit, newest lines last")
    func historyLimit() throws {
        let box = try Sandbox()
        try FileManager.default.createDirectory(atPath: box.state + "/backchat", withIntermediateDirectories: true)
        let old = (1...1500).map { "old line \($0)\n" }.joined()
        try old.write(toFile: box.historyFile, atomically: true, encoding: .utf8)
        let t = try box.start()
        t.expect("> ")
        t.type(PTY.up)
        t.expect("old line 1500")
        t.type(PTY.ctrlU + "Not yet" + PTY.enter)
        t.expect("Bye for now.")
        #expect(t.waitForExit() == 0)
        let lines = try String(contentsOfFile: box.historyFile, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1000)
        #expect(lines.last == "Not yet")
        #expect(lines.first == "old line 502")
    }

    @Test("A resize re-wraps what comes next")
    func resize() throws {
        let box = try Sandbox()
        let t = try box.start()
        t.expect("> ")
        t.resize(columns: 40)
        t.type("/help" + PTY.enter)
        t.expect("Ready to begin?")
        t.expect("> ")
        #expect(!t.hasExited())
        let lines = t.screen.components(separatedBy: "\n")
        let afterHelp = lines.drop { !$0.contains("/help") }.dropFirst()
        #expect(!afterHelp.isEmpty)
        for line in afterHelp {
            #expect(line.count <= 40, "wrapped to the new width: \(String(reflecting: line))")
        }
        t.type(PTY.ctrlD)
        #expect(t.waitForExit() == 0)
    }

    @Test("Restrained colour on a terminal; none with NO_COLOR or --no-color", arguments: [
        ([String: String](), [String](), true),
        (["NO_COLOR": "1"], [], false),
        ([:], ["--no-color"], false),
        (["TERM": "dumb"], [], false),
    ])
    func colour(_ env: [String: String], _ arguments: [String], _ coloured: Bool) throws {
        let box = try Sandbox()
        let t = try box.start(arguments, environment: env)
        t.expect("1. Yes, ready")
        t.expect("> ")
        t.type(PTY.ctrlD)
        #expect(t.waitForExit() == 0)
        #expect(PTY.containsColour(t.raw) == coloured, "\(String(reflecting: t.raw))")
        if env["TERM"] == "dumb" {
            #expect(!t.raw.contains("\u{1B}[?2004"), "no bracketed-paste codes on a dumb terminal")
        }
    }

    @Test("stdout to a file, typing at the terminal: the file gets a clean transcript")
    func redirected() throws {
        let box = try Sandbox()
        let file = box.root + "/transcript.txt"
        let t = try box.start(stdoutPath: file)
        t.expect("Ready to begin?", timeout: 15)
        t.expect("> ")
        t.type("Ye" + PTY.tab)
        t.expect("Yes, ready")
        t.type(PTY.enter)
        t.expect("How long have you had it?")
        t.type(PTY.ctrlD)
        #expect(t.waitForExit() == 0)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!text.contains("\u{1B}"), "no escape codes in the file: \(String(reflecting: text))")
        #expect(text == """
            Hello from the terminal fixture.
            Ready to begin?
              1. Yes, ready
              2. Not yet

            > Yes, ready

            How long have you had it?

            Take care. You can come back any time.

            """)
    }

    @Test("Runs from any working directory with the dialogs shipped beside the binary")
    func shippedDialogs() throws {
        let box = try Sandbox()
        var env = box.environment()
        env["BACKCHAT_DIALOGS"] = nil
        let t = try PTY(arguments: [], environment: env, directory: box.work)
        t.expect("> ", timeout: 60)
        t.type(PTY.ctrlD)
        #expect(t.waitForExit() == 0)
        #expect(!t.screen.contains("error"), "\(t.screen)")
    }

    @Test("Piped: a clean transcript, no escape codes, exit 0 at the end of input")
    func piped() throws {
        let box = try Sandbox()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: PTY.binary)
        p.environment = box.environment()
        p.currentDirectoryURL = URL(fileURLWithPath: box.work)
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = input; p.standardOutput = output; p.standardError = errors
        try p.run()
        input.fileHandleForWriting.write(Data("1\n2\n".utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        _ = errors.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(p.terminationStatus == 0)
        #expect(!text.contains("\u{1B}"), "no escape codes in piped output")
        #expect(text == """
            Hello from the terminal fixture.
            Ready to begin?
              1. Yes, ready
              2. Not yet

            > 1

            How long have you had it?

            > 2

            Bye for now.

            """)
        #expect(!FileManager.default.fileExists(atPath: box.historyFile), "piped use keeps no history")
    }
}
