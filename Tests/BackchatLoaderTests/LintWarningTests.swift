import BackchatLoader
import Testing

@Suite("Lint warnings")
struct LintWarningTests {
    @Test func warnsAboutWhatWorksButHurts() throws {
        let d = try TempDialogs(["en/main.yaml": """
            flow: main
            nodes:
              hello:
                say: "Notwithstanding considerable methodological heterogeneity, multidisciplinary rehabilitation demonstrates consistently favourable outcomes regarding functional disability."
                set: { unused_flag: true }
                next: mood
              mood:
                ask: How is your mood?
                into: mood
                choices:
                  - key: low
                    label: Low
                    synonyms: [down, bad]
                  - key: ok
                    label: Okay
                    synonyms: [fine, Bad]
                next: check
              check:
                branch:
                  - if: mood == 'lwo'
                    next: bye
                  - if: 1 > 2
                    next: bye
                  - else: bye
              bye:
                say: "\(String(repeating: "Take care. ", count: 30))"
                end: true

            """])
        let r = d.load()
        #expect(r.script != nil, "warnings do not stop the dialogs from loading")
        #expect(r.errors.isEmpty)
        #expect(d.rendered() == """
            D/en/main.yaml:4:10: warning: message is hard to read (reading grade 43.9, aim for 8 or lower)
             4 |     say: "Notwithstanding considerable methodological heterogeneity, multidisciplinary rehabilitation demonstrates consistently favourable outcomes regarding functional disability."
               |          ^~~~~~~~~~~~~~~~
            hint: use shorter sentences and everyday words
            D/en/main.yaml:5:12: warning: variable 'unused_flag' is set but never read
             5 |     set: { unused_flag: true }
               |            ^~~~~~~~~~~
            hint: use it in a condition or a message ({unused_flag}), or remove it
            D/en/main.yaml:16:26: warning: 'Bad' picks both 'low' and 'ok' in node 'mood'; 'low' always wins
             16 |         synonyms: [fine, Bad]
                |                          ^~~
            hint: keep the phrase in one choice only
            D/en/main.yaml:20:13: warning: the condition 'mood == 'lwo'' is always false: 'mood' is only ever 'low', 'ok'
             20 |       - if: mood == 'lwo'
                |             ^~~~
            hint: did you mean 'low'?
            D/en/main.yaml:22:13: warning: the condition '1 > 2' is always false
             22 |       - if: 1 > 2
                |             ^
            hint: remove the branch: it can never be taken
            D/en/main.yaml:26:10: warning: message is 330 characters long (more than 300)
             26 |     say: "\(String(repeating: "Take care. ", count: 30))"
                |          ^~~~~
            hint: split it into shorter messages: a list under 'say:' shows each one on its own
            0 errors, 6 warnings
            """)
    }
}
