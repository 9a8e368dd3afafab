/// Why a safetensors file could not be read or a tensor could not be taken from it.
public enum SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case badHeader(source: String, detail: String)
    case missingTensor(name: String, available: [String])
    case wrongDType(name: String, expected: DType, got: DType)
    case wrongShape(name: String, expected: [Int], got: [Int])
    case invalidTensor(name: String, detail: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot be read (\(reason))"
        case .badHeader(let source, let detail):
            return "\(source): not a valid safetensors file (\(detail))"
        case .missingTensor(let name, let available):
            let shown = available.prefix(8).joined(separator: ", ")
            return "tensor '\(name)' is missing; the file has \(available.count): \(shown)\(available.count > 8 ? ", …" : "")"
        case .wrongDType(let name, let expected, let got):
            return "tensor '\(name)': expected dtype \(expected.rawValue), got \(got.rawValue)"
        case .wrongShape(let name, let expected, let got):
            return "tensor '\(name)': expected shape \(expected), got \(got)"
        case .invalidTensor(let name, let detail):
            return "tensor '\(name)': \(detail)"
        }
    }
}
