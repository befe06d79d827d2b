import BackchatEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The protocol as a pure state machine: one request line in, at most one response line out.
///
/// It holds the live sessions and does no I/O, so it can be tested line by line; the
/// ``StdioServer`` feeds it lines from stdin and writes what it returns to stdout.
/// One `JSONDecoder` and one `JSONEncoder` are reused for every line.
public struct Dispatcher {
    public let engine: Engine
    /// The `backchat` release that `server.info` reports.
    public let serverVersion: String
    /// Today's date for the engine ("since March"); the server loop refreshes it.
    public var today: CalendarDay?
    /// The live sessions by id.
    public internal(set) var sessions: [String: SessionState] = [:]
    /// Called after every change to a live session, so a host can persist it: with the new
    /// state after a successful `session.start`, `session.say` or `session.import`, and with
    /// `nil` after `session.end` removed it. `nil` (the default) keeps nothing.
    public var onSessionChange: (@Sendable (_ id: String, _ state: SessionState?) -> Void)?
    /// The number in the next generated id (`s1`, `s2`, …).
    var nextSessionNumber = 1
    private let decoder = JSONDecoder()
    private let encoder: JSONEncoder
    /// Whether the hand-written reader and writer may take the common shapes (tests turn
    /// it off to compare both paths).
    var fastPath = true

    public init(engine: Engine, serverVersion: String, today: CalendarDay? = nil) {
        self.engine = engine
        self.serverVersion = serverVersion
        self.today = today
        let encoder = JSONEncoder()
        // Sorted keys make every answer byte-for-byte reproducible (tests, docs, diffs).
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.encoder = encoder
    }

    /// Makes a saved session live again (for a server restarted on a store), replacing any
    /// live session with the same id. ``onSessionChange`` is not called.
    public mutating func restore(_ id: String, _ state: SessionState) {
        sessions[id] = state
    }

    // MARK: - Lines

    /// Answers one line (without its line break). `nil` means no answer is due: the line
    /// was blank, a notification, or a batch of notifications.
    public mutating func respond(toLine line: Data) -> Data? {
        // One pass over the bytes for the first that is not white space, then the UTF-8 check
        // (not for a blank line); Data's own iterator costs more than either.
        let (first, valid) = line.withUnsafeBytes { bytes -> (UInt8?, Bool) in
            guard let first = bytes.first(where: { !Self.isJSONWhitespace($0) }) else { return (nil, true) }
            return (first, UTF8Check.isValid(bytes))
        }
        guard let first else { return nil }
        guard valid else {
            return encode(.failure(.null, RPCError(.parseError,
                "parse error: the line is not valid UTF-8; send each message as UTF-8 encoded JSON")))
        }
        if first == UInt8(ascii: "[") {
            let batch: [IncomingMessage]
            do {
                batch = try decoder.decode([IncomingMessage].self, from: line)
            } catch {
                return encode(.failure(.null, Self.notJSON))
            }
            guard !batch.isEmpty else {
                return encode(.failure(.null, RPCError(.invalidRequest,
                    "invalid request: the batch is empty; send at least one request in the array, or a single request object")))
            }
            var parts: [Data] = []
            for message in batch {
                if let response = handle(message) { parts.append(encode(response)) }
            }
            guard !parts.isEmpty else { return nil }
            var out = Data()
            out.reserveCapacity(parts.reduce(2) { $0 + $1.count + 1 })
            out.append(UInt8(ascii: "["))
            for (i, part) in parts.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(part)
            }
            out.append(UInt8(ascii: "]"))
            return out
        }
        if fastPath, let fast = line.withUnsafeBytes({ FastRequestReader.read($0) }) {
            // A closure, not `encode` itself: the method value would copy the whole dispatcher.
            return handle(fast).map { encode($0) }
        }
        let message: IncomingMessage
        do {
            message = try decoder.decode(IncomingMessage.self, from: line)
        } catch {
            return encode(.failure(.null, Self.notJSON))
        }
        return handle(message).map { encode($0) }
    }

    /// Answers a line given as text: for tests and tools.
    public mutating func respond(to line: String) -> String? {
        respond(toLine: Data(line.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The answer to a line that was longer than the limit and discarded.
    public func lineTooLongResponse() -> Data {
        encode(.failure(.null, RPCError(.lineTooLong,
            "line too long: a line may hold at most \(ProtocolConstants.maxLineBytes) bytes (1 MiB), and this one was discarded; send smaller messages, one per line",
            data: RPCErrorData(limit: ProtocolConstants.maxLineBytes))))
    }

    static let notJSON = RPCError(.parseError,
        "parse error: the line is not valid JSON; send one JSON-RPC request object (or a batch array) per line")

    static func isJSONWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A
    }

    /// Encodes a response; a result that cannot be written becomes an internal error.
    private func encode(_ response: Response) -> Data {
        if fastPath, case .success(.turn(let t)) = response.outcome, let bytes = TurnResponseWriter.write(id: response.id, result: t) {
            return Data(bytes)
        }
        do {
            return try encoder.encode(response)
        } catch {
            let fallback = Response.failure(response.id, RPCError(.internalError,
                "internal error: the result could not be written as JSON (\(error)); please report this"))
            return (try? encoder.encode(fallback))
                ?? Data(#"{"error":{"code":-32603,"message":"internal error"},"id":null,"jsonrpc":"2.0"}"#.utf8)
        }
    }

    // MARK: - Messages

    /// Judges one message and runs it. `nil` for a notification (which runs but is not answered).
    mutating func handle(_ message: IncomingMessage) -> Response? {
        if let kind = message.notAnObject {
            return .failure(.null, RPCError(.invalidRequest,
                "invalid request: expected a JSON-RPC request object, got \(kind.phrase); send {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server.info\"}"))
        }
        let id: RequestID?
        switch message.id {
        case .absent: id = nil
        case .value(let v): id = v
        case .invalid(let kind):
            return .failure(.null, RPCError(.invalidRequest,
                "invalid request: \"id\" must be a string or a number, not \(kind.phrase)"))
        }
        let replyID = id ?? .null
        switch message.jsonrpc {
        case .value("2.0"): break
        case .absent:
            return .failure(replyID, RPCError(.invalidRequest,
                "invalid request: \"jsonrpc\" is missing; add \"jsonrpc\":\"2.0\" to every request"))
        case .value(let other):
            return .failure(replyID, RPCError(.invalidRequest,
                "invalid request: \"jsonrpc\" is \"\(other)\"; this server speaks JSON-RPC \"2.0\" only"))
        case .invalid(let kind):
            return .failure(replyID, RPCError(.invalidRequest,
                "invalid request: \"jsonrpc\" must be the string \"2.0\", not \(kind.phrase)"))
        }
        let name: String
        switch message.method {
        case .value(let m): name = m
        case .absent:
            return .failure(replyID, RPCError(.invalidRequest,
                "invalid request: \"method\" is missing; name a method, e.g. \"method\":\"session.start\""))
        case .invalid(let kind):
            return .failure(replyID, RPCError(.invalidRequest,
                "invalid request: \"method\" must be a string, not \(kind.phrase)"))
        }
        let params: RequestParams
        switch message.params {
        case .absent: params = RequestParams()
        case .named(let p): params = p
        case .invalid(let kind):
            return .failure(replyID, RPCError(.invalidRequest,
                "invalid request: \"params\" must be an object of named params, not \(kind.phrase)"))
        case .positional:
            // Still a valid request: the method decides (every method takes named params).
            guard id != nil else { return nil }
            guard Method(rawValue: name) != nil else { return .failure(replyID, Self.unknownMethod(name)) }
            return .failure(replyID, RPCError(.invalidParams,
                "invalid params: \(name) takes its params by name, as an object (e.g. \"params\":{\"session\":\"s1\"}), not as an array",
                data: RPCErrorData(param: "params")))
        }
        let outcome = call(name, params)
        guard let id else { return nil }
        return Response(id: id, outcome: outcome)
    }

    static func unknownMethod(_ name: String) -> RPCError {
        RPCError(.methodNotFound,
            "unknown method \"\(name)\"; the methods are \(Method.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    /// Runs a method.
    mutating func call(_ name: String, _ params: RequestParams) -> Result<Response.Payload, RPCError> {
        guard let method = Method(rawValue: name) else { return .failure(Self.unknownMethod(name)) }
        do throws(RPCError) {
            switch method {
            case .start: return .success(try start(params))
            case .say: return .success(try say(params))
            case .end: return .success(try end(params))
            case .export: return .success(try export(params))
            case .importState: return .success(try importState(params))
            case .info: return .success(.info(ServerInfo(script: engine.script, version: serverVersion, sessions: sessions.count)))
            }
        } catch {
            return .failure(error)
        }
    }
}
