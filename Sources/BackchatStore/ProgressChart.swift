import BackchatEngine

/// Draws ``ActivityProgress`` as a small text chart for `/progress`.
///
/// One row per week: the goal's activity and minutes, a bar as long as the minutes (scaled to
/// the longest goal shown), and a mark per check-in. The `.plain` style says the same in one
/// sentence per week, for screen readers and `--plain`.
public enum ProgressChart {
    /// How the chart is drawn.
    public enum Style: Sendable {
        /// Columns and block bars.
        case chart
        /// One sentence per week, no symbols.
        case plain
    }

    /// The longest bar, in characters.
    public static let barWidth = 20

    /// The chart, lines joined with newlines (no trailing newline).
    public static func render(_ progress: ActivityProgress, style: Style = .chart) -> String {
        let n = progress.weeks.count
        let title = "Your activity goal over the last \(n == 1 ? "week" : "\(n) weeks")"
        if progress.isEmpty {
            return "No activity goal has been set yet. Once you make one, your weeks will show here."
        }
        switch style {
        case .plain: return ([title + "."] + progress.weeks.map(sentence)).joined(separator: "\n")
        case .chart: return chart(progress, title: title)
        }
    }

    static func sentence(_ week: ActivityProgress.Week) -> String {
        var text = "Week of \(week.start.iso): "
        if let goal = week.goal {
            text += goal.activity
            if let m = goal.minutes { text += ", \(m) minute\(m == 1 ? "" : "s")" }
            if let f = goal.frequency { text += ", \(f)" }
        } else {
            text += "no goal yet"
        }
        if week.checkIns.isEmpty {
            text += "; no check-in."
        } else {
            text += "; check-in: " + week.checkIns.map(\.outcome.label).joined(separator: "; then ") + "."
        }
        return text
    }

    static func chart(_ progress: ActivityProgress, title: String) -> String {
        let longest = progress.weeks.compactMap { $0.goal?.minutes }.max() ?? 0
        let names = progress.weeks.map { $0.goal.map { truncate($0.activity, to: 18) } ?? "no goal yet" }
        let nameWidth = names.map(\.count).max() ?? 0
        let minuteTexts = progress.weeks.map { $0.goal?.minutes.map { "\($0) min" } ?? "" }
        let minuteWidth = minuteTexts.map(\.count).max() ?? 0
        var lines = [title + " (● = a check-in)"]
        for (i, week) in progress.weeks.enumerated() {
            var line = week.start.iso + "  " + pad(names[i], nameWidth) + "  " + pad(minuteTexts[i], minuteWidth, right: true)
            if longest > 0 {
                let length = week.goal?.minutes.map { max(1, Int((Double($0) / Double(longest) * Double(barWidth)).rounded())) } ?? 0
                line += " " + pad(String(repeating: "█", count: length), barWidth)
            }
            if !week.checkIns.isEmpty {
                line += "  " + week.checkIns.map { "\($0.outcome.mark) \($0.outcome.label)" }.joined(separator: ", ")
            }
            lines.append(trimTrailing(line))
        }
        lines.append(CheckInOutcome.allCases.map { "\($0.mark) \($0.label)" }.joined(separator: "   "))
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }

    static func truncate(_ s: String, to width: Int) -> String {
        s.count <= width ? s : String(s.prefix(width - 1)) + "…"
    }

    static func trimTrailing(_ s: String) -> String {
        var t = Substring(s)
        while t.last == " " { t.removeLast() }
        return String(t)
    }
}
