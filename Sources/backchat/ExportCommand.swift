import ArgumentParser
import BackchatEngine
import BackchatStore
import Foundation

/// `backchat export`: everything stored, as JSON a person can read or take to a clinician.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write everything Backchat has stored about you as JSON.",
        discussion: """
            Your saved conversations (the answers you gave, with dates), your activity goals \
            and every check-in, as readable JSON you can keep or take to a clinician. Writes to \
            stdout, or to FILE with --output (created readable only by you). Nothing leaves \
            this computer unless you send it. See docs/storage.md.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: [.short, .long], help: ArgumentHelp("Write to FILE instead of stdout.", valueName: "FILE"))
    var output: String?

    func run() throws {
        let location = try storeOptions.location()
        let data: Data
        do {
            if FileManager.default.fileExists(atPath: location.path) {
                let store = try ConversationStore(location: location, now: Clock.now())
                if let recovery = store.recovery { Stderr.write("backchat: \(recovery)") }
                data = try store.exportJSON(exportedAt: Clock.now())
            } else {
                // Nothing stored yet: say so, and do not create a store just to export it.
                Stderr.write("backchat: nothing is stored yet (no \(location.path))")
                data = try ConversationStore.emptyExport(location: location, exportedAt: Clock.now())
            }
        } catch {
            Stderr.write("backchat: \(error)")
            throw ExitCode(1)
        }
        guard let output, output != "-" else {
            FileHandle.standardOutput.write(data)
            return
        }
        // The export holds health information: create it 0600, like the store.
        let fd = Foundation.open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            Stderr.write("backchat: cannot write \(output): \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.close()
        } catch {
            Stderr.write("backchat: cannot write \(output): \(error)")
            throw ExitCode(1)
        }
        Stderr.write("backchat: exported to \(output)")
    }
}
