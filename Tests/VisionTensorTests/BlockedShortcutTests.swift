import CDNNL
import Foundation
import Testing
@testable import VisionTensor

/// ResNet's option-A shortcut on an activation oneDNN left in channel blocks (nChw8c on AVX2,
/// nChw16c on AVX-512, or nhwc) stays blocked in training too, and gives the values and the
/// input gradient it gives on row-major data.
@Suite struct BlockedShortcutTests {
    static let layouts: [String: dnnl_format_tag_t] = ["nChw8c": dnnl_aBcd8b, "nChw16c": dnnl_aBcd16b, "nhwc": dnnl_acdb]

    @Test(arguments: [("nChw8c", 16, 8, 2), ("nChw16c", 16, 8, 2), ("nChw16c", 32, 16, 2), ("nhwc", 16, 8, 2), ("nChw8c", 8, 0, 1)])
    func trainingMatchesRowMajor(_ layout: String, _ channels: Int, _ pad: Int, _ stride: Int) throws {
        let shape = [2, channels, 9, 8]
        let values = (0..<(2 * channels * 72)).map { Float(sin(Double($0) * 0.37)) }

        func run(_ tag: dnnl_format_tag_t?) throws -> (blocked: Bool, values: [Float], grad: [Float]) {
            let x = try Tensor(values, shape: shape)
            if let tag { try x.convert(to: plainDescriptor(shape, tag)) }
            x.requiresGrad = true
            let y = try subsampleAndPadChannels(x, stride: stride, padBefore: pad, padAfter: pad)
            let blocked = y.isBlocked  // before reading the values converts them to row-major
            // A weighted sum, so that every output position has its own gradient.
            let weights = try Tensor((0..<y.count).map { Float(cos(Double($0) * 0.11)) }, shape: y.shape)
            try backward(sum(multiply(y, weights)))
            return (blocked, y.scalars, try #require(x.grad).scalars)
        }
        let expected = try run(nil)
        let tag = try #require(Self.layouts[layout])
        let got = try run(tag)
        #expect(got.blocked)
        #expect(got.values == expected.values)
        #expect(got.grad == expected.grad)
        #expect(got.grad.contains { $0 != 0 })
    }
}
