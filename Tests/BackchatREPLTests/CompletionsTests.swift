import BackchatREPL
import Testing

@Suite("Completions: what Tab offers")
struct CompletionsTests {
    let c = Completions(labels: ["Yes, let's start", "Not now", "Not sure yet"], commands: ["/back", "/help", "/plan", "/quit"])

    @Test("Labels by prefix, ignoring case; the whole label replaces the line")
    func labels() {
        #expect(c.matches(for: "ye") == ["Yes, let's start"])
        #expect(c.replacement(for: "ye") == "Yes, let's start")
        #expect(c.matches(for: "not") == ["Not now", "Not sure yet"])
        #expect(c.replacement(for: "not") == "Not ")
    }

    @Test("An empty line offers the choices, a slash the commands")
    func pools() {
        #expect(c.matches(for: "") == c.labels)
        #expect(c.matches(for: "/") == c.commands)
        #expect(c.matches(for: "/p") == ["/plan"])
    }

    @Test("Nothing matches: nil, so readline beeps and leaves the line alone")
    func none() {
        #expect(c.matches(for: "maybe").isEmpty)
        #expect(c.replacement(for: "maybe") == nil)
    }
}
