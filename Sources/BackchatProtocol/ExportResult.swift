import BackchatEngine

/// The result of `session.export`: the session's whole state as an opaque JSON value.
struct ExportResult: Sendable, Encodable {
    var session: String
    /// Hosts store it as it is and hand it back to `session.import`; its members are the
    /// engine's business and may change between versions (old states stay importable).
    var state: SessionState
}
