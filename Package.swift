// swift-tools-version: 6.0
import PackageDescription

/// The same language settings on every Swift target.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

var package = Package(
    name: "Backchat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "backchat", targets: ["backchat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        // The pure dialogue engine: no dependencies, no I/O.
        .target(name: "BackchatEngine"),
        // YAML dialogs -> checked Script, with precise diagnostics. Owns Yams.
        .target(name: "BackchatLoader", dependencies: [
            "BackchatEngine",
            .product(name: "Yams", package: "Yams"),
        ]),
        // Scripted transcript tests: parser, runner, coverage.
        .target(name: "BackchatTranscripts", dependencies: ["BackchatEngine"]),
        // Tools for dialog authors: graphs of the flows.
        .target(name: "BackchatAuthoring", dependencies: ["BackchatEngine"]),
        // JSON-RPC 2.0 line protocol for hosts.
        .target(name: "BackchatProtocol", dependencies: ["BackchatEngine"]),
        // GNU readline, as a system library.
        .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
        // The terminal front end.
        .target(name: "BackchatREPL", dependencies: ["BackchatEngine", "CReadline"]),
        // The local conversation store (SQLite through GRDB): sessions, goals, check-ins.
        .target(name: "BackchatStore", dependencies: [
            "BackchatEngine",
            .product(name: "GRDB", package: "GRDB.swift"),
            // SQLite's C API (Debian's libsqlite3-dev), for a file-control GRDB does not wrap.
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        // The one executable.
        .executableTarget(name: "backchat", dependencies: [
            "BackchatEngine", "BackchatLoader", "BackchatTranscripts", "BackchatProtocol", "BackchatREPL",
            "BackchatAuthoring", "BackchatStore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "BackchatEngineTests", dependencies: ["BackchatEngine", "BackchatLoader"]),
        .testTarget(name: "BackchatLoaderTests", dependencies: ["BackchatLoader", "BackchatEngine", "BackchatTestSupport"]),
        .testTarget(name: "BackchatTranscriptTests", dependencies: [
            "BackchatTranscripts", "BackchatLoader", "BackchatEngine", "BackchatAuthoring", "BackchatTestSupport",
        ]),
        // Helpers shared by the test targets (a JSON value, a seeded generator, running a tool).
        .target(name: "BackchatTestSupport", path: "Tests/BackchatTestSupport"),
        .testTarget(name: "BackchatProtocolTests", dependencies: [
            "BackchatProtocol", "BackchatLoader", "BackchatEngine", "BackchatTestSupport",
        ]),
        .testTarget(name: "BackchatREPLTests", dependencies: ["BackchatREPL", "BackchatLoader", "BackchatEngine"]),
        .testTarget(name: "BackchatStoreTests", dependencies: [
            "BackchatStore", "BackchatEngine", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: ["backchat", "BackchatStore", "BackchatEngine", "BackchatTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
