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
        var out: [UInt8] = []
        let answered = line.withUnsafeBytes { respond(toLine: $0, into: &out) }
        return answered ? Data(out) : nil
    }

    /// Answers one line (without its line break) by appending the answer, without its line
    /// break, to `out`. `false` means no answer is due (nothing was appended): the line was
    /// blank, a notification, or a batch of notifications.
    public mutating func respond(toLine line: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        // One pass over the bytes for the first that is not white space, then the UTF-8 check
        // (not for a blank line).
        guard let first = line.first(where: { !Self.isJSONWhitespace($0) }) else { return false }
        guard UTF8Check.isValid(line) else {
            append(.failure(.null, RPCError(.parseError,
                "parse error: the line is not valid UTF-8; send each message as UTF-8 encoded JSON")), to: &out)
            return true
        }
        if first == UInt8(ascii: "[") {
            let batch: [IncomingMessage]
            do {
                batch = try decoder.decode([IncomingMessage].self, from: Data(line))
            } catch {
                append(.failure(.null, Self.notJSON), to: &out)
                return true
            }
            guard !batch.isEmpty else {
                append(.failure(.null, RPCError(.invalidRequest,
                    "invalid request: the batch is empty; send at least one request in the array, or a single request object")), to: &out)
                return true
            }
            out.append(UInt8(ascii: "["))
            var answers = 0
            for message in batch {
                guard let response = handle(message) else { continue }
                if answers > 0 { out.append(UInt8(ascii: ",")) }
                append(response, to: &out)
                answers += 1
            }
            guard answers > 0 else { out.removeLast(); return false }
            out.append(UInt8(ascii: "]"))
            return true
        }
        if fastPath, let fast = FastRequestReader.read(line) {
            if let answered = respondDirectly(to: fast, into: &out) { return answered }
            guard let response = handle(fast.message) else { return false }
            append(response, to: &out)
            return true
        }
        let message: IncomingMessage
        do {
            message = try decoder.decode(IncomingMessage.self, from: Data(line))
        } catch {
            append(.failure(.null, Self.notJSON), to: &out)
            return true
        }
        guard let response = handle(message) else { return false }
        append(response, to: &out)
        return true
    }

    /// Runs the hot calls (`session.say`, `session.start`, `session.end` with the params they
    /// need) straight from what the fast reader read, and appends the answer. `nil` hands the
    /// request to ``handle(_:)``, which judges everything else exactly as for any message.
    /// Otherwise: whether an answer was appended (a notification gets none).
    private mutating func respondDirectly(to request: FastRequest, into out: inout [UInt8]) -> Bool? {
        guard request.isJSONRPC2, case .known(let method) = request.method else { return nil }
        let result: TurnResult
        do throws(RPCError) {
            switch method {
            case .say:
                guard let session = request.session, let text = request.text else { return nil }
                result = try say(session: session, text: text)
            case .start:
                result = try start(session: request.session, locale: request.locale,
                                   region: request.region, flow: request.flow)
            case .end:
                guard let session = request.session else { return nil }
                result = try end(session: session)
            case .export, .importState, .info:
                return nil
            }
        } catch {
            guard let id = request.id else { return false }
            append(.failure(id, error), to: &out)
            return true
        }
        guard let id = request.id else { return false }
        if TurnResponseWriter.write(id: id, result: result, into: &out) { return true }
        append(Response(id: id, outcome: .success(.turn(result))), to: &out)
        return true
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

    /// Appends the answer to a line that was longer than the limit.
    public func appendLineTooLongResponse(to out: inout [UInt8]) {
        lineTooLongResponse().withUnsafeBytes { out.append(contentsOf: $0) }
    }

    /// Appends a response's bytes to `out`: a turn straight from ``TurnResponseWriter``,
    /// anything else through `JSONEncoder`.
    private func append(_ response: Response, to out: inout [UInt8]) {
        if fastPath, case .success(.turn(let t)) = response.outcome,
           TurnResponseWriter.write(id: response.id, result: t, into: &out) {
            return
        }
        encode(response).withUnsafeBytes { out.append(contentsOf: $0) }
    }

    /// Encodes a response; a result that cannot be written becomes an internal error.
    private func encode(_ response: Response) -> Data {
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
