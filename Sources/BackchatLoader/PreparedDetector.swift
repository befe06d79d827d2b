import BackchatEngine
import Dispatch
import Foundation

/// A safety detector being read back from the compiled-dialogs cache on another core while
/// start-up goes on: the first prompt does not wait for the 33,000-node automaton, and the
/// first scan waits only for whatever of it is left (none, at human speed).
///
/// Every scan goes through the finished detector; none is ever skipped. If reading back
/// fails — the cache entry passed its checksum, so this would be a defect — the lexicon is
/// compiled from its files instead, exactly as without a cache.
final class PreparedDetector: SafetyDetectorProviding, @unchecked Sendable {
    private let lock = NSLock()
    private let ready = DispatchGroup()
    // Written once by the reading thread before `ready` is left; read after waiting on it.
    private var detector: SafetyDetector?
    private let compile: @Sendable () -> SafetyDetector?

    /// - Parameters:
    ///   - stored: the detector's stored form.
    ///   - compile: builds it from the lexicon files, if reading back fails.
    init(stored: ByteReader, compile: @escaping @Sendable () -> SafetyDetector?) {
        self.compile = compile
        ready.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            var r = stored
            let d = try? SafetyDetector(reading: &r)
            lock.withLock { detector = d }
            ready.leave()
        }
    }

    var safetyDetector: SafetyDetector {
        ready.wait()
        return lock.withLock {
            if let detector { return detector }
            // Fall back to compiling. These files compiled when the entry was written and the
            // cache key proves they are unchanged, so this cannot fail; if it somehow did,
            // stopping is safer than scanning with nothing.
            guard let built = compile() else {
                preconditionFailure("the safety lexicon could neither be read back nor compiled")
            }
            detector = built
            return built
        }
    }

    func scan(_ text: String) -> Detection? { safetyDetector.scan(text) }
}
