import Foundation
import Testing

/// Faults of the machine under a batch script that goes on after errors (`set on-error continue`):
/// each gives an error naming its cause and exit status 1, keeps what was collected, lets the
/// script go on, and leaves no process and no temporary file behind (TMPDIR is private).
/// (Faults covered elsewhere: a bpftrace that cannot be started, StartFailureTests; tracesh
/// killed, SupervisionTests and SignalTests; the runner against a misbehaving fake bpftrace,
/// TraceshKitTests' FakeBpftraceRunTests; the shell's own faults, TerminalFaultTests.)
@Suite(.serialized) struct FaultTests {
    /// A private directory with `tmp` (tracesh's TMPDIR) and `script.trc`.
    final class Scene {
        let directory: TemporaryDirectory
        var temporary: String { directory.path("tmp") }

        init() throws {
            directory = try TemporaryDirectory()
            try FileManager.default.createDirectory(atPath: directory.path("tmp"), withIntermediateDirectories: false)
        }

        func path(_ name: String) -> String { directory.path(name) }

        /// Writes the script (after `set on-error continue`) and returns its path.
        func script(_ lines: [String]) throws -> String {
            let path = directory.path("script.trc")
            try (["set on-error continue"] + lines).joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// A fake bpftrace: a shell script that answers `--version` as bpftrace does, else runs `body`.
        func fakeBpftrace(_ body: String) throws -> String {
            let path = directory.path("bpftrace")
            try writeExecutable("#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'bpftrace v0.17.0'; exit 0; fi\n\(body)\n", to: path)
            return path
        }

        var leftovers: [String] { (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] }

        /// tracesh on `lines`, to its end.
        func run(_ lines: [String], environment: [String: String] = [:]) throws -> Tracesh.Result {
            try Tracesh.run([try script(lines)], environment: environment.merging(["TMPDIR": temporary]) { $1 })
        }
    }

    /// No bpftrace anywhere tracesh looks: in a private mount namespace, /dev/null is bound over
    /// it (the machine keeps its own), and PATH is the usual one.
    @Test(.live) func noBpftraceOnPathRefusesTheRun() throws {
        let scene = try Scene()
        let marker = scene.path("ran")
        let script = try scene.script(["probe o = sys_openat", "run 1s -- /bin/sh -c 'touch \(marker)'", "show graph"])
        let hide = "for f in /usr/bin/bpftrace /usr/sbin/bpftrace /usr/local/bin/bpftrace /bin/bpftrace /sbin/bpftrace; do "
            + "if [ -f \"$f\" ]; then mount --bind /dev/null \"$f\" || exit 99; fi; done; exec \"$0\" \"$1\""
        let result = try Tracesh.runCommand(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", hide, Tracesh.binary.path, script],
                                            environment: ["TMPDIR": scene.temporary, "PATH": "/usr/local/bin:/usr/bin:/bin"])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("script.trc:3:1: error: cannot trace on this machine: bpftrace: no bpftrace on PATH (nor in /usr/sbin or /usr/bin) (fix: apt-get install bpftrace"), "\(result.stderr)")
        #expect(result.stdout.contains("o = sys_openat"), "the script did not go on")
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(scene.leftovers.isEmpty, "\(scene.leftovers)")
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/bpftrace") || FileManager.default.isExecutableFile(atPath: "/usr/sbin/bpftrace"))
    }

    @Test func aBpftraceThatIsNotExecutableIsNamed() throws {
        let scene = try Scene()
        let fake = try scene.fakeBpftrace("exit 0")
        chmod(fake, 0o644)
        let result = try scene.run(["probe o = sys_openat", "run 1s", "show graph"], environment: ["TRACESH_BPFTRACE": fake])
        #expect(result.status == 1)
        #expect(result.stderr.contains("script.trc:3:1: error: cannot trace on this machine: bpftrace: TRACESH_BPFTRACE=\(fake) is not an executable file"), "\(result.stderr)")
        #expect(result.stdout.contains("o = sys_openat"), "the script did not go on: \(result.stdout)")
        #expect(scene.leftovers.isEmpty, "\(scene.leftovers)")
    }

    /// bpftrace ends at once with an attach error: its message is shown, the held command never runs.
    @Test(.live) func aBpftraceThatCannotAttachShowsItsError() throws {
        let scene = try Scene()
        let fake = try scene.fakeBpftrace("""
            echo 'Attaching 1 probe...'
            echo 'ERROR: Could not attach probe tracepoint:syscalls:sys_enter_openat, skipping.' >&2
            exit 1
            """)
        let marker = scene.path("ran")
        let result = try scene.run(["probe o = sys_openat", "run 1m -- /bin/sh -c 'touch \(marker)'", "show graph"],
                                   environment: ["TRACESH_BPFTRACE": fake])
        #expect(result.status == 1)
        #expect(result.stderr.contains("script.trc:3:1: error: run 1 failed: bpftrace failed before tracing started: Could not attach probe tracepoint:syscalls:sys_enter_openat, skipping."), "\(result.stderr)")
        #expect(result.stdout.contains("o = sys_openat"), "the script did not go on: \(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the traced command ran")
        #expect(scene.leftovers.isEmpty, "\(scene.leftovers)")
    }

    /// A real bpftrace killed with SIGKILL mid-run: the run fails saying so, its events are kept.
    @Test(.live) func aBpftraceKilledMidRunKeepsTheEventsBeforeTheKill() throws {
        let scene = try Scene()
        let target = scene.path("opened")
        FileManager.default.createFile(atPath: target, contents: Data())
        let tracesh = try RunningTracesh([try scene.script([
            "set live on", #"probe o = sys_openat "%s", arg2@user"#, "filter o: arg2@user == \"\(target)\"",
            "run 5m -- /bin/sh -c 'cat \(target) \(target) \(target); exec sleep 300'", "events", "show graph",
        ])], environment: ["TMPDIR": scene.temporary])
        // The third event, printed live, has reached tracesh: then bpftrace is killed.
        let end = Date().addingTimeInterval(60)
        while tracesh.stdout.components(separatedBy: target).count - 1 < 3 && Date() < end && tracesh.process.isRunning { usleep(5_000) }
        let children = ProcessTable.children(of: tracesh.pid)
        let bpftrace = try #require(children.first { $0.name == "bpftrace" }, "\(children)\n\(tracesh.stdout)\n\(tracesh.stderr)")
        kill(bpftrace.pid, SIGKILL)
        let (status, _) = tracesh.finish()
        #expect(status == 1, "\(tracesh.stdout)\n\(tracesh.stderr)")
        #expect(tracesh.stderr.contains("error: run 1 failed: bpftrace ended unexpectedly"), "\(tracesh.stderr)")
        #expect(tracesh.stderr.contains("bpftrace ended unexpectedly: it was killed by SIGKILL (signal 9)"), "the cause is not named: \(tracesh.stderr)")
        #expect(!tracesh.stderr.contains("WARNING"), "\(tracesh.stderr)")
        #expect(tracesh.stdout.contains("run 1 failed"), "\(tracesh.stdout)")
        // `events` after the failed run: the three opens, each printed live once and once more.
        #expect(tracesh.stdout.components(separatedBy: target).count - 1 >= 6, "\(tracesh.stdout)")
        #expect(tracesh.stdout.contains("o = sys_openat"), "the script did not go on")
        #expect(SignalTests.survivors(children).isEmpty, "\(SignalTests.survivors(children)) outlived the run")
        #expect(scene.leftovers.isEmpty, "\(scene.leftovers)")
    }

    /// tracefs unmounted in a private mount namespace (the machine keeps its own).
    @Test(.live) func tracefsNotMountedRefusesTheRun() throws {
        let scene = try Scene()
        let marker = scene.path("ran")
        let script = try scene.script(["probe o = u:c:malloc", "run 1s -- /bin/sh -c 'touch \(marker)'", "show graph"])
        let inner = "umount /sys/kernel/tracing && ! mountpoint -q /sys/kernel/tracing && exec \"$0\" \"$1\""
        let result = try Tracesh.runCommand(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", inner, Tracesh.binary.path, script],
                                            environment: ["TMPDIR": scene.temporary])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("script.trc:3:1: error: cannot trace on this machine:"), "\(result.stderr)")
        #expect(result.stderr.contains("tracefs: not mounted at /sys/kernel/tracing (fix: mount -t tracefs nodev /sys/kernel/tracing"), "\(result.stderr)")
        #expect(result.stdout.contains("o = u:c:malloc"), "the script did not go on")
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(scene.leftovers.isEmpty, "\(scene.leftovers)")
        // The machine's own tracefs is still there.
        #expect(FileManager.default.fileExists(atPath: "/sys/kernel/tracing/available_events"))
    }

    /// A 64 KiB tmpfs, full.
    final class FullDisk {
        let path: String
        init(in scene: Scene) throws {
            path = scene.path("small")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            let mounted = try Tracesh.runCommand(["/bin/mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", path])
            guard mounted.status == 0 else { throw POSIXError(.EPERM) }
        }

        /// Fills it up but for `spare` bytes (a filler file).
        func fill(leaving spare: Int = 0) {
            let descriptor = open(path + "/filler", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
            let block = [UInt8](repeating: 0x61, count: 1024)
            while write(descriptor, block, block.count) > 0 {}
            if spare > 0 { ftruncate(descriptor, lseek(descriptor, 0, SEEK_END) - off_t(spare)) }
            close(descriptor)
        }

        var files: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

        deinit { _ = try? Tracesh.runCommand(["/bin/umount", path]) }
    }

    @Test(.live) func aFullDiskWhenSavingSaysSoAndLeavesNoFile() throws {
        let scene = try Scene()
        let disk = try FullDisk(in: scene)
        disk.fill()
        let saved = disk.path + "/session.trc"
        var lines = ["probe o = sys_openat"]
        lines += (1...40).map { "set v\($0) \(String(repeating: "x", count: 100))" }
        let result = try scene.run(lines + ["save \(saved)", "show graph"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("script.trc:43:1: error:") && result.stderr.contains("No space left on device"), "\(result.stderr)")
        #expect(result.stderr.contains("session.trc"), "the file is not named: \(result.stderr)")
        #expect(result.stdout.contains("o = sys_openat"), "the script did not go on")
        #expect(disk.files == ["filler"], "a partial or temporary file was left: \(disk.files)")
        #expect(scene.leftovers.isEmpty, "\(scene.leftovers)")
    }

    /// The disk fills while a run records: the run says its recording is incomplete and why,
    /// and its events stay in the session.
    @Test(.live) func aFullDiskWhileRecordingKeepsTheRunsEvents() throws {
        let scene = try Scene()
        let disk = try FullDisk(in: scene)
        // Room for the header, not for 2000 events.
        disk.fill(leaving: 8192)
        let target = scene.path("opened")
        FileManager.default.createFile(atPath: target, contents: Data())
        let recording = disk.path + "/capture.trcrec"
        let result = try scene.run([#"probe o = sys_openat "%s", arg2@user"#, "filter o: arg2@user == \"\(target)\"",
                                    "record \(recording)",
                                    "run 1m -- /bin/sh -c 'i=0; while [ $i -lt 2000 ]; do : < \(target); i=$((i+1)); done'",
                                    "stats", "show graph"])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("the recording was not completed") && result.stderr.contains("No space left on device"), "\(result.stderr)")
        // Every event is in the session all the same: the 2000 opens, but for those bpftrace
        // itself lost (its perf buffer overflows on a loaded machine, and it says how many).
        let summary = try #require(result.stdout.firstMatch(of: /run 1 failed: (\d+) events in [^,]*, (\d+) lost/), "\(result.stdout)")
        let (events, lost) = (Int(summary.1) ?? 0, Int(summary.2) ?? 0)
        #expect(events > 0 && events + lost == 2000, "\(summary.0)")
        #expect(result.stdout.contains("o = sys_openat"), "the script did not go on")
        // What was written before the disk filled is kept as a recording cut short; no temporary file.
        #expect(disk.files == ["capture.trcrec", "filler"], "\(disk.files)")
        #expect(scene.leftovers.isEmpty, "\(scene.leftovers)")
        let replayed = try Tracesh.run(["-e", "replay \(recording)"])
        #expect(replayed.status == 0, "\(replayed.stderr)")
        #expect(replayed.stderr.contains("without its end-of-run record: the recording was cut short"), "\(replayed.stderr)")
        #expect(replayed.stdout.components(separatedBy: "run 1 completed: ").count == 2, "reported once: \(replayed.stdout)")
    }
}

/// Writes a script to run (see below: written by another process, so it can be run at once).
func writeExecutable(_ text: String, to path: String) throws {
    try writeExecutable(Array(text.utf8), to: path)
}

/// Writes an executable that can be run at once. A descriptor open for writing that a child forked
/// meanwhile (tests run in parallel) inherits makes exec of the file fail with "Text file busy"
/// until that child execs; close-on-exec narrows the window but does not close it. So the bytes
/// go to a side file, which is never run, and `cp` (a process of its own, which forks nothing)
/// writes the executable itself: no descriptor of this process ever has it open for writing.
func writeExecutable(_ bytes: [UInt8], to path: String) throws {
    let side = path + ".bytes"
    guard FileManager.default.createFile(atPath: side, contents: Data(bytes)) else { throw POSIXError(.EIO) }
    defer { try? FileManager.default.removeItem(atPath: side) }
    try copyExecutable(side, to: path)
}

/// Copies an executable with `cp`, for the reason `writeExecutable` gives.
func copyExecutable(_ source: String, to path: String) throws {
    let copied = try Tracesh.runCommand(["/bin/cp", source, path])
    guard copied.status == 0 else { throw POSIXError(.EIO) }
    chmod(path, 0o755)
}

