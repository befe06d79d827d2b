import ArgumentParser
import BackchatEngine
import BackchatProtocol

/// `backchat serve`: hosts conversations for another program over stdin/stdout.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Host conversations for another program: JSON-RPC 2.0, one message per line on stdin/stdout.",
        discussion: """
            Reads requests from stdin and writes one answer line per request to stdout; \
            diagnostics go to stderr. Methods: session.start, session.say, session.end, \
            session.export, session.import, server.info. Lines may be up to 1 MiB. \
            End of input ends the server (exit 0). The protocol is specified in docs/protocol.md.
            """)

    @OptionGroup var options: DialogOptions

    func run() throws {
        let script = try options.loadScript()
        var dispatcher = Dispatcher(engine: Engine(script: script), serverVersion: Backchat.version)
        let status = StdioServer().run(&dispatcher, today: Clock.today)
        if status != 0 { throw ExitCode(status) }
    }
}
