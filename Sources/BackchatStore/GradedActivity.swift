import BackchatEngine

/// Graded activity: the rules for when to ask about a goal and how to adapt it.
///
/// Pure functions of their inputs (no store, no clock), so the table of answers is easy to
/// test and to explain (`docs/storage.md`). The idea, from pacing and graded-activity
/// programmes for chronic back pain: build up by small, planned steps that do not depend on
/// how the pain feels on the day; hold when it was hard; step down to a doable size after a
/// week that did not work, rather than give up.
public enum GradedActivity {
    /// Whether the next goal asks more, the same, or less.
    public enum Direction: String, Sendable, Hashable, Codable {
        case more, same, less
    }

    /// Days after the goal was made, or last checked, before the assistant asks how it went.
    ///
    /// Six, not seven: a goal made on a Monday is asked about from the next Sunday, so a
    /// person who comes back "about a week later" is asked, not made to wait a day.
    public static let checkInInterval = 6

    /// Fewest minutes a goal is reduced to. A goal already below it is never raised by a reduction.
    public static let minimumMinutes = 2
    /// Most minutes a goal grows to (the activity-goal dialog accepts at most 240).
    public static let maximumMinutes = 240
    /// The growth after a comfortable week: 15 % of the minutes, at least 1 and at most 5.
    static let growthRate = 0.15
    static let growthRange = 1...5
    /// The share of the minutes kept after a week that went partly, or not at all.
    static let partlyFactor = 0.8
    static let notDoneFactor = 0.6

    /// Whether a goal is due for a check-in: `today` is at least ``checkInInterval`` days after
    /// the goal's last check-in, or after the day it was made if it has none.
    public static func isCheckInDue(goal: Goal, lastCheckIn: CalendarDay?, today: CalendarDay) -> Bool {
        let since = max(lastCheckIn ?? goal.createdOn, goal.createdOn)
        return today.ordinal - since.ordinal >= checkInInterval
    }

    /// The next goal after a check-in.
    ///
    /// | outcome              | minutes                                   |
    /// |----------------------|-------------------------------------------|
    /// | met comfortably      | + 15 % (at least 1, at most 5), ≤ 240     |
    /// | met, but it was hard | the same                                  |
    /// | partly               | 80 %, not below 2                         |
    /// | not done             | 60 %, not below 2                         |
    ///
    /// Without minutes, or where minutes cannot move (at the floor or the ceiling), the
    /// frequency moves one step instead along once → twice → 3 times → most days → every day.
    /// The new goal is made on `day`, keeps the activity and time of day, and points back to `goal`.
    public static func next(after goal: Goal, outcome: CheckInOutcome, on day: CalendarDay) -> (goal: Goal, direction: Direction) {
        var next = goal
        next.id = nil
        next.createdOn = day
        next.origin = .adapted
        next.previousGoalID = goal.id
        next.confidence = nil
        var direction = Direction.same
        switch outcome {
        case .metWithDifficulty:
            break
        case .metComfortably:
            if let m = goal.minutes, m < maximumMinutes {
                let step = min(max(Int((Double(m) * growthRate).rounded()), growthRange.lowerBound), growthRange.upperBound)
                next.minutes = min(m + step, maximumMinutes)
                direction = .more
            } else if let more = step(goal.timesPerWeek, by: 1) {
                next.timesPerWeek = more; next.frequency = Goal.frequencyText(timesPerWeek: more)
                direction = .more
            }
        case .partly, .notDone:
            let factor = outcome == .partly ? partlyFactor : notDoneFactor
            if let m = goal.minutes, m > minimumMinutes {
                next.minutes = max(Int((Double(m) * factor).rounded()), minimumMinutes)
                direction = .less
            } else if let fewer = step(goal.timesPerWeek, by: -1) {
                next.timesPerWeek = fewer; next.frequency = Goal.frequencyText(timesPerWeek: fewer)
                direction = .less
            }
        }
        return (next, direction)
    }

    /// The frequency one step up or down, or `nil` at either end or when unknown.
    static func step(_ times: Int?, by delta: Int) -> Int? {
        guard let times else { return nil }
        let steps = Goal.frequencySteps
        if delta > 0 { return steps.first { $0 > times } }
        return steps.last { $0 < times }
    }
}
