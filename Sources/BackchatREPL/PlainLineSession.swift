import CReadline

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Piped use: plain lines in, a clean transcript out. No line editor, no echo of the
/// terminal kind, no history, and never an escape code unless stdout is a colour terminal.
/// Ends with status 0 at the end of input.
struct PlainLineSession {
    var machine: ChatMachine

    func run() -> Int32 {
        var machine = self.machine
        if let status = perform(machine.start()) { return status }
        while let line = readLine(strippingNewline: true) {
            if let status = perform(machine.handle(.line(line))) { return status }
        }
        return perform(machine.handle(.endOfInput)) ?? 0
    }

    private func perform(_ actions: [ChatMachine.Action]) -> Int32? {
        for action in actions {
            switch action {
            case .show(let text), .echo(let text), .notice(let text):
                let out = backchat_stdout()
                fputs(text + "\n", out)
                fflush(out)
            case .remember, .clearScreen:
                break
            case .exit(let status):
                return status
            }
        }
        return nil
    }
}
