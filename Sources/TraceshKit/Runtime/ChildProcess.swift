import CSupport
import Foundation
import Synchronization
import TraceshModel
import TraceshFiles

/// A child process started from a dedicated thread that lives until the child is reaped.
///
/// The kernel's parent-death signal (PR_SET_PDEATHSIG) fires when the *thread* that forked
/// exits, so forking from a short-lived thread would kill the child early; forking from this
/// thread ties the child's life to tracesh's instead: if tracesh dies, even by SIGKILL, the
/// child gets SIGKILL.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    /// Whether the child leads a process group of its own (`newProcessGroup`).
    public let leadsProcessGroup: Bool
    /// Parent's end of the child's stdout/stderr pipes (-1 when output is inherited).
    public let stdoutDescriptor: Int32
    public let stderrDescriptor: Int32
    private let releaseDescriptor: Mutex<Int32>
    /// The raw wait status, set by the thread that waits for the child.
    private let exitStatus: ExitStatusBox
    private let exited: DispatchSemaphore

    public struct SpawnError: Error, CustomStringConvertible {
        public var path: String
        public var code: Int32
        public var description: String { "cannot start \(path): \(String(cString: strerror(code)))" }
    }

    /// Starts `path` with `arguments` (argv[0] is `path`). Without `captureOutput`, the child's
    /// stdout is `standardOutput` (a descriptor of this process, which the caller still owns and
    /// may close once this returns) or, when nil, this process's stdout.
    public init(path: String, arguments: [String], environment: [String: String], captureOutput: Bool,
                standardOutput: Int32? = nil, hold: Bool, deathSignal: Int32, newProcessGroup: Bool) throws {
        let ready = DispatchSemaphore(value: 0)
        let result = Mutex<(Int32, tracesh_child)>((0, tracesh_child(pid: -1, stdout_fd: -1, stderr_fd: -1, release_fd: -1)))
        let exitStatus = ExitStatusBox()
        let exited = DispatchSemaphore(value: 0)
        let thread = Thread {
            let argv = [path] + arguments
            let envp = environment.map { "\($0.key)=\($0.value)" }
            var child = tracesh_child(pid: -1, stdout_fd: -1, stderr_fd: -1, release_fd: -1)
            let code = withCStrings(argv) { cArguments in
                withCStrings(envp) { cEnvironment in
                    tracesh_spawn(path, cArguments, cEnvironment, captureOutput ? 1 : 0, standardOutput ?? -1, hold ? 1 : 0, deathSignal, newProcessGroup ? 1 : 0, &child)
                }
            }
            result.withLock { $0 = (code, child) }
            ready.signal()
            guard code == 0 else { return }
            let status = tracesh_wait(child.pid)
            exitStatus.set(status)
            exited.signal()
        }
        thread.name = "tracesh-child"
        thread.start()
        ready.wait()
        let (code, child) = result.withLock { $0 }
        guard code == 0 else { throw SpawnError(path: path, code: code) }
        pid = child.pid
        leadsProcessGroup = newProcessGroup
        stdoutDescriptor = child.stdout_fd
        stderrDescriptor = child.stderr_fd
        releaseDescriptor = Mutex(child.release_fd)
        self.exitStatus = exitStatus
        self.exited = exited
    }

    /// A held child whose owner goes away without releasing it exits without running: the gate
    /// descriptor is this object's to close.
    deinit { cancelHold() }

    /// Lets a held child exec.
    public func release() {
        releaseDescriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            var byte: UInt8 = 1
            _ = write(descriptor, &byte, 1)
            close(descriptor)
            descriptor = -1
        }
    }

    /// Makes a held child exit without running (it sees the gate close).
    public func cancelHold() {
        releaseDescriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            close(descriptor)
            descriptor = -1
        }
    }

    public func signal(_ number: Int32) {
        guard !hasExited else { return }
        kill(pid, number)
    }

    /// `signal`, to the child's whole process group when it leads one: what it started (a
    /// wrapper script's own children) goes with it.
    public func signalGroup(_ number: Int32) {
        guard !hasExited else { return }
        kill(leadsProcessGroup ? -pid : pid, number)
    }

    public var hasExited: Bool { exitStatus.get() != nil }

    /// Waits for the child; nil when `timeout` passes first.
    public func wait(timeout: Double? = nil) -> Int32? {
        if let status = exitStatus.get() { return tracesh_exit_code(status) }
        if let timeout {
            guard exited.wait(timeout: .now() + timeout) == .success else { return nil }
        } else {
            exited.wait()
        }
        exited.signal()
        return exitStatus.get().map { tracesh_exit_code($0) }
    }
}

/// Where the waiting thread leaves the child's raw wait status.
final class ExitStatusBox: Sendable {
    private let value = Mutex<Int32?>(nil)
    func get() -> Int32? { value.withLock { $0 } }
    func set(_ status: Int32) { value.withLock { $0 = status } }
}

/// Calls `body` with a NULL-terminated C array of the strings.
func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
