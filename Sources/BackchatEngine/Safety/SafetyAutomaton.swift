/// Every lexicon phrase compiled into one token trie, run over a message in a single pass.
///
/// Phrases share prefixes in the trie; choices, optional parts and `@sets` become branches
/// that join again in one node before the rest of the phrase (so `@relative ..3 (hits|hit) me`
/// costs the sum, not the product, of its alternatives); gaps become "skip up to N words"
/// states, and a join is a gap of 0. Matching keeps a
/// small set of live states (a new one starts at every word, like Aho–Corasick over words),
/// and each step is a few hash look-ups per live state, so the cost per message depends on
/// its length and on how far phrases overlap it — not on how many phrases there are.
struct SafetyAutomaton: Sendable {
    struct NumberEdge: Sendable { var range: ClosedRange<Double>; var child: Int32 }
    struct GapEdge: Sendable { var max: Int8; var child: Int32 }
    struct Terminal: Sendable { var cue: Int32; var needsClauseEnd: Bool }

    struct Node: Sendable {
        /// Whether any word edge leaves this node (the edges themselves are in ``edges``).
        var hasWords = false
        var prefixes: [String: Int32] = [:]
        var prefixLengths: ClosedRange<Int> = 0...0
        var any: Int32 = -1
        var numbers: [NumberEdge] = []
        var gaps: [GapEdge] = []
        var terminals: [Terminal] = []
    }

    /// A phrase found in the message: token range `start...end` of `sentence`.
    struct Match: Sendable, Hashable {
        var cue: Int32
        var start: Int32
        var end: Int32
        var sentence: Int32
        /// A `..` gap of the phrase skipped a negating word ("my bum is not numb").
        var gapNegated: Bool
    }

    var nodes: [Node] = [Node(), Node()]
    /// Every word on an edge, numbered; a message word not in here cannot follow any word edge.
    var wordIDs: [String: Int32] = [:]
    /// Word edges of all nodes: `node << 32 | word id` → child.
    var edges: [Int64: Int32] = [:]
    static let root: Int32 = 0
    static let anchoredRoot: Int32 = 1
    /// Nodes created to join the branches of a choice; never reached by a word edge.
    var joins = Set<Int32>()

    var nodeCount: Int { nodes.count }

    /// Why a phrase could not be compiled (set cycles; everything else is caught by the parser).
    struct CompileError: Error { var message: String }

    // MARK: - Building

    mutating func insert(_ pattern: SafetyPattern, cue: Int32, sets: [String: [SafetyPattern]]) throws(CompileError) {
        let from = pattern.anchoredStart ? Self.anchoredRoot : Self.root
        var stack: [String] = []
        let ends = try insert(pattern.element, from: [from], sets: sets, stack: &stack)
        for e in ends where e != from {
            if !nodes[Int(e)].terminals.contains(where: { $0.cue == cue && $0.needsClauseEnd == pattern.anchoredEnd }) {
                nodes[Int(e)].terminals.append(Terminal(cue: cue, needsClauseEnd: pattern.anchoredEnd))
            }
        }
    }

    private mutating func newNode() -> Int32 {
        nodes.append(Node())
        return Int32(nodes.count - 1)
    }

    /// A new node that each of `ends` reaches without reading a word.
    private mutating func join(_ ends: [Int32]) -> Int32 {
        let j = newNode()
        joins.insert(j)
        for e in ends { nodes[Int(e)].gaps.append(GapEdge(max: 0, child: j)) }
        return j
    }

    private mutating func insert(_ e: SafetyPattern.Element, from: [Int32], sets: [String: [SafetyPattern]],
                                 stack: inout [String]) throws(CompileError) -> [Int32] {
        switch e {
        case .word(let w):
            let id: Int32
            if let known = wordIDs[w] { id = known } else { id = Int32(wordIDs.count); wordIDs[w] = id }
            return from.map { f in
                let key = Int64(f) << 32 | Int64(id)
                if let c = edges[key] { return c }
                let c = newNode(); edges[key] = c; nodes[Int(f)].hasWords = true; return c
            }
        case .prefix(let p):
            return from.map { f in
                if let c = nodes[Int(f)].prefixes[p] { return c }
                let c = newNode()
                nodes[Int(f)].prefixes[p] = c
                let lengths = nodes[Int(f)].prefixes.keys.map(\.count)
                nodes[Int(f)].prefixLengths = (lengths.min() ?? 0)...(lengths.max() ?? 0)
                return c
            }
        case .any:
            return from.map { f in
                if nodes[Int(f)].any >= 0 { return nodes[Int(f)].any }
                let c = newNode(); nodes[Int(f)].any = c; return c
            }
        case .number(let r):
            return from.map { f in
                if let edge = nodes[Int(f)].numbers.first(where: { $0.range == r }) { return edge.child }
                let c = newNode(); nodes[Int(f)].numbers.append(NumberEdge(range: r, child: c)); return c
            }
        case .gap(let n):
            return from.map { f in
                if let edge = nodes[Int(f)].gaps.first(where: { Int($0.max) == n && !joins.contains($0.child) }) { return edge.child }
                let c = newNode(); nodes[Int(f)].gaps.append(GapEdge(max: Int8(n), child: c)); return c
            }
        case .sequence(let items):
            var current = from
            for (k, item) in items.enumerated() {
                current = try insert(item, from: current, sets: sets, stack: &stack)
                if current.count > 1 && k < items.count - 1 { current = [join(current)] }
            }
            return current
        case .choice(let alternatives):
            var out: [Int32] = []
            for a in alternatives {
                for n in try insert(a, from: from, sets: sets, stack: &stack) where !out.contains(n) { out.append(n) }
            }
            return out
        case .set(let name):
            if stack.contains(name) {
                throw CompileError(message: "the set '@\(name)' refers to itself (\((stack + [name]).map { "@" + $0 }.joined(separator: " → ")))")
            }
            guard let members = sets[name] else { throw CompileError(message: "unknown set '@\(name)'") }
            stack.append(name)
            defer { stack.removeLast() }
            var out: [Int32] = []
            for m in members {
                for n in try insert(m.element, from: from, sets: sets, stack: &stack) where !out.contains(n) { out.append(n) }
            }
            return out
        }
    }

    // MARK: - Matching

    private struct State { var node: Int32; var skips: Int8; var start: Int32; var negated: Bool }

    /// Every phrase occurrence in `text`. Word `i` is read as itself (`ids[i]`: its word id,
    /// or -1 when no edge has it) and as each of `readings[i]` (typo and txt-speak readings,
    /// most often none); `numbers[i]` is its value when it is a number. A word in
    /// `negatingWords` is noted when a gap skips it (looked up only then).
    func matches(in text: SafetyText, ids: [Int32], readings: [[String]], numbers: [Double?],
                 negatingWords: Set<String>) -> [Match] {
        var out: [Match] = []
        var states: [State] = []
        var next: [State] = []
        var readingIDs: [Int32] = []
        states.reserveCapacity(32)
        next.reserveCapacity(32)
        nodes.withUnsafeBufferPointer { nodes in
            for (sIndex, sentence) in text.sentences.enumerated() {
                states.removeAll(keepingCapacity: true)
                for i in sentence.range {
                    let clauseStart = i == sentence.range.lowerBound || text.clause[i - 1] != text.clause[i]
                    let clauseEnd = i + 1 == sentence.range.upperBound || text.clause[i + 1] != text.clause[i]
                    visit(Self.root, start: Int32(i), negated: false, nodes: nodes, into: &states, at: i, sentence: sIndex,
                          clauseEnd: clauseEnd, matches: &out, record: false)
                    if clauseStart {
                        visit(Self.anchoredRoot, start: Int32(i), negated: false, nodes: nodes, into: &states, at: i,
                              sentence: sIndex, clauseEnd: clauseEnd, matches: &out, record: false)
                    }
                    next.removeAll(keepingCapacity: true)
                    // The word's ids: itself first, then its readings (as many as the lexicon has).
                    let ownID = ids[i]
                    let extra = readings[i]
                    readingIDs.removeAll(keepingCapacity: true)
                    for r in extra { if let id = wordIDs[r] { readingIDs.append(id) } }
                    let number = numbers[i]
                    var negating: Bool? = nil
                    for s in states {
                        let node = s.node
                        if nodes[Int(node)].hasWords {
                            if ownID >= 0, let c = edges[Int64(node) << 32 | Int64(ownID)] {
                                visit(c, start: s.start, negated: s.negated, nodes: nodes, into: &next, at: i, sentence: sIndex,
                                      clauseEnd: clauseEnd, matches: &out, record: true)
                            }
                            for id in readingIDs {
                                if let c = edges[Int64(node) << 32 | Int64(id)] {
                                    visit(c, start: s.start, negated: s.negated, nodes: nodes, into: &next, at: i, sentence: sIndex,
                                          clauseEnd: clauseEnd, matches: &out, record: true)
                                }
                            }
                        }
                        if !nodes[Int(node)].prefixes.isEmpty {
                            let lengths = nodes[Int(node)].prefixLengths
                            for k in -1..<extra.count {
                                let a = k < 0 ? text.words[i] : extra[k]
                                guard a.count >= lengths.lowerBound else { continue }
                                let chars = Array(a)
                                for len in lengths.lowerBound...min(lengths.upperBound, chars.count) {
                                    if let c = nodes[Int(node)].prefixes[String(chars[0..<len])] {
                                        visit(c, start: s.start, negated: s.negated, nodes: nodes, into: &next, at: i,
                                              sentence: sIndex, clauseEnd: clauseEnd, matches: &out, record: true)
                                    }
                                }
                            }
                        }
                        let any = nodes[Int(node)].any
                        if any >= 0 {
                            visit(any, start: s.start, negated: s.negated, nodes: nodes, into: &next, at: i, sentence: sIndex,
                                  clauseEnd: clauseEnd, matches: &out, record: true)
                        }
                        if let number, !nodes[Int(node)].numbers.isEmpty {
                            for e in nodes[Int(node)].numbers where e.range.contains(number) {
                                visit(e.child, start: s.start, negated: s.negated, nodes: nodes, into: &next, at: i,
                                      sentence: sIndex, clauseEnd: clauseEnd, matches: &out, record: true)
                            }
                        }
                        if s.skips > 0 {
                            let negates = negating ?? negatingWords.contains(text.words[i])
                            negating = negates
                            next.append(State(node: node, skips: s.skips - 1, start: s.start, negated: s.negated || negates))
                        }
                    }
                    // Keep one state per (node, start): not negated before negated, then the one that may skip most.
                    states.removeAll(keepingCapacity: true)
                    if next.count > 1 {
                        next.sort { a, b in
                            if (a.node, a.start) != (b.node, b.start) { return (a.node, a.start) < (b.node, b.start) }
                            if a.negated != b.negated { return !a.negated }
                            return a.skips > b.skips
                        }
                        var last: (Int32, Int32) = (-1, -1)
                        for s in next where (s.node, s.start) != last {
                            states.append(s)
                            last = (s.node, s.start)
                        }
                    } else {
                        states.append(contentsOf: next)
                    }
                }
            }
        }
        return out
    }

    /// Adds the state for `node`, and for every node a join or gap leads to from it; with
    /// `record`, also notes the phrases that end at those nodes (the word at `i` was just read).
    private func visit(_ node: Int32, start: Int32, negated: Bool, nodes: UnsafeBufferPointer<Node>, into states: inout [State],
                       at i: Int, sentence: Int, clauseEnd: Bool, matches: inout [Match], record: Bool) {
        states.append(State(node: node, skips: 0, start: start, negated: negated))
        if record {
            for t in nodes[Int(node)].terminals where !t.needsClauseEnd || clauseEnd {
                matches.append(Match(cue: t.cue, start: start, end: Int32(i), sentence: Int32(sentence), gapNegated: negated))
            }
        }
        for g in nodes[Int(node)].gaps {
            if g.max == 0 {
                visit(g.child, start: start, negated: negated, nodes: nodes, into: &states, at: i, sentence: sentence,
                      clauseEnd: clauseEnd, matches: &matches, record: record)
            } else {
                enterGap(g.child, skips: g.max, start: start, negated: negated, nodes: nodes, into: &states)
            }
        }
    }

    /// A state that may skip up to `skips` words at `node`, the far side of a gap, and at every
    /// node a join leads to from there with the same allowance: in `went .. [to] useless` the
    /// word after the gap may be `to` or, the option left out, `useless` ("went suddenly
    /// useless", "went useless"). Nothing ends here: a phrase never ends on a gap.
    private func enterGap(_ node: Int32, skips: Int8, start: Int32, negated: Bool, nodes: UnsafeBufferPointer<Node>,
                          into states: inout [State]) {
        states.append(State(node: node, skips: skips, start: start, negated: negated))
        for g in nodes[Int(node)].gaps {
            let allowance = Int(skips) + Int(g.max)
            enterGap(g.child, skips: Int8(min(allowance, Int(Int8.max))), start: start, negated: negated, nodes: nodes, into: &states)
        }
    }
}
