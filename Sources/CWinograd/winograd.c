// Winograd convolution for AVX2 + FMA (see vision_winograd.h). With B, G and A the matrices of
// F(m×m, 3×3) (Lavin & Gray, 2015), for each (m+2)² input patch d (stride m) and kernel g:
//   y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// summed over input channels, so each of the (m+2)² transformed positions is a C×K matrix
// product; m = 4 here (F(4×4, 3×3)) in all three passes.
// Vectors run over 8 channels, the nChw8c block, so every transform is plain vector arithmetic.
#define _GNU_SOURCE
#include "vision_winograd.h"

#if !defined(__x86_64__)
// Other architectures: never supported, so never called.
int vision_winograd_supported(void) { return 0; }
int vision_winograd_worthwhile(int N, int H, int W) { return 0; }
long vision_winograd_weights_count(int input_channels, int output_channels) { return 36L * input_channels * output_channels; }
void vision_winograd_transform_weights(const float *w, int K, int C, int flip, float *u) {}
int vision_winograd_forward(const float *src, const float *u, const float *bias, const float *residual, float *dst,
                            int N, int C, int K, int H, int W, int relu) { return -1; }
int vision_winograd_backward_weights(const float *src, const float *diff_dst, float *diff_weights, float *diff_bias,
                                     int N, int C, int K, int H, int W) { return -1; }
#else

#include <dlfcn.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TARGET __attribute__((target("avx2,fma")))

// ---------------------------------------------------------------------------------------------
// Threads: the OpenMP team oneDNN runs on (libgomp, loaded with libdnnl), found at run time so
// that nothing links against an OpenMP runtime; one thread when it is not there.

typedef void (*gomp_parallel_t)(void (*)(void *), void *, unsigned, unsigned);
typedef int (*omp_int_t)(void);
static gomp_parallel_t gomp_parallel;
static omp_int_t omp_thread_num, omp_num_threads, omp_max_threads;
static pthread_once_t resolved = PTHREAD_ONCE_INIT;

static void resolve(void) {
    gomp_parallel_t parallel = (gomp_parallel_t)dlsym(RTLD_DEFAULT, "GOMP_parallel");
    omp_thread_num = (omp_int_t)dlsym(RTLD_DEFAULT, "omp_get_thread_num");
    omp_num_threads = (omp_int_t)dlsym(RTLD_DEFAULT, "omp_get_num_threads");
    omp_max_threads = (omp_int_t)dlsym(RTLD_DEFAULT, "omp_get_max_threads");
    gomp_parallel = omp_thread_num && omp_num_threads ? parallel : NULL;
}

static void run_parallel(void (*body)(void *), void *job) {
    pthread_once(&resolved, resolve);
    if (gomp_parallel) gomp_parallel(body, job, 0, 0);
    else body(job);
}

static int thread_index(void) { return gomp_parallel ? omp_thread_num() : 0; }
static int thread_count(void) { return gomp_parallel ? omp_num_threads() : 1; }

/// A thread's two scratch buffers of `first` and `second` floats, both or neither (returns 0).
/// The first is zeroed, so that the rows past a short last block of tiles hold finite numbers.
static int scratch(size_t first, size_t second, float **a, float **b) {
    *a = calloc(first, sizeof(float));
    *b = malloc(second * sizeof(float));
    if (*a && *b) return 1;
    free(*a);
    free(*b);
    return 0;
}

/// This thread's share [*first, *end) of `count` items, in contiguous runs.
static void share(long count, long *first, long *end) {
    int index = thread_index(), threads = thread_count();
    *first = count * index / threads;
    *end = count * (index + 1) / threads;
}

int vision_winograd_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

long vision_winograd_weights_count(int input_channels, int output_channels) {
    return 36L * input_channels * output_channels;
}

// ---------------------------------------------------------------------------------------------
// Weights for the forward and backward-data passes, which run F(4×4, 3×3): U = G g Gᵀ (6×6)
// for each kernel, stored u[alpha][input channel][output channel].

/// G applied to 3 values: the 6 of the interpolation at 0, ±1, ±2 and ∞.
static inline void kernel_pass(const float g[3], float out[6]) {
    const float sixth = 1.0f / 6, twelfth = 1.0f / 12, twentyfourth = 1.0f / 24;
    out[0] = 0.25f * g[0];
    out[1] = -sixth * (g[0] + g[1] + g[2]);
    out[2] = -sixth * (g[0] - g[1] + g[2]);
    out[3] = twentyfourth * g[0] + twelfth * g[1] + sixth * g[2];
    out[4] = twentyfourth * g[0] - twelfth * g[1] + sixth * g[2];
    out[5] = g[2];
}

typedef struct {
    const float *w;
    float *u;
    int K, C, flip;
} weights_transform_job;

/// This thread's output channels k of the transform (training transforms every step).
static void transform_weights_body(void *context) {
    const weights_transform_job *job = context;
    const int K = job->K, C = job->C, flip = job->flip;
    // Forward: inputs C, outputs K. Backward data: inputs K (dL/dy), outputs C, kernel turned 180°.
    const int inputs = flip ? K : C, outputs = flip ? C : K;
    long first, end;
    share(K, &first, &end);
    for (long k = first; k < end; k++) {
        for (int c = 0; c < C; c++) {
            const float *kernel = job->w + (k * C + c) * 9;
            float g[3][3];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) g[i][j] = flip ? kernel[(2 - i) * 3 + (2 - j)] : kernel[i * 3 + j];
            float t[6][3];  // G g, column by column
            for (int j = 0; j < 3; j++) {
                float column[3] = {g[0][j], g[1][j], g[2][j]}, out[6];
                kernel_pass(column, out);
                for (int i = 0; i < 6; i++) t[i][j] = out[i];
            }
            long input = flip ? k : c, output = flip ? c : k;
            for (int i = 0; i < 6; i++) {
                float row[6];
                kernel_pass(t[i], row);
                for (int j = 0; j < 6; j++) job->u[((long)(i * 6 + j) * inputs + input) * outputs + output] = row[j];
            }
        }
    }
}

void vision_winograd_transform_weights(const float *w, int K, int C, int flip, float *u) {
    weights_transform_job job = {w, u, K, C, flip};
    run_parallel(transform_weights_body, &job);
}

// ---------------------------------------------------------------------------------------------
// Tiles: output tile (ty, tx) of image n covers the 4 rows from 4·ty and the 4 columns from
// 4·tx; its 6×6 input patch starts one row and column earlier (padding 1). Tiles are numbered
// image by image.

typedef struct {
    int N, C, K, H, W, tiles_y, tiles_x;
    long tiles;
} geometry;

static geometry make_geometry(int N, int C, int K, int H, int W) {
    geometry g = {N, C, K, H, W, (H + 3) / 4, (W + 3) / 4, 0};
    g.tiles = (long)N * g.tiles_y * g.tiles_x;
    return g;
}

/// Image n and first output row and column of tile `tile`.
static inline void tile_origin(const geometry *g, long tile, int *n, int *y0, int *x0) {
    long per_image = (long)g->tiles_y * g->tiles_x;
    int r = (int)(tile % per_image);
    *n = (int)(tile / per_image);
    *y0 = (r / g->tiles_x) * 4;
    *x0 = (r % g->tiles_x) * 4;
}

/// The first tile of block `block` of `rows` tiles (in *first) and how many tiles it has.
static int block_tiles(const geometry *g, long block, int rows, long *first) {
    *first = block * rows;
    return (int)(g->tiles - *first < rows ? g->tiles - *first : rows);
}

// ---------------------------------------------------------------------------------------------
// Forward (and backward data): F(4×4, 3×3), 36 products of C×K per tile of 16 outputs, 4× fewer
// multiplications than direct convolution. With the interpolation points 0, ±1, ±2 and ∞:
//   Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]

enum { FORWARD_ROWS = 12, MICRO_TILES = 6 };

static int max_threads(void) {
    pthread_once(&resolved, resolve);
    int threads = gomp_parallel && omp_max_threads ? omp_max_threads() : 1;
    return threads < 1 ? 1 : threads;
}

/// Tiles per block: up to FORWARD_ROWS, fewer when that would leave a thread without two
/// blocks to do (small maps at batch 1), in whole micro-kernel groups.
static int forward_rows(long tiles, int threads) {
    long rows = tiles / (2L * threads) / MICRO_TILES * MICRO_TILES;
    return rows < MICRO_TILES ? MICRO_TILES : rows > FORWARD_ROWS ? FORWARD_ROWS : (int)rows;
}

int vision_winograd_worthwhile(int N, int H, int W) {
    return make_geometry(N, 0, 0, H, W).tiles >= 2L * MICRO_TILES * max_threads();
}

/// Bᵀ d for one column of the 6-row strip from row y0 (zeros outside the image).
TARGET static inline void column_pass(const geometry *g, const float *plane, int y0, int x, __m256 t[6]) {
    const __m256 zero = _mm256_setzero_ps();
    if (x < 0 || x >= g->W) {
        for (int a = 0; a < 6; a++) t[a] = zero;
        return;
    }
    __m256 d[6];
    for (int a = 0; a < 6; a++) {
        int y = y0 + a;
        if (y < 0 || y >= g->H) {
            d[a] = zero;
            continue;
        }
        const float *at = plane + ((long)y * g->W + x) * 8;
        _mm_prefetch((const char *)(at + 8 * 8), _MM_HINT_T0);  // the tiles two ahead
        d[a] = _mm256_loadu_ps(at);
    }
    const __m256 four = _mm256_set1_ps(4), five = _mm256_set1_ps(5), two = _mm256_set1_ps(2);
    __m256 a = _mm256_fnmadd_ps(four, d[2], d[4]);  // d4 - 4 d2
    __m256 b = _mm256_fnmadd_ps(four, d[1], d[3]);  // d3 - 4 d1
    __m256 c = _mm256_sub_ps(d[4], d[2]);
    __m256 e = _mm256_mul_ps(two, _mm256_sub_ps(d[3], d[1]));
    t[0] = _mm256_fmadd_ps(four, d[0], _mm256_fnmadd_ps(five, d[2], d[4]));
    t[1] = _mm256_add_ps(a, b);
    t[2] = _mm256_sub_ps(a, b);
    t[3] = _mm256_add_ps(c, e);
    t[4] = _mm256_sub_ps(c, e);
    t[5] = _mm256_fmadd_ps(four, d[1], _mm256_fnmadd_ps(five, d[3], d[5]));
}

/// Bᵀ applied across a row of 6 vectors, stored to the 6 alphas `step` apart from `out`.
TARGET static inline void row_pass(const __m256 r[6], float *out, long step) {
    const __m256 four = _mm256_set1_ps(4), five = _mm256_set1_ps(5), two = _mm256_set1_ps(2);
    __m256 a = _mm256_fnmadd_ps(four, r[2], r[4]);
    __m256 b = _mm256_fnmadd_ps(four, r[1], r[3]);
    __m256 c = _mm256_sub_ps(r[4], r[2]);
    __m256 e = _mm256_mul_ps(two, _mm256_sub_ps(r[3], r[1]));
    _mm256_storeu_ps(out, _mm256_fmadd_ps(four, r[0], _mm256_fnmadd_ps(five, r[2], r[4])));
    _mm256_storeu_ps(out + step, _mm256_add_ps(a, b));
    _mm256_storeu_ps(out + 2 * step, _mm256_sub_ps(a, b));
    _mm256_storeu_ps(out + 3 * step, _mm256_add_ps(c, e));
    _mm256_storeu_ps(out + 4 * step, _mm256_sub_ps(c, e));
    _mm256_storeu_ps(out + 5 * step, _mm256_fmadd_ps(four, r[1], _mm256_fnmadd_ps(five, r[3], r[5])));
}

/// V[alpha][i][c] = (Bᵀ d B)[alpha] for tiles first..first+count-1 (rows i of a block of
/// `rows`); a tile reuses the two columns its patch shares with its left neighbour's.
TARGET static void input_transform(const geometry *g, const float *src, long first, int count, int rows, float *V) {
    const int blocks = g->C / 8, C = g->C;
    const long step = (long)rows * C;
    for (int cb = 0; cb < blocks; cb++) {
        __m256 col[6][6];  // col[b][a] = (Bᵀ d)[a][b]
        for (int i = 0; i < count; i++) {
            int n, y0, x0;
            tile_origin(g, first + i, &n, &y0, &x0);
            y0 -= 1, x0 -= 1;  // the patch's corner (padding 1)
            const float *plane = src + ((long)n * blocks + cb) * g->H * g->W * 8;
            if (i > 0 && x0 >= 0) {  // the previous tile is the left neighbour
                for (int a = 0; a < 6; a++) {
                    col[0][a] = col[4][a];
                    col[1][a] = col[5][a];
                }
                for (int b = 2; b < 6; b++) column_pass(g, plane, y0, x0 + b, col[b]);
            } else {
                for (int b = 0; b < 6; b++) column_pass(g, plane, y0, x0 + b, col[b]);
            }
            float *out = V + (long)i * C + cb * 8;
            for (int a = 0; a < 6; a++) {
                __m256 row[6] = {col[0][a], col[1][a], col[2][a], col[3][a], col[4][a], col[5][a]};
                row_pass(row, out + (long)a * 6 * step, step);
            }
        }
    }
}

/// m[t][0..15] = Σ_c v[t][c] · u[c][0..15] for 6 tiles (rows of v `C` apart, of m and u `K` apart).
TARGET static void micro_6x16(const float *v, const float *u, float *m, int C, int K) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int c = 0; c < C; c++) {
        __m256 u0 = _mm256_loadu_ps(u + (long)c * K), u1 = _mm256_loadu_ps(u + (long)c * K + 8), b;
        b = _mm256_broadcast_ss(v + c);         c00 = _mm256_fmadd_ps(b, u0, c00); c01 = _mm256_fmadd_ps(b, u1, c01);
        b = _mm256_broadcast_ss(v + C + c);     c10 = _mm256_fmadd_ps(b, u0, c10); c11 = _mm256_fmadd_ps(b, u1, c11);
        b = _mm256_broadcast_ss(v + 2 * C + c); c20 = _mm256_fmadd_ps(b, u0, c20); c21 = _mm256_fmadd_ps(b, u1, c21);
        b = _mm256_broadcast_ss(v + 3 * C + c); c30 = _mm256_fmadd_ps(b, u0, c30); c31 = _mm256_fmadd_ps(b, u1, c31);
        b = _mm256_broadcast_ss(v + 4 * C + c); c40 = _mm256_fmadd_ps(b, u0, c40); c41 = _mm256_fmadd_ps(b, u1, c41);
        b = _mm256_broadcast_ss(v + 5 * C + c); c50 = _mm256_fmadd_ps(b, u0, c50); c51 = _mm256_fmadd_ps(b, u1, c51);
    }
    _mm256_storeu_ps(m, c00); _mm256_storeu_ps(m + 8, c01);
    _mm256_storeu_ps(m + K, c10); _mm256_storeu_ps(m + K + 8, c11);
    _mm256_storeu_ps(m + 2 * K, c20); _mm256_storeu_ps(m + 2 * K + 8, c21);
    _mm256_storeu_ps(m + 3 * K, c30); _mm256_storeu_ps(m + 3 * K + 8, c31);
    _mm256_storeu_ps(m + 4 * K, c40); _mm256_storeu_ps(m + 4 * K + 8, c41);
    _mm256_storeu_ps(m + 5 * K, c50); _mm256_storeu_ps(m + 5 * K + 8, c51);
}

/// The same for 8 output channels (the last block when K is an odd number of 8s).
TARGET static void micro_6x8(const float *v, const float *u, float *m, int C, int K) {
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    for (int c = 0; c < C; c++) {
        __m256 u0 = _mm256_loadu_ps(u + (long)c * K);
        c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + c), u0, c0);
        c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + C + c), u0, c1);
        c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + 2 * C + c), u0, c2);
        c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + 3 * C + c), u0, c3);
        c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + 4 * C + c), u0, c4);
        c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(v + 5 * C + c), u0, c5);
    }
    _mm256_storeu_ps(m, c0); _mm256_storeu_ps(m + K, c1); _mm256_storeu_ps(m + 2 * K, c2);
    _mm256_storeu_ps(m + 3 * K, c3); _mm256_storeu_ps(m + 4 * K, c4); _mm256_storeu_ps(m + 5 * K, c5);
}

/// Aᵀ applied to 6 vectors: the 4 outputs.
TARGET static inline void output_pass(const __m256 m[6], __m256 y[4]) {
    const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), eight = _mm256_set1_ps(8);
    __m256 p = _mm256_add_ps(m[1], m[2]), q = _mm256_sub_ps(m[1], m[2]);
    __m256 r = _mm256_add_ps(m[3], m[4]), s = _mm256_sub_ps(m[3], m[4]);
    y[0] = _mm256_add_ps(_mm256_add_ps(m[0], p), r);
    y[1] = _mm256_fmadd_ps(two, s, q);
    y[2] = _mm256_fmadd_ps(four, r, p);
    y[3] = _mm256_add_ps(_mm256_fmadd_ps(eight, s, q), m[5]);
}

/// dst tiles = Aᵀ M A (+ bias, + residual, ReLU) for tiles first..first+count-1.
TARGET static void output_transform(const geometry *g, const float *M, long first, int count, int rows, const float *bias,
                                     const float *residual, float *dst, int relu) {
    const int blocks = g->K / 8, K = g->K;
    const long step = (long)rows * K;
    const __m256 zero = _mm256_setzero_ps();
    for (int i = 0; i < count; i++) {
        int n, y0, x0;
        tile_origin(g, first + i, &n, &y0, &x0);
        for (int kb = 0; kb < blocks; kb++) {
            const float *in = M + (long)i * K + kb * 8;
            __m256 t[4][6];  // Aᵀ M, column by column
            for (int b = 0; b < 6; b++) {
                __m256 m[6], y[4];
                for (int a = 0; a < 6; a++) m[a] = _mm256_loadu_ps(in + (a * 6 + b) * step);
                output_pass(m, y);
                for (int a = 0; a < 4; a++) t[a][b] = y[a];
            }
            __m256 bv = bias ? _mm256_loadu_ps(bias + kb * 8) : zero;
            long plane = ((long)n * blocks + kb) * g->H * g->W * 8;
            for (int a = 0; a < 4; a++) {
                if (y0 + a >= g->H) break;
                __m256 y[4];
                output_pass(t[a], y);
                for (int c = 0; c < 4 && x0 + c < g->W; c++) {
                    long at = plane + ((long)(y0 + a) * g->W + x0 + c) * 8;
                    __m256 value = _mm256_add_ps(y[c], bv);
                    if (residual) value = _mm256_add_ps(value, _mm256_loadu_ps(residual + at));
                    if (relu) value = _mm256_max_ps(value, zero);
                    _mm256_storeu_ps(dst + at, value);
                }
            }
        }
    }
}

typedef struct {
    geometry g;
    const float *src, *u, *bias, *residual;
    float *dst;
    int relu;
    int rows;
    int failed;
} forward_job;

TARGET static void forward_body(void *context) {
    forward_job *job = context;
    const geometry *g = &job->g;
    const int rows = job->rows;
    long blocks = (g->tiles + rows - 1) / rows, first, end;
    share(blocks, &first, &end);
    if (first >= end) return;
    float *V, *M;
    if (!scratch((size_t)36 * rows * g->C, (size_t)36 * rows * g->K, &V, &M)) {
        __atomic_store_n(&job->failed, 1, __ATOMIC_RELAXED);
        return;
    }
    for (long block = first; block < end; block++) {
        long tile;
        int count = block_tiles(g, block, rows, &tile);
        input_transform(g, job->src, tile, count, rows, V);
        for (int alpha = 0; alpha < 36; alpha++) {
            const float *Va = V + (long)alpha * rows * g->C, *Ua = job->u + (long)alpha * g->C * g->K;
            float *Ma = M + (long)alpha * rows * g->K;
            for (int t = 0; t < count; t += MICRO_TILES) {
                int k = 0;
                for (; k + 16 <= g->K; k += 16) micro_6x16(Va + (long)t * g->C, Ua + k, Ma + (long)t * g->K + k, g->C, g->K);
                if (k < g->K) micro_6x8(Va + (long)t * g->C, Ua + k, Ma + (long)t * g->K + k, g->C, g->K);
            }
        }
        output_transform(g, M, tile, count, rows, job->bias, job->residual, job->dst, job->relu);
    }
    free(V);
    free(M);
}

int vision_winograd_forward(const float *src, const float *u, const float *bias, const float *residual, float *dst,
                            int N, int C, int K, int H, int W, int relu) {
    forward_job job = {make_geometry(N, C, K, H, W), src, u, bias, residual, dst, relu, 0, 0};
    job.rows = forward_rows(job.g.tiles, max_threads());
    run_parallel(forward_body, &job);
    return job.failed ? -1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Backward weights, F(4×4, 3×3) too: dU[alpha][k][c] = Σ_tiles (A dY Aᵀ)[alpha][k] · (Bᵀ d B)[alpha][c],
// then dL/dg = Gᵀ dU G. Each thread sums its tiles into its own dU; the partial sums are added after.

enum { WEIGHT_ROWS = 24 };

/// A applied to 4 vectors (the transpose of the output pass): the 6 values.
TARGET static inline void gradient_pass(const __m256 y[4], __m256 e[6]) {
    const __m256 two = _mm256_set1_ps(2), four = _mm256_set1_ps(4), eight = _mm256_set1_ps(8);
    __m256 p = _mm256_add_ps(y[0], _mm256_mul_ps(four, y[2])), q = _mm256_fmadd_ps(eight, y[3], _mm256_mul_ps(two, y[1]));
    __m256 s = _mm256_add_ps(y[0], y[2]), d = _mm256_add_ps(y[1], y[3]);
    e[0] = y[0];
    e[1] = _mm256_add_ps(s, d);
    e[2] = _mm256_sub_ps(s, d);
    e[3] = _mm256_add_ps(p, q);
    e[4] = _mm256_sub_ps(p, q);
    e[5] = y[3];
}

/// E[alpha][i][k] = (A dY Aᵀ)[alpha] for tiles first..first+count-1 (dY zero outside the image).
TARGET static void gradient_transform(const geometry *g, const float *diff_dst, long first, int count, int rows, float *E) {
    const int blocks = g->K / 8, K = g->K;
    const long step = (long)rows * K;
    const __m256 zero = _mm256_setzero_ps();
    for (int i = 0; i < count; i++) {
        int n, y0, x0;
        tile_origin(g, first + i, &n, &y0, &x0);
        for (int kb = 0; kb < blocks; kb++) {
            const float *plane = diff_dst + ((long)n * blocks + kb) * g->H * g->W * 8;
            __m256 t[6][4];  // A dY, column by column
            for (int b = 0; b < 4; b++) {
                __m256 y[4], e[6];
                for (int a = 0; a < 4; a++)
                    y[a] = y0 + a < g->H && x0 + b < g->W ? _mm256_loadu_ps(plane + ((long)(y0 + a) * g->W + x0 + b) * 8) : zero;
                gradient_pass(y, e);
                for (int a = 0; a < 6; a++) t[a][b] = e[a];
            }
            float *out = E + (long)i * K + kb * 8;
            for (int a = 0; a < 6; a++) {
                __m256 e[6];
                gradient_pass(t[a], e);
                for (int b = 0; b < 6; b++) _mm256_storeu_ps(out + (a * 6 + b) * step, e[b]);
            }
        }
    }
}

/// du[k][c0..] += Σ_t e[t][k] · v[t][c0..] for 4 output channels k and 16 (or 8) input channels.
TARGET static void weight_micro_4x16(const float *e, const float *v, float *du, int count, int C, int K) {
    __m256 a00 = _mm256_loadu_ps(du), a01 = _mm256_loadu_ps(du + 8);
    __m256 a10 = _mm256_loadu_ps(du + C), a11 = _mm256_loadu_ps(du + C + 8);
    __m256 a20 = _mm256_loadu_ps(du + 2 * C), a21 = _mm256_loadu_ps(du + 2 * C + 8);
    __m256 a30 = _mm256_loadu_ps(du + 3 * C), a31 = _mm256_loadu_ps(du + 3 * C + 8);
    for (int t = 0; t < count; t++) {
        const float *vt = v + (long)t * C, *et = e + (long)t * K;
        __m256 v0 = _mm256_loadu_ps(vt), v1 = _mm256_loadu_ps(vt + 8), b;
        b = _mm256_broadcast_ss(et);     a00 = _mm256_fmadd_ps(b, v0, a00); a01 = _mm256_fmadd_ps(b, v1, a01);
        b = _mm256_broadcast_ss(et + 1); a10 = _mm256_fmadd_ps(b, v0, a10); a11 = _mm256_fmadd_ps(b, v1, a11);
        b = _mm256_broadcast_ss(et + 2); a20 = _mm256_fmadd_ps(b, v0, a20); a21 = _mm256_fmadd_ps(b, v1, a21);
        b = _mm256_broadcast_ss(et + 3); a30 = _mm256_fmadd_ps(b, v0, a30); a31 = _mm256_fmadd_ps(b, v1, a31);
    }
    _mm256_storeu_ps(du, a00); _mm256_storeu_ps(du + 8, a01);
    _mm256_storeu_ps(du + C, a10); _mm256_storeu_ps(du + C + 8, a11);
    _mm256_storeu_ps(du + 2 * C, a20); _mm256_storeu_ps(du + 2 * C + 8, a21);
    _mm256_storeu_ps(du + 3 * C, a30); _mm256_storeu_ps(du + 3 * C + 8, a31);
}

TARGET static void weight_micro_4x8(const float *e, const float *v, float *du, int count, int C, int K) {
    __m256 a0 = _mm256_loadu_ps(du), a1 = _mm256_loadu_ps(du + C), a2 = _mm256_loadu_ps(du + 2 * C), a3 = _mm256_loadu_ps(du + 3 * C);
    for (int t = 0; t < count; t++) {
        const float *et = e + (long)t * K;
        __m256 v0 = _mm256_loadu_ps(v + (long)t * C);
        a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(et), v0, a0);
        a1 = _mm256_fmadd_ps(_mm256_broadcast_ss(et + 1), v0, a1);
        a2 = _mm256_fmadd_ps(_mm256_broadcast_ss(et + 2), v0, a2);
        a3 = _mm256_fmadd_ps(_mm256_broadcast_ss(et + 3), v0, a3);
    }
    _mm256_storeu_ps(du, a0); _mm256_storeu_ps(du + C, a1); _mm256_storeu_ps(du + 2 * C, a2); _mm256_storeu_ps(du + 3 * C, a3);
}

typedef struct {
    geometry g;
    const float *src, *diff_dst;
    float *partials;  // [threads][36][K][C]
    float *bias_partials;  // [threads][K], or NULL
    int threads;
    int failed;
} weights_job;

TARGET static void weights_body(void *context) {
    weights_job *job = context;
    const geometry *g = &job->g;
    const int rows = WEIGHT_ROWS, C = g->C, K = g->K;
    int index = thread_index();
    if (index >= job->threads) return;  // more threads than planned: their share stays empty
    long blocks = (g->tiles + rows - 1) / rows, first, end;
    share(blocks, &first, &end);
    float *dU = job->partials + (long)index * 36 * K * C;  // zeroed by the caller
    if (first >= end) return;
    float *V, *E;
    if (!scratch((size_t)36 * rows * C, (size_t)36 * rows * K, &V, &E)) {
        __atomic_store_n(&job->failed, 1, __ATOMIC_RELAXED);
        return;
    }
    for (long block = first; block < end; block++) {
        long tile;
        int count = block_tiles(g, block, rows, &tile);
        input_transform(g, job->src, tile, count, rows, V);
        gradient_transform(g, job->diff_dst, tile, count, rows, E);
        for (int alpha = 0; alpha < 36; alpha++) {
            const float *Va = V + (long)alpha * rows * C, *Ea = E + (long)alpha * rows * K;
            float *dUa = dU + (long)alpha * K * C;
            for (int k = 0; k < K; k += 4) {
                int c = 0;
                for (; c + 16 <= C; c += 16) weight_micro_4x16(Ea + k, Va + c, dUa + (long)k * C + c, count, C, K);
                if (c < C) weight_micro_4x8(Ea + k, Va + c, dUa + (long)k * C + c, count, C, K);
            }
        }
    }
    free(V);
    free(E);
}

/// dL/db: the sum of dL/dy over images and positions (this thread's images).
TARGET static void bias_body(void *context) {
    weights_job *job = context;
    const geometry *g = &job->g;
    int index = thread_index();
    if (index >= job->threads) return;
    long first, end;
    share(g->N, &first, &end);
    float *sums = job->bias_partials + (long)index * g->K;
    for (long n = first; n < end; n++) {
        for (int kb = 0; kb < g->K / 8; kb++) {
            const float *plane = job->diff_dst + (n * (g->K / 8) + kb) * g->H * g->W * 8;
            __m256 total = _mm256_loadu_ps(sums + kb * 8);
            for (long p = 0; p < (long)g->H * g->W; p++) total = _mm256_add_ps(total, _mm256_loadu_ps(plane + p * 8));
            _mm256_storeu_ps(sums + kb * 8, total);
        }
    }
}

/// Gᵀ applied to 6 values: the 3 of the kernel's gradient.
static inline void kernel_gradient_pass(const float u[6], float out[3]) {
    const float sixth = 1.0f / 6, twelfth = 1.0f / 12, twentyfourth = 1.0f / 24;
    out[0] = 0.25f * u[0] - sixth * (u[1] + u[2]) + twentyfourth * (u[3] + u[4]);
    out[1] = sixth * (u[2] - u[1]) + twelfth * (u[3] - u[4]);
    out[2] = sixth * (u[3] + u[4] - u[1] - u[2]) + u[5];
}

typedef struct {
    const weights_job *job;
    float *diff_weights;
} weights_finish_job;

/// dL/dg = Gᵀ (Σ partials) G for this thread's output channels.
static void weights_finish_body(void *context) {
    const weights_finish_job *finish = context;
    const weights_job *job = finish->job;
    const int K = job->g.K, C = job->g.C, threads = job->threads;
    long first, end;
    share(K, &first, &end);
    for (long k = first; k < end; k++) {
        for (int c = 0; c < C; c++) {
            float du[6][6];
            for (int alpha = 0; alpha < 36; alpha++) {
                float total = 0;
                for (int t = 0; t < threads; t++) total += job->partials[(((long)t * 36 + alpha) * K + k) * C + c];
                du[alpha / 6][alpha % 6] = total;
            }
            float t[3][6];  // Gᵀ dU, column by column
            for (int j = 0; j < 6; j++) {
                float column[6] = {du[0][j], du[1][j], du[2][j], du[3][j], du[4][j], du[5][j]}, out[3];
                kernel_gradient_pass(column, out);
                for (int p = 0; p < 3; p++) t[p][j] = out[p];
            }
            float *out = finish->diff_weights + (k * C + c) * 9;
            for (int p = 0; p < 3; p++) kernel_gradient_pass(t[p], out + p * 3);
        }
    }
}

int vision_winograd_backward_weights(const float *src, const float *diff_dst, float *diff_weights, float *diff_bias,
                                     int N, int C, int K, int H, int W) {
    int threads = max_threads();
    weights_job job = {make_geometry(N, C, K, H, W), src, diff_dst, NULL, NULL, threads, 0};
    const size_t partial = (size_t)36 * K * C;
    job.partials = calloc(partial * threads, sizeof(float));
    if (diff_bias) job.bias_partials = calloc((size_t)K * threads, sizeof(float));
    if (!job.partials || (diff_bias && !job.bias_partials)) {
        free(job.partials);
        free(job.bias_partials);
        return -1;
    }
    run_parallel(weights_body, &job);
    if (diff_bias) run_parallel(bias_body, &job);
    if (!job.failed) {
        weights_finish_job finish = {&job, diff_weights};
        run_parallel(weights_finish_body, &finish);
        for (int k = 0; diff_bias && k < K; k++) {
            float total = 0;
            for (int t = 0; t < threads; t++) total += job.bias_partials[(long)t * K + k];
            diff_bias[k] = total;
        }
    }
    free(job.partials);
    free(job.bias_partials);
    return job.failed ? -1 : 0;
}

#endif
