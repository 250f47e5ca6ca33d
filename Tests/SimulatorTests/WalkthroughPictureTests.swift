import Testing
@testable import Simulation

/// The numbers the walkthroughs' fixed pictures show, checked against what their captions say.
@Suite struct WalkthroughPictureTests {
    @Test func unlockedScheduleAdmitsTwiceTheTokensAndTheMutexNone() {
        let unprotected = LostUpdateDiagram.unprotectedRows()
        // Both threads read before either writes, twice: every second write is a lost update.
        #expect(unprotected.filter(\.isAdmission).count == 4)
        #expect(unprotected.filter(\.isLostUpdate).map(\.thread) == ["B", "B"])
        #expect(unprotected.last?.tokensAfter == 0)
        let locked = LostUpdateDiagram.lockedRows()
        #expect(locked.map(\.isAdmission) == [true, true, false, false])
        #expect(locked.map(\.tokensAfter) == [1, 0, 0, 0])
    }

    @Test func burstHeadersCountDownAndRefusalsSayRetryAfterOne() {
        let responses = HeaderTimeline.responses()
        // The burst of 8 within 0.7 s: 5 admitted with 4, 3, 2, 1, 0 left, then three 429s.
        #expect(responses.prefix(8).map(\.status) == [200, 200, 200, 200, 200, 429, 429, 429])
        #expect(responses.prefix(5).map(\.remaining) == [4, 3, 2, 1, 0])
        for response in responses where response.status == 429 {
            #expect(response.retryAfterSeconds == 1)
            #expect(response.retryAfterSeconds <= response.resetSeconds)
        }
    }

    @Test func floodLocksNewClientsOutOfStageThreeButNotStageFour() {
        let three = EvictionFloodChart.stageThree()
        let four = EvictionFloodChart.stageFour()
        #expect(three.newcomers.contains { !$0.isAdmitted })
        // Whatever the hash seed, a new key in stage 4 always gets a fresh bucket by evicting one.
        #expect(four.newcomers.allSatisfy { $0.isAdmitted })
        for run in [three, four] {
            #expect(run.keyCounts.allSatisfy { $0.keys <= run.tableSize }, "\(run.name)")
        }
    }

    @Test(arguments: WalkthroughPicture.allCases)
    func everyPictureIsOneCompleteSVGDocument(picture: WalkthroughPicture) {
        let svg = picture.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg == picture.svg())
    }

    @Test func pictureWithoutAnOutputFileOrWithReplayFlagsIsRefused() {
        #expect(throws: SimulationError("--picture needs --svg FILE to write it to")) {
            try SimulatorOptions(arguments: ["--picture", "v5-proxy-path"])
        }
        #expect(throws: SimulationError.self) {
            try SimulatorOptions(arguments: ["--picture", "v6-everything", "--svg", "out.svg"])
        }
        #expect(throws: SimulationError("--picture draws a fixed picture; --rate applies only to a trace replay")) {
            try SimulatorOptions(arguments: ["--picture", "v3-headers-over-burst", "--rate", "2", "--svg", "out.svg"])
        }
    }
}
