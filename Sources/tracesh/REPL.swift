import Foundation
import TraceshKit

/// The interactive shell. (Placeholder until the libedit line editor lands: plain readLine.)
struct REPL {
    let interpreter: Interpreter
    let output: TerminalOutput

    func run() {
        var lineNumber = 0
        while true {
            FileHandle.standardOutput.write(Data("tracesh> ".utf8))
            guard let line = readLine() else { return }
            lineNumber += 1
            if interpreter.run(source: line, origin: nil) == .quit { return }
        }
    }
}
