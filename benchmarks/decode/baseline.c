// The decode benchmark's baseline: libjpeg-turbo and libpng called directly from C on the same
// files, on one thread, the way a careful C program would (files in memory first; JPEG to RGB
// with the default ISLOW IDCT; PNG through libpng's simplified API to 8-bit RGB).
//
// Build and run: cc -O2 baseline.c -o baseline $(pkg-config --cflags --libs libpng libjpeg)
//                ./baseline SECONDS FILE...
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>
#include <png.h>
#include <string.h>
#include <time.h>

typedef struct {
    unsigned char *data;
    size_t size;
    int is_png;
} file_t;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

struct error_mgr {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
};

static void on_error(j_common_ptr cinfo) { longjmp(((struct error_mgr *)cinfo->err)->jump, 1); }

static int decode_jpeg(const file_t *file, unsigned scale_denom) {
    struct jpeg_decompress_struct cinfo;
    struct error_mgr err;
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    unsigned char *pixels = NULL;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, file->data, file->size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    cinfo.scale_num = 1;
    cinfo.scale_denom = scale_denom;
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * 3;
    pixels = malloc(stride * cinfo.output_height);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(pixels);
    return 0;
}

static int decode_png(const file_t *file) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, file->data, file->size)) return -1;
    image.format = PNG_FORMAT_RGB;
    unsigned char *pixels = malloc(PNG_IMAGE_SIZE(image));
    int ok = png_image_finish_read(&image, NULL, pixels, 0, NULL);
    free(pixels);
    png_image_free(&image);
    return ok ? 0 : -1;
}

static double measure(file_t *files, int count, int want_png, unsigned scale, double seconds) {
    int decoded = 0;
    double start = now(), elapsed = 0;
    do {
        for (int i = 0; i < count; i++) {
            if (files[i].is_png != want_png) continue;
            if ((want_png ? decode_png(&files[i]) : decode_jpeg(&files[i], scale)) != 0) {
                fprintf(stderr, "decode failed\n");
                exit(1);
            }
            decoded++;
        }
        elapsed = now() - start;
    } while (elapsed < seconds);
    return decoded / elapsed;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s SECONDS FILE...\n", argv[0]);
        return 2;
    }
    double seconds = atof(argv[1]);
    int count = argc - 2, jpegs = 0, pngs = 0;
    file_t *files = calloc(count, sizeof *files);
    for (int i = 0; i < count; i++) {
        FILE *f = fopen(argv[i + 2], "rb");
        if (!f) { perror(argv[i + 2]); return 1; }
        fseek(f, 0, SEEK_END);
        files[i].size = ftell(f);
        fseek(f, 0, SEEK_SET);
        files[i].data = malloc(files[i].size);
        if (fread(files[i].data, 1, files[i].size, f) != files[i].size) { perror("read"); return 1; }
        fclose(f);
        files[i].is_png = files[i].size > 8 && files[i].data[0] == 0x89;
        if (files[i].is_png) pngs++; else jpegs++;
    }
    printf("{");
    if (jpegs) printf("\"jpeg_full_images_per_second\": %.0f, \"jpeg_scaled_4_images_per_second\": %.0f%s",
                      measure(files, count, 0, 1, seconds), measure(files, count, 0, 4, seconds), pngs ? ", " : "");
    if (pngs) printf("\"png_full_images_per_second\": %.0f", measure(files, count, 1, 1, seconds));
    printf("}\n");
    return 0;
}
