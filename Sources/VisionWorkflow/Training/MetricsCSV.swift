import Foundation
import VisionImage

/// `metrics.csv`: one row per epoch, for the user and their plotting tools. The first eight
/// columns are fixed; every other validation figure follows, sorted by name.
public enum MetricsCSV {
    static let fixed = ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "learning_rate", "seconds", "images_per_second"]

    /// The CSV text of `history`.
    public static func text(_ history: [EpochRecord]) -> String {
        let extra = Set(history.flatMap(\.validation.keys)).subtracting(["val_loss", "val_accuracy"]).sorted()
        var text = (fixed + extra).joined(separator: ",") + "\n"
        for r in history {
            var fields = [
                "\(r.epoch)", number(r.trainLoss), number(r.trainAccuracy), number(r.valLoss), number(r.valAccuracy),
                String(format: "%.6g", r.learningRate), String(format: "%.3f", r.seconds), String(format: "%.1f", r.imagesPerSecond),
            ]
            fields += extra.map { r.validation[$0].map(number) ?? "" }
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    /// Writes `history` to `path` atomically.
    public static func write(_ history: [EpochRecord], to path: String) throws {
        try AtomicFile.write(Array(text(history).utf8), to: path)
    }

    /// The rows of an earlier invocation's file (for a resumed run); throws, with the reason,
    /// when the file cannot be read or is not one vision wrote.
    public static func read(_ path: String) throws -> [EpochRecord] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first, Array(header.prefix(fixed.count)) == fixed else {
            throw RunSpecificationError.unreadable(file: path, detail: "expected a header starting \(fixed.joined(separator: ","))")
        }
        return lines.dropFirst().compactMap { fields -> EpochRecord? in
            guard fields.count == header.count, let epoch = Int(fields[0]) else { return nil }
            let value = { (index: Int) in Double(fields[index]) ?? .nan }
            var validation: [String: Double] = ["val_loss": value(3), "val_accuracy": value(4)]
            for index in fixed.count..<header.count where !fields[index].isEmpty { validation[header[index]] = value(index) }
            return EpochRecord(
                epoch: epoch, trainLoss: value(1), trainAccuracy: value(2), validation: validation, learningRate: value(5),
                seconds: value(6), imagesPerSecond: value(7))
        }
    }

    private static func number(_ value: Double) -> String { value.isNaN ? "" : String(format: "%.6f", value) }
}
