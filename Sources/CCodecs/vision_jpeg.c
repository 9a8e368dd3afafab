// JPEG decoding through libjpeg-turbo, with every longjmp caught here.
#include "vision_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <jerror.h>

struct vc_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int saw_end_of_file;   // libjpeg pads a truncated file with a fake EOI and only warns
    int saw_corrupt_data;  // bad Huffman or arithmetic codes: the pixels are garbage from there on
    char message[VC_MESSAGE_CAPACITY];
};

struct vc_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;  // first: the progress monitor finds the decoder from it
    struct vc_jpeg_error error;
    struct jpeg_progress_mgr progress;
    uint32_t max_scans;
    double deadline;  // CLOCK_MONOTONIC seconds, 0 for none
    int limit_hit;
    int created;
    int cmyk;  // output CMYK from libjpeg, converted to RGB here
    uint8_t *cmyk_rows;
};

static void vc_jpeg_error_exit(j_common_ptr cinfo) {
    struct vc_jpeg_error *error = (struct vc_jpeg_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(error->message, sizeof error->message, "%s", text);
    longjmp(error->jump, 1);
}

static void vc_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) {
        return;  // trace messages
    }
    struct vc_jpeg_error *error = (struct vc_jpeg_error *)cinfo->err;
    cinfo->err->num_warnings++;
    int code = cinfo->err->msg_code;
    // "Extraneous bytes before marker" and similar warnings leave the pixels intact; these do not.
    if (code == JWRN_JPEG_EOF) {
        error->saw_end_of_file = 1;
    } else if (code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE ||
               code == JWRN_ARITH_BAD_CODE || code == JWRN_MUST_RESYNC ||
               code == JWRN_BOGUS_PROGRESSION) {
        if (!error->saw_corrupt_data) {
            char text[JMSG_LENGTH_MAX];
            (*cinfo->err->format_message)(cinfo, text);
            snprintf(error->message, sizeof error->message, "%s", text);
        }
        error->saw_corrupt_data = 1;
    }
}

static double vc_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

// Called by libjpeg as it decodes: a file with thousands of progressive scans, or one that
// simply takes too long, is stopped here (djpeg's -maxscans, plus a clock).
static void vc_jpeg_progress(j_common_ptr common) {
    struct vc_jpeg_decoder *decoder = (struct vc_jpeg_decoder *)common;
    j_decompress_ptr cinfo = (j_decompress_ptr)common;
    if (decoder->max_scans > 0 && cinfo->input_scan_number > (int)decoder->max_scans) {
        snprintf(decoder->error.message, sizeof decoder->error.message,
                 "more than %u progressive scans (real photos have fewer than 20)", decoder->max_scans);
        decoder->limit_hit = 1;
        longjmp(decoder->error.jump, 1);
    }
    if (decoder->deadline > 0 && vc_now() > decoder->deadline) {
        snprintf(decoder->error.message, sizeof decoder->error.message,
                 "decoding took longer than the time limit");
        decoder->limit_hit = 1;
        longjmp(decoder->error.jump, 1);
    }
}

void vc_jpeg_set_limits(vc_jpeg_decoder *decoder, uint32_t max_scans, double max_seconds, size_t max_memory) {
    decoder->max_scans = max_scans;
    decoder->deadline = max_seconds > 0 ? vc_now() + max_seconds : 0;
    decoder->progress.progress_monitor = vc_jpeg_progress;
    decoder->cinfo.progress = &decoder->progress;
    if (max_memory > 0 && decoder->cinfo.mem != NULL) {
        // Without a backing store, libjpeg refuses whole-image buffers larger than this.
        decoder->cinfo.mem->max_memory_to_use = (long)max_memory;
    }
}

static vc_status vc_jpeg_fail(struct vc_jpeg_decoder *decoder, char *message) {
    snprintf(message, VC_MESSAGE_CAPACITY, "%s", decoder->error.message);
    int code = decoder->error.pub.msg_code;
    if (decoder->limit_hit) {
        return VC_TOO_COSTLY;
    }
    if (code == JERR_NO_BACKING_STORE || code == JERR_OUT_OF_MEMORY) {
        snprintf(message, VC_MESSAGE_CAPACITY, "its working memory is over the limit");
        return VC_TOO_COSTLY;
    }
    if (code == JERR_BAD_PRECISION) {
        return VC_UNSUPPORTED;
    }
    if (decoder->error.saw_end_of_file || code == JERR_INPUT_EOF || code == JERR_INPUT_EMPTY) {
        return VC_TRUNCATED;
    }
    return VC_CORRUPT;
}

static void vc_jpeg_fill_dimensions(struct vc_jpeg_decoder *decoder, vc_info *info) {
    info->width = decoder->cinfo.output_width;
    info->height = decoder->cinfo.output_height;
    info->channels = decoder->cmyk ? 3 : (uint32_t)decoder->cinfo.out_color_components;
}

vc_status vc_jpeg_open(const uint8_t *data, size_t size, vc_jpeg_decoder **out, vc_info *info,
                       char *message) {
    *out = NULL;
    memset(info, 0, sizeof *info);
    struct vc_jpeg_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) {
        snprintf(message, VC_MESSAGE_CAPACITY, "out of memory");
        return VC_NO_MEMORY;
    }
    *out = decoder;
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    cinfo->err = jpeg_std_error(&decoder->error.pub);
    decoder->error.pub.error_exit = vc_jpeg_error_exit;
    decoder->error.pub.emit_message = vc_jpeg_emit_message;
    if (setjmp(decoder->error.jump)) {
        return vc_jpeg_fail(decoder, message);
    }
    jpeg_create_decompress(cinfo);
    decoder->created = 1;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
    if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK) {
        snprintf(message, VC_MESSAGE_CAPACITY, "the file holds tables but no image");
        return VC_CORRUPT;
    }
    if (decoder->error.saw_end_of_file) {
        snprintf(message, VC_MESSAGE_CAPACITY, "Premature end of JPEG file (in the header)");
        return VC_TRUNCATED;
    }
    for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker != NULL;
         marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1 && marker->data_length > 6 &&
            memcmp(marker->data, "Exif\0\0", 6) == 0) {
            info->exif = marker->data + 6;
            info->exif_size = marker->data_length - 6;
            break;
        }
    }
    info->source_width = cinfo->image_width;
    info->source_height = cinfo->image_height;
    info->bit_depth = (uint32_t)cinfo->data_precision;
    info->color_model = (uint32_t)cinfo->jpeg_color_space;
    info->interlaced = cinfo->progressive_mode ? 1 : 0;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo->out_color_space = JCS_CMYK;  // libjpeg turns YCCK into CMYK
        decoder->cmyk = 1;
        break;
    default:
        cinfo->out_color_space = JCS_RGB;
        break;
    }
    jpeg_calc_output_dimensions(cinfo);
    vc_jpeg_fill_dimensions(decoder, info);
    return VC_OK;
}

vc_status vc_jpeg_set_scale(vc_jpeg_decoder *decoder, uint32_t scale_denominator, vc_info *info,
                            char *message) {
    if (scale_denominator != 1 && scale_denominator != 2 && scale_denominator != 4 &&
        scale_denominator != 8) {
        snprintf(message, VC_MESSAGE_CAPACITY, "expected a scale of 1, 2, 4 or 8, got %u",
                 scale_denominator);
        return VC_UNSUPPORTED;
    }
    if (setjmp(decoder->error.jump)) {
        return vc_jpeg_fail(decoder, message);
    }
    decoder->cinfo.scale_num = 1;
    decoder->cinfo.scale_denom = scale_denominator;
    jpeg_calc_output_dimensions(&decoder->cinfo);
    vc_jpeg_fill_dimensions(decoder, info);
    return VC_OK;
}

// Adobe writes CMYK inverted (0 = full ink); without its APP14 marker the samples are plain.
static void vc_cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, size_t count, int inverted) {
    for (size_t i = 0; i < count; i++) {
        unsigned c = cmyk[4 * i], m = cmyk[4 * i + 1], y = cmyk[4 * i + 2], k = cmyk[4 * i + 3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[3 * i] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * i + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * i + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

vc_status vc_jpeg_read(vc_jpeg_decoder *decoder, uint8_t *pixels, vc_info *info, char *message) {
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    info->rows_decoded = 0;
    if (setjmp(decoder->error.jump)) {
        info->rows_decoded = cinfo->output_scanline;
        return vc_jpeg_fail(decoder, message);
    }
    jpeg_start_decompress(cinfo);
    if (cinfo->output_width != info->width || cinfo->output_height != info->height) {
        snprintf(message, VC_MESSAGE_CAPACITY, "output size changed after the header was read");
        return VC_CORRUPT;
    }
    const size_t row_bytes = (size_t)info->width * info->channels;
    enum { rows_per_call = 16 };
    JSAMPROW rows[rows_per_call];
    if (decoder->cmyk) {
        decoder->cmyk_rows = malloc((size_t)info->width * 4 * rows_per_call);
        if (decoder->cmyk_rows == NULL) {
            snprintf(message, VC_MESSAGE_CAPACITY, "out of memory");
            return VC_NO_MEMORY;
        }
    }
    const int inverted = cinfo->saw_Adobe_marker;
    while (cinfo->output_scanline < cinfo->output_height) {
        JDIMENSION first = cinfo->output_scanline;
        JDIMENSION wanted = cinfo->output_height - first;
        if (wanted > rows_per_call) {
            wanted = rows_per_call;
        }
        for (JDIMENSION i = 0; i < wanted; i++) {
            rows[i] = decoder->cmyk ? decoder->cmyk_rows + (size_t)i * info->width * 4
                                    : pixels + (size_t)(first + i) * row_bytes;
        }
        JDIMENSION got = jpeg_read_scanlines(cinfo, rows, wanted);
        if (got == 0) {
            snprintf(message, VC_MESSAGE_CAPACITY, "the decoder stopped producing rows");
            return VC_CORRUPT;
        }
        if (decoder->cmyk) {
            for (JDIMENSION i = 0; i < got; i++) {
                vc_cmyk_to_rgb(rows[i], pixels + (size_t)(first + i) * row_bytes, info->width,
                               inverted);
            }
        }
    }
    info->rows_decoded = cinfo->output_scanline;
    jpeg_finish_decompress(cinfo);
    if (decoder->error.saw_end_of_file) {
        snprintf(message, VC_MESSAGE_CAPACITY, "Premature end of JPEG file");
        return VC_TRUNCATED;
    }
    if (decoder->error.saw_corrupt_data) {
        snprintf(message, VC_MESSAGE_CAPACITY, "%s", decoder->error.message);
        return VC_CORRUPT;
    }
    return VC_OK;
}

void vc_jpeg_close(vc_jpeg_decoder *decoder) {
    if (decoder == NULL) {
        return;
    }
    if (decoder->created) {
        jpeg_destroy_decompress(&decoder->cinfo);
    }
    free(decoder->cmyk_rows);
    free(decoder);
}

// MARK: Encoding

static void vc_jpeg_encode_silence(j_common_ptr cinfo, int level) {
    (void)cinfo;
    (void)level;
}

vc_status vc_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels, int quality,
                         uint8_t **output, size_t *output_size, char *message) {
    *output = NULL;
    *output_size = 0;
    if (channels != 1 && channels != 3) {
        snprintf(message, VC_MESSAGE_CAPACITY, "JPEG holds gray or RGB, not %u channels", channels);
        return VC_UNSUPPORTED;
    }
    if (width == 0 || height == 0 || width > 65500 || height > 65500) {
        snprintf(message, VC_MESSAGE_CAPACITY, "JPEG sides are 1...65500 pixels, got %ux%u", width, height);
        return VC_UNSUPPORTED;
    }
    struct jpeg_compress_struct cinfo;
    struct vc_jpeg_error error;  // the decoder's: its exit handler keeps the message and jumps
    // volatile: they change between setjmp and a possible longjmp.
    unsigned char *volatile buffer = NULL;
    unsigned long volatile size = 0;
    memset(&error, 0, sizeof error);
    cinfo.err = jpeg_std_error(&error.pub);
    error.pub.error_exit = vc_jpeg_error_exit;
    error.pub.emit_message = vc_jpeg_encode_silence;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        snprintf(message, VC_MESSAGE_CAPACITY, "%s", error.message);
        return VC_CORRUPT;
    }
    jpeg_create_compress(&cinfo);
    unsigned char *destination = NULL;
    unsigned long destination_size = 0;
    jpeg_mem_dest(&cinfo, &destination, &destination_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = (int)channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * width * channels);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    buffer = destination;
    size = destination_size;
    jpeg_destroy_compress(&cinfo);
    *output = buffer;
    *output_size = size;
    return VC_OK;
}
