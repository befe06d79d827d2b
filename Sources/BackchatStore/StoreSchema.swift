import GRDB

/// The database schema, as a list of migrations applied in order and never edited once shipped.
///
/// GRDB records the applied migrations by name in `grdb_migrations`; a store made by an older
/// Backchat gets only the ones it lacks. A store with a migration this version does not know was
/// written by a newer Backchat and is refused (``StoreError/newerSchema(path:unknown:)``).
enum StoreSchema {
    /// Every migration, oldest first.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: v1)
        migrator.registerMigration("v2", migrate: v2)
        return migrator
    }

    /// The names of the migrations this version knows.
    static var versions: [String] { migrator.migrations }

    /// v1: saved conversations.
    static func v1(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE session (
                id TEXT NOT NULL PRIMARY KEY,   -- the front end's session id
                state TEXT NOT NULL,            -- SessionState as JSON
                createdAt TEXT NOT NULL,        -- ISO 8601, from the caller's clock
                updatedAt TEXT NOT NULL,
                revision INTEGER NOT NULL       -- save order: the latest save has the highest
            );
            CREATE INDEX session_revision ON session(revision);
            """)
    }

    /// v2: activity goals and check-ins; the `ended` flag on sessions, filled from their state.
    static func v2(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE session ADD COLUMN ended INTEGER NOT NULL DEFAULT 0;
            UPDATE session SET ended = coalesce(json_extract(state, '$.ended'), 0) != 0;
            CREATE TABLE goal (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                activity TEXT NOT NULL,
                minutes INTEGER,
                frequency TEXT,
                timesPerWeek INTEGER,
                timeOfDay TEXT,
                confidence INTEGER,
                createdOn TEXT NOT NULL,        -- YYYY-MM-DD
                origin TEXT NOT NULL CHECK (origin IN ('conversation', 'adapted')),
                sessionID TEXT,                 -- no foreign key: deleting a conversation keeps its goals
                previousGoalID INTEGER REFERENCES goal(id) ON DELETE SET NULL,
                fingerprint TEXT NOT NULL       -- what the goal asks, to avoid recording it twice
            );
            CREATE INDEX goal_session ON goal(sessionID, fingerprint);
            CREATE TABLE checkIn (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                goalID INTEGER NOT NULL REFERENCES goal(id) ON DELETE CASCADE,
                day TEXT NOT NULL,              -- YYYY-MM-DD
                outcome TEXT NOT NULL CHECK (outcome IN ('met-comfortably', 'met-hard', 'partly', 'not-done')),
                note TEXT
            );
            CREATE INDEX checkIn_goal ON checkIn(goalID, day);
            """)
    }
}
