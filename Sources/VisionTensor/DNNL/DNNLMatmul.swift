import CDNNL

/// Row-major sgemm through oneDNN.
enum DNNLMatmul {
    static func sgemm(_ m: Int, _ n: Int, _ k: Int, a: UnsafePointer<Float>, transposeA: Bool, b: UnsafePointer<Float>,
                      transposeB: Bool, c: UnsafeMutablePointer<Float>) throws(TensorError) {
        let lda = transposeA ? m : k
        let ldb = transposeB ? k : n
        let status = dnnl_sgemm(
            CChar(UInt8(ascii: transposeA ? "T" : "N")), CChar(UInt8(ascii: transposeB ? "T" : "N")),
            dnnl_dim_t(m), dnnl_dim_t(n), dnnl_dim_t(k), 1, a, dnnl_dim_t(max(lda, 1)), b, dnnl_dim_t(max(ldb, 1)), 0, c,
            dnnl_dim_t(max(n, 1)))
        try check(status, "sgemm \(m)×\(k)·\(k)×\(n)")
    }
}
