import Foundation
import VisionMetricAPI
import VisionModelAPI
import VisionPluginAPI
import Yams

/// A training configuration read from YAML (or JSON): every option `vision train` takes, by its
/// flag name with underscores (`batch_size: 128`). Unknown keys and wrong types are errors that
/// name the file, the line and the key.
public enum TrainingConfigurationFile {
    public static let keys = [
        "model", "epochs", "batch_size", "lr", "optimizer", "schedule", "weight_decay", "momentum", "seed", "image_size",
        "channels", "flip", "crop_padding", "class_weights", "balanced_sampling", "init_from", "patience", "monitor", "workers", "output",
        "train_fraction", "val_fraction", "test_fraction",
    ]

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let file: String
        public let line: Int
        public let key: String
        public let detail: String
        public var description: String { "\(file):\(line): \(key): \(detail)" }
    }

    /// `c` as (key, value) pairs in the file's vocabulary, `keys` order, unset options left out;
    /// written as the run's `config.yaml` and recorded in the model file.
    public static func entries(_ c: TrainingConfiguration) -> [(key: String, value: String)] {
        keys.compactMap { key -> (key: String, value: String)? in
            let value: String?
            switch key {
            case "model": value = c.model
            case "epochs": value = "\(c.epochs)"
            case "batch_size": value = "\(c.batchSize)"
            case "lr": value = "\(c.learningRate)"
            case "optimizer": value = c.optimizer.rawValue
            case "schedule": value = c.schedule.rawValue
            case "weight_decay": value = "\(c.weightDecay)"
            case "momentum": value = "\(c.momentum)"
            case "seed": value = "\(c.seed)"
            case "image_size": value = c.imageSize.map(String.init)
            case "channels": value = c.channels.map(String.init)
            case "flip": value = "\(c.horizontalFlip)"
            case "crop_padding": value = "\(c.cropPadding)"
            case "class_weights": value = c.classWeights ? "auto" : "none"
            case "balanced_sampling": value = "\(c.balancedSampling)"
            case "init_from": value = c.initFrom
            case "patience": value = c.patience.map(String.init)
            case "monitor": value = c.monitor
            case "workers": value = "\(c.workers)"
            case "train_fraction": value = "\(c.trainFraction)"
            case "val_fraction": value = "\(c.valFraction)"
            case "test_fraction": value = "\(c.testFraction)"
            default: value = nil  // output is where the run goes, not how it trains
            }
            return value.map { (key, $0) }
        }
    }

    /// The YAML text of `entries(c)`, which `load` reads back.
    public static func yaml(_ c: TrainingConfiguration) -> String {
        entries(c).map { "\($0.key): \($0.value)" }.joined(separator: "\n") + "\n"
    }

    /// The configuration in `path` applied over `base`, and the `output` folder if it names one.
    public static func load(_ path: String, over base: TrainingConfiguration = TrainingConfiguration()) throws
        -> (configuration: TrainingConfiguration, output: String?)
    {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Error(file: path, line: 0, key: "-", detail: "cannot read the file")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw Error(file: path, line: 0, key: "-", detail: "not valid YAML (\(error))")
        }
        guard let mapping = root?.mapping else {
            throw Error(file: path, line: 1, key: "-", detail: "expected a mapping of option: value")
        }
        var c = base
        var output: String?
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? "?"
            let line = keyNode.mark?.line ?? 0  // Yams counts lines from 1
            func fail(_ detail: String) -> Error { Error(file: path, line: line, key: key, detail: detail) }
            func int() throws -> Int {
                guard let v = value.int else { throw fail("expected an integer, got '\(value.string ?? "?")'") }
                return v
            }
            func double() throws -> Double {
                guard let v = value.float else { throw fail("expected a number, got '\(value.string ?? "?")'") }
                return v
            }
            func bool() throws -> Bool {
                guard let v = value.bool else { throw fail("expected true or false, got '\(value.string ?? "?")'") }
                return v
            }
            func string() throws -> String {
                guard let v = value.string else { throw fail("expected a string") }
                return v
            }
            switch key {
            case "model": c.model = try string()
            case "epochs": c.epochs = try int()
            case "batch_size": c.batchSize = try int()
            case "lr": c.learningRate = try double()
            case "optimizer":
                guard let v = TrainingConfiguration.OptimizerKind(rawValue: try string()) else { throw fail("expected sgd, adam or adamw") }
                c.optimizer = v
            case "schedule":
                guard let v = TrainingConfiguration.ScheduleKind(rawValue: try string()) else {
                    throw fail("expected constant, cosine, step, onecycle or warmup-cosine")
                }
                c.schedule = v
            case "weight_decay": c.weightDecay = try double()
            case "momentum": c.momentum = try double()
            case "seed": c.seed = UInt64(max(0, try int()))
            case "image_size": c.imageSize = try int()
            case "channels": c.channels = try int()
            case "flip": c.horizontalFlip = try bool()
            case "crop_padding": c.cropPadding = try int()
            case "class_weights":
                let v = try string()
                guard v == "auto" || v == "none" else { throw fail("expected auto or none, got '\(v)'") }
                c.classWeights = v == "auto"
            case "balanced_sampling": c.balancedSampling = try bool()
            case "init_from": c.initFrom = try string()
            case "workers": c.workers = try int()
            case "patience": c.patience = try int()
            case "monitor":
                let v = try string()
                guard v == "val_accuracy" || v == "val_loss" else { throw fail("expected val_accuracy or val_loss, got '\(v)'") }
                c.monitor = v
            case "output": output = try string()
            case "train_fraction": c.trainFraction = try double()
            case "val_fraction": c.valFraction = try double()
            case "test_fraction": c.testFraction = try double()
            default:
                throw fail("unknown key; valid keys: \(keys.joined(separator: ", "))")
            }
        }
        return (c, output)
    }
}
