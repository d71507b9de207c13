import Foundation
import Testing

/// tracesh as an unprivileged user (nobody, through setpriv): a run is refused before anything
/// starts, naming what is missing; everything offline works, with the tracepoint catalog read
/// from the world-readable cache `scripts/cache-catalog` makes (tracefs is root-only).
@Suite(.serialized) struct PrivilegeTests {
    static let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first(where: FileManager.default.isExecutableFile)

    /// Needs setpriv (util-linux): skipped without it, a failure under TRACESH_REQUIRE_LIVE=1.
    static var unprivileged: ConditionTrait {
        .enabled(setpriv == nil ? Comment(rawValue: "needs setpriv (util-linux)") : nil) {
            guard setpriv == nil else { return true }
            if LiveRequirement.isRequired { throw LiveRequirement.Unmet(reason: "needs setpriv (util-linux)") }
            return false
        }
    }

    /// A directory under /tmp that nobody can read (0755, as every directory above it), with a
    /// copy of the binary (the build directory may not be readable by nobody), a catalog cache
    /// made by scripts/cache-catalog, and `shared`, a directory nobody may write to.
    final class Sandbox {
        let root: String
        var binary: String { root + "/tracesh" }
        var cache: String { root + "/cache" }
        var shared: String { root + "/shared" }

        init(cache makeCache: Bool = true) throws {
            var template = Array("/tmp/tracesh-nobody-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
            root = String(cString: made)
            chmod(root, 0o755)
            try copyExecutable(Tracesh.binary.path, to: binary)
            try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false)
            chmod(shared, 0o777)
            if makeCache {
                let made = try Self.shell([Tracesh.packageRoot.path + "/scripts/cache-catalog", cache])
                #expect(made.status == 0, "\(made.stderr)")
            }
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// tracesh as nobody (uid and gid 65534, no supplementary groups).
        func tracesh(_ arguments: [String], environment: [String: String] = [:]) throws -> Tracesh.Result {
            try Self.shell([PrivilegeTests.setpriv ?? "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                            "/usr/bin/env", "HOME=" + shared, "TMPDIR=" + shared, "TRACESH_CATALOG_CACHE=" + (environment["TRACESH_CATALOG_CACHE"] ?? cache)]
                           + environment.filter { $0.key != "TRACESH_CATALOG_CACHE" }.map { "\($0.key)=\($0.value)" } + [binary] + arguments)
        }

        static func shell(_ argv: [String]) throws -> Tracesh.Result {
            try Tracesh.runCommand(argv, currentDirectory: URL(fileURLWithPath: "/"))
        }
    }

    @Test(unprivileged) func aRunIsRefusedBeforeAnythingStartsNamingWhatIsMissing() throws {
        let sandbox = try Sandbox()
        let marker = sandbox.shared + "/ran"
        let result = try sandbox.tracesh(["-e", "probe o = sys_openat", "-e", "run 1s -- /bin/sh -c 'touch \(marker)'"])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("-e[2]:1:1: error: cannot trace on this machine: root_access: not root (without CAP_BPF and CAP_PERFMON, and bpftrace 0.17 runs only as root)"), "\(result.stderr)")
        #expect(result.stderr.contains("tracefs: mounted at /sys/kernel/tracing, but this user cannot read it"), "\(result.stderr)")
        // Nothing started: no command, no run summary, nothing left in TMPDIR.
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(!result.stdout.contains("run 1"), "\(result.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.shared).isEmpty)
    }

    @Test(unprivileged) func parsingShowBpftraceSaveLoadHelpAndCapsWorkFromTheCachedCatalog() throws {
        let sandbox = try Sandbox()
        let saved = sandbox.shared + "/saved.trc"
        let session = ["-e", #"probe o = sys_openat "%s", arg2@user"#, "-e", "probe s = t:sched:sched_process_exec",
                       "-e", "probe u = u:c:malloc", "-e", "probe r = r::sys_read", "-e", #"filter o: arg2@user == "/etc/passwd""#,
                       "-e", "agg r: hist retval"]
        let result = try sandbox.tracesh(session + ["-e", "show bpftrace", "-e", "save \(saved)", "-e", "help run", "-e", "caps"])
        #expect(result.status == 0, "\(result.stderr)")
        let catalog = sandbox.cache + "/catalog-" + Self.kernelRelease()
        // The program, with the tracepoints' fields from the cache, and where they came from.
        #expect(result.stdout.contains("// tracepoint formats from the cached catalog \(catalog) (tracefs is not readable by this user)"), "\(result.stdout)")
        #expect(result.stdout.contains("tracepoint:syscalls:sys_enter_openat"))
        #expect(result.stdout.contains("str(args->filename) == \"/etc/passwd\""), "\(result.stdout)")
        #expect(result.stdout.contains("tracepoint:sched:sched_process_exec"))
        #expect(result.stdout.contains(#"libc.so.6":malloc"#), "\(result.stdout)")
        #expect(result.stdout.contains("usage: run [DURATION]"))
        #expect(result.stdout.range(of: #"catalog +true +tracepoint formats read from the cached catalog"#, options: .regularExpression) != nil, "\(result.stdout)")
        #expect(result.stdout.range(of: #"root_access +false"#, options: .regularExpression) != nil)

        // What was saved loads again (as nobody) into the same program.
        let loaded = try sandbox.tracesh(["-e", "load \(saved)", "-e", "show graph"])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        for name in ["o = sys_openat", "s = t:sched:sched_process_exec", "u = u:c:malloc", "r = r::sys_read"] {
            #expect(loaded.stdout.contains(name), "\(loaded.stdout)")
        }
    }

    @Test(unprivileged) func withoutACachedCatalogKernelSpecsSayWhyAndUserSpecsStillWork() throws {
        let sandbox = try Sandbox(cache: false)
        let kernel = try sandbox.tracesh(["-e", "probe o = sys_openat", "-e", "show bpftrace"])
        #expect(kernel.status == 1)
        #expect(kernel.stderr.contains("cannot read the kernel's tracepoints: tracefs is not mounted or not readable, and there is no cached catalog in \(sandbox.cache)/catalog-"), "\(kernel.stderr)")
        #expect(kernel.stderr.contains("run scripts/setup to cache the catalog"))
        let user = try sandbox.tracesh(["-e", "probe u = u:c:malloc", "-e", "show bpftrace", "-e", "caps"])
        #expect(user.status == 0, "\(user.stderr)")
        #expect(user.stdout.contains(#"libc.so.6":malloc"#), "\(user.stdout)")
        #expect(user.stdout.range(of: #"catalog +false +tracepoint formats read from none"#, options: .regularExpression) != nil, "\(user.stdout)")
    }

    /// A recording made as root replays as nobody: no root, no bpftrace, no tracefs needed.
    @Test(.live, unprivileged) func aRecordingMadeAsRootReplaysAsNobody() throws {
        let sandbox = try Sandbox()
        let recording = sandbox.shared + "/capture.trcrec"
        let target = sandbox.shared + "/opened"
        FileManager.default.createFile(atPath: target, contents: Data())
        let made = try Tracesh.run(["-e", #"probe o = sys_openat "%s", arg2@user"#, "-e", "filter o: arg2@user == \"\(target)\"",
                                    "-e", "record \(recording)", "-e", "run 30s -- /bin/cat \(target) \(target)"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains(": 2 events"), "\(made.stdout)")
        chmod(recording, 0o644)
        let replayed = try sandbox.tracesh(["-e", "replay \(recording)", "-e", "events"])
        #expect(replayed.status == 0, "\(replayed.stderr)")
        #expect(replayed.stdout.components(separatedBy: target).count - 1 >= 2, "\(replayed.stdout)")
    }

    /// `scripts/setup` caches the catalog where tracesh looks by default, for this kernel release.
    @Test(unprivileged) func setupCachesTheCatalogWhereTraceshLooksByDefault() throws {
        let setup = try String(contentsOfFile: Tracesh.packageRoot.path + "/scripts/setup", encoding: .utf8)
        #expect(setup.contains("scripts/cache-catalog /var/cache/tracesh"))
        let directory = "/var/cache/tracesh/catalog-" + Self.kernelRelease()
        guard FileManager.default.fileExists(atPath: directory + "/formats") else {
            // Only scripts/setup makes it; CI runs setup first.
            #expect(!LiveRequirement.isRequired, "scripts/setup has not cached the catalog in \(directory)")
            return
        }
        for file in ["available_events", "formats"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + file)
            #expect((attributes[.posixPermissions] as? Int ?? 0) & 0o444 == 0o444, "\(file) is not readable by everyone")
        }
        let sandbox = try Sandbox(cache: false)
        let result = try sandbox.tracesh(["-e", "caps"], environment: ["TRACESH_CATALOG_CACHE": ""])
        #expect(result.stdout.contains("tracepoint formats read from the cached catalog \(directory)"), "\(result.stdout)\n\(result.stderr)")
    }

    static func kernelRelease() -> String {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
