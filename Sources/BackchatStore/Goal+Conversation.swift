import BackchatEngine

extension Goal {
    /// The dialog variables an activity goal lives in (`Dialogs/en/activity_goal.yaml`).
    public enum Variable {
        /// `true` once the goal flow has finished.
        public static let set = "goal_set"
        public static let activity = "goal_activity"
        public static let minutes = "goal_minutes"
        /// The words, e.g. "twice a week".
        public static let frequency = "goal_frequency"
        /// The choice key: `once`, `twice`, `three`, `most`, `daily`.
        public static let howOften = "goal_how_often"
        public static let timeOfDay = "goal_when"
        public static let confidence = "goal_confidence"
        /// The day the goal was made (set by ``Goal/conversationVariables``).
        public static let createdOn = "goal_created"
        /// The stored goal's id, when a goal is carried into a conversation
        /// (``Goal/conversationVariables``): that goal is not recorded again from it.
        public static let id = "goal_id"
    }

    /// The dialog variables of a check-in conversation (see ``Goal/checkInVariables(asked:)``).
    public enum CheckInVariable {
        /// The id of the goal being asked about (a number).
        public static let goal = "checkin_goal"
        /// The day the check-in was offered (`YYYY-MM-DD`): one check-in is recorded per offer.
        public static let asked = "checkin_asked"
        /// How it went: a ``CheckInOutcome`` raw value (`met-comfortably`, `met-hard`, `partly`,
        /// `not-done`; underscores instead of hyphens also do, for choice keys).
        public static let outcome = "checkin_outcome"
        /// The person's own words about it, if the dialog asks (optional).
        public static let note = "checkin_note"
        /// What the goal would become after each outcome (``Goal/summary``), so the dialog can
        /// say it in the same turn: `goal_next_met_comfortably`, `goal_next_met_hard`,
        /// `goal_next_partly`, `goal_next_not_done`.
        public static func next(_ outcome: CheckInOutcome) -> String {
            "goal_next_" + outcome.rawValue.replacingHyphens
        }
    }

    /// The goal a conversation made, or `nil` when it has not finished one (`goal_set` is not true).
    ///
    /// ``ConversationStore/save(sessionID:state:at:)`` calls this on every save, so a goal is
    /// stored as soon as the person finishes making it, in the same transaction as the turn.
    public init?(conversation variables: [String: Value], sessionID: String?, createdOn: CalendarDay) {
        guard variables[Variable.set]?.isTruthy == true,
              let activity = variables[Variable.activity]?.text.trimmingWhitespace, !activity.isEmpty else { return nil }
        func whole(_ name: String) -> Int? {
            guard case .number(let n)? = variables[name], n.isFinite, abs(n) < 100_000 else { return nil }
            return Int(n.rounded())
        }
        func words(_ name: String) -> String? {
            guard let t = variables[name]?.text.trimmingWhitespace, !t.isEmpty else { return nil }
            return t
        }
        let times: Int? = switch variables[Variable.howOften]?.text {
        case "once": 1
        case "twice": 2
        case "three": 3
        case "most": 5
        case "daily": 7
        default: nil
        }
        self.init(activity: activity, minutes: whole(Variable.minutes), frequency: words(Variable.frequency),
                  timesPerWeek: times, timeOfDay: words(Variable.timeOfDay), confidence: whole(Variable.confidence),
                  createdOn: createdOn, origin: .conversation, sessionID: sessionID)
    }

    /// The goal as dialog variables, to carry into a new conversation
    /// (`Engine.start(variables:)`), so the dialogs can talk about it.
    public var conversationVariables: [String: Value] {
        var v: [String: Value] = [Variable.set: .bool(true), Variable.activity: .string(activity),
                                  Variable.createdOn: .string(createdOn.iso)]
        if let id { v[Variable.id] = .number(Double(id)) }
        if let minutes { v[Variable.minutes] = .number(Double(minutes)) }
        if let frequency { v[Variable.frequency] = .string(frequency) }
        if let timeOfDay { v[Variable.timeOfDay] = .string(timeOfDay) }
        if let confidence { v[Variable.confidence] = .number(Double(confidence)) }
        return v
    }

    /// The variables to start a check-in conversation with (`Engine.start(flow:variables:)`):
    /// the goal (``conversationVariables``), which goal and when it was asked, and what the goal
    /// would become after each answer. Once the dialog sets `checkin_outcome`, the next
    /// ``ConversationStore/save(sessionID:state:at:)`` records the check-in and the next goal.
    public func checkInVariables(asked day: CalendarDay) -> [String: Value] {
        var v = conversationVariables
        if let id { v[CheckInVariable.goal] = .number(Double(id)) }
        v[CheckInVariable.asked] = .string(day.iso)
        for outcome in CheckInOutcome.allCases {
            v[CheckInVariable.next(outcome)] = .string(GradedActivity.next(after: self, outcome: outcome, on: day).goal.summary)
        }
        return v
    }
}

extension CheckInOutcome {
    /// The outcome a dialog stored: the raw value, with `_` or `-` between words.
    public init?(dialogValue text: String) {
        self.init(rawValue: String(text.trimmingWhitespace.lowercased().map { $0 == "_" ? "-" : $0 }))
    }
}

extension String {
    var replacingHyphens: String { String(map { $0 == "-" ? "_" : $0 }) }
}
