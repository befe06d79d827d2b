import BackchatEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The thin I/O shell around ``Dispatcher``: reads stdin in chunks, frames lines, writes answers.
///
/// * Input is read with `read(2)` into one buffer and split by ``LineFramer``.
/// * Answers go out with `write(2)`: everything answered from one chunk of input is written
///   before the next `read`, so no answer ever waits for more input (and a large piped
///   stream costs one `write` per chunk, not per line). Nothing else is written to stdout.
/// * End of input: the lines read are answered, then ``run(_:today:)`` returns 0.
/// * A closed stdout (`EPIPE`; `SIGPIPE` is ignored): returns 0 quietly.
/// * `SIGTERM`: the process exits at once with status 0.
public struct StdioServer: Sendable {
    public var input: Int32
    public var output: Int32
    /// Bytes asked of each `read(2)`.
    public var readSize: Int
    /// Answers are written early when this many bytes are waiting.
    public var flushThreshold: Int

    public init(input: Int32 = 0, output: Int32 = 1, readSize: Int = 1 << 16, flushThreshold: Int = 1 << 16) {
        self.input = input; self.output = output
        self.readSize = max(1, readSize); self.flushThreshold = max(1, flushThreshold)
    }

    /// Serves until end of input; returns the process exit status.
    public func run(_ dispatcher: inout Dispatcher, today: () -> CalendarDay?) -> Int32 {
        Self.installSignalHandlers()
        var framer = LineFramer()
        var out: [UInt8] = []
        out.reserveCapacity(flushThreshold * 2)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 16)
        defer { buffer.deallocate() }

        while true {
            let n = read(input, buffer.baseAddress, readSize)
            if n < 0 {
                if errno == EINTR { continue }
                Self.diagnose("cannot read stdin: \(String(cString: strerror(errno)))")
                return 1
            }
            dispatcher.today = today()
            var stop: Int32? = nil
            // Each line is answered from the read buffer and its answer written straight
            // into `out`: no `Data` either way.
            func answer(_ found: LineFramer.Found) {
                guard stop == nil else { return }
                switch found {
                case .line(let line):
                    guard dispatcher.respond(toLine: line, into: &out) else { return }
                case .tooLong:
                    dispatcher.appendLineTooLongResponse(to: &out)
                }
                out.append(0x0A)
                if out.count >= flushThreshold { stop = flush(&out) }
            }
            if n == 0 {
                framer.finish(answer)
            } else {
                framer.forEachLine(in: UnsafeRawBufferPointer(rebasing: buffer[0..<n]), answer)
            }
            if let stop { return stop }
            if let status = flush(&out) { return status }
            if n == 0 { return 0 }
        }
    }

    /// Writes all of `out`. Returns an exit status when the server must stop.
    private func flush(_ out: inout [UInt8]) -> Int32? {
        guard !out.isEmpty else { return nil }
        let failure: Int32? = out.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(output, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if n >= 0 { offset += n; continue }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK:
                    var p = pollfd(fd: output, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, -1)
                case EPIPE:
                    return 0   // the host stopped reading: nothing left to do
                default:
                    Self.diagnose("cannot write stdout: \(String(cString: strerror(errno)))")
                    return 1
                }
            }
            return nil
        }
        out.removeAll(keepingCapacity: true)
        return failure
    }

    private static func diagnose(_ text: String) {
        let line = "backchat serve: \(text)\n"
        _ = line.utf8.withContiguousStorageIfAvailable { write(2, $0.baseAddress, $0.count) }
    }

    private static func installSignalHandlers() {
        // A host that closes our stdout must not kill us with SIGPIPE: write reports EPIPE instead.
        _ = signal(SIGPIPE, SIG_IGN)
        // Exit at once: nothing is buffered that a terminating host could still use.
        _ = signal(SIGTERM) { _ in _exit(0) }
        // A parent may have spawned us with SIGTERM blocked (some runtimes block it in their
        // worker threads, and the mask is inherited); the promise to stop at once needs it open.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        _ = pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
