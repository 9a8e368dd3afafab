/// A run specification that cannot be used: one line naming the file (when there is one), the
/// line, the key and what was expected.
public enum RunSpecificationError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidValue(key: String, expected: String, found: String)
    case inFile(file: String, line: Int, key: String, detail: String)
    case unreadable(file: String, detail: String)

    public var description: String {
        switch self {
        case .invalidValue(let key, let expected, let found): return "\(key): expected \(expected), got '\(found)'"
        case .inFile(let file, let line, let key, let detail): return "\(file):\(line): \(key): \(detail)"
        case .unreadable(let file, let detail): return "\(file): \(detail)"
        }
    }
}
