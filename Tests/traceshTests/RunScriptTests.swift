import Foundation
import Testing

/// `scripts/run`, the README's first command: it runs scripts/setup only when something is
/// missing, on standard error, then execs the release tracesh with its arguments. Driven in a
/// copy of the repository's layout whose setup is a stand-in (the real one installs packages
/// and builds), so the test sees exactly when setup runs and what tracesh receives.
@Suite struct RunScriptTests {
    // Live: with bpftrace or tracefs missing, setup would (rightly) run every time.
    @Test(.live) func setsUpOnlyWhenTheReleaseBuildIsMissingThenPassesTheArgumentsOn() throws {
        let root = try TemporaryDirectory()
        let scripts = root.path("scripts"), release = root.path(".build/release")
        try FileManager.default.createDirectory(atPath: scripts, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: release, withIntermediateDirectories: true)
        try writeExecutable(Array(Data(contentsOf: URL(fileURLWithPath: Tracesh.packageRoot.path + "/scripts/run"))), to: scripts + "/run")
        // The stand-in setup counts its calls and "builds" a tracesh that prints its arguments.
        let setup = """
            #!/bin/sh
            echo setup-ran >> "\(root.path("setup.log"))"
            printf '#!/bin/sh\\nfor a in "$@"; do echo "arg:$a"; done\\n' > "\(release)/tracesh"
            chmod +x "\(release)/tracesh"
            """
        try setup.write(toFile: scripts + "/setup", atomically: true, encoding: .utf8)
        chmod(scripts + "/setup", 0o755)

        func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            let process = Process(), output = Pipe(), errors = Pipe()
            process.executableURL = URL(fileURLWithPath: scripts + "/run")
            process.arguments = arguments
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, stdout, stderr)
        }
        func setupRuns() -> Int {
            ((try? String(contentsOfFile: root.path("setup.log"), encoding: .utf8)) ?? "").split(separator: "\n").count
        }

        let first = try run(["-e", "help run", "x=a b"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "arg:-e\narg:help run\narg:x=a b\n", "tracesh's arguments, unsplit, and only its output on stdout")
        #expect(first.stderr.contains("missing: the release build"), "\(first.stderr)")
        #expect(setupRuns() == 1)

        let second = try run(["--version"])
        #expect(second.status == 0 && second.stdout == "arg:--version\n")
        #expect(setupRuns() == 1, "setup must not run again once everything is there")
    }
}
