/// Why a tensor operation could not run. Shape problems say what was expected and what was got.
public enum TensorError: Error, Equatable, Sendable, CustomStringConvertible {
    case shapeMismatch(op: String, expected: String, got: [Int])
    case invalidArgument(op: String, detail: String)
    case nonFinite(String)
    case backend(op: String, detail: String)

    public var description: String {
        switch self {
        case .shapeMismatch(let op, let expected, let got):
            return "\(op): expected \(expected), got \(got)"
        case .invalidArgument(let op, let detail):
            return "\(op): \(detail)"
        case .nonFinite(let detail):
            return detail
        case .backend(let op, let detail):
            return "\(op): oneDNN failed (\(detail))"
        }
    }
}
