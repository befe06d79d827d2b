#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Splits a byte stream into lines: the framing half of the protocol, with no I/O.
///
/// Lines end with `\n`; a `\r` before it is dropped. Empty lines are skipped. A line longer
/// than ``maxLineBytes`` is reported once, as soon as it is known to be too long, and the
/// rest of it is dropped as it arrives: at most `maxLineBytes + 1` bytes are ever held.
/// A last line without `\n` counts as a line at ``finish(into:)`` (end of input).
public struct LineFramer: Sendable {
    /// What the framer found in the bytes it was fed.
    public enum Event: Sendable, Hashable {
        /// A whole line, without its line break.
        case line(Data)
        /// A line longer than the limit; its bytes were dropped.
        case tooLong

        init(_ found: Found) {
            switch found {
            case .line(let bytes): self = .line(Data(bytes))
            case .tooLong: self = .tooLong
            }
        }
    }

    public let maxLineBytes: Int
    /// The start of a line whose end has not arrived yet.
    private var pending: [UInt8] = []
    /// Inside an over-long line that was already reported: drop bytes up to the next `\n`.
    private var discarding = false

    public init(maxLineBytes: Int = ProtocolConstants.maxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// How many bytes of an unfinished line are held (never more than `maxLineBytes + 1`).
    public var bufferedByteCount: Int { pending.count }

    /// What ``forEachLine(in:_:)`` hands over: a line's bytes, valid only during the call.
    public enum Found {
        /// A whole line, without its line break; the bytes are only valid inside the call.
        case line(UnsafeRawBufferPointer)
        /// A line longer than the limit; its bytes were dropped.
        case tooLong
    }

    /// Feeds one chunk; appends what it completes to `events`.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, into events: inout [Event]) {
        forEachLine(in: chunk) { events.append(Event($0)) }
    }

    /// Feeds one chunk and hands each line it completes to `body` as bytes, in order, with
    /// no copy for a line that lies whole in the chunk (the server's hot path).
    public mutating func forEachLine(in chunk: UnsafeRawBufferPointer, _ body: (Found) -> Void) {
        let count = chunk.count
        var start = 0
        while start < count {
            guard let newline = Self.firstNewline(in: chunk, from: start) else {
                accumulate(UnsafeRawBufferPointer(rebasing: chunk[start..<count]), body)
                return
            }
            if discarding {
                discarding = false
            } else if pending.isEmpty {
                emit(UnsafeRawBufferPointer(rebasing: chunk[start..<newline]), body)
            } else {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[start..<newline]))
                pending.withUnsafeBytes { emit($0, body) }
                pending.removeAll(keepingCapacity: pending.capacity <= 1 << 16)
            }
            start = newline + 1
        }
    }

    /// Ends the input: a last line without a line break is still a line.
    public mutating func finish(into events: inout [Event]) {
        finish { events.append(Event($0)) }
    }

    /// Ends the input, handing a last line without a line break to `body`.
    public mutating func finish(_ body: (Found) -> Void) {
        if !discarding, !pending.isEmpty {
            pending.withUnsafeBytes { emit($0, body) }
        }
        pending = []
        discarding = false
    }

    /// Convenience for tests: feeds bytes and returns the events.
    public mutating func feed(_ bytes: [UInt8]) -> [Event] {
        var events: [Event] = []
        bytes.withUnsafeBytes { feed($0, into: &events) }
        return events
    }

    /// Convenience for tests: ends the input and returns the events.
    public mutating func finish() -> [Event] {
        var events: [Event] = []
        finish(into: &events)
        return events
    }

    // MARK: - Internals

    /// Keeps the bytes of an unfinished line, unless that makes it too long.
    private mutating func accumulate(_ bytes: UnsafeRawBufferPointer, _ body: (Found) -> Void) {
        guard !discarding else { return }
        // One byte of slack for a `\r` that the line break will drop.
        if pending.count + bytes.count > maxLineBytes + 1 {
            body(.tooLong)
            pending = []
            discarding = true
            return
        }
        pending.append(contentsOf: bytes)
    }

    /// A complete line: drop a trailing `\r`, skip it if empty, check its length.
    private func emit(_ raw: UnsafeRawBufferPointer, _ body: (Found) -> Void) {
        var end = raw.count
        if end > 0, raw[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end == 0 { return }
        if end > maxLineBytes { body(.tooLong); return }
        body(.line(UnsafeRawBufferPointer(rebasing: raw[0..<end])))
    }

    private static func firstNewline(in chunk: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var i = start
        let count = chunk.count
        while i < count {
            if chunk[i] == 0x0A { return i }
            i += 1
        }
        return nil
    }
}
