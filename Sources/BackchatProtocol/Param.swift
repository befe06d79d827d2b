/// One named param as it arrived: absent, `null`, a value of the wanted type, or something else.
///
/// Params are decoded leniently and judged later by the method, so that an error can
/// name the param and say what was wrong with it.
enum Param<Value> {
    case absent
    case null
    case value(Value)
    /// The member holds another kind of JSON value (`found`), or a value that does not
    /// decode (`problem` says why).
    case invalid(found: JSONKind, problem: String?)
}

extension Param: Sendable where Value: Sendable {}
