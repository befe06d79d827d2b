/// The dialogue state machine: a pure function of (script, state, input) → (state′, turn).
///
/// No I/O, no clock, no randomness: today's date comes in as an argument. The same
/// inputs always give the same turns, which is what makes transcripts, replay and
/// embedding simple. Every text input is scanned for risk before the current node sees it.
public struct Engine: Sendable {
    public let script: Script

    /// The most nodes one step may pass through before the engine stops a runaway loop.
    static let stepLimit = 1000

    public init(script: Script) { self.script = script }

    /// Why a session could not be started.
    public enum StartError: Error, Sendable, Equatable {
        /// No dialogs are loaded for any locale.
        case noLocales
        /// The requested flow does not exist in the locale.
        case unknownFlow(String, locale: String)
    }

    /// A new session and its first turn. `variables` carries answers over from an earlier
    /// conversation (a stored activity goal, say), so the dialogs can refer to them.
    public func start(locale: String? = nil, region: String? = nil, flow: String? = nil,
                      variables: [String: Value] = [:],
                      today: CalendarDay? = nil, trace: ((TraceEvent) -> Void)? = nil) throws(StartError) -> (SessionState, Turn) {
        guard let ls = script.localeScript(for: locale) else { throw .noLocales }
        var flowIndex = ls.entryFlow
        if let flow {
            guard let f = ls.flowIndex[flow] else { throw .unknownFlow(flow, locale: ls.code) }
            flowIndex = f
        }
        let region = region ?? Engine.region(fromLocale: locale)
        var state = SessionState(locale: ls.code, region: region, dialogsVersion: script.version)
        state.variables = variables
        var step = Step(engine: self, locale: ls, state: state, today: today, trace: trace)
        step.run(from: Target(flow: flowIndex, node: ls.flows[flowIndex].start))
        state = step.state
        return (state, step.finish())
    }

    /// The region part of a locale code (`en-GB` → `GB`), if any.
    public static func region(fromLocale locale: String?) -> String? {
        guard let locale else { return nil }
        let parts = locale.split(whereSeparator: { $0 == "-" || $0 == "_" })
        return parts.count > 1 ? String(parts[parts.count - 1]).uppercased() : nil
    }

    /// Advances `state` by one input and returns what the person sees.
    public func respond(_ state: inout SessionState, to input: Input, today: CalendarDay? = nil,
                        trace: ((TraceEvent) -> Void)? = nil) -> Turn {
        guard let ls = script.localeScript(for: state.locale) else {
            return Turn(messages: ["No dialogs are loaded."], ended: true)
        }
        // The step takes the state over rather than sharing it: a shared copy would make its
        // first change to the variables or the history copy them whole.
        var taken = SessionState(locale: "", region: nil, dialogsVersion: "")
        swap(&taken, &state)
        var step = Step(engine: self, locale: ls, state: consume taken, today: today, trace: trace)
        step.state.turns += 1
        step.reconcile()
        step.handle(input)
        let turn = step.finish()
        swap(&state, &step.state)
        return turn
    }

    /// The pure form: the state after `input` and the turn.
    public func step(_ state: SessionState, _ input: Input, today: CalendarDay? = nil) -> (SessionState, Turn) {
        var s = state
        let t = respond(&s, to: input, today: today)
        return (s, t)
    }

    /// Picks up a saved session (after a restart, an import or a move between hosts): makes
    /// it valid for the current dialogs — continuing where its question still exists, else
    /// restarting that flow and saying so once — and shows the current question again.
    /// The reconciled state is stored back into `state`.
    public func resume(_ state: inout SessionState) -> Turn {
        guard let ls = script.localeScript(for: state.locale) else { return Turn(ended: true) }
        var step = Step(engine: self, locale: ls, state: state, today: nil, trace: nil)
        let restarted = step.reconcile()
        if step.state.ended || step.state.position == nil {
            step.messages.append(ls.strings.ended)
            step.state.ended = true
        } else if !restarted {
            step.messages.append(ls.strings.resuming)
            step.reask(leadIn: false)
        }
        state = step.state
        return step.finish()
    }

    /// The current question again, without changing anything (see ``resume(_:)``).
    public func current(_ state: SessionState) -> Turn {
        var copy = state
        return resume(&copy)
    }
}

/// The work of one step: a mutable scratch pad that ends in a ``Turn``.
struct Step {
    let engine: Engine
    let locale: LocaleScript
    var state: SessionState
    let today: CalendarDay?
    let trace: ((TraceEvent) -> Void)?

    var messages: [String] = []
    var choices: [ChoiceView] = []
    var expects: Expects = .none
    var escalation: Escalation? = nil
    /// Set when this step entered a safety flow through the graph (an explicit screening
    /// question answered "yes"), so the turn reports a new escalation.
    var enteredRole: FlowRole? = nil

    init(engine: Engine, locale: LocaleScript, state: consuming SessionState, today: CalendarDay?, trace: ((TraceEvent) -> Void)?) {
        self.engine = engine; self.locale = locale; self.state = state; self.today = today; self.trace = trace
    }

    // MARK: - Finishing

    mutating func finish() -> Turn {
        if escalation == nil, let role = currentRole, let level = currentLevel {
            let isNew = enteredRole == role
            escalation = Escalation(level: level,
                                    category: isNew ? state.variables["safety_category"]?.text : nil,
                                    reason: isNew ? state.variables["safety_reason"]?.text : nil,
                                    new: isNew,
                                    certainty: role.isCheck ? .possible : .clear,
                                    resources: engine.script.resources.resources(for: level, region: state.region))
        }
        let node = state.position.map { $0.flow + "." + $0.node } ?? (state.ended ? "end" : "")
        return Turn(messages: messages, choices: choices, expects: state.ended ? .none : expects,
                    escalation: escalation, ended: state.ended, node: node)
    }

    /// The safety role of the flow the person is in now, if any.
    var currentRole: FlowRole? {
        guard let p = state.position, let f = locale.flowIndex[p.flow] else { return nil }
        return locale.flows[f].role
    }

    /// The escalation level of the safety flow the person is in now: the role's, or for the
    /// safety check, the level it asks about (`safety_check_level`).
    var currentLevel: EscalationLevel? {
        guard let role = currentRole else { return nil }
        if role == .safetyCheck, let text = state.variables["safety_check_level"]?.text, let level = EscalationLevel(rawValue: text) {
            return level
        }
        return role.level
    }

    // MARK: - Inputs

    mutating func handle(_ input: Input) {
        switch input {
        case .command(let name):
            command(name.lowercased())
        case .text(let raw):
            let words = TextNormalizer.words(raw)
            if let detection = locale.safety.scanner.scan(raw), !backstopSetAside(detection, raw: raw, words: words) {
                escalate(detection)
                return
            }
            let trimmed = raw.trimmingWhitespace
            if trimmed.hasPrefix("/") {
                let name = String(trimmed.dropFirst()).split(separator: " ").first.map(String.init) ?? ""
                command(name.lowercased())
                return
            }
            if let name = commandWord(words), !answersCurrentChoice(words) {
                command(name)
                return
            }
            answer(raw, words: words)
        }
    }

    /// The command that the words, typed alone, stand for ("go back" → `back`), if any.
    /// Text with more words than any command word is not looked up (no joined copy of it).
    func commandWord(_ words: [String]) -> String? {
        guard words.count <= locale.mostCommandWords else { return nil }
        return locale.commandWords[words.joined(separator: " ")]
    }

    /// Whether the words are exactly one of the current choices (so "skip" as a choice wins over the command).
    func answersCurrentChoice(_ words: [String]) -> Bool {
        guard let (_, node) = currentNode, case .ask(let ask) = node.action, case .choice(let cs) = ask.kind else { return false }
        return cs.contains { $0.phrases.contains(words) }
    }

    mutating func command(_ name: String) {
        let role = currentRole
        switch name {
        case "help", "h", "?":
            messages.append(locale.strings.help)
            reaskOrEnded()
        case "back":
            if role?.holdsTheConversation == true { messages.append(locale.strings.stayWithSafety); reaskOrEnded(); return }
            guard let snap = state.history.popLast() else {
                messages.append(locale.strings.cannotGoBack); reaskOrEnded(); return
            }
            state.position = snap.position
            state.returns = snap.returns
            state.variables = snap.variables
            state.ended = false
            messages.append(locale.strings.goingBack)
            reask(leadIn: false)
        case "restart":
            if role?.holdsTheConversation == true { messages.append(locale.strings.stayWithSafety); reaskOrEnded(); return }
            let keep = (state.locale, state.region)
            state = SessionState(locale: keep.0, region: keep.1, dialogsVersion: engine.script.version)
            messages.append(locale.strings.restarted)
            run(from: Target(flow: locale.entryFlow, node: locale.flows[locale.entryFlow].start))
        case "quit", "exit", "bye":
            messages.append(locale.strings.goodbye)
            // Leaving a disclosure of abuse shows nothing more about it (someone may be
            // looking); leaving any other safety flow shows its lines once more.
            if role != nil, let level = currentLevel, level != .support {
                escalation = Escalation(level: level, category: nil, reason: nil, new: false,
                                        certainty: role?.isCheck == true ? .possible : .clear,
                                        resources: engine.script.resources.resources(for: level, region: state.region))
            }
            state.history.removeAll()
            state.position = nil
            state.returns = []
            state.ended = true
        case "skip":
            guard let (_, node) = currentNode, case .ask(let ask) = node.action else { reaskOrEnded(); return }
            guard let target = ask.skip else { messages.append(locale.strings.cannotSkip); reask(leadIn: false); return }
            remember()
            edge("skip")
            messages.append(locale.strings.skipped)
            run(from: target)
        default:
            if let flow = locale.commands[name] {
                if let p = state.position {
                    state.returns.append(SessionState.Position(flow: p.flow, node: p.node, resume: true))
                } else if state.ended {
                    // After the end, a command flow (the plan) shows and the conversation stays finished.
                    state.returns.append(SessionState.Position.finished)
                }
                edge("command:\(name)")
                run(from: Target(flow: flow, node: locale.flows[flow].start))
            } else {
                messages.append(locale.strings.unknownCommand.replacingPlaceholder("command", with: name))
                reaskOrEnded()
            }
        }
    }

    mutating func reaskOrEnded() {
        if state.ended || state.position == nil {
            if state.ended { messages.append(locale.strings.ended) }
        } else {
            reask(leadIn: false)
        }
    }

    // MARK: - Safety

    /// Whether a guess of the backstop model is set aside, because the text is not a new
    /// disclosure in the person's own words:
    /// * a safety flow runs: they are already being asked directly and have the lines or the
    ///   advice, so the text is their answer (a false guess must never swallow "that's not
    ///   what I meant", "yes, I will" to "will you call?", or ask a check question again and
    ///   again); what the rules find still escalates at once;
    /// * it is a command (`/plan`, or a command word typed alone);
    /// * it is exactly one of the answers the current question offers ("end it" ends the
    ///   breathing exercise), or a short answer (up to four words) to a question that asks for
    ///   a number or a length of time, read as one ("3 weeks", "about 6").
    /// The rules' own findings are never set aside.
    func backstopSetAside(_ detection: Detection, raw: String, words: [String]) -> Bool {
        guard SafetyDetector.isBackstopCategory(detection.category) else { return false }
        if currentRole != nil { return true }
        if raw.trimmingWhitespace.hasPrefix("/") || commandWord(words) != nil { return true }
        return answersCurrentChoice(words) || isShortQuantityAnswer(words)
    }

    /// Whether the words are a short answer to the current number or duration question.
    func isShortQuantityAnswer(_ words: [String]) -> Bool {
        guard words.count <= 4, let (_, node) = currentNode, case .ask(let ask) = node.action else { return false }
        switch ask.kind {
        case .number: return QuantityParser.parseNumber(words) != nil
        case .duration(let unitDays, _): return QuantityParser.parseDuration(words, defaultUnitDays: unitDays, today: today) != nil
        case .choice, .text: return false
        }
    }

    mutating func escalate(_ detection: Detection) {
        var role = FlowRole.handling(detection.level, possible: detection.certainty == .possible)
        // Dialogs without the check flow (fixtures): the level's own flow.
        if role.isCheck, locale.safety.flows[role] == nil { role = FlowRole.handling(detection.level, possible: false) }
        let current = currentRole
        // A weaker finding while a stronger safety flow runs: stay in the stronger flow.
        if let current, current.level > detection.level || (current == .crisis && role == .crisisCheck) {
            state.variables["safety_also"] = .string(detection.reason)
            if current.level == .crisis, detection.level == .emergency {
                // A medical emergency told during crisis support ("my chest is tight and I can't
                // breathe"): say at once that it needs emergency care, with the number, and
                // stay with the person in the crisis flow.
                escalation = Escalation(level: .emergency, category: detection.category, reason: detection.reason,
                                        new: true, certainty: detection.certainty,
                                        resources: engine.script.resources.resources(for: .emergency, region: state.region))
                messages.append(render(Template(locale.strings.emergencyDuringCrisis)))
            }
            answer(nil, words: [])
            return
        }
        // A guess the check question has not confirmed goes into its own variables, so it never
        // replaces what was found before (the plan lists what was found); the check flow copies
        // it into `safety_level` and the rest when the person says yes or not sure.
        let prefix = role == .safetyCheck ? "safety_check_" : "safety_"
        state.variables[prefix + "level"] = .string(detection.level.rawValue)
        state.variables[prefix + "category"] = .string(detection.category)
        state.variables[prefix + "reason"] = .string(detection.reason)
        escalation = Escalation(level: detection.level, category: detection.category, reason: detection.reason,
                                new: true, certainty: detection.certainty,
                                resources: engine.script.resources.resources(for: detection.level, region: state.region))
        guard let flowIndex = locale.safety.flows[role] else {
            // No flow for this level in the dialogs (fixtures): the escalation alone is shown.
            reaskOrEnded()
            return
        }
        let flow = locale.flows[flowIndex]
        if current == nil, let p = state.position {
            remember()
            state.returns.append(SessionState.Position(flow: p.flow, node: p.node, resume: true))
        }
        if let p = state.position { trace?(.edge(flow: p.flow, node: p.node, label: "safety:\(role.rawValue)")) }
        let entry = (current == role) ? (flow.reentry ?? flow.start) : flow.start
        run(from: Target(flow: flowIndex, node: entry))
    }

    // MARK: - Answers

    var currentNode: (Target, Node)? {
        guard let p = state.position, let f = locale.flowIndex[p.flow], let n = locale.flows[f].nodeIndex[p.node] else { return nil }
        return (Target(flow: f, node: n), locale.flows[f].nodes[n])
    }

    /// Handles an answer to the current question. `raw == nil` re-asks without judging.
    mutating func answer(_ raw: String?, words: [String]) {
        if state.ended || state.position == nil {
            messages.append(locale.strings.ended)
            state.ended = true
            return
        }
        guard let raw, let (_, node) = currentNode, case .ask(let ask) = node.action else {
            reask(leadIn: false); return
        }
        if words.isEmpty && ask.expects != .text || raw.trimmingWhitespace.isEmpty {
            reask(leadIn: false); return
        }
        switch ask.kind {
        case .choice(let options):
            switch ChoiceMatcher.match(words, choices: options) {
            case .choice(let i):
                let choice = options[i]
                remember()
                edge(choice.key)
                if let into = ask.into { state.variables[into] = .string(choice.key) }
                apply(choice.assignments)
                guard let next = choice.next ?? ask.next else { return }
                run(from: next)
            case .ambiguous(let candidates):
                let labels = candidates.map { "\"\(render(options[$0].label))\"" }
                let list = labels.count == 2 ? "\(labels[0]) or \(labels[1])"
                    : labels.dropLast().joined(separator: ", ") + " or " + (labels.last ?? "")
                messages.append(locale.strings.didYouMean.replacingPlaceholder("options", with: list))
                reask(leadIn: false, promptToo: false)
            case .none:
                notUnderstood(ask)
            }
        case .text:
            remember()
            edge("answer")
            if let into = ask.into { state.variables[into] = .string(raw.trimmingWhitespace) }
            if let next = ask.next { run(from: next) }
        case .number(let lo, let hi):
            guard let n = QuantityParser.parseNumber(words) else { notUnderstood(ask); return }
            guard lo.map({ n >= $0 }) ?? true, hi.map({ n <= $0 }) ?? true else {
                let text = Template(locale.strings.outOfRange).render { name in
                    switch name {
                    case "min": return lo.map { .number($0) } ?? .string("any")
                    case "max": return hi.map { .number($0) } ?? .string("any")
                    default: return .string("{\(name)}")
                    }
                }
                messages.append(text)
                reask(leadIn: false)
                return
            }
            remember()
            edge("answer")
            if let into = ask.into { state.variables[into] = .number(n) }
            if let next = ask.next { run(from: next) }
        case .duration(let unitDays, _):
            guard let days = QuantityParser.parseDuration(words, defaultUnitDays: unitDays, today: today) else {
                notUnderstood(ask); return
            }
            remember()
            edge("answer")
            let value = (days / unitDays * 10).rounded() / 10
            if let into = ask.into {
                state.variables[into] = .number(value)
                state.variables[into + "_days"] = .number(days.rounded())
            }
            if let next = ask.next { run(from: next) }
        }
    }

    mutating func notUnderstood(_ ask: Ask) {
        if let retry = ask.retry {
            messages.append(render(retry))
            reask(leadIn: false, promptToo: false)
        } else {
            messages.append(locale.strings.notUnderstood)
            reask(leadIn: false)
        }
    }

    /// Saves the current question so "back" can return to it.
    mutating func remember() {
        guard let p = state.position else { return }
        state.history.append(SessionState.Snapshot(position: p, returns: state.returns, variables: state.variables))
        if state.history.count > SessionState.historyLimit { state.history.removeFirst(state.history.count - SessionState.historyLimit) }
    }

    func edge(_ label: String) {
        guard let trace, let p = state.position else { return }
        trace(.edge(flow: p.flow, node: p.node, label: label))
    }

    // MARK: - Running nodes

    /// Shows the current question again: its prompt and choices (and, with `leadIn`, its messages).
    mutating func reask(leadIn: Bool, promptToo: Bool = true) {
        guard let (target, node) = currentNode, case .ask(let ask) = node.action else {
            if state.position != nil {
                // The node vanished (dialogs changed): restart the flow.
                reconcile()
            }
            return
        }
        if leadIn { messages += node.say.map(render) }
        present(ask, at: target, prompt: promptToo)
    }

    mutating func present(_ ask: Ask, at target: Target, prompt: Bool = true) {
        let flow = locale.flows[target.flow]
        state.position = SessionState.Position(flow: flow.name, node: flow.nodes[target.node].id)
        state.ended = false
        if prompt || ask.retry == nil { messages.append(render(ask.prompt)) }
        expects = ask.expects
        if case .choice(let options) = ask.kind {
            choices = options.map { ChoiceView(key: $0.key, label: render($0.label)) }
        } else {
            choices = []
        }
    }

    mutating func run(from start: Target) {
        var target = start
        var resumeOnly = false
        let startRole = currentRole
        for _ in 0..<Engine.stepLimit {
            // The flow's members are read where they are, not copied out as a whole flow.
            let flowIndex = target.flow
            if let role = locale.flows[flowIndex].role, role != startRole { enteredRole = role }
            let node = locale.flows[flowIndex].nodes[target.node]
            trace?(.node(flow: locale.flows[flowIndex].name, node: node.id))
            if !resumeOnly {
                for t in node.say { let text = render(t); if !text.isEmpty { messages.append(text) } }
                apply(node.assignments)
            }
            let wasResume = resumeOnly
            resumeOnly = false
            let label: String
            switch node.action {
            case .next(let t):
                label = "next"; target = t
            case .ask(let ask):
                if wasResume { messages.append(locale.strings.resuming) }
                present(ask, at: target)
                return
            case .branch(let branches, let otherwise):
                if let (i, b) = branches.enumerated().first(where: { b in b.element.condition.evaluate { lookup($0) }.isTruthy }) {
                    label = "branch:\(i)"; target = b.target
                } else {
                    label = "else"; target = otherwise
                }
            case .call(let f, let then):
                label = "call"
                let thenFlow = locale.flows[then.flow]
                state.returns.append(SessionState.Position(flow: thenFlow.name, node: thenFlow.nodes[then.node].id))
                target = Target(flow: f, node: locale.flows[f].start)
            case .returns:
                label = "return"
                trace?(.edge(flow: locale.flows[flowIndex].name, node: node.id, label: label))
                if state.returns.last == SessionState.Position.finished {
                    state.returns.removeLast()
                    messages.append(locale.strings.ended)
                    state.position = nil
                    state.ended = true
                    return
                }
                guard let back = popReturn() else {
                    target = Target(flow: locale.entryFlow, node: locale.flows[locale.entryFlow].start)
                    continue
                }
                target = back.target
                resumeOnly = back.resume
                continue
            case .end:
                state.position = nil
                state.returns = []
                state.ended = true
                return
            }
            trace?(.edge(flow: locale.flows[flowIndex].name, node: node.id, label: label))
        }
        messages.append("Something went wrong in these dialogs (a loop with no question). Type /restart to begin again.")
        state.position = nil
        state.ended = true
    }

    /// The innermost return point that still exists in the dialogs.
    mutating func popReturn() -> (target: Target, resume: Bool)? {
        while let r = state.returns.popLast() {
            if let f = locale.flowIndex[r.flow], let n = locale.flows[f].nodeIndex[r.node] {
                return (Target(flow: f, node: n), r.resume)
            }
        }
        return nil
    }

    mutating func apply(_ assignments: [Assignment]) {
        for a in assignments {
            switch a.source {
            case .value(let v): state.variables[a.variable] = v
            case .expression(let e):
                let value = e.evaluate { lookup($0) }
                state.variables[a.variable] = value
            }
        }
    }

    // MARK: - Variables and text

    func lookup(_ name: String) -> Value {
        if let v = state.variables[name] { return v }
        switch name {
        case "locale": return .string(state.locale)
        case "region": return .string(state.region ?? "")
        case "today": return today.map { .string($0.iso) } ?? .null
        case "crisis_line":
            let r = engine.script.resources.resources(for: .crisis, region: state.region).first
            return .string(r.map { "\($0.name): \($0.contact)" } ?? "")
        case "emergency_number":
            return .string(engine.script.resources.region(for: state.region).emergencyNumber)
        default: return .null
        }
    }

    /// The template's text. A closure literal, not `lookup` itself: passing the method
    /// would copy the whole step (script, locale, state) into a context for every text.
    func render(_ t: Template) -> String {
        if let plain = t.plainText { return plain }
        return t.render { lookup($0) }
    }

    // MARK: - Dialogs that changed under a saved session

    /// Makes a saved position valid for the current dialogs: continue where the node still
    /// exists, otherwise restart its flow (or the entry flow) and say so. Variables are kept.
    /// Returns whether it restarted a flow (and so already asked a question).
    @discardableResult
    mutating func reconcile() -> Bool {
        guard state.dialogsVersion != engine.script.version || state.position.map({ !exists($0) }) == true else { return false }
        state.dialogsVersion = engine.script.version
        state.returns = state.returns.filter { $0 == .finished || exists($0) }
        state.history = state.history.filter { exists($0.position) }
        guard let p = state.position, !exists(p) else { return false }
        messages.append(locale.strings.dialogsChanged)
        let flow = locale.flowIndex[p.flow] ?? locale.entryFlow
        state.position = nil
        run(from: Target(flow: flow, node: locale.flows[flow].start))
        return true
    }

    func exists(_ p: SessionState.Position) -> Bool {
        guard let f = locale.flowIndex[p.flow] else { return false }
        return locale.flows[f].nodeIndex[p.node] != nil
    }
}

extension String {
    /// The text without leading and trailing white space (no Foundation needed).
    public var trimmingWhitespace: String {
        // Both ends printable ASCII (nearly always): nothing to trim, and no Character
        // properties to look up. A Character whose last byte is such a byte is that byte,
        // or starts with a scalar that is not white space.
        if let f = utf8.first, let l = utf8.last, (0x21..<0x80).contains(f), (0x21..<0x80).contains(l) { return self }
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }

    func replacingPlaceholder(_ name: String, with value: String) -> String {
        Template(self).render { $0 == name ? .string(value) : .string("{\($0)}") }
    }
}
