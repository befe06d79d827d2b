/// Short, readable renderings of `DecodingError` for error messages.
enum DecodingErrorText {
    /// `error` as "missing 'format'"; the first `droppingPrefix` keys of its path are left out.
    static func describe(_ error: DecodingError, droppingPrefix: Int = 0) -> String {
        func path(_ keys: [any CodingKey]) -> String { Self.path(Array(keys.dropFirst(droppingPrefix))) }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) should be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) should be \(typeName(type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.count <= droppingPrefix ? context.debugDescription
                : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// `'returns[0].flow'` from a coding path.
    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let i = key.intValue { out += "[\(i)]" } else { out += out.isEmpty ? key.stringValue : "." + key.stringValue }
        }
        return out.isEmpty ? "the value" : "'\(out)'"
    }

    static func typeName(_ type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "String": return "a string"
        case "Int", "Int64", "Double": return "a number"
        case "Bool": return "true or false"
        default:
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a \(name)"
        }
    }
}
