// PNG decoding and encoding through libpng, with every longjmp caught here.
#include "vision_codecs.h"
#include "vision_png_fast.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vc_png_decoder {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t offset;
    int ran_out_of_data;
    uint32_t rows_done;
    int passes;
    int fast;  // planned for the libdeflate path; libpng is set up only if that path declines
    struct vc_png_fast_plan plan;
    char message[VC_MESSAGE_CAPACITY];
};

static void vc_png_on_error(png_structp png, png_const_charp text) {
    struct vc_png_decoder *decoder = png_get_error_ptr(png);
    if (decoder != NULL) {
        snprintf(decoder->message, sizeof decoder->message, "%s", text);
    }
    png_longjmp(png, 1);
}

// Warnings (unknown chunks, a bad ICC profile, a CRC error in an ancillary chunk) never change
// the pixels libpng hands back, so they are not errors here.
static void vc_png_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void vc_png_read_data(png_structp png, png_bytep out, size_t count) {
    struct vc_png_decoder *decoder = png_get_io_ptr(png);
    if (decoder->size - decoder->offset < count) {
        decoder->ran_out_of_data = 1;
        png_error(png, "the file ends before the image does");
    }
    memcpy(out, decoder->data + decoder->offset, count);
    decoder->offset += count;
}

static vc_status vc_png_fail(struct vc_png_decoder *decoder, char *message) {
    snprintf(message, VC_MESSAGE_CAPACITY, "%s", decoder->message);
    return decoder->ran_out_of_data ? VC_TRUNCATED : VC_CORRUPT;
}

static void vc_png_fill_exif(struct vc_png_decoder *decoder, vc_info *info) {
    png_uint_32 count = 0;
    png_bytep exif = NULL;
    if (png_get_eXIf_1(decoder->png, decoder->info, &count, &exif) != 0 && exif != NULL) {
        info->exif = exif;
        info->exif_size = count;
    }
}

static vc_status vc_png_open_libpng(struct vc_png_decoder *decoder, vc_info *info, char *message);

vc_status vc_png_open(const uint8_t *data, size_t size, vc_png_decoder **out, vc_info *info,
                      char *message) {
    *out = NULL;
    memset(info, 0, sizeof *info);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(message, VC_MESSAGE_CAPACITY, "not a PNG signature");
        return VC_CORRUPT;
    }
    struct vc_png_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) {
        snprintf(message, VC_MESSAGE_CAPACITY, "out of memory");
        return VC_NO_MEMORY;
    }
    decoder->data = data;
    decoder->size = size;
    *out = decoder;
    if (vc_png_fast_plan(data, size, &decoder->plan)) {
        decoder->fast = 1;
        info->width = info->source_width = decoder->plan.width;
        info->height = info->source_height = decoder->plan.height;
        info->bit_depth = 8;
        info->color_model = decoder->plan.color_type;
        info->channels = decoder->plan.channels;
        return VC_OK;
    }
    return vc_png_open_libpng(decoder, info, message);
}

// libpng allocates an ancillary chunk's declared length before reading it: a 900-byte file that
// declares a 1 GB eXIf chunk made it ask for 1 GB (found by fuzzing). A chunk other than IDAT
// that claims more bytes than the file holds is refused here, before libpng sees it.
static vc_status vc_png_check_chunk_lengths(const uint8_t *data, size_t size, char *message) {
    size_t offset = 8;
    while (offset + 8 <= size) {
        uint32_t length = ((uint32_t)data[offset] << 24) | ((uint32_t)data[offset + 1] << 16) |
                          ((uint32_t)data[offset + 2] << 8) | (uint32_t)data[offset + 3];
        const uint8_t *type = data + offset + 4;
        size_t remaining = size - offset - 8;
        for (int i = 0; i < 4; i++) {
            int letter = (type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= 'a' && type[i] <= 'z');
            if (!letter) {
                return VC_OK;  // not a chunk header: libpng reports the damage as it finds it
            }
        }
        int is_idat = memcmp(type, "IDAT", 4) == 0;
        if (!is_idat && (size_t)length > remaining) {
            snprintf(message, VC_MESSAGE_CAPACITY,
                     "chunk %c%c%c%c declares %u bytes but only %zu follow", type[0], type[1], type[2],
                     type[3], length, remaining);
            return VC_TRUNCATED;
        }
        if (memcmp(type, "IEND", 4) == 0 || (size_t)length > remaining) {
            break;
        }
        offset += 12 + (size_t)length;
    }
    return VC_OK;
}

static vc_status vc_png_open_libpng(struct vc_png_decoder *decoder, vc_info *info, char *message) {
    vc_status lengths = vc_png_check_chunk_lengths(decoder->data, decoder->size, message);
    if (lengths != VC_OK) {
        return lengths;
    }
    decoder->fast = 0;
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder, vc_png_on_error,
                                          vc_png_on_warning);
    if (decoder->png == NULL) {
        snprintf(message, VC_MESSAGE_CAPACITY, "libpng could not create a reader");
        return VC_NO_MEMORY;
    }
    decoder->info = png_create_info_struct(decoder->png);
    if (decoder->info == NULL) {
        snprintf(message, VC_MESSAGE_CAPACITY, "libpng could not create an info struct");
        return VC_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(decoder->png))) {
        return vc_png_fail(decoder, message);
    }
    png_set_read_fn(decoder->png, decoder, vc_png_read_data);
    // The pixel-count limit is vision's own (checked in Swift from this header, with a clear
    // message); lift libpng's 1,000,000-per-side default so that it does not pre-empt it.
    png_set_user_limits(decoder->png, 0x7fffffff, 0x7fffffff);
    // No chunk may make libpng allocate more than 16 MiB (a 900-byte file declared a 1 GB
    // chunk, found by fuzzing), and at most 1000 ancillary chunks are kept.
    png_set_chunk_malloc_max(decoder->png, 16 << 20);
    png_set_chunk_cache_max(decoder->png, 1000);
    png_read_info(decoder->png, decoder->info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(decoder->png, decoder->info, &width, &height, &bit_depth, &color_type, &interlace,
                 NULL, NULL);
    info->source_width = width;
    info->source_height = height;
    info->bit_depth = (uint32_t)bit_depth;
    info->color_model = (uint32_t)color_type;
    info->interlaced = interlace != PNG_INTERLACE_NONE;

    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(decoder->png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(decoder->png);
    }
    if (png_get_valid(decoder->png, decoder->info, PNG_INFO_tRNS) != 0) {
        png_set_tRNS_to_alpha(decoder->png);
    }
    if (bit_depth == 16) {
        png_set_scale_16(decoder->png);  // round(v / 257), not v >> 8
    }
    decoder->passes = png_set_interlace_handling(decoder->png);
    png_read_update_info(decoder->png, decoder->info);

    info->width = width;
    info->height = height;
    info->channels = png_get_channels(decoder->png, decoder->info);
    if (png_get_rowbytes(decoder->png, decoder->info) != (size_t)width * info->channels) {
        snprintf(message, VC_MESSAGE_CAPACITY, "unexpected row layout after expansion to 8 bits");
        return VC_UNSUPPORTED;
    }
    vc_png_fill_exif(decoder, info);
    return VC_OK;
}

vc_status vc_png_read(vc_png_decoder *decoder, uint8_t *pixels, vc_info *info, char *message) {
    decoder->rows_done = 0;
    info->rows_decoded = 0;
    if (decoder->fast) {
        if (vc_png_fast_read(&decoder->plan, pixels)) {
            info->rows_decoded = info->height;
            return VC_OK;
        }
        // Declined half-way (a bad filter byte, a short stream ...): libpng decodes the file
        // from the start and reports whatever is wrong with it. The caller sized `pixels` from
        // the plan, so libpng must agree with it on the output's shape.
        const uint32_t width = info->width, height = info->height, channels = info->channels;
        vc_status status = vc_png_open_libpng(decoder, info, message);
        if (status != VC_OK) {
            return status;
        }
        if (info->width != width || info->height != height || info->channels != channels) {
            snprintf(message, VC_MESSAGE_CAPACITY, "libpng reads this file as %ux%u with %u channels, its chunks say %ux%u with %u",
                     info->width, info->height, info->channels, width, height, channels);
            return VC_CORRUPT;
        }
    }
    if (setjmp(png_jmpbuf(decoder->png))) {
        info->rows_decoded = decoder->rows_done;
        return vc_png_fail(decoder, message);
    }
    const size_t row_bytes = (size_t)info->width * info->channels;
    for (int pass = 0; pass < decoder->passes; pass++) {
        for (uint32_t y = 0; y < info->height; y++) {
            png_read_row(decoder->png, pixels + (size_t)y * row_bytes, NULL);
            if (pass == decoder->passes - 1) {
                decoder->rows_done = y + 1;
            }
        }
    }
    info->rows_decoded = decoder->rows_done;
    // Read through IEND: a file cut after its pixel data is still a truncated file, and an eXIf
    // chunk may follow the image data.
    png_read_end(decoder->png, decoder->info);
    vc_png_fill_exif(decoder, info);
    return VC_OK;
}

int vc_png_takes_fast_path(const uint8_t *data, size_t size) {
    struct vc_png_fast_plan plan;
    return vc_png_fast_plan(data, size, &plan);
}

void vc_png_close(vc_png_decoder *decoder) {
    if (decoder == NULL) {
        return;
    }
    if (decoder->png != NULL) {
        png_destroy_read_struct(&decoder->png, decoder->info != NULL ? &decoder->info : NULL, NULL);
    }
    free(decoder);
}

// MARK: - Encoding

struct vc_png_sink {
    uint8_t *bytes;
    size_t size;
    size_t capacity;
    int failed;
    char message[VC_MESSAGE_CAPACITY];
};

static void vc_png_write_data(png_structp png, png_bytep data, size_t count) {
    struct vc_png_sink *sink = png_get_io_ptr(png);
    if (sink->size + count > sink->capacity) {
        size_t capacity = sink->capacity == 0 ? 4096 : sink->capacity;
        while (capacity < sink->size + count) {
            capacity *= 2;
        }
        uint8_t *grown = realloc(sink->bytes, capacity);
        if (grown == NULL) {
            sink->failed = 1;
            png_error(png, "out of memory while encoding");
        }
        sink->bytes = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->bytes + sink->size, data, count);
    sink->size += count;
}

static void vc_png_flush(png_structp png) { (void)png; }

static void vc_png_on_write_error(png_structp png, png_const_charp text) {
    struct vc_png_sink *sink = png_get_error_ptr(png);
    snprintf(sink->message, sizeof sink->message, "%s", text);
    png_longjmp(png, 1);
}

vc_status vc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                        int compression_level, uint8_t **output, size_t *output_size,
                        char *message) {
    *output = NULL;
    *output_size = 0;
    int color_type;
    switch (channels) {
    case 1: color_type = PNG_COLOR_TYPE_GRAY; break;
    case 2: color_type = PNG_COLOR_TYPE_GRAY_ALPHA; break;
    case 3: color_type = PNG_COLOR_TYPE_RGB; break;
    case 4: color_type = PNG_COLOR_TYPE_RGB_ALPHA; break;
    default:
        snprintf(message, VC_MESSAGE_CAPACITY, "expected 1, 2, 3 or 4 channels, got %u", channels);
        return VC_UNSUPPORTED;
    }
    if (width == 0 || height == 0) {
        snprintf(message, VC_MESSAGE_CAPACITY, "expected a non-empty image, got %ux%u", width,
                 height);
        return VC_UNSUPPORTED;
    }
    struct vc_png_sink *sink = calloc(1, sizeof *sink);
    if (sink == NULL) {
        snprintf(message, VC_MESSAGE_CAPACITY, "out of memory");
        return VC_NO_MEMORY;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, vc_png_on_write_error,
                                              vc_png_on_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_write_struct(&png, NULL);
        free(sink);
        snprintf(message, VC_MESSAGE_CAPACITY, "libpng could not create a writer");
        return VC_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(message, VC_MESSAGE_CAPACITY, "%s", sink->message);
        vc_status status = sink->failed ? VC_NO_MEMORY : VC_CORRUPT;
        png_destroy_write_struct(&png, &info);
        free(sink->bytes);
        free(sink);
        return status;
    }
    png_set_write_fn(png, sink, vc_png_write_data, vc_png_flush);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const size_t row_bytes = (size_t)width * channels;
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, pixels + (size_t)y * row_bytes);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *output = sink->bytes;
    *output_size = sink->size;
    free(sink);
    return VC_OK;
}

void vc_free(void *pointer) { free(pointer); }
