import CDNNL

/// What oneDNN computes with on this machine, for benchmarks and diagnostics.
public enum CPUFeatures {
    /// oneDNN's effective instruction set: the CPU's best, or less under `ONEDNN_MAX_CPU_ISA`
    /// ("avx512_core", "avx2", …).
    public static var effectiveISA: String {
        let isa = dnnl_get_effective_cpu_isa()
        switch isa {
        case dnnl_cpu_isa_sse41: return "sse41"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
        case dnnl_cpu_isa_avx512_mic, dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        default: return "isa 0x" + String(isa.rawValue, radix: 16)
        }
    }

    /// Floating-point operations per second of an n×n×n fp32 matrix product through oneDNN's
    /// sgemm, the best of `repeats`: the practical peak that convolutions are measured against.
    public static func matrixProductFlops(size n: Int, repeats: Int = 5) throws(TensorError) -> Double {
        let a = TensorStorage(count: n * n), b = TensorStorage(count: n * n), c = TensorStorage(uninitializedCount: n * n)
        for i in 0..<(n * n) {
            a.pointer[i] = Float(i % 7) * 0.1
            b.pointer[i] = Float(i % 5) * 0.1
        }
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<max(repeats, 1) + 1 {  // the first run warms up
            let start = clock.now
            try DNNLMatmul.sgemm(n, n, n, a: a.pointer, transposeA: false, b: b.pointer, transposeB: false, c: c.pointer)
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            best = min(best, seconds)
        }
        return 2 * Double(n) * Double(n) * Double(n) / best
    }
}
