/// Strict UTF-8 validation of raw line bytes (no overlong forms, no surrogates, nothing past U+10FFFF).
///
/// Checked before decoding so that a bad line gets an answer that says "UTF-8" rather than
/// a vague "not JSON". Runs of ASCII are skipped eight bytes at a time.
enum UTF8Check {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var i = 0
        while i < count {
            // Fast path: eight ASCII bytes at once.
            if i + 8 <= count, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let need: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; upper = 0x9F
            case 0xF0: need = 3; lower = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; upper = 0x8F
            default: return false
            }
            guard i + need < count else { return false }
            let b1 = bytes[i + 1]
            guard b1 >= lower, b1 <= upper else { return false }
            var k = 2
            while k <= need {
                guard bytes[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += need + 1
        }
        return true
    }

    static func isValid(_ bytes: some Sequence<UInt8>) -> Bool {
        let array = Array(bytes)
        return array.withUnsafeBytes { isValid($0) }
    }
}
