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
    /// The finished detector, held by reference so a scan borrows it instead of copying it.
    private final class Finished: Sendable {
        let detector: SafetyDetector
        init(_ detector: SafetyDetector) { self.detector = detector }
    }

    private let lock = NSLock()
    private let ready = DispatchGroup()
    // Written by the reading thread before `ready` is left (or by the fallback, under the
    // lock); read under the lock after waiting on `ready`.
    private var finished: Finished?
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
            lock.withLock { finished = d.map(Finished.init) }
            ready.leave()
        }
    }

    private var detectorBox: Finished {
        ready.wait()
        return lock.withLock {
            if let finished { return finished }
            // Fall back to compiling. These files compiled when the entry was written and the
            // cache key proves they are unchanged, so this cannot fail; if it somehow did,
            // stopping is safer than scanning with nothing.
            guard let built = compile() else {
                preconditionFailure("the safety lexicon could neither be read back nor compiled")
            }
            let box = Finished(built)
            finished = box
            return box
        }
    }

    var safetyDetector: SafetyDetector { detectorBox.detector }

    func scan(_ text: String) -> Detection? { detectorBox.detector.scan(text) }
}
