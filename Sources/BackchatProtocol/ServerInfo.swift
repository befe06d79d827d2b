import BackchatEngine

/// The result of `server.info`: what this server is and which dialogs it hosts.
public struct ServerInfo: Sendable, Hashable, Encodable {
    /// One loaded language.
    public struct LocaleInfo: Sendable, Hashable, Encodable {
        /// The locale code, e.g. `en`; `session.start` also accepts `en-GB` and the like.
        public var code: String
        /// The flow a session starts in when `flow` is not given.
        public var entry: String
        /// Every flow, in the order the dialogs define them (the entry first when it comes first).
        public var flows: [String]
    }

    public var name: String
    /// The `backchat` release.
    public var version: String
    /// The protocol version (``ProtocolConstants/version``).
    public var `protocol`: String
    /// A fingerprint of the loaded dialogs; saved states remember it.
    public var dialogs: String
    /// The locale used when a session does not ask for one.
    public var defaultLocale: String
    /// The loaded locales, sorted by code.
    public var locales: [LocaleInfo]
    /// How many sessions are live in this process.
    public var sessions: Int
    /// The longest line the server reads, in bytes.
    public var maxLineBytes: Int

    init(script: Script, version: String, sessions: Int) {
        name = ProtocolConstants.serverName
        self.version = version
        self.protocol = ProtocolConstants.version
        dialogs = script.version
        defaultLocale = script.defaultLocale
        locales = script.locales.keys.sorted().compactMap { code in
            guard let ls = script.locales[code] else { return nil }
            return LocaleInfo(code: ls.code, entry: ls.flows[ls.entryFlow].name, flows: ls.flows.map(\.name))
        }
        self.sessions = sessions
        maxLineBytes = ProtocolConstants.maxLineBytes
    }
}
