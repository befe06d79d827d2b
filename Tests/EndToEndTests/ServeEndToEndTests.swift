import BackchatTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `backchat serve` driven by a separate client process over pipes, as a host program would.
@Suite("Serve, end to end")
struct ServeEndToEndTests {
    static let fixture = ServeProcess.package.appendingPathComponent("Tests/Fixtures/protocol").path

    @Test func aHostRunsAWholeConversation() throws {
        let server = try ServeProcess()
        let info = try JSONLine(server.request(#"{"jsonrpc":"2.0","id":1,"method":"server.info"}"#))
        #expect(info["result"]?["protocol"]?.string == "1.0")
        #expect(info["result"]?["locales"]?[0]?["flows"]?.array?.count == 3)
        #expect(try server.request(#"{"jsonrpc":"2.0","id":2,"method":"session.start","params":{"session":"web-42","region":"US"}}"#)
            == #"{"id":2,"jsonrpc":"2.0","result":{"choices":[{"key":"yes","label":"Yes"},{"key":"no","label":"Not now"},{"key":"worry","label":"Something worries me"}],"ended":false,"escalation":null,"expects":"choice","messages":["Hello from the protocol fixture.","Shall we begin?"],"node":"checkin.ready","session":"web-42"}}"#)
        #expect(try server.request(#"{"jsonrpc":"2.0","id":3,"method":"session.say","params":{"session":"web-42","text":"3"}}"#)
            == #"{"id":3,"jsonrpc":"2.0","result":{"choices":[{"key":"yes","label":"Yes, carry on"}],"ended":false,"escalation":{"category":null,"certainty":"clear","level":"urgent","new":true,"reason":null,"resources":[{"contact":"your doctor or an urgent care clinic","detail":"today","kind":"medical","name":"Urgent care"},{"contact":"911","detail":null,"kind":"emergency","name":"Emergency services"}]},"expects":"choice","messages":["Please contact a doctor today about this.","Shall we carry on?"],"node":"urgent.carry_on","session":"web-42"}}"#)
        for (text, node) in [("yes", "checkin.score"), ("5", "checkin.since"), ("6 wks", "checkin.note")] {
            let r = try JSONLine(server.request(#"{"jsonrpc":"2.0","id":4,"method":"session.say","params":{"session":"web-42","text":"\#(text)"}}"#))
            #expect(r["result"]?["node"]?.string == node, "after \(text)")
        }
        let last = try JSONLine(server.request(#"{"jsonrpc":"2.0","id":5,"method":"session.say","params":{"session":"web-42","text":"skip"}}"#))
        #expect(last["result"]?["ended"]?.bool == true)
        #expect(last["result"]?["messages"]?.array?.last?.string == "Thanks. Pain 5 out of 10.")
        let end = try JSONLine(server.request(#"{"jsonrpc":"2.0","id":6,"method":"session.end","params":{"session":"web-42"}}"#))
        #expect(end["result"]?["ended"]?.bool == true)
        let status = try server.finish()
        #expect(status == 0)
        #expect(server.stderrText().isEmpty, "no diagnostics on a clean run: \(server.stderrText())")
    }

    @Test func aRestartedServerWithAStoreContinuesItsSessions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("backchat-serve-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let arguments = ["serve", "--store", dir.appendingPathComponent("s.sqlite").path, "--dialogs", Self.fixture]

        let first = try ServeProcess(arguments: arguments)
        let start = try JSONLine(first.request(#"{"jsonrpc":"2.0","id":1,"method":"session.start","params":{"session":"web-7"}}"#))
        #expect(start["result"]?["node"]?.string == "checkin.ready")
        let score = try JSONLine(first.request(#"{"jsonrpc":"2.0","id":2,"method":"session.say","params":{"session":"web-7","text":"yes"}}"#))
        #expect(score["result"]?["node"]?.string == "checkin.score")
        #expect(try first.finish() == 0)
        #expect(first.stderrText().isEmpty, "\(first.stderrText())")

        // The same store: the session is live again, at the question it was saved at.
        let second = try ServeProcess(arguments: arguments)
        let info = try JSONLine(second.request(#"{"jsonrpc":"2.0","id":1,"method":"server.info"}"#))
        #expect(info["result"]?["sessions"]?.number == 1)
        let since = try JSONLine(second.request(#"{"jsonrpc":"2.0","id":2,"method":"session.say","params":{"session":"web-7","text":"5"}}"#))
        #expect(since["result"]?["node"]?.string == "checkin.since", "\(since)")
        let export = try JSONLine(second.request(#"{"jsonrpc":"2.0","id":3,"method":"session.export","params":{"session":"web-7"}}"#))
        #expect(export["result"]?["state"]?["variables"]?["pain"]?.number == 5)
        let end = try JSONLine(second.request(#"{"jsonrpc":"2.0","id":4,"method":"session.end","params":{"session":"web-7"}}"#))
        #expect(end["result"]?["ended"]?.bool == true)
        #expect(try second.finish() == 0)
        #expect(second.stderrText().isEmpty, "\(second.stderrText())")

        // Ended: gone from the store too.
        let third = try ServeProcess(arguments: arguments)
        let gone = try JSONLine(third.request(#"{"jsonrpc":"2.0","id":1,"method":"session.say","params":{"session":"web-7","text":"6 weeks"}}"#))
        #expect(gone["error"]?["code"]?.number == -32001)
        #expect(try third.finish() == 0)
    }

    @Test func aStoreThatCannotBeOpenedExits2() throws {
        let server = try ServeProcess(arguments: ["serve", "--store", "/dev/null/s.sqlite", "--dialogs", Self.fixture])
        #expect(try server.waitForExit() == 2)
        #expect(server.stderrText().hasPrefix("backchat: "), "\(server.stderrText())")
    }

    /// A bad line and the error code it must get; each is followed by a check that the session survived.
    static let badLines: [(String, [UInt8], Int)] = [
        ("not JSON", Array("{oops".utf8), -32700),
        ("invalid UTF-8", Array(#"{"jsonrpc":"2.0","id":1,"method":"server.info","x":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8), -32700),
        ("a number", Array("42".utf8), -32600),
        ("empty batch", Array("[]".utf8), -32600),
        ("jsonrpc missing", Array(#"{"id":1,"method":"server.info"}"#.utf8), -32600),
        ("jsonrpc wrong", Array(#"{"jsonrpc":"1.0","id":1,"method":"server.info"}"#.utf8), -32600),
        ("method missing", Array(#"{"jsonrpc":"2.0","id":1}"#.utf8), -32600),
        ("unknown method", Array(#"{"jsonrpc":"2.0","id":1,"method":"session.fly"}"#.utf8), -32601),
        ("param missing", Array(#"{"jsonrpc":"2.0","id":1,"method":"session.say","params":{"session":"keep"}}"#.utf8), -32602),
        ("param mistyped", Array(#"{"jsonrpc":"2.0","id":1,"method":"session.say","params":{"session":"keep","text":1}}"#.utf8), -32602),
        ("params by position", Array(#"{"jsonrpc":"2.0","id":1,"method":"session.say","params":["keep","hi"]}"#.utf8), -32602),
        ("unknown session", Array(#"{"jsonrpc":"2.0","id":1,"method":"session.say","params":{"session":"gone","text":"hi"}}"#.utf8), -32001),
        ("session exists", Array(#"{"jsonrpc":"2.0","id":1,"method":"session.start","params":{"session":"keep"}}"#.utf8), -32002),
        ("invalid state", Array(#"{"jsonrpc":"2.0","id":1,"method":"session.import","params":{"state":{"format":1}}}"#.utf8), -32003),
        ("line too long", Array(repeating: UInt8(ascii: "x"), count: 3 << 20), -32004),
        ("too long and valid JSON", Array(#"{"jsonrpc":"2.0","id":1,"method":"session.say","params":{"session":"keep","text":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 1 << 20) + Array(#""}}"#.utf8), -32004),
        ("unknown flow", Array(#"{"jsonrpc":"2.0","id":1,"method":"session.start","params":{"flow":"nope"}}"#.utf8), -32005),
        ("unknown locale", Array(#"{"jsonrpc":"2.0","id":1,"method":"session.start","params":{"locale":"xx"}}"#.utf8), -32005),
    ]

    @Test func everyBadInputGetsItsErrorAndTheSessionsGoOn() throws {
        let server = try ServeProcess()
        _ = try server.request(#"{"jsonrpc":"2.0","id":0,"method":"session.start","params":{"session":"keep"}}"#)
        var expectedNode = "checkin.score"
        let answers = ["yes", "4", "2 weeks", "hm"]
        for (i, (name, bytes, code)) in Self.badLines.enumerated() {
            try server.send(bytes: bytes + [0x0A])
            let answer = try JSONLine(server.readLine())
            #expect(answer["error"]?["code"]?.number == Double(code), "\(name): \(answer)")
            #expect(answer["jsonrpc"]?.string == "2.0", "\(name)")
            if code == -32700 || code == -32004 { #expect(answer["id"]?.isNull == true, "\(name): id null") }
            // The session still answers, and remembers where it was.
            if i < answers.count {
                let r = try JSONLine(server.request(#"{"jsonrpc":"2.0","id":"ok\#(i)","method":"session.say","params":{"session":"keep","text":"\#(answers[i])"}}"#))
                #expect(r["result"]?["node"]?.string == expectedNode, "after \(name)")
                expectedNode = ["checkin.since", "checkin.note", "end", "end"][i]
            } else {
                let r = try JSONLine(server.request(#"{"jsonrpc":"2.0","id":"ok\#(i)","method":"session.export","params":{"session":"keep"}}"#))
                #expect(r["result"]?["session"]?.string == "keep", "after \(name)")
            }
        }
        #expect(try server.finish() == 0)
    }

    @Test func notificationsGetNoLineAndBatchesGetOneArray() throws {
        let server = try ServeProcess()
        try server.send(#"{"jsonrpc":"2.0","method":"session.start","params":{"session":"n"}}"#)
        try server.send(#"{"jsonrpc":"2.0","method":"no.such.method"}"#)
        try server.send(#"[{"jsonrpc":"2.0","method":"session.say","params":{"session":"n","text":"yes"}}]"#)
        try server.send("")
        try server.send("   \r")
        let export = try JSONLine(server.request(#"{"jsonrpc":"2.0","id":"after","method":"session.export","params":{"session":"n"}}"#))
        #expect(export["id"]?.string == "after", "the first line out answers the first request; notifications and blank lines got none")
        #expect(export["result"]?["state"]?["position"]?["node"]?.string == "score", "the notifications ran")
        let batch = try JSONLine(server.request(#"[{"jsonrpc":"2.0","id":1,"method":"server.info"},{"jsonrpc":"2.0","method":"server.info"},{"jsonrpc":"2.0","id":2,"method":"session.say","params":{"session":"n","text":"9"}},{"foo":1}]"#))
        let items = try #require(batch.array)
        #expect(items.count == 3)
        #expect(items[0]["result"]?["name"]?.string == "backchat")
        #expect(items[1]["result"]?["node"]?.string == "checkin.since")
        #expect(items[2]["error"]?["code"]?.number == -32600)
        #expect(try server.finish() == 0)
    }

    @Test func aThousandFiveHundredInterleavedSessionsPipedAtOnce() throws {
        let server = try ServeProcess()
        let count = 1500
        let scripts = [["yes", "8", "about 2 months", "it hurts"], ["no", "hello", "/restart", "yes"], ["something worries me", "yes", "10", "a year"]]
        var input = ""
        var requests = 0
        for i in 0..<count {
            input += #"{"jsonrpc":"2.0","id":\#(requests),"method":"session.start","params":{"session":"c\#(i)"}}"# + "\n"
            requests += 1
        }
        for round in 0..<4 {
            for i in 0..<count {
                input += #"{"jsonrpc":"2.0","id":\#(requests),"method":"session.say","params":{"session":"c\#(i)","text":"\#(scripts[i % 3][round])"}}"# + "\r\n"
                requests += 1
            }
        }
        server.sendInBackground(Data(input.utf8), thenClose: true)
        var transcripts = [String](repeating: "", count: count)
        for n in 0..<requests {
            let line = try server.readLine()
            let r = try JSONLine(line)
            guard r["id"]?.number == Double(n), let result = r["result"], let session = result["session"]?.string,
                  let i = Int(session.dropFirst()) else {
                Issue.record("answer \(n) is out of order or failed: \(line.prefix(200))")
                return
            }
            transcripts[i] += "\(result["node"] ?? .null)|\(result["messages"] ?? .null)|\(result["escalation"]?["level"] ?? .null)\n"
        }
        for kind in 0..<3 {
            let distinct = Set(stride(from: kind, to: count, by: 3).map { transcripts[$0] })
            #expect(distinct.count == 1, "every session of kind \(kind) had the same conversation, unaffected by the others")
        }
        #expect(try server.readLineOrEOF() == nil, "nothing after the last answer")
        #expect(try server.waitForExit() == 0)
    }

    @Test func randomGarbageNeverStopsTheServer() throws {
        let server = try ServeProcess()
        _ = try server.request(#"{"jsonrpc":"2.0","id":0,"method":"session.start","params":{"session":"g"}}"#)
        var rng = SplitMix64(seed: 2024)
        var stream: [UInt8] = []
        var expected = 0
        for _ in 0..<800 {
            let length = Int(rng.next() % 300) + 1
            var line = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }.filter { $0 != 0x0A }
            if rng.next() % 4 == 0 { line = Array(#"{"jsonrpc":"2.0","id":"#.utf8) + line }  // near misses
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { expected += 1 }
            stream += line + [0x0A]
        }
        server.sendInBackground(Data(stream), thenClose: false)
        for _ in 0..<expected {
            let r = try JSONLine(server.readLine())
            let code = r["error"]?["code"]?.number
            #expect(code == -32700 || code == -32600, "garbage gets a parse error or an invalid-request error: \(r)")
        }
        server.waitForBackgroundWrite()
        let after = try JSONLine(server.request(#"{"jsonrpc":"2.0","id":1,"method":"session.say","params":{"session":"g","text":"yes"}}"#))
        #expect(after["result"]?["node"]?.string == "checkin.score", "the session survived the garbage")
        #expect(try server.finish() == 0)
    }

    @Test func endOfInputAnswersEverythingThenExitsZero() throws {
        let server = try ServeProcess()
        try server.send(bytes: Array(#"{"jsonrpc":"2.0","id":1,"method":"session.start"}"#.utf8) + [0x0A]
            + Array(#"{"jsonrpc":"2.0","id":2,"method":"session.say","params":{"session":"s1","text":"yes"}}"#.utf8))
        server.closeInput()
        #expect(try JSONLine(server.readLine())["id"]?.number == 1)
        #expect(try JSONLine(server.readLine())["id"]?.number == 2, "a last line without a line break is answered too")
        #expect(try server.readLineOrEOF() == nil)
        #expect(try server.waitForExit() == 0)
        #expect(server.stderrText().isEmpty)
    }

    @Test func aClosedStdoutEndsTheServerQuietly() throws {
        let server = try ServeProcess()
        _ = try server.request(#"{"jsonrpc":"2.0","id":1,"method":"session.start"}"#)
        server.closeOutput()
        var many = ""
        for i in 0..<5000 { many += #"{"jsonrpc":"2.0","id":\#(i),"method":"server.info"}"# + "\n" }
        server.sendInBackground(Data(many.utf8), thenClose: true)
        let status = try server.waitForExit()
        #expect(status == 0, "EPIPE ends the server with status 0, not a SIGPIPE crash")
        #expect(server.stderrText().isEmpty, "quietly: \(server.stderrText())")
    }

    @Test func sigtermStopsTheServerPromptly() throws {
        let idle = try ServeProcess()
        _ = try idle.request(#"{"jsonrpc":"2.0","id":1,"method":"session.start"}"#)
        let start = Date()
        idle.terminate()
        #expect(try idle.waitForExit(timeout: 5) == 0)
        #expect((idle.exitedAt ?? Date()).timeIntervalSince(start) < 2, "an idle server stops at once")

        let busy = try ServeProcess()
        var many = ""
        for i in 0..<20000 { many += #"{"jsonrpc":"2.0","id":\#(i),"method":"session.start"}"# + "\n" }
        busy.sendInBackground(Data(many.utf8), thenClose: false)
        _ = try busy.readLine()
        let busyStart = Date()
        busy.terminate()
        #expect(try busy.waitForExit(timeout: 5) == 0)
        #expect((busy.exitedAt ?? Date()).timeIntervalSince(busyStart) < 2, "a busy server stops at once")
    }

    @Test func dialogsThatDoNotLoadExitTwoWithDiagnostics() throws {
        let server = try ServeProcess(arguments: ["serve", "--dialogs", "/nonexistent/dialogs"])
        server.closeInput()
        #expect(try server.readLineOrEOF() == nil, "nothing on stdout")
        #expect(try server.waitForExit() == 2)
        #expect(server.stderrText().contains("/nonexistent/dialogs"), "\(server.stderrText())")
    }

    /// Real answers of every kind validate against the published schema (python3-jsonschema).
    @Test func answersMatchThePublishedSchema() throws {
        let server = try ServeProcess()
        var lines: [String] = []
        let requests = [
            #"{"jsonrpc":"2.0","id":1,"method":"server.info"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"session.start","params":{"session":"v","region":"US"}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"session.say","params":{"session":"v","text":"something worries me"}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"session.export","params":{"session":"v"}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"session.end","params":{"session":"v"}}"#,
            #"[{"jsonrpc":"2.0","id":6,"method":"session.start","params":{"flow":"breathing"}},{"jsonrpc":"2.0","id":7,"method":"x"}]"#,
            "{oops",
            #"{"jsonrpc":"2.0","id":8,"method":"session.say","params":{"session":"v"}}"#,
        ]
        for request in requests { lines.append(try server.request(request)) }
        _ = try server.finish()
        let export = try JSONLine(lines[3])
        let importRequest = #"{"jsonrpc":"2.0","id":9,"method":"session.import","params":{"state":\#(export["result"]?["state"]?.json ?? "{}")}}"#
        let check = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            v = jsonschema.Draft202012Validator(schema)
            bad = 0
            for name, text in [("request", t) for t in json.loads(sys.argv[2])] + [("response", t) for t in json.loads(sys.argv[3])]:
                root = {k: w for k, w in schema.items() if k != "anyOf"}
                root["$ref"] = "#/$defs/" + ("requestLine" if name == "request" else "responseLine")
                for e in v.evolve(schema=root).iter_errors(json.loads(text)):
                    print(name, text[:80], "->", e.message[:200]); bad += 1
            print("invalid:", bad)
            """
        let encode = { (xs: [String]) in String(decoding: try JSONEncoder().encode(xs), as: UTF8.self) }
        let validRequests = requests.filter { $0 != "{oops" && !$0.contains(#""id":8"#) && !$0.contains(#""method":"x""#) } + [importRequest]
        let out = try Tool.run(["python3", "-c", check,
            ServeProcess.package.appendingPathComponent("docs/protocol.schema.json").path,
            try encode(validRequests), try encode(lines)]).output
        #expect(out.hasSuffix("invalid: 0\n"), "\(out)")
    }
}

extension ServeEndToEndTests {
    /// The exchange in docs/protocol.md's worked example, replayed line by line.
    @Test func theWorkedExampleInTheDocsIsTrue() throws {
        let doc = try String(contentsOfFile: ServeProcess.package.appendingPathComponent("docs/protocol.md").path, encoding: .utf8)
        let begin = try #require(doc.range(of: "<!-- worked-example:begin -->"))
        let end = try #require(doc.range(of: "<!-- worked-example:end -->"))
        let lines = doc[begin.upperBound..<end.lowerBound].split(separator: "\n").map(String.init)
        let server = try ServeProcess()
        var exchanged = 0
        var index = 0
        while index < lines.count {
            guard lines[index].hasPrefix("→ ") else { index += 1; continue }
            try server.send(String(lines[index].dropFirst(2)))
            index += 1
            while index < lines.count, lines[index].hasPrefix("← ") {
                let want = String(lines[index].dropFirst(2))
                let got = try server.readLine()
                // Only the release number and the dialogs fingerprint may differ.
                #expect(Self.normalized(got) == Self.normalized(want), "answer \(exchanged + 1) differs from the docs")
                exchanged += 1
                index += 1
            }
        }
        #expect(exchanged >= 10, "the example has its answers")
        #expect(try server.finish() == 0)
    }

    static func normalized(_ line: String) -> String {
        var out = line
        for member in ["version", "dialogs", "dialogsVersion"] {
            while let r = out.range(of: #""\#(member)":"[^"]+""#, options: .regularExpression) {
                out.replaceSubrange(r, with: #""\#(member)":"""#)
            }
        }
        return out
    }
}

// MARK: - The client side

/// One `backchat serve` process with pipes on all three streams.
fileprivate final class ServeProcess {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `backchat` under test (`BACKCHAT_BIN`, else the one the other end-to-end tests use).
    static let binary: String = {
        if let env = ProcessInfo.processInfo.environment["BACKCHAT_BIN"], !env.isEmpty { return env }
        return CLI.binary
    }()

    let process = Process()
    let input = Pipe(), output = Pipe(), errors = Pipe()
    private var buffer: [UInt8] = []
    private var inputClosed = false
    private var outputClosed = false
    private let writer = DispatchGroup()
    private let errorsDrained = DispatchGroup()
    private let errorText = LockedData()

    init(arguments: [String] = ["serve", "--dialogs", ServeEndToEndTests.fixture]) throws {
        // Writing to a server that has exited must be an error here, not a signal that kills the tests.
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["BACKCHAT_NOW"] = "2025-06-01"
        process.environment = env
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorHandle = errors.fileHandleForReading
        let sink = errorText
        errorsDrained.enter()
        DispatchQueue.global().async { [errorsDrained] in
            sink.set(errorHandle.readDataToEndOfFile())
            errorsDrained.leave()
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Sends one line (a line break is added).
    func send(_ line: String) throws { try send(bytes: Array(line.utf8) + [0x0A]) }

    func send(bytes: [UInt8]) throws {
        let fd = input.fileHandleForWriting.fileDescriptor
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ClientError("cannot write to the server: errno \(errno)")
                }
                offset += n
            }
        }
    }

    /// Writes a large stream from another thread while this one reads the answers.
    func sendInBackground(_ data: Data, thenClose: Bool) {
        let handle = input.fileHandleForWriting
        writer.enter()
        DispatchQueue.global().async { [writer] in
            try? handle.write(contentsOf: data)
            if thenClose { try? handle.close() }
            writer.leave()
        }
        if thenClose { inputClosed = true }
    }

    func waitForBackgroundWrite() { _ = writer.wait(timeout: .now() + 60) }

    /// Sends a line and reads the answer line.
    func request(_ line: String) throws -> String {
        try send(line)
        return try readLine()
    }

    func readLine(timeout: TimeInterval = 120) throws -> String {
        guard let line = try readLineOrEOF(timeout: timeout) else { throw ClientError("the server closed stdout") }
        return line
    }

    /// The next line from the server's stdout, or `nil` at end of output.
    func readLineOrEOF(timeout: TimeInterval = 120) throws -> String? {
        let fd = output.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line
            }
            let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            guard left > 0 else { throw ClientError("no answer within \(timeout) s") }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, left)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw ClientError("cannot read: errno \(errno)") }
            if n == 0 {
                guard !buffer.isEmpty else { return nil }
                throw ClientError("the last line has no line break: \(String(decoding: buffer.prefix(200), as: UTF8.self))")
            }
            buffer += chunk[0..<n]
        }
    }

    func closeInput() {
        guard !inputClosed else { return }
        inputClosed = true
        try? input.fileHandleForWriting.close()
    }

    func closeOutput() {
        guard !outputClosed else { return }
        outputClosed = true
        try? output.fileHandleForReading.close()
    }

    func terminate() { process.terminate() }

    /// When `waitForExit` saw the process gone (before draining its pipes).
    private(set) var exitedAt: Date?

    /// Closes stdin, checks nothing more comes out, and returns the exit status.
    func finish() throws -> Int32 {
        closeInput()
        let rest = try readLineOrEOF()
        #expect(rest == nil, "no answer left over: \(rest ?? "")")
        return try waitForExit()
    }

    /// Waits for the process; the status is `128 + signal` when a signal ended it.
    func waitForExit(timeout: TimeInterval = 120) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else {
                process.terminate()
                throw ClientError("the server did not exit within \(timeout) s")
            }
            usleep(2000)
        }
        exitedAt = Date()
        process.waitUntilExit()
        _ = writer.wait(timeout: .now() + 10)
        _ = errorsDrained.wait(timeout: .now() + 10)
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    func stderrText() -> String { String(decoding: errorText.get(), as: UTF8.self) }

}

/// Data shared with the thread that drains stderr.
fileprivate final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

fileprivate struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Answers are read as plain JSON values (shared with the protocol tests).
fileprivate typealias JSONLine = JSONValue

