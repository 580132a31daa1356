// Writes a small baseline JPEG of one flat colour (flat blocks survive JPEG
// almost exactly, so tests can check pixels with a small tolerance).
// usage: make_jpeg OUT WIDTH HEIGHT COMPONENTS(1|3) V0 [V1 V2]
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(int argc, char **argv) {
  if (argc < 6) return 2;
  int w = atoi(argv[2]), h = atoi(argv[3]), comps = atoi(argv[4]);
  unsigned char value[3];
  for (int c = 0; c < comps; c++) value[c] = (unsigned char)atoi(argv[5 + c]);
  FILE *f = fopen(argv[1], "wb");
  if (!f) return 1;
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, f);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = comps;
  cinfo.in_color_space = comps == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  unsigned char *row = malloc((size_t)w * comps);
  for (int x = 0; x < w; x++)
    for (int c = 0; c < comps; c++) row[x * comps + c] = value[c];
  while (cinfo.next_scanline < cinfo.image_height) jpeg_write_scanlines(&cinfo, &row, 1);
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  fclose(f);
  free(row);
  return 0;
}
