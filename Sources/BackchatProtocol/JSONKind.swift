/// What kind of JSON value sits somewhere, for error messages ("got a number").
///
/// Only decoded on error paths: probing costs a thrown error per wrong guess.
enum JSONKind: String, Sendable, Decodable {
    case null, boolean, number, string, array, object

    init(from decoder: any Decoder) throws {
        if (try? decoder.unkeyedContainer()) != nil { self = .array; return }
        if (try? decoder.container(keyedBy: AnyKey.self)) != nil { self = .object; return }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if (try? c.decode(Bool.self)) != nil { self = .boolean }
        else if (try? c.decode(Double.self)) != nil { self = .number }
        else { self = .string }
    }

    /// The kind with an article, as a message reads it: "a number", "an object".
    var phrase: String {
        switch self {
        case .null: "null"
        case .boolean: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
