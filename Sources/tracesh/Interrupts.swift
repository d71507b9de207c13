import CSupport
import Foundation
import TraceshKit

/// Ctrl-C: a C signal handler (async-signal-safe) counts it and wakes a watcher thread, which
/// stops the foreground run. Without a run, the shell clears the line (LineEditor sees the
/// count change); a batch run of tracesh exits with status 130 like other programs.
enum Interrupts {
    static func install(runs: RunManager, interactive: @escaping @Sendable () -> Bool) {
        var fds: [Int32] = [-1, -1]
        guard tracesh_pipe(&fds) == 0 else { return }
        let readEnd = fds[0]
        _ = tracesh_install_interrupt_handler(fds[1])
        let watcher = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }
                if runs.interruptForeground() { continue }
                if !interactive() {
                    // Background runs' bpftrace processes die with us (parent-death signal).
                    exit(130)
                }
            }
        }
        watcher.name = "tracesh-interrupts"
        watcher.start()
    }
}
