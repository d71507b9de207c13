import Foundation
import Testing
@testable import TraceshExporter

/// The HTTP side of `tracesh serve` is read-only: GET /metrics and GET / only.
@Suite struct MetricsServerTests {
    /// A loopback port nobody listens on now (the kernel picks it).
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }

    /// `curl -X METHOD URL`: the status code and the body.
    static func request(_ method: String, _ url: String) throws -> (status: Int, body: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-s", "-X", method, "-o", "-", "-w", "\n%{http_code}", "--max-time", "10", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var text = String(decoding: data, as: UTF8.self)
        let status = Int(text.split(separator: "\n").last ?? "") ?? 0
        if let newline = text.lastIndex(of: "\n") { text = String(text[..<newline]) }
        return (status, text)
    }

    @Test func onlyGetOfMetricsAndTheIndexIsServed() async throws {
        let port = Self.freePort()
        let server = try MetricsServer(listen: "127.0.0.1:\(port)") { "tracesh_up 1\n" }
        let task = Task { try await server.run() }
        try await server.waitUntilListening()
        defer { task.cancel() }
        let base = "http://127.0.0.1:\(port)"
        let metrics = try Self.request("GET", base + "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body == "tracesh_up 1\n")
        let index = try Self.request("GET", base + "/")
        #expect(index.status == 200)
        #expect(index.body.contains(#"<a href="/metrics">"#))
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            let refused = try Self.request(method, base + "/metrics")
            #expect(refused.status == 405, "\(method)")
            #expect(!refused.body.contains("tracesh_up"))
        }
        for path in ["/metricsx", "/api", "/run", "/../etc/passwd", "/metrics.txt"] {
            #expect(try Self.request("GET", base + path).status == 404, "\(path)")
        }
        await server.stop()
    }

    @Test func listenAddressesAreChecked() {
        #expect(throws: ListenAddressError.self) { try MetricsServer(listen: "9435") { "" } }
        #expect(throws: ListenAddressError.self) { try MetricsServer(listen: "localhost:9435") { "" } }
        #expect(throws: ListenAddressError.self) { try MetricsServer(listen: "127.0.0.1:http") { "" } }
        #expect(throws: ListenAddressError.self) { try MetricsServer(listen: "127.0.0.1:70000") { "" } }
    }
}
