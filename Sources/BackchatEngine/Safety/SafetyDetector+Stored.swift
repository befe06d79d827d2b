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
    static let storedFormVersion = 1

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
            w.string(k.unlessScope.rawValue); w.strings(k.soften)
            w.flags([k.negatable, k.resolvable, k.hypothetical])
            w.int32s(c.with)
            w.int(c.unless.count); for u in c.unless { w.int32s(u) }
            w.int32s(c.soften)
        }
        for set in [clauseBreaks, contrasts, negationBlockers, negatingWords, questionStarts, firstPerson] { w.stringSet(set) }
        w.int(negationWindow)
        w.bool(backstop != nil)
        if let m = backstop {
            w.int(m.buckets); w.int(m.scaleLog2); w.double(m.bias); w.double(m.threshold)
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
            let soften = try r.strings()
            let f = try r.flags(3)
            let category = SafetyLexicon.Category(id: id, level: level, reason: reason, phrases: phrases, possible: possible,
                                                  with: with, unless: unless, unlessScope: scope, soften: soften,
                                                  negatable: f[0], resolvable: f[1], hypothetical: f[2])
            let cueWith = try r.int32s()
            var cueUnless: [[Int32]] = []
            for _ in 0..<(try r.count()) { cueUnless.append(try r.int32s()) }
            categories.append(CompiledCategory(category: category, with: cueWith, unless: cueUnless, soften: try r.int32s()))
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
            let buckets = try r.int(), scale = try r.int(), bias = try r.double(), threshold = try r.double()
            let weights = try r.raw(Int32.self)
            do {
                backstop = try SafetyModel(buckets: buckets, scaleLog2: scale, bias: bias, threshold: threshold, dense: weights)
            } catch {
                throw StoredFormError(message: "backstop model: \(error.message)")
            }
        }
        guard r.atEnd else { throw StoredFormError(message: "bytes left over") }
        // Every cue a category or match can name must exist.
        let cues = Int32(roles.count)
        for c in categories {
            guard (c.with + c.soften + c.unless.flatMap { $0 }).allSatisfy({ $0 >= 0 && $0 < cues }) else {
                throw StoredFormError(message: "cue out of range")
            }
        }
        for role in roles where role.positives.contains(where: { $0.category < 0 || $0.category >= categories.count }) {
            throw StoredFormError(message: "category out of range")
        }
        try automaton.validate(cues: cues)
    }
}

/// Why stored bytes could not be read back.
public struct StoredFormError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { "damaged stored form: \(message)" }
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

/// Appends values in the stored form.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func unsigned(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    /// Zig-zag, so small negative numbers stay short.
    public mutating func int(_ v: Int) { unsigned(UInt64(bitPattern: Int64((v << 1) ^ (v >> 63)))) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func flags(_ v: [Bool]) { for f in v { bool(f) } }
    public mutating func double(_ v: Double) {
        let bits = v.bitPattern
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k)))) }
    }
    public mutating func string(_ s: String) {
        let utf8 = s.utf8
        unsigned(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }
    public mutating func strings(_ list: [String]) { int(list.count); for s in list { string(s) } }
    public mutating func stringSet(_ set: Set<String>) { strings(set.sorted()) }
    public mutating func int32s(_ list: [Int32]) { int(list.count); for v in list { int(Int(v)) } }
    public mutating func ints(_ list: [Int]) { int(list.count); for v in list { int(v) } }
    public mutating func optionalString(_ s: String?) {
        bool(s != nil)
        if let s { string(s) }
    }
    /// Bytes stored whole, such as another stored form.
    public mutating func blob(_ b: [UInt8]) {
        int(b.count)
        bytes += b
    }
    /// A flat array of integers, copied as little-endian memory.
    public mutating func raw<I: FixedWidthInteger>(_ list: [I]) {
        int(list.count)
        for v in list { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    }
}

/// Reads the stored form; every read is checked.
public struct ByteReader: Sendable {
    let bytes: [UInt8]
    var position: Int
    /// Where this reader's stretch ends (a reader may cover one blob inside a larger array).
    let end: Int

    public init(bytes: [UInt8]) { self.init(bytes: bytes, from: 0, to: bytes.count) }

    /// A reader over `bytes[start..<end]`, which must lie within the array.
    public init(bytes: [UInt8], from start: Int, to end: Int) {
        precondition(0 <= start && start <= end && end <= bytes.count, "range outside the bytes")
        self.bytes = bytes; self.position = start; self.end = end
    }

    public var atEnd: Bool { position == end }

    public mutating func byte() throws(StoredFormError) -> UInt8 {
        guard position < end else { throw StoredFormError(message: "unexpected end") }
        defer { position += 1 }
        return bytes[position]
    }

    @inline(__always)
    public mutating func unsigned() throws(StoredFormError) -> UInt64 {
        // Most numbers are one byte.
        if position < end, bytes[position] < 0x80 {
            defer { position += 1 }
            return UInt64(bytes[position])
        }
        return try unsignedLong()
    }

    mutating func unsignedLong() throws(StoredFormError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift <= 63 else { throw StoredFormError(message: "number too long") }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
    }

    @inline(__always)
    public mutating func int() throws(StoredFormError) -> Int {
        let u = try unsigned()
        return Int(Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))))
    }

    public mutating func int32() throws(StoredFormError) -> Int32 {
        guard let v = Int32(exactly: try int()) else { throw StoredFormError(message: "number out of range") }
        return v
    }

    /// A count of things that take at least one byte each: never more than the bytes left.
    public mutating func count() throws(StoredFormError) -> Int {
        let v = try int()
        guard v >= 0, v <= end - position else { throw StoredFormError(message: "count out of range") }
        return v
    }

    public mutating func bool() throws(StoredFormError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw StoredFormError(message: "bad flag")
        }
    }

    public mutating func flags(_ n: Int) throws(StoredFormError) -> [Bool] {
        var out: [Bool] = []
        for _ in 0..<n { out.append(try bool()) }
        return out
    }

    public mutating func double() throws(StoredFormError) -> Double {
        guard end - position >= 8 else { throw StoredFormError(message: "unexpected end") }
        var bits: UInt64 = 0
        for k in 0..<8 { bits |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += 8
        return Double(bitPattern: bits)
    }

    public mutating func string() throws(StoredFormError) -> String {
        let n = try unsigned()
        guard n <= UInt64(end - position) else { throw StoredFormError(message: "string out of range") }
        let stop = position + Int(n)
        // Not validated: stored forms are read back only after their checksum matched, and
        // invalid bytes would only be replaced by U+FFFD, never trusted as anything else.
        let s = String(decoding: bytes[position..<stop], as: UTF8.self)
        position = stop
        return s
    }

    /// A count, then that many elements read by `element`.
    mutating func list<T>(_ element: (inout ByteReader) throws(StoredFormError) -> T) throws(StoredFormError) -> [T] {
        let n = try count()
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try element(&self)) }
        return out
    }

    public mutating func strings() throws(StoredFormError) -> [String] {
        try list { (r: inout ByteReader) throws(StoredFormError) in try r.string() }
    }

    public mutating func stringSet() throws(StoredFormError) -> Set<String> {
        let n = try count()
        var out = Set<String>(minimumCapacity: n)
        for _ in 0..<n { out.insert(try string()) }
        return out
    }

    public mutating func int32s() throws(StoredFormError) -> [Int32] {
        try list { (r: inout ByteReader) throws(StoredFormError) in try r.int32() }
    }

    public mutating func raw<I: FixedWidthInteger>(_ type: I.Type) throws(StoredFormError) -> [I] {
        let n = try int()
        let size = MemoryLayout<I>.size
        guard n >= 0, n <= (end - position) / size else { throw StoredFormError(message: "array out of range") }
        var out = [I](repeating: 0, count: n)
        out.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[position..<(position + n * size)]))
            }
        }
        position += n * size
        #if _endian(big)
        out = out.map { I(littleEndian: $0) }
        #endif
        return out
    }

    public mutating func optionalString() throws(StoredFormError) -> String? {
        try bool() ? try string() : nil
    }

    public mutating func blob() throws(StoredFormError) -> [UInt8] {
        let n = try count()
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }

    /// A reader over the next blob, sharing these bytes (no copy), and this one moved past it.
    public mutating func nested() throws(StoredFormError) -> ByteReader {
        let n = try count()
        defer { position += n }
        return ByteReader(bytes: bytes, from: position, to: position + n)
    }

    public mutating func ints() throws(StoredFormError) -> [Int] {
        try list { (r: inout ByteReader) throws(StoredFormError) in try r.int() }
    }
}
