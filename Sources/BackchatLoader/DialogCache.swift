import BackchatEngine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the outcome of loading a dialogs directory — the checked script, or the
/// diagnostics — so the next start of the same build on the same files skips parsing
/// and compiling (most of start-up: see docs/performance.md).
///
/// An entry is used only when its key matches, and the key covers everything the outcome
/// depends on: the cache format, this executable (path, size, modification time and inode,
/// so any rebuild misses), the directory as named, and the name and bytes of every file
/// read. The payload carries a checksum; an entry that is damaged, truncated or from
/// another build is ignored and replaced. Writing is atomic (a temporary file renamed),
/// and a cache that cannot be written is simply not used.
public struct DialogCache: Sendable {
    /// A locale's lexicon files and backstop model, as read.
    struct LexiconSource: Sendable {
        var files: [(path: String, text: String)]
        var model: DialogFiles.ModelFile?
    }

    /// The cached outcome of one load.
    struct Entry {
        var script: Script?
        var diagnostics: [Diagnostic]

        var bytes: [UInt8] {
            var w = ByteWriter()
            w.bool(script != nil)
            if let script { w.blob(script.storedForm()) }
            w.int(diagnostics.count)
            for d in diagnostics {
                w.bool(d.severity == .error)
                w.string(d.file); w.int(d.line); w.int(d.column); w.string(d.message); w.optionalString(d.hint)
            }
            return w.bytes
        }

        init(script: Script?, diagnostics: [Diagnostic]) {
            self.script = script; self.diagnostics = diagnostics
        }

        /// - Parameter lexicons: each locale's lexicon files and model, to compile from if a
        ///   detector read back on another thread (``PreparedDetector``) turns out damaged.
        init(reading r: inout ByteReader, lexicons: [String: LexiconSource] = [:]) throws(StoredFormError) {
            script = nil
            if try r.bool() {
                var blob = try r.nested()
                // The detector is most of the entry: it is read on another core while start-up goes on.
                script = try Script(reading: &blob) { (code: String, stored: ByteReader) throws(StoredFormError) -> any SafetyScanning in
                    let source = lexicons[code]
                    return PreparedDetector(stored: stored) {
                        guard let source else { return nil }
                        let model = source.model.flatMap { m in (m.bytes ?? DialogCache.readFile(m.path)).map { (m.path, $0) } }
                        return SafetyLexiconLoader.load(files: source.files, model: model).0 as? SafetyDetector
                    }
                }
            }
            diagnostics = []
            for _ in 0..<(try r.count()) {
                let severity: Diagnostic.Severity = try r.bool() ? .error : .warning
                diagnostics.append(Diagnostic(severity, file: try r.string(), line: try r.int(), column: try r.int(),
                                              try r.string(), hint: try r.optionalString()))
            }
            guard r.atEnd else { throw StoredFormError(message: "bytes left over") }
        }
    }

    /// Where entries are kept: one file per dialogs directory.
    public var folder: String

    public init(folder: String) { self.folder = folder }

    /// `$BACKCHAT_CACHE_DIR`, else `$XDG_CACHE_HOME/backchat`, else `~/.cache/backchat`;
    /// `nil` when `BACKCHAT_NO_CACHE` is set to anything but empty or `0`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> DialogCache? {
        if let off = environment["BACKCHAT_NO_CACHE"], !off.isEmpty, off != "0" { return nil }
        if let dir = environment["BACKCHAT_CACHE_DIR"], !dir.isEmpty { return DialogCache(folder: dir) }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return DialogCache(folder: xdg + "/backchat") }
        if let home = environment["HOME"], !home.isEmpty { return DialogCache(folder: home + "/.cache/backchat") }
        return nil
    }

    static let magic: [UInt8] = Array("BCDC".utf8)
    /// Bump when the stored form changes in a way the executable identity would not catch.
    static let formatVersion: UInt32 = 4

    // MARK: - Key

    func key(for files: DialogFiles) -> UInt64 {
        var h = Fingerprint()
        h.add(bytes: withUnsafeBytes(of: Self.formatVersion.littleEndian) { Array($0) })
        h.add(bytes: Self.executableIdentity.utf8)
        h.add(bytes: files.directory.utf8)
        var paths: [String] = []
        if let r = files.resources { paths.append(r.path) }
        for locale in files.locales {
            h.add(bytes: "locale \(locale.code) \(locale.fileCount)".utf8)
            if let s = locale.settings { paths.append(s.path) }
            paths += locale.files.map(\.path)
        }
        var content: UInt64 = 0
        for path in paths {
            h.add(bytes: path.utf8)
            var text = files.sources[path] ?? ""
            text.withUTF8 { content = Self.checksum($0, seed: content) }
        }
        for locale in files.locales {
            guard let m = locale.model else { continue }
            h.add(bytes: m.path.utf8)
            h.add(bytes: withUnsafeBytes(of: m.digest.littleEndian) { Array($0) })
        }
        h.add(bytes: withUnsafeBytes(of: content.littleEndian) { Array($0) })
        return h.hash
    }

    /// The running executable, as `path size mtime inode`: changes whenever it is rebuilt.
    static let executableIdentity: String = {
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return "unknown \(ProcessInfo.processInfo.processIdentifier)" }
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return "\(path) \(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_ino)"
    }()

    /// The entry file for `directory` (by its absolute path, so two checkouts don't evict each other).
    func path(for directory: String) -> String {
        let absolute = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        var h = Fingerprint()
        h.add(bytes: absolute.utf8)
        return folder + "/dialogs-" + String(h.hash, radix: 36) + ".bin"
    }

    // MARK: - Reading and writing

    /// The entry for `directory` when it exists, is intact and has `key`.
    func read(directory: String, key: UInt64, lexicons: [String: LexiconSource] = [:]) -> Entry? {
        guard let bytes = Self.readFile(path(for: directory)) else { return nil }
        return Self.decode(bytes, key: key, lexicons: lexicons)
    }

    static func decode(_ bytes: [UInt8], key: UInt64, lexicons: [String: LexiconSource] = [:]) -> Entry? {
        let header = magic.count + 4 + 8 + 8 + 8
        guard bytes.count >= header, Array(bytes[0..<magic.count]) == magic else { return nil }
        func word<I: FixedWidthInteger>(_ at: Int, _ type: I.Type) -> I {
            var v: I = 0
            for k in 0..<MemoryLayout<I>.size { v |= I(bytes[at + k]) << (8 * k) }
            return v
        }
        let at = magic.count
        guard word(at, UInt32.self) == formatVersion, word(at + 4, UInt64.self) == key,
              word(at + 12, UInt64.self) == UInt64(bytes.count - header) else { return nil }
        let sum = bytes.withUnsafeBufferPointer { checksum(UnsafeBufferPointer(rebasing: $0[header...]), seed: 0) }
        guard sum == word(at + 20, UInt64.self) else { return nil }
        var r = ByteReader(bytes: bytes, from: header, to: bytes.count)
        return try? Entry(reading: &r, lexicons: lexicons)
    }

    static func encode(_ entry: Entry, key: UInt64) -> [UInt8]? {
        // Only the shipped detector has a stored form; a script with another scanner is not cached.
        if let script = entry.script,
           script.locales.values.contains(where: { !($0.safety.scanner is SafetyDetector || $0.safety.scanner is NoSafetyScan) }) {
            return nil
        }
        let payload = entry.bytes
        var out = magic
        func put<I: FixedWidthInteger>(_ v: I) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        put(formatVersion)
        put(key)
        put(UInt64(payload.count))
        put(checksum(payload))
        out += payload
        return out
    }

    /// The whole file, read straight into one array (the entry is megabytes: no extra copies).
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0, st.st_size < 1 << 30 else { return nil }
        let size = Int(st.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var done = 0
            while done < size {
                let n = Glibc.read(fd, buffer.baseAddress.map { $0 + done }, size - done)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; failed = true; break }
                done += n
            }
            count = done
        }
        return failed || bytes.count != size ? nil : bytes
    }

    /// Stores `entry`; failures (read-only home, full disk) leave the cache unused, never the load broken.
    func write(_ entry: Entry, directory: String, key: UInt64) {
        guard let bytes = Self.encode(entry, key: key) else { return }
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o700])
            try Data(bytes).write(to: URL(fileURLWithPath: path(for: directory)), options: .atomic)
        } catch {
            return
        }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { checksum($0, seed: 0) }
    }

    static func checksum(_ buffer: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        var c = Checksum(seed: seed)
        c.add(UnsafeRawBufferPointer(buffer))
        return c.value
    }

    /// The checksum of the file at `path`, read in pieces into one small buffer (the model
    /// is megabytes: no array of its size, no copy of it kept); `nil` when it cannot be read.
    static func checksum(file path: String) -> UInt64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let size = 1 << 16
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        var c = Checksum(seed: 0)
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, size)
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return c.value }
            c.add(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }
}

/// FNV-1a over 8-byte words, with a shift to mix high bits down: fast, and enough to notice a
/// damaged file or a changed one. Four lanes take every fourth word, so the multiplies do not
/// wait on each other (the entry and the model are megabytes, read at every start); bytes may
/// come in pieces of any size, and give the same value as all at once.
struct Checksum {
    private static let prime: UInt64 = 0x100000001b3
    private var lanes: (UInt64, UInt64, UInt64, UInt64)
    /// Bytes not yet taken by the lanes (fewer than 32).
    private var pending: [UInt8] = []
    private var count: UInt64 = 0

    init(seed: UInt64) {
        let basis: UInt64 = 0xcbf29ce484222325 ^ seed
        lanes = (basis, basis ^ 1, basis ^ 2, basis ^ 3)
        pending.reserveCapacity(32)
    }

    @inline(__always) private static func step(_ h: UInt64, _ word: UInt64) -> UInt64 {
        let m = (h ^ word) &* prime
        return m ^ (m >> 29) // a multiply only carries changes upwards; this carries them back down
    }

    mutating func add(_ raw: UnsafeRawBufferPointer) {
        count &+= UInt64(raw.count)
        var i = 0
        if !pending.isEmpty {
            let take = min(32 - pending.count, raw.count)
            pending += raw[0..<take]
            i = take
            guard pending.count == 32 else { return }
            pending.withUnsafeBytes { block(UnsafeRawBufferPointer($0), at: 0) }
            pending.removeAll(keepingCapacity: true)
        }
        while i + 32 <= raw.count {
            block(raw, at: i)
            i += 32
        }
        pending += raw[i...]
    }

    @inline(__always) private mutating func block(_ raw: UnsafeRawBufferPointer, at i: Int) {
        lanes.0 = Self.step(lanes.0, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
        lanes.1 = Self.step(lanes.1, raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
        lanes.2 = Self.step(lanes.2, raw.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))
        lanes.3 = Self.step(lanes.3, raw.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))
    }

    var value: UInt64 {
        var h = Self.step(Self.step(Self.step(lanes.0, lanes.1), lanes.2), lanes.3)
        var i = 0
        while i + 8 <= pending.count {
            h = Self.step(h, pending.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i, as: UInt64.self) })
            i += 8
        }
        while i < pending.count { h = (h ^ UInt64(pending[i])) &* Self.prime; i += 1 }
        return (h ^ count) &* Self.prime
    }
}
