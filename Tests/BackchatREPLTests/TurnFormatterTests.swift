import BackchatEngine
@testable import BackchatREPL
import Testing

@Suite("TurnFormatter: what a turn looks like on a terminal")
struct TurnFormatterTests {
    static let gb: [Resource] = [
        Resource(kind: "crisis", name: "Samaritans", contact: "call 116 123", detail: "free, 24/7"),
        Resource(kind: "emergency", name: "Emergency services", contact: "call 999"),
    ]

    static func crisis(new: Bool = true) -> Escalation {
        Escalation(level: .crisis, category: "suicidal-ideation", reason: "thoughts of suicide", new: new,
                   certainty: .clear, resources: gb)
    }

    static let crisisTurn = Turn(messages: ["Thank you for telling me.", "Are you safe right now?"],
                                 choices: [ChoiceView(key: "yes", label: "I'm safe"), ChoiceView(key: "no", label: "I'm not safe")],
                                 expects: .choice, escalation: crisis())

    @Test("The escalation block: the whole rendering")
    func escalationBlock() {
        let text = TurnFormatter(width: 80).format(Self.crisisTurn)
        #expect(text == """
            ┃ CRISIS SUPPORT
            ┃ If you are in danger or might act on these thoughts, please contact one of
            ┃ these now:
            ┃   Samaritans: call 116 123 (free, 24/7)
            ┃   Emergency services: call 999

            Thank you for telling me.
            Are you safe right now?
              1. I'm safe
              2. I'm not safe
            """)
    }

    @Test("Without a UTF-8 locale the bar is ASCII")
    func asciiBar() {
        let lines = TurnFormatter(width: 80, unicode: false).lines(Self.crisisTurn)
        #expect(lines.first == "| CRISIS SUPPORT")
    }

    @Test("Plain output for screen readers: no decoration, one line per item")
    func plain() {
        let text = TurnFormatter(width: 30, plain: true).format(Self.crisisTurn)
        #expect(text == """
            Crisis support. If you are in danger or might act on these thoughts, please contact one of these now:
            Samaritans: call 116 123 (free, 24/7)
            Emergency services: call 999
            Thank you for telling me.
            Are you safe right now?
            1. I'm safe
            2. I'm not safe
            """)
    }

    @Test("Each level has its own heading and advice", arguments: EscalationLevel.allCases)
    func levels(_ level: EscalationLevel) {
        let e = Escalation(level: level, category: nil, reason: nil, new: true, certainty: .clear, resources: Self.gb)
        let lines = TurnFormatter(width: 80).escalationBlock(e)
        let heading = TurnFormatter.EscalationWording.of(e).heading.uppercased()
        #expect(lines.first == "┃ " + heading)
        #expect(lines.contains("┃   Emergency services: call 999"))
    }

    @Test("A guess of the safety model that is still being asked about raises no alarm, but keeps the numbers",
          arguments: [EscalationLevel.emergency, .urgent, .support])
    func possible(_ level: EscalationLevel) {
        let guess = Escalation(level: level, category: "\(level.rawValue)-model", reason: nil, new: true, certainty: .possible, resources: Self.gb)
        let sure = Escalation(level: level, category: nil, reason: nil, new: true, certainty: .clear, resources: Self.gb)
        let text = TurnFormatter(width: 200).escalationBlock(guess).joined(separator: "\n")
        #expect(TurnFormatter.EscalationWording.of(guess) != TurnFormatter.EscalationWording.of(sure))
        #expect(text.contains("If ") && text.contains("Emergency services: call 999"), "\(text)")
        #expect(!text.contains("This needs medical help now") && !text.contains("Please see a doctor today."), "\(text)")
    }

    @Test("While a crisis flow goes on, a one-line reminder of the numbers")
    func reminder() {
        var turn = Self.crisisTurn
        turn.escalation = Self.crisis(new: false)
        let lines = TurnFormatter(width: 80).lines(turn)
        #expect(lines.last == "┃ Crisis support: Samaritans: call 116 123; Emergency services: call 999")
        #expect(!lines.contains("┃ CRISIS SUPPORT"))
    }

    @Test("Leaving inside a crisis shows the whole block again")
    func endedInCrisis() {
        let turn = Turn(messages: ["Take care."], escalation: Self.crisis(new: false), ended: true)
        let lines = TurnFormatter(width: 80).lines(turn)
        #expect(lines.first == "Take care.")
        #expect(lines.contains("┃ CRISIS SUPPORT"))
    }

    @Test("Colour only when asked; never an escape code without it", arguments: [true, false])
    func colour(_ color: Bool) {
        let f = TurnFormatter(width: 80, color: color)
        let text = f.format(Self.crisisTurn) + f.notice(ChatMachine.tip) + f.prompt
        #expect(text.contains("\u{1B}") == color)
    }

    @Test("Plain output has no escape codes even with colour on")
    func plainHasNoColour() {
        let f = TurnFormatter(width: 80, color: false, plain: true)
        #expect(!(f.format(Self.crisisTurn) + f.notice("x") + f.prompt).contains("\u{1B}"))
    }

    @Test("The coloured prompt hides its escape codes from readline's column count")
    func prompt() {
        #expect(TurnFormatter(color: true).prompt == "\u{1}\u{1B}[1m\u{2}>\u{1}\u{1B}[0m\u{2} ")
        #expect(TurnFormatter(color: false).prompt == "> ")
    }

    @Test("Choices are numbered and aligned, long labels wrap under their text")
    func choices() {
        let labels = (1...10).map { "Choice \($0)" } + ["A long label that will not fit on one line of a narrow terminal"]
        let f = TurnFormatter(width: 40)
        let lines = f.choiceLines(labels.enumerated().map { ChoiceView(key: "k\($0.offset)", label: $0.element) })
        #expect(lines[0] == "   1. Choice 1")
        #expect(lines[9] == "  10. Choice 10")
        #expect(lines[10] == "  11. A long label that will not fit on")
        #expect(lines[11] == "      one line of a narrow terminal")
    }

    @Test("Messages wrap to the width, and to no more than the readable width", arguments: [20, 37, 80, 200])
    func wrapping(_ width: Int) {
        let long = String(repeating: "Pain that lasts is hard, and you are doing well to look after it. ", count: 6)
        let lines = TurnFormatter(width: width).messageLines(long)
        let limit = min(width, TurnFormatter.readableWidth)
        #expect(lines.allSatisfy { TextWrapper.columns($0) <= limit })
        #expect(lines.joined(separator: " ").split(separator: " ") == long.split(separator: " "), "no word lost")
    }

    @Test("Newlines in a message start new lines; blank ones are kept except in plain mode")
    func paragraphs() {
        #expect(TurnFormatter(width: 80).messageLines("One.\n\nTwo.") == ["One.", "", "Two."])
        #expect(TurnFormatter(width: 80, plain: true).messageLines("One.\n\nTwo.") == ["One.", "Two."])
    }
}
