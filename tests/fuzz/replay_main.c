/*
 * replay_main.c - stands in for libFuzzer when FUZZ=OFF: runs LLVMFuzzerTestOneInput once on every file
 * named on the command line or found (non-recursively, in name order) in a directory argument, so ordinary
 * builds check that the committed corpus still passes the targets' assertions. Arguments starting with '-'
 * are libFuzzer flags and are ignored. A path that does not exist, or a run that finds no input at all, fails:
 * a corpus that went missing must not pass as a target that found nothing wrong.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path, unsigned long *count)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        abort();
    size_t n;
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        fprintf(stderr, "replay: read error on %s\n", path);
        return -1;
    }
    /* An exact-size copy, so a sanitizer build catches reads past the end as libFuzzer would. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact)
        abort();
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    (*count)++;
    return 0;
}

static int replay_dir(const char *dir, unsigned long *count)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (name[0] != '.') {
            size_t plen = strlen(dir) + strlen(name) + 2;
            char *path = malloc(plen);
            if (!path)
                abort();
            snprintf(path, plen, "%s/%s", dir, name);
            struct stat st;
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path, count) != 0)
                rc = -1;
            free(path);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned long count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] == '-')
            continue;
        struct stat st;
        if (stat(arg, &st) != 0) {
            fprintf(stderr, "replay: %s does not exist\n", arg);
            rc = 1;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (replay_dir(arg, &count) != 0)
                rc = 1;
        } else if (replay_file(arg, &count) != 0) {
            rc = 1;
        }
    }
    printf("replayed %lu inputs\n", count);
    if (count == 0) {
        fprintf(stderr, "replay: no inputs: the corpus is missing or empty\n");
        rc = 1;
    }
    return rc;
}
