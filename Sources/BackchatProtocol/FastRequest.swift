/// A request of the common shape as ``FastRequestReader`` read it: well-formed, not judged yet.
///
/// Plain optionals and a method read as bytes, so the hot calls need no general message;
/// ``message`` gives the same request as `JSONDecoder` would have read it, for the rest.
struct FastRequest {
    /// The `method` member: a name this server knows, or any other string.
    enum MethodName {
        case absent
        case known(Method)
        case other(String)
    }

    var jsonrpc: IncomingMessage.Field<String> = .absent
    /// `nil` when there is no `id` member (a notification).
    var id: RequestID? = nil
    var method: MethodName = .absent
    /// Whether a `params` object was given (all its members are strings).
    var hasParams = false
    var session: String? = nil
    var text: String? = nil
    var locale: String? = nil
    var region: String? = nil
    var flow: String? = nil

    /// Whether `jsonrpc` is exactly `"2.0"`.
    var isJSONRPC2: Bool {
        if case .value(let v) = jsonrpc { return v == "2.0" }
        return false
    }

    /// The same request as a general message.
    var message: IncomingMessage {
        var m = IncomingMessage()
        m.jsonrpc = jsonrpc
        m.id = id.map { .value($0) } ?? .absent
        switch method {
        case .absent: m.method = .absent
        case .known(let known): m.method = .value(known.rawValue)
        case .other(let name): m.method = .value(name)
        }
        if hasParams {
            var p = RequestParams()
            if let session { p.session = .value(session) }
            if let text { p.text = .value(text) }
            if let locale { p.locale = .value(locale) }
            if let region { p.region = .value(region) }
            if let flow { p.flow = .value(flow) }
            m.params = .named(p)
        }
        return m
    }
}
