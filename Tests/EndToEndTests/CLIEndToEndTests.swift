import Foundation
import Testing

/// Runs the built `backchat` as a user or a script would.
enum CLI {
    /// The package root (for shipped dialogs and fixtures).
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `backchat` binary next to the running test bundle (works with --scratch-path), else .build/debug.
    static let binary: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("backchat").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return package.appendingPathComponent(".build/debug/backchat").path
    }()

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    /// Where runs save their data unless a test says otherwise.
    static let scratchData = NSTemporaryDirectory() + "backchat-e2e-data-\(UUID().uuidString)"

    /// Runs backchat with arguments and standard input; never waits more than `timeout` seconds.
    static func run(_ arguments: [String], input: String = "", environment: [String: String] = [:],
                    directory: String? = nil, timeout: TimeInterval = 30) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = nil
        // Never the real home: conversations saved by these runs go to a scratch folder.
        env["XDG_DATA_HOME"] = scratchData
        env["XDG_STATE_HOME"] = scratchData + "/state"
        env["XDG_CACHE_HOME"] = scratchData + "/cache"
        env["BACKCHAT_CACHE_DIR"] = nil
        env["BACKCHAT_NO_CACHE"] = nil
        // The computer's language picks the region when no --locale is given: keep it neutral.
        env["LANG"] = "C.UTF-8"
        env["LC_ALL"] = nil
        env["LC_MESSAGES"] = nil
        env["BACKCHAT_LOCALE"] = nil
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        p.standardInput = inPipe; p.standardOutput = outPipe; p.standardError = errPipe
        try p.run()
        inPipe.fileHandleForWriting.write(Data(input.utf8))
        try inPipe.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        // Read both pipes fully (in the background, so a full pipe never blocks the child).
        final class Box: @unchecked Sendable { var data = Data() }
        let out = Box(), err = Box()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { out.data = outPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { err.data = errPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        while p.isRunning && Date() < deadline { usleep(2000) }
        if p.isRunning { p.terminate(); Issue.record("backchat \(arguments) timed out") }
        p.waitUntilExit()
        group.wait()
        return Output(status: p.terminationStatus, stdout: String(decoding: out.data, as: UTF8.self),
                      stderr: String(decoding: err.data, as: UTF8.self))
    }
}

@Suite("Command line, end to end")
struct CLIEndToEndTests {
    let fixture = CLI.package.appendingPathComponent("Tests/Fixtures/engine").path

    @Test func lintCleanDialogsExitsZero() throws {
        let r = try CLI.run(["lint", "--dialogs", fixture])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasSuffix("ok (1 locale, 5 flows, 21 nodes)\n"))
    }

    @Test func lintBrokenDialogsReportsEveryProblemAndExitsOne() throws {
        let dir = NSTemporaryDirectory() + "backchat-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/en", withIntermediateDirectories: true)
        try "flow: a\nnodes:\n  x:\n    say: [hi\n    end: true\n".write(toFile: dir + "/en/a.yaml", atomically: true, encoding: .utf8)
        try "flow: b\nnodes:\n\tx:\n    end: true\n".write(toFile: dir + "/en/b.yaml", atomically: true, encoding: .utf8)
        try "flow: c\nnodes:\n  x:\n    next: nowhere\n".write(toFile: dir + "/en/c.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["lint", "--dialogs", dir])
        #expect(r.status == 1)
        #expect(r.stdout.contains("\(dir)/en/a.yaml:5:8: error: YAML syntax error"))
        #expect(r.stdout.contains("\(dir)/en/b.yaml:3:1: error: tab character used for indentation"))
        #expect(r.stdout.contains("\(dir)/en/c.yaml:4:11: error: unknown node 'nowhere' in flow 'c'"))
        #expect(r.stdout.hasSuffix("3 errors, 0 warnings\n"))
    }

    @Test func unusableArgumentsExitTwo() throws {
        let r = try CLI.run(["lint", "--bogus"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("Unknown option '--bogus'"))
        let missing = try CLI.run(["lint", "--dialogs", "/nonexistent"])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("/nonexistent: error: no dialogs directory here"))
    }

    @Test func pipedChatPrintsACleanTranscript() throws {
        let r = try CLI.run(["--dialogs", fixture], input: "yes\n3 weeks\n7\ndone\nSam\n", environment: ["BACKCHAT_NOW": "2026-11-25"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("\u{1B}"), "no escape codes when stdout is not a terminal")
        #expect(r.stdout == """
            Hello from the fixture.
            Ready?
              1. Yes, ready
              2. Not yet

            > yes

            How long have you had it?

            > 3 weeks

            That is acute.
            How strong is it from 0 to 10?

            > 7

            Let's breathe.
            Once more?
              1. Once more
              2. Done

            > done

            What should I call you?

            > Sam

            Bye Sam, visits: 1.

            """)
    }

    @Test func pipedChatStopsCleanlyAtEndOfInput() throws {
        let r = try CLI.run(["--dialogs", fixture], input: "yes\n")
        #expect(r.status == 0)
        #expect(r.stdout.hasSuffix("How long have you had it?\n"))
    }

    @Test func runsFromAnyDirectoryWithTheShippedDialogs() throws {
        let r = try CLI.run(["lint"], directory: NSTemporaryDirectory())
        #expect(r.status == 0, "the shipped dialogs are found and clean: \(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("/Dialogs: ok"))
        let env = try CLI.run(["lint"], environment: ["BACKCHAT_DIALOGS": fixture], directory: "/")
        #expect(env.status == 0)
        #expect(env.stdout.contains("5 flows"))
    }

    @Test func testCommandPassesAndFails() throws {
        let wrong = CLI.package.appendingPathComponent("Tests/Fixtures/transcripts/wrong.transcript").path
        let r = try CLI.run(["test", "--dialogs", fixture, wrong])
        #expect(r.status == 1)
        #expect(r.stdout.contains("wrong.transcript:4: error: the reply does not contain \"How old are you\""))
        #expect(r.stdout.contains("    | How long have you had it?"))
        #expect(r.stdout.hasSuffix("transcripts: 0 passed, 1 failed (1 turns, 1 checks)\n"))
        let none = try CLI.run(["test", "--dialogs", fixture, "/nonexistent.transcript"])
        #expect(none.status == 2)
    }
}

@Suite("Benchmark smoke test")
struct BenchSmokeTests {
    /// CI runs the benchmark once with a small N only to check it works; figures are not judged here.
    @Test func peerCheckinReplaysGreen() throws {
        let fixture = CLI.package.appendingPathComponent("Benchmarks/peer-checkin").path
        let r = try CLI.run(["bench", "--dialogs", fixture, "--conversations", fixture + "/conversations.json", "--n", "2"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["turns"] as? Int == 56)
        #expect(object["checked"] as? Int == 56)
        #expect(object["passed"] as? Int == 56)
        #expect(object["failed"] as? Int == 0)
        #expect(line.hasPrefix("{\"engine\":\"backchat\",\"version\":"))
        for key in ["n", "sessions", "load_s", "replay_s", "turns_per_s", "p50_us", "p99_us", "peak_rss_mb"] {
            #expect(object[key] != nil, "\(key) is reported")
        }
    }

    /// The project's own conversations (made from the transcripts) must stay in step with the dialogs.
    @Test func shippedConversationsReplayGreen() throws {
        let root = CLI.package.path
        let r = try CLI.run(["bench", "--dialogs", root + "/Dialogs", "--conversations", root + "/Benchmarks/shipped/conversations.json",
                             "--n", "1"], environment: ["BACKCHAT_NOW": "2026-11-25"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["failed"] as? Int == 0, "regenerate with: python3 Benchmarks/from_transcripts.py > Benchmarks/shipped/conversations.json")
        #expect((object["checked"] as? Int ?? 0) > 400)
    }
}

@Suite("The computer's language")
struct SystemLocaleTests {
    @Test func langPicksTheCrisisLinesWhenNoLocaleIsGiven() throws {
        let root = CLI.package.path
        let nz = try CLI.run(["--dialogs", root + "/Dialogs", "--no-store"], input: "suicide\n", environment: ["LANG": "en_NZ.UTF-8"])
        #expect(nz.stdout.contains("1737"), "\(nz.stdout)")
        let neutral = try CLI.run(["--dialogs", root + "/Dialogs", "--no-store"], input: "suicide\n", environment: ["LANG": "C.UTF-8"])
        #expect(!neutral.stdout.contains("1737"))
        #expect(neutral.stdout.contains("your local emergency number"))
        let chosen = try CLI.run(["--dialogs", root + "/Dialogs", "--no-store", "--locale", "en-GB"], input: "suicide\n",
                                 environment: ["LANG": "en_NZ.UTF-8"])
        #expect(chosen.stdout.contains("116 123") && !chosen.stdout.contains("1737"), "--locale wins over LANG")
        #expect(chosen.stderr.isEmpty)
        // A region or language the dialogs don't list is said, not silently replaced.
        let unknown = try CLI.run(["--dialogs", root + "/Dialogs", "--no-store", "--locale", "fr-FR"], input: "hi\n")
        #expect(unknown.stderr.contains("no dialogs in 'fr'"), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("no crisis lines are listed for 'FR'") && unknown.stderr.contains("GB"))
    }
}

@Suite("Compiled-dialogs cache, end to end")
struct CacheEndToEndTests {
    @Test func aSecondRunReadsTheCacheAndSaysTheSame() throws {
        let folder = NSTemporaryDirectory() + "backchat-e2e-cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fixture = CLI.package.appendingPathComponent("Tests/Fixtures/engine").path
        let uncached = try CLI.run(["lint", "--dialogs", fixture, "--no-cache"], environment: ["BACKCHAT_CACHE_DIR": folder])
        #expect(!FileManager.default.fileExists(atPath: folder), "--no-cache writes nothing")
        let first = try CLI.run(["lint", "--dialogs", fixture], environment: ["BACKCHAT_CACHE_DIR": folder])
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".bin") }
        #expect(entries.count == 1)
        let second = try CLI.run(["lint", "--dialogs", fixture], environment: ["BACKCHAT_CACHE_DIR": folder])
        #expect(uncached.status == first.status && first.status == second.status)
        #expect(uncached.stdout == first.stdout && first.stdout == second.stdout)
        let off = try CLI.run(["lint", "--dialogs", fixture], environment: ["BACKCHAT_CACHE_DIR": folder + "/off", "BACKCHAT_NO_CACHE": "1"])
        #expect(off.stdout == first.stdout)
        #expect(!FileManager.default.fileExists(atPath: folder + "/off"), "BACKCHAT_NO_CACHE=1 writes nothing")
    }
}

@Suite("Recording a session")
struct RecordEndToEndTests {
    @Test func aRecordedSessionReplaysGreen() throws {
        let fixture = CLI.package.appendingPathComponent("Tests/Fixtures/engine").path
        let file = NSTemporaryDirectory() + "backchat-record-\(UUID().uuidString).transcript"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let rec = try CLI.run(["record", file, "--dialogs", fixture, "--locale", "en-GB"], input: "yes\nsince March\n7\ndone\nSam\n",
                              environment: ["BACKCHAT_NOW": "2026-11-25"])
        #expect(rec.status == 0, "\(rec.stderr)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("@locale en-GB\n@now 2026-11-25\n"))
        #expect(text.contains("> since March\n< That is chronic: 38.4 weeks.\n"))
        let replay = try CLI.run(["test", "--dialogs", fixture, file])
        #expect(replay.status == 0, "\(replay.stdout)")
        #expect(replay.stdout.hasSuffix("transcripts: 1 passed, 0 failed (5 turns, 23 checks)\n"))
        // It refuses to overwrite without --force.
        let again = try CLI.run(["record", file, "--dialogs", fixture])
        #expect(again.status == 2)
        #expect(again.stderr.contains("exists; pass --force to replace it"))
    }
}
