import BackchatEngine
import Yams

/// Turns one flow file's node tree into a ``RawFlow``, reporting every shape problem.
struct FlowParser {
    static let flowKeys = ["flow", "title", "role", "start", "reentry", "nodes", "description"]
    static let nodeKeys = ["say", "set", "next", "ask", "choices", "expect", "into", "retry", "skip",
                           "min", "max", "unit", "branch", "call", "return", "end", "note"]
    static let choiceKeys = ["key", "label", "synonyms", "set", "next"]
    static let branchKeys = ["if", "next", "else"]
    static let askKinds = ["choice", "text", "number", "duration"]
    static let units = ["minutes", "hours", "days", "weeks", "months", "years"]

    var reader: YAMLReader

    init(file: String) { reader = YAMLReader(file: file) }

    mutating func parse(_ text: String) -> RawFlow? {
        guard let root = reader.compose(text), let pairs = reader.mapping(root, "a flow file") else { return nil }
        reader.checkKeys(pairs, allowed: Self.flowKeys, in: "the flow")
        var name: Located<String>? = nil
        var title = ""
        var role: Located<String>? = nil
        var start: Located<String>? = nil
        var reentry: Located<String>? = nil
        var nodes: [RawNode] = []
        var sawNodes = false
        for (k, v) in pairs {
            switch k.value {
            case "flow":
                name = reader.string(v, "'flow'")
                if let n = name, !Self.isIdentifier(n.value) {
                    reader.error(n.at, "flow name '\(n.value)' must be a word of letters, digits and '_'")
                }
            case "title": title = reader.string(v, "'title'")?.value ?? ""
            case "role":
                role = reader.string(v, "'role'")
                if let r = role, FlowRole(rawValue: r.value) == nil {
                    let all = FlowRole.allCases.map(\.rawValue)
                    reader.error(r.at, "unknown role '\(r.value)'",
                                 hint: Suggest.hint(for: r.value, in: all) ?? "roles: \(all.joined(separator: ", "))")
                }
            case "start": start = reader.string(v, "'start'")
            case "reentry": reentry = reader.string(v, "'reentry'")
            case "nodes":
                sawNodes = true
                guard let nodePairs = reader.mapping(v, "'nodes'") else { continue }
                for (id, body) in nodePairs {
                    if !Self.isIdentifier(id.value) {
                        reader.error(id.at, "node id '\(id.value)' must be a word of letters, digits and '_'")
                    }
                    if let node = parseNode(id: id, body) { nodes.append(node) }
                }
            default: break
            }
        }
        guard let name else {
            reader.error(reader.location(root), "missing 'flow': every dialog file starts with 'flow: NAME'")
            return nil
        }
        if !sawNodes {
            reader.error(name.at, "flow '\(name.value)' has no 'nodes'", hint: "add 'nodes:' with at least one node")
        } else if nodes.isEmpty && !reader.diagnostics.contains(where: { $0.severity == .error }) {
            reader.error(name.at, "flow '\(name.value)' has no nodes")
        }
        return RawFlow(name: name, title: title, role: role, start: start, reentry: reentry, nodes: nodes, file: reader.file)
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.first, f.isLetter || f == "_" else { return false }
        return s.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_") && $0.isASCII }
    }

    mutating func parseNode(id: Located<String>, _ body: Yams.Node) -> RawNode? {
        guard let pairs = reader.mapping(body, "node '\(id.value)'") else { return nil }
        reader.checkKeys(pairs, allowed: Self.nodeKeys, in: "node '\(id.value)'")
        var map: [String: Yams.Node] = [:]
        var keyAt: [String: Location] = [:]
        for (k, v) in pairs { map[k.value] = v; keyAt[k.value] = k.at }
        let say = map["say"].map { reader.texts($0, "'say'") } ?? []
        let set = map["set"].map { parseAssignments($0) } ?? []
        let actions = ["ask", "branch", "call", "return", "end"].filter { map[$0] != nil }
        if actions.count > 1 {
            reader.error(keyAt[actions[1]] ?? id.at,
                         "node '\(id.value)' has both '\(actions[0])' and '\(actions[1])'",
                         hint: "a node does one thing: split it into two nodes joined by 'next'")
            return nil
        }
        let action: RawAction
        switch actions.first {
        case "ask":
            guard let ask = parseAsk(id: id, map, keyAt) else { return nil }
            action = .ask(ask)
        case "branch":
            if let at = keyAt["next"] {
                reader.error(at, "node '\(id.value)' has both 'branch' and 'next'", hint: "put the default in the branch's '- else:' item")
            }
            guard let b = map["branch"], let branch = parseBranch(id: id, b) else { return nil }
            action = branch
        case "call":
            guard let flow = map["call"].flatMap({ reader.string($0, "'call'") }) else { return nil }
            guard let then = map["next"].flatMap({ reader.string($0, "'next'") }) else {
                reader.error(keyAt["call"] ?? id.at, "node '\(id.value)' calls '\(flow.value)' but has no 'next'",
                             hint: "add 'next:' to say where to continue when '\(flow.value)' returns")
                return nil
            }
            action = .call(flow, then: then)
        case "return", "end":
            let key = actions[0]
            if let v = map[key], reader.bool(v, "'\(key)'") == false {
                reader.error(reader.location(v), "'\(key): false' does nothing", hint: "leave '\(key)' out, or write '\(key): true'")
            }
            if let at = keyAt["next"] {
                reader.error(at, "node '\(id.value)' has both '\(key)' and 'next'", hint: "remove one of them")
            }
            action = key == "end" ? .end : .returns
        default:
            for k in ["choices", "expect", "into", "retry", "skip", "min", "max", "unit"] where map[k] != nil {
                reader.error(keyAt[k] ?? id.at, "'\(k)' belongs to a question, but node '\(id.value)' has no 'ask'",
                             hint: "add 'ask: <question>' or remove '\(k)'")
            }
            guard let next = map["next"].flatMap({ reader.string($0, "'next'") }) else {
                reader.error(id.at, "node '\(id.value)' does not say where to go",
                             hint: "add one of: next, ask, branch, call, return, end")
                return nil
            }
            action = .next(next)
        }
        return RawNode(id: id, say: say, set: set, action: action)
    }

    mutating func parseAssignments(_ node: Yams.Node) -> [RawAssignment] {
        guard let pairs = reader.mapping(node, "'set'") else { return [] }
        var out: [RawAssignment] = []
        for (k, v) in pairs {
            if !Self.isIdentifier(k.value) { reader.error(k.at, "variable name '\(k.value)' must be a word of letters, digits and '_'") }
            guard let value = reader.value(v) else {
                reader.error(v, "the value of '\(k.value)' must be a single value, not \(YAMLReader.describe(v))")
                continue
            }
            if case .string(let s) = value, s.hasPrefix("=") {
                var at = reader.location(v)
                if case .scalar(let sc) = v, sc.style != .plain { at.column += 1 }
                out.append(RawAssignment(variable: k, value: nil, expression: Located(String(s.dropFirst()), at: at)))
            } else {
                out.append(RawAssignment(variable: k, value: value, expression: nil))
            }
        }
        return out
    }

    mutating func parseAsk(id: Located<String>, _ map: [String: Yams.Node], _ keyAt: [String: Location]) -> RawAsk? {
        guard let promptNode = map["ask"], let prompt = reader.text(promptNode, "'ask'") else { return nil }
        var kind = Located(map["choices"] != nil ? "choice" : "text", at: keyAt["ask"] ?? id.at)
        if let e = map["expect"], let k = reader.string(e, "'expect'") {
            if !Self.askKinds.contains(k.value) {
                reader.error(k.at, "unknown answer kind '\(k.value)'",
                             hint: Suggest.hint(for: k.value, in: Self.askKinds) ?? "use one of: \(Self.askKinds.joined(separator: ", "))")
            }
            kind = k
        }
        var choices: [RawChoice] = []
        if let c = map["choices"] {
            if kind.value != "choice" {
                reader.error(keyAt["choices"] ?? id.at, "node '\(id.value)' expects '\(kind.value)' but lists choices",
                             hint: "remove 'expect' or the choices")
            }
            if let items = reader.sequence(c, "'choices'") {
                if items.isEmpty { reader.error(c, "'choices' is empty", hint: "list at least one choice") }
                for item in items { if let choice = parseChoice(item) { choices.append(choice) } }
                var seen: [String: Location] = [:]
                for c in choices {
                    if let first = seen[c.key.value.lowercased()] {
                        reader.error(c.key.at, "duplicate choice key '\(c.key.value)' in node '\(id.value)' (first at line \(first.line))")
                    }
                    seen[c.key.value.lowercased()] = c.key.at
                }
            }
        } else if kind.value == "choice" {
            reader.error(kind.at, "node '\(id.value)' expects a choice but has no 'choices'")
        }
        let next = map["next"].flatMap { reader.string($0, "'next'") }
        if kind.value != "choice" || choices.contains(where: { $0.next == nil }) {
            if next == nil {
                let why = kind.value == "choice" ? "a choice without its own 'next'" : "its answer"
                reader.error(keyAt["ask"] ?? id.at, "node '\(id.value)' has no 'next' for \(why)",
                             hint: "add 'next:' to the node or to each choice")
            }
        }
        let unit = map["unit"].flatMap { reader.string($0, "'unit'") }
        if let u = unit {
            if kind.value != "duration" { reader.error(u.at, "'unit' applies only to 'expect: duration'") }
            else if !Self.units.contains(u.value) {
                reader.error(u.at, "unknown unit '\(u.value)'", hint: Suggest.hint(for: u.value, in: Self.units) ?? "use days, weeks, months or years")
            }
        }
        let minValue = map["min"].flatMap { reader.number($0, "'min'") }
        let maxValue = map["max"].flatMap { reader.number($0, "'max'") }
        for (k, v) in [("min", minValue), ("max", maxValue)] where v != nil && kind.value != "number" {
            reader.error(keyAt[k] ?? id.at, "'\(k)' applies only to 'expect: number'")
        }
        if let lo = minValue, let hi = maxValue, lo > hi {
            reader.error(keyAt["min"] ?? id.at, "'min' (\(Value.format(lo))) is larger than 'max' (\(Value.format(hi)))")
        }
        let into = map["into"].flatMap { reader.string($0, "'into'") }
        if let i = into, !Self.isIdentifier(i.value) { reader.error(i.at, "variable name '\(i.value)' must be a word of letters, digits and '_'") }
        return RawAsk(prompt: prompt, kind: kind, choices: choices,
                      into: into, next: next,
                      retry: map["retry"].flatMap { reader.text($0, "'retry'") },
                      skip: map["skip"].flatMap { reader.string($0, "'skip'") },
                      min: minValue, max: maxValue, unit: unit)
    }

    mutating func parseChoice(_ node: Yams.Node) -> RawChoice? {
        guard let pairs = reader.mapping(node, "a choice") else { return nil }
        reader.checkKeys(pairs, allowed: Self.choiceKeys, in: "a choice")
        var map: [String: Yams.Node] = [:]
        for (k, v) in pairs { map[k.value] = v }
        guard let keyNode = map["key"], let key = reader.text(keyNode, "'key'") else {
            reader.error(node, "a choice needs a 'key'", hint: "add 'key: a_short_word' (it is stored and used in conditions)")
            return nil
        }
        guard let labelNode = map["label"], let label = reader.text(labelNode, "'label'") else {
            reader.error(node, "choice '\(key.value)' needs a 'label'", hint: "add 'label: What the person sees'")
            return nil
        }
        let synonyms = map["synonyms"].map { reader.texts($0, "'synonyms'") } ?? []
        return RawChoice(key: key, label: label, synonyms: synonyms,
                         set: map["set"].map { parseAssignments($0) } ?? [],
                         next: map["next"].flatMap { reader.string($0, "'next'") })
    }

    mutating func parseBranch(id: Located<String>, _ node: Yams.Node) -> RawAction? {
        guard let items = reader.sequence(node, "'branch'") else { return nil }
        var branches: [RawBranch] = []
        var otherwise: Located<String>? = nil
        for item in items {
            guard let pairs = reader.mapping(item, "a branch") else { continue }
            reader.checkKeys(pairs, allowed: Self.branchKeys, in: "a branch")
            var map: [String: Yams.Node] = [:]
            for (k, v) in pairs { map[k.value] = v }
            if let e = map["else"] {
                if otherwise != nil { reader.error(item, "node '\(id.value)' has more than one 'else'") }
                if map["if"] != nil || map["next"] != nil {
                    reader.error(item, "'else' stands alone: write '- else: NODE'")
                }
                otherwise = reader.string(e, "'else'")
                continue
            }
            if otherwise != nil { reader.error(item, "a branch after 'else' can never be taken", hint: "move '- else:' to the end") }
            guard let c = map["if"], let cond = reader.text(c, "'if'") else {
                reader.error(item, "a branch needs 'if: CONDITION' and 'next: NODE' (or '- else: NODE')"); continue
            }
            guard let n = map["next"], let next = reader.string(n, "'next'") else {
                reader.error(item, "the branch 'if: \(cond.value)' has no 'next'"); continue
            }
            branches.append(RawBranch(condition: cond, next: next))
        }
        guard let otherwise else {
            reader.error(node, "node '\(id.value)' branches but has no '- else: NODE'",
                         hint: "add a last item '- else: NODE' for when no condition holds")
            return nil
        }
        return .branch(branches, otherwise: otherwise)
    }
}
