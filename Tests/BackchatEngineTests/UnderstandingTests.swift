import BackchatEngine
import Testing

@Suite("Understanding what people type")
struct UnderstandingTests {
    @Test("normalises text", arguments: [
        ("I can’t SLEEP!!!", "i cant sleep"),
        ("Sooooo   tired", "soo tired"),
        ("Café — naïve", "cafe naive"),
        ("don't", "dont"),
        ("ＦＵＬＬ width", "full width"),
        ("1.5 years, maybe 2.", "1.5 years maybe 2"),
    ])
    func normalises(_ input: String, _ expected: String) {
        #expect(TextNormalizer.normalize(input) == expected)
    }

    static let choices = [
        Choice(key: "yes", label: Template("Yes, let's start"), synonyms: ["sure", "yeah", "of course"]),
        Choice(key: "no", label: Template("Not now"), synonyms: ["nope", "not really", "later"]),
        Choice(key: "leg", label: Template("Down my leg"), synonyms: ["sciatica"]),
    ]

    @Test("matches choices", arguments: [
        ("2", ChoiceMatcher.Outcome.choice(1)),
        ("two", .choice(1)),
        ("the second one", .choice(1)),
        ("option 3", .choice(2)),
        ("Yes, let’s start", .choice(0)),
        ("sure thing", .choice(0)),
        ("NOT REALLY", .choice(1)),
        ("maybe later today", .choice(1)),
        ("sciatcia", .choice(2)),         // a transposition
        ("yesss", .choice(0)),            // repeated letters
        ("purple", .none),
        ("7", .none),                     // out of range numbers pick nothing
        ("without sciatica", .none),      // a denied synonym picks nothing
        ("not now", .choice(1)),          // a phrase that is itself a denial still matches
    ])
    func matches(_ input: String, _ expected: ChoiceMatcher.Outcome) {
        #expect(ChoiceMatcher.match(TextNormalizer.words(input), choices: Self.choices) == expected, "\(input)")
    }

    @Test func ambiguousTypoAsksWhichOne() {
        let cs = [Choice(key: "walking", label: Template("Walking")), Choice(key: "waking", label: Template("Waking"))]
        #expect(ChoiceMatcher.match(["wakling"], choices: cs) == .ambiguous([0, 1]))
    }

    @Test("reads numbers", arguments: [
        ("7", 7.0), ("about a 6", 6), ("seven", 7), ("twenty one", 21), ("7/10", 7), ("7 out of 10", 7),
        ("6.5", 6.5), ("three and a half", 3.5), ("it's a 10 today", 10),
    ])
    func numbers(_ input: String, _ expected: Double) {
        #expect(QuantityParser.parseNumber(TextNormalizer.words(input)) == expected, "\(input)")
    }

    @Test func noNumber() {
        #expect(QuantityParser.parseNumber(TextNormalizer.words("quite bad")) == nil)
    }

    static let today = CalendarDay(year: 2026, month: 11, day: 25)

    @Test("reads durations in days", arguments: [(String, Double)]([
        ("6 wks", 42.0), ("6 weeks", 42), ("6w", 42), ("3 months", 91.3125), ("a year and a half", 547.875),
        ("two and a half years", 913.125), ("half a year", 182.625), ("18 mths", 547.875), ("10 days", 10),
        ("a couple of weeks", 14), ("for years", 730.5), ("about 20", 140), ("a fortnight", 14),
        ("since March", 269), ("since 2024", 1059), ("since last year", 389), ("since yesterday", 1),
        ("1 year 2 months", 426.125), ("half an hour", 0.0208333), ("an hour", 0.0416667), ("20 mins", 0.0138889),
        ("1 hr 30 min", 0.0625),
    ]))
    func durations(_ input: String, _ expected: Double) throws {
        let days = try #require(QuantityParser.parseDuration(TextNormalizer.words(input), defaultUnitDays: 7, today: Self.today))
        #expect(abs(days - expected) < 0.0001, "\(input): \(days)")
    }

    @Test("gives no duration", arguments: ["quite a while", "ages", "since I was a kid", "since December 2030"])
    func noDuration(_ input: String) {
        #expect(QuantityParser.parseDuration(TextNormalizer.words(input), today: Self.today) == nil, "\(input)")
    }

    @Test func calendarDaysRoundTrip() throws {
        for ordinal in stride(from: -1000, through: 30000, by: 37) {
            #expect(CalendarDay(ordinal: ordinal).ordinal == ordinal)
        }
        #expect(CalendarDay(year: 1970, month: 1, day: 1).ordinal == 0)
        #expect(CalendarDay(year: 2024, month: 3, day: 1).ordinal - CalendarDay(year: 2024, month: 2, day: 28).ordinal == 2)
        let parsed = try #require(CalendarDay(iso: "2026-11-25T09:30:00Z"))
        #expect(parsed == Self.today)
        #expect(CalendarDay(iso: "2026-13-01") == nil)
    }
}
