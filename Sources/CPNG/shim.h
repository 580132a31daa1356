// PNG decoding through libpng's progressive reader, with the setjmp/longjmp
// error handling kept here in C (Swift cannot longjmp across Swift frames).
//
// Why not the simplified API: after the last row, libpng swallows whatever
// the compressed stream still holds, and a 20 MB file can inflate to 20 GB
// of zeros there (minutes of CPU). The progressive reader is fed by us, so
// feeding stops once the last row has arrived: the work is bounded by the
// picture's own size. Compressed text and ICC chunks are skipped, chunk
// sizes are capped, and Ctrl-C is seen between rows and between feeds.
#include <signal.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

struct cpng_context {
  jmp_buf jump;
  char message[200];
  int status;  // 1: libpng's error, 2: too large, 3: interrupted, 4: not a supported layout
  long max_pixels;
  const volatile sig_atomic_t *interrupt;
  png_uint_32 width, height;
  int channels;
  int last_pass;
  int done;
  unsigned char *pixels;
  png_bytep *rows;
};

static void cpng_fail(struct cpng_context *ctx, int status, const char *message) {
  ctx->status = status;
  snprintf(ctx->message, sizeof ctx->message, "%s", message);
  longjmp(ctx->jump, 1);
}

static void cpng_error(png_structp png, png_const_charp message) {
  cpng_fail((struct cpng_context *)png_get_error_ptr(png), 1, message);
}

// Warnings are about damage libpng recovers from (a bad ancillary CRC, a
// known-wrong sRGB profile); PIL reads such files too, so they stay quiet.
static void cpng_warning(png_structp png, png_const_charp message) {
  (void)png;
  (void)message;
}

static void cpng_info(png_structp png, png_infop info) {
  struct cpng_context *ctx = (struct cpng_context *)png_get_progressive_ptr(png);
  png_uint_32 w = png_get_image_width(png, info);
  png_uint_32 h = png_get_image_height(png, info);
  if ((long long)w * (long long)h > (long long)ctx->max_pixels) {
    char text[120];
    snprintf(text, sizeof text, "the image is %ux%u pixels", w, h);
    cpng_fail(ctx, 2, text);
  }
  int type = png_get_color_type(png, info);
  int depth = png_get_bit_depth(png, info);
  // What PIL's convert('RGB') or convert('L') keeps: palettes expanded,
  // alpha (and tRNS transparency) dropped without compositing, 16 bits cut
  // to their high byte.
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16) png_set_strip_16(png);
  png_set_strip_alpha(png);
  int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  ctx->width = w;
  ctx->height = h;
  ctx->channels = png_get_channels(png, info);
  if ((ctx->channels != 1 && ctx->channels != 3) ||
      png_get_rowbytes(png, info) != (size_t)w * (size_t)ctx->channels)
    cpng_fail(ctx, 4, "an unexpected pixel layout after conversion");
  // The last pass that holds any pixel: small interlaced images skip some.
  ctx->last_pass = 0;
  if (passes > 1) {
    for (int p = 0; p < 7; p++)
      if (PNG_PASS_COLS(w, p) > 0 && PNG_PASS_ROWS(h, p) > 0) ctx->last_pass = p;
  }
  size_t stride = (size_t)w * (size_t)ctx->channels;
  ctx->pixels = (unsigned char *)calloc(stride * h ? stride * h : 1, 1);
  ctx->rows = (png_bytep *)malloc(sizeof(png_bytep) * (h ? h : 1));
  if (!ctx->pixels || !ctx->rows) cpng_fail(ctx, 1, "out of memory");
  for (png_uint_32 y = 0; y < h; y++) ctx->rows[y] = ctx->pixels + stride * y;
}

static void cpng_row(png_structp png, png_bytep row, png_uint_32 number, int pass) {
  struct cpng_context *ctx = (struct cpng_context *)png_get_progressive_ptr(png);
  if (ctx->interrupt && *ctx->interrupt) cpng_fail(ctx, 3, "interrupted");
  if (number >= ctx->height) return;
  // NULL: the row does not change in this pass of an interlaced image.
  if (row) png_progressive_combine_row(png, ctx->rows[number], row);
  if (pass == ctx->last_pass && number == ctx->height - 1) ctx->done = 1;
}

static void cpng_end(png_structp png, png_infop info) {
  (void)info;
  ((struct cpng_context *)png_get_progressive_ptr(png))->done = 1;
}

/// Decodes a PNG held in memory to 8-bit gray (1 channel) or RGB (3).
/// Returns 0 and fills *out (malloc'd, caller frees), *width, *height,
/// *channels; otherwise 1 (libpng's error, or the data ended before the last
/// row), 2 (more than `max_pixels` pixels), 3 (`*interrupt` became non-zero)
/// or 4, with the reason in errbuf.
static inline int cpng_decode(const unsigned char *buf, size_t len, unsigned char **out,
                              int *width, int *height, int *channels, char *errbuf, int errlen,
                              long max_pixels, const volatile sig_atomic_t *interrupt) {
  struct cpng_context ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.max_pixels = max_pixels;
  ctx.interrupt = interrupt;
  *out = NULL;
  png_structp volatile png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, cpng_error,
                                                    cpng_warning);
  png_infop volatile info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    if (png) {
      png_structp p = png;
      png_destroy_read_struct(&p, NULL, NULL);
    }
    snprintf(errbuf, (size_t)errlen, "out of memory");
    return 1;
  }
  if (setjmp(ctx.jump)) {
    png_structp p = png;
    png_infop i = info;
    png_destroy_read_struct(&p, &i, NULL);
    free(ctx.pixels);
    free(ctx.rows);
    snprintf(errbuf, (size_t)errlen, "%s", ctx.message);
    return ctx.status ? ctx.status : 1;
  }
  // libpng's own default caps are 1,000,000 on each side; ours is on the
  // area, checked in cpng_info, so the sides may be long and thin.
  png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
  png_set_chunk_cache_max(png, 128);
  png_set_chunk_malloc_max(png, 8 << 20);
  // Compressed chunks that LayerLab never uses are not inflated at all.
  static const png_byte skipped[] = {'i', 'C', 'C', 'P', 0, 'z', 'T', 'X', 't', 0,
                                     'i', 'T', 'X', 't', 0, 't', 'E', 'X', 't', 0,
                                     's', 'P', 'L', 'T', 0};
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, skipped, 5);
  png_set_progressive_read_fn(png, &ctx, cpng_info, cpng_row, cpng_end);
  size_t offset = 0;
  const size_t feed = 1 << 16;
  while (offset < len && !ctx.done) {
    if (interrupt && *interrupt) cpng_fail(&ctx, 3, "interrupted");
    size_t n = len - offset < feed ? len - offset : feed;
    png_process_data(png, info, (png_bytep)(buf + offset), n);
    offset += n;
  }
  if (!ctx.done || !ctx.pixels) cpng_fail(&ctx, 1, "the data ends before the last row of the image");
  *out = ctx.pixels;
  *width = (int)ctx.width;
  *height = (int)ctx.height;
  *channels = ctx.channels;
  free(ctx.rows);
  png_structp p = png;
  png_infop i = info;
  png_destroy_read_struct(&p, &i, NULL);
  return 0;
}
