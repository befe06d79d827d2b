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

    public static func load(directory: String) -> Result {
        var diagnostics: [Diagnostic] = []
        var sources: [String: String] = [:]
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            return Result(script: nil, diagnostics: [Diagnostic(.error, file: directory, line: 0, column: 0,
                                                                "no dialogs directory here",
                                                                hint: "pass --dialogs DIR or set BACKCHAT_DIALOGS")],
                          sources: [:])
        }
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        func read(_ path: String) -> String? {
            guard let data = fm.contents(atPath: path) else {
                diagnostics.append(Diagnostic(.error, file: path, line: 0, column: 0, "cannot read the file"))
                return nil
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                diagnostics.append(Diagnostic(.error, file: path, line: 1, column: 1, "the file is not valid UTF-8",
                                              hint: "save it as UTF-8 text"))
                return nil
            }
            sources[path] = text
            return text
        }
        var fingerprint = Fingerprint()

        // Resources.
        var resources = ResourceTable.empty
        let resourcesPath = base + "/resources.yaml"
        if fm.fileExists(atPath: resourcesPath), let text = read(resourcesPath) {
            fingerprint.add(resourcesPath, text)
            var reader = YAMLReader(file: resourcesPath)
            if let table = ResourceParser.parse(text, reader: &reader) { resources = table }
            diagnostics += reader.diagnostics
        }

        // Locales.
        let entries = ((try? fm.contentsOfDirectory(atPath: base)) ?? []).sorted()
        var locales: [String: LocaleScript] = [:]
        for code in entries where !code.hasPrefix(".") {
            let dir = base + "/" + code
            guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else { continue }
            let files = yamlFiles(under: dir)
            var settings = LocaleSettings()
            let localePath = dir + "/locale.yaml"
            if fm.fileExists(atPath: localePath), let text = read(localePath) {
                fingerprint.add(localePath, text)
                var reader = YAMLReader(file: localePath)
                settings = LocaleParser.parse(text, reader: &reader)
                diagnostics += reader.diagnostics
            }
            var rawFlows: [RawFlow] = []
            var lexiconFiles: [(path: String, text: String)] = []
            for path in files where path != localePath {
                guard let text = read(path) else { continue }
                fingerprint.add(path, text)
                if path.hasPrefix(dir + "/lexicon/") {
                    lexiconFiles.append((path, text))
                    continue
                }
                var parser = FlowParser(file: path)
                if let flow = parser.parse(text) { rawFlows.append(flow) }
                diagnostics += parser.reader.diagnostics
            }
            if rawFlows.isEmpty && files.isEmpty { continue }
            // Every flow file failed to parse: those errors say it all.
            if rawFlows.isEmpty && diagnostics.contains(where: { $0.severity == .error && $0.file.hasPrefix(dir + "/") }) { continue }
            var builder = ScriptBuilder(code: code, raw: rawFlows, entry: settings.entry, commands: settings.commands,
                                        localeFile: fm.fileExists(atPath: localePath) ? localePath : dir)
            builder.inputs = Set(settings.inputs)
            builder.starts = settings.starts
            let built = builder.build()
            diagnostics += builder.diagnostics
            var style = StyleChecker(flows: rawFlows, inputs: Set(settings.inputs))
            diagnostics += style.check()
            // The crisis backstop model is data like the lexicon: it changes what the scan finds.
            let modelPath = dir + "/lexicon/" + SafetyModelLoader.fileName
            var model: (path: String, text: String)? = nil
            if !lexiconFiles.isEmpty, fm.fileExists(atPath: modelPath), let text = read(modelPath) {
                fingerprint.add(modelPath, text)
                model = (modelPath, text)
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
            diagnostics.append(Diagnostic(.error, file: directory, line: 0, column: 0, "no dialogs found",
                                          hint: "put flows in \(base)/<locale>/*.yaml, e.g. \(base)/en/welcome.yaml"))
        }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        let defaultLocale = locales["en"] != nil ? "en" : (locales.keys.sorted().first ?? "en")
        let script = hasErrors ? nil : Script(locales: locales, defaultLocale: defaultLocale,
                                              version: fingerprint.hex, resources: resources)
        return Result(script: script, diagnostics: diagnostics, sources: sources)
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

/// FNV-1a over file names and contents: a stable fingerprint of the dialogs.
struct Fingerprint {
    var hash: UInt64 = 0xcbf29ce484222325
    mutating func add(_ path: String, _ text: String) {
        let name = path.split(separator: "/").suffix(2).joined(separator: "/")
        for byte in name.utf8 { mix(byte) }
        mix(0)
        for byte in text.utf8 { mix(byte) }
        mix(0)
    }
    mutating func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
    /// Base 36 keeps it within 15 characters, which Swift stores inline (no allocation per session).
    var hex: String { String(hash, radix: 36) }
}
