import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built `backchat` running in a pseudo-terminal that the test opened itself: a new
/// session with the pty as its controlling terminal, so Ctrl-C, Ctrl-D and resizes reach
/// it exactly as they do from a real terminal. Nothing outside the test is needed.
final class REPLPseudoTerminal {
    /// Where the binary is: next to the running test bundle (so `--scratch-path` works),
    /// else `.build/debug` in the package.
    static let binary: String = {
        let fm = FileManager.default
        let exe = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("backchat").path
            if fm.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/backchat").path
    }()

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let master: Int32
    private let pid: pid_t
    private var bytes: [UInt8] = []
    private var exitStatus: Int32?
    /// Output before this index has been looked at by ``expect(_:timeout:)``.
    private var mark = 0

    /// Starts `backchat arguments` in a `columns`×`rows` terminal with exactly `environment`;
    /// with `stdoutPath`, stdout goes to that file instead (as with `backchat > file`).
    init(arguments: [String], environment: [String: String], directory: String,
         columns: UInt16 = 80, rows: UInt16 = 24, stdoutPath: String? = nil) throws {
        // posix_openpt/grantpt/unlockpt/ptsname are not visible to Swift's Glibc module, so
        // this is what they do on Linux: open the multiplexer, unlock, ask for the number.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else {
            throw Failure(description: "cannot open a pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        let TIOCSPTLCK: UInt = 0x4004_5431, TIOCGPTN: UInt = 0x8004_5430
        guard ioctl(master, TIOCSPTLCK, &unlock) == 0, ioctl(master, TIOCGPTN, &number) == 0 else {
            close(master)
            throw Failure(description: "cannot set up the pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let slavePath = "/dev/pts/\(number)"
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // After setsid (done first by posix_spawn), opening the pty makes it the controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        if let stdoutPath {
            posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 0, 1)
        }
        posix_spawn_file_actions_adddup2(&actions, 0, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGQUIT, SIGTSTP, SIGTERM, SIGHUP, SIGWINCH, SIGPIPE, SIGCHLD] { sigaddset(&defaults, sig) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        // POSIX_SPAWN_SETSID is 0x80 in glibc; the macro is not always visible to Swift.
        let setsid: Int32 = 0x80
        posix_spawnattr_setflags(&attributes, Int16(setsid | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        // env -C: the working directory (posix_spawn_file_actions_addchdir_np is not visible to Swift).
        let argv = ["/usr/bin/env", "-C", directory, REPLPseudoTerminal.binary] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var cArgv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnvp: [UnsafeMutablePointer<CChar>?] = envp.map { strdup($0) } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnvp { free(p) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/usr/bin/env", &actions, &attributes, &cArgv, &cEnvp)
        guard rc == 0 else {
            close(master)
            throw Failure(description: "cannot start \(REPLPseudoTerminal.binary): \(String(cString: strerror(rc)))")
        }
        self.master = master
        self.pid = child
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        close(master)
    }

    // MARK: - Typing

    func type(_ text: String) {
        let data = Array(text.utf8)
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { write(master, $0.baseAddress?.advanced(by: offset), data.count - offset) }
            if n <= 0 { if errno == EINTR || errno == EAGAIN { continue }; return }
            offset += n
        }
    }

    static let tab = "\t", enter = "\r", ctrlC = "\u{3}", ctrlD = "\u{4}", up = "\u{1B}[A", ctrlU = "\u{15}"

    /// Makes the terminal `columns` wide; the kernel sends SIGWINCH to the program.
    func resize(columns: UInt16, rows: UInt16 = 24) {
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
    }

    // MARK: - Reading

    /// Everything shown so far, raw (escape codes included).
    var raw: String { String(decoding: bytes, as: UTF8.self) }

    /// Everything shown so far as a person reads it: escape sequences and carriage returns removed.
    var screen: String { REPLPseudoTerminal.strip(raw) }

    /// Everything shown since the last successful ``expect(_:timeout:)``, as text.
    var recent: String { REPLPseudoTerminal.strip(String(decoding: bytes[min(mark, bytes.count)...], as: UTF8.self)) }

    /// Waits (polling the pty, never a fixed sleep) until `text` appears in the output after
    /// the last match; records an issue with what was on screen if it does not in time.
    @discardableResult
    func expect(_ text: String, timeout: Double = 15, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let tail = String(decoding: bytes[min(mark, bytes.count)...], as: UTF8.self)
            let stripped = REPLPseudoTerminal.strip(tail)
            if let range = stripped.range(of: text) {
                // Move the mark to just after the match (in raw bytes: after the raw text that produced it).
                let consumed = stripped[..<range.upperBound]
                mark = REPLPseudoTerminal.rawOffset(in: Array(tail.utf8), strippedCount: consumed.utf8.count) + mark
                return true
            }
            if Date() >= deadline || !pump(until: deadline) {
                Issue.record("expected \(String(reflecting: text)) on the terminal; it shows:\n\(stripped)",
                             sourceLocation: sourceLocation)
                return false
            }
        }
    }

    /// Reads what is available, waiting at most until `deadline`. `false` when nothing more can come.
    @discardableResult
    private func pump(until deadline: Date) -> Bool {
        let ms = max(0, Int32(deadline.timeIntervalSinceNow * 1000))
        var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
        let n = poll(&fds, 1, min(ms, 200))
        if n > 0 {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(master, &buffer, buffer.count)
            if count > 0 { bytes += buffer[..<count]; return true }
            // EIO: the program has closed the terminal (it exited).
            return Date() < deadline && !hasExited()
        }
        return Date() < deadline
    }

    /// Sends a signal to the program (SIGKILL to test that nothing is lost).
    func signal(_ number: Int32) { _ = kill(pid, number) }

    /// Whether the program has exited (reaping it if so).
    func hasExited() -> Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            // WIFEXITED / WEXITSTATUS, which Swift does not import.
            exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            return true
        }
        return false
    }

    /// Waits for the program to exit and returns its status (`nil` on timeout), reading
    /// its last output meanwhile.
    func waitForExit(timeout: Double = 15) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while !hasExited() {
            if Date() >= deadline { return nil }
            pump(until: min(deadline, Date().addingTimeInterval(0.2)))
        }
        // Whatever was still in the pty buffer.
        while pump(until: Date().addingTimeInterval(0.05)) && Date() < deadline {}
        return exitStatus
    }

    // MARK: - Escape codes

    /// The text without CSI/OSC/other escape sequences, carriage returns, BEL and backspaces.
    static func strip(_ s: String) -> String {
        String(decoding: strippedBytes(Array(s.utf8)).map(\.byte), as: UTF8.self)
    }

    /// Each visible byte with its offset in the raw bytes.
    private static func strippedBytes(_ b: [UInt8]) -> [(byte: UInt8, offset: Int)] {
        var out: [(UInt8, Int)] = []
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == 0x1B, i + 1 < b.count {
                let next = b[i + 1]
                if next == UInt8(ascii: "[") {
                    var j = i + 2
                    while j < b.count, !(0x40...0x7E).contains(b[j]) { j += 1 }
                    i = j + 1; continue
                } else if next == UInt8(ascii: "]") {
                    var j = i + 2
                    while j < b.count, b[j] != 0x07, !(b[j] == 0x1B && j + 1 < b.count && b[j + 1] == UInt8(ascii: "\\")) { j += 1 }
                    i = j + (j < b.count && b[j] == 0x07 ? 1 : 2); continue
                } else {
                    i += 2; continue
                }
            }
            if c == 0x0D || c == 0x07 || c == 0x08 || c == 0x01 || c == 0x02 { i += 1; continue }
            out.append((c, i))
            i += 1
        }
        return out
    }

    /// The raw offset just after the `strippedCount`-th visible byte.
    private static func rawOffset(in raw: [UInt8], strippedCount: Int) -> Int {
        let visible = strippedBytes(raw)
        guard strippedCount > 0, strippedCount <= visible.count else { return strippedCount == 0 ? 0 : raw.count }
        return visible[strippedCount - 1].offset + 1
    }

    /// Whether raw output contains an SGR (colour/weight) sequence: ESC [ digits/; m.
    static func containsColour(_ raw: String) -> Bool {
        let b = Array(raw.utf8)
        var i = 0
        while i + 1 < b.count {
            if b[i] == 0x1B, b[i + 1] == UInt8(ascii: "[") {
                var j = i + 2
                while j < b.count, (b[j] >= UInt8(ascii: "0") && b[j] <= UInt8(ascii: "9")) || b[j] == UInt8(ascii: ";") { j += 1 }
                if j < b.count, b[j] == UInt8(ascii: "m") { return true }
            }
            i += 1
        }
        return false
    }
}
