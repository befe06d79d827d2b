/// The fixed facts of the line protocol that hosts rely on (see `docs/protocol.md`).
public enum ProtocolConstants {
    /// The protocol's version, reported by `server.info`.
    ///
    /// Within one major version changes are additive only (new methods, new optional
    /// params, new result fields); anything else bumps the major.
    public static let version = "1.0"

    /// The longest line the server reads, in bytes, not counting the line break.
    ///
    /// Longer lines are discarded as they arrive (never held whole) and answered with
    /// ``RPCErrorCode/lineTooLong``.
    public static let maxLineBytes = 1 << 20

    /// The longest session id a host may choose, in UTF-8 bytes.
    public static let maxSessionIDBytes = 256

    /// The name `server.info` reports.
    public static let serverName = "backchat"
}
