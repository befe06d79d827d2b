import ArgumentParser
import BackchatEngine
import BackchatProtocol
import BackchatStore
import Foundation

/// `backchat serve`: hosts conversations for another program over stdin/stdout.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Host conversations for another program: JSON-RPC 2.0, one message per line on stdin/stdout.",
        discussion: """
            Reads requests from stdin and writes one answer line per request to stdout; \
            diagnostics go to stderr. Methods: session.start, session.say, session.end, \
            session.export, session.import, server.info. Lines may be up to 1 MiB. \
            End of input ends the server (exit 0). With --store, live sessions are saved \
            after every turn and a restarted server continues them. The protocol is \
            specified in docs/protocol.md.
            """)

    @OptionGroup var options: DialogOptions

    @Option(name: .long, help: ArgumentHelp(
        "Save live sessions in this conversation store, and continue the ones saved there (default: keep sessions in memory only).",
        valueName: "PATH"))
    var store: String?

    func run() throws {
        let script = try options.loadScript()
        var dispatcher = Dispatcher(engine: Engine(script: script), serverVersion: Backchat.version)
        if let store { try Self.persist(&dispatcher, in: openStore(store)) }
        let status = StdioServer().run(&dispatcher, today: Clock.today)
        if status != 0 { throw ExitCode(status) }
    }

    /// Opens `--store PATH`; a store that cannot be used is reported on stderr and exits 2.
    private func openStore(_ path: String) throws -> ConversationStore {
        guard !path.isEmpty else {
            Stderr.write("backchat: --store needs a path to the conversation store")
            throw ExitCode(2)
        }
        return try StoreOptions.open(StoreLocation(path: path, currentDirectory: FileManager.default.currentDirectoryPath), failure: 2)
    }

    /// Restores the store's live (not ended) sessions into the dispatcher and saves every
    /// change from now on. A session that cannot be read is reported and skipped; a failed
    /// save is reported on stderr and the server goes on.
    static func persist(_ dispatcher: inout Dispatcher, in store: ConversationStore) throws {
        let ids: [String]
        do {
            ids = try store.allSessionIDs(includingEnded: false)
        } catch {
            Stderr.write("backchat: \(error)")
            throw ExitCode(2)
        }
        for id in ids {
            do {
                if let saved = try store.session(id: id) { dispatcher.restore(id, saved.state) }
            } catch {
                Stderr.write("backchat: session \"\(id)\" is not restored: \(error)")
            }
        }
        dispatcher.onSessionChange = { id, state in
            do {
                if let state {
                    try store.save(sessionID: id, state: state, at: Clock.now())
                } else {
                    try store.deleteSession(id: id)
                }
            } catch {
                Stderr.write("backchat: session \"\(id)\" is not saved: \(error)")
            }
        }
    }
}
