import ArgumentParser
import Foundation

setlocale(LC_ALL, "")
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
