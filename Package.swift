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
        // `tracesh serve`: the metric registry and text exposition format, and a small HTTP server.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // C shims: fork/prctl/exec for a parent-death signal, and memmem for the event scanner.
        .target(name: "CSupport"),
        // The library in layers, one target per folder, so that an upward import does not build:
        // Model at the bottom; Files, Kernel, Language, Suggest, Semantics, Plan, Runtime,
        // Analysis, Output and Export above it; Session (the TraceshKit module, which re-exports
        // the layers below) on top; Agent (tracesh api, the MCP tools) above the session.
        .target(name: "TraceshModel", dependencies: ["CSupport"], path: "Sources/TraceshKit/Model"),
        .target(name: "TraceshFiles", dependencies: ["TraceshModel", "CSupport"], path: "Sources/TraceshKit/Files"),
        .target(name: "TraceshKernel", dependencies: ["TraceshModel", "TraceshFiles", "CSupport"], path: "Sources/TraceshKit/Kernel"),
        .target(name: "TraceshLanguage", dependencies: ["TraceshModel", "TraceshFiles"], path: "Sources/TraceshKit/Language"),
        .target(name: "TraceshSuggest", dependencies: ["TraceshModel"], path: "Sources/TraceshKit/Suggest"),
        .target(name: "TraceshSemantics", dependencies: ["TraceshModel", "TraceshKernel"], path: "Sources/TraceshKit/Semantics"),
        .target(name: "TraceshPlan", dependencies: ["TraceshModel", "TraceshKernel", "TraceshLanguage", "TraceshSemantics"], path: "Sources/TraceshKit/Plan"),
        .target(name: "TraceshRuntime", dependencies: ["TraceshModel", "TraceshFiles", "CSupport"], path: "Sources/TraceshKit/Runtime"),
        .target(name: "TraceshAnalysis", dependencies: ["TraceshModel", "TraceshKernel", "TraceshSemantics"], path: "Sources/TraceshKit/Analysis"),
        .target(name: "TraceshOutput", dependencies: ["TraceshModel"], path: "Sources/TraceshKit/Output"),
        .target(name: "TraceshExport", dependencies: ["TraceshModel", "TraceshFiles", "TraceshOutput", .product(name: "GRDB", package: "GRDB.swift")], path: "Sources/TraceshKit/Export"),
        .target(name: "TraceshKit", dependencies: ["TraceshModel", "TraceshFiles", "TraceshKernel", "TraceshLanguage", "TraceshSuggest", "TraceshSemantics", "TraceshPlan", "TraceshRuntime", "TraceshAnalysis", "TraceshOutput", "TraceshExport", "CSupport"], path: "Sources/TraceshKit/Session"),
        // Exporter (tracesh serve): a long run's aggregations as Prometheus metrics over read-only HTTP.
        .target(name: "TraceshExporter", dependencies: ["TraceshModel", "TraceshFiles", "TraceshKernel", "TraceshLanguage", "TraceshRuntime", "TraceshKit", .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "FlyingFox", package: "FlyingFox")], path: "Sources/TraceshKit/Exporter"),
        .target(name: "TraceshAgent", dependencies: ["TraceshModel", "TraceshFiles", "TraceshKernel", "TraceshLanguage", "TraceshSuggest", "TraceshSemantics", "TraceshPlan", "TraceshRuntime", "TraceshAnalysis", "TraceshOutput", "TraceshExport", "TraceshKit"], path: "Sources/TraceshKit/Agent"),
        .systemLibrary(
            name: "CLibedit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .executableTarget(
            name: "tracesh",
            dependencies: [
                "TraceshKit",
                "TraceshAgent",
                "TraceshExporter",
                "CLibedit",
                "CSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "MCP", package: "swift-sdk"),
            ]
        ),
        // The scanner, pipeline and recording format alone, timed in release mode without root
        // (`swift run -c release tracesh-bench`); not part of tracesh.
        .executableTarget(name: "tracesh-bench", dependencies: ["TraceshModel", "TraceshRuntime", "TraceshAnalysis"], path: "Sources/Benchmarks"),
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
                "TraceshKit", "TraceshModel", "TraceshFiles", "TraceshKernel", "TraceshLanguage", "TraceshSuggest",
                "TraceshSemantics", "TraceshPlan", "TraceshRuntime", "TraceshAnalysis", "TraceshOutput", "TraceshExport",
                "TraceshAgent", "TraceshExporter",
                .product(name: "PropertyBased", package: "swift-property-based"),
                // An RFC 4180 reader, to read CSV output back in tests.
                .product(name: "CSV", package: "CSV.swift"),
            ],
            // A small fake tracefs and golden programs, found through #filePath.
            exclude: ["Fixtures"]
        ),
    ]
)

// libFuzzer targets (scripts/fuzz), built only when TRACESH_FUZZ=1 so that the normal build
// and `swift test` never see them: one executable whose entry point hands control to
// libFuzzer's driver; TRACESH_FUZZ_TARGET picks what the inputs are fed to.
if Context.environment["TRACESH_FUZZ"] == "1" {
    package.targets.append(.executableTarget(
        name: "tracesh-fuzz",
        dependencies: ["TraceshKit", "TraceshAgent", "TraceshModel", "TraceshLanguage", "TraceshSemantics", "TraceshKernel",
                       "TraceshPlan", "TraceshRuntime", "TraceshAnalysis"],
        path: "fuzz/Targets"))
}
