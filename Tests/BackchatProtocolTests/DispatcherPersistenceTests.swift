import BackchatTestSupport
import BackchatEngine
import BackchatProtocol
import Foundation
import Testing

@Suite("Dispatcher persistence")
struct DispatcherPersistenceTests {
    /// What `onSessionChange` was called with, in order.
    final class Changes: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [(String, SessionState?)] = []
        func append(_ id: String, _ state: SessionState?) { lock.lock(); list.append((id, state)); lock.unlock() }
        var all: [(String, SessionState?)] { lock.lock(); defer { lock.unlock() }; return list }
    }

    @Test func everySuccessfulChangeIsReportedAndFailuresAreNot() throws {
        var d = try ProtocolFixture.dispatcher()
        let changes = Changes()
        d.onSessionChange = { changes.append($0, $1) }
        _ = try d.call("session.start", #"{"session":"a"}"#)
        _ = try d.call("session.say", #"{"session":"a","text":"yes"}"#)
        let export = try d.call("session.export", #"{"session":"a"}"#)
        _ = try d.call("server.info")
        // Failures change nothing and report nothing.
        #expect(try d.call("session.say", #"{"session":"nope","text":"yes"}"#)["error"]?["code"]?.number == -32001)
        #expect(try d.call("session.start", #"{"session":"a"}"#)["error"]?["code"]?.number == -32002)
        #expect(try d.call("session.end", #"{"session":"nope"}"#)["error"]?["code"]?.number == -32001)
        #expect(changes.all.map(\.0) == ["a", "a"], "export and info change nothing")
        #expect(changes.all.last?.1 == d.sessions["a"], "say reports the state after the turn")
        #expect(changes.all.last?.1?.position?.node == "score")
        #expect(export["result"]?["state"]?["position"]?["node"]?.string == "score")

        let state = try #require(d.sessions["a"])
        let encoded = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        _ = try d.call("session.import", #"{"session":"b","state":\#(encoded)}"#)
        _ = try d.call("session.end", #"{"session":"a"}"#)
        let all = changes.all
        #expect(all.count == 4)
        #expect(all[2].0 == "b" && all[2].1 == d.sessions["b"], "import reports the imported state")
        #expect(all[3].0 == "a" && all[3].1 == nil, "end reports nil")
    }

    @Test func restoredSessionsAreLiveAndRestoringReportsNothing() throws {
        var first = try ProtocolFixture.dispatcher()
        _ = try first.call("session.start", #"{"session":"s1"}"#)
        _ = try first.call("session.say", #"{"session":"s1","text":"yes"}"#)
        let saved = try #require(first.sessions["s1"])

        var second = try ProtocolFixture.dispatcher()
        let changes = Changes()
        second.onSessionChange = { changes.append($0, $1) }
        second.restore("s1", saved)
        #expect(changes.all.isEmpty)
        #expect(second.sessions["s1"] == saved)
        let info = try second.call("server.info")
        #expect(info["result"]?["sessions"]?.number == 1)
        // It continues from the restored question, and a generated id skips it.
        let next = try second.call("session.say", #"{"session":"s1","text":"5"}"#)
        #expect(next["result"]?["node"]?.string == "checkin.since")
        #expect(try second.call("session.start")["result"]?["session"]?.string == "s2")
        #expect(try second.call("session.start", #"{"session":"s1"}"#)["error"]?["code"]?.number == -32002)
    }
}
