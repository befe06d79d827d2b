/// Every error code the server answers with: JSON-RPC's own, then Backchat's.
///
/// The numbers are part of the protocol and never change meaning within a major version.
public enum RPCErrorCode: Int, Sendable, CaseIterable {
    /// The line is not valid JSON, or not valid UTF-8. The id is always `null`.
    case parseError = -32700
    /// Valid JSON but not a request: not an object, `jsonrpc` missing or not `"2.0"`,
    /// no string `method`, a bad `id` or `params`, or an empty batch.
    case invalidRequest = -32600
    /// No such method.
    case methodNotFound = -32601
    /// A param is missing, has the wrong type, or has a value the method cannot use;
    /// `data.param` names it.
    case invalidParams = -32602
    /// A bug in the server (for example a result that cannot be written as JSON).
    case internalError = -32603
    /// No live session has this id: it was never started or imported, or it was ended.
    case unknownSession = -32001
    /// `session.start` or `session.import` named an id that is already live.
    case sessionExists = -32002
    /// `session.import` got a `state` object that is not a saved session this server can read.
    case invalidState = -32003
    /// The line was longer than ``ProtocolConstants/maxLineBytes`` and was discarded.
    case lineTooLong = -32004
    /// `session.start` asked for a locale or a flow that is not loaded.
    case unknownFlowOrLocale = -32005
}
