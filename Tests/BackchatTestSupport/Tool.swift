import Foundation

/// Runs a command-line tool found on the PATH (`python3`, `dot`) for a test.
public enum Tool {
    /// Runs `arguments` (the tool's name first) with `input` on its standard input, and
    /// returns what it wrote to standard output and standard error, together, and its status.
    public static func run(_ arguments: [String], input: Data = Data()) throws -> (output: String, status: Int32) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let stdin = Pipe(), out = Pipe()
        p.standardInput = stdin
        p.standardOutput = out
        p.standardError = out
        try p.run()
        // Written from another thread, so a tool that answers before it has read everything
        // cannot fill the output pipe while this one is still writing.
        let writer = stdin.fileHandleForWriting
        DispatchQueue.global().async {
            writer.write(input)
            try? writer.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), p.terminationStatus)
    }
}
