import ArgumentParser
import BackchatEngine
import BackchatREPL
import BackchatStore
import Foundation

/// `backchat forget`: deletes everything Backchat stored, after asking.
struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Delete everything Backchat has stored about you on this computer.",
        discussion: """
            Deletes the conversation store (saved conversations, activity goals, check-ins), \
            any damaged copies of it that were moved aside, and the line history of the chat. \
            Asks first at a terminal; --yes deletes without asking (for scripts). With \
            --store PATH only that store is deleted. This cannot be undone: to keep a copy, \
            run 'backchat export' first.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Flag(name: [.short, .long], help: "Delete without asking (for scripts).")
    var yes = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let location = try storeOptions.location(environment: environment)
        // The chat's line history is the person's too; a store chosen with --store is a host's, not theirs.
        let history = storeOptions.store == nil ? HistoryFile.path(environment: environment) : nil
        let historyFiles = history.map { [$0].filter { FileManager.default.fileExists(atPath: $0) } } ?? []
        let files = ConversationStore.storedFiles(location) + historyFiles
        guard !files.isEmpty else {
            print("Nothing to forget: Backchat has nothing stored in \(location.directory).")
            return
        }
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                Stderr.write("""
                    backchat: forget deletes all your saved conversations and goals, so it asks first, \
                    and there is no terminal to ask at. To delete without asking, run: backchat forget --yes
                    """)
                throw ExitCode(2)
            }
            print("This deletes everything Backchat has stored about you (it cannot be undone):")
            for file in files { print("  \(file)") }
            print("Tip: 'backchat export' first if you want a copy.")
            print("Delete all of it? [y/N] ", terminator: "")
            fflush(nil) // all streams: the prompt must show before reading
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else {
                print("Nothing was deleted.")
                return
            }
        }
        do {
            let deleted = try ConversationStore.forget(location)
            if let history, !historyFiles.isEmpty {
                try FileManager.default.removeItem(atPath: history)
            }
            let count = deleted.count + historyFiles.count
            print("Deleted \(count) file\(count == 1 ? "" : "s"). Backchat no longer remembers anything about you on this computer.")
        } catch {
            Stderr.write("backchat: \(error)")
            throw ExitCode(1)
        }
    }
}
