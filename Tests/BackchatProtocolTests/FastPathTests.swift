@testable import BackchatProtocol
import BackchatEngine
import Foundation
import Testing

/// The hand-written request reader and turn writer are shortcuts: for every kind of line,
/// the answers must be byte for byte what the `JSONDecoder`/`JSONEncoder` path gives.
@Suite("Protocol fast path")
struct FastPathTests {
    /// Lines of every shape: the common ones the fast path takes, and ones it must hand over.
    static let lines: [String] = [
        #"{"jsonrpc":"2.0","id":1,"method":"session.start"}"#,
        #"{"jsonrpc":"2.0","id":2,"method":"session.start","params":{"session":"a","locale":"en-GB"}}"#,
        #"  { "method" : "session.say" , "params" : { "text" : "yes" , "session" : "a" } , "id" : "x-1" , "jsonrpc" : "2.0" }  "#,
        #"{"jsonrpc":"2.0","id":3,"method":"session.say","params":{"session":"a","text":"caf\u00e9 \"quoted\" \\ back\/slash \ud83d\ude00 tab\t"}}"#,
        #"{"jsonrpc":"2.0","id":4,"method":"session.say","params":{"session":"a","text":"6"}}"#,
        #"{"jsonrpc":"2.0","id":-5,"method":"session.say","params":{"session":"a","text":"5"}}"#,
        #"{"jsonrpc":"2.0","id":null,"method":"session.say","params":{"session":"a","text":"x"}}"#,
        #"{"jsonrpc":"2.0","id":1.5,"method":"server.info"}"#,
        #"{"jsonrpc":"2.0","id":1e2,"method":"server.info"}"#,
        #"{"jsonrpc":"2.0","id":01,"method":"server.info"}"#,
        #"{"jsonrpc":"2.0","id":99999999999999999999,"method":"server.info"}"#,
        #"{"jsonrpc":"2.0","id":6,"method":"session.say","params":{"session":"a","text":7}}"#,
        #"{"jsonrpc":"2.0","id":7,"method":"session.say","params":{"session":"a","text":null}}"#,
        #"{"jsonrpc":"2.0","id":8,"method":"session.say","params":{"session":"a","text":"hi","extra":"ignored?"}}"#,
        #"{"jsonrpc":"2.0","id":9,"method":"session.say","params":{"session":"a","session":"b","text":"dup"}}"#,
        #"{"jsonrpc":"2.0","id":10,"id":11,"method":"server.info"}"#,
        #"{"jsonrpc":"2.0","id":12,"method":"server.info","extra":true}"#,
        #"{"jsonrpc":"1.0","id":13,"method":"server.info"}"#,
        #"{"id":14,"method":"server.info"}"#,
        #"{"jsonrpc":"2.0","id":15,"method":"session.say","params":{"session":"a","text":"bad \x escape"}}"#,
        #"{"jsonrpc":"2.0","id":16,"method":"session.say","params":{"session":"a","text":"lone \udc00 surrogate"}}"#,
        #"{"jsonrpc":"2.0","id":17,"method":"session.say","params":{"session":"a","text":"unterminated}}"#,
        #"{"jsonrpc":"2.0","id":18,"method":"session.say","params":[]}"#,
        #"{"jsonrpc":"2.0","id":19,"method":"session.say"} x"#,
        #"{}"#,
        #"{"jsonrpc":"2.0","method":"session.say","params":{"session":"a","text":"a notification"}}"#,
        #"{"jsonrpc":"2.0","id":20,"method":"session.export","params":{"session":"a"}}"#,
        #"{"jsonrpc":"2.0","id":21,"method":"session.end","params":{"session":"a"}}"#,
        #"{"jsonrpc":"2.0","id":22,"method":"session.say","params":{"session":"a","text":"after the end"}}"#,
    ]

    @Test func bothPathsGiveTheSameAnswers() throws {
        var fast = try ProtocolFixture.dispatcher()
        var slow = try ProtocolFixture.dispatcher()
        slow.fastPath = false
        for line in Self.lines {
            #expect(fast.respond(to: line) == slow.respond(to: line), "\(line)")
        }
        // A line with a raw control character inside a string is not JSON on either path.
        let raw = "{\"jsonrpc\":\"2.0\",\"id\":23,\"method\":\"session.start\",\"params\":{\"session\":\"b\u{01}\"}}"
        #expect(fast.respond(to: raw) == slow.respond(to: raw))
    }

    @Test func theWriterMatchesJSONEncoderOnAwkwardText() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let awkward = ["plain", "quote \" and \\ backslash", "new\nline\ttab\rcr", "\u{01}\u{1F}\u{7F} controls", "/slash/",
                       "émoji 😀 and ñ", "\u{2028}\u{2029} separators", "", "{\"json\":[1]}"]
        for (i, text) in awkward.enumerated() {
            let escalation = Escalation(level: .crisis, category: i.isMultiple(of: 2) ? "c" : nil, reason: text, new: i > 3,
                                        certainty: .possible, resources: [Resource(kind: "crisis", name: text, contact: "988", detail: i > 2 ? nil : text)])
            let turn = Turn(messages: [text, "second"], choices: [ChoiceView(key: "k\(i)", label: text)], expects: .choice,
                            escalation: i.isMultiple(of: 3) ? nil : escalation, ended: i == 4, node: "flow.\(i)")
            let result = TurnResult(session: text.isEmpty ? "s" : text, turn: turn)
            for id in [RequestID.number(Int64(i)), .string(text), .null] {
                let fast = try #require(TurnResponseWriter.write(id: id, result: result))
                let slow = try encoder.encode(Response(id: id, outcome: .success(.turn(result))))
                #expect(String(decoding: fast, as: UTF8.self) == String(decoding: slow, as: UTF8.self))
            }
        }
        #expect(TurnResponseWriter.write(id: .fractional(1.5), result: TurnResult(session: "s", turn: Turn())) == nil)
    }

    /// The eight-bytes-at-a-time check must find every byte that needs escaping, wherever it
    /// sits in a word, and none in clean text (UTF-8 above 0x7F included).
    @Test func theCleanCheckFindsEveryByteToEscape() {
        let fillers: [UInt8] = [UInt8(ascii: "a"), 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xC3, 0xFF]
        let specials: [UInt8] = Array(0x00..<0x20) + [0x22, 0x5C]
        for length in 0...24 {
            for filler in fillers {
                let clean = [UInt8](repeating: filler, count: length)
                #expect(clean.withUnsafeBytes { TurnResponseWriter.isClean($0) }, "length \(length), filler \(filler)")
                for position in 0..<length {
                    for special in specials {
                        var bytes = clean
                        bytes[position] = special
                        #expect(!bytes.withUnsafeBytes { TurnResponseWriter.isClean($0) },
                                "byte \(special) at \(position) of \(length) among \(filler)")
                    }
                }
            }
        }
    }
}
