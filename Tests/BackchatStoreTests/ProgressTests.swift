import BackchatEngine
import BackchatStore
import Foundation
import Testing

@Suite("Store: progress chart")
struct ProgressTests {
    /// Four weeks: a goal made on Monday 3 March, comfortable, then hard, then a week with no check-in.
    func store(_ scratch: borrowing Scratch) throws -> ConversationStore {
        let store = try scratch.open()
        let start = Fixtures.day(-7) // Monday 2025-03-03
        let goal = try store.recordGoal(Goal(activity: "walking", minutes: 10, frequency: "3 times a week", createdOn: start))
        let first = try store.recordCheckIn(goalID: try #require(goal.id), outcome: .metComfortably, day: Fixtures.day(0))
        let second = try #require(first.nextGoal)
        _ = try store.recordCheckIn(goalID: try #require(second.id), outcome: .metWithDifficulty, day: Fixtures.day(7),
                                    note: "sore on Thursday")
        return store
    }

    @Test func weeksRunMondayToSundayAndCarryTheGoalInForce() throws {
        let scratch = try Scratch()
        let progress = try store(scratch).progress(weeks: 4, today: Fixtures.day(16)) // Wednesday 2025-03-26
        #expect(progress.weeks.map(\.start.iso) == ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24"])
        #expect(progress.weeks.map(\.end.iso) == ["2025-03-09", "2025-03-16", "2025-03-23", "2025-03-30"])
        #expect(progress.weeks.map { $0.goal?.minutes } == [10, 12, 12, 12])
        #expect(progress.weeks.map { $0.checkIns.map(\.outcome) } == [[], [.metComfortably], [.metWithDifficulty], []])
        #expect(ActivityProgress.monday(of: CalendarDay(year: 2025, month: 3, day: 16)).iso == "2025-03-10", "Sunday → its Monday")
    }

    @Test func theChartShowsOneRowPerWeek() throws {
        let scratch = try Scratch()
        let progress = try store(scratch).progress(weeks: 5, today: Fixtures.day(16))
        #expect(ProgressChart.render(progress) == """
            Your activity goal over the last 5 weeks (● = a check-in)
            2025-02-24  no goal yet
            2025-03-03  walking      10 min █████████████████
            2025-03-10  walking      12 min ████████████████████  ● met comfortably
            2025-03-17  walking      12 min ████████████████████  ◐ met, but it was hard
            2025-03-24  walking      12 min ████████████████████
            ● met comfortably   ◐ met, but it was hard   ◔ partly done   ○ not done
            """)
    }

    @Test func thePlainStyleSaysItInSentences() throws {
        let scratch = try Scratch()
        let progress = try store(scratch).progress(weeks: 2, today: Fixtures.day(7))
        #expect(ProgressChart.render(progress, style: .plain) == """
            Your activity goal over the last 2 weeks.
            Week of 2025-03-10: walking, 12 minutes, 3 times a week; check-in: met comfortably.
            Week of 2025-03-17: walking, 12 minutes, 3 times a week; check-in: met, but it was hard.
            """)
    }

    @Test func withNoGoalItSaysSo() throws {
        let scratch = try Scratch()
        let progress = try scratch.open().progress(weeks: 4, today: Fixtures.monday)
        #expect(progress.isEmpty)
        #expect(ProgressChart.render(progress) == "No activity goal has been set yet. Once you make one, your weeks will show here.")
    }
}
