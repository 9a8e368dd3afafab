import Foundation

/// Why a dataset, manifest or split could not be used. Each case names the folder, file, line or
/// value involved; descriptions are one line.
public enum DatasetError: Error, Equatable, Sendable {
    case rootNotFound(path: String)
    case notAFolder(path: String)
    case unreadableFolder(path: String, reason: String)
    case noClassFolders(root: String)
    case emptyClasses(names: [String], extensions: [String])
    case singleClass(root: String, name: String)
    case presplitClassMismatch(root: String, split: String, classes: [String])
    case presplitUnexpectedFolder(root: String, name: String)
    case manifestUnreadable(path: String, reason: String)
    case manifestMissingColumns(path: String, line: Int, missing: [String], found: [String])
    case manifestMalformedRow(path: String, line: Int, detail: String)
    case manifestUnknownLabel(path: String, line: Int, label: String, known: [String])
    case manifestMissingFile(path: String, line: Int, file: String)
    case manifestDuplicateRow(path: String, line: Int, firstLine: Int, file: String)
    case manifestInvalidSplit(path: String, line: Int, value: String)
    case invalidFractions(String)
    case invalidFolds(Int)
    /// A split that does not fit the dataset; `file` is where it was read from, if anywhere.
    case splitMismatch(file: String?, detail: String)
    case splitFileUnreadable(path: String, reason: String)
    case splitFileUnwritable(path: String, reason: String)
    /// A split file that reads but is not one `vision data split` writes (JSON, version, method, fields).
    case splitFileInvalid(path: String, detail: String)
    case labelOutOfRange(path: String, label: Int, classes: Int)
}

extension DatasetError: LocalizedError, CustomStringConvertible {
    public var errorDescription: String? { description }

    public var description: String {
        switch self {
        case .rootNotFound(let path):
            return "\(path): no such folder, expected a dataset root (ROOT/CLASS/images)"
        case .notAFolder(let path):
            return "\(path): not a folder, expected a dataset root (ROOT/CLASS/images) or a .csv manifest"
        case .unreadableFolder(let path, let reason):
            return "\(path): cannot list the folder (\(reason))"
        case .noClassFolders(let root):
            return "Couldn't find any class folder in \(root)."
        case .emptyClasses(let names, let extensions):
            return "Found no valid file for the classes \(names.joined(separator: ", ")). "
                + "Supported extensions are: \(extensions.map { "." + $0 }.joined(separator: ", ")) (pass --allow-empty to keep empty classes)"
        case .singleClass(let root, let name):
            return "\(root): expected at least 2 classes, got 1 ('\(name)')"
        case .presplitUnexpectedFolder(let root, let name):
            return "\(root): a pre-split tree (train/ with test/ or val/) has another folder, '\(name)'; expected only train, val and test (move it out, or its images would be ignored)"
        case .presplitClassMismatch(let root, let split, let classes):
            return "\(root)/\(split): expected only classes that train/ has, got \(classes.joined(separator: ", ")) in \(split)/ alone"
        case .manifestUnreadable(let path, let reason):
            return "\(path): cannot read the manifest (\(reason))"
        case .manifestMissingColumns(let path, let line, let missing, let found):
            return "\(path):\(line): expected columns path,label[,split], missing \(missing.joined(separator: ", ")); got \(found.isEmpty ? "nothing" : found.joined(separator: ","))"
        case .manifestMalformedRow(let path, let line, let detail):
            return "\(path):\(line): \(detail)"
        case .manifestUnknownLabel(let path, let line, let label, let known):
            return "\(path):\(line): unknown label '\(label)', expected one of \(known.joined(separator: ", "))"
        case .manifestMissingFile(let path, let line, let file):
            return "\(path):\(line): \(file): no such file"
        case .manifestDuplicateRow(let path, let line, let firstLine, let file):
            return "\(path):\(line): duplicate row for \(file) (first on line \(firstLine))"
        case .manifestInvalidSplit(let path, let line, let value):
            return "\(path):\(line): expected split train, val or test, got '\(value)'"
        case .invalidFractions(let detail):
            return "invalid split fractions: \(detail)"
        case .invalidFolds(let folds):
            return "expected at least 2 folds, got \(folds)"
        case .splitMismatch(let file, let detail):
            return "\(file ?? "the split"): \(detail)"
        case .splitFileUnreadable(let path, let reason):
            return "\(path): cannot read the split file (\(reason))"
        case .splitFileUnwritable(let path, let reason):
            return "\(path): cannot write the split file (\(reason))"
        case .splitFileInvalid(let path, let detail):
            return "\(path): \(detail)"
        case .labelOutOfRange(let path, let label, let classes):
            return classes == 0
                ? "\(path): has label \(label), but the dataset has no classes"
                : "\(path): expected a label from 0 to \(classes - 1) (one per class), got \(label)"
        }
    }
}
