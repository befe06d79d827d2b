import BackchatEngine
import BackchatLoader
import Foundation
import Testing

/// Writes dialog files into a fresh temporary directory and loads them; removes it afterwards.
final class TempDialogs {
    let root: String

    deinit { try? FileManager.default.removeItem(atPath: root) }

    init(_ files: [String: String]) throws {
        root = NSTemporaryDirectory() + "backchat-loader-\(UUID().uuidString)"
        for (path, text) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
    }

    func load() -> DialogLoader.Result { DialogLoader.load(directory: root) }

    /// All diagnostics rendered, with the temporary root shortened to `D`.
    func rendered() -> String {
        let r = load()
        return r.renderer.render(r.diagnostics).replacingOccurrences(of: root, with: "D")
    }
}

let okFlow = """
    flow: main
    nodes:
      hello:
        say: Hi
        next: bye
      bye:
        end: true

    """

@Suite("Loader diagnostics")
struct LoaderDiagnosticsTests {
    @Test func cleanDialogsLoad() throws {
        let d = try TempDialogs(["en/main.yaml": okFlow])
        let r = d.load()
        #expect(r.diagnostics.isEmpty)
        let script = try #require(r.script)
        #expect(script.locales["en"]?.flows.map(\.name) == ["main"])
        #expect(script.version.count > 4)
    }

    @Test func unknownKeyWithSuggestion() throws {
        let d = try TempDialogs(["en/main.yaml": okFlow.replacingOccurrences(of: "    next: bye", with: "    nxet: bye")])
        #expect(d.rendered() == """
            D/en/main.yaml:3:3: error: node 'hello' does not say where to go
             3 |   hello:
               |   ^~~~~
            hint: add one of: next, ask, branch, call, return, end
            D/en/main.yaml:5:5: error: unknown key 'nxet' in node 'hello'
             5 |     nxet: bye
               |     ^~~~
            hint: did you mean 'next'?
            2 errors, 0 warnings
            """)
    }

    @Test func yamlSyntaxErrorUnclosedSequence() throws {
        let d = try TempDialogs(["en/main.yaml": "flow: main\nnodes:\n  a:\n    say: [one, two\n    end: true\n"])
        #expect(d.rendered() == """
            D/en/main.yaml:5:8: error: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 4)
             5 |     end: true
               |        ^
            hint: a '[' list is not closed: add the missing ']'
            1 error, 0 warnings
            """)
    }

    @Test func tabIndentation() throws {
        let d = try TempDialogs(["en/main.yaml": okFlow, "en/other.yaml": "flow: other\nnodes:\n\ta:\n    end: true\n"])
        #expect(d.rendered() == """
            D/en/other.yaml:3:1: error: tab character used for indentation
             3 | →a:
               | ^~
            hint: YAML indents with spaces only; replace the tab with spaces
            1 error, 0 warnings
            """)
    }

    @Test func tabIndentationInAWindowsFileIsFoundOnItsLine() throws {
        let d = try TempDialogs(["en/main.yaml": okFlow, "en/other.yaml": "flow: other\r\nnodes:\r\n\ta:\r\n    end: true\r\n"])
        #expect(d.rendered().hasPrefix("D/en/other.yaml:3:1: error: tab character used for indentation"))
    }

    @Test func danglingReferencesAndVariables() throws {
        let d = try TempDialogs(["en/main.yaml": """
            flow: main
            nodes:
              ask:
                ask: "How bad, {nmae}?"
                expect: number
                into: score
                next: nowhere
              check:
                branch:
                  - if: scroe > 5
                    next: bye
                  - else: other.start
              bye:
                call: missing_flow
                next: bye

            """])
        #expect(d.rendered() == """
            D/en/main.yaml:4:10: error: unknown variable 'nmae': no node sets it
             4 |     ask: "How bad, {nmae}?"
               |          ^~~~
            hint: set it with 'set:' or 'into:' before it is read
            D/en/main.yaml:6:11: warning: variable 'score' is set but never read
             6 |     into: score
               |           ^~~~~
            hint: use it in a condition or a message ({score}), or remove it
            D/en/main.yaml:7:11: error: unknown node 'nowhere' in flow 'main'
             7 |     next: nowhere
               |           ^~~~~~~
            hint: name a node of this flow, a flow, or 'flow.node'
            D/en/main.yaml:10:13: error: unknown variable 'scroe': no node sets it
             10 |       - if: scroe > 5
                |             ^~~~~
            hint: did you mean 'score'?
            D/en/main.yaml:12:15: error: unknown flow 'other' in 'other.start'
             12 |       - else: other.start
                |               ^~~~~~~~~~~
            D/en/main.yaml:14:11: error: unknown flow 'missing_flow'
             14 |     call: missing_flow
                |           ^~~~~~~~~~~~
            5 errors, 1 warning
            """)
    }

    @Test func brokenConditionPointsAtTheProblem() throws {
        let d = try TempDialogs(["en/main.yaml": """
            flow: main
            nodes:
              a:
                set: { n: 3 }
                branch:
                  - if: n = 3
                    next: b
                  - else: b
              b:
                end: true

            """])
        #expect(d.rendered() == """
            D/en/main.yaml:6:15: error: cannot parse condition 'n = 3': '=' is not a comparison; use '==' to compare
             6 |       - if: n = 3
               |               ^
            hint: conditions use ==, !=, <, <=, >, >=, and, or, not, numbers, 'text', true, false
            1 error, 0 warnings
            """)
    }

    @Test func unreachableAndNeverEnding() throws {
        let d = try TempDialogs(["en/main.yaml": """
            flow: main
            nodes:
              a:
                ask: Again?
                choices:
                  - key: yes
                    label: Again
                    next: a
                  - key: more
                    label: More
                    next: loop
              loop:
                next: a
              orphan:
                end: true

            """])
        #expect(d.rendered() == """
            D/en/main.yaml:3:3: error: no end can be reached from node 'a' in flow 'main': the conversation would loop forever
             3 |   a:
               |   ^
            hint: give the loop a way out that leads to 'end: true' or 'return: true'
            D/en/main.yaml:12:3: error: no end can be reached from node 'loop' in flow 'main': the conversation would loop forever
             12 |   loop:
                |   ^~~~
            hint: give the loop a way out that leads to 'end: true' or 'return: true'
            D/en/main.yaml:14:3: error: node 'orphan' in flow 'main' is unreachable: no node leads to it
             14 |   orphan:
                |   ^~~~~~
            hint: link it with 'next:' from another node, or remove it
            3 errors, 0 warnings
            """)
    }

    @Test func duplicateNodeIdsAndWrongTypes() throws {
        let d = try TempDialogs(["en/main.yaml": """
            flow: main
            nodes:
              a:
                say: { text: hi }
                next: a2
              a2:
                ask: Pick
                choices: yes
                next: a
              a:
                end: true

            """])
        #expect(d.rendered() == """
            D/en/main.yaml:3:3: error: duplicate key 'a' in the same mapping
             3 |   a:
               |   ^
            hint: each key (and each node id) may appear only once; rename or merge the duplicates
            1 error, 0 warnings
            """)
        let e = try TempDialogs(["en/main.yaml": """
            flow: main
            nodes:
              a:
                say: { text: hi }
                ask: Pick
                choices: yes
                next: a

            """])
        #expect(e.rendered() == """
            D/en/main.yaml:3:3: error: no end can be reached from node 'a' in flow 'main': the conversation would loop forever
             3 |   a:
               |   ^
            hint: give the loop a way out that leads to 'end: true' or 'return: true'
            D/en/main.yaml:4:10: error: 'say' must be a text or a list of texts, not a mapping
             4 |     say: { text: hi }
               |          ^
            D/en/main.yaml:6:14: error: 'choices' must be a list (lines starting with '- '), not the value 'yes'
             6 |     choices: yes
               |              ^~~
            3 errors, 0 warnings
            """)
    }

    @Test func crisisFlowMustNotEnd() throws {
        let d = try TempDialogs(["en/main.yaml": okFlow, "en/crisis.yaml": """
            flow: crisis
            role: crisis
            nodes:
              open:
                say: Please call a crisis line.
                end: true

            """])
        #expect(d.rendered() == """
            D/en/crisis.yaml:4:3: error: the crisis flow must not end the conversation (node 'open')
             4 |   open:
               |   ^~~~
            hint: stay with the person: loop back to the resources, or 'return: true' when they choose to go on
            1 error, 0 warnings
            """)
    }

    @Test func aLexiconNeedsAFlowForEveryLevelItCanFind() throws {
        let lexicon = """
            categories:
              - id: suicidal-thoughts
                level: crisis
                reason: thoughts of ending your life
                phrases: ["want to die"]
              - id: fever
                level: urgent
                reason: a fever
                phrases: ["fever"]

            """
        let crisis = "flow: crisis\nrole: crisis\nnodes:\n  open:\n    say: Please call a crisis line.\n    return: true\n"
        let d = try TempDialogs(["en/main.yaml": okFlow, "en/lexicon/risks.yaml": lexicon, "en/crisis.yaml": crisis])
        #expect(d.rendered() == """
            D/en: error: locale 'en' has a safety lexicon that can find 'urgent' risks but no flow with 'role: urgent'
            hint: add a flow with 'role: urgent' (see docs/safety.md), so the person is shown where to get help
            1 error, 0 warnings
            """)
    }

    @Test func invalidUTF8AndEmptyFilesDoNotCrash() throws {
        let d = try TempDialogs(["en/main.yaml": okFlow, "en/empty.yaml": ""])
        try Data([0x66, 0x6c, 0xff, 0xfe, 0x0a]).write(to: URL(fileURLWithPath: d.root + "/en/bad.yaml"))
        #expect(d.rendered() == """
            D/en/bad.yaml:1:1: error: the file is not valid UTF-8
            hint: save it as UTF-8 text
            D/en/empty.yaml:1:1: error: the file is empty
             1 | 
               | ^
            hint: a dialog file holds one flow: start with 'flow: NAME'
            2 errors, 0 warnings
            """)
    }

    @Test func missingDirectory() {
        let r = DialogLoader.load(directory: "/nonexistent/dialogs")
        #expect(r.script == nil)
        #expect(r.renderer.render(r.diagnostics) == """
            /nonexistent/dialogs: error: no dialogs directory here
            hint: pass --dialogs DIR or set BACKCHAT_DIALOGS
            1 error, 0 warnings
            """)
    }

    /// Random mutations of a valid file never crash the loader, and always either load or explain.
    @Test func neverCrashesOnMangledInput() throws {
        let base = Array(okFlow.utf8)
        var rng = SystemRandomNumberGenerator()
        let pieces: [UInt8] = Array("{}[]:-'\"\t\n #&*!|>%@`".utf8)
        for _ in 0..<60 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = pieces.randomElement(using: &rng) ?? 0x20
            }
            let d = try TempDialogs([:])
            try FileManager.default.createDirectory(atPath: d.root + "/en", withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: d.root + "/en/main.yaml"))
            let r = d.load()
            #expect(r.script != nil || !r.errors.isEmpty)
        }
    }
}
