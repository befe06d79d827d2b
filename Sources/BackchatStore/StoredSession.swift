import BackchatEngine

/// A saved conversation: its state as the engine left it, and when it was saved.
public struct StoredSession: Sendable, Hashable {
    /// The session id the front end chose (the REPL's, or a host's `session.start` id).
    public var id: String
    public var state: SessionState
    /// When it was first saved.
    public var createdAt: Timestamp
    /// When it was last saved.
    public var updatedAt: Timestamp

    public init(id: String, state: SessionState, createdAt: Timestamp, updatedAt: Timestamp) {
        self.id = id; self.state = state; self.createdAt = createdAt; self.updatedAt = updatedAt
    }

    /// Whether the conversation can be continued where it stopped (it has a question waiting).
    public var isResumable: Bool { !state.ended && state.position != nil }
}
