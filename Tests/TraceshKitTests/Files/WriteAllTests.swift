import Foundation
import Testing
@testable import TraceshKit

/// writeAll: every byte, through a pipe that takes 64 KiB at a time.
struct WriteAllTests {
    @Test func everyByteArrivesThroughShortWrites() throws {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let reader = fds[0]
        nonisolated(unsafe) var received: [UInt8] = []
        let done = DispatchSemaphore(value: 0)
        Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                received += buffer[0..<count]
            }
            done.signal()
        }.start()
        #expect(writeAll(fds[1], bytes) == 0)
        close(fds[1])
        done.wait()
        close(reader)
        #expect(received == bytes)
    }

    @Test func aClosedDescriptorGivesItsErrno() {
        #expect(writeAll(-1, [1, 2, 3]) == EBADF)
    }
}
