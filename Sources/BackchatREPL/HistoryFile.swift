#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the line history lives and how it is protected.
///
/// `$XDG_STATE_HOME/backchat/history`, by default `~/.local/state/backchat/history`: the
/// XDG base directory for state that should survive restarts but is not worth backing
/// up. What people type about their health is private, so the folder is 0700 and the
/// file 0600, whatever the umask.
public enum HistoryFile {
    /// How many lines are kept, in memory and in the file.
    public static let limit = 1000

    /// The history file for this environment, or `nil` when there is no home to put it in.
    /// A relative `XDG_STATE_HOME` is ignored, as the specification says.
    public static func path(environment env: [String: String]) -> String? {
        if let state = env["XDG_STATE_HOME"], state.hasPrefix("/") {
            return trimSlash(state) + "/backchat/history"
        }
        if let home = env["HOME"], home.hasPrefix("/") {
            return trimSlash(home) + "/.local/state/backchat/history"
        }
        return nil
    }

    static func trimSlash(_ path: String) -> String {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p == "/" ? "" : p
    }

    /// Why the history cannot be kept.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Creates the folders (0700) and the file (0600) if needed and tightens their modes.
    public static func prepare(_ path: String) throws(Failure) {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 2 else { throw Failure(path: path, reason: "not a file path") }
        var dir = ""
        for part in parts.dropLast() {
            dir += "/" + part
            if mkdir(dir, 0o700) != 0 && errno != EEXIST {
                throw Failure(path: dir, reason: String(cString: strerror(errno)))
            }
        }
        // The folder that is ours alone: make sure no one else can list it.
        if chmod(dir, 0o700) != 0 { throw Failure(path: dir, reason: String(cString: strerror(errno))) }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        if fchmod(fd, 0o600) != 0 { throw Failure(path: path, reason: String(cString: strerror(errno))) }
    }
}
