import BackchatEngine
import BackchatStore
import Foundation
import GRDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Store: schema migrations")
struct StoreMigrationTests {
    @Test func aNewStoreHasEveryMigration() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        #expect(try store.appliedSchemaVersions() == ConversationStore.schemaVersions)
        #expect(ConversationStore.schemaVersions.first == "v1")
    }

    /// A store as the first release wrote it: the v1 tables only, made by hand here so the
    /// test does not depend on today's migration code.
    @Test func aVersion1StoreIsMigratedAndKeepsItsConversations() throws {
        let scratch = try Scratch()
        let location = try scratch.location
        try FileManager.default.createDirectory(atPath: location.directory, withIntermediateDirectories: true)
        let state = Fixtures.state()
        var ended = Fixtures.state()
        ended.ended = true
        let encoder = JSONEncoder()
        do {
            let old = try DatabaseQueue(path: location.path)
            try old.write { db in
                try db.execute(sql: """
                    CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                    INSERT INTO grdb_migrations VALUES ('v1');
                    CREATE TABLE session (id TEXT NOT NULL PRIMARY KEY, state TEXT NOT NULL,
                        createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, revision INTEGER NOT NULL);
                    CREATE INDEX session_revision ON session(revision);
                    """)
                try db.execute(sql: "INSERT INTO session VALUES (?, ?, ?, ?, ?)",
                               arguments: ["old", String(decoding: try encoder.encode(state), as: UTF8.self),
                                           "2025-03-01T08:00:00Z", "2025-03-01T08:05:00Z", 1])
                try db.execute(sql: "INSERT INTO session VALUES (?, ?, ?, ?, ?)",
                               arguments: ["older-ended", String(decoding: try encoder.encode(ended), as: UTF8.self),
                                           "2025-02-01T08:00:00Z", "2025-02-01T08:05:00Z", 2])
            }
            try old.close()
        }
        let store = try scratch.open()
        #expect(store.recovery == nil)
        #expect(try store.appliedSchemaVersions() == ["v1", "v2"])
        #expect(try store.session(id: "old")?.state == state)
        #expect(try store.session(id: "old")?.createdAt.iso == "2025-03-01T08:00:00Z")
        #expect(try store.latestSession()?.id == "old", "v2 filled 'ended' from the saved state, so the ended one is skipped")
        // The v2 tables work.
        let goal = try store.recordGoal(Goal(activity: "walking", minutes: 10, createdOn: Fixtures.monday))
        #expect(goal.id != nil)
    }

    @Test func aStoreFromANewerBackchatIsLeftUntouched() throws {
        let scratch = try Scratch()
        let location = try scratch.location
        do {
            let store = try scratch.open()
            try store.save(sessionID: "s", state: Fixtures.state(), at: Fixtures.at(0))
        }
        do {
            let queue = try DatabaseQueue(path: location.path)
            try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99')") }
            try queue.close()
        }
        #expect(throws: StoreError.newerSchema(path: location.path, unknown: ["v99"])) { try scratch.open() }
        #expect(FileManager.default.fileExists(atPath: location.path), "not moved aside")
        let message = StoreError.newerSchema(path: location.path, unknown: ["v99"]).description
        #expect(message == "The conversation store \(location.path) was written by a newer version of Backchat (schema v99). It was left untouched; update Backchat to use it.")
    }
}

@Suite("Store: files and permissions")
struct StorePermissionTests {
    @Test func theDefaultLocationFollowsXDG() throws {
        let xdg = try StoreLocation.resolve(override: nil, environment: ["XDG_DATA_HOME": "/x/data/", "HOME": "/home/p"])
        #expect(xdg.path == "/x/data/backchat/backchat.sqlite")
        #expect(xdg.ownsDirectory)
        let home = try StoreLocation.resolve(override: nil, environment: ["XDG_DATA_HOME": "relative", "HOME": "/home/p"])
        #expect(home.path == "/home/p/.local/share/backchat/backchat.sqlite", "a relative XDG_DATA_HOME is ignored")
        let given = try StoreLocation.resolve(override: "my.sqlite", environment: ["HOME": "/home/p"], currentDirectory: "/work")
        #expect(given.path == "/work/my.sqlite")
        #expect(!given.ownsDirectory)
        #expect(throws: StoreError.noLocation) { try StoreLocation.resolve(override: nil, environment: [:]) }
    }

    @Test func foldersAre0700AndEveryFile0600() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        try store.save(sessionID: "s", state: Fixtures.state(), at: Fixtures.at(0))
        let location = store.location
        #expect(Fixtures.mode(location.directory) == 0o700, "\(Fixtures.octal(Fixtures.mode(location.directory)))")
        #expect(Fixtures.mode(scratch.path + "/data") == 0o700, "a created parent too")
        for file in [location.path, location.path + "-wal", location.path + "-shm"] {
            #expect(Fixtures.mode(file) == 0o600, "\(file) is \(Fixtures.octal(Fixtures.mode(file)))")
        }
    }

    @Test func looseModesOfAnExistingStoreAreTightened() throws {
        let scratch = try Scratch()
        let location = try scratch.location
        do { _ = try scratch.open() }
        chmod(location.directory, 0o755)
        chmod(location.path, 0o644)
        let store = try scratch.open()
        try store.save(sessionID: "s", state: Fixtures.state(), at: Fixtures.at(0))
        #expect(Fixtures.mode(location.directory) == 0o700)
        #expect(Fixtures.mode(location.path) == 0o600)
        #expect(Fixtures.mode(location.path + "-wal") == 0o600)
    }

    @Test func aStoreGivenByPathLeavesAnExistingFolderAlone() throws {
        let scratch = try Scratch()
        chmod(scratch.path, 0o755)
        let store = try ConversationStore(path: scratch.path + "/mine.sqlite", now: Fixtures.monday10am)
        try store.save(sessionID: "s", state: Fixtures.state(), at: Fixtures.at(0))
        #expect(Fixtures.mode(scratch.path) == 0o755, "not Backchat's folder")
        #expect(Fixtures.mode(scratch.path + "/mine.sqlite") == 0o600)
        let nested = try ConversationStore(path: scratch.path + "/new/deeper/x.sqlite", now: Fixtures.monday10am)
        #expect(Fixtures.mode(scratch.path + "/new") == 0o700, "created folders are private")
        #expect(Fixtures.mode(nested.location.directory) == 0o700)
    }

    @Test func aFolderInTheWayIsReportedNotOverwritten() throws {
        let scratch = try Scratch()
        try "not a folder".write(toFile: scratch.path + "/file", atomically: true, encoding: .utf8)
        #expect(throws: StoreError.cannotOpen(path: scratch.path + "/file", reason: "not a folder")) {
            try ConversationStore(path: scratch.path + "/file/x.sqlite", now: Fixtures.monday10am)
        }
    }
}

@Suite("Store: a damaged database")
struct CorruptStoreTests {
    @Test func garbageIsMovedAsideAndReportedWithItsNewPath() throws {
        let scratch = try Scratch()
        let location = try scratch.location
        try FileManager.default.createDirectory(atPath: location.directory, withIntermediateDirectories: true)
        let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        try garbage.write(to: URL(fileURLWithPath: location.path))

        let store = try scratch.open(now: Timestamp(iso: "2025-03-10T10:15:00Z") ?? Fixtures.monday10am)
        let aside = location.path + ".corrupt-20250310T101500Z"
        #expect(store.recovery == .movedAside(path: location.path, movedTo: aside, reason: "file is not a database"))
        #expect(store.recovery?.description == """
            The saved conversations in \(location.path) could not be read (file is not a database). \
            Nothing was deleted: the file was moved to \(aside), and Backchat started a new, empty store. \
            Keep that file if you want to try to recover it; 'backchat forget' deletes it.
            """)
        #expect(try Data(contentsOf: URL(fileURLWithPath: aside)) == garbage, "moved untouched")
        // The new store works, and opening it again reports nothing.
        try store.save(sessionID: "s", state: Fixtures.state(), at: Fixtures.at(0))
        #expect(try scratch.open().recovery == nil)
        #expect(try scratch.open().session(id: "s") != nil)
    }

    @Test func aSecondDamagedStoreOnTheSameSecondGetsItsOwnName() throws {
        let scratch = try Scratch()
        let location = try scratch.location
        try FileManager.default.createDirectory(atPath: location.directory, withIntermediateDirectories: true)
        for _ in 0..<2 {
            try Data(repeating: 0xAB, count: 2048).write(to: URL(fileURLWithPath: location.path))
            _ = try scratch.open()
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: location.directory).filter { $0.contains("corrupt") }.sorted()
        // The second damaged file has the log the first new store left (persistent WAL): it goes with it.
        #expect(names == ["backchat.sqlite.corrupt-20250310T100000Z", "backchat.sqlite.corrupt-20250310T100000Z-2",
                          "backchat.sqlite.corrupt-20250310T100000Z-2-wal"])
    }

    @Test func aDatabaseDamagedInsideIsMovedAside() throws {
        let scratch = try Scratch()
        let location = try scratch.location
        do {
            let store = try scratch.open()
            for i in 0..<200 {
                try store.save(sessionID: "s\(i)", state: Fixtures.state(variables: ["text": .string(String(repeating: "x", count: 500))]), at: Fixtures.at(0))
            }
        }
        // Without its log (which would mask damaged pages), keep the header, overwrite pages in the middle.
        try FileManager.default.removeItem(atPath: location.path + "-wal")
        try FileManager.default.removeItem(atPath: location.path + "-shm")
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: location.path))
        try handle.seek(toOffset: 4096 * 3)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 4096 * 4))
        try handle.close()
        let store = try scratch.open()
        guard case .movedAside(_, let movedTo, let reason)? = store.recovery else {
            Issue.record("expected the store to be moved aside, got \(String(describing: store.recovery))")
            return
        }
        #expect(FileManager.default.fileExists(atPath: movedTo))
        #expect(!reason.isEmpty)
        #expect(try store.allSessionIDs().isEmpty, "a new, empty store")
    }

    @Test func theWriteAheadLogMovesAsideWithTheDatabase() throws {
        // (A damaged main file with a good log is read through the log by SQLite and is not
        // "damaged" at all; so both files are garbage here, and both must be kept.)
        let scratch = try Scratch()
        let path = scratch.path + "/x.sqlite"
        let database = Data(repeating: 0xAB, count: 8192), log = Data(repeating: 0xCD, count: 3000)
        try database.write(to: URL(fileURLWithPath: path))
        try log.write(to: URL(fileURLWithPath: path + "-wal"))
        try Data(repeating: 0, count: 100).write(to: URL(fileURLWithPath: path + "-shm"))

        let store = try ConversationStore(path: path, now: Fixtures.monday10am)
        let aside = path + ".corrupt-20250310T100000Z"
        #expect(store.recovery == .movedAside(path: path, movedTo: aside, reason: "file is not a database"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: aside)) == database)
        #expect(try Data(contentsOf: URL(fileURLWithPath: aside + "-wal")) == log, "the log goes with its database")
        #expect(try store.allSessionIDs().isEmpty, "a new, empty store")
        #expect(ConversationStore.storedFiles(store.location).contains(aside + "-wal"), "forget will find it")
    }
}
