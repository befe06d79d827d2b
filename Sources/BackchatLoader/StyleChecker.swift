import BackchatEngine

/// Lint warnings: things that load and run but make a dialog worse or harder to change.
///
/// * a variable that is set but never read;
/// * two choices of one question that share a key, label or synonym (the earlier wins silently);
/// * a condition that is always true or always false;
/// * a message that is too long, or too hard to read (above a reading grade of about 8).
struct StyleChecker {
    /// Longest message, in characters, before a warning.
    static let maxMessageLength = 300
    /// Highest Flesch–Kincaid grade before a warning; only judged on messages of 12 words or more.
    static let maxGrade = 8.0
    static let minWordsForGrade = 12

    let flows: [RawFlow]
    /// Variables the front end provides or reads (`inputs:` in locale.yaml): never "unused".
    let inputs: Set<String>
    var diagnostics: [Diagnostic] = []

    init(flows: [RawFlow], inputs: Set<String> = []) { self.flows = flows; self.inputs = inputs }

    mutating func check() -> [Diagnostic] {
        checkUnusedVariables()
        for f in flows {
            for n in f.nodes {
                for text in n.say { checkMessage(text) }
                if case .ask(let a) = n.action {
                    checkMessage(a.prompt)
                    if let r = a.retry { checkMessage(r) }
                    checkOverlaps(a, node: n.id.value)
                }
                if case .branch(let bs, _) = n.action {
                    for b in bs { checkConstant(b.condition) }
                }
            }
        }
        return diagnostics
    }

    // MARK: - Variables

    /// Every read of a variable: in messages, conditions and computed values.
    func reads() -> Set<String> {
        var out = Set<String>()
        func template(_ t: Located<String>) { out.formUnion(Template(t.value).variables) }
        func expression(_ e: Located<String>) {
            if case .success(let x) = ExpressionParser.parse(e.value) { out.formUnion(x.variables); return }
            // A condition that does not parse is an error already; count its words as reads
            // so the warning list does not pile on.
            var word = ""
            for c in e.value + " " {
                if c.isLetter || c.isNumber || c == "_" { word.append(c) } else { if !word.isEmpty { out.insert(word) }; word = "" }
            }
        }
        for f in flows {
            for n in f.nodes {
                n.say.forEach(template)
                n.set.compactMap(\.expression).forEach(expression)
                switch n.action {
                case .ask(let a):
                    template(a.prompt)
                    a.retry.map(template)
                    for c in a.choices { template(c.label); c.set.compactMap(\.expression).forEach(expression) }
                case .branch(let bs, _): bs.map(\.condition).forEach(expression)
                default: break
                }
            }
        }
        return out
    }

    mutating func checkUnusedVariables() {
        let read = reads()
        var warned = Set<String>()
        func check(_ name: Located<String>) {
            let base = name.value
            guard !read.contains(base), !read.contains(base + "_days"), !ScriptBuilder.builtinVariables.contains(base),
                  !inputs.contains(base),
                  warned.insert(base).inserted else { return }
            diagnostics.append(.warning(name.at, "variable '\(base)' is set but never read",
                                        hint: "use it in a condition or a message ({\(base)}), or remove it"))
        }
        for f in flows {
            for n in f.nodes {
                n.set.map(\.variable).forEach(check)
                if case .ask(let a) = n.action {
                    a.into.map(check)
                    for c in a.choices { c.set.map(\.variable).forEach(check) }
                }
            }
        }
    }

    // MARK: - Choices

    mutating func checkOverlaps(_ ask: RawAsk, node: String) {
        var owner: [[String]: String] = [:]
        for c in ask.choices {
            var phrases: [(Located<String>, [String])] = []
            for p in [c.key, c.label] + c.synonyms {
                let words = TextNormalizer.words(String(p.value.map { $0 == "_" ? " " : $0 }))
                if !words.isEmpty { phrases.append((p, words)) }
            }
            var own = Set<[String]>()
            for (p, words) in phrases {
                if let other = owner[words], other != c.key.value {
                    diagnostics.append(.warning(p.at, "'\(p.value)' picks both '\(other)' and '\(c.key.value)' in node '\(node)'; '\(other)' always wins",
                                                hint: "keep the phrase in one choice only"))
                }
                own.insert(words)
            }
            for w in own where owner[w] == nil { owner[w] = c.key.value }
        }
    }

    // MARK: - Conditions

    mutating func checkConstant(_ condition: Located<String>) {
        guard case .success(let e) = ExpressionParser.parse(condition.value) else { return }
        if e.variables.isEmpty {
            let value = e.evaluate { _ in .null }.isTruthy
            diagnostics.append(.warning(condition.at, "the condition '\(condition.value)' is always \(value)",
                                        hint: value ? "use 'next:' instead of a branch" : "remove the branch: it can never be taken"))
            return
        }
        // `var == 'text'` where var only ever holds other values (choice keys, literal sets).
        if case .binary(let op, let l, let r) = e, op == .equal || op == .notEqual {
            var name: String? = nil, literal: Value? = nil
            if case .variable(let v) = l, case .literal(let x) = r { name = v; literal = x }
            if case .variable(let v) = r, case .literal(let x) = l { name = v; literal = x }
            guard let name, let literal, case .string(let text) = literal, let values = possibleValues(name),
                  !values.contains(text.lowercased()) else { return }
            let always = op == .equal ? "false" : "true"
            diagnostics.append(.warning(condition.at, "the condition '\(condition.value)' is always \(always): '\(name)' is only ever \(values.sorted().map { "'\($0)'" }.joined(separator: ", "))",
                                        hint: Suggest.hint(for: text, in: values) ?? "compare with one of those values"))
        }
    }

    /// The text values a variable can hold, when every assignment is a known literal; `nil` otherwise.
    func possibleValues(_ name: String) -> Set<String>? {
        var values = Set<String>()
        for f in flows {
            for n in f.nodes {
                for a in n.set where a.variable.value == name {
                    guard case .string(let s)? = a.value else { return nil }
                    values.insert(s.lowercased())
                }
                if case .ask(let ask) = n.action {
                    if ask.into?.value == name {
                        guard ask.kind.value == "choice" else { return nil }
                        for c in ask.choices { values.insert(c.key.value.lowercased()) }
                    }
                    for c in ask.choices {
                        for a in c.set where a.variable.value == name {
                            guard case .string(let s)? = a.value else { return nil }
                            values.insert(s.lowercased())
                        }
                    }
                }
            }
        }
        return values.isEmpty ? nil : values
    }

    // MARK: - Messages

    mutating func checkMessage(_ text: Located<String>) {
        let plain = Template(text.value).render { _ in .string("x") }
        if plain.count > Self.maxMessageLength {
            diagnostics.append(.warning(text.at, "message is \(plain.count) characters long (more than \(Self.maxMessageLength))",
                                        hint: "split it into shorter messages: a list under 'say:' shows each one on its own"))
        }
        if let grade = Readability.grade(plain), grade > Self.maxGrade {
            diagnostics.append(.warning(text.at, "message is hard to read (reading grade \(Value.format(grade)), aim for \(Value.format(Self.maxGrade)) or lower)",
                                        hint: "use shorter sentences and everyday words"))
        }
    }
}

/// The Flesch–Kincaid grade level of English text, from a syllable estimate.
enum Readability {
    static func grade(_ text: String) -> Double? {
        let words = text.split(whereSeparator: { !$0.isLetter && $0 != "'" && $0 != "’" }).map { $0.lowercased() }
        guard words.count >= StyleChecker.minWordsForGrade else { return nil }
        let sentences = max(1, text.split(whereSeparator: { ".!?".contains($0) }).filter { $0.contains(where: \.isLetter) }.count)
        let syllables = words.reduce(0) { $0 + syllableCount($1) }
        let g = 0.39 * Double(words.count) / Double(sentences) + 11.8 * Double(syllables) / Double(words.count) - 15.59
        return (g * 10).rounded() / 10
    }

    /// Vowel groups, less a silent final 'e', at least one.
    static func syllableCount(_ word: String) -> Int {
        let vowels: Set<Character> = ["a", "e", "i", "o", "u", "y"]
        var count = 0
        var previousVowel = false
        for c in word {
            let v = vowels.contains(c)
            if v && !previousVowel { count += 1 }
            previousVowel = v
        }
        if word.hasSuffix("e") && !word.hasSuffix("le") && count > 1 { count -= 1 }
        if word.hasSuffix("ed") && !word.hasSuffix("ted") && !word.hasSuffix("ded") && count > 1 { count -= 1 }
        return max(1, count)
    }
}
