import BackchatEngine

/// A ``Turn`` as the protocol sends it: the result of `session.start`, `session.say`,
/// `session.end` and `session.import`.
///
/// The wire shape is written out member by member rather than borrowed from the engine's
/// `Codable` conformances, so the protocol stays the same when the engine's types grow.
/// Every member is always present; `escalation`, `category`, `reason` and `detail` are
/// `null` when there is nothing to say.
struct TurnResult: Sendable, Encodable {
    var session: String
    var turn: Turn

    enum CodingKeys: String, CodingKey { case session, messages, choices, expects, escalation, ended, node }
    enum ChoiceKeys: String, CodingKey { case key, label }
    enum EscalationKeys: String, CodingKey { case level, category, reason, new, certainty, resources }
    enum ResourceKeys: String, CodingKey { case kind, name, contact, detail }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(session, forKey: .session)
        try c.encode(turn.messages, forKey: .messages)
        var choices = c.nestedUnkeyedContainer(forKey: .choices)
        for choice in turn.choices {
            var o = choices.nestedContainer(keyedBy: ChoiceKeys.self)
            try o.encode(choice.key, forKey: .key)
            try o.encode(choice.label, forKey: .label)
        }
        try c.encode(turn.expects.rawValue, forKey: .expects)
        if let e = turn.escalation {
            var o = c.nestedContainer(keyedBy: EscalationKeys.self, forKey: .escalation)
            try o.encode(e.level.rawValue, forKey: .level)
            try o.encodeNullable(e.category, forKey: .category)
            try o.encodeNullable(e.reason, forKey: .reason)
            try o.encode(e.new, forKey: .new)
            try o.encode(e.certainty.rawValue, forKey: .certainty)
            var resources = o.nestedUnkeyedContainer(forKey: .resources)
            for r in e.resources {
                var ro = resources.nestedContainer(keyedBy: ResourceKeys.self)
                try ro.encode(r.kind, forKey: .kind)
                try ro.encode(r.name, forKey: .name)
                try ro.encode(r.contact, forKey: .contact)
                try ro.encodeNullable(r.detail, forKey: .detail)
            }
        } else {
            try c.encodeNil(forKey: .escalation)
        }
        try c.encode(turn.ended, forKey: .ended)
        try c.encode(turn.node, forKey: .node)
    }
}
