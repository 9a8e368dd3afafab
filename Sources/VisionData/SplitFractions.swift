/// Fractions of each class that go to train, val and test.
public struct SplitFractions: Sendable, Codable, Equatable {
    public var train: Double
    public var val: Double
    public var test: Double

    /// 80 / 10 / 10.
    public static let standard = SplitFractions(uncheckedTrain: 0.8, val: 0.1, test: 0.1)

    /// Checked fractions: each in [0, 1], train positive, summing to 1.
    public init(train: Double, val: Double, test: Double) throws(DatasetError) {
        for (name, value) in [("train", train), ("val", val), ("test", test)] where !(value >= 0 && value <= 1) {
            throw .invalidFractions("expected \(name) in [0, 1], got \(value)")
        }
        guard train > 0 else { throw .invalidFractions("expected a positive train fraction, got \(train)") }
        let sum = train + val + test
        guard abs(sum - 1) < 1e-6 else {
            throw .invalidFractions("expected train + val + test = 1, got \(train) + \(val) + \(test) = \(sum)")
        }
        self.init(uncheckedTrain: train, val: val, test: test)
    }

    /// Val and test from the command line; train is the rest.
    public init(val: Double, test: Double) throws(DatasetError) {
        try self.init(train: 1 - val - test, val: val, test: test)
    }

    init(uncheckedTrain train: Double, val: Double, test: Double) {
        self.train = train
        self.val = val
        self.test = test
    }
}
