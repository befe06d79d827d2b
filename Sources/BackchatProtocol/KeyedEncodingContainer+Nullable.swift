extension KeyedEncodingContainer {
    /// Encodes `value`, or an explicit `null` (where `encodeIfPresent` would leave the member out).
    mutating func encodeNullable<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
