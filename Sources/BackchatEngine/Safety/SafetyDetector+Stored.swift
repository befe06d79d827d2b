/// The compiled detector as bytes, and back: what the compiled-dialogs cache keeps so a
/// start does not compile the lexicon again.
///
/// Hand-written rather than `Codable`: the automaton and typo index hold hundreds of
/// thousands of small values, and a generic coder spent most of its time in type look-ups.
/// Integers are LEB128 (signed ones zig-zag), strings a byte count and UTF-8, collections
/// a count and their elements (hash tables in sorted order, so the same detector always
/// gives the same bytes). Reading checks every count against the bytes left and
/// throws on anything out of place; it never traps.
extension SafetyDetector {
    /// Bump when the layout below changes.
    static let storedFormVersion = 5

    public func storedForm() -> [UInt8] {
        var w = ByteWriter()
        w.int(Self.storedFormVersion)
        automaton.store(&w)
        typos.store(&w)
        w.int(roles.count)
        for r in roles {
            w.int(r.positives.count)
            for p in r.positives { w.int(p.category); w.bool(p.possible) }
            w.flags([r.negator, r.notNegator, r.idiom, r.resolved, r.current, r.hypothetical])
            w.string(r.text)
        }
        w.int(categories.count)
        for c in categories {
            let k = c.category
            w.string(k.id); w.string(k.level.rawValue); w.string(k.reason)
            w.strings(k.phrases); w.strings(k.possible); w.strings(k.with)
            w.int(k.unless.count); for u in k.unless { w.strings(u) }
            w.string(k.unlessScope.rawValue)
            w.int(k.unlessAnywhere.count); for u in k.unlessAnywhere { w.strings(u) }
            w.strings(k.soften)
            w.flags([k.negatable, k.resolvable, k.hypothetical])
            w.int32s(c.with)
            w.int(c.unless.count); for u in c.unless { w.int32s(u) }
            w.int(c.unlessAnywhere.count); for u in c.unlessAnywhere { w.int32s(u) }
            w.int32s(c.soften)
        }
        for set in [clauseBreaks, contrasts, negationBlockers, negatingWords, questionStarts, firstPerson] { w.stringSet(set) }
        w.int(negationWindow)
        w.bool(backstop != nil)
        if let m = backstop {
            w.int(m.buckets); w.int(m.scaleLog2); w.int(m.minWords)
            w.int(m.heads.count)
            for h in m.heads { w.string(h.level.rawValue); w.double(h.bias); w.double(h.threshold) }
            w.raw(m.weights)
        }
        return w.bytes
    }

    public init(storedForm bytes: [UInt8]) throws(StoredFormError) {
        var r = ByteReader(bytes: bytes)
        try self.init(reading: &r)
    }

    /// Reads a stored detector that fills all of `r`.
    public init(reading r: inout ByteReader) throws(StoredFormError) {
        guard try r.int() == Self.storedFormVersion else { throw StoredFormError(message: "stored by another version") }
        automaton = try SafetyAutomaton(from: &r)
        typos = try TypoIndex(from: &r)
        var roles: [CueRoles] = []
        let roleCount = try r.count()
        roles.reserveCapacity(roleCount)
        for _ in 0..<roleCount {
            var role = CueRoles()
            for _ in 0..<(try r.count()) { role.positives.append(CueRoles.Positive(category: try r.int(), possible: try r.bool())) }
            let f = try r.flags(6)
            role.negator = f[0]; role.notNegator = f[1]; role.idiom = f[2]
            role.resolved = f[3]; role.current = f[4]; role.hypothetical = f[5]
            role.text = try r.string()
            roles.append(role)
        }
        self.roles = roles
        var categories: [CompiledCategory] = []
        for _ in 0..<(try r.count()) {
            let id = try r.string()
            guard let level = EscalationLevel(rawValue: try r.string()) else { throw StoredFormError(message: "unknown level") }
            let reason = try r.string()
            let phrases = try r.strings(), possible = try r.strings(), with = try r.strings()
            var unless: [[String]] = []
            for _ in 0..<(try r.count()) { unless.append(try r.strings()) }
            guard let scope = SafetyLexicon.UnlessScope(rawValue: try r.string()) else { throw StoredFormError(message: "unknown scope") }
            var anywhere: [[String]] = []
            for _ in 0..<(try r.count()) { anywhere.append(try r.strings()) }
            let soften = try r.strings()
            let f = try r.flags(3)
            let category = SafetyLexicon.Category(id: id, level: level, reason: reason, phrases: phrases, possible: possible,
                                                  with: with, unless: unless, unlessScope: scope, unlessAnywhere: anywhere, soften: soften,
                                                  negatable: f[0], resolvable: f[1], hypothetical: f[2])
            let cueWith = try r.int32s()
            var cueUnless: [[Int32]] = []
            for _ in 0..<(try r.count()) { cueUnless.append(try r.int32s()) }
            var cueAnywhere: [[Int32]] = []
            for _ in 0..<(try r.count()) { cueAnywhere.append(try r.int32s()) }
            categories.append(CompiledCategory(category: category, with: cueWith, unless: cueUnless, unlessAnywhere: cueAnywhere,
                                               soften: try r.int32s()))
        }
        self.categories = categories
        clauseBreaks = try r.stringSet()
        contrasts = try r.stringSet()
        negationBlockers = try r.stringSet()
        negatingWords = try r.stringSet()
        questionStarts = try r.stringSet()
        firstPerson = try r.stringSet()
        negationWindow = try r.int()
        known = Self.knownWords(automaton: automaton, typos: typos)
        if try r.bool() {
            let buckets = try r.int(), scale = try r.int(), minWords = try r.int()
            var heads: [SafetyModel.Head] = []
            for _ in 0..<(try r.count()) {
                guard let level = EscalationLevel(rawValue: try r.string()) else { throw StoredFormError(message: "unknown level") }
                heads.append(SafetyModel.Head(level: level, bias: try r.double(), threshold: try r.double()))
            }
            let weights = try r.raw(Int16.self)
            do {
                backstop = try SafetyModel(buckets: buckets, scaleLog2: scale, heads: heads, minWords: minWords, dense: weights)
            } catch {
                throw StoredFormError(message: "backstop model: \(error.message)")
            }
        }
        guard r.atEnd else { throw StoredFormError(message: "bytes left over") }
        // Every cue a category or match can name must exist.
        let cues = Int32(roles.count)
        for c in categories {
            guard (c.with + c.soften + c.unless.flatMap { $0 } + c.unlessAnywhere.flatMap { $0 }).allSatisfy({ $0 >= 0 && $0 < cues }) else {
                throw StoredFormError(message: "cue out of range")
            }
        }
        for role in roles where role.positives.contains(where: { $0.category < 0 || $0.category >= categories.count }) {
            throw StoredFormError(message: "category out of range")
        }
        try automaton.validate(cues: cues)
    }
}

extension SafetyAutomaton {
    func store(_ w: inout ByteWriter) {
        w.int(nodes.count)
        for n in nodes {
            w.bool(n.hasWords)
            w.int(n.prefixes.count)
            for (p, child) in n.prefixes.sorted(by: { $0.key < $1.key }) { w.string(p); w.int(Int(child)) }
            w.int(n.prefixLengths.lowerBound); w.int(n.prefixLengths.upperBound)
            w.int(Int(n.any))
            w.int(n.numbers.count)
            for e in n.numbers { w.double(e.range.lowerBound); w.double(e.range.upperBound); w.int(Int(e.child)) }
            w.int(n.gaps.count)
            for g in n.gaps { w.int(Int(g.max)); w.int(Int(g.child)) }
            w.int(n.terminals.count)
            for t in n.terminals { w.int(Int(t.cue)); w.bool(t.needsClauseEnd) }
        }
        w.int(wordIDs.count)
        for (word, id) in wordIDs.sorted(by: { $0.value < $1.value }) { w.string(word); w.int(Int(id)) }
        let sortedEdges = edges.sorted(by: { $0.key < $1.key })
        w.raw(sortedEdges.map(\.key))
        w.raw(sortedEdges.map(\.value))
        w.int32s(joins.sorted())
    }

    init(from r: inout ByteReader) throws(StoredFormError) {
        self.init()
        var nodes: [Node] = []
        let count = try r.count()
        let n32 = Int32(count)
        // Children are checked as they are read (the node count comes first), so nothing
        // read back can point outside the automaton.
        func child(_ r: inout ByteReader) throws(StoredFormError) -> Int32 {
            let c = try r.int32()
            guard c >= 0, c < n32 else { throw StoredFormError(message: "node reference out of range") }
            return c
        }
        nodes.reserveCapacity(count)
        for _ in 0..<count {
            var n = Node()
            n.hasWords = try r.bool()
            let prefixCount = try r.count()
            if prefixCount > 0 {
                n.prefixes.reserveCapacity(prefixCount)
                for _ in 0..<prefixCount { n.prefixes[try r.string()] = try child(&r) }
            }
            let lo = try r.int(), hi = try r.int()
            guard lo <= hi else { throw StoredFormError(message: "bad range") }
            n.prefixLengths = lo...hi
            let any = try r.int32()
            guard any == -1 || (any >= 0 && any < n32) else { throw StoredFormError(message: "node reference out of range") }
            n.any = any
            let numbers = try r.count()
            if numbers > 0 {
                n.numbers.reserveCapacity(numbers)
                for _ in 0..<numbers {
                    let a = try r.double(), b = try r.double()
                    guard a <= b else { throw StoredFormError(message: "bad range") }
                    n.numbers.append(NumberEdge(range: a...b, child: try child(&r)))
                }
            }
            let gaps = try r.count()
            if gaps > 0 {
                n.gaps.reserveCapacity(gaps)
                for _ in 0..<gaps {
                    guard let max = Int8(exactly: try r.int()), max >= 0 else { throw StoredFormError(message: "bad gap") }
                    n.gaps.append(GapEdge(max: max, child: try child(&r)))
                }
            }
            let terminals = try r.count()
            if terminals > 0 {
                n.terminals.reserveCapacity(terminals)
                for _ in 0..<terminals { n.terminals.append(Terminal(cue: try r.int32(), needsClauseEnd: try r.bool())) }
            }
            nodes.append(consume n)
        }
        guard count >= 2 else { throw StoredFormError(message: "no roots") }
        self.nodes = nodes
        let words = try r.count()
        wordIDs.reserveCapacity(words)
        for _ in 0..<words {
            let word = try r.string(), id = try r.int32()
            guard id >= 0, id < words else { throw StoredFormError(message: "word number out of range") }
            wordIDs[word] = id
        }
        let keys = try r.raw(Int64.self), children = try r.raw(Int32.self)
        guard keys.count == children.count else { throw StoredFormError(message: "edge table damaged") }
        edges.reserveCapacity(keys.count)
        for (key, c) in zip(keys, children) {
            let from = key >> 32
            guard from >= 0, from < Int64(count), c >= 0, c < n32 else { throw StoredFormError(message: "edge out of range") }
            edges[key] = c
        }
        joins = Set(try r.int32s())
        guard joins.allSatisfy({ $0 >= 0 && $0 < n32 }) else { throw StoredFormError(message: "join out of range") }
    }

    /// Every cue a stored automaton's phrases end in exists (children were checked while reading).
    func validate(cues: Int32) throws(StoredFormError) {
        try nodes.withUnsafeBufferPointer { (all) throws(StoredFormError) in
            for i in all.indices where !all[i].terminals.isEmpty {
                for t in all[i].terminals where t.cue < 0 || t.cue >= cues {
                    throw StoredFormError(message: "phrase number out of range")
                }
            }
        }
    }
}

extension TypoIndex {
    func store(_ w: inout ByteWriter) {
        // `protected` is the vocabulary and the not-typos: only the latter are stored twice over.
        w.stringSet(vocabulary)
        w.stringSet(protected.subtracting(vocabulary))
        w.int(spellings.count)
        for (k, v) in spellings.sorted(by: { $0.key < $1.key }) { w.string(k); w.string(v) }
        w.strings(words)
        for table in [deletes1, deletes2] {
            w.raw(table.hashes)
            w.raw(table.words)
        }
        w.ints(shapes.sorted())
        w.ints(longLengths.sorted())
    }

    init(from r: inout ByteReader) throws(StoredFormError) {
        let vocabulary = try r.stringSet()
        self.vocabulary = vocabulary
        protected = vocabulary.union(try r.stringSet())
        var spellings: [String: String] = [:]
        let n = try r.count()
        spellings.reserveCapacity(n)
        for _ in 0..<n { spellings[try r.string()] = try r.string() }
        self.spellings = spellings
        let words = try r.strings()
        self.words = words
        func table(_ r: inout ByteReader) throws(StoredFormError) -> DeletionTable {
            let hashes = try r.raw(UInt64.self), ids = try r.raw(Int32.self)
            guard hashes.count == ids.count, ids.allSatisfy({ $0 >= 0 && Int($0) < words.count }),
                  zip(hashes, hashes.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw StoredFormError(message: "bad deletion table")
            }
            return DeletionTable(hashes: hashes, words: ids)
        }
        deletes1 = try table(&r)
        deletes2 = try table(&r)
        shapes = Set(try r.ints())
        longLengths = Set(try r.ints())
    }
}
