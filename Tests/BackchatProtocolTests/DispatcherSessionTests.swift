import BackchatTestSupport
import BackchatEngine
import BackchatProtocol
import Foundation
import Testing

@Suite("Dispatcher sessions")
struct DispatcherSessionTests {
    @Test func aWholeConversationWithEveryKindOfAnswer() throws {
        var d = try ProtocolFixture.dispatcher()
        #expect(d.respond(to: #"{"jsonrpc":"2.0","id":1,"method":"session.start"}"#)
            == #"{"id":1,"jsonrpc":"2.0","result":{"choices":[{"key":"yes","label":"Yes"},{"key":"no","label":"Not now"},{"key":"worry","label":"Something worries me"}],"ended":false,"escalation":null,"expects":"choice","messages":["Hello from the protocol fixture.","Shall we begin?"],"node":"checkin.ready","session":"s1"}}"#)
        #expect(d.respond(to: #"{"jsonrpc":"2.0","id":2,"method":"session.say","params":{"session":"s1","text":"yes"}}"#)
            == #"{"id":2,"jsonrpc":"2.0","result":{"choices":[],"ended":false,"escalation":null,"expects":"number","messages":["How strong is the pain today, from 0 to 10?"],"node":"checkin.score","session":"s1"}}"#)
        let since = try d.call("session.say", #"{"session":"s1","text":"seven"}"#, id: 3)
        #expect(since["result"]?["expects"]?.string == "duration")
        let note = try d.call("session.say", #"{"session":"s1","text":"since March"}"#, id: 4)
        #expect(note["result"]?["expects"]?.string == "text")
        #expect(d.respond(to: #"{"jsonrpc":"2.0","id":5,"method":"session.say","params":{"session":"s1","text":"It's worse at night \"mostly\" / sometimes."}}"#)
            == #"{"id":5,"jsonrpc":"2.0","result":{"choices":[],"ended":true,"escalation":null,"expects":"none","messages":["Thanks. Pain 7 out of 10."],"node":"end","session":"s1"}}"#)
        let export = try d.call("session.export", #"{"session":"s1"}"#, id: 6)
        let variables = try #require(export["result"]?["state"]?["variables"])
        #expect(variables["pain"]?.number == 7)
        #expect(variables["weeks"]?.number == 13.1, "March 1 to the fixture date June 1 is 92 days: 13.1 weeks")
        #expect(variables["note"]?.string == #"It's worse at night "mostly" / sometimes."#)
        // An ended conversation stays live (the person may /restart) until session.end.
        #expect(try d.call("session.say", #"{"session":"s1","text":"hello?"}"#, id: 7)["result"]?["ended"]?.bool == true)
        let end = try d.call("session.end", #"{"session":"s1"}"#, id: 8)
        #expect(end["result"]?["messages"] == .array([.string("Take care. You can come back any time.")]))
        #expect(end["result"]?["ended"]?.bool == true)
        #expect(d.sessions.isEmpty)
        #expect(try d.call("session.say", #"{"session":"s1","text":"hi"}"#, id: 9)["error"]?["code"]?.number == -32001)
    }

    @Test func startTakesIdLocaleRegionAndFlow() throws {
        var d = try ProtocolFixture.dispatcher()
        let fr = try d.call("session.start", #"{"session":"anna","locale":"fr-CA"}"#)
        #expect(fr["result"]?["session"]?.string == "anna")
        #expect(fr["result"]?["node"]?.string == "bonjour.pret")
        #expect(d.sessions["anna"]?.region == "CA", "the region comes from the locale when not given")
        let breathing = try d.call("session.start", #"{"flow":"breathing","region":"US","locale":null}"#)
        #expect(breathing["result"]?["node"]?.string == "breathing.again")
        #expect(d.sessions["s1"]?.region == "US")
        #expect(d.sessions["s1"]?.locale == "en")
    }

    @Test func generatedIdsSkipIdsAHostChose() throws {
        var d = try ProtocolFixture.dispatcher()
        _ = try d.call("session.start", #"{"session":"s2"}"#)
        let ids = try (0..<3).map { _ in try d.call("session.start")["result"]?["session"]?.string }
        #expect(ids == ["s1", "s3", "s4"])
    }

    @Test func escalationsCarryLevelReasonAndResources() throws {
        var d = try ProtocolFixture.dispatcher(scanner: KeywordScanner())
        _ = try d.call("session.start", #"{"region":"US"}"#)
        let answer = d.respond(to: #"{"jsonrpc":"2.0","id":2,"method":"session.say","params":{"session":"s1","text":"my groin feels numb"}}"#)
        #expect(answer == #"{"id":2,"jsonrpc":"2.0","result":{"choices":[{"key":"yes","label":"Yes"},{"key":"no","label":"Not now"},{"key":"worry","label":"Something worries me"}],"ended":false,"escalation":{"category":"saddle-numbness","certainty":"clear","level":"emergency","new":true,"reason":"numbness around the groin","resources":[{"contact":"911","detail":null,"kind":"emergency","name":"Emergency services"}]},"expects":"choice","messages":["Shall we begin?"],"node":"checkin.ready","session":"s1"}}"#)
    }

    @Test func aSafetyFlowShowsItsEscalationOnEveryTurnInIt() throws {
        var d = try ProtocolFixture.dispatcher()
        _ = try d.call("session.start")
        let urgent = try d.call("session.say", #"{"session":"s1","text":"something worries me"}"#)
        let escalation = try #require(urgent["result"]?["escalation"])
        #expect(escalation["level"]?.string == "urgent")
        #expect(escalation["resources"]?[0]?["kind"]?.string == "medical")
        #expect(escalation["resources"]?[0]?["detail"]?.isNull == true, "detail is null when the table has none")
        #expect(urgent["result"]?["node"]?.string == "urgent.carry_on")
        let back = try d.call("session.say", #"{"session":"s1","text":"yes"}"#)
        #expect(back["result"]?["escalation"]?.isNull == true)
        #expect(back["result"]?["node"]?.string == "checkin.score")
    }

    @Test func batchesAnswerInOrderAndLeaveNotificationsOut() throws {
        var d = try ProtocolFixture.dispatcher()
        let batch = """
            [{"jsonrpc":"2.0","id":"a","method":"session.start","params":{"session":"x"}},\
            {"jsonrpc":"2.0","method":"session.say","params":{"session":"x","text":"yes"}},\
            {"jsonrpc":"2.0","id":"b","method":"session.say","params":{"session":"x","text":"4"}},\
            7,\
            {"jsonrpc":"2.0","id":"c","method":"nope"}]
            """
        let reply = d.respond(to: batch)
        let answer = try JSON.parse(try #require(reply))
        let items = try #require(answer.array)
        #expect(items.map { $0["id"] ?? .null } == [.string("a"), .string("b"), .null, .string("c")])
        #expect(items[1]["result"]?["node"]?.string == "checkin.since", "the notification in between ran")
        #expect(items[2]["error"]?["code"]?.number == -32600)
        #expect(items[3]["error"]?["code"]?.number == -32601)
        #expect(items.allSatisfy { $0["jsonrpc"]?.string == "2.0" })
    }

    @Test func aBatchOfNotificationsGetsNoAnswerButRuns() throws {
        var d = try ProtocolFixture.dispatcher()
        #expect(d.respond(to: #"[{"jsonrpc":"2.0","method":"session.start","params":{"session":"q"}},{"jsonrpc":"2.0","method":"session.say","params":{"session":"q","text":"yes"}}]"#) == nil)
        #expect(d.sessions["q"]?.position?.node == "score")
    }

    @Test func exportAndImportRoundTripIntoAnotherServer() throws {
        var first = try ProtocolFixture.dispatcher()
        _ = try first.call("session.start", #"{"session":"p"}"#)
        _ = try first.call("session.say", #"{"session":"p","text":"yes"}"#)
        _ = try first.call("session.say", #"{"session":"p","text":"6"}"#)
        let reply = first.respond(to: #"{"jsonrpc":"2.0","id":1,"method":"session.export","params":{"session":"p"}}"#)
        let exported = try #require(reply)
        // Cut the state out of the answer as a host would, and hand it to a second server.
        let state = try #require(JSON.parse(exported)["result"]?["state"])
        let stateText = try #require(Self.stateText(in: exported))
        #expect(try JSON.parse(stateText) == state)
        var second = try ProtocolFixture.dispatcher()
        let imported = try second.call("session.import", #"{"state":\#(stateText),"session":"moved"}"#)
        #expect(imported["result"]?["session"]?.string == "moved")
        #expect(imported["result"]?["node"]?.string == "checkin.since")
        #expect(imported["result"]?["messages"] == .array([.string("Let's carry on where we were."), .string("How long have you had it?")]),
                "the question is asked again")
        #expect(second.sessions["moved"] == first.sessions["p"], "the state is the same value")
        // Both go on identically.
        let a = try first.call("session.say", #"{"session":"p","text":"3 weeks"}"#)["result"]
        let b = try second.call("session.say", #"{"session":"moved","text":"3 weeks"}"#)["result"]
        #expect(a?["messages"] == b?["messages"])
        #expect(a?["node"] == b?["node"])
        // Without a session id the import gets a generated one.
        #expect(try second.call("session.import", #"{"state":\#(stateText)}"#)["result"]?["session"]?.string == "s1")
    }

    /// A state saved before the dialogs lost its question: the import says so once, asks the
    /// restarted question once, and the next answer is taken as the answer to it.
    @Test func importingAStateWhoseQuestionIsGoneRestartsThatFlowOnce() throws {
        var d = try ProtocolFixture.dispatcher()
        let state = #"{"format":1,"locale":"en","dialogsVersion":"old","position":{"flow":"checkin","node":"gone"},"returns":[],"variables":{"pain":4},"history":[],"ended":false,"turns":3}"#
        let imported = try d.call("session.import", #"{"state":\#(state)}"#)
        let next = try d.call("session.say", #"{"session":"s1","text":"yes"}"#)
        #expect(next["result"]?["node"]?.string == "checkin.score")
        #expect(imported["result"]?["messages"] == .array([
            .string("The conversation has been updated since last time, so we'll pick up at the start of this part."),
            .string("Hello from the protocol fixture."), .string("Shall we begin?")]))
        #expect(next["result"]?["messages"] == .array([.string("How strong is the pain today, from 0 to 10?")]))
        #expect(d.sessions["s1"]?.variables["pain"] == .number(4), "the person's answers are kept")
    }

    /// The raw text of `"state":{…}` in an answer line (a host stores it byte for byte).
    static func stateText(in answer: String) -> String? {
        guard let start = answer.range(of: #""state":"#)?.upperBound else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        var i = start
        while i < answer.endIndex {
            let c = answer[i]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            } else if c == "\"" { inString = true }
            else if c == "{" { depth += 1 }
            else if c == "}" { depth -= 1; if depth == 0 { return String(answer[start...i]) } }
            i = answer.index(after: i)
        }
        return nil
    }

    @Test func serverInfoDescribesTheServer() throws {
        var d = try ProtocolFixture.dispatcher()
        _ = try d.call("session.start")
        let script = try ProtocolFixture.script()
        #expect(d.respond(to: #"{"jsonrpc":"2.0","id":1,"method":"server.info","params":{"ignored":true}}"#)
            == #"{"id":1,"jsonrpc":"2.0","result":{"defaultLocale":"en","dialogs":"\#(script.version)","locales":[{"code":"en","entry":"checkin","flows":["breathing","checkin","urgent"]},{"code":"fr","entry":"bonjour","flows":["bonjour"]}],"maxLineBytes":1048576,"name":"backchat","protocol":"1.0","sessions":1,"version":"9.9.9"}}"#)
    }

    @Test func idsOfEveryKindAreEchoed() throws {
        var d = try ProtocolFixture.dispatcher()
        for id in [#""abc""#, "0", "-12", "9007199254740993", "1.5", "null"] {
            let reply = d.respond(to: #"{"jsonrpc":"2.0","id":\#(id),"method":"server.info"}"#)
            let answer = try #require(reply)
            #expect(answer.hasPrefix(#"{"id":\#(id),"#), "id \(id) comes back as sent: \(answer.prefix(40))")
        }
    }

    @Test func nullOrEmptyParamsMeanNoParams() throws {
        var d = try ProtocolFixture.dispatcher()
        for params in ["null", "[]", "{}"] {
            #expect(try d.call("server.info", params)["result"]?["name"]?.string == "backchat", "params \(params)")
        }
    }

    @Test func unknownParamsAreIgnored() throws {
        var d = try ProtocolFixture.dispatcher()
        let answer = try d.call("session.start", #"{"session":"z","future":{"x":[1,2]},"text":5}"#)
        #expect(answer["result"]?["session"]?.string == "z", "text is not a param of session.start, so its type does not matter")
    }

    @Test func aThousandInterleavedSessionsEachFollowTheirOwnConversation() throws {
        var d = try ProtocolFixture.dispatcher()
        let engine = Engine(script: try ProtocolFixture.script())
        let count = 1200
        // Three kinds of conversation, interleaved round by round across all sessions.
        let scripts: [[String]] = [
            ["yes", "8", "about 2 months", "it hurts", "more"],
            ["no", "hello", "/restart", "yes", "3"],
            ["something worries me", "yes", "10", "a year and a half", "skip"],
        ]
        var expected: [[Turn]] = []
        for i in 0..<count {
            var (state, turn) = try engine.start(today: ProtocolFixture.today)
            var turns = [turn]
            for text in scripts[i % 3] { turns.append(engine.respond(&state, to: .text(text), today: ProtocolFixture.today)) }
            expected.append(turns)
            _ = state
        }
        for i in 0..<count {
            let r = try d.call("session.start", #"{"session":"u\#(i)"}"#, id: i)
            #expect(r["result"]?["messages"] == .array(expected[i][0].messages.map(JSON.string)))
        }
        var mismatches = 0
        for round in 0..<5 {
            for i in 0..<count {
                let r = try d.call("session.say", #"{"session":"u\#(i)","text":"\#(scripts[i % 3][round])"}"#, id: round * count + i)
                let want = expected[i][round + 1]
                if r["result"]?["messages"] != .array(want.messages.map(JSON.string)) || r["result"]?["node"]?.string != want.node
                    || r["id"]?.number != Double(round * count + i) {
                    mismatches += 1
                }
            }
        }
        #expect(mismatches == 0, "every answer matches the same conversation run alone")
        #expect(d.sessions.count == count)
    }

    @Test func garbageNeverDisturbsTheSessions() throws {
        var d = try ProtocolFixture.dispatcher()
        _ = try d.call("session.start", #"{"session":"g"}"#)
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let count = Int(rng.next() % 200) + 1
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }.filter { $0 != 0x0A }
            let answer = d.respond(toLine: Data(bytes)).map { String(decoding: $0, as: UTF8.self) }
            if let answer {
                let code = try JSON.parse(answer)["error"]?["code"]?.number
                #expect(code == -32700 || code == -32600, "\(bytes.prefix(20)) → \(answer)")
            } else {
                #expect(bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }, "only blank lines go unanswered")
            }
        }
        #expect(try d.call("session.say", #"{"session":"g","text":"yes"}"#)["result"]?["node"]?.string == "checkin.score")
    }
}
