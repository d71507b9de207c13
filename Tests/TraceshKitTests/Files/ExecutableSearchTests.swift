import Foundation
import Testing
@testable import TraceshKit

/// The one PATH search for bpftrace and for a run's command.
struct ExecutableSearchTests {
    @Test func theFirstExecutableOnThePathWins() throws {
        let first = try TemporaryFolder(), second = try TemporaryFolder()
        for folder in [first, second] {
            try #require(FileManager.default.createFile(atPath: folder.path + "/tool", contents: Data("#!/bin/sh\n".utf8),
                                                        attributes: [.posixPermissions: 0o755]))
        }
        #expect(ExecutableSearch.find("tool", searchPath: "/nonexistent:\(first.path):\(second.path)") == first.path + "/tool")
        #expect(ExecutableSearch.find("tool", searchPath: "\(second.path):\(first.path)") == second.path + "/tool")
        #expect(ExecutableSearch.find("tool", searchPath: "/usr/bin", fallbacks: [first.path]) == first.path + "/tool")
    }

    @Test func aDirectoryOrAFileWithoutExecuteBitsIsSkipped() throws {
        let folder = try TemporaryFolder(), later = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.path + "/tool", withIntermediateDirectories: false)
        try #require(FileManager.default.createFile(atPath: later.path + "/tool", contents: Data(), attributes: [.posixPermissions: 0o644]))
        #expect(ExecutableSearch.find("tool", searchPath: "\(folder.path):\(later.path)") == nil)
    }

    @Test func aNameWithASlashIsNotSearched() {
        #expect(ExecutableSearch.find("/bin/sh", searchPath: "/nonexistent") == "/bin/sh")
        #expect(ExecutableSearch.find("./no-such-tool", searchPath: "/bin") == nil)
    }
}
