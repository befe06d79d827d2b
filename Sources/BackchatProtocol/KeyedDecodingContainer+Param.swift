extension KeyedDecodingContainer {
    /// Decodes the member `key` without throwing: any problem is kept in the result.
    func param<T: Decodable>(_ type: T.Type, forKey key: Key) -> Param<T> {
        // One lookup in the usual cases (absent, or present with the right type).
        do {
            if let value = try decodeIfPresent(T.self, forKey: key) { return .value(value) }
            return contains(key) ? .null : .absent
        } catch {
            let found = (try? decode(JSONKind.self, forKey: key)) ?? .object
            // Paths in the message start inside the param ('format', not 'params.state.format').
            let depth = codingPath.count + 1
            return .invalid(found: found, problem: (error as? DecodingError).map { DecodingErrorText.describe($0, droppingPrefix: depth) })
        }
    }
}
