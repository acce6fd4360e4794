/*
 * embedgen.c - build-time tool: turns the bundled console (web/build.mjs's output directory) into one C file that
 * registryd is linked with (server/console/assets.h), so the binary is all there is to deploy.
 *
 *   embedgen DIST_DIR OUT.c
 *
 * DIST_DIR holds shell.html and assets/. Every asset is stored as is and, when it makes the file smaller, gzip- and
 * brotli-compressed at the strongest settings: this runs once per build, so the server never compresses at run time.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/encode.h>
#include <zlib.h>

typedef struct blob {
    unsigned char *data;
    size_t len;
} blob;

static const char *tmp_out;        /* the half-written output, removed when embedgen fails */

static void die(const char *what, const char *path)
{
    fprintf(stderr, "embedgen: %s: %s: %s\n", what, path, errno ? strerror(errno) : "failed");
    if (tmp_out)
        remove(tmp_out);
    exit(1);
}

/* A library failed (zlib, brotli): errno says nothing about it. */
static void die_lib(const char *what, const char *lib)
{
    errno = 0;
    die(what, lib);
}

static blob read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open", path);
    blob b = {0};
    size_t cap = 0;
    for (;;) {
        if (b.len == cap) {
            cap = cap ? cap * 2 : 65536;
            b.data = realloc(b.data, cap);
            if (!b.data)
                die("out of memory reading", path);
        }
        size_t n = fread(b.data + b.len, 1, cap - b.len, f);
        if (n == 0)
            break;
        b.len += n;
    }
    if (ferror(f))
        die("cannot read", path);
    fclose(f);
    return b;
}

static blob gzip_of(blob in)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        die_lib("deflateInit2", "zlib");
    blob out = {malloc(deflateBound(&zs, in.len)), 0};
    zs.next_in = in.data;
    zs.avail_in = (uInt)in.len;
    zs.next_out = out.data;
    zs.avail_out = (uInt)deflateBound(&zs, in.len);
    if (!out.data || deflate(&zs, Z_FINISH) != Z_STREAM_END)
        die_lib("deflate", "zlib");
    out.len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static blob brotli_of(blob in, BrotliEncoderMode mode)
{
    size_t cap = BrotliEncoderMaxCompressedSize(in.len);
    blob out = {malloc(cap ? cap : 64), cap ? cap : 64};
    if (!out.data || !BrotliEncoderCompress(BROTLI_MAX_QUALITY, BROTLI_DEFAULT_WINDOW, mode, in.len, in.data,
                                            &out.len, out.data))
        die_lib("BrotliEncoderCompress", "brotli");
    return out;
}

static const char *content_type_of(const char *name, BrotliEncoderMode *mode)
{
    static const struct {
        const char *ext, *type;
        BrotliEncoderMode mode;
    } types[] = {
        {".js", "text/javascript; charset=utf-8", BROTLI_MODE_TEXT},
        {".css", "text/css; charset=utf-8", BROTLI_MODE_TEXT},
        {".html", "text/html; charset=utf-8", BROTLI_MODE_TEXT},
        {".svg", "image/svg+xml", BROTLI_MODE_TEXT},
        {".json", "application/json", BROTLI_MODE_TEXT},
        {".csv", "text/csv; charset=utf-8", BROTLI_MODE_TEXT},
        {".woff2", "font/woff2", BROTLI_MODE_FONT},
        {".png", "image/png", BROTLI_MODE_GENERIC},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(dot, types[i].ext)) {
            *mode = types[i].mode;
            return types[i].type;
        }
    errno = 0;
    die("no content type known for", name);
    return NULL;
}

static void emit_bytes(FILE *o, const char *sym, blob b)
{
    fprintf(o, "static const unsigned char %s[%zu] = {", sym, b.len ? b.len : 1);
    for (size_t i = 0; i < b.len; i++)
        fprintf(o, "%s%u,", i % 24 ? "" : "\n", b.data[i]);
    fprintf(o, "%s};\n", b.len ? "" : "0");
}

static int worth_it(size_t compressed, size_t plain)
{
    return compressed + plain / 20 < plain;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: embedgen DIST_DIR OUT.c\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/assets", argv[1]);
    DIR *d = opendir(path);
    if (!d)
        die("cannot open", path);
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        /* names go into C string literals and URLs as they are: esbuild's hashed names need nothing else */
        if (strspn(e->d_name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
            strlen(e->d_name)) {
            errno = 0;
            die("an asset name outside [A-Za-z0-9._-]", e->d_name);
        }
        char **grown = realloc(names, (n + 1) * sizeof(*names));
        if (!grown || !(grown[n] = strdup(e->d_name)))
            die("out of memory listing", path);
        names = grown;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), by_name);   /* the server bsearches the table */

    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
    FILE *o = fopen(tmp, "w");
    if (!o)
        die("cannot write", tmp);
    tmp_out = tmp;
    fprintf(o, "/* Generated by tools/embedgen.c from web/ (web/build.mjs); do not edit. */\n"
               "#include \"server/console/assets.h\"\n\n");
    struct {
        blob id, gz, br;
        const char *type;
    } *a = calloc(n ? n : 1, sizeof(*a));
    if (!a)
        die("out of memory for", argv[1]);
    size_t raw = 0, best = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/assets/%s", argv[1], names[i]);
        BrotliEncoderMode mode;
        a[i].type = content_type_of(names[i], &mode);
        a[i].id = read_file(path);
        a[i].gz = gzip_of(a[i].id);
        a[i].br = brotli_of(a[i].id, mode);
        /* a copy that saves less than 5% is not worth a Vary and the browser's decompression (fonts: woff2 is
         * compressed already): served as is */
        if (!worth_it(a[i].gz.len, a[i].id.len))
            a[i].gz.len = 0;
        if (!worth_it(a[i].br.len, a[i].id.len) || (a[i].gz.len && a[i].br.len >= a[i].gz.len))
            a[i].br.len = 0;
        char sym[32];
        snprintf(sym, sizeof(sym), "a%zu_id", i);
        emit_bytes(o, sym, a[i].id);
        if (a[i].gz.len) {
            snprintf(sym, sizeof(sym), "a%zu_gz", i);
            emit_bytes(o, sym, a[i].gz);
        }
        if (a[i].br.len) {
            snprintf(sym, sizeof(sym), "a%zu_br", i);
            emit_bytes(o, sym, a[i].br);
        }
        raw += a[i].id.len;
        best += a[i].br.len ? a[i].br.len : a[i].gz.len ? a[i].gz.len : a[i].id.len;
    }
    fprintf(o, "\nconst console_asset console_assets[] = {\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(o, "    {\"/console/assets/%s\", \"%s\", a%zu_id, %zu, ", names[i], a[i].type, i, a[i].id.len);
        if (a[i].gz.len)
            fprintf(o, "a%zu_gz, %zu, ", i, a[i].gz.len);
        else
            fprintf(o, "NULL, 0, ");
        if (a[i].br.len)
            fprintf(o, "a%zu_br, %zu},\n", i, a[i].br.len);
        else
            fprintf(o, "NULL, 0},\n");
        free(a[i].id.data);
        free(a[i].gz.data);
        free(a[i].br.data);
    }
    free(a);
    fprintf(o, "};\nconst size_t console_asset_count = %zu;\n\n", n);

    snprintf(path, sizeof(path), "%s/shell.html", argv[1]);
    blob shell = read_file(path);
    fprintf(o, "const unsigned char console_shell_html[%zu] = {", shell.len + 1);
    for (size_t i = 0; i < shell.len; i++)
        fprintf(o, "%s%u,", i % 24 ? "" : "\n", shell.data[i]);
    fprintf(o, "0};\nconst size_t console_shell_html_len = %zu;\n", shell.len);
    free(shell.data);
    if (ferror(o) | fclose(o) || rename(tmp, argv[2]) != 0)
        die("cannot write", argv[2]);
    tmp_out = NULL;
    printf("embedgen: %zu assets, %zu bytes, %zu with the best encoding of each\n", n, raw, best);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return 0;
}
