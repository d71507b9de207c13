import Foundation
import Testing
@testable import TraceshExporter

/// `--listen` values. (What the listener answers is tested against the real `tracesh serve`, in
/// ServeTests: a server in this process would share Swift's small global executor with the
/// other tests, which block it.)
@Suite struct MetricsServerTests {
    @Test func listenAddressesAreChecked() {
        #expect(throws: ListenAddressError.self) { try MetricsServer(listen: "9435") { "" } }
        #expect(throws: ListenAddressError.self) { try MetricsServer(listen: "localhost:9435") { "" } }
        #expect(throws: ListenAddressError.self) { try MetricsServer(listen: "127.0.0.1:http") { "" } }
        #expect(throws: ListenAddressError.self) { try MetricsServer(listen: "127.0.0.1:70000") { "" } }
    }
}
