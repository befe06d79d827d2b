import BackchatTestSupport
import BackchatProtocol
import Foundation
import Testing

/// Every error the dispatcher answers with, asserted as the whole line a host receives.
@Suite("Dispatcher errors")
struct DispatcherErrorTests {
    /// A request line and the exact answer line.
    struct Case: CustomTestStringConvertible, Sendable {
        var line: String
        var answer: String
        var testDescription: String { line.count > 60 ? String(line.prefix(60)) + "…" : line }
    }

    static let parseError = #"{"error":{"code":-32700,"message":"parse error: the line is not valid JSON; send one JSON-RPC request object (or a batch array) per line"},"id":null,"jsonrpc":"2.0"}"#
    static func notAnObject(_ kind: String) -> String {
        #"{"error":{"code":-32600,"message":"invalid request: expected a JSON-RPC request object, got \#(kind); send {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server.info\"}"},"id":null,"jsonrpc":"2.0"}"#
    }
    static func unknownSession(_ id: Int) -> String {
        #"{"error":{"code":-32001,"data":{"session":"nope"},"message":"unknown session \"nope\": no live session has this id (it was never started, or it was ended); start one with session.start, or bring a saved one back with session.import"},"id":\#(id),"jsonrpc":"2.0"}"#
    }
    static let validState = #"{"format":1,"locale":"en","dialogsVersion":"x","returns":[],"variables":{},"history":[],"ended":false,"turns":0}"#

    static let cases: [Case] = [
        // -32700: not JSON.
        Case(line: "not json", answer: parseError),
        Case(line: #"{"jsonrpc":"2.0","id":1,"#, answer: parseError),
        Case(line: #"{"jsonrpc":"2.0","id":1,"method":"server.info"} trailing"#, answer: parseError),
        Case(line: #"[{"jsonrpc":"2.0","id":1,"method":"server.info"}"#, answer: parseError),
        // -32600: JSON, but not a request.
        Case(line: "[]", answer: #"{"error":{"code":-32600,"message":"invalid request: the batch is empty; send at least one request in the array, or a single request object"},"id":null,"jsonrpc":"2.0"}"#),
        Case(line: "5", answer: notAnObject("a number")),
        Case(line: #""hello""#, answer: notAnObject("a string")),
        Case(line: "null", answer: notAnObject("null")),
        Case(line: "true", answer: notAnObject("a boolean")),
        Case(line: #"{"id":2,"method":"server.info"}"#,
             answer: #"{"error":{"code":-32600,"message":"invalid request: \"jsonrpc\" is missing; add \"jsonrpc\":\"2.0\" to every request"},"id":2,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"1.0","id":3,"method":"server.info"}"#,
             answer: #"{"error":{"code":-32600,"message":"invalid request: \"jsonrpc\" is \"1.0\"; this server speaks JSON-RPC \"2.0\" only"},"id":3,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":2,"id":4,"method":"server.info"}"#,
             answer: #"{"error":{"code":-32600,"message":"invalid request: \"jsonrpc\" must be the string \"2.0\", not a number"},"id":4,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":{"a":1},"method":"server.info"}"#,
             answer: #"{"error":{"code":-32600,"message":"invalid request: \"id\" must be a string or a number, not an object"},"id":null,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":true,"method":"server.info"}"#,
             answer: #"{"error":{"code":-32600,"message":"invalid request: \"id\" must be a string or a number, not a boolean"},"id":null,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":5}"#,
             answer: #"{"error":{"code":-32600,"message":"invalid request: \"method\" is missing; name a method, e.g. \"method\":\"session.start\""},"id":5,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":6,"method":7}"#,
             answer: #"{"error":{"code":-32600,"message":"invalid request: \"method\" must be a string, not a number"},"id":6,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":7,"method":"server.info","params":"x"}"#,
             answer: #"{"error":{"code":-32600,"message":"invalid request: \"params\" must be an object of named params, not a string"},"id":7,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","method":"session.say","params":1}"#,
             answer: #"{"error":{"code":-32600,"message":"invalid request: \"params\" must be an object of named params, not a number"},"id":null,"jsonrpc":"2.0"}"#),
        // -32601: no such method (ids of every kind are echoed).
        Case(line: #"{"jsonrpc":"2.0","id":9,"method":"session.fly"}"#,
             answer: #"{"error":{"code":-32601,"message":"unknown method \"session.fly\"; the methods are session.start, session.say, session.end, session.export, session.import, server.info"},"id":9,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":"req-1","method":"rpc.discover"}"#,
             answer: #"{"error":{"code":-32601,"message":"unknown method \"rpc.discover\"; the methods are session.start, session.say, session.end, session.export, session.import, server.info"},"id":"req-1","jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":null,"method":"server.inf"}"#,
             answer: #"{"error":{"code":-32601,"message":"unknown method \"server.inf\"; the methods are session.start, session.say, session.end, session.export, session.import, server.info"},"id":null,"jsonrpc":"2.0"}"#),
        // -32602: params.
        Case(line: #"{"jsonrpc":"2.0","id":8,"method":"session.say","params":["a","b"]}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"params"},"message":"invalid params: session.say takes its params by name, as an object (e.g. \"params\":{\"session\":\"s1\"}), not as an array"},"id":8,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":10,"method":"session.say","params":{"text":"hi"}}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"session"},"message":"invalid params: session.say needs \"session\" (a string): the id session.start returned"},"id":10,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":11,"method":"session.say","params":{"session":"a"}}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"text"},"message":"invalid params: session.say needs \"text\" (a string): what the person typed"},"id":11,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":12,"method":"session.say","params":{"session":"a","text":42}}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"text"},"message":"invalid params: \"text\" must be a string (what the person typed), not a number"},"id":12,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":13,"method":"session.say","params":{"session":null,"text":"hi"}}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"session"},"message":"invalid params: \"session\" must be a string (the id session.start returned), not null"},"id":13,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":14,"method":"session.start","params":{"locale":["en"]}}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"locale"},"message":"invalid params: \"locale\" must be a string, not an array; leave it out if you have none"},"id":14,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":15,"method":"session.start","params":{"session":""}}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"session"},"message":"invalid params: \"session\" must be 1 to 256 bytes long; leave it out to get a generated id"},"id":15,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":20,"method":"session.import","params":{}}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"state"},"message":"invalid params: session.import needs \"state\" (an object): the state session.export returned"},"id":20,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":21,"method":"session.import","params":{"state":"abc"}}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"state"},"message":"invalid params: \"state\" must be an object (the state session.export returned), not a string"},"id":21,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":30,"method":"session.export"}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"session"},"message":"invalid params: session.export needs \"session\" (a string): the id of the session to save"},"id":30,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":31,"method":"session.end","params":{"session":7}}"#,
             answer: #"{"error":{"code":-32602,"data":{"param":"session"},"message":"invalid params: \"session\" must be a string (the id of the session to end), not a number"},"id":31,"jsonrpc":"2.0"}"#),
        // -32001: no such live session.
        Case(line: #"{"jsonrpc":"2.0","id":16,"method":"session.say","params":{"session":"nope","text":"hi"}}"#, answer: unknownSession(16)),
        Case(line: #"{"jsonrpc":"2.0","id":17,"method":"session.end","params":{"session":"nope"}}"#, answer: unknownSession(17)),
        Case(line: #"{"jsonrpc":"2.0","id":18,"method":"session.export","params":{"session":"nope"}}"#, answer: unknownSession(18)),
        // -32003: not a state this server can read.
        Case(line: #"{"jsonrpc":"2.0","id":22,"method":"session.import","params":{"state":{"locale":"en"}}}"#,
             answer: #"{"error":{"code":-32003,"data":{"param":"state"},"message":"invalid state: this is not a saved session (missing 'format'); pass the \"state\" value from session.export unchanged"},"id":22,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":23,"method":"session.import","params":{"state":\#(validState.replacingOccurrences(of: #""format":1"#, with: #""format":99"#))}}"#,
             answer: #"{"error":{"code":-32003,"data":{"param":"state"},"message":"invalid state: it has format 99, and this server reads formats 1 to 1; import it into a newer backchat"},"id":23,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":26,"method":"session.import","params":{"state":\#(validState.replacingOccurrences(of: #""variables":{}"#, with: #""variables":{"a":[1]}"#))}}"#,
             answer: #"{"error":{"code":-32003,"data":{"param":"state"},"message":"invalid state: this is not a saved session ('variables.a' should be a string); pass the \"state\" value from session.export unchanged"},"id":26,"jsonrpc":"2.0"}"#),
        // -32005: no such locale or flow.
        Case(line: #"{"jsonrpc":"2.0","id":24,"method":"session.start","params":{"locale":"de"}}"#,
             answer: #"{"error":{"code":-32005,"data":{"locale":"de","param":"locale"},"message":"unknown locale \"de\": this server has dialogs for en, fr; leave \"locale\" out to use en"},"id":24,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":25,"method":"session.start","params":{"flow":"nowhere"}}"#,
             answer: #"{"error":{"code":-32005,"data":{"flow":"nowhere","locale":"en","param":"flow"},"message":"unknown flow \"nowhere\" in locale en; its flows are breathing, checkin, urgent (server.info lists them), or leave \"flow\" out to start at the beginning"},"id":25,"jsonrpc":"2.0"}"#),
        Case(line: #"{"jsonrpc":"2.0","id":27,"method":"session.start","params":{"locale":"fr-CA","flow":"checkin"}}"#,
             answer: #"{"error":{"code":-32005,"data":{"flow":"checkin","locale":"fr","param":"flow"},"message":"unknown flow \"checkin\" in locale fr; its flows are bonjour (server.info lists them), or leave \"flow\" out to start at the beginning"},"id":27,"jsonrpc":"2.0"}"#),
    ]

    @Test(arguments: cases)
    func answersWithTheRightError(_ c: Case) throws {
        var d = try ProtocolFixture.dispatcher()
        #expect(d.respond(to: c.line) == c.answer)
    }

    @Test func invalidUTF8IsAParseError() throws {
        var d = try ProtocolFixture.dispatcher()
        var bytes = Array(#"{"jsonrpc":"2.0","id":1,"method":"session.say","params":{"session":"s1","text":""#.utf8)
        bytes += [0xC3, 0x28, 0xFF]
        bytes += Array(#""}}"#.utf8)
        let reply = d.respond(toLine: Data(bytes))
        let answer = try #require(reply)
        #expect(String(decoding: answer, as: UTF8.self)
            == #"{"error":{"code":-32700,"message":"parse error: the line is not valid UTF-8; send each message as UTF-8 encoded JSON"},"id":null,"jsonrpc":"2.0"}"#)
    }

    @Test func anOverLongLineHasItsOwnError() throws {
        let d = try ProtocolFixture.dispatcher()
        #expect(String(decoding: d.lineTooLongResponse(), as: UTF8.self)
            == #"{"error":{"code":-32004,"data":{"limit":1048576},"message":"line too long: a line may hold at most 1048576 bytes (1 MiB), and this one was discarded; send smaller messages, one per line"},"id":null,"jsonrpc":"2.0"}"#)
    }

    @Test func startingALiveIdAgainIsRefused() throws {
        var d = try ProtocolFixture.dispatcher()
        _ = try d.call("session.start", #"{"session":"a"}"#)
        let sessionExists = #"{"error":{"code":-32002,"data":{"session":"a"},"message":"session \"a\" is already live; choose another id, leave \"session\" out to get a new one, or end it first with session.end"},"id":19,"jsonrpc":"2.0"}"#
        #expect(d.respond(to: #"{"jsonrpc":"2.0","id":19,"method":"session.start","params":{"session":"a"}}"#) == sessionExists)
        let importing = #"{"jsonrpc":"2.0","id":19,"method":"session.import","params":{"session":"a","state":\#(Self.validState)}}"#
        #expect(d.respond(to: importing) == sessionExists, "import into a live id is refused the same way")
        #expect(d.sessions.count == 1)
    }

    @Test func aSessionIdMayBeAtMost256Bytes() throws {
        var d = try ProtocolFixture.dispatcher()
        let ok = String(repeating: "é", count: 128)   // 256 bytes
        #expect(try d.call("session.start", #"{"session":"\#(ok)"}"#)["result"]?["session"]?.string == ok)
        let long = String(repeating: "a", count: 257)
        #expect(try d.call("session.start", #"{"session":"\#(long)"}"#)["error"]?["code"]?.number == -32602)
    }

    @Test func notificationsAreNeverAnsweredEvenWhenTheyFail() throws {
        var d = try ProtocolFixture.dispatcher()
        #expect(d.respond(to: #"{"jsonrpc":"2.0","method":"session.fly"}"#) == nil, "unknown method")
        #expect(d.respond(to: #"{"jsonrpc":"2.0","method":"session.say","params":{"session":"nope","text":"x"}}"#) == nil, "unknown session")
        #expect(d.respond(to: #"{"jsonrpc":"2.0","method":"session.say","params":{"text":7}}"#) == nil, "bad params")
        #expect(d.respond(to: #"{"jsonrpc":"2.0","method":"session.say","params":[1]}"#) == nil, "params by position")
    }

    @Test func blankLinesAreSkippedSilently() throws {
        var d = try ProtocolFixture.dispatcher()
        for line in ["", " ", "\t \r"] { #expect(d.respond(to: line) == nil, "\(Array(line.utf8))") }
    }

    @Test func everyErrorCodeIsDocumented() throws {
        let doc = try String(contentsOfFile: ProtocolFixture.directory + "/../../../docs/protocol.md", encoding: .utf8)
        for code in RPCErrorCode.allCases {
            #expect(doc.contains("| \(code.rawValue) |"), "docs/protocol.md has a table row for \(code.rawValue) (\(code))")
        }
    }
}
