// libjpeg's default error_exit calls exit(), and Swift cannot longjmp across
// Swift frames, so the setjmp trap lives here in C and reports errors as text.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

struct cjpeg_error_mgr {
  struct jpeg_error_mgr base;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

static void cjpeg_error_exit(j_common_ptr cinfo) {
  struct cjpeg_error_mgr *err = (struct cjpeg_error_mgr *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

// Warnings (e.g. a truncated file) would go to stderr; keep the engine quiet.
static void cjpeg_emit_message(j_common_ptr cinfo, int level) {
  (void)cinfo;
  (void)level;
}

/// Decodes a JPEG held in memory to 8-bit RGB. Returns 0 on success and fills
/// *out (malloc'd, caller frees), *width, *height; otherwise returns 1 and
/// writes libjpeg's message into errbuf.
static inline int cjpeg_decode_rgb(const unsigned char *buf, unsigned long len,
                                   unsigned char **out, int *width, int *height,
                                   char *errbuf, int errlen) {
  struct jpeg_decompress_struct cinfo;
  struct cjpeg_error_mgr err;
  unsigned char *volatile pixels = NULL;
  *out = NULL;
  cinfo.err = jpeg_std_error(&err.base);
  err.base.error_exit = cjpeg_error_exit;
  err.base.emit_message = cjpeg_emit_message;
  err.message[0] = 0;
  if (setjmp(err.jump)) {
    if (errbuf && errlen > 0) {
      strncpy(errbuf, err.message, (size_t)errlen - 1);
      errbuf[errlen - 1] = 0;
    }
    jpeg_destroy_decompress(&cinfo);
    free(pixels);
    return 1;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, buf, len);
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  size_t stride = (size_t)cinfo.output_width * 3;
  pixels = (unsigned char *)malloc(stride * cinfo.output_height);
  if (!pixels) {
    if (errbuf && errlen > 0) snprintf(errbuf, (size_t)errlen, "out of memory");
    jpeg_destroy_decompress(&cinfo);
    return 1;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    unsigned char *row = pixels + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  *width = (int)cinfo.output_width;
  *height = (int)cinfo.output_height;
  jpeg_destroy_decompress(&cinfo);
  *out = pixels;
  return 0;
}
