import ArgumentParser
import BackchatEngine
import BackchatREPL
import BackchatStore
import Foundation

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk with Backchat (the default).",
        discussion: """
            At a terminal: line editing, Tab completion of the choices and commands, and a \
            history of earlier lines kept in $XDG_STATE_HOME/backchat/history (default \
            ~/.local/state/backchat/history, readable only by you; nothing typed during a \
            crisis or other safety escalation is saved). Commands: /help, /back, /restart, \
            /plan, /quit. Ctrl-C clears the line, Ctrl-D leaves.

            When stdin is not a terminal, plain lines are read and a clean transcript is \
            printed, e.g. printf '1\\n' | backchat
            """)

    @OptionGroup var options: DialogOptions
    @Option(help: "Language and region, e.g. en-GB (sets the crisis lines shown; default: $BACKCHAT_LOCALE, else the computer's LANG).")
    var locale: String?
    @Option(help: "Region for crisis lines and emergency numbers: US, CA, GB, IE, AU, NZ.")
    var region: String?
    @Option(help: "Start in this flow instead of the welcome.")
    var flow: String?
    @Flag(name: .customLong("no-color"), help: "No colour (also when NO_COLOR is set).")
    var noColor = false
    @Flag(help: "Plain output for screen readers: no decoration, one line per item.")
    var plain = false
    @Flag(name: .customLong("no-history"), help: "Do not read or save the line history.")
    var noHistory = false
    @OptionGroup var storeOptions: StoreOptions
    @Flag(name: .customLong("no-store"), help: "Do not save this conversation or read saved ones.")
    var noStore = false
    @Flag(help: "Continue the saved conversation without asking.")
    var resume = false
    @Flag(help: "Start a new conversation even if one was saved.")
    var fresh = false

    func run() throws { try converse(observer: nil) }

    /// "Continue where you left off?" on the terminal; yes unless the person says no.
    static func askToContinue(_ saved: StoredSession) -> Bool {
        FileHandle.standardOutput.write(Data("Welcome back. You have a conversation in progress. Continue where you left off? [Y/n] ".utf8))
        guard let answer = readLine() else { return false }
        let a = answer.trimmingCharacters(in: .whitespaces).lowercased()
        return !(a.hasPrefix("n") || a == "new" || a == "fresh" || a == "start again")
    }

    /// The language and region the computer is set to (`LC_ALL`, `LC_MESSAGES`, `LANG`:
    /// `en_GB.UTF-8` → `en-GB`), so a person in the UK sees UK crisis lines without options;
    /// `nil` for `C`/`POSIX` or nothing set.
    static func systemLocale(_ env: [String: String]) -> String? {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = env[name], !value.isEmpty else { continue }
            let base = value.split(separator: ".").first.map(String.init) ?? value
            let bare = base.split(separator: "@").first.map(String.init) ?? base
            if bare == "C" || bare == "POSIX" { return nil }
            let parts = bare.split(separator: "_")
            guard parts.count == 2, parts[0].count == 2 || parts[0].count == 3, parts[1].count == 2,
                  parts.allSatisfy({ $0.allSatisfy(\.isLetter) }) else { return nil }
            return "\(parts[0].lowercased())-\(parts[1].uppercased())"
        }
        return nil
    }

    /// A word when the region or language asked for is not one the dialogs know, so the person
    /// knows why the crisis lines shown are general ones (and how to choose).
    static func regionNotice(script: Script, locale: String?, region: String?) -> String? {
        var notes: [String] = []
        if let locale, let language = locale.split(whereSeparator: { $0 == "-" || $0 == "_" }).first,
           script.locales[locale] == nil, script.locales[language.lowercased()] == nil {
            notes.append("there are no dialogs in '\(language)' yet, so Backchat talks in \(script.defaultLocale == "en" ? "English" : script.defaultLocale)")
        }
        let asked = region ?? Engine.region(fromLocale: locale)
        if let asked, !asked.isEmpty, script.resources.region(for: asked).code == script.resources.fallback.code {
            let listed = script.resources.regions.keys.sorted().joined(separator: ", ")
            notes.append("no crisis lines are listed for '\(asked)', so general ones are shown (--region chooses one of \(listed))")
        }
        return notes.isEmpty ? nil : "backchat: " + notes.joined(separator: "; ")
    }

    /// Whether the line means quit (`/quit`, `quit`, `exit`, Ctrl-D, a locale's own words).
    static func isQuit(_ input: String, words: [String: String]) -> Bool {
        let t = input.trimmingCharacters(in: .whitespaces).lowercased()
        if ["/quit", "/exit", "/bye"].contains(t) { return true }
        return words[TextNormalizer.normalize(t)] == "quit"
    }

    /// Runs the conversation; `observer` hears every turn (for `record`).
    func converse(observer: (@Sendable (_ engine: Engine) -> ChatMachine.Observer)?) throws {
        let script = try options.loadScript()
        let engine = Engine(script: script)
        let env = ProcessInfo.processInfo.environment
        let localeCode = locale ?? env["BACKCHAT_LOCALE"] ?? Self.systemLocale(env)
        if let note = Self.regionNotice(script: script, locale: localeCode, region: region) { Stderr.write(note) }
        let today = Clock.today()
        // The store belongs to a person at a terminal (or to runs that name it): a piped
        // script must not replace the conversation they have in progress. If it cannot be
        // opened (the reason is on stderr), the conversation goes on without it.
        let useStore = !noStore && (isatty(STDIN_FILENO) == 1 || storeOptions.store != nil || resume)
        let store: ConversationStore? = useStore ? (try? storeOptions.open()) : nil
        var sessionID = UUID().uuidString
        var state: SessionState
        var turn: Turn
        do {
            if flow == nil, !fresh, let store, let saved = try? store.latestSession(), !saved.state.ended,
               resume || (isatty(STDIN_FILENO) == 1 && Self.askToContinue(saved)) {
                state = saved.state
                turn = engine.resume(&state)
                sessionID = saved.id
            } else if flow == nil, let store, let today, let goal = try? store.dueCheckIn(today: today) {
                var variables = goal.checkInVariables(asked: today)
                variables["goal_summary"] = .string(goal.summary)
                variables["storage"] = .string("local")
                (state, turn) = try engine.start(locale: localeCode, region: region, flow: "goal_checkin",
                                                 variables: variables, today: today)
            } else {
                var variables: [String: Value] = [:]
                if store != nil { variables["storage"] = .string("local") }
                if let goal = try? store?.currentGoal() {
                    variables = goal.conversationVariables
                    variables["goal_summary"] = .string(goal.summary)
                }
                (state, turn) = try engine.start(locale: localeCode, region: region, flow: flow, variables: variables, today: today)
            }
        } catch {
            Stderr.write("backchat: cannot start: \(error)")
            throw ExitCode(2)
        }
        let id = sessionID
        let quitWords = engine.script.localeScript(for: state.locale)?.commandWords ?? [:]
        let recorder = observer?(engine)
        var saver: ChatMachine.Observer? = nil
        if let store {
            saver = { (input: String?, turn: Turn, state: SessionState) in
                recorder?(input, turn, state)
                // A quit is not saved, so the conversation can be continued next time;
                // a conversation that reached its end is saved as ended.
                // Nothing is saved before the person has typed something.
                // An abuse disclosure is never kept on disk (see SessionState.forStorage).
                guard let input, !Self.isQuit(input, words: quitWords) else { return }
                do { _ = try store.save(sessionID: id, state: state.forStorage(in: script), at: Clock.now()) } catch {
                    Stderr.write("backchat: \(error)")
                }
            }
        }
        var configuration = ChatREPL.Configuration(noColor: noColor, plain: plain, history: !noHistory, environment: env,
                                                   observer: saver ?? recorder)
        if let store {
            let style: ProgressChart.Style = plain ? .plain : .chart
            configuration.localCommands["progress"] = {
                guard let today = Clock.today() else { return "No date is known, so there is no progress to show." }
                do { return ProgressChart.render(try store.progress(weeks: 6, today: today), style: style) } catch {
                    return "Your progress could not be read: \(error)"
                }
            }
        }
        let status = ChatREPL.run(engine: engine, state: state, turn: turn, configuration: configuration,
                                  clock: { Clock.today() })
        if status != 0 { throw ExitCode(status) }
    }
}
