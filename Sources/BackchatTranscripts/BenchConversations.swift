import BackchatEngine

/// Scripted conversations for benchmarks (the `backpain-conversations/1` format):
/// each turn has what the person types, strings the reply must contain (`expect`)
/// and strings it must not (`expect_not`), compared case-insensitively with
/// whitespace collapsed.
public struct BenchConversations: Sendable, Codable {
    public struct Turn: Sendable, Codable {
        public var user: String
        public var expect: [String]?
        public var expectNot: [String]?
        enum CodingKeys: String, CodingKey { case user, expect, expectNot = "expect_not" }
    }
    public struct Conversation: Sendable, Codable {
        public var id: String
        public var description: String?
        /// The session's locale, e.g. `en-GB` (an addition to the format; absent means the default).
        public var locale: String?
        public var turns: [Turn]
    }
    public var format: String?
    public var description: String?
    public var conversations: [Conversation]

    /// The outcome of replaying every conversation `n` times, fresh session each time.
    public struct Result: Sendable {
        public var sessions = 0
        public var turns = 0
        public var checked = 0
        public var passed = 0
        public var failed = 0
        /// Nanoseconds per turn, in order.
        public var durations: [UInt64] = []
        /// The first few failures, readable.
        public var failures: [String] = []
    }

    /// Replays the conversations. As in the peers' line mode, the first line of a new
    /// session is answered with the opening turn (and scanned for risk like any line).
    /// `clock` returns monotonic nanoseconds.
    public func replay(engine: Engine, n: Int, today: CalendarDay?, clock: () -> UInt64) -> Result {
        var r = Result()
        r.durations.reserveCapacity(n * conversations.reduce(0) { $0 + $1.turns.count })
        // Fold the expectations once, not once per copy.
        let folded: [[(expect: [[UInt8]], expectNot: [[UInt8]])]] = conversations.map { c in
            c.turns.map { t in ((t.expect ?? []).map(Self.foldBytes), (t.expectNot ?? []).map(Self.foldBytes)) }
        }
        for _ in 0..<n {
            // By index: enumerated() pays for a generic Optional-of-tuple on every step.
            for ci in conversations.indices {
                let c = conversations[ci]
                r.sessions += 1
                var state: SessionState? = nil
                for i in c.turns.indices {
                    let t = c.turns[i]
                    let t0 = clock()
                    let reply: BackchatEngine.Turn
                    // Taken out, not copied, so the step does not copy the session's arrays on write.
                    if var s = state.take() {
                        reply = engine.respond(&s, to: .text(t.user), today: today)
                        state = s
                    } else {
                        do {
                            var (s, opening) = try engine.start(locale: c.locale, today: today)
                            if engine.script.localeScript(for: s.locale)?.safety.scanner.scan(t.user) != nil {
                                opening = engine.respond(&s, to: .text(t.user), today: today)
                            }
                            reply = opening
                            state = s
                        } catch {
                            r.failed += 1
                            r.failures.append("\(c.id): cannot start: \(error)")
                            break
                        }
                    }
                    r.durations.append(clock() - t0)
                    r.turns += 1
                    if t.expect == nil && t.expectNot == nil { continue }
                    r.checked += 1
                    let text = Self.foldBytes(reply.messages)
                    let (expect, expectNot) = folded[ci][i]
                    let ok = expect.allSatisfy { Self.contains(text, $0) } && !expectNot.contains { Self.contains(text, $0) }
                    if ok {
                        r.passed += 1
                    } else {
                        r.failed += 1
                        if r.failures.count < 10 {
                            let text = Self.fold(reply.text)
                            let missing = (t.expect ?? []).filter { !text.contains(Self.fold($0)) }
                            let unwanted = (t.expectNot ?? []).filter { text.contains(Self.fold($0)) }
                            r.failures.append("\(c.id) turn \(i + 1) '\(t.user)': missing \(missing), unwanted \(unwanted); reply: \(reply.text)")
                        }
                    }
                }
            }
        }
        return r
    }

    /// Lower-cased ASCII with runs of whitespace as one space, as bytes (other bytes unchanged).
    static func foldBytes(_ s: String) -> [UInt8] {
        foldBytes([s])
    }

    /// ``foldBytes(_:)`` of the lines joined by line breaks, without joining them when
    /// they are all ASCII (a turn's messages: this check runs on every turn of a bench).
    static func foldBytes(_ lines: [String]) -> [UInt8] {
        var ascii = true
        var total = 0
        for line in lines {
            total += line.utf8.count + 1
            if ascii, !isASCII(line) { ascii = false }
        }
        var out: [UInt8] = []
        out.reserveCapacity(total)
        var space = false
        if ascii {
            for (i, var line) in lines.enumerated() {
                if i > 0, !out.isEmpty { space = true }  // the line break between two lines
                line.withUTF8 { fold($0, into: &out, space: &space) }
            }
        } else {
            var lowered = lines.joined(separator: "\n").lowercased()
            lowered.withUTF8 { fold($0, into: &out, space: &space) }
        }
        return out
    }

    private static func isASCII(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in
            var all: UInt8 = 0
            for x in b { all |= x }
            return all < 0x80
        }
    }

    private static func fold(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], space: inout Bool) {
        for b in bytes {
            if b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D {
                if !out.isEmpty { space = true }
                continue
            }
            if space { out.append(0x20); space = false }
            out.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
        }
    }

    /// Whether `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard needle.count <= haystack.count else { return false }
        let first = needle[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var k = 1
                while k < needle.count && haystack[i + k] == needle[k] { k += 1 }
                if k == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    static func fold(_ s: String) -> String {
        s.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
