import BackchatTestSupport
@testable import BackchatProtocol
import Testing

@Suite("UTF-8 validation")
struct UTF8CheckTests {
    @Test(arguments: ["", "plain ascii that is longer than eight bytes", "café", "can’t", "日本語のテキスト", "🙂 emoji at the start", "a\u{10FFFF}"])
    func acceptsValidText(_ text: String) {
        #expect(UTF8Check.isValid(Array(text.utf8)), "\(text) is valid UTF-8")
    }

    @Test(arguments: [
        [0xFF] as [UInt8],                 // never valid
        [0xC0, 0xAF],                      // overlong "/"
        [0xE0, 0x80, 0xAF],                // overlong
        [0xED, 0xA0, 0x80],                // a UTF-16 surrogate
        [0xF4, 0x90, 0x80, 0x80],          // past U+10FFFF
        [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xC3],  // cut short after the fast path
        [0xE2, 0x80],                      // cut short
        [0x80],                            // a lone continuation byte
        [0xC3, 0x28],                      // a bad continuation byte
    ])
    func rejectsInvalidBytes(_ bytes: [UInt8]) {
        #expect(!UTF8Check.isValid(bytes), "\(bytes) is not valid UTF-8")
    }

    @Test func agreesWithTheStandardLibraryOnRandomBytes() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            let count = Int(rng.next() % 12)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(UTF8Check.isValid(bytes) == expected, "\(bytes)")
        }
    }
}
