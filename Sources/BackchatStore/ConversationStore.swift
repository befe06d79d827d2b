import BackchatEngine
import Foundation
import GRDB
import GRDBSQLite

/// The person's memory on this machine: saved conversations, activity goals and check-ins,
/// in one SQLite database (`backchat.sqlite`, see ``StoreLocation``).
///
/// - The folder is 0700 and the database, its write-ahead log and shared-memory files 0600.
/// - Every write is one committed transaction in WAL mode with `synchronous = FULL`, so a
///   process killed at any moment (`kill -9`) keeps every save that returned. The WAL is
///   persistent (never deleted by name on close).
/// - A store whose file was deleted or replaced while open refuses further reads and writes
///   (``StoreError/removed(path:)``) rather than saving into a deleted file.
/// - The schema is versioned with GRDB's `DatabaseMigrator` (``StoreSchema``).
/// - A damaged file is never discarded: it is moved aside and ``recovery`` says where.
/// - No clock is read here: days and timestamps are arguments.
///
/// Several processes may use the same store at once (SQLite locks, a 5-second busy timeout).
/// The type is `Sendable`; calls are synchronous and serialised by GRDB's queue.
public final class ConversationStore: Sendable {
    /// Where the database is.
    public let location: StoreLocation
    /// Set when the file at ``location`` could not be read as a database and was moved aside
    /// (``StoreError/movedAside(path:movedTo:reason:)``): a front end should tell the person.
    public let recovery: StoreError?

    let queue: DatabaseQueue
    /// The database file's device and inode when opened: a different answer later means the
    /// file was deleted (`backchat forget` in another terminal) or replaced under us.
    let identity: FileSystem.Identity
    let encoder: JSONEncoder
    let decoder = JSONDecoder()

    /// How long a write waits for another process holding the database, in seconds.
    static let busyTimeout: TimeInterval = 5

    /// Opens (or creates) the store at `location`, migrating an older schema.
    ///
    /// If the file is not a readable database ("file is not a database", failed integrity
    /// check), it is renamed to `backchat.sqlite.corrupt-<now>` (with its `-wal`), a new empty
    /// store is created, and ``recovery`` describes the move.
    ///
    /// - Parameter now: the caller's clock, used only to name a moved-aside file.
    /// - Throws: ``StoreError/cannotOpen(path:reason:)``, ``StoreError/cannotMoveAside(path:reason:)``,
    ///   ``StoreError/newerSchema(path:unknown:)``: no usable store (carry on without saving).
    public init(location: StoreLocation, now: Timestamp) throws(StoreError) {
        self.location = location
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.encoder = encoder
        switch try Self.connect(location) {
        case .ready(let queue, let identity):
            self.queue = queue
            self.identity = identity
            self.recovery = nil
        case .damaged(let reason):
            let movedTo = try Self.moveAside(location, now: now)
            guard case .ready(let queue, let identity) = try Self.connect(location) else {
                throw .cannotOpen(path: location.path, reason: "a new store could not be created after moving the old one to \(movedTo)")
            }
            self.queue = queue
            self.identity = identity
            self.recovery = .movedAside(path: location.path, movedTo: movedTo, reason: reason)
        }
    }

    /// Opens (or creates) the store at a file path. See ``init(location:now:)``.
    public convenience init(path: String, now: Timestamp) throws(StoreError) {
        try self.init(location: StoreLocation(path: path), now: now)
    }

    /// The schema versions (migration names) this Backchat knows, oldest first.
    public static var schemaVersions: [String] { StoreSchema.versions }

    /// The schema versions applied to this store, oldest first.
    public func appliedSchemaVersions() throws(StoreError) -> [String] {
        try read { db in try StoreSchema.migrator.appliedMigrations(db) }
    }

    // MARK: - Opening

    enum Connection {
        case ready(DatabaseQueue, FileSystem.Identity)
        /// The file is not a usable database; the reason in SQLite's words.
        case damaged(String)
    }

    /// Prepares folder and file modes, opens in WAL mode, checks integrity and migrates.
    static func connect(_ location: StoreLocation) throws(StoreError) -> Connection {
        try FileSystem.makeDirectory(location.directory, tighten: location.ownsDirectory)
        try FileSystem.prepareFile(location.path)
        for companion in location.companionFiles { try FileSystem.tighten(companion) }
        // Checked before SQLite touches anything, so a file that is not a database is moved
        // aside exactly as it was, with its log (which SQLite might otherwise reset or delete).
        if !FileSystem.hasDatabaseHeader(location.path) { return .damaged("file is not a database") }
        guard let identity = FileSystem.identity(location.path) else {
            throw .cannotOpen(path: location.path, reason: FileSystem.lastError)
        }

        var configuration = Configuration()
        configuration.label = "backchat.store"
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            // Keep the -wal and -shm files when the last connection closes. SQLite would
            // otherwise delete them by name on close, which, if the store was deleted and
            // re-created meanwhile, would be another store's log (or a damaged store's).
            var persist: CInt = 1
            let code = sqlite3_file_control(db.sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, &persist)
            guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
            // Committed means on disk, even if the machine loses power right after.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: location.path, configuration: configuration)
        } catch {
            return try damage(in: error, path: location.path)
        }
        do {
            let check = try queue.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check(1)") }
            guard check == "ok" else {
                try? queue.close()
                return .damaged("it failed SQLite's integrity check: \(check ?? "no answer")")
            }
            let migrator = StoreSchema.migrator
            let unknown = try queue.read { db -> [String] in
                guard try migrator.hasBeenSuperseded(db) else { return [] }
                let known = Set(migrator.migrations)
                return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
                    .filter { !known.contains($0) }
            }
            guard unknown.isEmpty else {
                try? queue.close()
                throw StoreError.newerSchema(path: location.path, unknown: unknown)
            }
            try migrator.migrate(queue)
            // The WAL and shared-memory files now exist; make sure of their modes.
            for companion in location.companionFiles { try FileSystem.tighten(companion) }
            return .ready(queue, identity)
        } catch let error as StoreError {
            throw error
        } catch {
            try? queue.close()
            return try damage(in: error, path: location.path)
        }
    }

    /// `.damaged` for SQLite's "not a database" and "malformed" errors; anything else is thrown.
    static func damage(in error: any Error, path: String) throws(StoreError) -> Connection {
        if let db = error as? DatabaseError, db.resultCode == .SQLITE_NOTADB || db.resultCode == .SQLITE_CORRUPT {
            return .damaged(db.message ?? "\(db.resultCode)")
        }
        throw .cannotOpen(path: path, reason: reason(error))
    }

    /// Renames a damaged database (and its `-wal` and `-journal`) to `<name>.corrupt-<now>`;
    /// the `-shm` index holds no data and is removed. Returns the new path.
    static func moveAside(_ location: StoreLocation, now: Timestamp) throws(StoreError) -> String {
        let base = location.path + ".corrupt-" + now.compact
        var target = base
        var n = 2
        while FileSystem.exists(target) || FileSystem.exists(target + "-wal") {
            target = base + "-\(n)"
            n += 1
        }
        if let failure = FileSystem.move(location.path, to: target) {
            throw .cannotMoveAside(path: location.path, reason: failure)
        }
        for suffix in ["-wal", "-journal"] where FileSystem.exists(location.path + suffix) {
            if let failure = FileSystem.move(location.path + suffix, to: target + suffix) {
                throw .cannotMoveAside(path: location.path + suffix, reason: failure)
            }
        }
        do { try FileSystem.remove(location.path + "-shm") } catch {
            throw .cannotMoveAside(path: location.path + "-shm", reason: "\(error)")
        }
        return target
    }

    // MARK: - Database access, with errors as StoreError

    /// Runs `body` in a read transaction.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        try checkStillThere()
        do { return try queue.read(body) } catch { throw mapped(error) }
    }

    /// Runs `body` in one immediate write transaction: all of it is committed, or none.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        try checkStillThere()
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw StoreError.database(path: location.path, reason: "the transaction did not finish") }
                return result
            }
        } catch {
            throw mapped(error)
        }
    }

    /// Refuses to read or write a store whose file was deleted or replaced since it was opened:
    /// SQLite would carry on with the deleted file, and what is saved would silently vanish.
    func checkStillThere() throws(StoreError) {
        guard FileSystem.identity(location.path) == identity else { throw .removed(path: location.path) }
    }

    func mapped(_ error: any Error) -> StoreError {
        if let store = error as? StoreError { return store }
        return .database(path: location.path, reason: Self.reason(error))
    }

    static func reason(_ error: any Error) -> String {
        if let db = error as? DatabaseError { return db.message ?? "\(db.resultCode)" }
        return "\(error)"
    }
}
