import Foundation
import Testing
@testable import TraceshKit
@testable import TraceshKernel

/// Asking bpftrace its version never hangs tracesh, and the cached catalog reads as tracefs does.
@Suite struct BpftraceLocatorTests {
    @Test func aBpftraceThatHangsOnVersionIsKilledWithWhatItStarted() throws {
        let folder = try TemporaryFolder()
        let script = folder.path + "/bpftrace"
        let pids = folder.path + "/pids"
        // Deaf to SIGINT and SIGTERM, and with a child holding its output pipe.
        try writeExecutable("#!/bin/sh\ntrap '' INT TERM\nsleep 300 &\necho $$ $! > '\(pids)'\nwait\n", to: script)
        // (The timeout leaves the script ample time to start its child and say so, even under load.)
        #expect(BpftraceLocator.askVersion(of: script, timeout: 3) == nil)
        let started = try String(contentsOfFile: pids, encoding: .utf8).split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(started.count == 2)
        for pid in started {
            // Killed (SIGKILL to its group: the signal lands a moment later) and, for the script,
            // reaped; the orphaned sleep is reaped by init, so a zombie counts as gone.
            #expect(Self.waitUntilGone(pid), "\(pid) is still running")
        }
    }


    static func waitUntilGone(_ pid: pid_t, timeout: Double = 10) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let state = stat.split(separator: ")").last?.split(separator: " ").first, state != "Z" else { return true }
            usleep(10_000)
        }
        return false
    }

    @Test func theVersionIsTheLastWordOfTheAnswer() throws {
        let folder = try TemporaryFolder()
        let script = folder.path + "/bpftrace"
        try writeExecutable("#!/bin/sh\necho 'bpftrace v0.17.0'\n", to: script)
        #expect(BpftraceLocator.version(of: script) == "v0.17.0")
    }

    /// A cache in the layout scripts/cache-catalog writes: tracepoints, formats and probe types
    /// read as from tracefs, and `preferred` takes it only when tracefs cannot be read.
    @Test func aCachedCatalogReadsLikeTracefs() throws {
        let folder = try TemporaryFolder()
        let cache = folder.path + "/catalog-test"
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        try "syscalls:sys_enter_openat\nsched:sched_switch\n".write(toFile: cache + "/available_events", atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: cache + "/uprobe_events", contents: Data())
        try """
            ==> events/sched/sched_switch/format <==
            name: sched_switch
            ID: 1
            format:
            \tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;

            ==> events/syscalls/sys_enter_openat/format <==
            name: sys_enter_openat
            ID: 2
            format:
            \tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
            \tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;

            """.write(toFile: cache + "/formats", atomically: true, encoding: .utf8)
        let catalog = KernelCatalog.preferred(tracefs: folder.path + "/no-tracefs", cache: cache)
        #expect(catalog.isCache && catalog.isReadable)
        #expect(catalog.tracepoints() == ["sched:sched_switch", "syscalls:sys_enter_openat"])
        #expect(catalog.syscalls() == ["openat"])
        #expect(catalog.hasUprobes && !catalog.hasKprobes)
        #expect(catalog.format(of: "syscalls:sys_enter_openat")?.fields.map(\.name) == ["__syscall_nr", "filename"])
        #expect(catalog.format(of: "sched:sched_switch")?.fields.map(\.name) == ["prev_comm"])
        #expect(catalog.format(of: "sched:sched_wakeup") == nil)
        #expect(catalog.sourceDescription == "the cached catalog \(cache) (tracefs is not readable by this user)")
        // A readable tracefs wins; neither readable: the unreadable tracefs, which says so.
        let tracefs = folder.path + "/tracefs"
        try FileManager.default.createDirectory(atPath: tracefs, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: tracefs + "/available_events", contents: Data())
        #expect(!KernelCatalog.preferred(tracefs: tracefs, cache: cache).isCache)
        let neither = KernelCatalog.preferred(tracefs: folder.path + "/no-tracefs", cache: folder.path + "/no-cache")
        #expect(!neither.isCache && !neither.isReadable)
        #expect(neither.sourceDescription.hasPrefix("none: "))
    }
}
