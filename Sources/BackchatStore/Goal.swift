import BackchatEngine

/// An activity goal the person made: what, for how long, how often, when, and how sure they felt.
///
/// Goals are never edited in place. A check-in that adapts the goal records a new goal
/// (``Origin/adapted``) that points back to the one before it, so the history of how the
/// goal grew or shrank is kept for `/progress` and for the export.
public struct Goal: Sendable, Hashable, Codable {
    /// Where a goal came from.
    public enum Origin: String, Sendable, Hashable, Codable {
        /// Made by the person in a conversation.
        case conversation
        /// The next step chosen at a check-in (graded activity).
        case adapted
    }

    /// The store's id; `nil` until the goal is recorded.
    public var id: Int64?
    /// The activity in the person's words, e.g. "walking".
    public var activity: String
    /// Minutes each time, if the person gave a number.
    public var minutes: Int?
    /// How often, as the person chose it, e.g. "twice a week".
    public var frequency: String?
    /// How often as a number of days a week (1, 2, 3, 5 "most days", 7), when known.
    public var timesPerWeek: Int?
    /// When in the day, e.g. "in the morning".
    public var timeOfDay: String?
    /// How sure the person was of managing it, 0–10, if asked.
    public var confidence: Int?
    /// The day the goal was made.
    public var createdOn: CalendarDay
    public var origin: Origin
    /// The conversation it was made in, if any.
    public var sessionID: String?
    /// The goal this one replaced at a check-in.
    public var previousGoalID: Int64?

    public init(id: Int64? = nil, activity: String, minutes: Int? = nil, frequency: String? = nil,
                timesPerWeek: Int? = nil, timeOfDay: String? = nil, confidence: Int? = nil,
                createdOn: CalendarDay, origin: Origin = .conversation, sessionID: String? = nil,
                previousGoalID: Int64? = nil) {
        self.id = id; self.activity = activity; self.minutes = minutes
        self.frequency = frequency
        self.timesPerWeek = timesPerWeek ?? frequency.flatMap(Goal.timesPerWeek(describedBy:))
        self.timeOfDay = timeOfDay; self.confidence = confidence; self.createdOn = createdOn
        self.origin = origin; self.sessionID = sessionID; self.previousGoalID = previousGoalID
    }

    /// The goal in a sentence (English), e.g. "walking for 12 minutes, twice a week, in the morning".
    public var summary: String {
        var text = activity
        if let minutes { text += " for \(minutes) minute\(minutes == 1 ? "" : "s")" }
        if let frequency, !frequency.isEmpty { text += ", " + frequency }
        if let timeOfDay, !timeOfDay.isEmpty { text += ", " + timeOfDay }
        return text
    }

    /// Whether two goals ask the same of the person (activity, minutes, how often, when);
    /// ids, dates and confidence aside.
    public func asksTheSame(as other: Goal) -> Bool { fingerprint == other.fingerprint }

    /// The content that makes a goal the same goal, as stored in the `fingerprint` column.
    var fingerprint: String {
        [activity.lowercased(), minutes.map(String.init) ?? "", (frequency ?? "").lowercased(),
         timesPerWeek.map(String.init) ?? "", (timeOfDay ?? "").lowercased()].joined(separator: "\u{1F}")
    }

    /// The frequency steps graded activity moves along, in days a week.
    static let frequencySteps = [1, 2, 3, 5, 7]

    /// The words for a number of days a week, as the activity-goal dialog says them.
    public static func frequencyText(timesPerWeek n: Int) -> String {
        switch n {
        case 1: "once a week"
        case 2: "twice a week"
        case 5: "on most days"
        case 7: "every day"
        default: "\(n) times a week"
        }
    }

    /// Days a week for a frequency as the dialogs word it ("twice a week", "on most days").
    static func timesPerWeek(describedBy text: String) -> Int? {
        let t = text.lowercased()
        if t.contains("every day") || t.contains("daily") { return 7 }
        if t.contains("most days") { return 5 }
        if t.contains("once") { return 1 }
        if t.contains("twice") { return 2 }
        for n in 1...7 where t.contains("\(n) times") || t.contains("\(n) days") { return n }
        return nil
    }
}
