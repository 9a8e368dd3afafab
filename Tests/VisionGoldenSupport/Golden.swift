import Foundation
import SafeTensors
import Testing
import VisionTensor
import VisionTestSupport

/// A golden file from fixtures/golden (PyTorch references) with its tolerance.
public struct Golden {
    public let name: String
    public let file: SafeTensors
    public let params: [String: Any]
    public let atol: Float
    public let rtol: Float

    public init(_ name: String) throws {
        self.name = name
        file = try SafeTensors.read(contentsOf: Fixtures.path("golden/\(name).safetensors"))
        let paramsText = file.metadata["params"] ?? "{}"
        params = (try JSONSerialization.jsonObject(with: Data(paramsText.utf8)) as? [String: Any]) ?? [:]
        atol = Float(file.metadata["atol"] ?? "") ?? 1e-5
        rtol = Float(file.metadata["rtol"] ?? "") ?? 1e-4
    }

    public func tensor(_ key: String, requiresGrad: Bool = false) throws -> Tensor {
        let entry = try file.entry(key)
        return try Tensor(try file.floats(key), shape: entry.shape, requiresGrad: requiresGrad)
    }

    public func int(_ key: String) -> Int { (params[key] as? Int) ?? 0 }

    /// Expects |actual − reference| ≤ atol + rtol·|reference| everywhere.
    public func expectClose(_ actual: Tensor?, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reference = try file.floats(key)
        guard let actual else {
            Issue.record("\(name): no value for \(key)", sourceLocation: sourceLocation)
            return
        }
        #expect(actual.shape.reduce(1, *) == reference.count, "\(name) \(key): shape \(actual.shape)", sourceLocation: sourceLocation)
        expectClose(actual.scalars, reference, key, sourceLocation: sourceLocation)
    }

    public func expectClose(_ actual: [Float], _ reference: [Float], _ key: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard actual.count == reference.count else {
            Issue.record("\(name) \(key): \(actual.count) values, expected \(reference.count)", sourceLocation: sourceLocation)
            return
        }
        var worst = 0, worstExcess: Float = -.infinity
        for i in 0..<actual.count {
            let excess = abs(actual[i] - reference[i]) - (atol + rtol * abs(reference[i]))
            if excess > worstExcess || actual[i].isNaN { worstExcess = actual[i].isNaN ? .infinity : excess; worst = i }
        }
        #expect(
            worstExcess <= 0,
            "\(name) \(key)[\(worst)]: got \(actual[worst]), expected \(reference[worst]) (atol \(atol), rtol \(rtol))",
            sourceLocation: sourceLocation)
    }
}

/// Runs `body` once on each backend.
public func onEachBackend(_ body: (ComputeBackend) throws -> Void) rethrows {
    for backend in ComputeBackend.allCases {
        try ComputeBackend.with(backend) { try body(backend) }
    }
}

/// L = sum(output · grad_output), the golden files' loss.
public func goldenLoss(_ output: Tensor, _ gradOutput: Tensor) throws -> Tensor {
    sum(try multiply(output, gradOutput))
}

