import BackchatEngine
import GRDB

extension ConversationStore {
    /// Records an activity goal; it becomes the current goal.
    ///
    /// A goal that asks the same as the current goal (``Goal/asksTheSame(as:)``), or that the
    /// same conversation already recorded, is not stored twice: the stored one is returned.
    /// (So saving a conversation after every turn records its goal once, and resuming an old
    /// conversation does not bring back a goal that has since been adapted.)
    /// - Returns: the goal as stored, with its id.
    @discardableResult
    public func recordGoal(_ goal: Goal) throws(StoreError) -> Goal {
        try write { db in try Self.insertGoal(goal, db).goal }
    }

    /// The goal with this id.
    public func goal(id: Int64) throws(StoreError) -> Goal? {
        try read { db in try Self.fetchGoals(db, "WHERE id = ?", [id]).first }
    }

    /// The goal the person is working on: the one recorded last.
    public func currentGoal() throws(StoreError) -> Goal? {
        try read { db in try Self.fetchGoals(db, "ORDER BY id DESC LIMIT 1").first }
    }

    /// Every goal, in the order they were recorded.
    public func goals() throws(StoreError) -> [Goal] {
        try read { db in try Self.fetchGoals(db, "ORDER BY id") }
    }

    /// The check-ins on one goal, or on all goals, oldest first.
    public func checkIns(goalID: Int64? = nil) throws(StoreError) -> [CheckIn] {
        try read { db in
            if let goalID { return try Self.fetchCheckIns(db, "WHERE goalID = ? ORDER BY day, id", [goalID]) }
            return try Self.fetchCheckIns(db, "ORDER BY day, id")
        }
    }

    /// The current goal if it is time to ask how it went, else `nil`.
    ///
    /// The rule (``GradedActivity/isCheckInDue(goal:lastCheckIn:today:)``): `today` is at least
    /// 6 days after the goal's last check-in, or after the day it was made if it has none.
    /// Only the current goal is asked about; a goal replaced by a newer one is history.
    public func dueCheckIn(today: CalendarDay) throws(StoreError) -> Goal? {
        try read { db in
            guard let goal = try Self.fetchGoals(db, "ORDER BY id DESC LIMIT 1").first, let id = goal.id else { return nil }
            let last = try String.fetchOne(db, sql: "SELECT max(day) FROM checkIn WHERE goalID = ?", arguments: [id])
                .flatMap(CalendarDay.init(iso:))
            return GradedActivity.isCheckInDue(goal: goal, lastCheckIn: last, today: today) ? goal : nil
        }
    }

    /// Records how a goal went and, with `adapting`, the next goal (graded activity), in one transaction.
    ///
    /// The next goal is ``GradedActivity/next(after:outcome:on:)``: a little more after a
    /// comfortable week, the same after a hard one (then no new goal is stored: the check-in
    /// itself restarts the 6-day wait), smaller after a week that went partly or not at all.
    /// - Parameters:
    ///   - day: the day of the check-in (the caller's "today").
    ///   - note: the person's own words about how it went, kept for them and their clinician.
    /// - Throws: ``StoreError/unknownGoal(_:)`` when no goal has `goalID`.
    @discardableResult
    public func recordCheckIn(goalID: Int64, outcome: CheckInOutcome, day: CalendarDay, note: String? = nil,
                              adapting: Bool = true) throws(StoreError) -> CheckInResult {
        try write { db in
            try Self.insertCheckIn(db, goalID: goalID, outcome: outcome, day: day, note: note, adapting: adapting)
        }
    }

    /// The goal that would follow `goal` after `outcome` (not stored). See ``GradedActivity/next(after:outcome:on:)``.
    public func adapted(goal: Goal, outcome: CheckInOutcome, on day: CalendarDay) -> Goal {
        GradedActivity.next(after: goal, outcome: outcome, on: day).goal
    }

    /// Goals and check-ins for the `weeks` calendar weeks up to and including today's, for `/progress`
    /// (draw it with ``ProgressChart/render(_:style:)``).
    public func progress(weeks: Int, today: CalendarDay) throws(StoreError) -> ActivityProgress {
        let (goals, checkIns) = try read { db in
            (try Self.fetchGoals(db, "ORDER BY id"), try Self.fetchCheckIns(db, "ORDER BY day, id"))
        }
        return ActivityProgress(goals: goals, checkIns: checkIns, weeks: weeks, today: today)
    }

    // MARK: - Rows

    /// Records a check-in and, with `adapting`, the next goal (inside a write transaction).
    static func insertCheckIn(_ db: Database, goalID: Int64, outcome: CheckInOutcome, day: CalendarDay,
                              note: String?, adapting: Bool) throws -> CheckInResult {
        guard let goal = try fetchGoals(db, "WHERE id = ?", [goalID]).first else {
            throw StoreError.unknownGoal(goalID)
        }
        let trimmed = note?.trimmingWhitespace
        let text = trimmed?.isEmpty == false ? trimmed : nil
        try db.execute(sql: "INSERT INTO checkIn (goalID, day, outcome, note) VALUES (?, ?, ?, ?)",
                       arguments: [goalID, day.iso, outcome.rawValue, text])
        let checkIn = CheckIn(id: db.lastInsertedRowID, goalID: goalID, day: day, outcome: outcome, note: text)
        guard adapting else { return CheckInResult(checkIn: checkIn, goal: goal, nextGoal: nil, direction: .same) }
        let (candidate, direction) = GradedActivity.next(after: goal, outcome: outcome, on: day)
        let next = try insertGoal(candidate, db).goal
        return CheckInResult(checkIn: checkIn, goal: goal, nextGoal: next, direction: direction)
    }

    /// Inserts `goal` unless it repeats the current goal or one its conversation already recorded.
    static func insertGoal(_ goal: Goal, _ db: Database) throws -> (goal: Goal, isNew: Bool) {
        if let current = try fetchGoals(db, "ORDER BY id DESC LIMIT 1").first, current.asksTheSame(as: goal) {
            return (current, false)
        }
        if goal.origin == .conversation, let session = goal.sessionID,
           let earlier = try fetchGoals(db, "WHERE sessionID = ? AND fingerprint = ? AND origin = 'conversation' ORDER BY id DESC LIMIT 1",
                                        [session, goal.fingerprint]).first {
            return (earlier, false)
        }
        try db.execute(sql: """
            INSERT INTO goal (activity, minutes, frequency, timesPerWeek, timeOfDay, confidence, createdOn,
                              origin, sessionID, previousGoalID, fingerprint)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [goal.activity, goal.minutes, goal.frequency, goal.timesPerWeek, goal.timeOfDay,
                             goal.confidence, goal.createdOn.iso, goal.origin.rawValue, goal.sessionID,
                             goal.previousGoalID, goal.fingerprint])
        var stored = goal
        stored.id = db.lastInsertedRowID
        return (stored, true)
    }

    static func fetchGoals(_ db: Database, _ clause: String, _ arguments: StatementArguments = []) throws -> [Goal] {
        try Row.fetchAll(db, sql: "SELECT * FROM goal " + clause, arguments: arguments).map { row in
            let created: String = try row.decode(forColumn: "createdOn")
            guard let day = CalendarDay(iso: created) else {
                throw BadRow(message: "a goal has a bad day '\(created)'")
            }
            let origin: String = try row.decode(forColumn: "origin")
            return Goal(id: try row.decode(forColumn: "id"), activity: try row.decode(forColumn: "activity"),
                        minutes: try row.decode(forColumn: "minutes"), frequency: try row.decode(forColumn: "frequency"),
                        timesPerWeek: try row.decode(forColumn: "timesPerWeek"), timeOfDay: try row.decode(forColumn: "timeOfDay"),
                        confidence: try row.decode(forColumn: "confidence"), createdOn: day,
                        origin: Goal.Origin(rawValue: origin) ?? .conversation,
                        sessionID: try row.decode(forColumn: "sessionID"),
                        previousGoalID: try row.decode(forColumn: "previousGoalID"))
        }
    }

    static func fetchCheckIns(_ db: Database, _ clause: String, _ arguments: StatementArguments = []) throws -> [CheckIn] {
        try Row.fetchAll(db, sql: "SELECT * FROM checkIn " + clause, arguments: arguments).map { row in
            let dayText: String = try row.decode(forColumn: "day")
            let outcomeText: String = try row.decode(forColumn: "outcome")
            guard let day = CalendarDay(iso: dayText), let outcome = CheckInOutcome(rawValue: outcomeText) else {
                throw BadRow(message: "a check-in has a bad day or outcome '\(dayText)', '\(outcomeText)'")
            }
            return CheckIn(id: try row.decode(forColumn: "id"), goalID: try row.decode(forColumn: "goalID"),
                           day: day, outcome: outcome, note: try row.decode(forColumn: "note"))
        }
    }
}

/// A stored row that cannot be read back (edited by hand, say); reported as ``StoreError/database(path:reason:)``.
struct BadRow: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
