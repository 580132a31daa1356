// libjpeg's default error_exit calls exit(), and Swift cannot longjmp across
// Swift frames, so the setjmp trap lives here in C and reports errors as text.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>

struct cjpeg_error_mgr {
  struct jpeg_error_mgr base;
  struct jpeg_progress_mgr progress;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  // The work bound and Ctrl-C, checked by the progress monitor.
  int max_scans;
  const volatile sig_atomic_t *interrupt;
  int status;  // 1: libjpeg's error or warning, 2: too many scans, 3: interrupted
};

static void cjpeg_error_exit(j_common_ptr cinfo) {
  struct cjpeg_error_mgr *err = (struct cjpeg_error_mgr *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, err->message);
  err->status = 1;
  longjmp(err->jump, 1);
}

// libjpeg only warns about damage it papers over (missing data painted gray,
// "extraneous bytes", a bad arithmetic code) and goes on to decode noise;
// for LayerLab a damaged picture is an error. Trace messages (level >= 0)
// stay quiet, as they would on stderr.
static void cjpeg_emit_message(j_common_ptr cinfo, int level) {
  if (level < 0) cjpeg_error_exit(cinfo);
}

// Called by libjpeg between rows of every scan it absorbs: a progressive file
// may hold any number of scans, each costing a pass over the whole picture,
// so their count is bounded, and Ctrl-C is honoured mid-decode.
static void cjpeg_progress(j_common_ptr cinfo) {
  struct cjpeg_error_mgr *err = (struct cjpeg_error_mgr *)cinfo->err;
  if (err->interrupt && *err->interrupt) {
    err->status = 3;
    snprintf(err->message, sizeof err->message, "interrupted");
    longjmp(err->jump, 1);
  }
  if (!cinfo->is_decompressor) return;
  j_decompress_ptr d = (j_decompress_ptr)cinfo;
  if (d->input_scan_number > err->max_scans) {
    err->status = 2;
    snprintf(err->message, sizeof err->message, "more than %d scans", err->max_scans);
    longjmp(err->jump, 1);
  }
}

/// Decodes a JPEG held in memory to 8-bit RGB. Returns 0 on success and fills
/// *out (malloc'd, caller frees), *width, *height; otherwise returns 1 for a
/// libjpeg error or warning, 2 for more than `max_scans` scans, 3 when
/// `*interrupt` became non-zero, and writes the reason into errbuf.
/// `max_pixels` bounds width x height before the picture is allocated.
static inline int cjpeg_decode_rgb(const unsigned char *buf, unsigned long len,
                                   unsigned char **out, int *width, int *height,
                                   char *errbuf, int errlen, int max_scans, long max_pixels,
                                   const volatile sig_atomic_t *interrupt) {
  struct jpeg_decompress_struct cinfo;
  struct cjpeg_error_mgr err;
  unsigned char *volatile pixels = NULL;
  *out = NULL;
  cinfo.err = jpeg_std_error(&err.base);
  err.base.error_exit = cjpeg_error_exit;
  err.base.emit_message = cjpeg_emit_message;
  err.message[0] = 0;
  err.max_scans = max_scans;
  err.interrupt = interrupt;
  err.status = 0;
  if (setjmp(err.jump)) {
    if (errbuf && errlen > 0) {
      strncpy(errbuf, err.message, (size_t)errlen - 1);
      errbuf[errlen - 1] = 0;
    }
    jpeg_destroy_decompress(&cinfo);
    free(pixels);
    return err.status ? err.status : 1;
  }
  jpeg_create_decompress(&cinfo);
  err.progress.progress_monitor = cjpeg_progress;
  cinfo.progress = &err.progress;
  jpeg_mem_src(&cinfo, buf, len);
  jpeg_read_header(&cinfo, TRUE);
  if ((long)cinfo.image_width * (long)cinfo.image_height > max_pixels) {
    snprintf(err.message, sizeof err.message, "the picture is %ux%u pixels, more than %ld",
             cinfo.image_width, cinfo.image_height, max_pixels);
    err.status = 1;
    longjmp(err.jump, 1);
  }
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
