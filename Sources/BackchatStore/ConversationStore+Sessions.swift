import BackchatEngine
import Foundation
import GRDB

extension ConversationStore {
    /// Saves a conversation after a turn, with what the turn produced, in one transaction.
    ///
    /// Call it after every turn; when it returns, the turn survives a crash. Besides the
    /// session row (its ``SessionState`` as JSON, `updatedAt`, a save counter) it records:
    /// - the activity goal the conversation finished (``Goal/init(conversation:sessionID:createdOn:)``),
    ///   unless it is already stored (see ``recordGoal(_:)``) or is the goal carried into the
    ///   conversation (`goal_id`);
    /// - the answer to a check-in started with ``Goal/checkInVariables(asked:)``, once the
    ///   dialog has set `checkin_outcome`: the check-in and the next goal, as
    ///   ``recordCheckIn(goalID:outcome:day:note:adapting:)`` does. One check-in is recorded per
    ///   offer, however often the conversation is saved or resumed afterwards.
    ///
    /// Dialog variables that do not make sense (an unknown goal id, say) are ignored: they
    /// never make a save fail.
    /// - Parameters:
    ///   - sessionID: the front end's id for the conversation.
    ///   - at: the caller's clock; its day dates the goal or check-in.
    @discardableResult
    public func save(sessionID: String, state: SessionState, at time: Timestamp) throws(StoreError) -> SaveResult {
        let json: String
        do {
            json = String(decoding: try encoder.encode(state), as: UTF8.self)
        } catch {
            throw .badSession(id: sessionID, reason: "\(error)")
        }
        let variables = state.variables
        let goal = Goal(conversation: variables, sessionID: sessionID, createdOn: time.day)
        let carriedGoalID = Self.id(variables[Goal.Variable.id])
        let answer = PendingCheckIn(variables)
        return try write { db in
            try db.execute(sql: """
                INSERT INTO session (id, state, createdAt, updatedAt, revision, ended)
                VALUES (?, ?, ?, ?, (SELECT coalesce(max(revision), 0) + 1 FROM session), ?)
                ON CONFLICT(id) DO UPDATE SET
                    state = excluded.state, updatedAt = excluded.updatedAt,
                    revision = excluded.revision, ended = excluded.ended
                """, arguments: [sessionID, json, time.iso, time.iso, state.ended])
            var result = SaveResult()
            if let answer, try answer.isNew(db) {
                result.checkIn = try Self.insertCheckIn(db, goalID: answer.goalID, outcome: answer.outcome,
                                                        day: max(time.day, answer.asked), note: answer.note, adapting: true)
            }
            if let goal {
                if let carriedGoalID, let carried = try Self.fetchGoals(db, "WHERE id = ?", [carriedGoalID]).first,
                   carried.asksTheSame(as: goal) {
                    return result
                }
                let (stored, isNew) = try Self.insertGoal(goal, db)
                if isNew { result.newGoal = stored }
            }
            return result
        }
    }

    /// A check-in answer found in a conversation's variables.
    struct PendingCheckIn {
        var goalID: Int64
        var asked: CalendarDay
        var outcome: CheckInOutcome
        var note: String?

        init?(_ variables: [String: Value]) {
            guard let goalID = ConversationStore.id(variables[Goal.CheckInVariable.goal]),
                  let askedText = variables[Goal.CheckInVariable.asked]?.text, let asked = CalendarDay(iso: askedText),
                  let outcomeText = variables[Goal.CheckInVariable.outcome]?.text,
                  let outcome = CheckInOutcome(dialogValue: outcomeText) else { return nil }
            self.goalID = goalID; self.asked = asked; self.outcome = outcome
            self.note = variables[Goal.CheckInVariable.note]?.text
        }

        /// Whether the goal exists and has no check-in on or after the day this one was asked.
        func isNew(_ db: Database) throws -> Bool {
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM goal WHERE id = ?", arguments: [goalID]) == 1 else { return false }
            let later = try Int.fetchOne(db, sql: "SELECT count(*) FROM checkIn WHERE goalID = ? AND day >= ?",
                                         arguments: [goalID, asked.iso]) ?? 0
            return later == 0
        }
    }

    /// A whole positive number stored by a dialog, as an id.
    static func id(_ value: Value?) -> Int64? {
        guard case .number(let n)? = value, n.isFinite, n >= 1, n < 9e15, n == n.rounded() else { return nil }
        return Int64(n)
    }

    /// The conversation saved with this id, if any.
    public func session(id: String) throws(StoreError) -> StoredSession? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM session WHERE id = ?", arguments: [id]).map(storedSession)
        }
    }

    /// The most recently saved conversation (by save order, not by clock), for "continue
    /// where you left off". Ended conversations are skipped unless `includingEnded`.
    public func latestSession(includingEnded: Bool = false) throws(StoreError) -> StoredSession? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM session \(includingEnded ? "" : "WHERE ended = 0") ORDER BY revision DESC LIMIT 1
                """).map(storedSession)
        }
    }

    /// Every saved conversation's id, oldest save first (for `serve --store` to restore its sessions).
    public func allSessionIDs(includingEnded: Bool = true) throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(db, sql: """
                SELECT id FROM session \(includingEnded ? "" : "WHERE ended = 0") ORDER BY revision
                """)
        }
    }

    /// Deletes a saved conversation (its goals and check-ins stay). Returns whether it existed.
    @discardableResult
    public func deleteSession(id: String) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM session WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// Decodes a `session` row (inside a database access, so errors are mapped there).
    func storedSession(_ row: Row) throws -> StoredSession {
        let id: String = try row.decode(forColumn: "id")
        let json: String = try row.decode(forColumn: "state")
        let state: SessionState
        do {
            state = try decoder.decode(SessionState.self, from: Data(json.utf8))
        } catch {
            throw StoreError.badSession(id: id, reason: "\(error)")
        }
        let created: String = try row.decode(forColumn: "createdAt")
        let updated: String = try row.decode(forColumn: "updatedAt")
        guard let createdAt = Timestamp(iso: created), let updatedAt = Timestamp(iso: updated) else {
            throw StoreError.badSession(id: id, reason: "bad timestamps '\(created)', '\(updated)'")
        }
        return StoredSession(id: id, state: state, createdAt: createdAt, updatedAt: updatedAt)
    }
}
