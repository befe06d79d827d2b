import BackchatEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Dispatcher {
    // MARK: - session.start

    mutating func start(_ p: RequestParams) throws(RPCError) -> Response.Payload {
        let method = Method.start.rawValue
        let requested = try Self.optionalString(p.session, "session", method)
        let locale = try Self.optionalString(p.locale, "locale", method)
        let region = try Self.optionalString(p.region, "region", method)
        let flow = try Self.optionalString(p.flow, "flow", method)
        return .turn(try start(session: requested, locale: locale, region: region, flow: flow))
    }

    /// `session.start` with its params read.
    mutating func start(session requested: String?, locale: String?, region: String?, flow: String?) throws(RPCError) -> TurnResult {
        let method = Method.start.rawValue
        if let requested { try checkNewID(requested, method) }
        if let locale, !hasLocale(locale) {
            let known = engine.script.locales.keys.sorted().joined(separator: ", ")
            throw RPCError(.unknownFlowOrLocale,
                "unknown locale \"\(locale)\": this server has dialogs for \(known); leave \"locale\" out to use \(engine.script.defaultLocale)",
                data: RPCErrorData(param: "locale", locale: locale))
        }
        let state: SessionState
        let turn: Turn
        do {
            (state, turn) = try engine.start(locale: locale, region: region, flow: flow, today: today)
        } catch {
            switch error {
            case .noLocales:
                throw RPCError(.unknownFlowOrLocale, "no dialogs are loaded; restart the server with --dialogs DIR")
            case .unknownFlow(let name, let code):
                let flows = engine.script.locales[code]?.flows.map(\.name).joined(separator: ", ") ?? ""
                throw RPCError(.unknownFlowOrLocale,
                    "unknown flow \"\(name)\" in locale \(code); its flows are \(flows) (server.info lists them), or leave \"flow\" out to start at the beginning",
                    data: RPCErrorData(param: "flow", locale: code, flow: name))
            }
        }
        let id = requested ?? generateID()
        sessions[id] = state
        onSessionChange?(id, state)
        return TurnResult(session: id, turn: turn)
    }

    // MARK: - session.say

    mutating func say(_ p: RequestParams) throws(RPCError) -> Response.Payload {
        let method = Method.say.rawValue
        let id = try Self.requiredString(p.session, "session", method, what: "the id session.start returned")
        let text = try Self.requiredString(p.text, "text", method, what: "what the person typed")
        return .turn(try say(session: id, text: text))
    }

    /// `session.say` with its params read.
    mutating func say(session id: String, text: String) throws(RPCError) -> TurnResult {
        guard let index = sessions.index(forKey: id) else { throw Self.unknownSession(id) }
        // In place: no copy of the state, so no copy-on-write of its arrays.
        let turn = engine.respond(&sessions.values[index], to: .text(text), today: today)
        if let onSessionChange { onSessionChange(id, sessions.values[index]) }
        return TurnResult(session: id, turn: turn)
    }

    // MARK: - session.end

    mutating func end(_ p: RequestParams) throws(RPCError) -> Response.Payload {
        let method = Method.end.rawValue
        let id = try Self.requiredString(p.session, "session", method, what: "the id of the session to end")
        return .turn(try end(session: id))
    }

    /// `session.end` with its params read.
    mutating func end(session id: String) throws(RPCError) -> TurnResult {
        guard var state = sessions.removeValue(forKey: id) else { throw Self.unknownSession(id) }
        let turn = engine.respond(&state, to: .command("quit"), today: today)
        onSessionChange?(id, nil)
        return TurnResult(session: id, turn: turn)
    }

    // MARK: - session.export / session.import

    func export(_ p: RequestParams) throws(RPCError) -> Response.Payload {
        let method = Method.export.rawValue
        let id = try Self.requiredString(p.session, "session", method, what: "the id of the session to save")
        guard let state = sessions[id] else { throw Self.unknownSession(id) }
        return .export(ExportResult(session: id, state: state))
    }

    mutating func importState(_ p: RequestParams) throws(RPCError) -> Response.Payload {
        let method = Method.importState.rawValue
        let requested = try Self.optionalString(p.session, "session", method)
        var state: SessionState
        switch p.state {
        case .value(let s): state = s
        case .absent, .null:
            throw RPCError(.invalidParams,
                "invalid params: \(method) needs \"state\" (an object): the state session.export returned",
                data: RPCErrorData(param: "state"))
        case .invalid(.object, let problem):
            throw RPCError(.invalidState,
                "invalid state: this is not a saved session (\(problem ?? "it does not decode")); pass the \"state\" value from session.export unchanged",
                data: RPCErrorData(param: "state"))
        case .invalid(let found, _):
            throw RPCError(.invalidParams,
                "invalid params: \"state\" must be an object (the state session.export returned), not \(found.phrase)",
                data: RPCErrorData(param: "state"))
        }
        guard state.format >= 1, state.format <= SessionState.formatVersion else {
            throw RPCError(.invalidState,
                "invalid state: it has format \(state.format), and this server reads formats 1 to \(SessionState.formatVersion); import it into a newer backchat",
                data: RPCErrorData(param: "state"))
        }
        if let requested { try checkNewID(requested, method) }
        let id = requested ?? generateID()
        let turn = engine.resume(&state)
        sessions[id] = state
        onSessionChange?(id, state)
        return .turn(TurnResult(session: id, turn: turn))
    }

    // MARK: - Sessions and ids

    /// A fresh id: `s1`, `s2`, … skipping any that a host chose itself.
    mutating func generateID() -> String {
        while true {
            let id = "s\(nextSessionNumber)"
            nextSessionNumber += 1
            if sessions[id] == nil { return id }
        }
    }

    /// A host-chosen id must be usable and not live already.
    func checkNewID(_ id: String, _ method: String) throws(RPCError) {
        guard !id.isEmpty, id.utf8.count <= ProtocolConstants.maxSessionIDBytes else {
            throw RPCError(.invalidParams,
                "invalid params: \"session\" must be 1 to \(ProtocolConstants.maxSessionIDBytes) bytes long; leave it out to get a generated id",
                data: RPCErrorData(param: "session"))
        }
        if sessions[id] != nil {
            throw RPCError(.sessionExists,
                "session \"\(id)\" is already live; choose another id, leave \"session\" out to get a new one, or end it first with session.end",
                data: RPCErrorData(session: id))
        }
    }

    /// Whether `code` names a loaded locale, exactly or by its language (`en-GB` → `en`).
    func hasLocale(_ code: String) -> Bool {
        let locales = engine.script.locales
        if locales[code] != nil { return true }
        let language = code.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map { $0.lowercased() } ?? ""
        return locales[language] != nil
    }

    static func unknownSession(_ id: String) -> RPCError {
        RPCError(.unknownSession,
            "unknown session \"\(id)\": no live session has this id (it was never started, or it was ended); start one with session.start, or bring a saved one back with session.import",
            data: RPCErrorData(session: id))
    }

    // MARK: - Params

    static func requiredString(_ param: Param<String>, _ name: String, _ method: String, what: String) throws(RPCError) -> String {
        switch param {
        case .value(let s): return s
        case .absent:
            throw RPCError(.invalidParams, "invalid params: \(method) needs \"\(name)\" (a string): \(what)",
                           data: RPCErrorData(param: name))
        case .null:
            throw RPCError(.invalidParams, "invalid params: \"\(name)\" must be a string (\(what)), not null",
                           data: RPCErrorData(param: name))
        case .invalid(let found, _):
            throw RPCError(.invalidParams, "invalid params: \"\(name)\" must be a string (\(what)), not \(found.phrase)",
                           data: RPCErrorData(param: name))
        }
    }

    /// An optional string param: absent and `null` both mean "not given".
    static func optionalString(_ param: Param<String>, _ name: String, _ method: String) throws(RPCError) -> String? {
        switch param {
        case .value(let s): return s
        case .absent, .null: return nil
        case .invalid(let found, _):
            throw RPCError(.invalidParams,
                "invalid params: \"\(name)\" must be a string, not \(found.phrase); leave it out if you have none",
                data: RPCErrorData(param: name))
        }
    }
}
