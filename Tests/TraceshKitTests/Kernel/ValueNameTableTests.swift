import Foundation
import Testing
@testable import TraceshKit

/// The syscall, errno and signal tables come from C headers; parsing them must give the
/// kernel's numbers, and the syscall table must agree with the syscalls tracefs offers.
@Suite struct ValueNameTableTests {
    @Test func syscallNumbersComeFromDefines() {
        let table = SyscallTable(header: """
            #ifndef _ASM_UNISTD_64_H
            #define __NR_read 0
            #define __NR_openat 257
            #define __NR_something_else (__X32_SYSCALL_BIT + 1)
            #define __NR_
            #endif
            """)
        #expect(table.number(of: "openat") == 257)
        #expect(table.names[0] == "read")
        #expect(table.numbers.count == 2)
    }

    @Test func theMachinesHeadersGiveTheKnownNumbers() throws {
        let syscalls = SyscallTable(path: Fixtures.syscallHeader)
        #expect(syscalls.number(of: "openat") == 257)
        #expect(syscalls.number(of: "read") == 0)
        #expect(syscalls.names[39] == "getpid")
        let errnos = ErrnoNames.load()
        #expect(errnos[2] == "ENOENT")
        #expect(errnos[13] == "EACCES")
        // errno.h's aliases (EWOULDBLOCK for EAGAIN) do not replace the first name.
        #expect(errnos[11] == "EAGAIN")
        #expect(errnos[110] == "ETIMEDOUT")
        let signals = SignalNames.load()
        #expect(signals[9] == "SIGKILL")
        #expect(signals[6] == "SIGABRT")
        #expect(signals[15] == "SIGTERM")
        #expect(signals[32] == "SIGRTMIN")
        #expect(signals[34] == "SIGRTMIN+2")
        #expect(signals[64] == "SIGRTMIN+32")
    }

    @Test func namesPrintAsTheKindSays() {
        let names = ValueNames(syscalls: [257: "openat"], signals: [9: "SIGKILL"], errnos: [2: "ENOENT"])
        #expect(names.name(of: 257, as: .syscall) == "openat")
        #expect(names.name(of: 999, as: .syscall) == "syscall_999")
        #expect(names.name(of: -2, as: .errno) == "ENOENT")
        #expect(names.name(of: 2, as: .errno) == nil)
        #expect(names.name(of: 9, as: .signal) == "SIGKILL")
        #expect(names.name(of: 9, as: .plain) == nil)
        #expect(names.display(.integer(3), as: .errno) == .integer(3))
    }

    /// `syscalls:sys_enter_X` exists for X in the header, the kernel's own names for a few
    /// (`newfstat` is fstat) included. Syscalls newer than the header (Debian's 6.1 headers on
    /// a 6.18 kernel here: futex_wait, listmount, ...) have no number and print as syscall_N.
    @Test(.live) func theKernelsSyscallsAreInTheTable() {
        let table = KernelCatalog.live.syscallTable()
        let syscalls = KernelCatalog.live.syscalls()
        #expect(syscalls.count > 300)
        for (kernelName, number) in [("newfstat", 5), ("newuname", 63), ("umount", 166), ("openat", 257), ("getpid", 39)] where syscalls.contains(kernelName) {
            #expect(table.number(of: kernelName) == Int64(number), "\(kernelName)")
        }
        let unknown = syscalls.filter { table.number(of: $0) == nil }
        print("syscalls with a tracepoint but no number in \(SyscallTable.defaultHeader): \(unknown)")
        #expect(unknown.count * 10 < syscalls.count, "\(unknown)")
        // The other way: most numbered syscalls have a tracepoint (a few, e.g. the x32 or
        // unimplemented ones, do not).
        let named = Set(syscalls.compactMap(table.number(of:)))
        #expect(Double(named.count) > 0.9 * Double(table.numbers.count), "\(table.numbers.filter { !named.contains($0.value) }.keys.sorted())")
    }
}
