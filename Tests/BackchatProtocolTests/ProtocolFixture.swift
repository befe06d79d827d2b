import BackchatEngine
import BackchatLoader
import BackchatProtocol
import Foundation
import BackchatTestSupport
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

/// Answers are read as plain JSON values (shared with the end-to-end tests).
typealias JSON = JSONValue

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
