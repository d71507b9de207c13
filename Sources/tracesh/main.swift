import ArgumentParser
import Foundation

setlocale(LC_ALL, "")
// A parent may hand down a blocked SIGTERM or SIGHUP (Foundation's Process does); tracesh must
// die of them like any program, so that its bpftrace processes die with it (parent-death signal).
var unblocked = sigset_t()
sigemptyset(&unblocked)
sigprocmask(SIG_SETMASK, &unblocked, nil)
do {
    var command = try TraceshCommand.parseAsRoot()
    try command.run()
} catch let exit as ExitCode {
    Foundation.exit(exit.rawValue)
} catch {
    // Usage errors exit 2 (not ArgumentParser's 64) so scripts can tell them from failed commands.
    let code = TraceshCommand.exitCode(for: error)
    if code == .success {
        TraceshCommand.exit(withError: error)
    }
    FileHandle.standardError.write(Data((TraceshCommand.fullMessage(for: error) + "\n").utf8))
    Foundation.exit(2)
}
