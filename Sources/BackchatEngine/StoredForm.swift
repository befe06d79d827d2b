/// The building blocks of Backchat's stored forms (the compiled-dialogs cache): integers
/// as LEB128 (signed ones zig-zag), strings as a byte count and UTF-8, collections as a
/// count and their elements, flat integer tables as raw little-endian memory. Reading
/// checks every count against the bytes left and throws on anything out of place.

/// Why stored bytes could not be read back.
public struct StoredFormError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { "damaged stored form: \(message)" }
}

/// Appends values in the stored form.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func unsigned(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    /// Zig-zag, so small negative numbers stay short.
    public mutating func int(_ v: Int) { unsigned(UInt64(bitPattern: Int64((v << 1) ^ (v >> 63)))) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func flags(_ v: [Bool]) { for f in v { bool(f) } }
    public mutating func double(_ v: Double) {
        let bits = v.bitPattern
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(k)))) }
    }
    public mutating func string(_ s: String) {
        let utf8 = s.utf8
        unsigned(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }
    public mutating func strings(_ list: [String]) { int(list.count); for s in list { string(s) } }
    public mutating func stringSet(_ set: Set<String>) { strings(set.sorted()) }
    public mutating func int32s(_ list: [Int32]) { int(list.count); for v in list { int(Int(v)) } }
    public mutating func ints(_ list: [Int]) { int(list.count); for v in list { int(v) } }
    public mutating func optionalString(_ s: String?) {
        bool(s != nil)
        if let s { string(s) }
    }
    /// Bytes stored whole, such as another stored form.
    public mutating func blob(_ b: [UInt8]) {
        int(b.count)
        bytes += b
    }
    /// A flat array of integers, copied as little-endian memory.
    public mutating func raw<I: FixedWidthInteger>(_ list: [I]) {
        int(list.count)
        for v in list { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    }
}

/// Reads the stored form; every read is checked.
public struct ByteReader: Sendable {
    let bytes: [UInt8]
    var position: Int
    /// Where this reader's stretch ends (a reader may cover one blob inside a larger array).
    let end: Int

    public init(bytes: [UInt8]) { self.init(bytes: bytes, from: 0, to: bytes.count) }

    /// A reader over `bytes[start..<end]`, which must lie within the array.
    public init(bytes: [UInt8], from start: Int, to end: Int) {
        precondition(0 <= start && start <= end && end <= bytes.count, "range outside the bytes")
        self.bytes = bytes; self.position = start; self.end = end
    }

    public var atEnd: Bool { position == end }

    public mutating func byte() throws(StoredFormError) -> UInt8 {
        guard position < end else { throw StoredFormError(message: "unexpected end") }
        defer { position += 1 }
        return bytes[position]
    }

    @inline(__always)
    public mutating func unsigned() throws(StoredFormError) -> UInt64 {
        // Most numbers are one byte.
        if position < end, bytes[position] < 0x80 {
            defer { position += 1 }
            return UInt64(bytes[position])
        }
        return try unsignedLong()
    }

    mutating func unsignedLong() throws(StoredFormError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift <= 63 else { throw StoredFormError(message: "number too long") }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
    }

    @inline(__always)
    public mutating func int() throws(StoredFormError) -> Int {
        let u = try unsigned()
        return Int(Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))))
    }

    public mutating func int32() throws(StoredFormError) -> Int32 {
        guard let v = Int32(exactly: try int()) else { throw StoredFormError(message: "number out of range") }
        return v
    }

    /// A count of things that take at least one byte each: never more than the bytes left.
    public mutating func count() throws(StoredFormError) -> Int {
        let v = try int()
        guard v >= 0, v <= end - position else { throw StoredFormError(message: "count out of range") }
        return v
    }

    public mutating func bool() throws(StoredFormError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw StoredFormError(message: "bad flag")
        }
    }

    public mutating func flags(_ n: Int) throws(StoredFormError) -> [Bool] {
        var out: [Bool] = []
        for _ in 0..<n { out.append(try bool()) }
        return out
    }

    public mutating func double() throws(StoredFormError) -> Double {
        guard end - position >= 8 else { throw StoredFormError(message: "unexpected end") }
        var bits: UInt64 = 0
        for k in 0..<8 { bits |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += 8
        return Double(bitPattern: bits)
    }

    public mutating func string() throws(StoredFormError) -> String {
        let n = try unsigned()
        guard n <= UInt64(end - position) else { throw StoredFormError(message: "string out of range") }
        let stop = position + Int(n)
        // Not validated: stored forms are read back only after their checksum matched, and
        // invalid bytes would only be replaced by U+FFFD, never trusted as anything else.
        let s = String(decoding: bytes[position..<stop], as: UTF8.self)
        position = stop
        return s
    }

    /// A count, then that many elements read by `element`.
    mutating func list<T>(_ element: (inout ByteReader) throws(StoredFormError) -> T) throws(StoredFormError) -> [T] {
        let n = try count()
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try element(&self)) }
        return out
    }

    public mutating func strings() throws(StoredFormError) -> [String] {
        try list { (r: inout ByteReader) throws(StoredFormError) in try r.string() }
    }

    public mutating func stringSet() throws(StoredFormError) -> Set<String> {
        let n = try count()
        var out = Set<String>(minimumCapacity: n)
        for _ in 0..<n { out.insert(try string()) }
        return out
    }

    public mutating func int32s() throws(StoredFormError) -> [Int32] {
        try list { (r: inout ByteReader) throws(StoredFormError) in try r.int32() }
    }

    public mutating func raw<I: FixedWidthInteger>(_ type: I.Type) throws(StoredFormError) -> [I] {
        let n = try int()
        let size = MemoryLayout<I>.size
        guard n >= 0, n <= (end - position) / size else { throw StoredFormError(message: "array out of range") }
        // Straight into uninitialised storage: the model's weights are megabytes.
        var out = [I](unsafeUninitializedCapacity: n) { dst, count in
            bytes.withUnsafeBytes { src in
                UnsafeMutableRawBufferPointer(dst).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[position..<(position + n * size)]))
            }
            count = n
        }
        position += n * size
        #if _endian(big)
        out = out.map { I(littleEndian: $0) }
        #endif
        return out
    }

    public mutating func optionalString() throws(StoredFormError) -> String? {
        try bool() ? try string() : nil
    }

    public mutating func blob() throws(StoredFormError) -> [UInt8] {
        let n = try count()
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }

    /// A reader over the next blob, sharing these bytes (no copy), and this one moved past it.
    public mutating func nested() throws(StoredFormError) -> ByteReader {
        let n = try count()
        defer { position += n }
        return ByteReader(bytes: bytes, from: position, to: position + n)
    }

    public mutating func ints() throws(StoredFormError) -> [Int] {
        try list { (r: inout ByteReader) throws(StoredFormError) in try r.int() }
    }
}
