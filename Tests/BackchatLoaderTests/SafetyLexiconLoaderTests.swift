import BackchatEngine
@testable import BackchatLoader
import Foundation
import Testing

/// Lexicon files with problems: every problem reported, with position and hint, never a crash.
@Suite("Safety lexicon loader")
struct SafetyLexiconLoaderTests {
    static func rendered(_ files: [(String, String)]) -> String {
        let (_, diagnostics) = SafetyLexiconLoader.load(files: files.map { (path: $0.0, text: $0.1) })
        return DiagnosticRenderer(sources: Dictionary(files, uniquingKeysWith: { a, _ in a })).render(diagnostics)
    }

    static let good = """
        sets:
          self: [myself, "my self"]
        categories:
          - id: suicidal-thoughts
            level: crisis
            reason: thoughts of ending your life
            phrases:
              - kill @self
              - "(want|wanna) [to] die"

        """

    @Test("a valid lexicon compiles into a detector")
    func valid() throws {
        let (scanner, diagnostics) = SafetyLexiconLoader.load(files: [("en/lexicon/crisis.yaml", Self.good)])
        #expect(diagnostics.isEmpty)
        #expect(scanner.scan("I want to kill myself")?.level == .crisis)
    }

    @Test("no lexicon files: no scan, no complaint (fixtures without safety)")
    func none() {
        let (scanner, diagnostics) = SafetyLexiconLoader.load(files: [])
        #expect(diagnostics.isEmpty)
        #expect(scanner.scan("I want to die") == nil)
    }

    @Test("a broken phrase is pointed at, and the rest of the lexicon still works")
    func brokenPhrase() {
        let text = Self.good.replacingOccurrences(of: "      - kill @self", with: "      - kill @slef\n      - \"(end my life\"")
        #expect(Self.rendered([("L/crisis.yaml", text)]) == """
            L/crisis.yaml:8:14: error: unknown set '@slef' in the phrase 'kill @slef'
             8 |       - kill @slef
               |              ^~~~~
            hint: did you mean '@self'?
            L/crisis.yaml:9:10: error: '(' is never closed in the phrase '(end my life'
             9 |       - "(end my life"
               |          ^~~~
            hint: add the missing ')'
            2 errors, 0 warnings
            """)
        let (scanner, _) = SafetyLexiconLoader.load(files: [("L/crisis.yaml", text)])
        #expect(scanner.scan("I want to die")?.level == .crisis, "one bad phrase must not switch safety off")
    }

    @Test("category problems: level, id, reason, keys")
    func categoryProblems() {
        let text = """
            categories:
              - id: Saddle_Numbness
                level: emergency
                reason: numbness
                phrases: [numb bum]
              - id: fever
                level: urgnet
                reason: a fever
                phrases: [fever]
              - id: weight
                level: urgent
                phrases: [lost weight]
                unles: [diet]
              - id: fever
                level: urgent
                reason: again
                phrases: [fever]
                unless-scope: paragraph

            """
        #expect(Self.rendered([("L/x.yaml", text)]) == """
            L/x.yaml:2:9: error: the category id 'Saddle_Numbness' is not kebab-case
             2 |   - id: Saddle_Numbness
               |         ^~~~~~~~~~~~~~~
            hint: use lower-case words joined by '-', e.g. 'saddle-numbness'
            L/x.yaml:7:12: error: unknown level 'urgnet' in category 'fever'
             7 |     level: urgnet
               |            ^~~~~~
            hint: did you mean 'urgent'?
            L/x.yaml:10:9: error: the category 'weight' needs a 'reason'
             10 |   - id: weight
                |         ^~~~~~
            hint: a short phrase that fits in a sentence, e.g. 'numbness between your legs'
            L/x.yaml:13:5: error: unknown key 'unles' in a category
             13 |     unles: [diet]
                |     ^~~~~
            hint: did you mean 'unless'?
            L/x.yaml:14:9: error: the category 'fever' is defined twice (also at L/x.yaml:6)
             14 |   - id: fever
                |         ^~~~~
            L/x.yaml:18:19: error: unknown unless-scope 'paragraph'
             18 |     unless-scope: paragraph
                |                   ^~~~~~~~~
            hint: one of: nearby, clause, sentence
            6 errors, 0 warnings
            """)
    }

    @Test("YAML syntax errors and file-level problems")
    func fileProblems() {
        #expect(Self.rendered([("L/a.yaml", "sets:\n  self: [myself\n")]).hasPrefix("L/a.yaml:3:1: error: YAML syntax error"))
        #expect(Self.rendered([("L/b.yaml", "idiom: [dead tired]\nclause-breaks: [but, on the whole]\n")]) == """
            L/b.yaml:1:1: error: unknown key 'idiom' in a lexicon file
             1 | idiom: [dead tired]
               | ^~~~~
            hint: did you mean 'idioms'?
            L/b.yaml:2:22: error: 'on the whole' is not a single word; each item of 'clause-breaks' must be one word
             2 | clause-breaks: [but, on the whole]
               |                      ^~
            hint: split it, or leave it out
            2 errors, 0 warnings
            """)
    }

    @Test("sets defined twice, or in a circle")
    func sets() {
        let a = "sets:\n  a: [x @b]\n  b: [y @a]\ncategories:\n  - {id: c, level: crisis, reason: r, phrases: [\"@a\", ok]}\n"
        let b = "sets:\n  a: [z]\n"
        #expect(Self.rendered([("L/a.yaml", a), ("L/b.yaml", b)]) == """
            L/a.yaml:2:3: error: the set '@a' contains itself: @a → @b → @a
             2 |   a: [x @b]
               |   ^
            hint: a set may use other sets, but not in a circle
            L/b.yaml:2:3: error: the set '@a' is defined twice (also at L/a.yaml:2)
             2 |   a: [z]
               |   ^
            hint: merge the two lists into one
            2 errors, 0 warnings
            """)
        let (scanner, _) = SafetyLexiconLoader.load(files: [("L/a.yaml", a)])
        #expect(scanner.scan("ok")?.level == .crisis, "the rest still compiles")
    }
}
