import Foundation
import TraceshModel
import TraceshFiles

/// Syscall numbers and names. tracefs's syscall formats do not carry the numbers that
/// `raw_syscalls` reports (`args->id`), so they come from the uapi header Debian's
/// linux-libc-dev installs (`#define __NR_openat 257`).
public struct SyscallTable: Hashable, Sendable {
    /// The x86-64 syscall header.
    public static let defaultHeader = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"

    public let numbers: [String: Int64]
    public let names: [Int64: String]

    public init(numbers: [String: Int64]) {
        self.numbers = numbers
        names = HeaderDefines.namesByValue(numbers.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 })
    }

    /// Parses `unistd_64.h` text.
    public init(header text: String) {
        let defines = HeaderDefines.parse(text) { $0.hasPrefix("__NR_") && $0.count > 5 }
        var numbers: [String: Int64] = [:]
        for define in defines { numbers[String(define.name.dropFirst(5))] = define.value }
        self.init(numbers: numbers)
    }

    /// The table in `path`, empty when it cannot be read (then every number prints as `syscall_N`).
    public init(path: String = SyscallTable.defaultHeader) {
        self.init(header: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }

    /// The number of a syscall as tracefs names it. A few tracepoints carry the kernel's
    /// internal name (`sys_enter_newfstat` for fstat); those are looked up by their uapi name.
    public func number(of syscall: String) -> Int64? { numbers[syscall] ?? Self.uapiNames[syscall].flatMap { numbers[$0] } }

    /// The tracepoints' name of a syscall the header (and trace.py users) call `uapiName`
    /// (`stat` -> `newstat`), or nil when the names agree.
    public static func tracefsName(ofUAPIName uapiName: String) -> String? {
        uapiNames.first { $0.value == uapiName }?.key
    }

    /// Tracepoint names (from `SYSCALL_DEFINE`) that differ from the header's `__NR_` names.
    static let uapiNames = ["newfstat": "fstat", "newstat": "stat", "newlstat": "lstat", "newuname": "uname",
                            "sendfile64": "sendfile", "umount": "umount2"]
}
