import Foundation
import Testing
import VisionData
import VisionModelAPI
import VisionTestSupport
import VisionWorkflow

/// The search space and the search strategies, without training.
@Suite struct TuningTests {
    func write(_ text: String) throws -> String {
        let path = try Fixtures.temporaryDirectory() + "/space.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aSpaceFileHoldsListsAndRanges() throws {
        let space = try SearchSpace.read(try write("""
            model: [lenet, defectnet]
            lr: {log: [1e-4, 1e-1]}
            batch_size: [32, 64]
            model_config.width: {int: [8, 12]}
            momentum: {float: [0.8, 0.99]}
            """))
        #expect(space.dimensions.map(\.key) == ["model", "lr", "batch_size", "model_config.width", "momentum"])
        #expect(space.dimensions[1].domain == .logUniform(1e-4...1e-1))
        #expect(space.dimensions[3].domain == .integers(8...12))
        // A continuous range has no grid; a random search draws from it.
        #expect { _ = try space.gridPoints() } throws: { "\($0)".contains("needs --random N") }
        let points = space.sample(50, seed: 7)
        #expect(points == space.sample(50, seed: 7))
        #expect(points != space.sample(50, seed: 8))
        for point in points {
            guard case .double(let lr) = point["lr"], case .int(let width) = point["model_config.width"], case .double(let m) = point["momentum"] else {
                Issue.record("unexpected point \(point)")
                continue
            }
            #expect(lr >= 1e-4 && lr <= 1e-1 && (8...12).contains(width) && m >= 0.8 && m <= 0.99)
        }
        // Log-uniform: about as many draws below 1e-2.5 as above.
        let low = points.filter { if case .double(let lr)? = $0["lr"] { return lr < pow(10, -2.5) } else { return false } }.count
        #expect((15...35).contains(low), "\(low) of 50 below the log midpoint")
    }

    @Test func gridsEnumerateEveryCombinationFirstKeySlowest() throws {
        let space = try SearchSpace.grid(["lr=0.1,0.01", "batch_size=32,64,128"])
        let points = try space.gridPoints()
        #expect(points.count == 6)
        #expect(points[0] == ["lr": 0.1, "batch_size": 32] && points[1] == ["lr": 0.1, "batch_size": 64])
        #expect(points[5] == ["lr": 0.01, "batch_size": 128])
        let c = try SearchSpace.apply(points[4], to: TrainingConfiguration())
        #expect(c.lr == 0.01 && c.batchSize == 64)
        // model_config keys go into the model's configuration; a point that changes the model starts from its defaults.
        var base = TrainingConfiguration()
        base.model = "defectnet"
        base.modelConfig = ["stages": 3]
        let tuned = try SearchSpace.apply(["model_config.width": 8], to: base)
        #expect(tuned.modelConfig == ["stages": 3, "width": 8])
        #expect(try SearchSpace.apply(["model": "lenet"], to: base).modelConfig.isEmpty)
    }

    @Test func badSpacesAreOneLineErrorsNamingTheKey() throws {
        #expect { _ = try SearchSpace.grid(["lrr=0.1"]) } throws: { "\($0)".contains("lrr") && "\($0)".contains("did you mean 'lr'") }
        #expect { _ = try SearchSpace.grid(["lr"]) } throws: { "\($0)".contains("KEY=V1,V2") }
        #expect { _ = try SearchSpace.grid(["lr=0.1,"]) } throws: { "\($0)".contains("comma-separated") }
        #expect { _ = try SearchSpace.grid(["output=a,b"]) } throws: { "\($0)".contains("output") }
        let empty = try write("lr: []\n")
        #expect { _ = try SearchSpace.read(empty) } throws: { "\($0)" == "\(empty):1: lr: expected at least one value, got 'an empty list'" }
        let backwards = try write("epochs: 3\nlr: {float: [0.5, 0.1]}\n")
        #expect { _ = try SearchSpace.read(backwards) } throws: { "\($0)".hasPrefix("\(backwards):2: lr: expected a range with low ≤ high") }
        let logZero = try write("lr: {log: [0, 1]}\n")
        #expect { _ = try SearchSpace.read(logZero) } throws: { "\($0)".contains("above 0") }
        // A value of the wrong type is found before any training.
        let wrongType = TuningSpecification(base: TrainingConfiguration(), space: try SearchSpace.grid(["batch_size=32,big"]), strategy: .grid)
        #expect { _ = try wrongType.candidates() } throws: { "\($0)".contains("batch_size") }
        let noHalving = TuningSpecification(base: TrainingConfiguration(), space: try SearchSpace.grid(["lr=0.1"]), strategy: .grid, halvingFactor: 1)
        #expect { _ = try noHalving.candidates() } throws: { "\($0)".contains("--eta") }
    }

    /// Successive halving on 12 candidates, eta 3, 9 epochs: rounds of 1, 3 and 9 epochs with 12,
    /// 4 and 2 trials: 42 epochs, 39% of the 108 the full grid takes at 9 epochs.
    @Test func halvingPromotesTheBestThirdWithThreeTimesTheEpochs() throws {
        var base = TrainingConfiguration()
        base.epochs = 9
        let specification = TuningSpecification(
            base: base, space: try SearchSpace.grid(["lr=1,2,3,4", "batch_size=1,2,3"]), strategy: .grid, halvingFactor: 3)
        #expect(specification.roundEpochs(candidates: 12) == [1, 3, 9])
        #expect(specification.promoted(12) == 4 && specification.promoted(4) == 2 && specification.promoted(2) == 1)
        let spent = 12 * 1 + 4 * 3 + 2 * 9
        #expect(Double(spent) <= 0.5 * Double(12 * 9))
        #expect(TuningSpecification(base: base, space: specification.space, strategy: .grid).roundEpochs(candidates: 12) == [9])
    }
}
