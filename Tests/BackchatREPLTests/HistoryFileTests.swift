import BackchatREPL
import Foundation
import Testing

@Suite("HistoryFile: where the history lives and who can read it")
struct HistoryFileTests {
    @Test("XDG_STATE_HOME, else ~/.local/state; relative paths are ignored", arguments: [
        (["XDG_STATE_HOME": "/s", "HOME": "/h"], "/s/backchat/history"),
        (["XDG_STATE_HOME": "/s/", "HOME": "/h"], "/s/backchat/history"),
        (["XDG_STATE_HOME": "", "HOME": "/h"], "/h/.local/state/backchat/history"),
        (["XDG_STATE_HOME": "rel", "HOME": "/h"], "/h/.local/state/backchat/history"),
        (["HOME": "/h/"], "/h/.local/state/backchat/history"),
    ])
    func location(_ env: [String: String], _ expected: String) {
        #expect(HistoryFile.path(environment: env) == expected)
    }

    @Test("No home, no history")
    func noHome() {
        #expect(HistoryFile.path(environment: [:]) == nil)
        #expect(HistoryFile.path(environment: ["HOME": "relative"]) == nil)
    }

    @Test("prepare makes the folder 0700 and the file 0600, even from looser modes")
    func modes() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("backchat-history-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let path = base.path + "/state/backchat/history"
        try HistoryFile.prepare(path)
        let fm = FileManager.default
        func mode(_ p: String) throws -> Int {
            (try fm.attributesOfItem(atPath: p)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        #expect(try mode(base.path + "/state/backchat") == 0o700)
        #expect(try mode(path) == 0o600)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: base.path + "/state/backchat")
        try fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try HistoryFile.prepare(path)
        #expect(try mode(base.path + "/state/backchat") == 0o700)
        #expect(try mode(path) == 0o600)
    }

    @Test("A path that cannot be created is reported, not fatal")
    func failure() {
        #expect(throws: HistoryFile.Failure.self) { try HistoryFile.prepare("/proc/no-such/backchat/history") }
    }
}
