/// The methods the server answers.
enum Method: String, Sendable, CaseIterable {
    case start = "session.start"
    case say = "session.say"
    case end = "session.end"
    case export = "session.export"
    case importState = "session.import"
    case info = "server.info"
}
