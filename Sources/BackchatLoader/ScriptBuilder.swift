import BackchatEngine

/// Resolves one locale's raw flows into checked ``Flow`` values and proves the graph sound:
/// every reference exists, every node is reachable, every node can reach an end, every
/// variable read is set somewhere, every condition parses, and the safety flows exist.
struct ScriptBuilder {
    let code: String
    let raw: [RawFlow]
    let entryName: Located<String>?
    let commandFlows: [String: Located<String>]
    let localeFile: String
    var diagnostics: [Diagnostic] = []

    /// Variables the engine provides or sets itself.
    static let builtinVariables: Set<String> = [
        "locale", "region", "today", "crisis_line", "emergency_number",
        "safety_level", "safety_category", "safety_reason", "safety_also",
        "safety_check_level", "safety_check_category", "safety_check_reason",
    ]

    /// Variables the front end provides (`inputs:` in locale.yaml).
    var inputs: Set<String> = []
    /// Flows a front end may start in besides the entry (`starts:` in locale.yaml).
    var starts: [Located<String>] = []

    init(code: String, raw: [RawFlow], entry: Located<String>?, commands: [String: Located<String>], localeFile: String) {
        // A flow whose every node failed to parse has been reported already; leave it out.
        self.code = code; self.raw = raw.filter { !$0.nodes.isEmpty }; self.entryName = entry; self.commandFlows = commands; self.localeFile = localeFile
    }

    var flowIndex: [String: Int] = [:]

    mutating func build() -> (flows: [Flow], entry: Int, commands: [String: Int], roles: [FlowRole: Int])? {
        // Flow names are unique within a locale.
        var seenFlows: [String: RawFlow] = [:]
        for (i, f) in raw.enumerated() {
            if let first = seenFlows[f.name.value] {
                diagnostics.append(.error(f.name.at, "duplicate flow name '\(f.name.value)' (also in \(first.file):\(first.name.at.line))"))
            } else {
                seenFlows[f.name.value] = f
                flowIndex[f.name.value] = i
            }
        }
        // Node ids are unique within a flow (Yams rejects duplicate keys already; this catches none today but keeps the invariant explicit).
        let assigned = assignedVariables()
        var flows: [Flow] = []
        for (fi, f) in raw.enumerated() {
            var nodeIndex: [String: Int] = [:]
            for (i, n) in f.nodes.enumerated() where nodeIndex[n.id.value] == nil { nodeIndex[n.id.value] = i }
            var nodes: [BackchatEngine.Node] = []
            for n in f.nodes {
                nodes.append(resolve(n, in: f, flow: fi, nodeIndex: nodeIndex, variables: assigned))
            }
            var start = 0
            if let s = f.start {
                if let i = nodeIndex[s.value] { start = i }
                else { diagnostics.append(.error(s.at, "start node '\(s.value)' is not in flow '\(f.name.value)'",
                                                 hint: Suggest.hint(for: s.value, in: nodeIndex.keys))) }
            }
            var reentry: Int? = nil
            if let r = f.reentry {
                if let i = nodeIndex[r.value] { reentry = i }
                else { diagnostics.append(.error(r.at, "reentry node '\(r.value)' is not in flow '\(f.name.value)'",
                                                 hint: Suggest.hint(for: r.value, in: nodeIndex.keys))) }
            }
            flows.append(Flow(name: f.name.value, title: f.title, start: start, nodes: nodes,
                              role: f.role.flatMap { FlowRole(rawValue: $0.value) }, reentry: reentry, file: f.file))
        }
        // The entry flow.
        var entry = 0
        if let e = entryName {
            if let i = flowIndex[e.value] { entry = i }
            else { diagnostics.append(.error(e.at, "entry flow '\(e.value)' does not exist in locale '\(code)'",
                                             hint: Suggest.hint(for: e.value, in: flowIndex.keys))) }
        } else if let i = flowIndex["welcome"] ?? flowIndex["main"] ?? raw.firstIndex(where: { $0.role == nil }) {
            entry = i
        }
        if raw.isEmpty {
            diagnostics.append(Diagnostic(.error, file: localeFile, line: 0, column: 0, "locale '\(code)' has no flows"))
            return nil
        }
        var commands: [String: Int] = [:]
        for (name, flow) in commandFlows {
            if let i = flowIndex[flow.value] { commands[name] = i }
            else { diagnostics.append(.error(flow.at, "command '/\(name)' names flow '\(flow.value)', which does not exist",
                                             hint: Suggest.hint(for: flow.value, in: flowIndex.keys))) }
        }
        var roles: [FlowRole: Int] = [:]
        for (i, f) in raw.enumerated() {
            guard let r = f.role, let role = FlowRole(rawValue: r.value) else { continue }
            if let other = roles[role] {
                diagnostics.append(.error(r.at, "a second flow with role '\(role.rawValue)' (the first is '\(raw[other].name.value)')"))
            } else {
                roles[role] = i
            }
        }
        var startFlows: [Int] = []
        for s in starts {
            if let i = flowIndex[s.value] { startFlows.append(i) }
            else { diagnostics.append(.error(s.at, "start flow '\(s.value)' does not exist in locale '\(code)'",
                                             hint: Suggest.hint(for: s.value, in: flowIndex.keys))) }
        }
        guard !diagnostics.contains(where: { $0.severity == .error }) else { return nil }
        checkGraph(flows, entry: entry, commands: commands, roles: roles, starts: startFlows)
        return (flows, entry, commands, roles)
    }

    // MARK: - Variables

    /// Every variable some node sets, with where it is first set.
    func assignedVariables() -> Set<String> {
        var vars = Self.builtinVariables.union(inputs)
        for f in raw {
            for n in f.nodes {
                for a in n.set { vars.insert(a.variable.value) }
                if case .ask(let ask) = n.action {
                    if let into = ask.into?.value {
                        vars.insert(into)
                        if ask.kind.value == "duration" { vars.insert(into + "_days") }
                    }
                    for c in ask.choices { for a in c.set { vars.insert(a.variable.value) } }
                }
            }
        }
        return vars
    }

    mutating func checkVariables(_ names: [String], at: Location, known: Set<String>) {
        for v in names where !known.contains(v) {
            diagnostics.append(.error(at, "unknown variable '\(v)': no node sets it",
                                      hint: Suggest.hint(for: v, in: known) ?? "set it with 'set:' or 'into:' before it is read"))
        }
    }

    mutating func template(_ text: Located<String>, known: Set<String>) -> Template {
        let t = Template(text.value)
        checkVariables(t.variables, at: text.at, known: known)
        return t
    }

    mutating func assignments(_ raw: [RawAssignment], known: Set<String>) -> [Assignment] {
        raw.compactMap { a in
            if let v = a.value { return Assignment(variable: a.variable.value, source: .value(v)) }
            guard let e = a.expression, let expr = expression(e, known: known) else { return nil }
            return Assignment(variable: a.variable.value, source: .expression(expr))
        }
    }

    mutating func expression(_ text: Located<String>, known: Set<String>) -> Expression? {
        switch ExpressionParser.parse(text.value) {
        case .success(let e):
            checkVariables(e.variables, at: text.at, known: known)
            return e
        case .failure(let f):
            var at = text.at
            at.column += f.offset
            diagnostics.append(.error(at, "cannot parse condition '\(text.value)': \(f.message)",
                                      hint: "conditions use ==, !=, <, <=, >, >=, and, or, not, numbers, 'text', true, false"))
            return nil
        }
    }

    // MARK: - References

    /// `node`, `flow.node` or `flow` (its start).
    mutating func target(_ ref: Located<String>, from flow: RawFlow, nodeIndex: [String: Int]) -> Target {
        let fallback = Target(flow: flowIndex[flow.name.value] ?? 0, node: 0)
        if let n = nodeIndex[ref.value] { return Target(flow: flowIndex[flow.name.value] ?? 0, node: n) }
        let parts = ref.value.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            guard let fi = flowIndex[parts[0]] else {
                diagnostics.append(.error(ref.at, "unknown flow '\(parts[0])' in '\(ref.value)'",
                                          hint: Suggest.hint(for: parts[0], in: flowIndex.keys)))
                return fallback
            }
            let other = raw[fi]
            guard let ni = other.nodes.firstIndex(where: { $0.id.value == parts[1] }) else {
                diagnostics.append(.error(ref.at, "unknown node '\(parts[1])' in flow '\(parts[0])'",
                                          hint: Suggest.hint(for: parts[1], in: other.nodes.map(\.id.value))))
                return fallback
            }
            return Target(flow: fi, node: ni)
        }
        if let fi = flowIndex[ref.value] {
            let other = raw[fi]
            let start = other.start.flatMap { s in other.nodes.firstIndex { $0.id.value == s.value } } ?? 0
            return Target(flow: fi, node: start)
        }
        let candidates = Array(nodeIndex.keys) + Array(flowIndex.keys)
        diagnostics.append(.error(ref.at, "unknown node '\(ref.value)' in flow '\(flow.name.value)'",
                                  hint: Suggest.hint(for: ref.value, in: candidates) ?? "name a node of this flow, a flow, or 'flow.node'"))
        return fallback
    }

    mutating func resolve(_ n: RawNode, in f: RawFlow, flow fi: Int, nodeIndex: [String: Int], variables: Set<String>) -> BackchatEngine.Node {
        let say = n.say.map { template($0, known: variables) }
        let set = assignments(n.set, known: variables)
        let action: BackchatEngine.Node.Action
        switch n.action {
        case .next(let ref): action = .next(target(ref, from: f, nodeIndex: nodeIndex))
        case .returns: action = .returns
        case .end: action = .end
        case .call(let flow, let then):
            let thenTarget = target(then, from: f, nodeIndex: nodeIndex)
            guard let callee = flowIndex[flow.value] else {
                diagnostics.append(.error(flow.at, "unknown flow '\(flow.value)'", hint: Suggest.hint(for: flow.value, in: flowIndex.keys)))
                action = .end; break
            }
            action = .call(flow: callee, then: thenTarget)
        case .branch(let branches, let otherwise):
            var out: [Branch] = []
            for b in branches {
                let t = target(b.next, from: f, nodeIndex: nodeIndex)
                if let e = expression(b.condition, known: variables) {
                    out.append(Branch(condition: e, source: b.condition.value, target: t))
                }
            }
            action = .branch(out, otherwise: target(otherwise, from: f, nodeIndex: nodeIndex))
        case .ask(let a):
            let kind: Ask.Kind
            switch a.kind.value {
            case "choice":
                kind = .choice(a.choices.map { c in
                    Choice(key: c.key.value, label: template(c.label, known: variables), synonyms: c.synonyms.map(\.value),
                           assignments: assignments(c.set, known: variables),
                           next: c.next.map { target($0, from: f, nodeIndex: nodeIndex) })
                })
            case "number": kind = .number(min: a.min, max: a.max)
            case "duration":
                let unit = a.unit?.value ?? "weeks"
                let days: Double = ["minutes": 1.0 / 1440, "hours": 1.0 / 24, "days": 1, "weeks": 7, "months": 30.4375,
                                    "years": 365.25][unit] ?? 7
                kind = .duration(unitDays: days, unitName: unit)
            default: kind = .text
            }
            action = .ask(Ask(prompt: template(a.prompt, known: variables), kind: kind, into: a.into?.value,
                              next: a.next.map { target($0, from: f, nodeIndex: nodeIndex) },
                              retry: a.retry.map { template($0, known: variables) },
                              skip: a.skip.map { target($0, from: f, nodeIndex: nodeIndex) }))
        }
        return BackchatEngine.Node(id: n.id.value, say: say, assignments: set, action: action, line: n.id.at.line)
    }

    // MARK: - Graph checks

    /// Reachability from the entry, the safety flows and the command flows; and from every
    /// node, some way to an end (or, in flows the engine enters on its own, to a return).
    mutating func checkGraph(_ flows: [Flow], entry: Int, commands: [String: Int], roles: [FlowRole: Int], starts: [Int] = []) {
        var callers: [Int: [Target]] = [:]   // flow → the `then` targets of calls into it
        for f in flows { for n in f.nodes { if case .call(let callee, let then) = n.action { callers[callee, default: []].append(then) } } }
        let rootFlows = Set([entry] + Array(commands.values) + Array(roles.values) + starts)

        func successors(_ t: Target) -> [Target] {
            let node = flows[t.flow].nodes[t.node]
            switch node.action {
            case .next(let n): return [n]
            case .ask(let a):
                var out: [Target] = []
                if case .choice(let cs) = a.kind { out += cs.compactMap { $0.next ?? a.next } }
                else if let n = a.next { out.append(n) }
                if let s = a.skip { out.append(s) }
                return out
            case .branch(let bs, let otherwise): return bs.map(\.target) + [otherwise]
            case .call(let callee, let then):
                // The call continues at `then` only if the callee can return.
                return [Target(flow: callee, node: flows[callee].start)] + (canReturn(callee) ? [then] : [])
            case .returns: return callers[t.flow] ?? []
            case .end: return []
            }
        }
        func canReturn(_ flow: Int) -> Bool { flows[flow].nodes.contains { if case .returns = $0.action { true } else { false } } }

        // Forward reachability.
        var reached = Set<Target>()
        var stack = rootFlows.map { Target(flow: $0, node: flows[$0].start) }
        for f in flows.indices where flows[f].reentry != nil { stack.append(Target(flow: f, node: flows[f].reentry ?? 0)) }
        while let t = stack.popLast() {
            guard reached.insert(t).inserted else { continue }
            stack += successors(t)
        }
        for (fi, f) in flows.enumerated() {
            if !reached.contains(Target(flow: fi, node: f.start)) {
                // One diagnostic for a whole flow nobody enters, not one per node.
                let n = f.nodes[f.start]
                diagnostics.append(.error(Location(file: f.file, line: n.line, column: 3),
                                          "flow '\(f.name)' is never entered: no node leads to it and it is not the entry, a command or a safety flow",
                                          hint: "link it with 'next: \(f.name)' or 'call: \(f.name)' from another flow, or remove it"))
                continue
            }
            for (ni, n) in f.nodes.enumerated() where !reached.contains(Target(flow: fi, node: ni)) {
                diagnostics.append(.error(Location(file: f.file, line: n.line, column: 3),
                                          "node '\(n.id)' in flow '\(f.name)' is unreachable: no node leads to it",
                                          hint: "link it with 'next:' from another node, or remove it"))
            }
        }
        // Backward: which nodes can finish. An `end` finishes; a `return` finishes when nothing
        // calls its flow (the engine resumes the interrupted question, or starts again).
        var predecessors: [Target: [Target]] = [:]
        var finishing: [Target] = []
        for (fi, f) in flows.enumerated() {
            for ni in f.nodes.indices {
                let t = Target(flow: fi, node: ni)
                switch f.nodes[ni].action {
                case .end: finishing.append(t)
                case .returns where callers[fi] == nil || rootFlows.contains(fi): finishing.append(t)
                default: break
                }
                for s in successors(t) { predecessors[s, default: []].append(t) }
            }
        }
        var canFinish = Set<Target>()
        stack = finishing
        while let t = stack.popLast() {
            guard canFinish.insert(t).inserted else { continue }
            stack += predecessors[t] ?? []
        }
        for (fi, f) in flows.enumerated() {
            for (ni, n) in f.nodes.enumerated() where reached.contains(Target(flow: fi, node: ni)) && !canFinish.contains(Target(flow: fi, node: ni)) {
                diagnostics.append(.error(Location(file: f.file, line: n.line, column: 3),
                                          "no end can be reached from node '\(n.id)' in flow '\(f.name)': the conversation would loop forever",
                                          hint: "give the loop a way out that leads to 'end: true' or 'return: true'"))
            }
        }
        // Safety: the crisis flow stays with the person — it may return to the conversation
        // when they choose, but never end it.
        if let crisis = roles[.crisis] {
            var seen = Set<Int>()
            var s = [flows[crisis].start]
            while let n = s.popLast() {
                guard seen.insert(n).inserted else { continue }
                let node = flows[crisis].nodes[n]
                if case .end = node.action {
                    diagnostics.append(.error(Location(file: flows[crisis].file, line: node.line, column: 3),
                                              "the crisis flow must not end the conversation (node '\(node.id)')",
                                              hint: "stay with the person: loop back to the resources, or 'return: true' when they choose to go on"))
                }
                for t in successors(Target(flow: crisis, node: n)) where t.flow == crisis { s.append(t.node) }
            }
        }
    }
}

