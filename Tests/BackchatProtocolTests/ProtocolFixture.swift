import BackchatEngine
import BackchatLoader
import BackchatProtocol
import Foundation
import Testing

/// The fixture dialogs in `Tests/Fixtures/protocol`, loaded once, and dispatchers over them.
enum ProtocolFixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/protocol").path

    static let loaded = DialogLoader.load(directory: directory)

    /// The checked script, or a test failure that shows the loader's diagnostics.
    static func script() throws -> Script {
        try #require(loaded.script, "the protocol fixture does not load:\n\(loaded.renderer.render(loaded.diagnostics))")
    }

    /// The date every test runs on, so durations like "since March" are reproducible.
    static let today = CalendarDay(year: 2025, month: 6, day: 1)

    /// A fresh dispatcher over the fixture; `scanner` replaces the (empty) safety scan of `en`.
    static func dispatcher(scanner: (any SafetyScanning)? = nil) throws -> Dispatcher {
        var script = try script()
        if let scanner { script.locales["en"]?.safety.scanner = scanner }
        return Dispatcher(engine: Engine(script: script), serverVersion: "9.9.9", today: today)
    }
}

/// A scanner for tests: "numb" anywhere is an emergency, "fever" is urgent.
struct KeywordScanner: SafetyScanning {
    func scan(_ text: String) -> Detection? {
        let lower = text.lowercased()
        if lower.contains("numb") {
            return Detection(level: .emergency, category: "saddle-numbness", reason: "numbness around the groin")
        }
        if lower.contains("fever") { return Detection(level: .urgent, category: "fever", reason: "a fever with back pain") }
        return nil
    }
}

/// Any JSON value, for reading answers in tests without trusting the server's own types.
enum JSON: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }

    static func parse(_ text: String) throws -> JSON {
        try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
    }

    subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    subscript(index: Int) -> JSON? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var number: Double? { if case .number(let n) = self { n } else { nil } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var array: [JSON]? { if case .array(let a) = self { a } else { nil } }
    var object: [String: JSON]? { if case .object(let o) = self { o } else { nil } }
    var isNull: Bool { self == .null }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number(let n): "\(n)"
        case .string(let s): "\"\(s)\""
        case .array(let a): "[\(a.map(\.description).joined(separator: ","))]"
        case .object(let o): "{\(o.keys.sorted().map { "\"\($0)\":\(o[$0]?.description ?? "")" }.joined(separator: ","))}"
        }
    }
}

extension Dispatcher {
    /// Sends a request built from parts and parses the answer.
    mutating func call(_ method: String, _ params: String? = nil, id: Int = 1) throws -> JSON {
        let line = #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)""#
            + (params.map { #","params":\#($0)}"# } ?? "}")
        let reply = respond(to: line)
        let answer = try #require(reply, "no answer to \(line)")
        return try JSON.parse(answer)
    }
}
