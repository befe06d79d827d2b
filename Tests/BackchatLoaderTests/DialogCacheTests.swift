import BackchatEngine
@testable import BackchatLoader
import BackchatTestSupport
import Foundation
import Testing

/// A throwaway cache folder, removed afterwards.
final class TempCache {
    let folder = NSTemporaryDirectory() + "backchat-cache-\(UUID().uuidString)"
    var cache: DialogCache { DialogCache(folder: folder) }
    deinit { try? FileManager.default.removeItem(atPath: folder) }

    var entryFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".bin") }.map { folder + "/" + $0 }
    }
}

@Suite("Stored forms")
struct StoredFormTests {
    static let shipped: Script? = DialogLoader.load(directory: packageRoot + "/Dialogs").script

    @Test func theShippedScriptReadsBackWhole() throws {
        let script = try #require(Self.shipped)
        let back = try Script(storedForm: script.storedForm())
        // (elementsEqual: a failed == on two 2 MB arrays would have the test library diff them.)
        #expect(back.storedForm().elementsEqual(script.storedForm()), "storing what was read back gives the same bytes")
        #expect(back.version == script.version && back.defaultLocale == script.defaultLocale)
        #expect(back.resources.region(for: "GB").resources == script.resources.region(for: "GB").resources)
        #expect(back.resources.fallback.emergencyNumber == script.resources.fallback.emergencyNumber)
        let a = try #require(script.locales["en"]), b = try #require(back.locales["en"])
        #expect(a.flows.map(\.name) == b.flows.map(\.name))
        #expect(a.safety.flows == b.safety.flows)
        let da = try #require(a.safety.scanner as? SafetyDetector), db = try #require(b.safety.scanner as? SafetyDetector)
        #expect(da.phraseCount == db.phraseCount && da.nodeCount == db.nodeCount)
        let ma = try #require(da.backstop, "the shipped lexicon has a backstop model"), mb = try #require(db.backstop)
        #expect(ma.weightCount == mb.weightCount && ma.heads == mb.heads && ma.heads.count == 4)
        #expect(ma.logits(words: ["no", "point", "going", "on"]) == mb.logits(words: ["no", "point", "going", "on"]))
    }

    @Test func damagedBytesAreAnErrorNeverACrash() throws {
        // A small script (reading back the shipped one takes long in a debug build), so many
        // damaged copies can be tried; the shipped one gets a few of each kind below.
        let d = try TempDialogs(["en/main.yaml": okFlow])
        let small = try #require(d.load().script).storedForm()
        let shipped = try #require(Self.shipped).storedForm()
        var rng = SplitMix64(seed: 11)
        for (bytes, tries) in [(small, 2000), (shipped, 8)] {
            // Truncated anywhere: always an error.
            for _ in 0..<tries {
                let n = Int(rng.next() % UInt64(bytes.count))
                #expect(throws: StoredFormError.self) { try Script(storedForm: Array(bytes[0..<n])) }
            }
            // A byte changed: an error, or a script whose every jump lands on a node — never a trap.
            for _ in 0..<tries {
                var damaged = bytes
                damaged[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                _ = try? Script(storedForm: damaged)
            }
            #expect(throws: StoredFormError.self) { try Script(storedForm: bytes + [0]) }
        }
        #expect(throws: StoredFormError.self) { try Script(storedForm: []) }
    }
}

@Suite("Compiled-dialogs cache")
struct DialogCacheTests {
    static let dialogs = packageRoot + "/Dialogs"

    @Test func secondLoadComesFromTheCacheAndBehavesTheSame() throws {
        let temp = TempCache()
        // A copy, so the loads below all see the same files.
        let copy = temp.folder + "-dialogs"
        try FileManager.default.copyItem(atPath: Self.dialogs, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let dialogs = copy
        let fresh = DialogLoader.load(directory: dialogs)
        let first = DialogLoader.load(directory: dialogs, cache: temp.cache)
        #expect(temp.entryFiles.count == 1, "the first load writes one entry")
        let files = DialogFiles.read(directory: dialogs)
        let entry = try #require(temp.cache.read(directory: dialogs, key: temp.cache.key(for: files)),
                                 "the entry written can be read back")
        let cached = DialogLoader.load(directory: dialogs, cache: temp.cache)
        #expect(first.diagnostics == fresh.diagnostics)
        #expect(cached.diagnostics == fresh.diagnostics)
        #expect(entry.diagnostics == fresh.diagnostics)
        let a = try #require(fresh.script), b = try #require(cached.script)
        #expect(a.version == b.version)
        #expect(a.locales.keys.sorted() == b.locales.keys.sorted())
        let la = try #require(a.locales["en"]), lb = try #require(b.locales["en"])
        #expect(la.flows.map(\.name) == lb.flows.map(\.name))
        #expect(la.flows.map(\.nodes.count) == lb.flows.map(\.nodes.count))
        #expect(la.commands == lb.commands && la.commandWords == lb.commandWords)

        // The cached safety scan decides every corpus line exactly as the compiled one.
        let lines = try String(contentsOfFile: packageRoot + "/Tests/SafetyCorpus/corpus.tsv", encoding: .utf8)
            .split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") }
            .compactMap { $0.split(separator: "\t", maxSplits: 1).last.map(String.init) }
        #expect(lines.count > 500)
        for line in lines {
            #expect(la.safety.scanner.scan(line) == lb.safety.scanner.scan(line), "\(line)")
        }

        // And the same conversation gets the same turns.
        let answers = ["yes", "6 months", "dull ache", "3", "no", "I feel like a burden to everyone", "yes", "no"]
        let ea = Engine(script: a), eb = Engine(script: b)
        let day = CalendarDay(iso: "2026-11-25")
        var (sa, ta) = try ea.start(today: day)
        var (sb, tb) = try eb.start(today: day)
        #expect(ta == tb)
        for answer in answers {
            ta = ea.respond(&sa, to: .text(answer), today: day)
            tb = eb.respond(&sb, to: .text(answer), today: day)
            #expect(ta == tb)
        }
        #expect(sa == sb)
    }

    @Test func aDetectorReadOnAnotherThreadScansTheSameAndFallsBackToCompiling() throws {
        let script = try #require(StoredFormTests.shipped)
        let compiled = try #require(script.locales["en"]?.safety.scanner as? SafetyDetector)
        let stored = compiled.storedForm()
        let texts = ["i want to end my life", "this pain is killing me", "cant feel my saddle area and wet myself",
                     "fever and shivery with my back", "my husband hits me", "what time is it"]
        final class Counter: @unchecked Sendable { var n = 0 }
        let compiles = Counter()
        let good = PreparedDetector(stored: ByteReader(bytes: stored)) { nil }
        // Damaged: reading back fails, so the lexicon is compiled instead and every scan still happens.
        let damaged = PreparedDetector(stored: ByteReader(bytes: Array(stored.prefix(stored.count / 3)))) {
            compiles.n += 1
            return compiled
        }
        for t in texts {
            #expect(good.scan(t) == compiled.scan(t), "\(t)")
            #expect(damaged.scan(t) == compiled.scan(t), "\(t)")
        }
        #expect(compiles.n == 1)
    }

    @Test func aChangedFileIsCompiledAgain() throws {
        let temp = TempCache()
        let d = try TempDialogs(["en/main.yaml": okFlow])
        let before = DialogLoader.load(directory: d.root, cache: temp.cache)
        #expect(before.diagnostics.isEmpty)
        try okFlow.replacingOccurrences(of: "    next: bye", with: "    nxet: bye")
            .write(toFile: d.root + "/en/main.yaml", atomically: true, encoding: .utf8)
        let after = DialogLoader.load(directory: d.root, cache: temp.cache)
        #expect(after.script == nil)
        #expect(after.diagnostics == DialogLoader.load(directory: d.root).diagnostics)
        #expect(!after.errors.isEmpty)
        // Diagnostics come back from the cache too, rendered against the files as they are.
        let again = DialogLoader.load(directory: d.root, cache: temp.cache)
        #expect(again.renderer.render(again.diagnostics) == after.renderer.render(after.diagnostics))
    }

    @Test func aChecksumIsTheSameInPiecesAndFromTheFile() throws {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 7, 8, 31, 32, 33, 64, 100, 1000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let whole = DialogCache.checksum(bytes)
            for _ in 0..<20 {
                var c = Checksum(seed: 0)
                var at = 0
                while at < length {
                    let n = Int.random(in: 1...(length - at), using: &generator)
                    bytes[at..<(at + n)].withUnsafeBytes { c.add($0) }
                    at += n
                }
                #expect(c.value == whole, "\(length) bytes in pieces")
            }
            if length > 0 {
                var changed = bytes
                changed[length / 2] ^= 1
                #expect(DialogCache.checksum(changed) != whole, "one bit changed in \(length) bytes")
            }
        }
        let model = packageRoot + "/Dialogs/en/lexicon/backstop-model.tsv"
        let bytes = try #require(DialogCache.readFile(model))
        #expect(DialogCache.checksum(file: model) == DialogCache.checksum(bytes))
        #expect(DialogCache.checksum(file: "/no/such/file") == nil)
    }

    @Test func aChangedModelIsCompiledAgainAndItsProblemsShowTheirLine() throws {
        let temp = TempCache()
        let copy = temp.folder + "-dialogs"
        try FileManager.default.copyItem(atPath: packageRoot + "/Dialogs", toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let path = copy + "/en/lexicon/backstop-model.tsv"
        let good = try String(contentsOfFile: path, encoding: .utf8)
        #expect(DialogLoader.load(directory: copy, cache: temp.cache).script != nil)
        try good.replacingOccurrences(of: "\nscale\t", with: "\nscale\tbig\t")
            .write(toFile: path, atomically: false, encoding: .utf8)
        let fresh = DialogLoader.load(directory: copy, cache: temp.cache)
        #expect(fresh.script == nil)
        #expect(fresh.errors.contains { $0.file == path && $0.line > 0 }, "\(fresh.diagnostics)")
        let cached = DialogLoader.load(directory: copy, cache: temp.cache)
        let shown = cached.renderer.render(cached.diagnostics)
        #expect(shown == fresh.renderer.render(fresh.diagnostics))
        #expect(shown.contains("| scale→big→12"), "the line itself is shown: \(shown)")
        try good.write(toFile: path, atomically: false, encoding: .utf8)
        #expect(DialogLoader.load(directory: copy, cache: temp.cache).script != nil)
    }

    @Test func aDamagedEntryIsIgnoredAndReplaced() throws {
        let temp = TempCache()
        let d = try TempDialogs(["en/main.yaml": okFlow])
        _ = DialogLoader.load(directory: d.root, cache: temp.cache)
        let file = try #require(temp.entryFiles.first)
        let good = try #require(FileManager.default.contents(atPath: file))
        for damage in [Data(good.prefix(good.count / 2)), Data(good.map { $0 ^ 0x5A }), Data(), Data("BCDC".utf8)] {
            try damage.write(to: URL(fileURLWithPath: file))
            let r = DialogLoader.load(directory: d.root, cache: temp.cache)
            #expect(r.diagnostics.isEmpty)
            #expect(r.script?.locales["en"]?.flows.first?.nodes.count == 2)
            let files = DialogFiles.read(directory: d.root)
            #expect(temp.cache.read(directory: d.root, key: temp.cache.key(for: files)) != nil, "the damaged entry is replaced")
        }
    }

    @Test func anUnwritableCacheFolderIsNotAnError() throws {
        let d = try TempDialogs(["en/main.yaml": okFlow])
        let blocker = NSTemporaryDirectory() + "backchat-cache-file-\(UUID().uuidString)"
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: blocker))
        defer { try? FileManager.default.removeItem(atPath: blocker) }
        let r = DialogLoader.load(directory: d.root, cache: DialogCache(folder: blocker + "/sub"))
        #expect(r.diagnostics.isEmpty && r.script != nil)
    }

    @Test func standardFolderFollowsTheEnvironment() {
        #expect(DialogCache.standard(environment: ["HOME": "/h"])?.folder == "/h/.cache/backchat")
        #expect(DialogCache.standard(environment: ["HOME": "/h", "XDG_CACHE_HOME": "/x"])?.folder == "/x/backchat")
        #expect(DialogCache.standard(environment: ["HOME": "/h", "BACKCHAT_CACHE_DIR": "/c"])?.folder == "/c")
        #expect(DialogCache.standard(environment: ["HOME": "/h", "BACKCHAT_NO_CACHE": "1"]) == nil)
        #expect(DialogCache.standard(environment: ["HOME": "/h", "BACKCHAT_NO_CACHE": "0"])?.folder == "/h/.cache/backchat")
        #expect(DialogCache.standard(environment: [:]) == nil)
    }
}

@Suite("What the chat keeps on disk")
struct StorageOfDisclosuresTests {
    @Test func anAbuseDisclosureIsNotKeptButACrisisIs() throws {
        let script = try #require(StoredFormTests.shipped)
        let engine = Engine(script: script)
        let day = CalendarDay(iso: "2026-11-25")
        var (state, _) = try engine.start(locale: "en-GB", today: day)
        _ = engine.respond(&state, to: .text("yes"), today: day)
        _ = engine.respond(&state, to: .text("6 months"), today: day)
        let before = state
        let turn = engine.respond(&state, to: .text("my husband hits me when he drinks"), today: day)
        #expect(turn.escalation?.level == .support)
        #expect(state.variables["safety_level"] == .string("support"))
        let kept = state.forStorage(in: script)
        #expect(kept.position?.flow == before.position?.flow && kept.position?.node == before.position?.node,
                "kept at the question the disclosure interrupted")
        for name in SessionState.safetyVariables { #expect(kept.variables[name] == nil, "\(name) is not kept") }
        #expect(!kept.history.contains { $0.variables["safety_level"] != nil || $0.position.flow == "support" })
        #expect(kept.returns.isEmpty)
        // The kept state carries on as an ordinary conversation.
        var resumed = kept
        let next = engine.respond(&resumed, to: .text("lower back"), today: day)
        #expect(next.escalation == nil)

        // A crisis is kept as it is, so a restart stays with the person.
        var crisis = before
        _ = engine.respond(&crisis, to: .text("I want to kill myself"), today: day)
        #expect(crisis.variables["safety_level"] == .string("crisis"))
        #expect(crisis.forStorage(in: script) == crisis)
    }
}
