import Foundation

/// The group of one process: every collective is the identity, nothing is sent anywhere.
public final class SingleProcess: ProcessGroup {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var localSize: Int { 1 }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError) {}
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError) {}
    public func allreduceMax(_ values: UnsafeMutableBufferPointer<Double>) throws(DistributedError) {}
    public func startAllreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(DistributedError) -> PendingReduction {
        Completed()
    }
    public func allgather(_ bytes: [UInt8]) throws(DistributedError) -> [[UInt8]] { [bytes] }
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws(DistributedError) {}
    public func broadcast(_ bytes: [UInt8], from root: Int) throws(DistributedError) -> [UInt8] { bytes }
    public func barrier() throws(DistributedError) {}
    public func withoutTimeout<T>(_ body: () throws -> T) rethrows -> T { try body() }

    public func abort(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(code)
    }

    final class Completed: PendingReduction {
        func test() throws(DistributedError) -> Bool { true }
        func wait() throws(DistributedError) {}
    }
}
