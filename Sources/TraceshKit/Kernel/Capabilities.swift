import Foundation
import Synchronization
import TraceshModel
import TraceshFiles
import CSupport

/// What this machine can trace, each with a one-line reason and, when missing, a fix.
public struct Capability: Hashable, Sendable {
    public var name: String
    public var available: Bool
    public var reason: String
    public var fix: String

    public init(name: String, available: Bool, reason: String, fix: String = "") {
        self.name = name
        self.available = available
        self.reason = reason
        self.fix = fix
    }
}

/// Probes the machine for everything a run needs: eBPF, bpftrace, privileges, tracefs/debugfs,
/// BTF, and which probe types the kernel offers.
public struct Capabilities: Sendable {
    public var all: [Capability]

    public init(all: [Capability]) { self.all = all }

    public subscript(name: String) -> Capability? { all.first { $0.name == name } }

    /// Reads the running system.
    public static func detect(catalog: KernelCatalog = .live, bpftrace: String? = BpftraceLocator.find()) -> Capabilities {
        let fileManager = FileManager.default
        var all: [Capability] = []

        let bpfEnabled = fileManager.fileExists(atPath: "/proc/sys/kernel/unprivileged_bpf_disabled") || fileManager.fileExists(atPath: "/sys/fs/bpf")
        all.append(Capability(name: "kernel_ebpf", available: bpfEnabled,
                              reason: bpfEnabled ? "the kernel has the bpf() system call (/proc/sys/kernel/unprivileged_bpf_disabled exists)" : "no sign of eBPF in /proc/sys/kernel or /sys/fs/bpf",
                              fix: bpfEnabled ? "" : "use a kernel built with CONFIG_BPF_SYSCALL"))

        all += runNeeds(catalog: catalog, bpftrace: bpftrace, withVersion: true)

        let debugfs = isMounted("/sys/kernel/debug", type: "debugfs")
        all.append(Capability(name: "debugfs", available: debugfs, reason: debugfs ? "mounted at /sys/kernel/debug" : "not mounted at /sys/kernel/debug",
                              fix: debugfs ? "" : "mount -t debugfs nodev /sys/kernel/debug (scripts/setup does this)"))

        let btf = fileManager.fileExists(atPath: "/sys/kernel/btf/vmlinux")
        all.append(Capability(name: "btf", available: btf, reason: btf ? "/sys/kernel/btf/vmlinux exists" : "no /sys/kernel/btf/vmlinux",
                              fix: btf ? "" : "use a kernel built with CONFIG_DEBUG_INFO_BTF"))

        let kprobes = catalog.hasKprobes
        all.append(Capability(name: "kprobes", available: kprobes,
                              reason: kprobes ? "kprobe_events exists in " + (catalog.isCache ? "the cached catalog" : "tracefs") : (catalog.isReadable ? "the kernel has no kprobes (no kprobe_events in tracefs: CONFIG_KPROBES is off)" : "unknown: tracefs is not readable"),
                              fix: kprobes ? "" : "use syscall specs (sys_read -> tracepoint syscalls:sys_enter_read) or t:category:event tracepoints"))

        all.append(Capability(name: "kfunc", available: false,
                              reason: kprobes ? "bpftrace 0.17 cannot attach kfunc/fentry probes on this kernel" : "needs BTF and fentry support; bpftrace 0.17 cannot use it here",
                              fix: "use tracepoints"))

        let uprobes = catalog.hasUprobes
        all.append(Capability(name: "uprobes", available: uprobes,
                              reason: uprobes ? "uprobe_events exists in " + (catalog.isCache ? "the cached catalog" : "tracefs") : (catalog.isReadable ? "no uprobe_events in tracefs (CONFIG_UPROBE_EVENTS is off)" : "unknown: tracefs is not readable"),
                              fix: uprobes ? "" : "use a kernel with CONFIG_UPROBE_EVENTS"))

        let tracepoints = catalog.isReadable && !catalog.tracepoints().isEmpty
        all.append(Capability(name: "tracepoints", available: tracepoints,
                              reason: tracepoints ? "\(catalog.tracepoints().count) tracepoints in " + (catalog.isCache ? "the cached catalog" : "tracefs") + " (\(catalog.syscalls().count) syscalls)" : "tracefs is not readable, so no tracepoints can be listed",
                              fix: tracepoints ? "" : "mount tracefs and run as root"))
        return Capabilities(all: all)
    }

    /// Only what a run needs (bpftrace, privileges, tracefs), without starting bpftrace to ask
    /// its version: a run checks these each time, and `bpftrace --version` cost 40-60 ms a run.
    public static func forRun(catalog: KernelCatalog = .live, bpftrace: String? = BpftraceLocator.find()) -> Capabilities {
        Capabilities(all: runNeeds(catalog: catalog, bpftrace: bpftrace, withVersion: false))
    }

    private static func runNeeds(catalog: KernelCatalog, bpftrace: String?, withVersion: Bool) -> [Capability] {
        var all: [Capability] = []
        if let bpftrace {
            let version = withVersion ? " (\(BpftraceLocator.version(of: bpftrace) ?? "unknown version"))" : ""
            all.append(Capability(name: "bpftrace", available: true, reason: "\(bpftrace)\(version)"))
        } else {
            all.append(Capability(name: "bpftrace", available: false, reason: BpftraceLocator.absence(), fix: "apt-get install bpftrace (or run scripts/setup)"))
        }

        // The kernel would let CAP_BPF and CAP_PERFMON trace, but bpftrace 0.17 checks for root
        // itself ("currently only supports running as the root user"): a run needs root.
        let missingCapabilities = missingBPFCapabilities()
        let root = geteuid() == 0
        let capabilities = missingCapabilities.isEmpty ? "CAP_BPF and CAP_PERFMON are effective, but bpftrace 0.17 runs only as root"
            : "without \(missingCapabilities.joined(separator: " and ")), and bpftrace 0.17 runs only as root"
        all.append(Capability(name: "root_access", available: root,
                              reason: root ? "running as root" : "not root (\(capabilities))",
                              fix: root ? "" : "run tracesh with sudo (parsing, show bpftrace, save, load, replay and help work without it)"))

        let tracefs = isMounted("/sys/kernel/tracing", type: "tracefs")
        // The kernel's own tracefs; a cached catalog lets tracesh compile, not trace.
        let tracefsReadable = !catalog.isCache && catalog.isReadable
        all.append(Capability(name: "tracefs", available: tracefs && tracefsReadable,
                              reason: tracefs ? (tracefsReadable ? "mounted at /sys/kernel/tracing" : "mounted at /sys/kernel/tracing, but this user cannot read it") : "not mounted at /sys/kernel/tracing",
                              fix: tracefs ? (tracefsReadable ? "" : "run as root") : "mount -t tracefs nodev /sys/kernel/tracing (scripts/setup does this)"))
        all.append(Capability(name: "catalog", available: catalog.isReadable,
                              reason: "tracepoint formats read from " + catalog.sourceDescription,
                              fix: catalog.isReadable ? "" : "run scripts/setup as root (it caches the catalog in \(KernelCatalog.cacheDirectory()))"))
        return all
    }

    /// The capabilities a run needs that are missing, with their fixes, as one message; nil when all are there.
    public func missingForRun() -> String? {
        let needed = ["bpftrace", "root_access", "tracefs"]
        let missing = needed.compactMap { self[$0] }.filter { !$0.available }
        guard !missing.isEmpty else { return nil }
        return missing.map { "\($0.name): \($0.reason) (fix: \($0.fix))" }.joined(separator: "; ")
    }

    /// The capabilities as a table for `caps`.
    public var table: ResultTable {
        ResultTable(columns: ["capability", "available", "reason", "fix"],
                    rows: all.map { [.string($0.name), .bool($0.available), .string($0.reason), .string($0.fix)] })
    }

    static func isMounted(_ path: String, type: String) -> Bool {
        guard let mounts = VirtualFile.read("/proc/self/mounts") else { return false }
        return mounts.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 2 && fields[1] == path && fields[2] == type
        }
    }

    /// Which of CAP_BPF (39) and CAP_PERFMON (38) are not in the effective set, from /proc/self/status.
    static func missingBPFCapabilities() -> [String] {
        guard let status = VirtualFile.read("/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let mask = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return ["CAP_BPF", "CAP_PERFMON"] }
        return [(39, "CAP_BPF"), (38, "CAP_PERFMON")].filter { mask & (1 << $0.0) == 0 }.map(\.1)
    }
}

/// Finds bpftrace and asks its version.
public enum BpftraceLocator {
    /// `$TRACESH_BPFTRACE`, else the first `bpftrace` on PATH.
    public static func find() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let override = environment["TRACESH_BPFTRACE"] {
            return ExecutableSearch.isExecutable(override) ? override : nil
        }
        // sbin is often missing from a non-root PATH, and bpftrace lives there on some systems.
        return ExecutableSearch.find("bpftrace", fallbacks: ["/usr/sbin", "/usr/bin"])
    }

    /// Versions already asked, by the binary's identity (path, device, inode, size, mtime): a
    /// binary replaced in place is asked again.
    private static let versions = Mutex<[String: String]>([:])

    /// `v0.17.0` from `bpftrace --version`, asked once per binary in this process.
    public static func version(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return askVersion(of: path) }
        let identity = "\(path)\u{0}\(info.st_dev):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        if let known = versions.withLock({ $0[identity] }) { return known }
        let version = askVersion(of: path)
        if let version { versions.withLock { $0[identity] = version } }
        return version
    }

    /// Why no bpftrace was found, naming what was looked at: `$TRACESH_BPFTRACE` that does not
    /// exist or cannot be executed, a `bpftrace` on PATH that is not executable, or none at all.
    public static func absence() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let override = environment["TRACESH_BPFTRACE"] {
            return FileManager.default.fileExists(atPath: override)
                ? "TRACESH_BPFTRACE=\(override) is not an executable file" : "TRACESH_BPFTRACE=\(override) does not exist"
        }
        let directories = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin"]
        let regular = directories.map { $0 + "/bpftrace" }.first { path in
            var info = stat()
            return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
        }
        if let regular { return "\(regular) is not executable" }
        return "no bpftrace on PATH (nor in /usr/sbin or /usr/bin)"
    }

    /// `v0.17.0` from `bpftrace --version`; nil when it fails or does not answer within `timeout`
    /// seconds (then it is killed, with anything it started: it runs in a process group of its own).
    static func askVersion(of path: String, timeout: Double = 5) -> String? {
        var child = tracesh_child(pid: -1, stdout_fd: -1, stderr_fd: -1, release_fd: -1)
        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup(path), strdup("--version"), nil]
        let environment: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in arguments + environment { free(pointer) } }
        let code = arguments.withUnsafeBufferPointer { argv in
            environment.withUnsafeBufferPointer { envp in
                tracesh_spawn(path, argv.baseAddress!, envp.baseAddress!, 1, -1, 0, 0, 1, &child)
            }
        }
        guard code == 0 else { return nil }
        close(child.stderr_fd)
        defer {
            close(child.stdout_fd)
            _ = tracesh_wait(child.pid)
        }
        let deadline = Date().addingTimeInterval(timeout)
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = deadline.timeIntervalSinceNow
            var descriptor = pollfd(fd: child.stdout_fd, events: Int16(POLLIN), revents: 0)
            let ready = left > 0 ? poll(&descriptor, 1, Int32(left * 1000) + 1) : 0
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else {
                // Hung (or too slow): its whole group goes, so no grandchild holds the pipe.
                kill(-child.pid, SIGKILL)
                kill(child.pid, SIGKILL)
                return nil
            }
            let count = read(child.stdout_fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0, output.count < 1 << 16 else { break }
            output += buffer[0..<count]
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last.map(String.init)
    }
}
