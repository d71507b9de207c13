import ArgumentParser
import Foundation
import TraceshKit

// A parent may hand down a blocked SIGTERM or SIGHUP (Foundation's Process does); tracesh must
// act on them like any program, so it starts from an empty mask.
var unblocked = sigset_t()
sigemptyset(&unblocked)
sigprocmask(SIG_SETMASK, &unblocked, nil)
// First thing: SIGINT, SIGTERM and SIGHUP are handled (and blocked in every thread but the
// watcher's) before anything can be interrupted by them.
Signals.prepare()
setlocale(LC_ALL, "")
do {
    var command = try TraceshCommand.parseAsRoot()
    try command.run()
} catch let exit as ExitCode {
    Signals.exit(exit.rawValue)
} catch {
    // Usage errors exit 2 (not ArgumentParser's 64) so scripts can tell them from failed commands.
    let code = TraceshCommand.exitCode(for: error)
    if code == .success {
        TraceshCommand.exit(withError: error)
    }
    writeAll(STDERR_FILENO, Array((TraceshCommand.fullMessage(for: error) + "\n").utf8))
    Foundation.exit(2)
}
