import ArgumentParser
import BackchatEngine
import BackchatLoader
import Foundation

/// `--dialogs DIR`, shared by every subcommand, and how the default is found.
struct DialogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The dialogs directory (default: $BACKCHAT_DIALOGS, or the Dialogs/ shipped with backchat).", valueName: "DIR"))
    var dialogs: String?

    @Flag(name: .long, help: "Compile the dialogs afresh, without reading or writing the compiled copy kept in the cache folder ($BACKCHAT_NO_CACHE=1 does the same).")
    var noCache = false

    /// The compiled-dialogs cache to use, if any.
    var cache: DialogCache? { noCache ? nil : DialogCache.standard() }

    /// Loads the dialogs, through the cache unless it is turned off.
    ///
    /// The result is never freed: it lives until the process exits anyway, and freeing its
    /// hundreds of thousands of small allocations one by one on the way out cost about
    /// 40 million instructions (4 ms) of every start-to-exit run such as `lint`.
    func load() -> DialogLoader.Result {
        let result = DialogLoader.load(directory: directory, cache: cache)
        _ = Unmanaged.passRetained(KeptUntilExit(result))
        return result
    }

    /// The directory to load: the option, then `BACKCHAT_DIALOGS`, then the installed copy.
    var directory: String {
        if let dialogs { return dialogs }
        if let env = ProcessInfo.processInfo.environment["BACKCHAT_DIALOGS"], !env.isEmpty { return env }
        return DialogOptions.shippedDialogs() ?? "Dialogs"
    }

    /// `Dialogs/` next to the executable or above it (a build tree), else the source tree it was built from.
    static func shippedDialogs() -> String? {
        let fm = FileManager.default
        var candidates: [String] = []
        let exe = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = (exe as NSString).deletingLastPathComponent
        for _ in 0..<5 {
            candidates.append(dir + "/Dialogs")
            candidates.append(dir + "/share/backchat/Dialogs")
            dir = (dir as NSString).deletingLastPathComponent
        }
        // The source tree this binary was built from.
        let source = ((#filePath as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        candidates.append((source as NSString).deletingLastPathComponent + "/Dialogs")
        var isDir: ObjCBool = false
        return candidates.first { fm.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue }
    }

    /// Loads and checks the dialogs; on errors prints them and exits 2.
    func loadScript(quietWarnings: Bool = true) throws -> Script {
        let result = load()
        guard let script = result.script else {
            Stderr.write(result.renderer.render(result.diagnostics))
            Stderr.write("backchat: the dialogs in \(directory) have errors; run 'backchat lint' for details")
            throw ExitCode(2)
        }
        if !quietWarnings, !result.warnings.isEmpty { Stderr.write(result.renderer.render(result.warnings)) }
        return script
    }
}

/// Holds a value for the rest of the process (see ``DialogOptions/load()``).
final class KeptUntilExit: Sendable {
    let value: DialogLoader.Result
    init(_ value: DialogLoader.Result) { self.value = value }
}

enum Stderr {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}

/// Today's date: `BACKCHAT_NOW` (ISO 8601) when set, so tests can move the clock; else the system clock.
enum Clock {
    static func today() -> CalendarDay? {
        if let now = ProcessInfo.processInfo.environment["BACKCHAT_NOW"], let day = CalendarDay(iso: now) { return day }
        let seconds = Int(Date().timeIntervalSince1970)
        return CalendarDay(ordinal: seconds / 86400)
    }
}
