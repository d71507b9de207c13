import Testing
@testable import TraceshKit

@Suite struct TraceDurationTests {
    @Test func fractionsAreExactToTheMillisecond() {
        #expect(TraceDuration(parsing: "1.5s")?.milliseconds == 1500)
        #expect(TraceDuration(parsing: "0.1s")?.milliseconds == 100)
        #expect(TraceDuration(parsing: "1.5")?.milliseconds == 1500)
        #expect(TraceDuration(parsing: "2.25m")?.milliseconds == 135_000)
        #expect(TraceDuration(parsing: "0.5h")?.milliseconds == 1_800_000)
        #expect(TraceDuration(parsing: "1.500s")?.milliseconds == 1500)
        #expect(TraceDuration(parsing: "10ms")?.milliseconds == 10)
    }

    @Test func malformedOrFinerThanAMillisecondIsRefused() {
        for text in ["1.", ".5s", "1.5.5s", "0.0005s", "1.5ms", "1,5s", "1.5x", "", "s", "99999999999999999999s"] {
            #expect(TraceDuration(parsing: text) == nil, "\(text)")
        }
    }

    /// What a duration prints reads back as the same duration (scripts are saved with it).
    @Test func descriptionReadsBack() {
        #expect(TraceDuration(milliseconds: 1500).description == "1500ms")
        for milliseconds: Int64 in [1, 500, 1000, 1500, 59_999, 60_000, 90_000, 3_600_000, 5_400_000] {
            let duration = TraceDuration(milliseconds: milliseconds)
            #expect(TraceDuration(parsing: duration.description) == duration, "\(duration)")
        }
    }
}
