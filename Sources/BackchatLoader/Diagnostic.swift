/// One problem found in the dialogs, with where it is and how to fix it.
public struct Diagnostic: Sendable, Hashable, Comparable {
    public enum Severity: String, Sendable, Hashable { case error, warning }

    public var severity: Severity
    public var file: String
    /// 1-based; 0 when the problem concerns a whole file or directory.
    public var line: Int
    public var column: Int
    public var message: String
    public var hint: String?

    public init(_ severity: Severity, file: String, line: Int, column: Int, _ message: String, hint: String? = nil) {
        self.severity = severity; self.file = file; self.line = line; self.column = column
        self.message = message; self.hint = hint
    }

    public static func error(_ at: Location, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(.error, file: at.file, line: at.line, column: at.column, message, hint: hint)
    }

    public static func warning(_ at: Location, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(.warning, file: at.file, line: at.line, column: at.column, message, hint: hint)
    }

    public static func < (a: Diagnostic, b: Diagnostic) -> Bool {
        (a.file, a.line, a.column, a.message) < (b.file, b.line, b.column, b.message)
    }
}

/// A place in a dialog file.
public struct Location: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }
}

/// A value read from a file, with where it was written.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var at: Location
    public init(_ value: Value, at: Location) { self.value = value; self.at = at }
}
