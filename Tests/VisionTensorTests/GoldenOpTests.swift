import Foundation
import Testing
import VisionGoldenSupport
import VisionTensor
import VisionTestSupport

@Suite(.serialized) struct GoldenOpTests {
    static let convolutions = [
        "conv2d_a_k3s1p1_bias", "conv2d_b_k3s2p0_nobias", "conv2d_c_k3d2p2", "conv2d_d_depthwise", "conv2d_e_groups2",
        "conv2d_f_1x1", "conv2d_g_k5s2p2_nonsquare", "conv2d_h_k7s2p3_stem",
    ]

    @Test(arguments: convolutions)
    func convolution(_ name: String) throws {
        let golden = try Golden(name)
        try onEachBackend { backend in
            let x = try golden.tensor("input", requiresGrad: true)
            let w = try golden.tensor("weight", requiresGrad: true)
            let hasBias = (golden.params["bias"] as? Bool) ?? false
            let b = hasBias ? try golden.tensor("bias", requiresGrad: true) : nil
            let s = golden.int("stride"), p = golden.int("padding"), d = golden.int("dilation")
            let y = try conv2d(x, weight: w, bias: b, stride: (s, s), padding: (p, p), dilation: (d, d), groups: golden.int("groups"))
            try golden.expectClose(y, "output")
            try backward(try goldenLoss(y, golden.tensor("grad_output")))
            try golden.expectClose(x.grad, "grad_input")
            try golden.expectClose(w.grad, "grad_weight")
            if let b { try golden.expectClose(b.grad, "grad_bias") }
        }
    }

    @Test(arguments: ["linear_bias", "linear_nobias"])
    func linearLayer(_ name: String) throws {
        let golden = try Golden(name)
        try onEachBackend { _ in
            let x = try golden.tensor("input", requiresGrad: true)
            let w = try golden.tensor("weight", requiresGrad: true)
            let b = name == "linear_bias" ? try golden.tensor("bias", requiresGrad: true) : nil
            let y = try linear(x, weight: w, bias: b)
            try golden.expectClose(y, "output")
            try backward(try goldenLoss(y, golden.tensor("grad_output")))
            try golden.expectClose(x.grad, "grad_input")
            try golden.expectClose(w.grad, "grad_weight")
            if let b { try golden.expectClose(b.grad, "grad_bias") }
        }
    }

    @Test(arguments: ["batchnorm2d_train", "batchnorm2d_eval"])
    func batchNormalization(_ name: String) throws {
        let golden = try Golden(name)
        let training = name.hasSuffix("train")
        try onEachBackend { _ in
            let x = try golden.tensor("input", requiresGrad: true)
            let w = try golden.tensor("weight", requiresGrad: true)
            let b = try golden.tensor("bias", requiresGrad: true)
            let mean = try golden.tensor("running_mean"), variance = try golden.tensor("running_var")
            let y = try batchNorm2d(x, weight: w, bias: b, runningMean: mean, runningVariance: variance, training: training)
            try golden.expectClose(y, "output")
            if training {
                try golden.expectClose(mean, "running_mean_out")
                try golden.expectClose(variance, "running_var_out")
            }
            try backward(try goldenLoss(y, golden.tensor("grad_output")))
            try golden.expectClose(x.grad, "grad_input")
            try golden.expectClose(w.grad, "grad_weight")
            try golden.expectClose(b.grad, "grad_bias")
        }
    }

    @Test(arguments: [
        "maxpool2d_k2s2", "maxpool2d_k3s2p1", "avgpool2d_k2s2", "avgpool2d_k3s1p1_include_pad",
        "avgpool2d_k3s1p1_exclude_pad", "adaptive_avgpool2d_1x1",
    ])
    func pooling(_ name: String) throws {
        let golden = try Golden(name)
        try onEachBackend { _ in
            let x = try golden.tensor("input", requiresGrad: true)
            let k = golden.int("kernel"), s = golden.int("stride"), p = golden.int("padding")
            let y: Tensor
            switch golden.params["op"] as? String {
            case "max_pool2d": y = try maxPool2d(x, kernel: (k, k), stride: (s, s), padding: (p, p))
            case "avg_pool2d":
                y = try avgPool2d(x, kernel: (k, k), stride: (s, s), padding: (p, p),
                                  countIncludePad: (golden.params["count_include_pad"] as? Bool) ?? true)
            default: y = try adaptiveAvgPool2d(x, outputSize: (1, 1))
            }
            try golden.expectClose(y, "output")
            try backward(try goldenLoss(y, golden.tensor("grad_output")))
            try golden.expectClose(x.grad, "grad_input")
        }
    }

    @Test(arguments: [
        ("act_relu", Activation.relu), ("act_leaky_relu_0.1", .leakyRelu(slope: 0.1)), ("act_silu", .silu),
        ("act_sigmoid", .sigmoid), ("act_tanh", .tanh), ("act_gelu_exact", .gelu), ("act_gelu_tanh", .geluTanh),
        ("act_hardswish", .hardswish),
    ])
    func activations(_ name: String, _ kind: Activation) throws {
        let golden = try Golden(name)
        try onEachBackend { _ in
            let x = try golden.tensor("input", requiresGrad: true)
            let y = activation(x, kind)
            try golden.expectClose(y, "output")
            try backward(try goldenLoss(y, golden.tensor("grad_output")))
            try golden.expectClose(x.grad, "grad_input")
        }
    }

    @Test func flattenAndReshape() throws {
        for (name, shape) in [("flatten", [2, 189]), ("reshape", [7, 2, 27])] {
            let golden = try Golden(name)
            let x = try golden.tensor("input", requiresGrad: true)
            let y = name == "flatten" ? try flatten(x) : try reshape(x, shape)
            #expect(y.shape == shape)
            try golden.expectClose(y, "output")
            try backward(try goldenLoss(y, golden.tensor("grad_output")))
            try golden.expectClose(x.grad, "grad_input")
        }
    }

    @Test(arguments: [("add_broadcast", "b"), ("mul", "y"), ("mul_broadcast", "s")])
    func broadcasting(_ name: String, _ other: String) throws {
        let golden = try Golden(name)
        let x = try golden.tensor("x", requiresGrad: true)
        let o = try golden.tensor(other, requiresGrad: true)
        let y = name.hasPrefix("add") ? try add(x, o) : try multiply(x, o)
        try golden.expectClose(y, "output")
        try backward(try goldenLoss(y, golden.tensor("grad_output")))
        try golden.expectClose(x.grad, "grad_x")
        try golden.expectClose(o.grad, "grad_\(other)")
    }

    @Test func concatenation() throws {
        let golden = try Golden("concat_channels")
        let a = try golden.tensor("a", requiresGrad: true), b = try golden.tensor("b", requiresGrad: true)
        let y = try concat([a, b], dimension: 1)
        try golden.expectClose(y, "output")
        try backward(try goldenLoss(y, golden.tensor("grad_output")))
        try golden.expectClose(a.grad, "grad_a")
        try golden.expectClose(b.grad, "grad_b")
    }

    @Test(arguments: ["softmax_dim1", "softmax_dim1_4d", "log_softmax_dim1"])
    func softmaxes(_ name: String) throws {
        let golden = try Golden(name)
        let x = try golden.tensor("input", requiresGrad: true)
        let y = name.hasPrefix("log") ? try logSoftmax(x, dimension: 1) : try softmax(x, dimension: 1)
        try golden.expectClose(y, "output")
        try backward(try goldenLoss(y, golden.tensor("grad_output")))
        try golden.expectClose(x.grad, "grad_input")
    }

    @Test(arguments: [
        "cross_entropy_mean", "cross_entropy_weighted", "cross_entropy_label_smoothing", "cross_entropy_weighted_label_smoothing",
    ])
    func crossEntropyLoss(_ name: String) throws {
        let golden = try Golden(name)
        let logits = try golden.tensor("logits", requiresGrad: true)
        let targets = try golden.file.int64s("targets").map(Int.init)
        let weights = (golden.params["weight"] as? Bool) == true ? try golden.file.floats("weight") : nil
        let smoothing = Float((golden.params["label_smoothing"] as? Double) ?? 0)
        let loss = try crossEntropy(logits, targets: targets, classWeights: weights, labelSmoothing: smoothing)
        try golden.expectClose(loss, "loss")
        try backward(loss)
        try golden.expectClose(logits.grad, "grad_logits")
    }
}
