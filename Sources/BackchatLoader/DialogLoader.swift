import BackchatEngine
import Foundation
import Yams

/// Loads a `Dialogs/` directory into a checked ``Script``, or reports every problem in it.
///
/// Layout:
/// ```
/// Dialogs/resources.yaml        crisis lines and emergency numbers per region
/// Dialogs/<locale>/locale.yaml  entry flow, commands, the engine's own words
/// Dialogs/<locale>/lexicon/     the safety lexicon (see docs/safety.md)
/// Dialogs/<locale>/**/*.yaml    one flow per file
/// ```
public enum DialogLoader {
    /// The outcome of loading: a script when there were no errors, and every diagnostic.
    public struct Result: Sendable {
        public var script: Script?
        public var diagnostics: [Diagnostic]
        /// File texts by path, for rendering diagnostics with source lines.
        public var sources: [String: String]

        public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
        public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
        public var renderer: DiagnosticRenderer { DiagnosticRenderer(sources: sources) }
    }

    /// Loads `directory`. With a `cache`, a directory loaded before by this same build with
    /// the same files is read back from the cache instead of being compiled again
    /// (see ``DialogCache``); the result is the same either way.
    public static func load(directory: String, cache: DialogCache? = nil) -> Result {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            return Result(script: nil, diagnostics: [Diagnostic(.error, file: directory, line: 0, column: 0,
                                                                "no dialogs directory here",
                                                                hint: "pass --dialogs DIR or set BACKCHAT_DIALOGS")],
                          sources: [:])
        }
        var files = DialogFiles.read(directory: directory)
        guard let cache, files.readErrors.isEmpty else { return compile(files) }
        if let cached = cache.read(directory: directory, key: cache.key(for: files), lexicons: files.lexicons) {
            return Result(script: cached.script, diagnostics: cached.diagnostics, sources: files.sources(for: cached.diagnostics))
        }
        // The entry is keyed by the very bytes compiled (a model may have changed since its checksum).
        files.readModels()
        let result = compile(files)
        if files.readErrors.isEmpty {
            cache.write(DialogCache.Entry(script: result.script, diagnostics: result.diagnostics),
                        directory: directory, key: cache.key(for: files))
        }
        return result
    }

    /// Parses and checks files already read.
    static func compile(_ files: DialogFiles) -> Result {
        var files = files
        files.readModels()
        var diagnostics = files.readErrors
        var fingerprint = Fingerprint()

        // Resources.
        var resources = ResourceTable.empty
        if let (path, text) = files.resources {
            fingerprint.add(path, text)
            var reader = YAMLReader(file: path)
            if let table = ResourceParser.parse(text, reader: &reader) { resources = table }
            diagnostics += reader.diagnostics
        }

        // Locales.
        var locales: [String: LocaleScript] = [:]
        for locale in files.locales {
            let code = locale.code, dir = locale.directory
            var settings = LocaleSettings()
            if let (path, text) = locale.settings {
                fingerprint.add(path, text)
                var reader = YAMLReader(file: path)
                settings = LocaleParser.parse(text, reader: &reader)
                diagnostics += reader.diagnostics
            }
            var rawFlows: [RawFlow] = []
            let lexiconFiles = locale.lexiconFiles
            for (path, text) in locale.files {
                fingerprint.add(path, text)
                if locale.isLexicon(path) { continue }
                var parser = FlowParser(file: path)
                if let flow = parser.parse(text) { rawFlows.append(flow) }
                diagnostics += parser.reader.diagnostics
            }
            if rawFlows.isEmpty && locale.fileCount == 0 { continue }
            // Every flow file failed to parse: those errors say it all.
            if rawFlows.isEmpty && diagnostics.contains(where: { $0.severity == .error && $0.file.hasPrefix(dir + "/") }) { continue }
            var builder = ScriptBuilder(code: code, raw: rawFlows, entry: settings.entry, commands: settings.commands,
                                        localeFile: locale.settings?.path ?? dir)
            builder.inputs = Set(settings.inputs)
            builder.starts = settings.starts
            let built = builder.build()
            diagnostics += builder.diagnostics
            var style = StyleChecker(flows: rawFlows, inputs: Set(settings.inputs))
            diagnostics += style.check()
            // The backstop model is data like the lexicon: it changes what the scan finds.
            var model: (path: String, bytes: [UInt8])? = nil
            if !lexiconFiles.isEmpty, let m = locale.model, let bytes = m.bytes {
                fingerprint.add(m.path, bytes: bytes)
                model = (m.path, bytes)
            }
            let (scanner, lexiconDiagnostics) = SafetyLexiconLoader.load(files: lexiconFiles, model: model)
            diagnostics += lexiconDiagnostics
            if let built, let detector = scanner as? SafetyDetector {
                // The scan is outside every node, so no node can turn it off; what lint must
                // prove is that every finding has a flow to go to.
                for role in detector.rolesNeeded.sorted(by: { $0.rawValue < $1.rawValue }) where built.roles[role] == nil {
                    diagnostics.append(Diagnostic(.error, file: dir, line: 0, column: 0,
                        "locale '\(code)' has a safety lexicon that can find '\(role.level.rawValue)' risks but no flow with 'role: \(role.rawValue)'",
                        hint: "add a flow with 'role: \(role.rawValue)' (see docs/safety.md), so the person is shown where to get help"))
                }
            }
            if let built, !diagnostics.contains(where: { $0.severity == .error }) {
                var ls = LocaleScript(code: code, flows: built.flows, entryFlow: built.entry, strings: settings.strings,
                                      safety: SafetySetup(scanner: scanner, flows: built.roles))
                ls.commands = built.commands
                ls.commandWords.merge(settings.commandWords) { _, new in new }
                locales[code] = ls
            }
        }
        if locales.isEmpty && !diagnostics.contains(where: { $0.severity == .error }) {
            diagnostics.append(Diagnostic(.error, file: files.directory, line: 0, column: 0, "no dialogs found",
                                          hint: "put flows in \(files.base)/<locale>/*.yaml, e.g. \(files.base)/en/welcome.yaml"))
        }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        let defaultLocale = locales["en"] != nil ? "en" : (locales.keys.sorted().first ?? "en")
        let script = hasErrors ? nil : Script(locales: locales, defaultLocale: defaultLocale,
                                              version: fingerprint.hex, resources: resources)
        return Result(script: script, diagnostics: diagnostics, sources: files.sources(for: diagnostics))
    }

    /// Every `.yaml`/`.yml` file below `dir`, sorted, as `dir/…` paths.
    static func yamlFiles(under dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            if rel.hasSuffix(".yaml") || rel.hasSuffix(".yml") { out.append(dir + "/" + rel) }
        }
        return out.sorted()
    }
}

/// Every file of a dialogs directory, read: what loading depends on, and nothing else.
struct DialogFiles {
    struct Locale {
        var code: String
        var directory: String
        var settings: (path: String, text: String)?
        /// Flow and lexicon files, sorted by path.
        var files: [(path: String, text: String)]
        /// YAML files found, whether or not they could be read.
        var fileCount: Int
        /// The backstop model (`lexicon/backstop-model.tsv`), when there is one.
        var model: ModelFile? = nil

        /// Whether `path` is part of the safety lexicon (`lexicon/`) rather than a flow.
        func isLexicon(_ path: String) -> Bool { path.hasPrefix(directory + "/lexicon/") }
        var lexiconFiles: [(path: String, text: String)] { files.filter { isLexicon($0.path) } }
    }

    var directory: String
    /// `directory` without a trailing `/`.
    var base: String
    var resources: (path: String, text: String)?
    var locales: [Locale] = []
    var sources: [String: String] = [:]
    /// Files that could not be read or are not UTF-8.
    var readErrors: [Diagnostic] = []

    /// A backstop model file. Start-up with a current cache needs only its checksum, read in
    /// pieces: the file is megabytes, and holding it (or making a `String` of it, which copies
    /// and validates) cost a few milliseconds at every start. Its bytes are read when compiling.
    struct ModelFile: Sendable {
        var path: String
        /// ``DialogCache/checksum(file:)`` of the file, or of `bytes` once they are read.
        var digest: UInt64
        var bytes: [UInt8]? = nil
    }

    /// Reads the bytes of every model not read yet (their checksums follow the bytes read).
    mutating func readModels() {
        for k in locales.indices {
            guard let m = locales[k].model, m.bytes == nil else { continue }
            guard let bytes = DialogCache.readFile(m.path) else {
                readErrors.append(Diagnostic(.error, file: m.path, line: 0, column: 0, "cannot read the file"))
                locales[k].model = nil
                continue
            }
            locales[k].model = ModelFile(path: m.path, digest: DialogCache.checksum(bytes), bytes: bytes)
        }
    }

    /// The file texts to show `diagnostics` with: `sources`, and the text of a model file
    /// only when a diagnostic is about it.
    func sources(for diagnostics: [Diagnostic]) -> [String: String] {
        var out = sources
        for l in locales {
            guard let m = l.model, diagnostics.contains(where: { $0.file == m.path }),
                  let bytes = m.bytes ?? DialogCache.readFile(m.path) else { continue }
            out[m.path] = String(decoding: bytes, as: UTF8.self)
        }
        return out
    }

    /// Each locale's lexicon files and model (what compiling its safety scan needs).
    var lexicons: [String: DialogCache.LexiconSource] {
        var out: [String: DialogCache.LexiconSource] = [:]
        for l in locales {
            out[l.code] = DialogCache.LexiconSource(files: l.lexiconFiles, model: l.model)
        }
        return out
    }

    static func read(directory: String) -> DialogFiles {
        let fm = FileManager.default
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var out = DialogFiles(directory: directory, base: base)
        func read(_ path: String) -> String? {
            guard let data = fm.contents(atPath: path) else {
                out.readErrors.append(Diagnostic(.error, file: path, line: 0, column: 0, "cannot read the file"))
                return nil
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                out.readErrors.append(Diagnostic(.error, file: path, line: 1, column: 1, "the file is not valid UTF-8",
                                                 hint: "save it as UTF-8 text"))
                return nil
            }
            out.sources[path] = text
            return text
        }
        let resourcesPath = base + "/resources.yaml"
        if fm.fileExists(atPath: resourcesPath), let text = read(resourcesPath) { out.resources = (resourcesPath, text) }
        var isDir: ObjCBool = false
        for code in ((try? fm.contentsOfDirectory(atPath: base)) ?? []).sorted() where !code.hasPrefix(".") {
            let dir = base + "/" + code
            guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else { continue }
            let paths = DialogLoader.yamlFiles(under: dir)
            let localePath = dir + "/locale.yaml"
            var locale = Locale(code: code, directory: dir, settings: nil, files: [], fileCount: paths.count)
            if fm.fileExists(atPath: localePath), let text = read(localePath) { locale.settings = (localePath, text) }
            for path in paths where path != localePath {
                if let text = read(path) { locale.files.append((path, text)) }
            }
            let modelPath = dir + "/lexicon/" + SafetyModelLoader.fileName
            if fm.fileExists(atPath: modelPath) {
                if let digest = DialogCache.checksum(file: modelPath) {
                    locale.model = ModelFile(path: modelPath, digest: digest)
                } else {
                    out.readErrors.append(Diagnostic(.error, file: modelPath, line: 0, column: 0, "cannot read the file"))
                }
            }
            out.locales.append(locale)
        }
        return out
    }
}

/// FNV-1a over file names and contents: a stable fingerprint of the dialogs.
struct Fingerprint {
    var hash: UInt64 = 0xcbf29ce484222325
    mutating func add(_ path: String, _ text: String) { add(path, bytes: text.utf8) }
    mutating func add(_ path: String, bytes: some Sequence<UInt8>) {
        let name = path.split(separator: "/").suffix(2).joined(separator: "/")
        add(bytes: name.utf8)
        add(bytes: bytes)
    }
    mutating func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
    mutating func add(bytes: some Sequence<UInt8>) {
        for byte in bytes { mix(byte) }
        mix(0)
    }
    /// Base 36 keeps it within 15 characters, which Swift stores inline (no allocation per session).
    var hex: String { String(hash, radix: 36) }
}
