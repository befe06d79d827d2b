/// One answer line (or one element of a batch answer).
struct Response: Sendable, Encodable {
    /// What a successful call returns.
    enum Payload: Sendable, Encodable {
        case turn(TurnResult)
        case export(ExportResult)
        case info(ServerInfo)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .turn(let t): try t.encode(to: encoder)
            case .export(let e): try e.encode(to: encoder)
            case .info(let i): try i.encode(to: encoder)
            }
        }
    }

    var id: RequestID
    var outcome: Result<Payload, RPCError>

    enum CodingKeys: String, CodingKey { case jsonrpc, id, result, error }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("2.0", forKey: .jsonrpc)
        // Members are encoded directly, not through `RequestID`'s and `Payload`'s own
        // conformances: every nested custom `Encodable` costs the encoder a level of boxing.
        switch id {
        case .null: try c.encodeNil(forKey: .id)
        case .number(let n): try c.encode(n, forKey: .id)
        case .fractional(let d): try c.encode(d, forKey: .id)
        case .string(let s): try c.encode(s, forKey: .id)
        }
        switch outcome {
        case .success(.turn(let t)): try c.encode(t, forKey: .result)
        case .success(.export(let e)): try c.encode(e, forKey: .result)
        case .success(.info(let i)): try c.encode(i, forKey: .result)
        case .failure(let error): try c.encode(error, forKey: .error)
        }
    }

    static func failure(_ id: RequestID, _ error: RPCError) -> Response {
        Response(id: id, outcome: .failure(error))
    }
}
