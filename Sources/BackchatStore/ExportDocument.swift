import BackchatEngine

/// Everything in the store, in the shape `backchat export` writes: readable by a person and
/// a clinician, stable for programs (`format` and `formatVersion`).
struct ExportDocument: Encodable {
    var about = "Everything Backchat has stored on this computer about your conversations and activity goals. "
        + "Backchat is a self-management tool, not a medical record; dates are as your computer gave them."
    var format = "backchat-export"
    var formatVersion = 1
    var exportedAt: Timestamp?
    var store: String
    var schema: [String]
    var sessions: [Session]
    var goals: [GoalEntry]

    /// One saved conversation: the answers given and where it stopped.
    struct Session: Encodable {
        var id: String
        var started: Timestamp
        var lastSaved: Timestamp
        var locale: String
        var region: String?
        var dialogsVersion: String
        var turns: Int
        var finished: Bool
        /// `flow.node` of the question waiting for an answer, if any.
        var waitingAt: String?
        /// Every variable the conversation collected (answers, and flags such as `goal_set`).
        var answers: [String: Value]

        init(_ s: StoredSession) {
            id = s.id; started = s.createdAt; lastSaved = s.updatedAt
            locale = s.state.locale; region = s.state.region; dialogsVersion = s.state.dialogsVersion
            turns = s.state.turns; finished = s.state.ended
            waitingAt = s.state.position.map { "\($0.flow).\($0.node)" }
            answers = s.state.variables
        }
    }

    /// One activity goal and its check-ins.
    struct GoalEntry: Encodable {
        var id: Int64?
        var summary: String
        var activity: String
        var minutes: Int?
        var frequency: String?
        var timesPerWeek: Int?
        var timeOfDay: String?
        var confidence: Int?
        var createdOn: String
        var madeIn: String
        var session: String?
        var previousGoal: Int64?
        var checkIns: [CheckInEntry]

        init(_ g: Goal, checkIns: [CheckIn]) {
            id = g.id; summary = g.summary; activity = g.activity; minutes = g.minutes
            frequency = g.frequency; timesPerWeek = g.timesPerWeek; timeOfDay = g.timeOfDay
            confidence = g.confidence; createdOn = g.createdOn.iso
            madeIn = g.origin == .conversation ? "conversation" : "adapted at a check-in"
            session = g.sessionID; previousGoal = g.previousGoalID
            self.checkIns = checkIns.map(CheckInEntry.init)
        }
    }

    /// One check-in: the day, the answer (code and words) and the person's note.
    struct CheckInEntry: Encodable {
        var day: String
        var outcome: String
        var meaning: String
        var note: String?

        init(_ c: CheckIn) {
            day = c.day.iso; outcome = c.outcome.rawValue; meaning = c.outcome.label; note = c.note
        }
    }
}
