import Foundation
import Testing
import VisionGoldenSupport
import VisionNN
import VisionTensor
import VisionTestSupport

@Suite struct GoldenOptimizerTests {
    @Test(arguments: [
        "optim_sgd_lr0.1", "optim_sgd_momentum0.9", "optim_sgd_nesterov_wd", "optim_sgd_momentum0.9_dampening0",
        "optim_sgd_momentum0.9_dampening0.5", "optim_adam_lr1e-3", "optim_adam_defaults", "optim_adamw_lr1e-3_wd0.01",
        "optim_adam_l2_wd0.01", "optim_adam_amsgrad",
    ])
    func threeSteps(_ name: String) throws {
        let golden = try Golden(name)
        let p = golden.params
        let lr = Float((p["lr"] as? Double) ?? 0.001)
        let wd = Float((p["weight_decay"] as? Double) ?? 0)
        let optimizer: Optimizer
        switch p["opt"] as? String {
        case "SGD":
            optimizer = SGD(learningRate: lr, momentum: Float((p["momentum"] as? Double) ?? 0),
                            dampening: Float((p["dampening"] as? Double) ?? 0), nesterov: (p["nesterov"] as? Bool) ?? false,
                            weightDecay: wd)
        case "AdamW":
            optimizer = Adam.adamW(learningRate: lr, weightDecay: wd, amsgrad: (p["amsgrad"] as? Bool) ?? false)
        default:
            optimizer = Adam(learningRate: lr, weightDecay: wd, amsgrad: (p["amsgrad"] as? Bool) ?? false)
        }
        let w = try golden.tensor("param.w"), b = try golden.tensor("param.b")
        for step in 1...3 {
            w.grad = try golden.tensor("grad_step\(step).w")
            b.grad = try golden.tensor("grad_step\(step).b")
            try optimizer.step([w, b])
            try golden.expectClose(w, "param_after_step\(step).w")
            try golden.expectClose(b, "param_after_step\(step).b")
        }
    }

    @Test func schedulesMatchPyTorch() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/lr_schedules.json")))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let schedules = try #require(json["schedules"] as? [String: [String: Any]])
        let cases: [(String, LearningRateSchedule)] = [
            ("StepLR", StepSchedule(initial: 0.1, stepSize: 10, gamma: 0.1)),
            ("CosineAnnealingLR", CosineSchedule(initial: 0.1, totalSteps: 30)),
            ("OneCycleLR", OneCycleSchedule(maximum: 0.1, totalSteps: 30)),
            ("LinearLR_warmup5_then_CosineAnnealingLR", WarmupCosineSchedule(initial: 0.1, warmupSteps: 5, totalSteps: 30)),
        ]
        for (name, schedule) in cases {
            let expected = try #require(schedules[name]?["lr"] as? [Double], "\(name)")
            #expect(expected.count == 30)
            for (step, value) in expected.enumerated() {
                #expect(abs(Double(schedule.learningRate(at: step)) - value) <= 1e-7 + 1e-6 * abs(value), "\(name) step \(step)")
            }
            if let momentum = schedules[name]?["momentum"] as? [Double] {
                for (step, value) in momentum.enumerated() {
                    #expect(abs(Double(schedule.momentum(at: step) ?? -1) - value) <= 1e-6, "\(name) momentum step \(step)")
                }
            }
        }
    }

    @Test func clippingScalesToTheMaximumNorm() throws {
        let a = try Tensor([3, 0], shape: [2]), b = try Tensor([4], shape: [1])
        a.grad = try Tensor([3, 0], shape: [2])
        b.grad = try Tensor([4], shape: [1])
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(abs((a.grad?.scalars[0] ?? 0) - 0.6) < 1e-5)
        #expect(abs((b.grad?.scalars[0] ?? 0) - 0.8) < 1e-5)
    }
}
