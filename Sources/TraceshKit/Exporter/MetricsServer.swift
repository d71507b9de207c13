import FlyingFox
import Foundation

/// The read-only HTTP side of `tracesh serve`: `GET /metrics` (the exposition), `GET /` (a page
/// linking to it); any other path is 404 and any other method 405. Nothing a client sends
/// changes what is traced.
public final class MetricsServer: Sendable {
    public let host: String
    public let port: UInt16
    private let server: HTTPServer

    /// `listen` is `ADDRESS:PORT` with an IPv4 address (`127.0.0.1:9435`).
    public init(listen: String, metrics: @escaping @Sendable () -> String) throws(ListenAddressError) {
        (host, port) = try Self.parse(listen)
        let address: sockaddr_in
        do {
            address = try .inet(ip4: host, port: port)
        } catch {
            throw ListenAddressError(text: listen, reason: "'\(host)' is not an IPv4 address")
        }
        server = HTTPServer(address: address, timeout: 15, logger: .disabled, handler: MetricsHandler(metrics: metrics))
    }

    /// Serves until `stop`; throws when the address cannot be listened on.
    public func run() async throws {
        try await server.run()
    }

    /// Waits until the socket listens (or `run` failed).
    public func waitUntilListening() async throws {
        try await server.waitUntilListening()
    }

    public func stop() async {
        await server.stop(timeout: 1)
    }

    static func parse(_ text: String) throws(ListenAddressError) -> (String, UInt16) {
        guard let colon = text.lastIndex(of: ":") else {
            throw ListenAddressError(text: text, reason: "expected ADDRESS:PORT, e.g. 127.0.0.1:9435")
        }
        let host = String(text[..<colon])
        guard let port = UInt16(text[text.index(after: colon)...]) else {
            throw ListenAddressError(text: text, reason: "the port must be a number from 0 to 65535")
        }
        guard !host.isEmpty else { throw ListenAddressError(text: text, reason: "expected ADDRESS:PORT, e.g. 127.0.0.1:9435") }
        return (host, port)
    }

    /// The page at `/`.
    static let index = """
        <!DOCTYPE html>
        <html><head><title>tracesh serve</title></head>
        <body><h1>tracesh serve</h1><p><a href="/metrics">Metrics</a></p></body></html>

        """
}

/// A `--listen` value that is not `ADDRESS:PORT`.
public struct ListenAddressError: Error, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "invalid listen address '\(text)': \(reason)" }
}

/// Answers every request: only GET of `/metrics` and `/`.
struct MetricsHandler: HTTPHandler {
    let metrics: @Sendable () -> String

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard request.method == .GET else {
            return HTTPResponse(statusCode: .methodNotAllowed, headers: [HTTPHeader("Allow"): "GET", .contentType: "text/plain"],
                                body: Data("method not allowed: tracesh serve is read-only\n".utf8))
        }
        switch request.path {
        case "/metrics":
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                body: Data(metrics().utf8))
        case "/":
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: Data(MetricsServer.index.utf8))
        default:
            return HTTPResponse(statusCode: .notFound, headers: [.contentType: "text/plain"], body: Data("not found\n".utf8))
        }
    }
}
