import CSupport
import Foundation
import TraceshModel

/// Processes tracesh did not start (`run -p PID,...`), watched for their exit through pidfds:
/// a pidfd polls readable once its process has exited, so the runner's poll loop sees the exit
/// without a thread per process or a timer over `/proc`.
public final class WatchedProcesses: Sendable {
    /// The process ids, in the order given.
    public let pids: [pid_t]
    /// One pidfd per process, in the same order.
    let descriptors: [Int32]

    /// Opens a pidfd for each process. Throws when one does not exist (or cannot be watched),
    /// naming it, before anything has started.
    public init(_ pids: [pid_t]) throws {
        var opened: [Int32] = []
        for pid in pids {
            let result = tracesh_pidfd_open(pid)
            guard result >= 0 else {
                for descriptor in opened { close(descriptor) }
                let reason = -result == ESRCH ? "no process has id \(pid)"
                    : "cannot watch process \(pid): \(String(cString: strerror(-result)))"
                throw Diagnostic(reason, at: nil)
            }
            opened.append(result)
        }
        self.pids = pids
        descriptors = opened
    }

    deinit {
        for descriptor in descriptors { close(descriptor) }
    }
}
