import BackchatEngine

/// What Tab can complete: the labels of the choices on offer and the slash-commands.
///
/// The whole line is completed, not the last word, because labels contain spaces
/// ("Yes, let's start"). Matching ignores case and leading spaces.
public struct Completions: Sendable, Equatable {
    /// Choice labels, in the order they are shown.
    public var labels: [String]
    /// Commands with their slash (`/help`), sorted.
    public var commands: [String]

    public init(labels: [String] = [], commands: [String] = []) {
        self.labels = labels; self.commands = commands
    }

    /// The labels of `turn`'s choices and the given command names (without slashes).
    public init(turn: Turn, commandNames: [String]) {
        self.labels = turn.choices.map(\.label)
        self.commands = Array(Set(commandNames)).sorted().map { "/" + $0 }
    }

    /// Every candidate that starts with `text`: commands when it starts with a slash,
    /// otherwise labels. An empty line offers the labels.
    public func matches(for text: String) -> [String] {
        let typed = text.drop { $0 == " " }.lowercased()
        let pool = typed.hasPrefix("/") ? commands : labels
        var seen = Set<String>()
        return pool.filter { $0.lowercased().hasPrefix(typed) && seen.insert($0).inserted }
    }

    /// What replaces the typed text: the single match, or the longest start all matches
    /// share (compared ignoring case, spelled as the first match), or `nil` when nothing matches.
    public func replacement(for text: String) -> String? {
        let found = matches(for: text)
        guard let first = found.first else { return nil }
        var common = Array(first)
        for other in found.dropFirst() {
            let o = Array(other)
            var n = 0
            while n < common.count, n < o.count, String(common[n]).lowercased() == String(o[n]).lowercased() { n += 1 }
            common = Array(common.prefix(n))
        }
        return String(common)
    }
}
