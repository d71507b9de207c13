import CSupport
import Foundation
import Synchronization
import TraceshKit

/// SIGINT, SIGTERM and SIGHUP, handled in one place.
///
/// A C handler (async-signal-safe) writes the signal's number to a pipe; a watcher thread reads
/// it and acts. The three signals are blocked in every other thread (threads inherit the mask of
/// the main thread, which blocks them first thing), so no system call anywhere else is
/// interrupted by them; the shell unblocks SIGINT only while it waits for a line.
///
/// - SIGINT stops the current command (a run keeps what it collected); a batch then exits 130
///   after its summary. A second SIGINT in a batch stops everything at once.
/// - SIGTERM and SIGHUP stop every run, wait until their bpftrace processes are gone (and so
///   their temporary files), restore the terminal, and end tracesh by the same signal.
enum Signals {
    /// The pipe the handler writes to; created by `prepare()`.
    nonisolated(unsafe) private static var notifyRead: Int32 = -1
    /// Set when a signal is ending tracesh: from then on only the watcher decides how it exits
    /// (the main thread, seeing its runs stopped, would otherwise exit first with its own status).
    static let ending = Atomic<Bool>(false)

    /// Exits with `status`, unless a signal is already ending tracesh: then waits for that.
    static func exit(_ status: Int32) -> Never {
        if ending.load(ordering: .sequentiallyConsistent) {
            while true { pause() }
        }
        Foundation.exit(status)
    }

    /// Installs the handlers and blocks the signals in this thread. Call first thing in main,
    /// before any other thread starts; signals that arrive before `watch` is called wait in the pipe.
    static func prepare() {
        var fds: [Int32] = [-1, -1]
        guard tracesh_pipe(&fds) == 0 else { return }
        // The handler must never block on a full pipe.
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        notifyRead = fds[0]
        _ = tracesh_block_stop_signals()
        _ = tracesh_install_signal_handlers(fds[1])
    }

    /// Starts the watcher. `interactive` tells whether the shell is running (then Ctrl-C never
    /// ends tracesh); `terminal` is the terminal state to restore before dying of a signal.
    static func watch(runs: RunManager, interactive: @escaping @Sendable () -> Bool,
                      terminal: TerminalState?) {
        let readEnd = notifyRead
        guard readEnd >= 0 else { return }
        let watcher = Thread {
            _ = tracesh_unblock_stop_signals()
            var interruptsInBatch = 0
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }
                let number = Int32(byte)
                if number == SIGINT {
                    runs.interrupt()
                    guard !interactive() else { continue }
                    interruptsInBatch += 1
                    // The main thread reports the stopped run and exits 130; a second Ctrl-C
                    // does not wait for that (a batch blocked reading a slow file, say).
                    if interruptsInBatch >= 2 {
                        ending.store(true, ordering: .sequentiallyConsistent)
                        runs.shutdown()
                        terminal?.restore()
                        _exit(130)
                    }
                } else {
                    ending.store(true, ordering: .sequentiallyConsistent)
                    runs.shutdown()
                    terminal?.restore()
                    _ = tracesh_die_of_signal(number)
                }
            }
        }
        watcher.name = "tracesh-signals"
        watcher.start()
    }
}

/// The terminal's settings when tracesh started, restored when a signal ends it (libedit changes
/// them while it reads a line).
struct TerminalState: Sendable {
    private let saved: termios

    init?(descriptor: Int32 = STDIN_FILENO) {
        guard isatty(descriptor) == 1 else { return nil }
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else { return nil }
        saved = settings
    }

    /// The width in columns of the terminal `descriptor` is, nil when it is not a terminal.
    static func columns(of descriptor: Int32) -> Int? {
        guard isatty(descriptor) == 1 else { return nil }
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    func restore() {
        var settings = saved
        _ = tcsetattr(STDIN_FILENO, TCSADRAIN, &settings)
    }
}
