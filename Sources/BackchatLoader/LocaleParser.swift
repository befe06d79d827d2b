import BackchatEngine
import Yams

/// What `locale.yaml` configures.
struct LocaleSettings {
    var entry: Located<String>? = nil
    var commands: [String: Located<String>] = [:]
    var commandWords: [String: String] = [:]
    var strings = EngineStrings()
    /// Variables the front end provides when it starts a conversation (a stored goal, say).
    var inputs: [String] = []
    /// Other flows a front end may start a conversation in (the goal check-in, say).
    var starts: [Located<String>] = []
}

/// Reads `Dialogs/<locale>/locale.yaml`.
enum LocaleParser {
    static let keys = ["locale", "name", "entry", "commands", "words", "strings", "inputs", "starts"]
    static let stringKeys = ["help", "cannot_go_back", "going_back", "restarted", "goodbye", "ended", "not_understood",
                             "did_you_mean", "resuming", "dialogs_changed", "skipped", "cannot_skip", "unknown_command",
                             "stay_with_safety", "out_of_range", "emergency_during_crisis"]

    static func parse(_ text: String, reader: inout YAMLReader) -> LocaleSettings {
        var settings = LocaleSettings()
        guard let root = reader.compose(text), let pairs = reader.mapping(root, "locale.yaml") else { return settings }
        reader.checkKeys(pairs, allowed: keys, in: "locale.yaml")
        for (k, v) in pairs {
            switch k.value {
            case "entry": settings.entry = reader.string(v, "'entry'")
            case "starts":
                for item in reader.sequence(v, "'starts'") ?? [] {
                    if let name = reader.string(item, "a flow name") { settings.starts.append(name) }
                }
            case "inputs":
                for item in reader.sequence(v, "'inputs'") ?? [] {
                    if let name = reader.string(item, "an input variable") { settings.inputs.append(name.value) }
                }
            case "commands":
                for (name, flow) in reader.mapping(v, "'commands'") ?? [] {
                    if Input.builtinCommands.contains(name.value) {
                        reader.error(name.at, "'/\(name.value)' is built in and cannot be redefined")
                    } else if let f = reader.string(flow, "the flow of '/\(name.value)'") {
                        settings.commands[name.value] = f
                    }
                }
            case "words":
                for (word, command) in reader.mapping(v, "'words'") ?? [] {
                    if let c = reader.string(command, "the command for '\(word.value)'") {
                        settings.commandWords[TextNormalizer.normalize(word.value)] = c.value
                    }
                }
            case "strings":
                let strings = reader.mapping(v, "'strings'") ?? []
                reader.checkKeys(strings, allowed: stringKeys, in: "'strings'")
                for (name, value) in strings {
                    guard let s = reader.text(value, "'\(name.value)'")?.value else { continue }
                    switch name.value {
                    case "help": settings.strings.help = s
                    case "cannot_go_back": settings.strings.cannotGoBack = s
                    case "going_back": settings.strings.goingBack = s
                    case "restarted": settings.strings.restarted = s
                    case "goodbye": settings.strings.goodbye = s
                    case "ended": settings.strings.ended = s
                    case "not_understood": settings.strings.notUnderstood = s
                    case "did_you_mean": settings.strings.didYouMean = s
                    case "resuming": settings.strings.resuming = s
                    case "dialogs_changed": settings.strings.dialogsChanged = s
                    case "skipped": settings.strings.skipped = s
                    case "cannot_skip": settings.strings.cannotSkip = s
                    case "unknown_command": settings.strings.unknownCommand = s
                    case "stay_with_safety": settings.strings.stayWithSafety = s
                    case "emergency_during_crisis": settings.strings.emergencyDuringCrisis = s
                    case "out_of_range": settings.strings.outOfRange = s
                    default: break
                    }
                }
            default: break
            }
        }
        return settings
    }
}

/// Reads `Dialogs/resources.yaml`: crisis lines and emergency numbers per region.
enum ResourceParser {
    static let regionKeys = ["name", "emergency", "resources"]
    static let resourceKeys = ["kind", "name", "contact", "detail"]

    static func parse(_ text: String, reader: inout YAMLReader) -> ResourceTable? {
        guard let root = reader.compose(text), let pairs = reader.mapping(root, "resources.yaml") else { return nil }
        reader.checkKeys(pairs, allowed: ["default", "regions"], in: "resources.yaml")
        var fallback: ResourceTable.Region? = nil
        var regions: [String: ResourceTable.Region] = [:]
        for (k, v) in pairs {
            if k.value == "default" { fallback = region(code: "default", v, reader: &reader) }
            if k.value == "regions" {
                for (code, body) in reader.mapping(v, "'regions'") ?? [] {
                    if let r = region(code: code.value.uppercased(), body, reader: &reader) { regions[r.code] = r }
                }
            }
        }
        guard let fallback else {
            reader.error(reader.location(root), "resources.yaml needs a 'default' region for people whose country is unknown")
            return nil
        }
        return ResourceTable(regions: regions, fallback: fallback)
    }

    static func region(code: String, _ node: Yams.Node, reader: inout YAMLReader) -> ResourceTable.Region? {
        guard let pairs = reader.mapping(node, "region '\(code)'") else { return nil }
        reader.checkKeys(pairs, allowed: regionKeys, in: "region '\(code)'")
        var name = code, emergency: String? = nil
        var resources: [Resource] = []
        for (k, v) in pairs {
            switch k.value {
            case "name": name = reader.string(v, "'name'")?.value ?? code
            case "emergency": emergency = reader.text(v, "'emergency'")?.value
            case "resources":
                for item in reader.sequence(v, "'resources'") ?? [] {
                    guard let rp = reader.mapping(item, "a resource") else { continue }
                    reader.checkKeys(rp, allowed: resourceKeys, in: "a resource")
                    var m: [String: String] = [:]
                    for (rk, rv) in rp { m[rk.value] = reader.string(rv, "'\(rk.value)'")?.value }
                    guard let kind = m["kind"], let rname = m["name"], let contact = m["contact"] else {
                        reader.error(item, "a resource needs 'kind', 'name' and 'contact'"); continue
                    }
                    resources.append(Resource(kind: kind, name: rname, contact: contact, detail: m["detail"]))
                }
            default: break
            }
        }
        guard let emergency else { reader.error(node, "region '\(code)' needs 'emergency' (the emergency number)"); return nil }
        return ResourceTable.Region(code: code, name: name, emergencyNumber: emergency, resources: resources)
    }
}
