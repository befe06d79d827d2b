import CReadline
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal edge: GNU readline in its callback mode, driven by a `poll` loop that
/// also watches a self-pipe for signals, so Ctrl-C, resizes and suspends are handled in
/// ordinary code rather than in a signal handler. Everything it shows and decides comes
/// from a ``ChatMachine``.
final class ReadlineSession {
    private var machine: ChatMachine
    private let setup: TerminalSetup
    private let historyPath: String?
    /// Where the conversation goes (stdout) and where the editor draws (stdout or stderr).
    private let transcript: UnsafeMutablePointer<FILE>
    private let editorStream: UnsafeMutablePointer<FILE>
    private var signalPipe: (read: Int32, write: Int32) = (-1, -1)
    private var handlerInstalled = false
    private var historyEnabled = false

    /// The signals handled through the pipe. SIGINT clears the line; SIGWINCH re-measures;
    /// SIGTSTP/SIGCONT suspend and resume cleanly; the rest end the session with the
    /// terminal restored.
    private static let routedSignals: [Int32] = [SIGINT, SIGWINCH, SIGTSTP, SIGCONT, SIGTERM, SIGHUP, SIGQUIT]

    init(machine: ChatMachine, setup: TerminalSetup, historyPath: String?) {
        self.machine = machine
        self.setup = setup
        self.historyPath = historyPath
        self.transcript = backchat_stdout()
        self.editorStream = setup.editor == .stderr ? backchat_stderr() : backchat_stdout()
    }

    /// Runs the conversation to its end and returns the exit status.
    func run() -> Int32 {
        setlocale(LC_CTYPE, "")
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return PlainLineSession(machine: machine).run() }
        signalPipe = (fds[0], fds[1])
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        backchat_set_signal_pipe(signalPipe.write)
        for sig in ReadlineSession.routedSignals { _ = backchat_route_signal(sig, 1) }
        defer { finish() }

        backchat_rl_configure(backchat_stdin(), editorStream, backchatComplete)
        rl_initialize()
        _ = rl_variable_bind("completion-ignore-case", "on")
        if setup.dumbTerminal { _ = rl_variable_bind("enable-bracketed-paste", "off") }
        loadHistory()

        if let status = perform(machine.start()) { return status }
        return loop()
    }

    // MARK: - The loop

    private func loop() -> Int32 {
        installPrompt()
        while true {
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: signalPipe.read, events: Int16(POLLIN), revents: 0)]
            let n = poll(&fds, 2, -1)
            if n < 0 {
                if errno == EINTR { continue }
                return 1
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                for sig in drainSignals() {
                    if let status = handleSignal(sig) { return status }
                }
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                rl_callback_read_char()
                if let event = ReadlineBridge.takePending() {
                    handlerInstalled = false
                    // Taking the prompt down put the terminal back in cooked mode, where keys
                    // typed ahead would be echoed into the answer and a Ctrl-D lost: keep it
                    // raw until the next prompt. (Not after Ctrl-D: the session ends, and
                    // readline would add a second newline when restoring it again.)
                    if event != .endOfInput { rl_prep_terminal(1) }
                    if let status = handleLine(event) { return status }
                    installPrompt()
                }
            } else if fds[0].revents & Int16(POLLNVAL) != 0 {
                return 1
            }
        }
    }

    private func handleLine(_ event: ReadlineBridge.LineEvent) -> Int32? {
        // readline may take a whole typed-ahead line in one call, before a SIGWINCH that
        // came with it is seen: measure again so the answer is wrapped to the width now.
        measure()
        switch event {
        case .line(let line):
            return perform(machine.handle(.line(line)))
        case .endOfInput:
            // Restoring the terminal after Ctrl-D moves to a new line only when bracketed
            // paste was on; otherwise the cursor is still after the prompt.
            if !ReadlineSession.bracketedPaste { write("\n", to: editorStream) }
            return perform(machine.handle(.endOfInput))
        }
    }

    private func handleSignal(_ sig: Int32) -> Int32? {
        switch sig {
        case SIGINT:
            // "^C" after what was typed, like a shell; then the line is thrown away. (Taking
            // the prompt down ends with a carriage return, so the newline comes after it.)
            let wasEmpty = backchat_rl_line_length() == 0
            rl_callback_sigcleanup()
            backchat_rl_cursor_to_end()
            write("^C", to: editorStream)
            rl_free_line_state()
            removePrompt()
            write("\n", to: editorStream)
            using_history()
            if let status = perform(machine.handle(.interrupt(lineWasEmpty: wasEmpty))) { return status }
            installPrompt(spaced: false)
        case SIGWINCH:
            rl_resize_terminal()
            measure()
        case SIGTSTP:
            // Give the terminal back, stop for real, and pick up again on SIGCONT.
            rl_deprep_terminal()
            _ = backchat_route_signal(SIGTSTP, 0)
            raise(SIGTSTP)
            _ = backchat_route_signal(SIGTSTP, 1)
        case SIGCONT:
            rl_prep_terminal(1)
            if handlerInstalled {
                rl_on_new_line()
                rl_forced_update_display()
            }
        default:
            // SIGTERM, SIGHUP, SIGQUIT: leave with the terminal as we found it.
            removePrompt()
            return 128 + sig
        }
        return nil
    }

    /// Whether readline brackets pastes (on by default; off on dumb terminals or by inputrc).
    private static var bracketedPaste: Bool {
        rl_variable_value("enable-bracketed-paste").map { String(cString: $0) == "on" } ?? false
    }

    /// Tells the machine the terminal's width, if it changed.
    private func measure() {
        let columns = Int(backchat_terminal_columns(fileno(transcript)))
        if columns > 0, columns != machine.formatter.width { _ = machine.handle(.resize(columns: columns)) }
    }

    private func drainSignals() -> [Int32] {
        var signals: [Int32] = []
        var byte: UInt8 = 0
        while read(signalPipe.read, &byte, 1) == 1 { signals.append(Int32(byte)) }
        return signals
    }

    // MARK: - Performing the machine's actions

    private func perform(_ actions: [ChatMachine.Action]) -> Int32? {
        for action in actions {
            switch action {
            case .show(let text):
                write(text + "\n", to: transcript)
                // stdout is a file: the person at the terminal reads along on stderr.
                if editorStream != transcript { write(text + "\n", to: editorStream) }
            case .echo(let text):
                write(text + "\n", to: transcript)
            case .notice(let text):
                write(text + "\n", to: editorStream)
            case .remember(let line):
                remember(line)
            case .clearScreen:
                // Home, erase the screen, erase the scroll-back.
                write("\u{1B}[H\u{1B}[2J\u{1B}[3J", to: editorStream)
            case .exit(let status):
                return status
            }
        }
        return nil
    }

    /// Shows the prompt; `spaced` puts a blank line between the conversation and it.
    private func installPrompt(spaced: Bool = true) {
        guard !handlerInstalled else { return }
        ReadlineBridge.completions.withLock { $0 = machine.completions }
        if spaced { write("\n", to: editorStream) }
        rl_callback_handler_install(machine.formatter.prompt, backchatLineHandler)
        handlerInstalled = true
    }

    private func removePrompt() {
        guard handlerInstalled else { return }
        rl_callback_handler_remove()
        handlerInstalled = false
    }

    private func write(_ text: String, to stream: UnsafeMutablePointer<FILE>) {
        fputs(text, stream)
        fflush(stream)
    }

    // MARK: - History

    private func loadHistory() {
        using_history()
        stifle_history(Int32(HistoryFile.limit))
        guard let path = historyPath else { return }
        do {
            try HistoryFile.prepare(path)
        } catch {
            write(machine.formatter.notice("History will not be saved (\(error.description)).") + "\n", to: editorStream)
            return
        }
        historyEnabled = true
        _ = read_history(path)
        _ = history_truncate_file(path, Int32(HistoryFile.limit))
    }

    private func remember(_ line: String) {
        if let last = backchat_last_history_line(), String(cString: last) == line { return }
        add_history(line)
        guard historyEnabled, let path = historyPath else { return }
        _ = append_history(1, path)
    }

    private func finish() {
        removePrompt()
        rl_deprep_terminal()
        for sig in ReadlineSession.routedSignals { _ = backchat_route_signal(sig, 0) }
        backchat_set_signal_pipe(-1)
        close(signalPipe.read)
        close(signalPipe.write)
        if historyEnabled, let path = historyPath {
            _ = history_truncate_file(path, Int32(HistoryFile.limit))
            _ = chmod(path, 0o600)
        }
        fflush(transcript)
    }
}
