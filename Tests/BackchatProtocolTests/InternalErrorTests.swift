import BackchatTestSupport
import BackchatEngine
@testable import BackchatProtocol
import Testing

@Suite("Dispatcher internal errors")
struct InternalErrorTests {
    /// JSON has no NaN, so a state holding one cannot be exported: the host gets -32603, not a crash.
    @Test func aResultThatCannotBeWrittenIsAnInternalError() throws {
        var d = try ProtocolFixture.dispatcher()
        _ = try d.call("session.start", #"{"session":"n"}"#)
        d.sessions["n"]?.variables["broken"] = .number(.nan)
        let answer = try d.call("session.export", #"{"session":"n"}"#, id: 4)
        #expect(answer["error"]?["code"]?.number == -32603)
        #expect(answer["id"]?.number == 4)
        #expect(answer["error"]?["message"]?.string?.hasPrefix("internal error: the result could not be written as JSON") == true)
        #expect(try d.call("session.say", #"{"session":"n","text":"yes"}"#)["result"]?["node"]?.string == "checkin.score",
                "the session itself goes on")
    }
}
