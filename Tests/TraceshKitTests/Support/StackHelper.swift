import Foundation

/// Builds Fixtures/stack_helper.c once per test process: static, with frame pointers, no
/// inlining, so `main -> outer -> inner -> openat` are real frames.
enum StackHelper {
    static let path: String = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tracesh-stack-helper-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let binary = directory.appendingPathComponent("stack_helper").path
        let source = Fixtures.root.appendingPathComponent("stack_helper.c").path
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-static", "-fno-omit-frame-pointer", "-O0", "-fno-inline", "-o", binary, source]
        try? compiler.run()
        compiler.waitUntilExit()
        return binary
    }()

    /// `nm` of the helper: each defined symbol's address by name.
    static let symbols: [String: UInt64] = {
        let nm = Process()
        let pipe = Pipe()
        nm.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        nm.arguments = ["nm", path]
        nm.standardOutput = pipe
        try? nm.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        nm.waitUntilExit()
        var symbols: [String: UInt64] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 3, let address = UInt64(parts[0], radix: 16) { symbols[String(parts[2])] = address }
        }
        return symbols
    }()
}
