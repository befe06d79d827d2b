import BackchatEngine

extension TurnFormatter {
    /// What the block says for each level: a heading and what to do now.
    struct EscalationWording: Equatable {
        var heading: String
        var advice: String

        static func of(_ e: Escalation) -> EscalationWording {
            switch e.level {
            case .crisis where e.certainty == .possible:
                EscalationWording(heading: "Crisis support",
                                  advice: "If you are having thoughts of suicide or of harming yourself, you can talk to someone now:")
            case .crisis:
                EscalationWording(heading: "Crisis support",
                                  advice: "If you are in danger or might act on these thoughts, please contact one of these now:")
            // A guess of the safety model, asked about before any advice: no alarm yet.
            case .emergency where e.certainty == .possible:
                EscalationWording(heading: "Checking first",
                                  advice: "If this is happening now, call the emergency number or go to the nearest emergency department:")
            case .urgent where e.certainty == .possible:
                EscalationWording(heading: "Checking first",
                                  advice: "If this is happening now, please see a doctor today. If you cannot reach one, use:")
            case .support where e.certainty == .possible:
                EscalationWording(heading: "Support",
                                  advice: "If someone is hurting, frightening or controlling you, these services can help, in confidence:")
            case .emergency:
                EscalationWording(heading: "Emergency",
                                  advice: "This needs medical help now. Call the emergency number or go to the nearest emergency department:")
            case .urgent:
                EscalationWording(heading: "Urgent",
                                  advice: "Please see a doctor today. If you cannot reach one, use:")
            case .support:
                EscalationWording(heading: "Support",
                                  advice: "You don't have to deal with this alone. These services can help, in confidence:")
            }
        }
    }

    /// The escalation as a block that stands apart: a coloured bar down its left side,
    /// the level, what to do, and every contact on its own line.
    public func escalationBlock(_ e: Escalation) -> [String] {
        let wording = EscalationWording.of(e)
        if plain {
            return ["\(wording.heading). \(wording.advice)"] + e.resources.map(resourceText)
        }
        let bar = style(.alert(e.level), unicode ? "┃" : "|") + " "
        let inner = textWidth - 2
        var lines = [bar + style(.alert(e.level), wording.heading.uppercased())]
        lines += TextWrapper.wrap(wording.advice, width: inner).map { bar + $0 }
        for r in e.resources {
            let wrapped = TextWrapper.wrap("  " + resourceText(r), width: inner, indent: "    ")
            for (k, line) in wrapped.enumerated() {
                lines.append(bar + (k == 0 ? emphasiseContact(line, of: r) : line))
            }
        }
        return lines
    }

    /// A one-line reminder of the contacts while a crisis flow goes on.
    public func reminder(_ e: Escalation) -> [String] {
        let wording = EscalationWording.of(e)
        let contacts = e.resources.map { "\($0.name): \($0.contact)" }.joined(separator: "; ")
        let text = "\(wording.heading): \(contacts.isEmpty ? "your local emergency number" : contacts)"
        if plain { return [text] }
        let bar = style(.alert(e.level), unicode ? "┃" : "|") + " "
        return TextWrapper.wrap(text, width: textWidth - 2).map { bar + $0 }
    }

    func resourceText(_ r: Resource) -> String {
        "\(r.name): \(r.contact)" + (r.detail.map { " (\($0))" } ?? "")
    }

    /// Bold for the number to call, when it sits whole on the first line.
    func emphasiseContact(_ line: String, of r: Resource) -> String {
        let head = "  \(r.name): "
        guard color, line.hasPrefix(head + r.contact) else { return line }
        return head + style(.bold, r.contact) + String(line.dropFirst(head.count + r.contact.count))
    }
}
