import BackchatEngine

/// How an activity goal went, as the person said at a check-in.
public enum CheckInOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Done, and it felt manageable: time to add a little.
    case metComfortably = "met-comfortably"
    /// Done, but it was hard: keep it as it is for another week.
    case metWithDifficulty = "met-hard"
    /// Done some of the time: make it a little smaller.
    case partly = "partly"
    /// Not done: make it smaller, so it becomes doable.
    case notDone = "not-done"

    /// The outcome in a few English words, for charts and the export.
    public var label: String {
        switch self {
        case .metComfortably: "met comfortably"
        case .metWithDifficulty: "met, but it was hard"
        case .partly: "partly done"
        case .notDone: "not done"
        }
    }

    /// A one-character mark for the `/progress` chart.
    public var mark: String {
        switch self {
        case .metComfortably: "●"
        case .metWithDifficulty: "◐"
        case .partly: "◔"
        case .notDone: "○"
        }
    }
}

/// One check-in on a goal: the day it was asked, the answer, and anything the person added.
public struct CheckIn: Sendable, Hashable, Codable {
    /// The store's id.
    public var id: Int64
    public var goalID: Int64
    public var day: CalendarDay
    public var outcome: CheckInOutcome
    /// The person's own words about how it went, if any.
    public var note: String?

    public init(id: Int64, goalID: Int64, day: CalendarDay, outcome: CheckInOutcome, note: String? = nil) {
        self.id = id; self.goalID = goalID; self.day = day; self.outcome = outcome; self.note = note
    }
}

/// What ``ConversationStore/recordCheckIn(goalID:outcome:day:note:adapting:)`` recorded.
public struct CheckInResult: Sendable, Hashable {
    /// The check-in as stored.
    public var checkIn: CheckIn
    /// The goal that was checked.
    public var goal: Goal
    /// The next goal (graded activity), now the current one; `nil` when not adapting.
    public var nextGoal: Goal?
    /// Whether the next goal asks more, the same, or less than the one checked.
    public var direction: GradedActivity.Direction
}
