/*
 * assets.h - the console's files, compiled into registryd at build time (web/ is bundled by web/build.mjs, then
 * tools/embedgen.c writes the table below into the build directory). Each asset is kept as is and, where it pays,
 * precompressed with gzip and brotli, so serving one is a table lookup and a reference to static memory.
 */
#ifndef REGISTRY_CONSOLE_ASSETS_H
#define REGISTRY_CONSOLE_ASSETS_H

#include <stddef.h>

typedef struct console_asset {
    const char *path;                       /* "/console/assets/main-4KXQ2F.js": the name holds the content hash */
    const char *content_type;
    const unsigned char *identity;
    size_t identity_len;
    const unsigned char *gzip;              /* NULL when compressing does not make it smaller (fonts) */
    size_t gzip_len;
    const unsigned char *brotli;            /* likewise */
    size_t brotli_len;
} console_asset;

/* Sorted by path (strcmp), for bsearch. */
extern const console_asset console_assets[];
extern const size_t console_asset_count;

/* The page every other GET /console/... path answers; it holds the text @IDLE_SECONDS@ for registryd to fill. */
extern const unsigned char console_shell_html[];
extern const size_t console_shell_html_len;

#endif
