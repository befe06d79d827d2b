import ArgumentParser
import BackchatEngine
import BackchatREPL
import BackchatTranscripts
import Foundation
import Synchronization

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Talk with Backchat and write the conversation as a transcript test.",
        discussion: """
            Every reply becomes a check, so `backchat test FILE` replays the conversation and \
            fails if the dialogs start to answer differently. The file is rewritten after every \
            turn, so nothing is lost if the session is interrupted. Example:
              backchat record Tests/Transcripts/en/my-session.transcript
            """)

    @Argument(help: ArgumentHelp("The transcript file to write.", valueName: "FILE"))
    var file: String
    @Flag(help: "Replace FILE if it exists.")
    var force = false
    @OptionGroup var chat: ChatCommand

    func validate() throws {
        if FileManager.default.fileExists(atPath: file) && !force {
            throw ValidationError("\(file) exists; pass --force to replace it")
        }
    }

    func run() throws {
        let path = file
        let locale = chat.locale ?? ProcessInfo.processInfo.environment["BACKCHAT_LOCALE"]
        let region = chat.region
        let flow = chat.flow
        let today = Clock.today()
        let recorder = Mutex(TranscriptRecorder(locale: locale, region: region, today: today, flow: flow))
        // Fail before the conversation if the file cannot be written.
        do { try "".write(toFile: path, atomically: false, encoding: .utf8) } catch {
            throw ValidationError("cannot write \(path): \(error.localizedDescription)")
        }
        try chat.converse { _ in
            { input, turn, _ in
                let text = recorder.withLock { r -> String in
                    if let input { r.record(input: input, turn: turn) } else { r.opening(turn) }
                    return r.text
                }
                do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
                    Stderr.write("backchat: cannot write \(path): \(error.localizedDescription)")
                }
            }
        }
        Stderr.write("backchat: transcript written to \(path); replay it with: backchat test \(path)")
    }
}
