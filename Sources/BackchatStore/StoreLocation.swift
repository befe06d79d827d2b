/// Where the conversation store lives on disk, and whether its folder is Backchat's alone.
///
/// The default is `$XDG_DATA_HOME/backchat/backchat.sqlite`, else
/// `~/.local/share/backchat/backchat.sqlite` (the XDG base directory for user data). That
/// folder belongs to Backchat, so it is kept at mode 0700 even if it already existed. A
/// path given with `--store` may sit in any folder: folders that are missing are created
/// 0700, but an existing folder someone chose (say `/tmp`) is left as it is.
public struct StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// The database file.
    public var path: String
    /// Whether the folder holding ``path`` is Backchat's own (tightened to 0700 on open,
    /// removed by ``ConversationStore/forget(_:)`` once empty).
    public var ownsDirectory: Bool

    /// The database's file name in the default folder.
    public static let fileName = "backchat.sqlite"

    /// A store at an explicit path (relative paths are taken from `currentDirectory`).
    public init(path: String, ownsDirectory: Bool = false, currentDirectory: String? = nil) {
        var p = path
        if !p.hasPrefix("/"), let cwd = currentDirectory {
            p = (cwd.hasSuffix("/") ? cwd : cwd + "/") + p
        }
        self.path = p
        self.ownsDirectory = ownsDirectory
    }

    /// The store for `--store PATH` if given, else the default location for `environment`.
    ///
    /// A relative `XDG_DATA_HOME` is ignored, as the XDG specification says.
    /// - Throws: ``StoreError/noLocation`` when neither `XDG_DATA_HOME` nor `HOME` is an absolute path.
    public static func resolve(override: String?, environment: [String: String],
                               currentDirectory: String? = nil) throws(StoreError) -> StoreLocation {
        if let override, !override.isEmpty {
            return StoreLocation(path: override, ownsDirectory: false, currentDirectory: currentDirectory)
        }
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            return StoreLocation(path: trimSlash(data) + "/backchat/" + fileName, ownsDirectory: true)
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return StoreLocation(path: trimSlash(home) + "/.local/share/backchat/" + fileName, ownsDirectory: true)
        }
        throw .noLocation
    }

    /// The folder holding the database.
    public var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The database's file name.
    public var name: String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// SQLite's companion files: the write-ahead log, its shared-memory index, a rollback journal.
    public var companionFiles: [String] { [path + "-wal", path + "-shm", path + "-journal"] }

    public var description: String { path }

    static func trimSlash(_ path: String) -> String {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        return p == "/" ? "" : p
    }
}
