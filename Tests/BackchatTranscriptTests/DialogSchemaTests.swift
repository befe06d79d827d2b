import BackchatTestSupport
import Foundation
import Testing

/// The published JSON Schema for dialog files, checked with a real validator (Python's
/// jsonschema, the same draft editors use) against every shipped flow and a broken example.
@Suite("Dialog JSON Schema")
struct DialogSchemaTests {
    static let script = """
        import json, sys, yaml, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        bad = 0
        for path in sys.argv[2:]:
            errors = list(validator.iter_errors(yaml.safe_load(open(path, encoding="utf-8"))))
            for e in errors[:3]:
                print(f"{path}: {'/'.join(str(p) for p in e.absolute_path)}: {e.message[:160]}")
            bad += bool(errors)
        print(f"invalid: {bad}")
        """

    /// Runs the validator; returns its output and exit status.
    func validate(_ files: [String]) throws -> (String, Int32) {
        let schema = Paths.package.appendingPathComponent("docs/dialog.schema.json").path
        let (output, status) = try Tool.run(["python3", "-c", Self.script, schema] + files)
        return (output, status)
    }

    /// Every flow file shipped in Dialogs/ (not locale.yaml, lexicons or resources).
    static var flowFiles: [String] {
        let root = Paths.dialogs
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            guard rel.hasSuffix(".yaml"), rel.contains("/"), !rel.hasSuffix("/locale.yaml"), !rel.contains("/lexicon/") else { continue }
            out.append(root + "/" + rel)
        }
        return out.sorted()
    }

    @Test func shippedDialogsMatchTheSchema() throws {
        let files = Self.flowFiles
        #expect(files.count >= 3)
        let (output, status) = try validate(files)
        #expect(status == 0, "python3 with jsonschema and PyYAML is needed (.ci/setup installs them): \(output)")
        #expect(output.hasSuffix("invalid: 0\n"), "\(output)")
    }

    @Test func brokenExampleFails() throws {
        let broken = Paths.package.appendingPathComponent("Tests/Fixtures/schema/broken.yaml").path
        let (output, status) = try validate([broken])
        #expect(status == 0, "\(output)")
        #expect(output.contains("invalid: 1"))
        #expect(output.contains("broken.yaml: flow: 'broken flow' does not match"), "\(output)")
    }
}
