/// The `data` member of an error: which param, session, locale, flow or limit it is about.
public struct RPCErrorData: Sendable, Hashable {
    public var param: String?
    public var session: String?
    public var locale: String?
    public var flow: String?
    public var limit: Int?

    public init(param: String? = nil, session: String? = nil, locale: String? = nil, flow: String? = nil, limit: Int? = nil) {
        self.param = param; self.session = session; self.locale = locale; self.flow = flow; self.limit = limit
    }
}

extension RPCErrorData: Encodable {
    enum CodingKeys: String, CodingKey { case param, session, locale, flow, limit }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(param, forKey: .param)
        try c.encodeIfPresent(session, forKey: .session)
        try c.encodeIfPresent(locale, forKey: .locale)
        try c.encodeIfPresent(flow, forKey: .flow)
        try c.encodeIfPresent(limit, forKey: .limit)
    }
}
