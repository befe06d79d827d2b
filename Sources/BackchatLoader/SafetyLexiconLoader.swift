import BackchatEngine
import Yams

/// Compiles a locale's safety lexicon files (`Dialogs/<locale>/lexicon/*.yaml`) into a scanner.
///
/// Every file is a mapping with any of the keys below; lists from several files are joined,
/// so a locale can split its lexicon by topic (`language.yaml`, `crisis.yaml`, …). The format
/// is described in `docs/safety.md`. Every problem is reported as a ``Diagnostic`` with the
/// file, line and column of the phrase at fault — never a crash — and a lexicon with errors
/// still compiles from the phrases that are valid, so one typo does not switch safety off.
enum SafetyLexiconLoader {
    static let fileKeys = ["description", "sets", "spellings", "not-typos", "negation", "clause-breaks", "contrasts", "idioms",
                           "resolved", "current", "hypothetical", "questions", "categories"]
    static let negationKeys = ["words", "not", "window", "blockers"]
    static let questionKeys = ["starts", "first-person"]
    static let categoryKeys = ["id", "level", "reason", "note", "phrases", "possible", "with", "unless", "unless-scope", "unless-anywhere", "soften",
                               "negatable", "resolvable", "hypothetical"]

    /// - Parameter model: the backstop model file (``SafetyModelLoader``), if the locale has one.
    static func load(files: [(path: String, text: String)],
                     model: (path: String, bytes: [UInt8])? = nil) -> (any SafetyScanning, [Diagnostic]) {
        var (lexicon, diagnostics) = parse(files: files)
        guard let lexicon else { return (NoSafetyScan(), diagnostics) }
        do {
            var detector = try SafetyDetector(lexicon)
            if let model {
                let (backstop, problems) = SafetyModelLoader.parse(bytes: model.bytes, file: model.path)
                diagnostics += problems
                detector.backstop = backstop
            }
            return (detector, diagnostics)
        } catch {
            let at = files.first.map { Location(file: $0.path, line: 1, column: 1) } ?? Location(file: "lexicon", line: 0, column: 0)
            return (NoSafetyScan(), diagnostics + [.error(at, "cannot compile the safety lexicon: \(error)")])
        }
    }

    /// The lexicon written in `files` (`nil` when there are no files), and every problem found.
    static func parse(files: [(path: String, text: String)]) -> (SafetyLexicon?, [Diagnostic]) {
        guard !files.isEmpty else { return (nil, []) }
        var parser = Parser()
        for (path, text) in files.sorted(by: { $0.path < $1.path }) { parser.read(path: path, text: text) }
        return (parser.finish(), parser.diagnostics)
    }

    /// A phrase as written, with where it is, for checking once all set names are known.
    struct RawPhrase {
        var text: String
        var at: Location
        /// Characters before the phrase's first one on its line (1 for a quoted scalar).
        var quoteOffset: Int
    }

    struct RawCategory {
        var id: Located<String>
        var level: EscalationLevel
        var reason: String
        var phrases: [RawPhrase] = []
        var possible: [RawPhrase] = []
        var with: [RawPhrase] = []
        var unless: [[RawPhrase]] = []
        var unlessScope: SafetyLexicon.UnlessScope = .nearby
        var unlessAnywhere: [[RawPhrase]] = []
        var soften: [RawPhrase] = []
        var negatable: Bool? = nil
        var resolvable: Bool? = nil
        var hypothetical: Bool? = nil
    }

    struct Parser {
        var diagnostics: [Diagnostic] = []
        var sets: [String: (at: Location, members: [RawPhrase])] = [:]
        var spellings: [String: String] = [:]
        var notTypos: [String] = []
        var negators: [RawPhrase] = []
        var notNegators: [RawPhrase] = []
        var window: Int? = nil
        var blockers: [String] = []
        var clauseBreaks: [String] = []
        var contrasts: [String] = []
        var idioms: [RawPhrase] = []
        var resolved: [RawPhrase] = []
        var current: [RawPhrase] = []
        var hypothetical: [RawPhrase] = []
        var questionStarts: [String] = []
        var firstPerson: [String] = []
        var categories: [RawCategory] = []
        var categoryIds: [String: Location] = [:]

        mutating func read(path: String, text: String) {
            var reader = YAMLReader(file: path)
            defer { diagnostics += reader.diagnostics }
            guard let root = reader.compose(text), let pairs = reader.mapping(root, "a lexicon file") else { return }
            reader.checkKeys(pairs, allowed: SafetyLexiconLoader.fileKeys, in: "a lexicon file")
            for (key, value) in pairs {
                switch key.value {
                case "sets":
                    for (name, members) in reader.mapping(value, "'sets'") ?? [] {
                        if !Self.isName(name.value) {
                            reader.error(name.at, "'\(name.value)' is not a set name", hint: "use letters, digits, '-' and '_'")
                            continue
                        }
                        if let first = sets[name.value] {
                            reader.error(name.at, "the set '@\(name.value)' is defined twice (also at \(first.at.file):\(first.at.line))",
                                         hint: "merge the two lists into one")
                            continue
                        }
                        sets[name.value] = (name.at, phrases(members, "the set '@\(name.value)'", reader: &reader))
                    }
                case "spellings":
                    for (variant, word) in reader.mapping(value, "'spellings'") ?? [] {
                        guard let w = reader.text(word, "the spelling of '\(variant.value)'") else { continue }
                        let v = TextNormalizer.words(variant.value), c = TextNormalizer.words(w.value)
                        if v.count != 1 || c.count != 1 {
                            reader.error(v.count != 1 ? variant.at : w.at, "a spelling maps one word to one word",
                                         hint: "for several words, add the variant to a set or a phrase instead")
                            continue
                        }
                        spellings[v[0]] = c[0]
                    }
                case "not-typos": notTypos += words(value, "'not-typos'", reader: &reader)
                case "negation":
                    guard let n = reader.mapping(value, "'negation'") else { continue }
                    reader.checkKeys(n, allowed: SafetyLexiconLoader.negationKeys, in: "'negation'")
                    for (k, v) in n {
                        switch k.value {
                        case "words": negators += phrases(v, "'negation.words'", reader: &reader)
                        case "not": notNegators += phrases(v, "'negation.not'", reader: &reader)
                        case "blockers": blockers += words(v, "'negation.blockers'", reader: &reader)
                        case "window":
                            if let w = reader.number(v, "'negation.window'") {
                                if w < 0 || w > 8 || w != w.rounded() {
                                    reader.error(v, "'negation.window' must be a whole number from 0 to 8")
                                } else {
                                    window = Int(w)
                                }
                            }
                        default: break
                        }
                    }
                case "clause-breaks": clauseBreaks += words(value, "'clause-breaks'", reader: &reader)
                case "contrasts": contrasts += words(value, "'contrasts'", reader: &reader)
                case "idioms": idioms += phrases(value, "'idioms'", reader: &reader)
                case "resolved": resolved += phrases(value, "'resolved'", reader: &reader)
                case "current": current += phrases(value, "'current'", reader: &reader)
                case "hypothetical": hypothetical += phrases(value, "'hypothetical'", reader: &reader)
                case "questions":
                    guard let q = reader.mapping(value, "'questions'") else { continue }
                    reader.checkKeys(q, allowed: SafetyLexiconLoader.questionKeys, in: "'questions'")
                    for (k, v) in q {
                        if k.value == "starts" { questionStarts += words(v, "'questions.starts'", reader: &reader) }
                        if k.value == "first-person" { firstPerson += words(v, "'questions.first-person'", reader: &reader) }
                    }
                case "categories":
                    for item in reader.sequence(value, "'categories'") ?? [] {
                        if let c = category(item, reader: &reader) { categories.append(c) }
                    }
                default: break
                }
            }
        }

        mutating func category(_ node: Yams.Node, reader: inout YAMLReader) -> RawCategory? {
            guard let pairs = reader.mapping(node, "a category") else { return nil }
            reader.checkKeys(pairs, allowed: SafetyLexiconLoader.categoryKeys, in: "a category")
            let value = Dictionary(pairs.map { ($0.key.value, $0.value) }, uniquingKeysWith: { a, _ in a })
            guard let idNode = value["id"], let id = reader.text(idNode, "'id'") else {
                reader.error(node, "a category needs an 'id'", hint: "a stable kebab-case name such as 'saddle-numbness'")
                return nil
            }
            var ok = true
            if !Self.isKebab(id.value) {
                reader.error(id.at, "the category id '\(id.value)' is not kebab-case", hint: "use lower-case words joined by '-', e.g. 'saddle-numbness'")
                ok = false
            }
            if let first = categoryIds[id.value] {
                reader.error(id.at, "the category '\(id.value)' is defined twice (also at \(first.file):\(first.line))")
                ok = false
            } else {
                categoryIds[id.value] = id.at
            }
            let levels = EscalationLevel.allCases.map(\.rawValue)
            var level: EscalationLevel? = nil
            if let l = value["level"], let s = reader.text(l, "'level'") {
                level = EscalationLevel(rawValue: s.value)
                if level == nil {
                    let hint = Suggest.hint(for: s.value, in: levels) ?? "one of: \(levels.joined(separator: ", "))"
                    reader.error(s.at, "unknown level '\(s.value)' in category '\(id.value)'", hint: hint)
                }
            } else if value["level"] == nil {
                reader.error(id.at, "the category '\(id.value)' needs a 'level'", hint: "one of: \(levels.joined(separator: ", "))")
            }
            var reason: String? = nil
            if let r = value["reason"] { reason = reader.text(r, "'reason'")?.value } else {
                reader.error(id.at, "the category '\(id.value)' needs a 'reason'",
                             hint: "a short phrase that fits in a sentence, e.g. 'numbness between your legs'")
            }
            // Keep reading a faulty category, so every problem in it is reported at once.
            var c = RawCategory(id: id, level: level ?? .crisis, reason: reason ?? "")
            for (k, v) in pairs {
                let what = "'\(k.value)' of '\(id.value)'"
                switch k.value {
                case "phrases": c.phrases = phrases(v, what, reader: &reader)
                case "possible": c.possible = phrases(v, what, reader: &reader)
                case "with": c.with = phrases(v, what, reader: &reader)
                case "soften": c.soften = phrases(v, what, reader: &reader)
                case "unless", "unless-anywhere":
                    var entries: [[RawPhrase]] = []
                    for item in reader.sequence(v, what) ?? [] {
                        if case .sequence = item {
                            let all = phrases(item, "an item of \(what)", reader: &reader)
                            if !all.isEmpty { entries.append(all) }
                        } else if let p = phrase(item, "an item of \(what)", reader: &reader) {
                            entries.append([p])
                        }
                    }
                    if k.value == "unless" { c.unless += entries } else { c.unlessAnywhere += entries }
                case "unless-scope":
                    if let t = reader.text(v, what) {
                        let scopes = SafetyLexicon.UnlessScope.allCases.map(\.rawValue)
                        if let scope = SafetyLexicon.UnlessScope(rawValue: t.value) { c.unlessScope = scope } else {
                            reader.error(t.at, "unknown unless-scope '\(t.value)'",
                                         hint: Suggest.hint(for: t.value, in: scopes) ?? "one of: \(scopes.joined(separator: ", "))")
                        }
                    }
                case "negatable": c.negatable = reader.bool(v, what)
                case "resolvable": c.resolvable = reader.bool(v, what)
                case "hypothetical": c.hypothetical = reader.bool(v, what)
                default: break
                }
            }
            if c.phrases.isEmpty && c.possible.isEmpty {
                reader.error(id.at, "the category '\(id.value)' has no phrases", hint: "add 'phrases:' (clear signals) or 'possible:' (weak ones)")
                return nil
            }
            return ok && level != nil && reason != nil ? c : nil
        }

        func phrase(_ node: Yams.Node, _ what: String, reader: inout YAMLReader) -> RawPhrase? {
            guard let s = reader.text(node, what) else { return nil }
            var offset = 0
            if case .scalar(let scalar) = node, scalar.style == .singleQuoted || scalar.style == .doubleQuoted { offset = 1 }
            return RawPhrase(text: s.value, at: s.at, quoteOffset: offset)
        }

        func phrases(_ node: Yams.Node, _ what: String, reader: inout YAMLReader) -> [RawPhrase] {
            guard let items = reader.sequence(node, what) else { return [] }
            return items.compactMap { phrase($0, "an item of \(what)", reader: &reader) }
        }

        /// A list of single words (after folding: "don't" is one word, "on the whole" is three).
        func words(_ node: Yams.Node, _ what: String, reader: inout YAMLReader) -> [String] {
            guard let items = reader.sequence(node, what) else { return [] }
            var out: [String] = []
            for item in items {
                guard let t = reader.text(item, "an item of \(what)") else { continue }
                let folded = TextNormalizer.words(t.value)
                if folded.count != 1 {
                    reader.error(t.at, "'\(t.value)' is not a single word; each item of \(what) must be one word",
                                 hint: folded.count > 1 ? "split it, or leave it out" : "write a word with letters or digits")
                    continue
                }
                out.append(folded[0])
            }
            return out
        }

        static func isName(_ s: String) -> Bool {
            !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        }

        static func isKebab(_ s: String) -> Bool {
            !s.isEmpty && !s.hasPrefix("-") && !s.hasSuffix("-") && !s.contains("--")
                && s.allSatisfy { ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "-" }
        }

        // MARK: - Checking phrases and building the lexicon

        /// Checks every phrase against the known sets; keeps the valid ones.
        mutating func check(_ raw: [RawPhrase]) -> [String] {
            let names = Set(sets.keys)
            var out: [String] = []
            for p in raw {
                do {
                    _ = try SafetyPattern(parsing: p.text, sets: names)
                    out.append(p.text)
                } catch {
                    let at = Location(file: p.at.file, line: p.at.line, column: p.at.column + p.quoteOffset + error.offset)
                    diagnostics.append(.error(at, "\(error.message) in the phrase '\(p.text)'", hint: error.hint))
                }
            }
            return out
        }

        /// Reports a set that contains itself, directly or through others (it could never be expanded).
        mutating func checkSetCycles() -> Set<String> {
            var bad = Set<String>()
            var state: [String: Int] = [:] // 1 visiting, 2 done
            func refs(_ name: String) -> [String] {
                (sets[name]?.members ?? []).flatMap { p in
                    p.text.split(whereSeparator: { $0.isWhitespace || "()[]|".contains($0) })
                        .filter { $0.hasPrefix("@") }.map { String($0.dropFirst()) }
                }
            }
            func visit(_ name: String, _ path: [String]) {
                if state[name] == 2 { return }
                if state[name] == 1 {
                    let cycle = path.drop(while: { $0 != name }) + [name]
                    if !bad.contains(name), let at = sets[name]?.at {
                        diagnostics.append(.error(at, "the set '@\(name)' contains itself: \(cycle.map { "@" + $0 }.joined(separator: " → "))",
                                                  hint: "a set may use other sets, but not in a circle"))
                    }
                    bad.formUnion(cycle)
                    return
                }
                state[name] = 1
                for r in refs(name) where sets[r] != nil { visit(r, path + [name]) }
                state[name] = 2
            }
            for name in sets.keys.sorted() { visit(name, []) }
            return bad
        }

        mutating func finish() -> SafetyLexicon {
            let cyclic = checkSetCycles()
            var lexicon = SafetyLexicon()
            for (name, set) in sets.sorted(by: { $0.key < $1.key }) {
                let members = check(set.members)
                lexicon.sets[name] = cyclic.contains(name) ? [] : members
            }
            // A set left empty (all members broken, or cyclic) simply matches nothing.
            lexicon.spellings = spellings
            lexicon.notTypos = notTypos
            lexicon.negators = check(negators)
            lexicon.notNegators = check(notNegators)
            if let window { lexicon.negationWindow = window }
            lexicon.negationBlockers = blockers
            lexicon.clauseBreaks = clauseBreaks
            lexicon.contrasts = contrasts
            lexicon.idioms = check(idioms)
            lexicon.resolved = check(resolved)
            lexicon.current = check(current)
            lexicon.hypothetical = check(hypothetical)
            lexicon.questionStarts = questionStarts
            lexicon.firstPerson = firstPerson
            for c in categories {
                let phrases = check(c.phrases), possible = check(c.possible)
                guard !phrases.isEmpty || !possible.isEmpty else { continue }
                lexicon.categories.append(SafetyLexicon.Category(
                    id: c.id.value, level: c.level, reason: c.reason, phrases: phrases, possible: possible,
                    with: check(c.with), unless: c.unless.map { check($0) }.filter { !$0.isEmpty }, unlessScope: c.unlessScope,
                    unlessAnywhere: c.unlessAnywhere.map { check($0) }.filter { !$0.isEmpty }, soften: check(c.soften),
                    negatable: c.negatable ?? true, resolvable: c.resolvable, hypothetical: c.hypothetical))
            }
            return lexicon
        }
    }
}
