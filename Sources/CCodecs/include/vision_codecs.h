// The C edge of vision's image decoding.
//
// libpng and libjpeg report fatal errors with longjmp, which Swift cannot catch. Every entry point
// here owns its own setjmp, checks every return code and hands Swift a status and a message.
// Decoding is two-phase so that Swift can check the pixel-count limit from the header before any
// pixel buffer is allocated: open (header only) -> Swift allocates -> read -> close.
#ifndef VISION_CODECS_H
#define VISION_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VC_OK = 0,
    VC_CORRUPT = 1,      // the data is malformed (bad CRC, bad Huffman code, bad header ...)
    VC_TRUNCATED = 2,    // the data ends before the image does
    VC_UNSUPPORTED = 3,  // well-formed but not supported (12-bit JPEG ...)
    VC_NO_MEMORY = 4,
    VC_TOO_COSTLY = 5,   // decoding would take more scans, time or working memory than allowed
} vc_status;

enum { VC_MESSAGE_CAPACITY = 200 };

typedef struct {
    uint32_t width;           // of the decoded output (after any DCT scaling), before EXIF orientation
    uint32_t height;
    uint32_t channels;        // of the decoded output: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    uint32_t bit_depth;       // as stored in the file (1, 2, 4, 8, 16 for PNG; 8 or 12 for JPEG)
    uint32_t source_width;    // as stored in the file
    uint32_t source_height;
    uint32_t interlaced;      // PNG Adam7 or progressive JPEG
    uint32_t color_model;     // PNG: IHDR colour type; JPEG: J_COLOR_SPACE of the file
    const uint8_t *exif;      // the EXIF block (TIFF header onward) if present; owned by the decoder
    size_t exif_size;
    uint32_t rows_decoded;    // after read: how many complete output rows were produced
} vc_info;

typedef struct vc_png_decoder vc_png_decoder;
typedef struct vc_jpeg_decoder vc_jpeg_decoder;

// PNG. Output is 8-bit, samples as stored: gray 1/2/4 bits expanded to 0...255, 16-bit scaled by
// round(v/257), palette expanded to RGB, tRNS turned into an alpha channel. No gamma handling.
vc_status vc_png_open(const uint8_t *data, size_t size, vc_png_decoder **decoder, vc_info *info,
                      char *message);
// Writes height rows of width*channels bytes. On VC_TRUNCATED or VC_CORRUPT, info->rows_decoded
// tells how much of the buffer holds real pixels (for callers that accept partial images).
vc_status vc_png_read(vc_png_decoder *decoder, uint8_t *pixels, vc_info *info, char *message);
void vc_png_close(vc_png_decoder *decoder);
// 1 when the file takes the libdeflate fast path (8-bit, non-interlaced, well-formed chunks),
// 0 when libpng decodes it. For tests and diagnostics; decoding chooses by itself.
int vc_png_takes_fast_path(const uint8_t *data, size_t size);

// JPEG. scale_denominator is 1, 2, 4 or 8 (libjpeg-turbo's DCT-domain downscaling); output is
// gray (1 channel) for grayscale files and RGB (3) otherwise; CMYK and YCCK are converted to RGB,
// honouring Adobe's inverted CMYK.
vc_status vc_jpeg_open(const uint8_t *data, size_t size, vc_jpeg_decoder **decoder, vc_info *info,
                       char *message);
// Changes the output scale after open; updates info's width and height.
// Limits for the decode that follows: at most max_scans progressive scans, max_seconds of wall
// time, and max_memory bytes of libjpeg's working memory (coefficient buffers); 0 means none.
void vc_jpeg_set_limits(vc_jpeg_decoder *decoder, uint32_t max_scans, double max_seconds, size_t max_memory);

vc_status vc_jpeg_set_scale(vc_jpeg_decoder *decoder, uint32_t scale_denominator, vc_info *info,
                            char *message);
vc_status vc_jpeg_read(vc_jpeg_decoder *decoder, uint8_t *pixels, vc_info *info, char *message);
void vc_jpeg_close(vc_jpeg_decoder *decoder);

// PNG encoding of 8-bit gray (1), gray+alpha (2), RGB (3) or RGBA (4) pixels into a malloc'd
// buffer that the caller frees with vc_free.
vc_status vc_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                        int compression_level, uint8_t **output, size_t *output_size, char *message);
void vc_free(void *pointer);

// Baseline JPEG (4:2:0 for RGB, libjpeg's defaults) of 8-bit gray (1) or RGB (3) pixels at
// quality 1-100 into a malloc'd buffer that the caller frees with vc_free.
vc_status vc_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels, int quality,
                         uint8_t **output, size_t *output_size, char *message);

#ifdef __cplusplus
}
#endif

#endif
