import BackchatProtocol
import Foundation
import Testing

@Suite("Line framing")
struct LineFramerTests {
    func lines(_ text: String) -> LineFramer.Event { .line(Data(text.utf8)) }

    @Test func splitsOnNewlinesAndDropsCarriageReturns() {
        var f = LineFramer()
        let events = f.feed(Array("one\ntwo\r\nthree\n".utf8))
        #expect(events == [lines("one"), lines("two"), lines("three")])
        #expect(f.bufferedByteCount == 0)
    }

    @Test func skipsEmptyLines() {
        var f = LineFramer()
        #expect(f.feed(Array("\n\r\n\na\n\n".utf8)) == [lines("a")], "empty lines (also bare CR) give no event")
    }

    @Test func joinsALineSplitAcrossChunks() {
        var f = LineFramer()
        #expect(f.feed(Array("{\"a\":".utf8)).isEmpty)
        #expect(f.bufferedByteCount == 5)
        #expect(f.feed(Array("1}\r".utf8)).isEmpty)
        #expect(f.feed(Array("\nnext".utf8)) == [lines("{\"a\":1}")], "the CR arrived in the chunk before its LF")
        #expect(f.finish() == [lines("next")], "a last line without a line break still counts")
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func anyChunkSizeGivesTheSameLines(size: Int) {
        let text = Array("alpha\r\nbeta\n\ngamma delta\nlast".utf8)
        var f = LineFramer()
        var events: [LineFramer.Event] = []
        var i = 0
        while i < text.count {
            events += f.feed(Array(text[i..<min(i + size, text.count)]))
            i += size
        }
        events += f.finish()
        #expect(events == [lines("alpha"), lines("beta"), lines("gamma delta"), lines("last")])
    }

    @Test func aLineOfExactlyTheLimitIsALine() {
        var f = LineFramer(maxLineBytes: 8)
        #expect(f.feed(Array("12345678\r\n".utf8)) == [lines("12345678")], "8 bytes plus CRLF fits a limit of 8")
        #expect(f.feed(Array("123456789\n".utf8)) == [.tooLong])
    }

    @Test func anOverLongLineSplitAcrossChunksIsReportedOnceAndNeverHeldWhole() {
        var f = LineFramer(maxLineBytes: 16)
        var events: [LineFramer.Event] = []
        events += f.feed(Array("ok\n0123456789".utf8))
        events += f.feed(Array("0123456789".utf8))
        #expect(events == [lines("ok"), .tooLong], "reported as soon as it is known to be too long")
        for _ in 0..<1000 {
            events += f.feed(Array(repeating: UInt8(ascii: "x"), count: 100))
            #expect(f.bufferedByteCount == 0, "the rest of the line is dropped, not buffered")
        }
        events += f.feed(Array("xxx\nafter\n".utf8))
        #expect(events == [lines("ok"), .tooLong, lines("after")], "the next line is read normally")
    }

    @Test func aMegabyteLineInOneChunkIsTooLong() {
        var f = LineFramer()
        var bytes = Array(repeating: UInt8(ascii: "a"), count: ProtocolConstants.maxLineBytes + 1)
        bytes += Array("\n{}\n".utf8)
        #expect(f.feed(bytes) == [.tooLong, lines("{}")])
    }

    @Test func anOverLongLastLineAtEndOfInputIsReportedOnce() {
        var f = LineFramer(maxLineBytes: 4)
        #expect(f.feed(Array("abcdefgh".utf8)) == [.tooLong])
        #expect(f.finish().isEmpty)
        #expect(f.feed(Array("ab\n".utf8)) == [lines("ab")], "after finish the framer starts afresh")
    }

    @Test func bufferedBytesNeverExceedTheLimitPlusOne() {
        var f = LineFramer(maxLineBytes: 10)
        _ = f.feed(Array("0123456789\r".utf8))
        #expect(f.bufferedByteCount == 11, "room for a CR that the LF will drop")
        #expect(f.feed(Array("\n".utf8)) == [lines("0123456789")])
        _ = f.feed(Array("0123456789ab".utf8))
        #expect(f.bufferedByteCount == 0)
    }
}
