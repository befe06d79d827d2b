import BackchatEngine

/// The named params of any method, each decoded leniently.
///
/// Members a method does not use are ignored, so hosts may send params that a later
/// protocol version adds without breaking older servers.
struct RequestParams: Sendable {
    var session: Param<String> = .absent
    var text: Param<String> = .absent
    var locale: Param<String> = .absent
    var region: Param<String> = .absent
    var flow: Param<String> = .absent
    var state: Param<SessionState> = .absent

    init() {}
}

extension RequestParams {
    enum CodingKeys: String, CodingKey { case session, text, locale, region, flow, state }

    /// Reads the params object; every member problem is kept, none throws.
    init(_ c: KeyedDecodingContainer<CodingKeys>) {
        session = c.param(String.self, forKey: .session)
        text = c.param(String.self, forKey: .text)
        locale = c.param(String.self, forKey: .locale)
        region = c.param(String.self, forKey: .region)
        flow = c.param(String.self, forKey: .flow)
        state = c.param(SessionState.self, forKey: .state)
    }
}
