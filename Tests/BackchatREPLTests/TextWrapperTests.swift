@testable import BackchatREPL
import Testing

@Suite("TextWrapper: word wrap in terminal columns")
struct TextWrapperTests {
    @Test("Greedy fill")
    func greedy() {
        #expect(TextWrapper.wrap("one two three four five", width: 10) == ["one two", "three four", "five"])
    }

    @Test("A word longer than the line is kept whole")
    func longWord() {
        #expect(TextWrapper.wrap("see https://example.org/a/very/long/path now", width: 12)
                == ["see", "https://example.org/a/very/long/path", "now"])
    }

    @Test("List items hang under their text", arguments: [
        ("- alpha beta gamma delta", ["- alpha beta", "  gamma", "  delta"]),
        ("12. alpha beta gamma", ["12. alpha", "    beta", "    gamma"]),
        ("• alpha beta gamma delta", ["• alpha beta", "  gamma", "  delta"]),
        ("  - alpha beta gamma", ["  - alpha", "    beta", "    gamma"]),
    ])
    func lists(_ text: String, _ expected: [String]) {
        #expect(TextWrapper.wrap(text, width: 12) == expected)
    }

    @Test("Wide characters count two columns")
    func wide() {
        #expect(TextWrapper.columns("腰痛") == 4)
        #expect(TextWrapper.columns("can’t") == 5)
        #expect(TextWrapper.wrap("腰痛 腰痛 腰痛", width: 9) == ["腰痛 腰痛", "腰痛"])
    }

    @Test("Empty text is one empty line")
    func empty() {
        #expect(TextWrapper.wrap("", width: 10) == [""])
    }
}
