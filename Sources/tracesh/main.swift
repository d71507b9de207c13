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
let arguments = Array(CommandLine.arguments.dropFirst())
// `tracesh api ...` is a front end of its own; everything else is the shell's command line.
let frontEnd: ParsableCommand.Type = arguments.first.flatMap { TraceshCommand.frontEnds[$0] } ?? TraceshCommand.self
do {
    var command = try frontEnd.parseAsRoot(frontEnd == TraceshCommand.self ? arguments : Array(arguments.dropFirst()))
    try command.run()
} catch let exit as ExitCode {
    Signals.exit(exit.rawValue)
} catch {
    // Usage errors exit 2 (not ArgumentParser's 64) so scripts can tell them from failed commands.
    let code = frontEnd.exitCode(for: error)
    if code == .success {
        frontEnd.exit(withError: error)
    }
    writeAll(STDERR_FILENO, Array((frontEnd.fullMessage(for: error) + "\n").utf8))
    Foundation.exit(2)
}
