/// What ``ConversationStore/save(sessionID:state:at:)`` recorded besides the conversation itself,
/// so a front end can confirm it to the person.
public struct SaveResult: Sendable, Hashable {
    /// The activity goal this turn finished, when it was new.
    public var newGoal: Goal?
    /// The check-in this turn answered, with the next goal (graded activity), if any.
    public var checkIn: CheckInResult?

    public init(newGoal: Goal? = nil, checkIn: CheckInResult? = nil) {
        self.newGoal = newGoal; self.checkIn = checkIn
    }
}
