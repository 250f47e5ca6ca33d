import Testing
@testable import V5ProductionLimiter

/// `Duration.wholeNanoseconds`, which every request's duration and every decision's waits go
/// through: rounded toward zero, clamped to `Int64` at both ends, never trapping.
@Suite struct DurationConversionTests {
    @Test(arguments: [
        (Duration.seconds(3) + .nanoseconds(7), 3_000_000_007),
        (.zero, 0),
        (Duration(attoseconds: 1_999_999_999), 1),
        (Duration(attoseconds: -1_999_999_999), -1),
        (.seconds(-2) - .nanoseconds(5), -2_000_000_005),
        // The ends of Int64 nanoseconds exactly, and past them.
        (.nanoseconds(Int64.max), .max),
        (.nanoseconds(Int64.min), .min),
        (.seconds(9_300_000_000), .max),
        (.seconds(-9_300_000_000), .min),
        (.seconds(Int64.max), .max),
        (.seconds(Int64.min), .min),
    ] as [(Duration, Int64)])
    func wholeNanosecondsRoundTowardZeroAndClamp(duration: Duration, expected: Int64) {
        #expect(duration.wholeNanoseconds == expected)
    }
}
