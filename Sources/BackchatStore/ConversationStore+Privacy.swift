import BackchatEngine
import Foundation
import GRDB

extension ConversationStore {
    // MARK: - Export

    /// Everything stored, as pretty-printed JSON a person can read and take to a clinician:
    /// each conversation's answers and dates, each goal with its check-ins.
    ///
    /// Read in one transaction, so the export is a consistent snapshot even while a
    /// conversation is saving. Keys are sorted, so two exports of the same data are identical.
    /// - Parameter exportedAt: the caller's clock, written into the document when given.
    public func exportJSON(exportedAt: Timestamp? = nil) throws(StoreError) -> Data {
        let (rows, goals, checkIns) = try read { db in
            (try Row.fetchAll(db, sql: "SELECT * FROM session ORDER BY revision").map(storedSession),
             try Self.fetchGoals(db, "ORDER BY id"),
             try Self.fetchCheckIns(db, "ORDER BY day, id"))
        }
        let document = ExportDocument(
            exportedAt: exportedAt, store: location.path, schema: StoreSchema.versions,
            sessions: rows.map(ExportDocument.Session.init),
            goals: goals.map { goal in ExportDocument.GoalEntry(goal, checkIns: checkIns.filter { $0.goalID == goal.id }) })
        return try Self.encode(document)
    }

    /// The export of a store that does not exist yet (nothing stored), without creating one.
    public static func emptyExport(location: StoreLocation, exportedAt: Timestamp? = nil) throws(StoreError) -> Data {
        try encode(ExportDocument(exportedAt: exportedAt, store: location.path, schema: StoreSchema.versions,
                                  sessions: [], goals: []))
    }

    static func encode(_ document: ExportDocument) throws(StoreError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(document)
            data.append(UInt8(ascii: "\n"))
            return data
        } catch {
            throw .database(path: document.store, reason: "the export could not be written: \(error)")
        }
    }

    // MARK: - Forget

    /// The files ``forget(_:)`` deletes: the database, its `-wal`, `-shm` and `-journal`, and
    /// any copies moved aside as damaged (`backchat.sqlite.corrupt-…`). Only those that exist.
    public static func storedFiles(_ location: StoreLocation) -> [String] {
        let own = ([location.path] + location.companionFiles).filter(FileSystem.exists)
        let prefix = location.name + ".corrupt-"
        let aside = FileSystem.names(in: location.directory).filter { $0.hasPrefix(prefix) }
            .map { location.directory == "/" ? "/" + $0 : location.directory + "/" + $0 }
        return own + aside
    }

    /// Deletes every stored file (``storedFiles(_:)``), and Backchat's own folder once it is empty.
    ///
    /// Static, so it works on a store that cannot be opened. The write-ahead log goes first and
    /// the database after it, so an interrupted `forget` never leaves a log that a new store
    /// would replay. A process that still has the store open loses its further saves.
    /// - Returns: the paths deleted.
    @discardableResult
    public static func forget(_ location: StoreLocation) throws(StoreError) -> [String] {
        let files = storedFiles(location)
        let order = [location.path + "-wal", location.path + "-journal", location.path + "-shm", location.path]
        let sorted = files.sorted { (order.firstIndex(of: $0) ?? order.count) < (order.firstIndex(of: $1) ?? order.count) }
        for file in sorted { try FileSystem.remove(file) }
        if location.ownsDirectory { FileSystem.removeDirectoryIfEmpty(location.directory) }
        return sorted
    }

    /// Closes this store and deletes every stored file (``forget(_:)``). Do not use the store afterwards.
    @discardableResult
    public func forgetAll() throws(StoreError) -> [String] {
        do { try queue.close() } catch { throw mapped(error) }
        return try Self.forget(location)
    }
}
