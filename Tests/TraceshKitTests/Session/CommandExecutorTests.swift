import Testing
@testable import TraceshKit

/// Each declared command has exactly one executor, keyed by the declaration's name.
@Suite struct CommandExecutorTests {
    @Test func everyDeclaredCommandHasAnExecutorAndNoExecutorIsOrphaned() {
        let declared = Set(CommandRegistry.declarations.map(\.name))
        let executed = Set(CommandExecutors.byKeyword.keys)
        #expect(declared.subtracting(executed).isEmpty, "no executor for \(declared.subtracting(executed).sorted())")
        #expect(executed.subtracting(declared).isEmpty, "no declaration for \(executed.subtracting(declared).sorted())")
    }

    /// An executor given another command's kind says so instead of doing something else.
    @Test func anExecutorRefusesAnotherKind() {
        let interpreter = Interpreter(output: CollectingOutput(), catalog: KernelCatalog(tracefs: "/nonexistent"))
        let wrong = Command(.quit, keyword: "drop", at: .start)
        #expect(throws: Diagnostic.self) { try interpreter.execute(wrong) }
        #expect(throws: Diagnostic.self) { try interpreter.execute(Command(.quit, keyword: "nonesuch", at: .start)) }
    }
}
