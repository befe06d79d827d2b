import ArgumentParser
import BackchatEngine
import BackchatStore
import Foundation

/// `--store PATH`, shared by the commands that use the conversation store, and how it is opened.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The conversation store (default: $XDG_DATA_HOME/backchat/backchat.sqlite, else ~/.local/share/backchat/backchat.sqlite).",
        valueName: "PATH"))
    var store: String?

    /// Where the store is for this environment; exits 2 when there is no home to put it in.
    func location(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreLocation {
        do {
            return try StoreLocation.resolve(override: store, environment: environment,
                                             currentDirectory: FileManager.default.currentDirectoryPath)
        } catch {
            Stderr.write("backchat: \(error)")
            throw ExitCode(2)
        }
    }

    /// Opens the store (creating it if needed). A damaged store moved aside is reported on stderr
    /// and a fresh one returned; a store that cannot be used at all is reported and exits 1.
    func open() throws -> ConversationStore {
        try Self.open(try location(), failure: 1)
    }

    /// Opens the store at `location`; a damaged file moved aside is reported, and a store that
    /// cannot be used is reported on stderr and ends the command with `failure`.
    static func open(_ location: StoreLocation, failure: Int32) throws -> ConversationStore {
        do {
            let store = try ConversationStore(location: location, now: Clock.now())
            if let recovery = store.recovery { Stderr.write("backchat: \(recovery)") }
            return store
        } catch {
            Stderr.write("backchat: \(error)")
            throw ExitCode(failure)
        }
    }
}

extension Clock {
    /// Now: `BACKCHAT_NOW` (ISO 8601) when set, so tests can move the clock; else the system clock (UTC).
    static func now() -> Timestamp {
        if let now = ProcessInfo.processInfo.environment["BACKCHAT_NOW"], let time = Timestamp(iso: now) { return time }
        return Timestamp(secondsSince1970: Int64(Date().timeIntervalSince1970))
    }
}
