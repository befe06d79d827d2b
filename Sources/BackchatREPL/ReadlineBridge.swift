import CReadline
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The little state readline's C callbacks need. They cannot capture context, so it
/// lives here, behind mutexes (they run on the main thread, but Swift 6 cannot know that).
enum ReadlineBridge {
    /// What the line handler received.
    enum LineEvent: Sendable, Equatable {
        case line(String)
        case endOfInput
    }

    /// The candidates Tab completes from; replaced after every turn.
    static let completions = Mutex(Completions())
    /// A line (or end of input) that readline finished and the loop has not taken yet.
    static let pending = Mutex<LineEvent?>(nil)

    static func takePending() -> LineEvent? {
        pending.withLock { event in
            defer { event = nil }
            return event
        }
    }
}

/// readline's line handler: keeps the line for the loop and takes the prompt down, so the
/// answer is printed before the next prompt (readline would otherwise redraw it at once).
func backchatLineHandler(_ line: UnsafeMutablePointer<CChar>?) {
    let event: ReadlineBridge.LineEvent
    if let line {
        event = .line(String(cString: line))
        free(line)
    } else {
        event = .endOfInput
    }
    ReadlineBridge.pending.withLock { $0 = event }
    rl_callback_handler_remove()
}

/// readline's completion callback. The word-break set is empty, so `text` is the whole
/// line up to the cursor. Returns a `malloc`ed, NULL-terminated array whose first entry
/// replaces the text (readline frees it all), or NULL when nothing matches.
func backchatComplete(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    backchat_rl_completion_only_ours()
    let typed = text.map { String(cString: $0) } ?? ""
    let completions = ReadlineBridge.completions.withLock { $0 }
    let found = completions.matches(for: typed)
    guard let replacement = completions.replacement(for: typed), !found.isEmpty else { return nil }
    let entries = found.count == 1 ? [replacement] : [replacement] + found
    guard let array = malloc((entries.count + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)?
        .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: entries.count + 1) else { return nil }
    for (i, entry) in entries.enumerated() { array[i] = strdup(entry) }
    array[entries.count] = nil
    return array
}
