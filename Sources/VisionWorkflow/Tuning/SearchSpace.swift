import Foundation
import VisionData
import VisionModelAPI

/// What a search varies: training options (`lr`, `batch_size`, `model`, …) and model
/// configuration keys (`model_config.width`), each over a list of values, an integer or float
/// range, or a log-uniform range (random search only).
///
/// ```yaml
/// model: [lenet, defectnet]
/// lr: {log: [1e-4, 1e-1]}
/// batch_size: [32, 64]
/// model_config.width: {int: [8, 32]}
/// momentum: {float: [0.8, 0.99]}
/// ```
public struct SearchSpace: Sendable, Equatable, Codable {
    public enum Domain: Sendable, Equatable, Codable {
        case values([JSONValue])
        case integers(ClosedRange<Int>)
        case uniform(ClosedRange<Double>)
        case logUniform(ClosedRange<Double>)
    }

    public struct Dimension: Sendable, Equatable, Codable {
        public var key: String
        public var domain: Domain
    }

    /// In the order given (the first varies slowest in a grid).
    public var dimensions: [Dimension]

    /// A point of the space: a value for each key.
    public typealias Point = [String: JSONValue]

    /// Training options a space may vary (where the run goes, and what it starts from, are not
    /// hyperparameters).
    public static let searchableKeys = TrainingConfiguration.allowedKeys.filter { !["output", "model_config", "init_from"].contains($0) }

    public init(_ dimensions: [Dimension]) throws(RunSpecificationError) {
        var seen: Set<String> = []
        for dimension in dimensions {
            try Self.checkKey(dimension.key)
            guard seen.insert(dimension.key).inserted else {
                throw .invalidValue(key: dimension.key, expected: "each key once in the space", found: "a second '\(dimension.key)'")
            }
        }
        self.dimensions = dimensions
    }

    static func checkKey(_ key: String) throws(RunSpecificationError) {
        if key.hasPrefix("model_config.") {
            guard key.count > "model_config.".count else { throw .invalidValue(key: key, expected: "model_config.KEY", found: key) }
            return
        }
        guard searchableKeys.contains(key) else {
            let hint = PluginNames.closest(to: key, in: searchableKeys).map { " (did you mean '\($0)'?)" } ?? ""
            throw .invalidValue(
                key: key, expected: "a training option\(hint) or model_config.KEY; searchable: \(searchableKeys.joined(separator: ", "))",
                found: key)
        }
    }

    /// `--grid 'lr=0.1,0.03,0.01'` (repeatable): each a list of values, read as JSON where they parse.
    public static func grid(_ assignments: [String]) throws(RunSpecificationError) -> SearchSpace {
        var dimensions: [Dimension] = []
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw .invalidValue(key: "--grid", expected: "KEY=V1,V2,…", found: assignment)
            }
            let key = String(assignment[..<equals]).trimmingCharacters(in: .whitespaces)
            let values = assignment[assignment.index(after: equals)...].split(separator: ",", omittingEmptySubsequences: false)
                .map { String($0).trimmingCharacters(in: .whitespaces) }
            guard !values.contains(where: \.isEmpty) else {
                throw .invalidValue(key: key, expected: "a comma-separated list of values", found: assignment)
            }
            dimensions.append(Dimension(key: key, domain: .values(values.map { (try? JSONValue(json: Data($0.utf8))) ?? .string($0) })))
        }
        return try SearchSpace(dimensions)
    }

    /// A YAML (or JSON) space file; errors name the file, the line and the key.
    public static func read(_ path: String) throws(RunSpecificationError) -> SearchSpace {
        let text = try ConfigurationFile.text(of: path, what: "the search space")
        let entries = try ConfigurationFile.entries(of: text, path: path, expected: "a mapping of option: values")
        guard !entries.isEmpty else { throw .inFile(file: path, line: 1, key: "-", detail: "expected a mapping of option: values") }
        var dimensions: [Dimension] = []
        for (key, line, value) in entries {
            do {
                try checkKey(key)
                dimensions.append(Dimension(key: key, domain: try domain(value, key: key)))
            } catch {
                throw .inFile(file: path, line: line, key: key, detail: error.detail)
            }
        }
        do {
            return try SearchSpace(dimensions)
        } catch {
            throw .inFile(file: path, line: 0, key: "-", detail: error.detail)
        }
    }

    /// A list, or `{int|float|log: [low, high]}`.
    static func domain(_ value: JSONValue, key: String) throws(RunSpecificationError) -> Domain {
        switch value {
        case .array(let values):
            guard !values.isEmpty else { throw .invalidValue(key: key, expected: "at least one value", found: "an empty list") }
            return .values(values)
        case .object(let members):
            guard members.count == 1, let (kind, bounds) = members.first, case .array(let pair) = bounds, pair.count == 2 else {
                throw .invalidValue(key: key, expected: "a list, or {int|float|log: [low, high]}", found: value.jsonText)
            }
            func number(_ v: JSONValue) -> Double? {
                switch v {
                case .int(let i): return Double(i)
                case .double(let d): return d.isFinite ? d : nil
                default: return nil
                }
            }
            guard let low = number(pair[0]), let high = number(pair[1]) else {
                throw .invalidValue(key: key, expected: "two numbers [low, high]", found: bounds.jsonText)
            }
            guard low <= high else { throw .invalidValue(key: key, expected: "a range with low ≤ high (not empty)", found: bounds.jsonText) }
            switch kind {
            case "int":
                guard case .int(let a) = pair[0], case .int(let b) = pair[1] else {
                    throw .invalidValue(key: key, expected: "two integers [low, high]", found: bounds.jsonText)
                }
                return .integers(a...b)
            case "float", "uniform": return .uniform(low...high)
            case "log":
                guard low > 0 else { throw .invalidValue(key: key, expected: "a log range above 0", found: bounds.jsonText) }
                return .logUniform(low...high)
            default:
                throw .invalidValue(key: key, expected: "int, float or log", found: kind)
            }
        default:
            // One value: the key is fixed for every trial.
            return .values([value])
        }
    }

    /// Every combination (the first key varies slowest); ranges must be lists or small integer ranges.
    public func gridPoints() throws(RunSpecificationError) -> [Point] {
        var points: [Point] = [[:]]
        for dimension in dimensions {
            let values: [JSONValue]
            switch dimension.domain {
            case .values(let list): values = list
            case .integers(let range):
                guard range.count <= 1000 else {
                    throw .invalidValue(key: dimension.key, expected: "at most 1000 integers for a grid (or --random N)", found: "\(range)")
                }
                values = range.map { .int($0) }
            case .uniform, .logUniform:
                throw .invalidValue(key: dimension.key, expected: "a list for a grid search; a continuous range needs --random N", found: "a range")
            }
            points = points.flatMap { point in values.map { value in point.merging([dimension.key: value]) { $1 } } }
        }
        return points
    }

    /// `count` points drawn with `seed`: the same seed gives the same points.
    public func sample(_ count: Int, seed: UInt64) -> [Point] {
        var generator = RandomGenerator(seed: seed, stream: 0x7475_6E65)
        return (0..<count).map { _ in
            var point: Point = [:]
            for dimension in dimensions {
                switch dimension.domain {
                case .values(let list): point[dimension.key] = list[generator.int(below: list.count)]
                case .integers(let range): point[dimension.key] = .int(generator.int(in: range))
                case .uniform(let range): point[dimension.key] = .double(generator.uniform(range.lowerBound, range.upperBound))
                case .logUniform(let range):
                    let exponent = generator.uniform(log(range.lowerBound), log(range.upperBound))
                    point[dimension.key] = .double(exp(exponent))
                }
            }
            return point
        }
    }

    /// `base` with `point` applied: training options, and `model_config.KEY` into the model's
    /// configuration. Types are checked strictly (the model's keys when the model is built).
    public static func apply(_ point: Point, to base: TrainingConfiguration) throws(RunSpecificationError) -> TrainingConfiguration {
        var overrides: PluginConfiguration = [:]
        var modelConfig = base.modelConfig
        // A point that changes the model starts from that model's defaults.
        if let model = point["model"], model != .string(base.model) { modelConfig = [:] }
        for (key, value) in point {
            if key.hasPrefix("model_config.") { modelConfig[String(key.dropFirst("model_config.".count))] = value } else { overrides[key] = value }
        }
        overrides["model_config"] = .object(modelConfig)
        do {
            return try base.applying(overrides)
        } catch let error as RunSpecificationError {
            throw error
        } catch {
            throw .invalidValue(key: "-", expected: "a valid configuration", found: "\(error)")
        }
    }
}

extension RunSpecificationError {
    /// The message without a file position, for wrapping into one.
    var detail: String {
        switch self {
        case .invalidValue(_, let expected, let found): return "expected \(expected), got '\(found)'"
        case .inFile(_, _, _, let detail), .unreadable(_, let detail): return detail
        }
    }
}
