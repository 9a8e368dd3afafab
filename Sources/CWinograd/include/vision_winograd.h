#ifndef VISION_WINOGRAD_H
#define VISION_WINOGRAD_H

/// Winograd convolution for CPUs with AVX2 and FMA, where oneDNN 2.6 has none: F(4×4, 3×3) for
/// the forward, backward-data and backward-weights passes;
/// 3×3 kernels, stride 1, padding 1, activations in nChw8c (oneDNN's AVX2 layout: [N][C/8][H][W][8]),
/// C and K multiples of 8. Each thread transforms a block of tiles, multiplies and transforms
/// back while the block is in its cache; threads come from the OpenMP team oneDNN uses.

/// 1 when this CPU can run these kernels (AVX2 and FMA).
int vision_winograd_supported(void);

/// 1 when an N×H×W map has enough 4×4 tiles to keep every thread busy.
int vision_winograd_worthwhile(int N, int H, int W);

/// Floats of transformed weights: 36·C·K.
long vision_winograd_weights_count(int input_channels, int output_channels);

/// Transforms OIHW weights w [K][C][3][3] for `vision_winograd_forward` with C input and K output
/// channels (flip = 0), or, flip = 1, for the backward-data pass: the convolution of dL/dy
/// (K channels) with the kernels turned 180° into dL/dx (C channels).
void vision_winograd_transform_weights(const float *w, int K, int C, int flip, float *u);

/// dst = relu?(conv(src, u) + bias + residual) with `bias` (K floats) and `residual` (like dst)
/// optional (NULL). src [N][C/8][H][W][8], dst [N][K/8][H][W][8]. Returns 0, or -1 when scratch
/// memory could not be had (dst is then incomplete).
int vision_winograd_forward(const float *src, const float *u, const float *bias, const float *residual, float *dst,
                            int N, int C, int K, int H, int W, int relu);

/// dL/dw [K][C][3][3] (OIHW) from src [N][C/8][H][W][8] and dL/dy [N][K/8][H][W][8]; and dL/db
/// (K floats) when `diff_bias` is not NULL. Returns 0, or -1 when scratch memory could not be had.
int vision_winograd_backward_weights(const float *src, const float *diff_dst, float *diff_weights, float *diff_bias,
                                     int N, int C, int K, int H, int W);

#endif
