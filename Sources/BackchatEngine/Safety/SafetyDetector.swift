/// The shipped safety scan: a ``SafetyLexicon`` compiled once into a token automaton and
/// a few transparent rules.
///
/// For each message:
/// 1. **Normalise** (``SafetyText``): Unicode, case, curly apostrophes, repeated letters,
///    censored and digit-for-letter spellings; cut into sentences and clauses.
/// 2. **Spell**: each unknown word also stands for the lexicon words one typo away
///    (``TypoIndex``) and for its listed txt-speak spelling.
/// 3. **Match** every phrase of every kind in one pass (``SafetyAutomaton``).
/// 4. **Judge** each risk phrase found: cancelled when it overlaps an idiom, when a negator
///    shortly before it in the same clause denies it, when the sentence says it is over
///    (for symptoms), when the sentence is hypothetical or a general question (for
///    symptoms), when the category's required context is missing, or when one of its
///    `unless` contexts is in the sentence.
/// 5. **Decide**: the highest level left wins (crisis > emergency > urgent > support);
///    a crisis found only through weaker phrases is `possible`, unless two different ones agree.
/// 6. **Backstop** (when there is a ``backstop`` model): if the rules found nothing at all, the
///    model's heads (one per level) score the words; the head furthest above its threshold
///    makes the scan report a `possible` finding at its level, which asks one gentle
///    check question. The crisis head stays silent when the rules set a crisis phrase aside
///    (an idiom, a denial, a story), any head when the rules read a phrase of its level as a
///    general question or an if ("is a temperature of 38 a fever?").
public struct SafetyDetector: SafetyScanning {
    /// What one compiled phrase is used for.
    struct CueRoles: Sendable {
        /// A category this phrase is evidence for, and whether only weak (`possible`) evidence.
        struct Positive: Sendable { var category: Int; var possible: Bool }
        var positives: [Positive] = []
        var negator = false
        var notNegator = false
        var idiom = false
        var resolved = false
        var current = false
        var hypothetical = false
        var text = ""
    }

    struct CompiledCategory: Sendable {
        var category: SafetyLexicon.Category
        var with: [Int32]
        var unless: [[Int32]]
        var unlessAnywhere: [[Int32]]
        var soften: [Int32]
    }

    let automaton: SafetyAutomaton
    let typos: TypoIndex
    let roles: [CueRoles]
    let categories: [CompiledCategory]
    let clauseBreaks: Set<String>
    let contrasts: Set<String>
    let negationBlockers: Set<String>
    let negationWindow: Int
    /// Single words that negate (`not`, `no`, `never`): a `..` gap that skips one negates its phrase.
    let negatingWords: Set<String>
    let questionStarts: Set<String>
    let firstPerson: Set<String>
    /// The backstop model, consulted only where the rules found nothing.
    public var backstop: SafetyModel? = nil

    /// The category a backstop finding is reported under (`safety_category`): `crisis-model`,
    /// `emergency-model`, …
    public static func backstopCategory(_ level: EscalationLevel) -> String { level.rawValue + "-model" }
    /// Whether a category is a backstop finding's.
    public static func isBackstopCategory(_ category: String) -> Bool {
        EscalationLevel.allCases.contains { backstopCategory($0) == category }
    }
    /// What a backstop finding is called in dialog text (`safety_reason`).
    public static func backstopReason(_ level: EscalationLevel) -> String {
        switch level {
        case .crisis: "words that may mean thoughts of ending your life"
        case .emergency: "something that can be a sign of a medical emergency"
        case .urgent: "something that can be a warning sign"
        case .support: "something that sounded like someone may be hurting or frightening you"
        }
    }

    /// What the scan needs to know of a word the lexicon knows, in one look-up instead of one
    /// per table: whether it is never corrected, its listed spelling, its automaton word id.
    struct KnownWord: Sendable {
        var isProtected = false
        var spelling: String? = nil
        var id: Int32 = -1
    }
    /// Every protected word, listed misspelling and automaton word; any other word is
    /// unprotected, has no listed spelling and follows no word edge.
    let known: [String: KnownWord]

    /// Why a lexicon could not be compiled.
    public struct CompileError: Error, Sendable, CustomStringConvertible {
        public var message: String
        /// The phrase at fault, when there is one.
        public var phrase: String?
        public var description: String { phrase.map { "\(message) in '\($0)'" } ?? message }
    }

    /// How many distinct phrases were compiled, and into how many trie nodes.
    public var phraseCount: Int { roles.count }
    /// The flow roles this lexicon can lead to: one per level its categories use,
    /// `crisis-check` when a crisis category has weak (`possible`) phrases, and for each head
    /// of the backstop its level's flow and check flow.
    public var rolesNeeded: Set<FlowRole> {
        var out = Set<FlowRole>()
        for c in categories {
            let level = c.category.level
            out.insert(FlowRole.handling(level, possible: false))
            // Only a crisis found through weak phrases alone is `possible` in the rules.
            if level == .crisis, !c.category.possible.isEmpty { out.insert(.crisisCheck) }
        }
        for head in backstop?.heads ?? [] {
            out.insert(FlowRole.handling(head.level, possible: false))
            out.insert(FlowRole.handling(head.level, possible: true))
        }
        return out
    }
    public var nodeCount: Int { automaton.nodeCount }

    public init(_ lexicon: SafetyLexicon) throws(CompileError) {
        // Parse the sets first so phrases can refer to them.
        let setNames = Set(lexicon.sets.keys)
        var sets: [String: [SafetyPattern]] = [:]
        var vocabulary = Set<String>()
        for (name, members) in lexicon.sets {
            var parsed: [SafetyPattern] = []
            for m in members {
                do { parsed.append(try SafetyPattern(parsing: m, sets: setNames)) } catch {
                    throw CompileError(message: "\(error.message) (set '@\(name)')", phrase: m)
                }
            }
            sets[name] = parsed
        }

        var automaton = SafetyAutomaton()
        var roles: [CueRoles] = []
        var cueIndex: [String: Int32] = [:]
        var parsedCues: [SafetyPattern] = []
        func cue(_ text: String) throws(CompileError) -> Int32 {
            if let c = cueIndex[text] { return c }
            let pattern: SafetyPattern
            do { pattern = try SafetyPattern(parsing: text, sets: setNames) } catch {
                throw CompileError(message: error.message, phrase: text)
            }
            parsedCues.append(pattern)
            let id = Int32(roles.count)
            do { try automaton.insert(pattern, cue: id, sets: sets) } catch {
                throw CompileError(message: error.message, phrase: text)
            }
            cueIndex[text] = id
            var r = CueRoles()
            r.text = text
            roles.append(r)
            return id
        }

        for p in lexicon.negators { roles[Int(try cue(p))].negator = true }
        for p in lexicon.notNegators { roles[Int(try cue(p))].notNegator = true }
        for p in lexicon.idioms { roles[Int(try cue(p))].idiom = true }
        for p in lexicon.resolved { roles[Int(try cue(p))].resolved = true }
        for p in lexicon.current { roles[Int(try cue(p))].current = true }
        for p in lexicon.hypothetical { roles[Int(try cue(p))].hypothetical = true }

        var compiled: [CompiledCategory] = []
        for (ci, category) in lexicon.categories.enumerated() {
            for p in category.phrases { roles[Int(try cue(p))].positives.append(CueRoles.Positive(category: ci, possible: false)) }
            for p in category.possible { roles[Int(try cue(p))].positives.append(CueRoles.Positive(category: ci, possible: true)) }
            var with: [Int32] = []
            for p in category.with { with.append(try cue(p)) }
            // `unless` and `unless-anywhere` entries: each all of its phrases, as cues.
            func entries(_ list: [[String]]) throws(CompileError) -> [[Int32]] {
                var out: [[Int32]] = []
                for entry in list {
                    var all: [Int32] = []
                    for p in entry { all.append(try cue(p)) }
                    if !all.isEmpty { out.append(all) }
                }
                return out
            }
            var soften: [Int32] = []
            for p in category.soften { soften.append(try cue(p)) }
            compiled.append(CompiledCategory(category: category, with: with, unless: try entries(category.unless),
                                             unlessAnywhere: try entries(category.unlessAnywhere), soften: soften))
        }

        // Every literal word of every phrase and set is known, exactly.
        // (Each phrase was parsed once above; parsing is most of the cost of loading.)
        for p in parsedCues { vocabulary.formUnion(p.literalWords) }
        for members in sets.values { for m in members { vocabulary.formUnion(m.literalWords) } }
        vocabulary.formUnion(lexicon.spellings.values.flatMap { TextNormalizer.words($0) })
        var spellings: [String: String] = [:]
        for (k, v) in lexicon.spellings {
            let key = TextNormalizer.words(k), value = TextNormalizer.words(v)
            if key.count == 1, value.count == 1 { spellings[key[0]] = value[0] }
        }
        let notTypos = Set(lexicon.notTypos.flatMap { TextNormalizer.words($0) })

        self.automaton = automaton
        self.roles = roles
        self.categories = compiled
        self.typos = TypoIndex(vocabulary: vocabulary, notTypos: notTypos, spellings: spellings)
        // Single words only: a multi-word entry would make each of its words a break.
        func singleWords(_ list: [String]) -> Set<String> {
            Set(list.compactMap { w in let ws = TextNormalizer.words(w); return ws.count == 1 ? ws[0] : nil })
        }
        self.clauseBreaks = singleWords(lexicon.clauseBreaks)
        self.contrasts = singleWords(lexicon.contrasts)
        self.negationBlockers = singleWords(lexicon.negationBlockers)
        self.negationWindow = max(0, lexicon.negationWindow)
        var negating = Set<String>()
        for n in lexicon.negators {
            if let p = try? SafetyPattern(parsing: n, sets: setNames), case .word(let w) = p.element { negating.insert(w) }
        }
        self.negatingWords = negating
        self.questionStarts = singleWords(lexicon.questionStarts)
        self.firstPerson = singleWords(lexicon.firstPerson)
        self.known = Self.knownWords(automaton: automaton, typos: typos)
    }

    /// The ``known`` table, made from the compiled automaton and typo index.
    static func knownWords(automaton: SafetyAutomaton, typos: TypoIndex) -> [String: KnownWord] {
        var known: [String: KnownWord] = [:]
        known.reserveCapacity(typos.protected.count + typos.spellings.count)
        for w in typos.protected { known[w, default: KnownWord()].isProtected = true }
        for (w, s) in typos.spellings { known[w, default: KnownWord()].spelling = s }
        for (w, id) in automaton.wordIDs { known[w, default: KnownWord()].id = id }
        return known
    }

    // MARK: - Scanning

    public func scan(_ text: String) -> Detection? {
        analyze(text, explain: false).detection
    }

    /// The lexicon words a typed word may be read as (typos and txt-speak); empty when it is
    /// read only as itself. For tests and tools that check the `not-typos` list.
    public func readings(of word: String) -> [String] {
        let w = TextNormalizer.words(word)
        guard w.count == 1 else { return [] }
        return Array(typos.alternatives(for: w[0]).dropFirst())
    }

    /// The full reasoning for one message: what was found, and what was set aside and why.
    public func explain(_ text: String) -> SafetyAnalysis {
        analyze(text, explain: true)
    }

    func analyze(_ raw: String, explain: Bool) -> SafetyAnalysis {
        var analysis = analyzeRules(raw, explain: explain)
        let heldBack = analysis.heldBack
        guard let backstop else { return analysis }
        // Only where the rules had nothing to say: what they found stays their call, and a
        // level they already judged (``SafetyAnalysis/heldBack``) is not asked about.
        let tooShort = analysis.words.count < backstop.minWords
        let mayAsk = analysis.detection == nil && !tooShort
        guard mayAsk || explain else { return analysis }
        let logits = backstop.logits(words: analysis.words)
        let asking = mayAsk ? backstop.asking(logits, allowed: { !heldBack.contains($0) }) : nil
        if let k = asking {
            let level = backstop.heads[k].level
            analysis.detection = Detection(level: level, category: Self.backstopCategory(level),
                                           reason: Self.backstopReason(level), certainty: .possible)
        }
        if explain {
            analysis.model = backstop.heads.indices.map { k in
                let head = backstop.heads[k]
                let note = k == asking ? "asks a check question"
                    : analysis.detection != nil ? "not used: the rules found something"
                    : tooShort ? "not used: fewer than \(backstop.minWords) words"
                    : heldBack.contains(head.level)
                        ? (head.level == .crisis ? "not used: the rules set a crisis phrase aside"
                                                 : "not used: the rules read the \(head.level.rawValue) phrase as a question or an if")
                    : logits[k] >= head.threshold ? "another head is further above its threshold"
                    : "below the threshold"
                return SafetyAnalysis.ModelScore(level: head.level, logit: logits[k], threshold: head.threshold,
                                                 asks: k == asking, note: note)
            }
        }
        return analysis
    }

    /// The rules alone, and whether any crisis phrase was found (counted or set aside).
    /// The rules' reading (with ``SafetyAnalysis/heldBack``).
    func analyzeRules(_ raw: String, explain: Bool) -> SafetyAnalysis {
        let text = SafetyText(raw, clauseBreaks: clauseBreaks, contrasts: contrasts)
        var analysis = SafetyAnalysis(words: text.words)
        guard !text.words.isEmpty else { return analysis }
        // One look-up per word for everything the lexicon knows of it.
        let stretched = text.stretched
        var ids: [Int32] = [], readings: [[String]] = []
        ids.reserveCapacity(text.words.count)
        readings.reserveCapacity(text.words.count)
        for (i, w) in text.words.enumerated() {
            let k = known[w]
            ids.append(k?.id ?? -1)
            readings.append(typos.readings(for: w, stretched: stretched.isEmpty ? nil : stretched[i],
                                           isProtected: k?.isProtected ?? false, spelling: k?.spelling))
        }
        let numbers = text.words.map { w -> Double? in Self.startsWithNumber(w) ? Double(w) : nil }
        let matches = automaton.matches(in: text, ids: ids, readings: readings, numbers: numbers, negatingWords: negatingWords)
        guard matches.contains(where: { !roles[Int($0.cue)].positives.isEmpty }) else {
            if explain { analysis.corrections = corrections(text.words, readings) }
            return analysis
        }

        // What each sentence contains.
        let sentenceCount = text.sentences.count
        var present = [Set<Int32>](repeating: [], count: sentenceCount)
        var occurrences: [Int32: [SafetyAutomaton.Match]] = [:]
        var inMessage = Set<Int32>()
        for m in matches {
            present[Int(m.sentence)].insert(m.cue)
            inMessage.insert(m.cue)
            if roles[Int(m.cue)].positives.isEmpty { occurrences[m.cue, default: []].append(m) }
        }
        let idioms = matches.filter { roles[Int($0.cue)].idiom }
        let notNegators = matches.filter { roles[Int($0.cue)].notNegator }
        let negators = matches.filter { m in
            roles[Int(m.cue)].negator && !notNegators.contains { $0.sentence == m.sentence && $0.start <= m.start && $0.end >= m.end }
        }
        var resolvedSentence = [Bool](repeating: false, count: sentenceCount)
        var hypotheticalSentence = [Bool](repeating: false, count: sentenceCount)
        // A crisis told as over must be over in the whole message: a sign of now in any sentence
        // ("Tried to end it in 2019. Feeling exactly like that again now") keeps it current.
        var currentInMessage = false
        // ... and be said to be over twice: besides the time in its own clause ("years ago"), a
        // second sign elsewhere ("I'm 58 now", "been well for years"). "I took an overdose
        // years ago. I don't see the point of anything" is not a story that is over.
        var resolvedClauses = Set<Int>()
        // Where the last sign of now is (for `unless-anywhere`: an explanation counts only after it).
        var lastCurrent: Int32 = -1
        for s in 0..<sentenceCount {
            let inS = matches.filter { $0.sentence == Int32(s) }
            let resolvedMarks = inS.filter { roles[Int($0.cue)].resolved }
            let currentMarks = inS.filter { c in
                roles[Int(c.cue)].current && !resolvedMarks.contains { $0.start <= c.end && c.start <= $0.end }
            }
            if !currentMarks.isEmpty { currentInMessage = true }
            for c in currentMarks { lastCurrent = max(lastCurrent, c.start) }
            for r in resolvedMarks { resolvedClauses.insert(text.clause[Int(r.start)]); resolvedClauses.insert(text.clause[Int(r.end)]) }
            if !resolvedMarks.isEmpty { resolvedSentence[s] = currentMarks.isEmpty }
            let range = text.sentences[s].range
            var hypothetical = inS.contains { roles[Int($0.cue)].hypothetical }
            if !hypothetical, text.sentences[s].question, questionStarts.contains(text.words[range.lowerBound]) {
                hypothetical = !text.words[range].contains { firstPerson.contains($0) }
            }
            hypotheticalSentence[s] = hypothetical
        }

        // Judge every risk phrase found.
        struct Candidate { var category: Int; var possible: Bool; var cue: Int32 }
        var kept: [Candidate] = []
        var seen = Set<[Int32]>()
        for m in matches {
            let r = roles[Int(m.cue)]
            guard !r.positives.isEmpty else { continue }
            for positive in r.positives {
                let ci = positive.category, possible = positive.possible
                guard seen.insert([m.cue, m.start, m.end, Int32(ci)]).inserted else { continue }
                let cat = categories[ci]
                let s = Int(m.sentence)
                var verdict: SafetyAnalysis.Verdict = .counted
                if idioms.contains(where: { $0.sentence == m.sentence && $0.start <= m.end && m.start <= $0.end
                    && !(m.start <= $0.start && $0.end <= m.end && (m.start, m.end) != ($0.start, $0.end)) }) {
                    verdict = .idiom
                } else if cat.category.negatable, m.gapNegated || negated(m, by: negators, in: text) {
                    verdict = .negated
                } else if cat.category.resolvable, resolvedSentence[s],
                          cat.category.level != .crisis
                            || (!currentInMessage && overElsewhere(m, resolvedClauses, in: text)) {
                    verdict = .resolved
                } else if cat.category.hypothetical, hypotheticalSentence[s] {
                    verdict = .hypothetical
                } else if !cat.with.isEmpty, !cat.with.contains(where: { inMessage.contains($0) }) {
                    verdict = .missingContext
                } else if unlessApplies(cat, to: m, occurrences: occurrences, negators: negators, in: text)
                            || explainedAnywhere(cat, m, occurrences: occurrences, negators: negators,
                                                 lastCurrent: lastCurrent, hypothetical: hypotheticalSentence, in: text) {
                    verdict = .unless
                }
                if cat.category.level == .crisis || verdict == .hypothetical { analysis.heldBack.insert(cat.category.level) }
                let soft = possible || cat.soften.contains { present[s].contains($0) }
                if verdict == .counted { kept.append(Candidate(category: ci, possible: soft, cue: m.cue)) }
                if explain {
                    let words = text.words[Int(m.start)...Int(m.end)].joined(separator: " ")
                    analysis.findings.append(SafetyAnalysis.Finding(
                        category: cat.category.id, level: cat.category.level, phrase: r.text, words: words,
                        possible: soft, verdict: verdict))
                }
            }
        }
        if explain {
            analysis.corrections = corrections(text.words, readings)
            analysis.markers = matches.filter { roles[Int($0.cue)].positives.isEmpty }.map { m in
                "'\(roles[Int(m.cue)].text)' on \"\(text.words[Int(m.start)...Int(m.end)].joined(separator: " "))\""
            }
        }
        guard let top = kept.map({ categories[$0.category].category.level }).max() else { return analysis }
        let atTop = kept.filter { categories[$0.category].category.level == top }
        let clear = atTop.filter { !$0.possible }
        let chosen: Candidate
        var certainty: Detection.Certainty = .clear
        if let c = clear.min(by: { $0.category < $1.category }) {
            chosen = c
        } else {
            chosen = atTop.min(by: { $0.category < $1.category }) ?? atTop[0]
            if top == .crisis && Set(atTop.map(\.cue)).count < 2 { certainty = .possible }
        }
        let cat = categories[chosen.category].category
        analysis.detection = Detection(level: cat.level, category: cat.id, reason: cat.reason, certainty: certainty)
        return analysis
    }

    /// Whether a crisis told as over is said to be over outside the phrase's own clauses too
    /// ("I used to want to die, but therapy helped"): a sign of being over that comes before
    /// the phrase counts only when no contrast stands between them, since "therapy helped,
    /// but I want to die" takes the recovery back.
    func overElsewhere(_ m: SafetyAutomaton.Match, _ resolvedClauses: Set<Int>, in text: SafetyText) -> Bool {
        let first = text.clause[Int(m.start)], last = text.clause[Int(m.end)]
        return resolvedClauses.contains { r in
            if r > last { return true }
            guard r < first else { return false }
            return !((r + 1)...first).contains { text.contrastClauses.contains($0) }
        }
    }

    /// Whether the word's first Character is a number: from its first bytes when that
    /// Character is a single ASCII byte (then only a digit is a number).
    static func startsWithNumber(_ w: String) -> Bool {
        var w = w
        let byBytes: Bool? = w.withUTF8 { b in
            guard let first = b.first else { return false }
            guard first < 0x80, first != 0x0D, b.count == 1 || b[1] < 0x80 else { return nil }
            return first >= 0x30 && first <= 0x39
        }
        return byBytes ?? (w.first?.isNumber == true)
    }

    /// Whether one of the category's `unless` entries is found near `m` (see ``SafetyLexicon/UnlessScope``).
    ///
    /// Two rules for contexts that are themselves a denial (they contain a negator: "I said no",
    /// "I haven't"), the answer to a question about the risk:
    /// * a short answer that is a clause of its own at the start of the next sentence is near
    ///   the question ("she asked if I'd wet myself. I haven't");
    /// * a denial contradicted right after it sets nothing aside ("I said no, but I have",
    ///   "I said no. I do though"); a contrast that only asks something is no contradiction
    ///   ("I haven't, but why does she ask that?").
    func unlessApplies(_ cat: CompiledCategory, to m: SafetyAutomaton.Match,
                       occurrences: [Int32: [SafetyAutomaton.Match]], negators: [SafetyAutomaton.Match] = [],
                       in text: SafetyText) -> Bool {
        guard !cat.unless.isEmpty else { return false }
        let first = text.clause[Int(m.start)], last = text.clause[Int(m.end)]
        let own = first...last
        var near = own
        if cat.category.unlessScope != .sentence {
            var lo = first, hi = last
            if !text.contrastClauses.contains(first) { lo = first - 1 }
            if !text.contrastClauses.contains(last + 1) { hi = last + 1 }
            near = lo...hi
        }
        func isDenial(_ o: SafetyAutomaton.Match) -> Bool {
            negators.contains { $0.sentence == o.sentence && $0.start <= o.end && o.start <= $0.end }
        }
        /// The next sentence opens with a short denial clause, and `o` is it.
        func answersFromNextSentence(_ o: SafetyAutomaton.Match) -> Bool {
            guard cat.category.unlessScope != .sentence, o.sentence == m.sentence + 1 else { return false }
            let range = text.sentences[Int(o.sentence)].range
            let answer = text.clause[range.lowerBound]
            guard text.clause[Int(o.start)] == answer, text.clause[Int(o.end)] == answer, isDenial(o) else { return false }
            let clauseWords = range.filter { text.clause[$0] == answer }
            return clauseWords.allSatisfy { i in
                negationBlockers.contains(text.words[i])
                    || negators.contains { $0.sentence == o.sentence && Int($0.start) <= i && i <= Int($0.end) }
            }
        }
        func contradicted(_ o: SafetyAutomaton.Match) -> Bool {
            guard isDenial(o) else { return false }
            let s = Int(o.sentence), sentence = text.sentences[s]
            let next = text.clause[Int(o.end)] + 1
            if let i = sentence.range.first(where: { text.clause[$0] == next }), text.contrastClauses.contains(next) {
                let asks = sentence.question && i + 1 < sentence.range.upperBound && questionStarts.contains(text.words[i + 1])
                if !asks { return true }
            }
            // "I said no. I do though."
            if next > text.clause[sentence.range.upperBound - 1], s + 1 < text.sentences.count,
               let w = text.sentences[s + 1].range.last, contrasts.contains(text.words[w]) { return true }
            return false
        }
        func found(_ cue: Int32, within clauses: ClosedRange<Int>?) -> Bool {
            occurrences[cue]?.contains { o in
                (o.sentence == m.sentence || answersFromNextSentence(o)) && !(o.start >= m.start && o.end <= m.end)
                    && (clauses.map { $0.contains(text.clause[Int(o.start)]) || $0.contains(text.clause[Int(o.end)]) } ?? true)
                    && !contradicted(o)
            } ?? false
        }
        let scope: ClosedRange<Int>? = cat.category.unlessScope == .sentence ? nil : near
        return cat.unless.contains { entry in
            entry.allSatisfy { found($0, within: scope) }
                && (cat.category.unlessScope != .clause || entry.contains { found($0, within: own) })
        }
    }

    /// Whether an `unless-anywhere` entry is found in the message: each of its phrases outside `m`,
    /// not negated, not in a question or hypothetical sentence, with no contrast clause and no
    /// sign of now (`current`) after it ("had cancer. The scan showed a disc" is explained;
    /// "the scan showed a disc, but now there's new pain" is not).
    func explainedAnywhere(_ cat: CompiledCategory, _ m: SafetyAutomaton.Match,
                           occurrences: [Int32: [SafetyAutomaton.Match]], negators: [SafetyAutomaton.Match],
                           lastCurrent: Int32, hypothetical: [Bool], in text: SafetyText) -> Bool {
        guard !cat.unlessAnywhere.isEmpty else { return false }
        let lastContrast = text.contrastClauses.max() ?? -1
        return cat.unlessAnywhere.contains { entry in
            entry.allSatisfy { cue in
                occurrences[cue]?.contains { o in
                    !(o.start >= m.start && o.end <= m.end)
                        && o.start > lastCurrent && text.clause[Int(o.start)] >= lastContrast
                        && !text.sentences[Int(o.sentence)].question && !hypothetical[Int(o.sentence)]
                        && !negated(o, by: negators, in: text)
                } ?? false
            }
        }
    }

    /// Whether a negator shortly before `m`, in the same clause, denies it.
    func negated(_ m: SafetyAutomaton.Match, by negators: [SafetyAutomaton.Match], in text: SafetyText) -> Bool {
        let clause = text.clause[Int(m.start)]
        for n in negators where n.sentence == m.sentence && n.end < m.start {
            guard text.clause[Int(n.end)] == clause, Int(m.start - n.end - 1) <= negationWindow else { continue }
            let between = (Int(n.end) + 1)..<Int(m.start)
            if between.contains(where: { negationBlockers.contains(text.words[$0]) }) { continue }
            return true
        }
        return false
    }

    func corrections(_ words: [String], _ readings: [[String]]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (w, r) in zip(words, readings) where !r.isEmpty { out[w] = r }
        return out
    }
}

/// The reasoning behind one scan, for tests, evaluation reports and reviewers.
public struct SafetyAnalysis: Sendable {
    /// What happened to one risk phrase found in the message.
    public enum Verdict: String, Sendable {
        /// It counts.
        case counted
        /// It is part of a figure of speech ("this pain is killing me").
        case idiom
        /// A negator before it denies it ("no numbness").
        case negated
        /// The sentence says it is over or long past ("it's gone now").
        case resolved
        /// The sentence is hypothetical or a general question ("what is foot drop?").
        case hypothetical
        /// The category needs a context that is not in the message (a fever with back pain).
        case missingContext = "missing-context"
        /// One of the category's `unless` contexts is in the sentence.
        case unless
    }

    public struct Finding: Sendable {
        public var category: String
        public var level: EscalationLevel
        /// The lexicon phrase.
        public var phrase: String
        /// The words of the message it matched.
        public var words: String
        public var possible: Bool
        public var verdict: Verdict
    }

    /// The normalised words.
    public var words: [String]
    public var findings: [Finding] = []
    /// Words read as something else: typo or txt-speak → lexicon words.
    public var corrections: [String: [String]] = [:]
    /// The context phrases found (negators, idioms, markers, `with` and `unless` contexts).
    public var markers: [String] = []
    public var detection: Detection? = nil
    /// The backstop model's scores, one per head, when the detector has a model.
    public var model: [ModelScore]? = nil
    /// Levels the backstop may not ask about, because the rules already judged them: crisis
    /// when they found any crisis phrase (counted or set aside as an idiom, a denial, a story),
    /// another level when they read its phrase as a general question or an if ("is a
    /// temperature of 38 a fever?"). Found by the rules; the model honours it.
    public var heldBack: Set<EscalationLevel> = []

    /// What one head of the backstop made of the message.
    public struct ModelScore: Sendable {
        public var level: EscalationLevel
        public var logit: Double
        public var threshold: Double
        /// Whether the score asked a check question.
        public var asks: Bool
        /// Why it asked or not, in a few words.
        public var note: String
        public var probability: Double { SafetyModel.probability(logit) }
    }

    /// A few lines a person can read.
    public func render() -> String {
        var lines: [String] = []
        if let d = detection {
            lines.append("detected: \(d.level.rawValue) (\(d.category), \(d.certainty.rawValue)): \(d.reason)")
        } else {
            lines.append("detected: nothing")
        }
        lines.append("words: \(words.joined(separator: " "))")
        for (w, c) in corrections.sorted(by: { $0.key < $1.key }) { lines.append("read '\(w)' as \(c.map { "'\($0)'" }.joined(separator: " or "))") }
        for m in markers { lines.append("  context: \(m)") }
        for f in findings {
            lines.append("  \(f.verdict.rawValue): \(f.level.rawValue)/\(f.category) '\(f.phrase)' on \"\(f.words)\"\(f.possible ? " (possible)" : "")")
        }
        for m in model ?? [] {
            func rounded(_ x: Double, _ places: Double) -> Double { (x * places).rounded() / places }
            lines.append("model, \(m.level.rawValue): score \(rounded(m.logit, 1000)) (threshold \(rounded(m.threshold, 1000))): \(m.note)")
        }
        return lines.joined(separator: "\n")
    }
}

