/// One message as read from a line (or from a batch), before it is judged.
///
/// Decoding never fails on a well-formed JSON value: every problem is recorded, so the
/// answer can still carry the request's id and say exactly what was wrong.
struct IncomingMessage: Sendable {
    /// A member that was absent, usable, or present with the wrong type.
    enum Field<Value: Sendable>: Sendable {
        case absent
        case value(Value)
        case invalid(JSONKind)
    }

    /// The `params` member.
    enum Params: Sendable {
        case absent
        /// An object: params by name, the only form the methods take.
        case named(RequestParams)
        /// An array: params by position, which JSON-RPC allows but no method here takes.
        case positional
        /// Neither an object nor an array.
        case invalid(JSONKind)
    }

    /// `nil` when the message is an object; otherwise what it was instead.
    var notAnObject: JSONKind? = nil
    var jsonrpc: Field<String> = .absent
    var id: Field<RequestID> = .absent
    var method: Field<String> = .absent
    var params: Params = .absent
}

extension IncomingMessage: Decodable {
    enum CodingKeys: String, CodingKey { case jsonrpc, id, method, params }

    init(from decoder: any Decoder) throws {
        let c: KeyedDecodingContainer<CodingKeys>
        do {
            c = try decoder.container(keyedBy: CodingKeys.self)
        } catch {
            notAnObject = (try? JSONKind(from: decoder)) ?? .null
            return
        }
        jsonrpc = c.field(String.self, forKey: .jsonrpc)
        id = Self.id(in: c)
        method = c.field(String.self, forKey: .method)
        if let p = try? c.nestedContainer(keyedBy: RequestParams.CodingKeys.self, forKey: .params) {
            params = .named(RequestParams(p))
        } else if c.contains(.params), (try? c.decodeNil(forKey: .params)) != true {
            let kind = (try? c.decode(JSONKind.self, forKey: .params)) ?? .null
            if kind == .array {
                // `[]` is how some clients say "no params".
                let empty = (try? c.decode([JSONKind].self, forKey: .params))?.isEmpty == true
                params = empty ? .absent : .positional
            } else {
                params = .invalid(kind)
            }
        }
    }

    /// The `id` member, read without `RequestID`'s own conformance (a level of boxing less);
    /// numbers are tried first, as most hosts send them.
    static func id(in c: KeyedDecodingContainer<CodingKeys>) -> Field<RequestID> {
        if let n = try? c.decodeIfPresent(Int64.self, forKey: .id) { return .value(.number(n)) }
        guard c.contains(.id) else { return .absent }
        if (try? c.decodeNil(forKey: .id)) == true { return .value(.null) }
        if let s = try? c.decode(String.self, forKey: .id) { return .value(.string(s)) }
        if let d = try? c.decode(Double.self, forKey: .id) { return .value(.fractional(d)) }
        return .invalid((try? c.decode(JSONKind.self, forKey: .id)) ?? .null)
    }
}

extension KeyedDecodingContainer {
    /// Decodes the member `key` without throwing (`null` is invalid).
    fileprivate func field<T: Decodable & Sendable>(_ type: T.Type, forKey key: Key) -> IncomingMessage.Field<T> {
        if let value = try? decodeIfPresent(T.self, forKey: key) { return .value(value) }
        guard contains(key) else { return .absent }
        return .invalid((try? decode(JSONKind.self, forKey: key)) ?? .null)
    }
}
