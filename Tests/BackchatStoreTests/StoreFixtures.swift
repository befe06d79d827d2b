import BackchatEngine
import BackchatStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A fresh temporary folder per test, removed afterwards; the real home is never touched.
struct Scratch: ~Copyable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.path + "/backchat-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The default location under this folder, as `XDG_DATA_HOME` would give it.
    var location: StoreLocation {
        get throws { try StoreLocation.resolve(override: nil, environment: ["XDG_DATA_HOME": path + "/data"]) }
    }

    func open(now: Timestamp = Fixtures.monday10am) throws -> ConversationStore {
        try ConversationStore(location: try location, now: now)
    }
}

enum Fixtures {
    static let monday = CalendarDay(year: 2025, month: 3, day: 10)
    static let monday10am = Timestamp(day: monday, secondOfDay: 10 * 3600)

    static func day(_ offset: Int, from base: CalendarDay = monday) -> CalendarDay {
        CalendarDay(ordinal: base.ordinal + offset)
    }

    static func at(_ offset: Int, hour: Int = 10) -> Timestamp {
        Timestamp(day: day(offset), secondOfDay: hour * 3600)
    }

    /// A conversation waiting at a question, with a few answers.
    static func state(turns: Int = 3, variables: [String: Value] = ["pain_score": .number(6), "name_for_pain": .string("my lower back")]) -> SessionState {
        var s = SessionState(locale: "en", region: "GB", dialogsVersion: "test-1")
        s.position = SessionState.Position(flow: "pain", node: "how_long")
        s.returns = [SessionState.Position(flow: "welcome", node: "menu")]
        s.variables = variables
        s.turns = turns
        return s
    }

    /// The variables the activity-goal dialog leaves once a goal is made.
    static let goalVariables: [String: Value] = [
        "goal_set": .bool(true), "goal_activity": .string("walking"), "goal_minutes": .number(10),
        "goal_how_often": .string("three"), "goal_frequency": .string("3 times a week"),
        "goal_when": .string("in the morning"), "goal_confidence": .number(8),
    ]

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o777
    }

    static func octal(_ mode: mode_t?) -> String { mode.map { String($0, radix: 8) } ?? "missing" }
}
