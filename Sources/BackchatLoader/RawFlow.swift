/// A flow as written in its file, before references are resolved.
struct RawFlow {
    var name: Located<String>
    var title: String
    var role: Located<String>?
    var start: Located<String>?
    var reentry: Located<String>?
    var nodes: [RawNode]
    var file: String
}

struct RawNode {
    var id: Located<String>
    var say: [Located<String>]
    var set: [RawAssignment]
    var action: RawAction
}

struct RawAssignment {
    var variable: Located<String>
    var value: Value?
    var expression: Located<String>?
}

enum RawAction {
    case next(Located<String>)
    case ask(RawAsk)
    case branch([RawBranch], otherwise: Located<String>)
    case call(Located<String>, then: Located<String>)
    case returns
    case end
}

struct RawAsk {
    var prompt: Located<String>
    var kind: Located<String>           // choice | text | number | duration
    var choices: [RawChoice]
    var into: Located<String>?
    var next: Located<String>?
    var retry: Located<String>?
    var skip: Located<String>?
    var min: Double?
    var max: Double?
    var unit: Located<String>?
}

struct RawChoice {
    var key: Located<String>
    var label: Located<String>
    var synonyms: [Located<String>]
    var set: [RawAssignment]
    var next: Located<String>?
}

struct RawBranch {
    var condition: Located<String>
    var next: Located<String>
}

import BackchatEngine
