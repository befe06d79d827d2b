/// A checked script as bytes, and back, for the compiled-dialogs cache. Same layout rules
/// as the detector's stored form (`Safety/SafetyDetector+Stored.swift`); reading checks
/// every flow and node number, so a script read back can be run exactly like a compiled one.
extension Script {
    static let storedFormVersion = 2

    public func storedForm() -> [UInt8] {
        var w = ByteWriter()
        w.int(Self.storedFormVersion)
        w.string(defaultLocale)
        w.string(version)
        resources.store(&w)
        let codes = locales.keys.sorted()
        w.int(codes.count)
        for code in codes { locales[code]?.store(&w) }
        return w.bytes
    }

    public init(storedForm bytes: [UInt8]) throws(StoredFormError) {
        var r = ByteReader(bytes: bytes)
        try self.init(reading: &r)
    }

    /// How a stored detector becomes the scanner of a locale read back: by default it is
    /// read at once; a front end may hand it to another thread (see `DialogCache`).
    /// Given the locale code and the stored detector.
    public typealias ScannerReader = @Sendable (String, ByteReader) throws(StoredFormError) -> any SafetyScanning

    public static let readDetectorNow: ScannerReader = { (_: String, r: ByteReader) throws(StoredFormError) -> any SafetyScanning in
        var r = r
        return try SafetyDetector(reading: &r)
    }

    /// Reads a stored script that fills all of `r`.
    public init(reading r: inout ByteReader, scanner readScanner: ScannerReader = Script.readDetectorNow) throws(StoredFormError) {
        guard try r.int() == Self.storedFormVersion else { throw StoredFormError(message: "stored by another version") }
        let defaultLocale = try r.string()
        let version = try r.string()
        let resources = try ResourceTable(from: &r)
        var locales: [String: LocaleScript] = [:]
        for _ in 0..<(try r.count()) {
            let l = try LocaleScript(from: &r, scanner: readScanner)
            locales[l.code] = l
        }
        guard r.atEnd else { throw StoredFormError(message: "bytes left over") }
        self.init(locales: locales, defaultLocale: defaultLocale, version: version, resources: resources)
    }
}

extension ResourceTable {
    func store(_ w: inout ByteWriter) {
        Self.store(fallback, &w)
        let codes = regions.keys.sorted()
        w.int(codes.count)
        for code in codes { if let region = regions[code] { w.string(code); Self.store(region, &w) } }
    }

    static func store(_ region: Region, _ w: inout ByteWriter) {
        w.string(region.code); w.string(region.name); w.string(region.emergencyNumber)
        w.int(region.resources.count)
        for r in region.resources { w.string(r.kind); w.string(r.name); w.string(r.contact); w.optionalString(r.detail) }
    }

    static func region(from r: inout ByteReader) throws(StoredFormError) -> Region {
        let code = try r.string(), name = try r.string(), number = try r.string()
        var resources: [Resource] = []
        for _ in 0..<(try r.count()) {
            resources.append(Resource(kind: try r.string(), name: try r.string(), contact: try r.string(), detail: try r.optionalString()))
        }
        return Region(code: code, name: name, emergencyNumber: number, resources: resources)
    }

    init(from r: inout ByteReader) throws(StoredFormError) {
        let fallback = try Self.region(from: &r)
        var regions: [String: Region] = [:]
        for _ in 0..<(try r.count()) { regions[try r.string()] = try Self.region(from: &r) }
        self.init(regions: regions, fallback: fallback)
    }
}

extension LocaleScript {
    func store(_ w: inout ByteWriter) {
        w.string(code)
        w.int(entryFlow)
        w.strings(strings.all)
        w.int(flows.count)
        for f in flows { f.store(&w) }
        w.int(commands.count)
        for (name, flow) in commands.sorted(by: { $0.key < $1.key }) { w.string(name); w.int(flow) }
        w.int(commandWords.count)
        for (words, command) in commandWords.sorted(by: { $0.key < $1.key }) { w.string(words); w.string(command) }
        // The scan: the shipped detector, or none (any other scanner is code and is not stored).
        if let detector = (safety.scanner as? SafetyDetector) ?? (safety.scanner as? any SafetyDetectorProviding)?.safetyDetector {
            w.bool(true)
            w.blob(detector.storedForm())
        } else {
            w.bool(false)
        }
        let roles = safety.flows.sorted { $0.key.rawValue < $1.key.rawValue }
        w.int(roles.count)
        for (role, flow) in roles { w.string(role.rawValue); w.int(flow) }
    }

    init(from r: inout ByteReader, scanner readScanner: Script.ScannerReader) throws(StoredFormError) {
        let code = try r.string()
        let entry = try r.int()
        guard let strings = EngineStrings(all: try r.strings()) else { throw StoredFormError(message: "engine strings") }
        var flows: [Flow] = []
        for _ in 0..<(try r.count()) { flows.append(try Flow(from: &r)) }
        func flowNumber(_ n: Int) throws(StoredFormError) -> Int {
            guard n >= 0, n < flows.count else { throw StoredFormError(message: "flow number out of range") }
            return n
        }
        var commands: [String: Int] = [:]
        for _ in 0..<(try r.count()) { commands[try r.string()] = try flowNumber(try r.int()) }
        var commandWords: [String: String] = [:]
        for _ in 0..<(try r.count()) { commandWords[try r.string()] = try r.string() }
        var scanner: any SafetyScanning = NoSafetyScan()
        if try r.bool() { scanner = try readScanner(code, try r.nested()) }
        var roles: [FlowRole: Int] = [:]
        for _ in 0..<(try r.count()) {
            guard let role = FlowRole(rawValue: try r.string()) else { throw StoredFormError(message: "unknown role") }
            roles[role] = try flowNumber(try r.int())
        }
        self.init(code: code, flows: flows, entryFlow: try flowNumber(entry), strings: strings,
                  safety: SafetySetup(scanner: scanner, flows: roles))
        self.commands = commands
        self.commandWords = commandWords
        // Every jump in every node must land on a node that exists.
        for flow in flows {
            for node in flow.nodes {
                for t in node.targets {
                    guard t.flow >= 0, t.flow < flows.count, t.node >= 0, t.node < flows[t.flow].nodes.count else {
                        throw StoredFormError(message: "jump out of range in \(flow.name)")
                    }
                }
            }
        }
    }
}

extension EngineStrings {
    var all: [String] {
        [help, cannotGoBack, goingBack, restarted, goodbye, ended, notUnderstood, didYouMean, resuming,
         dialogsChanged, skipped, cannotSkip, unknownCommand, stayWithSafety, outOfRange, emergencyDuringCrisis]
    }

    init?(all s: [String]) {
        guard s.count == 16 else { return nil }
        self.init(help: s[0], cannotGoBack: s[1], goingBack: s[2], restarted: s[3], goodbye: s[4], ended: s[5],
                  notUnderstood: s[6], didYouMean: s[7], resuming: s[8], dialogsChanged: s[9], skipped: s[10],
                  cannotSkip: s[11], unknownCommand: s[12], stayWithSafety: s[13], outOfRange: s[14],
                  emergencyDuringCrisis: s[15])
    }
}

extension Flow {
    func store(_ w: inout ByteWriter) {
        w.string(name); w.string(title); w.int(start); w.string(file)
        w.optionalString(role?.rawValue)
        w.int(reentry ?? -1)
        w.int(nodes.count)
        for n in nodes { n.store(&w) }
    }

    init(from r: inout ByteReader) throws(StoredFormError) {
        let name = try r.string(), title = try r.string(), start = try r.int(), file = try r.string()
        var role: FlowRole? = nil
        if let raw = try r.optionalString() {
            guard let known = FlowRole(rawValue: raw) else { throw StoredFormError(message: "unknown role") }
            role = known
        }
        let reentry = try r.int()
        var nodes: [Node] = []
        for _ in 0..<(try r.count()) { nodes.append(try Node(from: &r)) }
        guard start >= 0, start < nodes.count, reentry >= -1, reentry < nodes.count else {
            throw StoredFormError(message: "node number out of range in \(name)")
        }
        self.init(name: name, title: title, start: start, nodes: nodes, role: role,
                  reentry: reentry >= 0 ? reentry : nil, file: file)
    }
}

extension Node {
    /// Every place this node can go next.
    var targets: [Target] {
        switch action {
        case .next(let t): [t]
        case .ask(let ask):
            [ask.next, ask.skip].compactMap { $0 } + (ask.choices.compactMap(\.next))
        case .branch(let branches, let otherwise): branches.map(\.target) + [otherwise]
        case .call(let flow, let then): [Target(flow: flow, node: 0), then]
        case .returns, .end: []
        }
    }

    func store(_ w: inout ByteWriter) {
        w.string(id); w.int(line)
        w.int(say.count); for t in say { t.store(&w) }
        w.int(assignments.count); for a in assignments { a.store(&w) }
        switch action {
        case .next(let t): w.int(0); t.store(&w)
        case .ask(let ask): w.int(1); ask.store(&w)
        case .branch(let branches, let otherwise):
            w.int(2)
            w.int(branches.count)
            for b in branches { b.condition.store(&w); w.string(b.source); b.target.store(&w) }
            otherwise.store(&w)
        case .call(let flow, let then): w.int(3); w.int(flow); then.store(&w)
        case .returns: w.int(4)
        case .end: w.int(5)
        }
    }

    init(from r: inout ByteReader) throws(StoredFormError) {
        let id = try r.string(), line = try r.int()
        var say: [Template] = []
        for _ in 0..<(try r.count()) { say.append(try Template(from: &r)) }
        var assignments: [Assignment] = []
        for _ in 0..<(try r.count()) { assignments.append(try Assignment(from: &r)) }
        let action: Action
        switch try r.int() {
        case 0: action = .next(try Target(from: &r))
        case 1: action = .ask(try Ask(from: &r))
        case 2:
            var branches: [Branch] = []
            for _ in 0..<(try r.count()) {
                branches.append(Branch(condition: try Expression(from: &r, depth: 0), source: try r.string(), target: try Target(from: &r)))
            }
            action = .branch(branches, otherwise: try Target(from: &r))
        case 3: action = .call(flow: try r.int(), then: try Target(from: &r))
        case 4: action = .returns
        case 5: action = .end
        default: throw StoredFormError(message: "unknown action")
        }
        self.init(id: id, say: say, assignments: assignments, action: action, line: line)
    }
}

extension Target {
    func store(_ w: inout ByteWriter) { w.int(flow); w.int(node) }
    init(from r: inout ByteReader) throws(StoredFormError) { self.init(flow: try r.int(), node: try r.int()) }

    static func store(_ t: Target?, _ w: inout ByteWriter) {
        if let t { w.bool(true); t.store(&w) } else { w.bool(false) }
    }
    static func optional(from r: inout ByteReader) throws(StoredFormError) -> Target? {
        try r.bool() ? try Target(from: &r) : nil
    }
}

extension Template {
    func store(_ w: inout ByteWriter) {
        w.int(parts.count)
        for p in parts {
            switch p {
            case .text(let t): w.bool(false); w.string(t)
            case .variable(let v): w.bool(true); w.string(v)
            }
        }
    }

    init(from r: inout ByteReader) throws(StoredFormError) {
        var parts: [Part] = []
        for _ in 0..<(try r.count()) { parts.append(try r.bool() ? .variable(try r.string()) : .text(try r.string())) }
        self.init(parts: parts)
    }
}

extension Assignment {
    func store(_ w: inout ByteWriter) {
        w.string(variable)
        switch source {
        case .value(let v): w.bool(false); v.store(&w)
        case .expression(let e): w.bool(true); e.store(&w)
        }
    }

    init(from r: inout ByteReader) throws(StoredFormError) {
        let variable = try r.string()
        let source: Source = try r.bool() ? .expression(try Expression(from: &r, depth: 0)) : .value(try Value(from: &r))
        self.init(variable: variable, source: source)
    }
}

extension Value {
    func store(_ w: inout ByteWriter) {
        switch self {
        case .null: w.int(0)
        case .bool(let b): w.int(1); w.bool(b)
        case .number(let n): w.int(2); w.double(n)
        case .string(let s): w.int(3); w.string(s)
        }
    }

    init(from r: inout ByteReader) throws(StoredFormError) {
        switch try r.int() {
        case 0: self = .null
        case 1: self = .bool(try r.bool())
        case 2: self = .number(try r.double())
        case 3: self = .string(try r.string())
        default: throw StoredFormError(message: "unknown value")
        }
    }
}

extension Expression {
    func store(_ w: inout ByteWriter) {
        switch self {
        case .literal(let v): w.int(0); v.store(&w)
        case .variable(let name): w.int(1); w.string(name)
        case .not(let e): w.int(2); e.store(&w)
        case .negate(let e): w.int(3); e.store(&w)
        case .binary(let op, let l, let rhs): w.int(4); w.string(op.rawValue); l.store(&w); rhs.store(&w)
        }
    }

    /// `depth` bounds the nesting, so a damaged file cannot exhaust the stack.
    init(from r: inout ByteReader, depth: Int) throws(StoredFormError) {
        guard depth < 200 else { throw StoredFormError(message: "expression nested too deeply") }
        switch try r.int() {
        case 0: self = .literal(try Value(from: &r))
        case 1: self = .variable(try r.string())
        case 2: self = .not(try Expression(from: &r, depth: depth + 1))
        case 3: self = .negate(try Expression(from: &r, depth: depth + 1))
        case 4:
            guard let op = BinaryOperator(rawValue: try r.string()) else { throw StoredFormError(message: "unknown operator") }
            self = .binary(op, try Expression(from: &r, depth: depth + 1), try Expression(from: &r, depth: depth + 1))
        default: throw StoredFormError(message: "unknown expression")
        }
    }
}

extension Ask {
    var choices: [Choice] {
        if case .choice(let c) = kind { return c }
        return []
    }

    func store(_ w: inout ByteWriter) {
        prompt.store(&w)
        switch kind {
        case .choice(let choices):
            w.int(0)
            w.int(choices.count)
            for c in choices {
                w.string(c.key); c.label.store(&w)
                w.int(c.phrases.count); for p in c.phrases { w.strings(p) }
                w.int(c.assignments.count); for a in c.assignments { a.store(&w) }
                Target.store(c.next, &w)
            }
        case .text: w.int(1)
        case .number(let min, let max):
            w.int(2)
            w.bool(min != nil); w.double(min ?? 0)
            w.bool(max != nil); w.double(max ?? 0)
        case .duration(let unitDays, let unitName): w.int(3); w.double(unitDays); w.string(unitName)
        }
        w.optionalString(into)
        Target.store(next, &w)
        w.bool(retry != nil); retry?.store(&w)
        Target.store(skip, &w)
    }

    init(from r: inout ByteReader) throws(StoredFormError) {
        let prompt = try Template(from: &r)
        let kind: Kind
        switch try r.int() {
        case 0:
            var choices: [Choice] = []
            for _ in 0..<(try r.count()) {
                let key = try r.string(), label = try Template(from: &r)
                var phrases: [[String]] = []
                for _ in 0..<(try r.count()) { phrases.append(try r.strings()) }
                var assignments: [Assignment] = []
                for _ in 0..<(try r.count()) { assignments.append(try Assignment(from: &r)) }
                choices.append(Choice(key: key, label: label, phrases: phrases, assignments: assignments,
                                      next: try Target.optional(from: &r)))
            }
            kind = .choice(choices)
        case 1: kind = .text
        case 2:
            let hasMin = try r.bool(), min = try r.double()
            let hasMax = try r.bool(), max = try r.double()
            kind = .number(min: hasMin ? min : nil, max: hasMax ? max : nil)
        case 3: kind = .duration(unitDays: try r.double(), unitName: try r.string())
        default: throw StoredFormError(message: "unknown question kind")
        }
        let into = try r.optionalString()
        let next = try Target.optional(from: &r)
        let retry = try r.bool() ? try Template(from: &r) : nil
        self.init(prompt: prompt, kind: kind, into: into, next: next, retry: retry, skip: try Target.optional(from: &r))
    }
}

extension Choice {
    /// A choice with its phrases already worked out (as stored).
    init(key: String, label: Template, phrases: [[String]], assignments: [Assignment], next: Target?) {
        self.key = key; self.label = label; self.phrases = phrases; self.assignments = assignments; self.next = next
    }
}
