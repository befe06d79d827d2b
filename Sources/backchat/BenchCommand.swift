import ArgumentParser
import BackchatEngine
import BackchatLoader
import BackchatTranscripts
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Replay scripted conversations in process and print one JSON line of figures.",
        discussion: """
            Build with -c release for real figures. Example:
              backchat bench --dialogs Benchmarks/peer-checkin --conversations Benchmarks/peer-checkin/conversations.json --n 1500
            docs/performance.md explains the method and the process-level benchmarks.
            """)

    @OptionGroup var options: DialogOptions
    @Option(help: ArgumentHelp("The conversations file (backpain-conversations/1 JSON).", valueName: "FILE"))
    var conversations: String
    @Option(help: "Replay every conversation this many times (fresh session each).")
    var n: Int = 100
    @Flag(help: "Print the first failures to stderr.")
    var verbose = false

    func validate() throws {
        guard n >= 1 else { throw ValidationError("--n must be at least 1") }
    }

    func run() throws {
        let t0 = Monotonic.nanoseconds()
        let script = try options.loadScript()
        let loadSeconds = Double(Monotonic.nanoseconds() - t0) / 1e9
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: conversations)) } catch {
            throw ValidationError("cannot read \(conversations): \(error.localizedDescription)")
        }
        let convs: BenchConversations
        do { convs = try JSONDecoder().decode(BenchConversations.self, from: data) } catch {
            throw ValidationError("\(conversations) is not a conversations file: \(error)")
        }
        let engine = Engine(script: script)
        let r0 = Monotonic.nanoseconds()
        let result = convs.replay(engine: engine, n: n, today: Clock.today(), clock: Monotonic.nanoseconds)
        let replaySeconds = Double(Monotonic.nanoseconds() - r0) / 1e9
        let sorted = result.durations.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let i = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
            return Double(sorted[max(0, i)]) / 1000
        }
        let figures = BenchFigures(
            engine: "backchat", version: Backchat.version, n: n, sessions: result.sessions, turns: result.turns,
            checked: result.checked, passed: result.passed, failed: result.failed,
            load_s: round(loadSeconds, 4), replay_s: round(replaySeconds, 4),
            turns_per_s: round(Double(result.turns) / max(replaySeconds, 1e-9), 0),
            p50_us: round(percentile(0.50), 2), p99_us: round(percentile(0.99), 2),
            peak_rss_mb: round(Double(Memory.peakResidentKiB()) / 1024, 1))
        print(try figures.jsonLine())
        if verbose || result.failed > 0 { for f in result.failures { Stderr.write(f) } }
        if result.failed > 0 { throw ExitCode(1) }
    }

    func round(_ x: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (x * scale).rounded() / scale
    }
}

/// The figures `bench` prints, in the peers' vocabulary.
struct BenchFigures: Codable {
    var engine: String
    var version: String
    var n: Int
    var sessions: Int
    var turns: Int
    var checked: Int
    var passed: Int
    var failed: Int
    var load_s: Double
    var replay_s: Double
    var turns_per_s: Double
    var p50_us: Double
    var p99_us: Double
    var peak_rss_mb: Double

    /// One JSON object on one line, keys in the documented order.
    func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        func v(_ x: some Encodable) throws -> String { String(decoding: try encoder.encode(x), as: UTF8.self) }
        let pairs: [(String, String)] = [
            ("engine", try v(engine)), ("version", try v(version)), ("n", try v(n)), ("sessions", try v(sessions)),
            ("turns", try v(turns)), ("checked", try v(checked)), ("passed", try v(passed)), ("failed", try v(failed)),
            ("load_s", try v(load_s)), ("replay_s", try v(replay_s)), ("turns_per_s", try v(turns_per_s)),
            ("p50_us", try v(p50_us)), ("p99_us", try v(p99_us)), ("peak_rss_mb", try v(peak_rss_mb)),
        ]
        return "{" + pairs.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

enum Monotonic {
    @Sendable static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

enum Memory {
    /// Peak resident set size (VmHWM) of this process, in KiB.
    static func peakResidentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}
