import Foundation

/// Element types of safetensors entries that vision reads and writes.
public enum DType: String, Sendable, Codable, CaseIterable {
    case f32 = "F32"
    case f64 = "F64"
    case i64 = "I64"
    case i32 = "I32"
    case u8 = "U8"

    public var byteCount: Int {
        switch self {
        case .f32, .i32: return 4
        case .f64, .i64: return 8
        case .u8: return 1
        }
    }
}

/// One tensor of a safetensors file: dtype, shape and little-endian bytes.
public struct SafeTensorsEntry: Sendable, Equatable {
    public let dtype: DType
    public let shape: [Int]
    public let bytes: [UInt8]

    public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    public init(floats: [Float], shape: [Int]) {
        self.init(dtype: .f32, shape: shape, bytes: floats.withUnsafeBytes { Array($0) })
    }

    public init(int64s: [Int64], shape: [Int]) {
        self.init(dtype: .i64, shape: shape, bytes: int64s.withUnsafeBytes { Array($0) })
    }

    public init(uint8s: [UInt8], shape: [Int]) {
        self.init(dtype: .u8, shape: shape, bytes: uint8s)
    }

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A safetensors document (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length, a JSON header (`__metadata__` plus one entry per tensor with dtype, shape and
/// data offsets), then the raw data. Readable by Python's `safetensors.numpy.load_file`.
public struct SafeTensors: Sendable {
    /// Tensor names in file order.
    public private(set) var names: [String] = []
    public private(set) var entries: [String: SafeTensorsEntry] = [:]
    /// String metadata (`__metadata__`).
    public var metadata: [String: String]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Adds or replaces a tensor; new names go at the end.
    public mutating func set(_ name: String, _ entry: SafeTensorsEntry) {
        if entries[name] == nil { names.append(name) }
        entries[name] = entry
    }

    public subscript(name: String) -> SafeTensorsEntry? { entries[name] }

    // MARK: Typed access

    public func entry(_ name: String) throws(SafeTensorsError) -> SafeTensorsEntry {
        guard let entry = entries[name] else { throw .missingTensor(name: name, available: names) }
        return entry
    }

    public func floats(_ name: String, shape expected: [Int]? = nil) throws(SafeTensorsError) -> [Float] {
        let entry = try checked(name, .f32, expected)
        return entry.bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    public func int64s(_ name: String, shape expected: [Int]? = nil) throws(SafeTensorsError) -> [Int64] {
        let entry = try checked(name, .i64, expected)
        return entry.bytes.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
    }

    public func uint8s(_ name: String, shape expected: [Int]? = nil) throws(SafeTensorsError) -> [UInt8] {
        try checked(name, .u8, expected).bytes
    }

    private func checked(_ name: String, _ dtype: DType, _ shape: [Int]?) throws(SafeTensorsError) -> SafeTensorsEntry {
        let entry = try entry(name)
        guard entry.dtype == dtype else { throw .wrongDType(name: name, expected: dtype, got: entry.dtype) }
        if let shape, shape != entry.shape { throw .wrongShape(name: name, expected: shape, got: entry.shape) }
        return entry
    }

    // MARK: Reading

    public static func read(contentsOf path: String) throws(SafeTensorsError) -> SafeTensors {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try parse([UInt8](data), source: path)
    }

    /// Parses a whole file's bytes; every offset and size is checked against the data.
    public static func parse(_ bytes: [UInt8], source: String = "<memory>") throws(SafeTensorsError) -> SafeTensors {
        guard bytes.count >= 8 else {
            throw .badHeader(source: source, detail: "expected at least 8 bytes, got \(bytes.count)")
        }
        var headerLength: UInt64 = 0
        for index in 0..<8 { headerLength |= UInt64(bytes[index]) << (8 * UInt64(index)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw .badHeader(
                source: source,
                detail: "the header declares \(headerLength) bytes but only \(bytes.count - 8) follow (truncated file?)")
        }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd]))
        } catch {
            throw .badHeader(source: source, detail: "the JSON header does not parse")
        }
        guard let header = json as? [String: Any] else {
            throw .badHeader(source: source, detail: "expected a JSON object as header")
        }
        var document = SafeTensors()
        if let metadata = header["__metadata__"] {
            guard let strings = metadata as? [String: String] else {
                throw .badHeader(source: source, detail: "__metadata__ must map strings to strings")
            }
            document.metadata = strings
        }
        let dataCount = bytes.count - headerEnd
        var spans: [(name: String, begin: Int, end: Int, entry: [String: Any])] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw .badHeader(source: source, detail: "tensor '\(name)' has no valid data_offsets")
            }
            spans.append((name, offsets[0], offsets[1], entry))
        }
        spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expectedBegin = 0
        for span in spans {
            let name = span.name
            guard let dtypeName = span.entry["dtype"] as? String else {
                throw .badHeader(source: source, detail: "tensor '\(name)' has no dtype")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw .badHeader(
                    source: source,
                    detail: "tensor '\(name)' has dtype \(dtypeName); supported: \(DType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let shape = span.entry["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 }) else {
                throw .badHeader(source: source, detail: "tensor '\(name)' has no valid shape")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, dim in
                let (product, o) = acc.0.multipliedReportingOverflow(by: dim)
                return (product, acc.1 || o)
            }
            // Every size from the header in checked arithmetic: a shape whose element count fits
            // in Int can still have a byte count that does not.
            let (byteCount, byteOverflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
            guard !overflow, !byteOverflow, span.begin == expectedBegin, span.end >= span.begin, span.end <= dataCount,
                span.end - span.begin == byteCount
            else {
                throw .badHeader(
                    source: source,
                    detail:
                        "tensor '\(name)': offsets \(span.begin)..<\(span.end) do not fit shape \(shape) of \(dtypeName) in \(dataCount) data bytes")
            }
            expectedBegin = span.end
            let entry = SafeTensorsEntry(
                dtype: dtype, shape: shape, bytes: Array(bytes[(headerEnd + span.begin)..<(headerEnd + span.end)]))
            document.set(name, entry)
        }
        guard expectedBegin == dataCount else {
            throw .badHeader(source: source, detail: "\(dataCount - expectedBegin) bytes after the last tensor")
        }
        return document
    }

    // MARK: Writing

    /// The file's bytes; tensors in insertion order, header padded with spaces to 8 bytes.
    public func serialized() -> [UInt8] {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.jsonString($0)):\(Self.jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let entry = entries[name]!
            let shape = entry.shape.map(String.init).joined(separator: ",")
            parts.append(
                "\(Self.jsonString(name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + entry.bytes.count)]}"
            )
            offset += entry.bytes.count
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        let length = UInt64(headerBytes.count)
        for index in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(index)))) }
        out += headerBytes
        for name in names { out += entries[name]!.bytes }
        return out
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
