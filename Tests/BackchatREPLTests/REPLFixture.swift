import BackchatEngine
import BackchatLoader
import BackchatREPL
import Foundation

/// A small dialog set written to a temporary folder, loaded with the real loader, and a
/// safety scanner injected so crisis behaviour can be tested without the shipped lexicon.
enum REPLFixture {
    static let files: [String: String] = [
        "resources.yaml": """
            default:
              name: your country
              emergency: your local emergency number
              resources:
                - { kind: crisis, name: Find a helpline, contact: findahelpline.com }
            regions:
              GB:
                name: United Kingdom
                emergency: "999"
                resources:
                  - { kind: crisis, name: Samaritans, contact: call 116 123, detail: "free, 24/7" }
                  - { kind: emergency, name: Emergency services, contact: call 999 }
            """,
        "en/locale.yaml": """
            locale: en
            entry: main
            commands:
              plan: plan
            """,
        "en/main.yaml": """
            flow: main
            nodes:
              hello:
                say: "Hello from the fixture."
                next: ready
              ready:
                ask: Ready?
                choices:
                  - key: yes
                    label: Yes, ready
                    next: weeks
                  - key: no
                    label: Not yet
                    next: bye
              weeks:
                ask: How long have you had it?
                expect: duration
                unit: weeks
                into: pain_weeks
                next: bye
              bye:
                say: "Bye."
                end: true
            """,
        "en/plan.yaml": """
            flow: plan
            nodes:
              show:
                say: "Your plan."
                return: true
            """,
        "en/crisis.yaml": """
            flow: crisis
            role: crisis
            nodes:
              open:
                say: "Thank you for telling me."
                next: safe
              safe:
                ask: Are you safe right now?
                choices:
                  - key: yes
                    label: I'm safe
                    next: offer
                  - key: no
                    label: I'm not safe
                    next: open
              offer:
                ask: Shall we go back to where we were?
                choices:
                  - key: back
                    label: Go back to the conversation
                    next: leave
                  - key: stay
                    label: Stay here
                    next: open
              leave:
                return: true
            """,
        "en/support.yaml": """
            flow: support
            role: support
            nodes:
              open:
                say: "I believe you. A helpline can help."
                next: safe
              safe:
                ask: Are you safe right now?
                choices:
                  - key: yes
                    label: Yes, for now
                    next: leave
                  - key: no
                    label: No
                    next: open
              leave:
                return: true
            """,
    ]

    /// Finds "want to die" as a crisis and "hits me" as a disclosure of abuse, nothing else.
    struct PhraseScanner: SafetyScanning {
        func scan(_ text: String) -> Detection? {
            if text.lowercased().contains("want to die") {
                return Detection(level: .crisis, category: "suicidal-ideation", reason: "thoughts of suicide")
            }
            if text.lowercased().contains("hits me") {
                return Detection(level: .support, category: "abuse", reason: "being hurt by someone close to you")
            }
            return nil
        }
    }

    static let script: Script? = {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("backchat-repl-fixture-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (path, text) in files {
            let url = dir.appendingPathComponent(path)
            try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? Data(text.utf8).write(to: url)
        }
        let result = DialogLoader.load(directory: dir.path)
        guard var script = result.script else { return nil }
        script.locales["en"]?.safety.scanner = PhraseScanner()
        return script
    }()

    /// A machine at the start of the fixture conversation.
    static func machine(interactive: Bool = true, echo: Bool = false,
                        formatter: TurnFormatter = TurnFormatter(width: 80)) throws -> ChatMachine {
        guard let script else { throw FixtureError.notLoaded }
        let engine = Engine(script: script)
        let (state, turn) = try engine.start(region: "GB")
        return ChatMachine(engine: engine, state: state, firstTurn: turn, formatter: formatter,
                           options: ChatMachine.Options(echoInput: echo, interactive: interactive))
    }

    enum FixtureError: Error { case notLoaded }
}
