import BackchatEngine

/// A moment as the caller's clock gave it: a day, a time of day and, when known, the UTC offset.
///
/// The store never reads a clock (time is an input, so tests can move it with `BACKCHAT_NOW`).
/// A timestamp keeps the wall-clock day it was given, so `timestamp.day` agrees with the
/// front end's `CalendarDay` for "today" even when an offset is present.
public struct Timestamp: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The calendar day, as written.
    public var day: CalendarDay
    /// Seconds since midnight of ``day`` (0 ..< 86 400).
    public var secondOfDay: Int
    /// Minutes east of UTC (`0` for `Z`); `nil` when the text carried no offset.
    public var utcOffsetMinutes: Int?

    public init(day: CalendarDay, secondOfDay: Int = 0, utcOffsetMinutes: Int? = 0) {
        self.day = day
        self.secondOfDay = min(max(secondOfDay, 0), 86_399)
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// A UTC moment from seconds since 1970-01-01T00:00:00Z (for example `Date().timeIntervalSince1970`).
    public init(secondsSince1970 seconds: Int64) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        self.init(day: CalendarDay(ordinal: Int(days)), secondOfDay: Int(seconds - days * 86_400), utcOffsetMinutes: 0)
    }

    /// Parses ISO 8601: `2025-03-10`, `2025-03-10T09:30`, `2025-03-10T09:30:15.250Z`,
    /// `2025-03-10 09:30:15+01:00`. Fractions of a second are dropped.
    public init?(iso text: String) {
        let chars = Array(text.trimmingWhitespace)
        guard chars.count >= 10, let day = CalendarDay(iso: String(chars[0..<10])), chars[4] == "-", chars[7] == "-" else { return nil }
        var i = 10
        func number(_ width: Int) -> Int? {
            guard i + width <= chars.count else { return nil }
            var n = 0
            for c in chars[i..<(i + width)] {
                guard let d = c.wholeNumberValue, c.isASCII else { return nil }
                n = n * 10 + d
            }
            i += width
            return n
        }
        var seconds = 0
        var offset: Int? = nil
        if i < chars.count {
            guard chars[i] == "T" || chars[i] == "t" || chars[i] == " " else { return nil }
            i += 1
            guard let h = number(2), h < 24, i < chars.count, chars[i] == ":" else { return nil }
            i += 1
            guard let m = number(2), m < 60 else { return nil }
            seconds = h * 3600 + m * 60
            if i < chars.count, chars[i] == ":" {
                i += 1
                guard let s = number(2), s <= 60 else { return nil }
                seconds += min(s, 59)
                if i < chars.count, chars[i] == "." || chars[i] == "," {
                    i += 1
                    while i < chars.count, chars[i].isASCII, chars[i].wholeNumberValue != nil { i += 1 }
                }
            }
            if i < chars.count {
                switch chars[i] {
                case "Z", "z":
                    offset = 0; i += 1
                case "+", "-":
                    let sign = chars[i] == "-" ? -1 : 1
                    i += 1
                    guard let oh = number(2), oh < 24 else { return nil }
                    var om = 0
                    if i < chars.count, chars[i] == ":" { i += 1 }
                    if i < chars.count { guard let m = number(2), m < 60 else { return nil }; om = m }
                    offset = sign * (oh * 60 + om)
                default:
                    return nil
                }
            }
            guard i == chars.count else { return nil }
        }
        self.init(day: day, secondOfDay: seconds, utcOffsetMinutes: offset)
    }

    /// Extended ISO 8601, e.g. `2025-03-10T09:30:15Z`.
    public var iso: String { render(separators: true) }

    /// Basic ISO 8601 without colons, for file names: `20250310T093015Z`.
    public var compact: String { render(separators: false) }

    public var description: String { iso }

    private func render(separators: Bool) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let date = separators ? day.iso : day.iso.filter { $0 != "-" }
        let colon = separators ? ":" : ""
        let time = two(secondOfDay / 3600) + colon + two(secondOfDay / 60 % 60) + colon + two(secondOfDay % 60)
        var zone = ""
        if let offset = utcOffsetMinutes {
            if offset == 0 { zone = "Z" } else {
                let a = abs(offset)
                zone = (offset < 0 ? "-" : "+") + two(a / 60) + colon + two(a % 60)
            }
        }
        return date + "T" + time + zone
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let t = Timestamp(iso: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO 8601 timestamp: \(text)")
        }
        self = t
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }
}

