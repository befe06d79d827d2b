import BackchatEngine
import BackchatStore
import Foundation
import Testing

@Suite("Store: activity goals and check-ins")
struct GoalStoreTests {
    @Test func aGoalIsReadFromTheConversationVariables() throws {
        let goal = try #require(Goal(conversation: Fixtures.goalVariables, sessionID: "s", createdOn: Fixtures.monday))
        #expect(goal.activity == "walking")
        #expect(goal.minutes == 10)
        #expect(goal.frequency == "3 times a week")
        #expect(goal.timesPerWeek == 3)
        #expect(goal.timeOfDay == "in the morning")
        #expect(goal.confidence == 8)
        #expect(goal.createdOn == Fixtures.monday)
        #expect(goal.summary == "walking for 10 minutes, 3 times a week, in the morning")
        var unfinished = Fixtures.goalVariables
        unfinished["goal_set"] = nil
        #expect(Goal(conversation: unfinished, sessionID: "s", createdOn: Fixtures.monday) == nil, "only a finished goal counts")
        // And back into variables for a new conversation.
        let carried = goal.conversationVariables
        #expect(carried["goal_minutes"] == .number(10))
        #expect(carried["goal_created"] == .string("2025-03-10"))
        #expect(Goal(conversation: carried, sessionID: nil, createdOn: Fixtures.monday)?.asksTheSame(as: goal) == true)
    }

    @Test func savingAConversationRecordsItsGoalOnce() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        let state = Fixtures.state(variables: Fixtures.goalVariables)
        let first = try store.save(sessionID: "s", state: state, at: Fixtures.at(0)).newGoal
        #expect(first?.activity == "walking", "the save that finished the goal returns it")
        #expect(try store.save(sessionID: "s", state: state, at: Fixtures.at(0)) == SaveResult(), "later saves do not repeat it")
        #expect(try store.goals().count == 1)
        #expect(try store.currentGoal()?.sessionID == "s")
        #expect(try store.save(sessionID: "s", state: Fixtures.state(), at: Fixtures.at(0)) == SaveResult(), "no goal, nothing recorded")
    }

    @Test func aCheckInAWeekLaterAdaptsTheGoal() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        try store.save(sessionID: "s", state: Fixtures.state(variables: Fixtures.goalVariables), at: Fixtures.at(0))
        #expect(try store.dueCheckIn(today: Fixtures.day(0)) == nil)
        #expect(try store.dueCheckIn(today: Fixtures.day(5)) == nil, "5 days: not yet")
        let due = try #require(try store.dueCheckIn(today: Fixtures.day(6)), "6 days: ask")
        #expect(try store.dueCheckIn(today: Fixtures.day(30))?.id == due.id, "still due until answered")

        let goalID = try #require(due.id)
        let result = try store.recordCheckIn(goalID: goalID, outcome: .metComfortably, day: Fixtures.day(7),
                                             note: "  easier than I thought  ")
        #expect(result.checkIn.note == "easier than I thought")
        #expect(result.direction == .more)
        let next = try #require(result.nextGoal)
        #expect(next.minutes == 12)
        #expect(next.origin == .adapted)
        #expect(next.previousGoalID == goalID)
        #expect(next.createdOn == Fixtures.day(7))
        #expect(try store.currentGoal() == next)
        #expect(try store.dueCheckIn(today: Fixtures.day(12)) == nil, "the new goal waits its own 6 days")
        #expect(try store.dueCheckIn(today: Fixtures.day(13))?.id == next.id)
        #expect(try store.checkIns(goalID: goalID).map(\.outcome) == [.metComfortably])
    }

    @Test func aHardWeekKeepsTheSameGoalAndRestartsTheWait() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        let goal = try store.recordGoal(Goal(activity: "swimming", minutes: 20, frequency: "twice a week", createdOn: Fixtures.monday))
        let id = try #require(goal.id)
        let result = try store.recordCheckIn(goalID: id, outcome: .metWithDifficulty, day: Fixtures.day(6))
        #expect(result.direction == .same)
        #expect(result.nextGoal == goal, "the same goal, not a copy")
        #expect(try store.goals().count == 1)
        #expect(try store.dueCheckIn(today: Fixtures.day(11)) == nil)
        #expect(try store.dueCheckIn(today: Fixtures.day(12)) == goal)
    }

    @Test func resumingAnOldConversationDoesNotBringBackAnAdaptedGoal() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        let state = Fixtures.state(variables: Fixtures.goalVariables)
        let original = try #require(try store.save(sessionID: "s", state: state, at: Fixtures.at(0)).newGoal)
        let result = try store.recordCheckIn(goalID: try #require(original.id), outcome: .notDone, day: Fixtures.day(7))
        #expect(result.nextGoal?.minutes == 6)
        // The old conversation is resumed and saved again with its old variables.
        #expect(try store.save(sessionID: "s", state: state, at: Fixtures.at(8)).newGoal == nil)
        #expect(try store.currentGoal()?.minutes == 6)
        // A conversation started with the current goal carried in does not duplicate it either.
        let carried = Fixtures.state(variables: try #require(try store.currentGoal()).conversationVariables)
        #expect(try store.save(sessionID: "t", state: carried, at: Fixtures.at(8)).newGoal == nil)
        #expect(try store.goals().count == 2)
    }

    @Test func aNewGoalReplacesTheCurrentOne() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        try store.save(sessionID: "s", state: Fixtures.state(variables: Fixtures.goalVariables), at: Fixtures.at(0))
        var yoga = Fixtures.goalVariables
        yoga["goal_activity"] = .string("yoga or pilates")
        yoga["goal_minutes"] = .number(15)
        let made = try store.save(sessionID: "s", state: Fixtures.state(variables: yoga), at: Fixtures.at(2)).newGoal
        #expect(made?.activity == "yoga or pilates")
        #expect(try store.currentGoal()?.activity == "yoga or pilates")
        #expect(try store.dueCheckIn(today: Fixtures.day(7)) == nil, "asked about 6 days after the newer goal")
        #expect(try store.dueCheckIn(today: Fixtures.day(8))?.activity == "yoga or pilates")
    }

    @Test func aCheckInOnAnUnknownGoalIsAnError() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        #expect(throws: StoreError.unknownGoal(42)) {
            try store.recordCheckIn(goalID: 42, outcome: .partly, day: Fixtures.monday)
        }
        #expect(try store.checkIns().isEmpty, "nothing half-written")
    }

    @Test func aCheckInWithoutAdaptingRecordsOnlyTheAnswer() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        let goal = try store.recordGoal(Goal(activity: "walking", minutes: 10, createdOn: Fixtures.monday))
        let result = try store.recordCheckIn(goalID: try #require(goal.id), outcome: .partly, day: Fixtures.day(6), adapting: false)
        #expect(result.nextGoal == nil)
        #expect(try store.currentGoal() == goal)
        #expect(try store.dueCheckIn(today: Fixtures.day(11)) == nil, "the check-in restarts the wait")
    }

    /// The whole loop as the front ends run it: a goal made in one conversation, a check-in
    /// conversation a week later, everything recorded by the ordinary save after each turn.
    @Test func aCheckInConversationIsRecordedByTheSaveAfterItsTurn() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        try store.save(sessionID: "first", state: Fixtures.state(variables: Fixtures.goalVariables), at: Fixtures.at(0))

        let today = Fixtures.day(7)
        let due = try #require(try store.dueCheckIn(today: today))
        var variables = due.checkInVariables(asked: today)
        #expect(variables["checkin_goal"] == .number(Double(try #require(due.id))))
        #expect(variables["checkin_asked"] == .string("2025-03-17"))
        #expect(variables["goal_next_met_comfortably"] == .string("walking for 12 minutes, 3 times a week, in the morning"))
        #expect(variables["goal_next_met_hard"] == .string("walking for 10 minutes, 3 times a week, in the morning"))
        #expect(variables["goal_next_partly"] == .string("walking for 8 minutes, 3 times a week, in the morning"))
        #expect(variables["goal_next_not_done"] == .string("walking for 6 minutes, 3 times a week, in the morning"))

        // The question is waiting: saves record nothing yet.
        #expect(try store.save(sessionID: "second", state: Fixtures.state(variables: variables), at: Fixtures.at(7)) == SaveResult())
        // The person answers; the dialog stores the choice key (underscores are fine).
        variables["checkin_outcome"] = .string("met_comfortably")
        variables["checkin_note"] = .string("walked to the shops")
        let answered = try store.save(sessionID: "second", state: Fixtures.state(variables: variables), at: Fixtures.at(7, hour: 11))
        let checkIn = try #require(answered.checkIn)
        #expect(checkIn.checkIn.outcome == .metComfortably)
        #expect(checkIn.checkIn.note == "walked to the shops")
        #expect(checkIn.checkIn.day == today)
        #expect(checkIn.nextGoal?.minutes == 12)
        #expect(answered.newGoal == nil, "the goal carried in is not recorded again")

        // Later saves of that conversation, now or resumed days later, change nothing.
        #expect(try store.save(sessionID: "second", state: Fixtures.state(variables: variables), at: Fixtures.at(7, hour: 12)) == SaveResult())
        #expect(try store.save(sessionID: "second", state: Fixtures.state(variables: variables), at: Fixtures.at(15)) == SaveResult())
        #expect(try store.checkIns().count == 1)
        #expect(try store.currentGoal()?.minutes == 12, "the old goal's variables do not undo the adaptation")

        // A week on, the adapted goal is due and its own check-in is recorded.
        let next = try #require(try store.dueCheckIn(today: Fixtures.day(14)))
        var again = next.checkInVariables(asked: Fixtures.day(14))
        again["checkin_outcome"] = .string("partly")
        let third = try store.save(sessionID: "third", state: Fixtures.state(variables: again), at: Fixtures.at(14))
        #expect(third.checkIn?.nextGoal?.minutes == 10)
        #expect(try store.checkIns().map(\.outcome) == [.metComfortably, .partly])
    }

    @Test func nonsenseCheckInVariablesNeverFailASave() throws {
        let scratch = try Scratch()
        let store = try scratch.open()
        let odd: [[String: Value]] = [
            ["checkin_goal": .number(99), "checkin_asked": .string("2025-03-10"), "checkin_outcome": .string("partly")],
            ["checkin_goal": .number(1.5), "checkin_asked": .string("2025-03-10"), "checkin_outcome": .string("partly")],
            ["checkin_goal": .string("one"), "checkin_asked": .string("soon"), "checkin_outcome": .string("great")],
            ["goal_id": .number(-4), "goal_set": .bool(true), "goal_activity": .string("   ")],
        ]
        for variables in odd {
            #expect(try store.save(sessionID: "s", state: Fixtures.state(variables: variables), at: Fixtures.at(0)) == SaveResult())
        }
        #expect(try store.checkIns().isEmpty)
        #expect(try store.goals().isEmpty)
    }
}

@Suite("Graded activity")
struct GradedActivityTests {
    /// (minutes, outcome) → next minutes.
    @Test(arguments: [
        (10, CheckInOutcome.metComfortably, 12), (10, .metWithDifficulty, 10), (10, .partly, 8), (10, .notDone, 6),
        (5, .metComfortably, 6), (5, .metWithDifficulty, 5), (5, .partly, 4), (5, .notDone, 3),
        (30, .metComfortably, 35), (30, .partly, 24), (30, .notDone, 18),
        (60, .metComfortably, 65), (60, .notDone, 36),
        (3, .partly, 2), (3, .notDone, 2),
        (1, .metComfortably, 2),
        (238, .metComfortably, 240), (240, .metWithDifficulty, 240),
    ])
    func minutesFollowTheTable(minutes: Int, outcome: CheckInOutcome, next: Int) {
        let goal = Goal(id: 1, activity: "walking", minutes: minutes, frequency: "3 times a week", createdOn: Fixtures.monday)
        let adapted = GradedActivity.next(after: goal, outcome: outcome, on: Fixtures.day(7)).goal
        #expect(adapted.minutes == next, "\(minutes) min, \(outcome.rawValue) → \(adapted.minutes.map(String.init) ?? "nil")")
        #expect(adapted.timesPerWeek == 3, "minutes move first; the frequency stays")
        #expect(adapted.activity == "walking")
    }

    /// Where minutes cannot move (none given, at the floor, at the ceiling), the frequency moves one step.
    @Test(arguments: [
        (nil, "twice a week", CheckInOutcome.metComfortably, "3 times a week"),
        (nil, "3 times a week", .metComfortably, "on most days"),
        (nil, "on most days", .metComfortably, "every day"),
        (nil, "every day", .metComfortably, "every day"),
        (nil, "twice a week", .partly, "once a week"),
        (nil, "once a week", .notDone, "once a week"),
        (2, "3 times a week", .notDone, "twice a week"),
        (240, "twice a week", .metComfortably, "3 times a week"),
        (nil, "as often as feels right", .metComfortably, "as often as feels right"),
    ] as [(Int?, String, CheckInOutcome, String)])
    func frequencyMovesWhenMinutesCannot(minutes: Int?, frequency: String, outcome: CheckInOutcome, next: String) {
        let goal = Goal(id: 1, activity: "stretching", minutes: minutes, frequency: frequency, createdOn: Fixtures.monday)
        let adapted = GradedActivity.next(after: goal, outcome: outcome, on: Fixtures.day(7)).goal
        #expect(adapted.frequency == next)
        #expect(adapted.minutes == minutes)
    }

    @Test func neverBelowTheFloor() {
        for minutes in 1...240 {
            for outcome in CheckInOutcome.allCases {
                let goal = Goal(activity: "walking", minutes: minutes, createdOn: Fixtures.monday)
                let next = GradedActivity.next(after: goal, outcome: outcome, on: Fixtures.monday).goal.minutes ?? 0
                #expect(next >= min(minutes, GradedActivity.minimumMinutes), "\(minutes) \(outcome) → \(next)")
                #expect(next <= GradedActivity.maximumMinutes)
                if outcome == .metComfortably { #expect(next - minutes <= 5 && (minutes == 240 || next > minutes)) }
                if outcome == .partly || outcome == .notDone { #expect(next <= minutes) }
            }
        }
    }

    @Test(arguments: [(0, false), (5, false), (6, true), (40, true), (-3, false)])
    func theCheckInRule(daysSince: Int, due: Bool) {
        let goal = Goal(activity: "walking", minutes: 10, createdOn: Fixtures.monday)
        #expect(GradedActivity.isCheckInDue(goal: goal, lastCheckIn: nil, today: Fixtures.day(daysSince)) == due)
        #expect(GradedActivity.isCheckInDue(goal: goal, lastCheckIn: Fixtures.day(10), today: Fixtures.day(10 + daysSince)) == due)
    }
}
