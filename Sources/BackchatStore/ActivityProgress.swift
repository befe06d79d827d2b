import BackchatEngine

/// Goals and check-ins over the past weeks, one entry per calendar week (Monday to Sunday).
///
/// Built from the stored goals and check-ins by a pure function, then drawn by ``ProgressChart``.
public struct ActivityProgress: Sendable, Hashable {
    /// One calendar week.
    public struct Week: Sendable, Hashable {
        /// The Monday the week starts on.
        public var start: CalendarDay
        /// The Sunday it ends on.
        public var end: CalendarDay
        /// The goal in force at the end of the week (or today, for the current week).
        public var goal: Goal?
        /// The check-ins made during the week, oldest first.
        public var checkIns: [CheckIn]
    }

    /// Oldest first; the last one is the week containing ``today``.
    public var weeks: [Week]
    public var today: CalendarDay

    /// The most weeks a progress view covers (a year).
    public static let maximumWeeks = 53

    /// Progress for the `weeks` calendar weeks up to and including the one with `today`.
    ///
    /// `goals` in the order they were recorded (a later goal replaces an earlier one).
    public init(goals: [Goal], checkIns: [CheckIn], weeks: Int, today: CalendarDay) {
        self.today = today
        let count = min(max(weeks, 1), Self.maximumWeeks)
        let monday = Self.monday(of: today)
        self.weeks = (0..<count).reversed().map { back in
            let start = CalendarDay(ordinal: monday.ordinal - 7 * back)
            let end = CalendarDay(ordinal: start.ordinal + 6)
            let asOf = min(end, today)
            let goal = goals.last { $0.createdOn <= asOf }
            let inWeek = checkIns.filter { $0.day >= start && $0.day <= end }
                .sorted { ($0.day, $0.id) < ($1.day, $1.id) }
            return Week(start: start, end: end, goal: goal, checkIns: inWeek)
        }
    }

    /// Whether any week has a goal or a check-in.
    public var isEmpty: Bool { weeks.allSatisfy { $0.goal == nil && $0.checkIns.isEmpty } }

    /// The Monday on or before `day` (1970-01-01, ordinal 0, was a Thursday).
    public static func monday(of day: CalendarDay) -> CalendarDay {
        let weekday = ((day.ordinal + 3) % 7 + 7) % 7 // 0 = Monday
        return CalendarDay(ordinal: day.ordinal - weekday)
    }
}
