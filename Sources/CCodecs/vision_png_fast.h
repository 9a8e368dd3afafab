// A fast path for the commonest PNGs: libdeflate's inflate (2–3× zlib's) and our own row
// unfiltering, for 8-bit, non-interlaced gray, gray+alpha, RGB, RGBA and palette images whose
// every chunk is well formed. Anything else, or anything unexpected on the way, goes back to
// libpng, which then decides and reports exactly as it always did.
#ifndef VISION_PNG_FAST_H
#define VISION_PNG_FAST_H

#include <stddef.h>
#include <stdint.h>

struct vc_png_fast_plan {
    const uint8_t *data;
    size_t size;
    uint32_t width, height;
    uint32_t color_type;
    uint32_t bytes_per_pixel;  // in the filtered rows (1 for palette indices)
    uint32_t channels;         // of the output
    const uint8_t *palette;    // PLTE entries (RGB triples), palette images only
    uint32_t palette_entries;
    const uint8_t *transparency;  // tRNS alphas, palette images only
    uint32_t transparency_entries;
    size_t idat_bytes;         // compressed bytes over all IDAT chunks
};

// 1 when the file qualifies (and fills `plan`), 0 when libpng should decode it.
int vc_png_fast_plan(const uint8_t *data, size_t size, struct vc_png_fast_plan *plan);
// 1 on success (height rows of width*channels bytes written), 0 when libpng should decode it.
int vc_png_fast_read(const struct vc_png_fast_plan *plan, uint8_t *pixels);

#endif
