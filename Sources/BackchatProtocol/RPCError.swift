/// An error as the protocol sends it: a code, a message a person can act on, and
/// machine-readable details.
public struct RPCError: Error, Sendable, Hashable {
    public var code: RPCErrorCode
    /// What went wrong and what to do about it.
    public var message: String
    /// Details for programs (`param`, `session`, `locale`, `flow`, `limit`), if any.
    public var data: RPCErrorData?

    public init(_ code: RPCErrorCode, _ message: String, data: RPCErrorData? = nil) {
        self.code = code; self.message = message; self.data = data
    }
}

extension RPCError: Encodable {
    enum CodingKeys: String, CodingKey { case code, message, data }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code.rawValue, forKey: .code)
        try c.encode(message, forKey: .message)
        try c.encodeIfPresent(data, forKey: .data)
    }
}
