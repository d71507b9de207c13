// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "tracesh",
    products: [
        .executable(name: "tracesh", targets: ["tracesh"]),
        .library(name: "TraceshKit", targets: ["TraceshKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-system", from: "1.0.0"),
    ],
    targets: [
        // C shims: fork/prctl/exec for a parent-death signal, and memmem for the event scanner.
        .target(name: "CSupport"),
        .target(
            name: "TraceshKit",
            dependencies: ["CSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .systemLibrary(
            name: "CLibedit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .executableTarget(
            name: "tracesh",
            dependencies: [
                "TraceshKit",
                "CLibedit",
                "CSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "MCP", package: "swift-sdk"),
            ]
        ),
        // Drives the built `tracesh` binary (batch and terminal front ends).
        .testTarget(name: "traceshTests", dependencies: [
            "CSupport", .product(name: "CSV", package: "CSV.swift"),
            // A real MCP client for `tracesh mcp`.
            .product(name: "MCP", package: "swift-sdk"),
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .testTarget(
            name: "TraceshKitTests",
            dependencies: [
                "TraceshKit",
                .product(name: "PropertyBased", package: "swift-property-based"),
                // An RFC 4180 reader, to read CSV output back in tests.
                .product(name: "CSV", package: "CSV.swift"),
            ],
            // A small fake tracefs and golden programs, found through #filePath.
            exclude: ["Fixtures"]
        ),
    ]
)
