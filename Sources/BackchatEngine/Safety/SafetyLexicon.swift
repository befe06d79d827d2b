/// A locale's safety lexicon as plain data: the phrases that signal risk and the rules
/// that cancel or soften them.
///
/// The loader reads it from `Dialogs/<locale>/lexicon/*.yaml`; ``SafetyDetector`` compiles
/// it once into a token automaton. Every phrase is written in the pattern language of
/// ``SafetyPattern`` (words, `(a|b)` choices, `[optional]` parts, `@sets`, `..N` gaps).
/// Keeping the rules as data means clinicians can read and review them, and tests can
/// exercise them one by one.
public struct SafetyLexicon: Sendable {
    /// Named word sets, used in phrases as `@name`; each member is itself a phrase.
    public var sets: [String: [String]]
    /// Known misspellings and txt-speak of single words: `kil` → `kill`.
    public var spellings: [String: String]
    /// Real words that must never be read as a typo of a lexicon word (`will` is not `kill`).
    public var notTypos: [String]
    /// Words and phrases that deny what follows them: `not`, `no`, `never`, `don't have`.
    public var negators: [String]
    /// Look-alikes that do not deny anything: `not sure`, `no one`, `no matter`.
    public var notNegators: [String]
    /// How many words may stand between a negator and what it denies.
    public var negationWindow: Int
    /// Words that stop a negation from reaching further (a new subject: `I`, `he`, `she`).
    public var negationBlockers: [String]
    /// Words that start a new clause, ending a negation's scope: `anyway`, `also`.
    public var clauseBreaks: [String]
    /// Words that start a contrasting clause (`but`, `though`): they end a negation's scope, and
    /// no `unless` context reaches across them ("I said no, but I want to die").
    public var contrasts: [String]
    /// Figures of speech that cancel any risk phrase they overlap: `killing time`, `dead tired`.
    public var idioms: [String]
    /// Signs that a symptom is over or long past: `it's gone`, `years ago`, `cleared up`.
    public var resolved: [String]
    /// Signs that something is happening now, which override ``resolved``: `again`, `now`, `since`.
    public var current: [String]
    /// Signs that a sentence is hypothetical: `what if`, `what is`, `in case`.
    public var hypothetical: [String]
    /// Words that open a general question (`what`, `is`, `can`): such a question with no
    /// first-person word counts as hypothetical.
    public var questionStarts: [String]
    /// First-person words (`i`, `my`, `me`): a question with one of these is about the person.
    public var firstPerson: [String]
    /// The risk categories, most specific first; where two categories of the same level
    /// match, the first listed names the finding.
    public var categories: [Category]

    public init(sets: [String: [String]] = [:], spellings: [String: String] = [:], notTypos: [String] = [],
                negators: [String] = [], notNegators: [String] = [], negationWindow: Int = 3,
                negationBlockers: [String] = [], clauseBreaks: [String] = [], contrasts: [String] = [], idioms: [String] = [],
                resolved: [String] = [], current: [String] = [], hypothetical: [String] = [],
                questionStarts: [String] = [], firstPerson: [String] = [], categories: [Category] = []) {
        self.sets = sets; self.spellings = spellings; self.notTypos = notTypos
        self.negators = negators; self.notNegators = notNegators; self.negationWindow = negationWindow
        self.negationBlockers = negationBlockers; self.clauseBreaks = clauseBreaks; self.contrasts = contrasts
        self.idioms = idioms
        self.resolved = resolved; self.current = current; self.hypothetical = hypothetical
        self.questionStarts = questionStarts; self.firstPerson = firstPerson; self.categories = categories
    }

    /// One kind of risk: the phrases that signal it and how they are read.
    public struct Category: Sendable {
        /// A stable kebab-case name (`suicidal-thoughts`, `saddle-numbness`).
        public var id: String
        public var level: EscalationLevel
        /// A short phrase usable inside a sentence: "numbness between your legs".
        public var reason: String
        /// Phrases that signal the risk clearly.
        public var phrases: [String]
        /// Weaker phrases: alone they give certainty `possible` (a check question for crisis);
        /// two different ones in a message count as clear.
        public var possible: [String]
        /// When not empty, at least one of these must also appear somewhere in the message
        /// (a fever counts with back pain).
        public var with: [String]
        /// Each entry is a list of phrases that, all found near a match, cancel it ("documentary"
        /// for the word suicide, "shaving" for a cut). A phrase inside the match itself does not
        /// count. How near is ``unlessScope``.
        public var unless: [[String]]
        public var unlessScope: UnlessScope
        /// Entries like `unless`, found anywhere in the message (any sentence), for an explanation
        /// told apart from the sign ("had breast cancer. The MRI showed a disc, nothing sinister").
        /// A phrase of the entry counts only when nothing after it in the message contrasts it
        /// (`but`, `though`) or says something is happening now (`current`), and it is not in a
        /// question or negated: "the scan showed a disc. But now there's new pain" still counts.
        public var unlessAnywhere: [[String]]
        /// Phrases that, found in the same sentence, lower the certainty to `possible` ("lol").
        public var soften: [String]
        /// Whether a negator before the phrase cancels it ("no numbness").
        public var negatable: Bool
        /// Whether a sign that it is over or long past cancels it ("fever last month, gone now").
        public var resolvable: Bool
        /// Whether hypotheticals and general questions cancel it ("what is foot drop?").
        public var hypothetical: Bool

        public init(id: String, level: EscalationLevel, reason: String, phrases: [String], possible: [String] = [],
                    with: [String] = [], unless: [[String]] = [], unlessScope: UnlessScope = .nearby,
                    unlessAnywhere: [[String]] = [], soften: [String] = [],
                    negatable: Bool = true, resolvable: Bool? = nil, hypothetical: Bool? = nil) {
            self.id = id; self.level = level; self.reason = reason; self.phrases = phrases; self.possible = possible
            self.with = with; self.unless = unless; self.unlessScope = unlessScope; self.unlessAnywhere = unlessAnywhere
            self.soften = soften; self.negatable = negatable
            let medical = level == .emergency || level == .urgent
            self.resolvable = resolvable ?? medical
            self.hypothetical = hypothetical ?? medical
        }
    }

    /// How near a match an `unless` context must be.
    public enum UnlessScope: String, Sendable, CaseIterable {
        /// In the match's clause or a neighbouring one (not across `but`): "I won't be here next week, I'm on holiday".
        case nearby
        /// As `nearby`, and at least one of the entry's phrases in the match's own clause:
        /// "a documentary about suicide" cancels, "a documentary, now I want to die" does not.
        case clause
        /// Anywhere in the sentence.
        case sentence
    }
}
