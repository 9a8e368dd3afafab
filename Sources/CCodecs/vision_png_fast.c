// See vision_png_fast.h.
#include "vision_png_fast.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static uint32_t vc_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int vc_chunk_is(const uint8_t *type, const char *name) { return memcmp(type, name, 4) == 0; }

int vc_png_fast_plan(const uint8_t *data, size_t size, struct vc_png_fast_plan *plan) {
    static const uint8_t signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    memset(plan, 0, sizeof *plan);
    if (size < 8 || memcmp(data, signature, 8) != 0) {
        return 0;
    }
    plan->data = data;
    plan->size = size;
    size_t offset = 8;
    int seen_header = 0, seen_end = 0, idat_state = 0;  // idat_state: 0 none yet, 1 in run, 2 after
    while (offset + 12 <= size) {
        uint32_t length = vc_be32(data + offset);
        const uint8_t *type = data + offset + 4;
        if (length > 0x7fffffffu || size - offset - 12 < length) {
            return 0;  // cut short: libpng reports it
        }
        const uint8_t *body = type + 4;
        for (int k = 0; k < 4; k++) {
            uint8_t letter = type[k] & 0xdf;  // ASCII letters only, as libpng requires
            if (letter < 'A' || letter > 'Z') {
                return 0;
            }
        }
        if (libdeflate_crc32(0, type, (size_t)length + 4) != vc_be32(body + length)) {
            return 0;
        }
        offset += (size_t)length + 12;
        if (!seen_header) {
            if (!vc_chunk_is(type, "IHDR") || length != 13) {
                return 0;
            }
            plan->width = vc_be32(body);
            plan->height = vc_be32(body + 4);
            uint32_t depth = body[8], color = body[9];
            if (plan->width == 0 || plan->height == 0 || plan->width > 0x7fffffffu || plan->height > 0x7fffffffu
                || depth != 8 || body[10] != 0 || body[11] != 0 || body[12] != 0) {
                return 0;  // other depths, interlacing, odd methods: libpng
            }
            switch (color) {
            case 0: plan->bytes_per_pixel = 1; plan->channels = 1; break;
            case 2: plan->bytes_per_pixel = 3; plan->channels = 3; break;
            case 3: plan->bytes_per_pixel = 1; plan->channels = 3; break;
            case 4: plan->bytes_per_pixel = 2; plan->channels = 2; break;
            case 6: plan->bytes_per_pixel = 4; plan->channels = 4; break;
            default: return 0;
            }
            plan->color_type = color;
            seen_header = 1;
            continue;
        }
        if (vc_chunk_is(type, "IDAT")) {
            if (idat_state == 2 || (plan->color_type == 3 && plan->palette == NULL)) {
                return 0;
            }
            idat_state = 1;
            plan->idat_bytes += length;
            continue;
        }
        if (idat_state == 1) {
            idat_state = 2;
        }
        if (vc_chunk_is(type, "IEND")) {
            seen_end = 1;
            break;
        } else if (vc_chunk_is(type, "PLTE")) {
            if (plan->color_type == 3) {
                if (length == 0 || length % 3 != 0 || length / 3 > 256 || idat_state != 0 || plan->palette != NULL) {
                    return 0;
                }
                plan->palette = body;
                plan->palette_entries = length / 3;
            }
        } else if (vc_chunk_is(type, "tRNS")) {
            // Gray/RGB colour keys become alpha in libpng; an empty, repeated or late tRNS is
            // one libpng ignores with a warning: all of those are libpng's to handle.
            if (plan->color_type != 3 || plan->palette == NULL || length == 0 || length > plan->palette_entries
                || plan->transparency != NULL || idat_state != 0) {
                return 0;
            }
            plan->transparency = body;
            plan->transparency_entries = length;
            plan->channels = 4;
        } else if (vc_chunk_is(type, "eXIf") || vc_chunk_is(type, "IHDR") || (type[0] & 0x20) == 0) {
            return 0;  // EXIF goes through libpng's reader; a second IHDR or unknown critical chunk is libpng's to judge
        }
    }
    return seen_end && plan->idat_bytes > 0;
}

static inline uint8_t vc_paeth(int a, int b, int c) {
    int p = a + b - c;
    int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc) {
        return (uint8_t)a;
    }
    return (uint8_t)(pb <= pc ? b : c);
}

// The three filters that depend on the left neighbour, for a pixel of `bpp` bytes: the left
// and upper-left neighbours of every lane are carried in registers, and the lanes of a pixel
// are independent chains the CPU runs side by side. `bpp` is a constant in each caller, so
// the lane loops unroll. The left neighbour of the first pixel is 0.
static inline void vc_unfilter_sub(uint8_t *restrict row, size_t count, const size_t bpp) {
    uint8_t left[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < count; i += bpp) {
        for (size_t k = 0; k < bpp; k++) left[k] = row[i + k] = (uint8_t)(row[i + k] + left[k]);
    }
}

static inline void vc_unfilter_average(uint8_t *restrict row, const uint8_t *restrict previous, size_t count, const size_t bpp) {
    unsigned left[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < count; i += bpp) {
        for (size_t k = 0; k < bpp; k++) left[k] = row[i + k] = (uint8_t)(row[i + k] + ((left[k] + previous[i + k]) >> 1));
    }
}

static inline void vc_unfilter_paeth(uint8_t *restrict row, const uint8_t *restrict previous, size_t count, const size_t bpp) {
    int left[4] = {0, 0, 0, 0}, upper_left[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < count; i += bpp) {
        for (size_t k = 0; k < bpp; k++) {
            int up = previous[i + k];
            left[k] = row[i + k] = (uint8_t)(row[i + k] + vc_paeth(left[k], up, upper_left[k]));
            upper_left[k] = up;
        }
    }
}

#define VC_FOR_BPP(call)                    \
    switch (bpp) {                          \
    case 1: call(1); break;                 \
    case 2: call(2); break;                 \
    case 3: call(3); break;                 \
    default: call(4); break;                \
    }

// Undoes one row's filter in place; `previous` is the row above, unfiltered (zeros for the
// first). `bpp` is 1 to 4 (8-bit samples only).
static int vc_unfilter(uint8_t filter, uint8_t *restrict row, const uint8_t *restrict previous, size_t count, size_t bpp) {
    switch (filter) {
    case 0:
        return 1;
    case 1:
#define VC_SUB(n) vc_unfilter_sub(row, count, n)
        VC_FOR_BPP(VC_SUB)
        return 1;
    case 2:
        for (size_t i = 0; i < count; i++) row[i] = (uint8_t)(row[i] + previous[i]);
        return 1;
    case 3:
#define VC_AVERAGE(n) vc_unfilter_average(row, previous, count, n)
        VC_FOR_BPP(VC_AVERAGE)
        return 1;
    case 4:
#define VC_PAETH(n) vc_unfilter_paeth(row, previous, count, n)
        VC_FOR_BPP(VC_PAETH)
        return 1;
    default:
        return 0;
    }
}

// Per-thread scratch (the inflated rows and the joined IDAT data), kept between images: fresh
// buffers of this size come from mmap and cost a page fault per 4 KiB on every image.
struct vc_png_scratch {
    uint8_t *bytes;
    size_t capacity;
};

static pthread_key_t vc_scratch_key;
static pthread_once_t vc_scratch_once = PTHREAD_ONCE_INIT;

static void vc_scratch_free(void *pointer) {
    struct vc_png_scratch *scratch = pointer;
    free(scratch->bytes);
    free(scratch);
}

static int vc_scratch_key_ready = 0;

static void vc_scratch_make_key(void) { vc_scratch_key_ready = pthread_key_create(&vc_scratch_key, vc_scratch_free) == 0; }

static uint8_t *vc_scratch(size_t size) {
    if (pthread_once(&vc_scratch_once, vc_scratch_make_key) != 0 || !vc_scratch_key_ready) {
        return NULL;  // libpng decodes instead
    }
    struct vc_png_scratch *scratch = pthread_getspecific(vc_scratch_key);
    if (scratch == NULL) {
        scratch = calloc(1, sizeof *scratch);
        if (scratch == NULL || pthread_setspecific(vc_scratch_key, scratch) != 0) {
            free(scratch);
            return NULL;
        }
    }
    if (scratch->capacity < size) {
        uint8_t *grown = malloc(size);
        if (grown == NULL) {
            return NULL;
        }
        free(scratch->bytes);
        scratch->bytes = grown;
        scratch->capacity = size;
    }
    return scratch->bytes;
}

// A huge one-off image does not keep its scratch resident: more than 64 MiB is given back.
static void vc_scratch_trim(void) {
    if (!vc_scratch_key_ready) {
        return;
    }
    struct vc_png_scratch *scratch = pthread_getspecific(vc_scratch_key);
    if (scratch != NULL && scratch->capacity > ((size_t)64 << 20)) {
        free(scratch->bytes);
        scratch->bytes = NULL;
        scratch->capacity = 0;
    }
}

int vc_png_fast_read(const struct vc_png_fast_plan *plan, uint8_t *pixels) {
    const size_t row_bytes = (size_t)plan->width * plan->bytes_per_pixel;
    if (row_bytes / plan->bytes_per_pixel != plan->width || (row_bytes + 1) > SIZE_MAX / plan->height) {
        return 0;
    }
    const size_t raw_bytes = (row_bytes + 1) * plan->height;
    // One scratch block: inflated rows, then the joined IDAT data (when there are several),
    // then a zero row and two palette-index rows.
    const size_t tail = 3 * row_bytes;
    if (raw_bytes > SIZE_MAX - tail - plan->idat_bytes) {
        return 0;
    }
    uint8_t *scratch = vc_scratch(raw_bytes + plan->idat_bytes + tail);
    struct libdeflate_decompressor *inflater = libdeflate_alloc_decompressor();
    int ok = scratch != NULL && inflater != NULL;
    uint8_t *raw = scratch, *joined = scratch + raw_bytes;
    uint8_t *zeros = joined + plan->idat_bytes, *indices = zeros + row_bytes;
    if (ok) {
        memset(zeros, 0, row_bytes);
        const uint8_t *compressed = NULL;
        size_t offset = 8, filled = 0, chunks = 0;
        while (offset + 12 <= plan->size && filled < plan->idat_bytes) {
            uint32_t length = vc_be32(plan->data + offset);
            if (vc_chunk_is(plan->data + offset + 4, "IDAT")) {
                if (chunks++ == 0 && length == plan->idat_bytes) {
                    compressed = plan->data + offset + 8;  // one IDAT: read it where it is
                } else {
                    memcpy(joined + filled, plan->data + offset + 8, length);
                    compressed = joined;
                }
                filled += length;
            }
            offset += (size_t)length + 12;
        }
        size_t produced = 0;
        ok = filled == plan->idat_bytes && compressed != NULL
            && libdeflate_zlib_decompress(inflater, compressed, filled, raw, raw_bytes, &produced) == LIBDEFLATE_SUCCESS
            && produced == raw_bytes;
    }
    if (ok && plan->color_type != 3) {
        // Unfilter straight into the output: its rows are the filtered rows without the filter byte.
        for (uint32_t y = 0; ok && y < plan->height; y++) {
            uint8_t *row = pixels + (size_t)y * row_bytes;
            const uint8_t *source = raw + (size_t)y * (row_bytes + 1);
            memcpy(row, source + 1, row_bytes);
            ok = vc_unfilter(source[0], row, y == 0 ? zeros : row - row_bytes, row_bytes, plan->bytes_per_pixel);
        }
    } else if (ok) {
        const uint32_t channels = plan->channels;
        for (uint32_t y = 0; ok && y < plan->height; y++) {
            uint8_t *row = indices + (y % 2) * row_bytes;
            const uint8_t *previous = y == 0 ? zeros : indices + ((y + 1) % 2) * row_bytes;
            const uint8_t *source = raw + (size_t)y * (row_bytes + 1);
            memcpy(row, source + 1, row_bytes);
            ok = vc_unfilter(source[0], row, previous, row_bytes, 1);
            uint8_t *out = pixels + (size_t)y * plan->width * channels;
            for (size_t x = 0; ok && x < plan->width; x++) {
                uint32_t index = row[x];
                if (index >= plan->palette_entries) {
                    ok = 0;  // libpng's call
                    break;
                }
                out[x * channels] = plan->palette[index * 3];
                out[x * channels + 1] = plan->palette[index * 3 + 1];
                out[x * channels + 2] = plan->palette[index * 3 + 2];
                if (channels == 4) {
                    out[x * channels + 3] = index < plan->transparency_entries ? plan->transparency[index] : 255;
                }
            }
        }
    }
    libdeflate_free_decompressor(inflater);
    vc_scratch_trim();
    return ok;
}
