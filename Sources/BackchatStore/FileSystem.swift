#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the store needs, with modes set explicitly (whatever the umask).
enum FileSystem {
    /// Mode of the store's folder: only the owner may list or enter it.
    static let directoryMode: mode_t = 0o700
    /// Mode of the database and its companion files: only the owner may read or write.
    static let fileMode: mode_t = 0o600

    /// The last error as text, e.g. "Permission denied".
    static var lastError: String { String(cString: strerror(errno)) }

    /// Whether anything (file, folder, link) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// A file's identity: it changes when the file is deleted and created again.
    struct Identity: Sendable, Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// The identity of the file at `path`, or `nil` if there is none.
    static func identity(_ path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Whether `path` is a folder.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The permission bits of `path`, if it exists.
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// Whether `path` is empty (a new database) or starts with SQLite's header, "SQLite format 3\0".
    static func hasDatabaseHeader(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return true } // unreadable: let SQLite report why
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16) }
        return count == 0 || (count == 16 && bytes == Array("SQLite format 3\0".utf8))
    }

    /// Creates `directory` and any missing parents at 0700; with `tighten`, also sets an
    /// existing `directory` (not its parents) to 0700.
    static func makeDirectory(_ directory: String, tighten: Bool) throws(StoreError) {
        let absolute = directory.hasPrefix("/")
        var current = absolute ? "" : "."
        for part in directory.split(separator: "/") {
            current += "/" + part
            if mkdir(current, directoryMode) == 0 {
                guard chmod(current, directoryMode) == 0 else { throw .cannotOpen(path: current, reason: lastError) }
            } else if errno != EEXIST {
                throw .cannotOpen(path: current, reason: lastError)
            }
        }
        guard isDirectory(directory) else { throw .cannotOpen(path: directory, reason: "not a folder") }
        if tighten, let mode = mode(directory), mode != directoryMode {
            guard chmod(directory, directoryMode) == 0 else { throw .cannotOpen(path: directory, reason: lastError) }
        }
    }

    /// Creates `path` empty at 0600 if it is missing, else sets it to 0600.
    ///
    /// SQLite gives the `-wal` and `-shm` files it creates the database file's mode, so a
    /// database created 0600 keeps its companions private too.
    static func prepareFile(_ path: String) throws(StoreError) {
        if exists(path) {
            try tighten(path)
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if fd < 0 {
            if errno == EEXIST { try tighten(path); return }
            throw .cannotOpen(path: path, reason: lastError)
        }
        defer { close(fd) }
        guard fchmod(fd, fileMode) == 0 else { throw .cannotOpen(path: path, reason: lastError) }
    }

    /// Sets an existing file to 0600 (a missing one is fine).
    static func tighten(_ path: String) throws(StoreError) {
        guard let mode = mode(path), mode != fileMode else { return }
        guard chmod(path, fileMode) == 0 else { throw .cannotOpen(path: path, reason: lastError) }
    }

    /// Renames `from` to `to`, failing if `to` exists.
    static func move(_ from: String, to: String) -> String? {
        if exists(to) { return "\(to) already exists" }
        return rename(from, to) == 0 ? nil : lastError
    }

    /// Deletes a file; a missing file is fine.
    static func remove(_ path: String) throws(StoreError) {
        if unlink(path) != 0 && errno != ENOENT { throw .cannotDelete(path: path, reason: lastError) }
    }

    /// Removes an empty folder; a folder with other files in it stays, quietly.
    static func removeDirectoryIfEmpty(_ path: String) {
        _ = rmdir(path)
    }

    /// The names in `directory` (without `.` and `..`), or none if it cannot be read.
    static func names(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
