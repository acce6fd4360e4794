/*
 * gzip_bench.c - what gzip costs and saves on a reply registryd sends: the bytes before and after, and the CPU time
 * per reply at each level (1 to 9), measured as registryd compresses (server/http/compress.c: one deflate stream per thread,
 * reset per reply, gzip framing, windowBits 15, memLevel 8, the body fed as it lies in the reply's buffer).
 *
 *   gzip_bench [FILE]   FILE: a reply body (e.g. curl -H 'Authorization: Bearer ...' '.../api/v1/clients?limit=50');
 *                       without it, a 50-row client list in the API's shape with varied names, IDs and dates.
 * Built and run by scripts/bench_gzip.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

static const char *const first[] = {"محمد", "علی", "حسین", "رضا", "مهدی", "امیر", "حمید", "سعید", "جواد", "مجید",
                                    "فاطمه", "زهرا", "مریم", "معصومه", "زینب", "سمیه", "الهام", "نرگس", "لیلا", "مینا",
                                    "اکبر", "کاظم", "یوسف", "ابراهیم", "نسرین", "پروین", "شهلا", "طاهره", "سکینه",
                                    "رقیه"};
static const char *const last[] = {"محمدی", "حسینی", "احمدی", "رضایی", "موسوی", "کریمی", "هاشمی", "قاسمی", "رحیمی",
                                   "جعفری", "صادقی", "نوری", "کاظمی", "اکبری", "عباسی", "حیدری", "یوسفی", "سلیمانی",
                                   "بابایی", "اسدی", "خسروی", "شریفی", "طاهری", "نظری", "امینی", "میرزایی", "زارعی",
                                   "فتحی", "قربانی", "ملکی"};
static const char *const dis[] = {"physical", "visual", "hearing", "speech", "intellectual", "psychosocial", "autism",
                                  "multiple"};
static const char *const sev[] = {"mild", "moderate", "severe", "very_severe"};
static const char *const needs[] = {"housing", "employment", "education", "healthcare", "assistive_devices",
                                    "counseling"};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static size_t synthetic_list(char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "{\"items\":[");
    for (int i = 0; i < 50; i++) {
        unsigned y = 1940 + rnd(70), m = 1 + rnd(12), d = 1 + rnd(28);
        n += (size_t)snprintf(out + n, cap - n,
            "%s{\"id\":%u,\"national_id\":\"%010u\",\"document\":{\"type\":\"national_id\",\"number\":\"%010u\","
            "\"country\":null},\"first_name\":\"%s\",\"last_name\":\"%s\",\"father_name\":\"%s\","
            "\"birth_date\":\"%04u-%02u-%02u\",\"birth_date_jalali\":\"%04u-%02u-%02u\",\"sex\":\"%s\","
            "\"province\":\"IR-%02u\",\"county_id\":%u,\"center_id\":%u,\"disability\":{\"type\":\"%s\","
            "\"severity\":\"%s\"},\"needs\":[\"%s\",\"%s\"],\"household_id\":%u,\"household_role\":\"head\","
            "\"status\":\"active\",\"created_at\":\"2025-%02u-%02uT%02u:%02u:%02uZ\","
            "\"updated_at\":\"2026-%02u-%02uT%02u:%02u:%02uZ\"}",
            i ? "," : "", 100000 + rnd(3000000), rnd(4000000000u), rnd(4000000000u), first[rnd(30)], last[rnd(30)],
            first[rnd(10)], y, m, d, y - 621, 1 + rnd(12), 1 + rnd(29), rnd(2) ? "female" : "male", 1 + rnd(31),
            1 + rnd(450), 1 + rnd(3000), dis[rnd(8)], sev[rnd(4)], needs[rnd(6)], needs[rnd(6)], 1 + rnd(900000),
            1 + rnd(12), 1 + rnd(28), rnd(24), rnd(60), rnd(60), 1 + rnd(12), 1 + rnd(28), rnd(24), rnd(60), rnd(60));
    }
    n += (size_t)snprintf(out + n, cap - n, "],\"next_cursor\":\"eyJpZCI6MTIzNDU2fQ\"}");
    return n;
}

static double cpu_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    static char body[4 << 20];
    size_t len;
    const char *what;
    if (argc > 1) {
        FILE *f = fopen(argv[1], "rb");
        if (!f) {
            perror(argv[1]);
            return 2;
        }
        len = fread(body, 1, sizeof(body), f);
        fclose(f);
        what = argv[1];
    } else {
        len = synthetic_list(body, sizeof(body));
        what = "a 50-row client list (synthetic, the API's shape)";
    }
    static unsigned char out[8 << 20];
    const int reps = 2000;
    printf("%s: %zu bytes\n", what, len);
    printf("level  bytes  ratio  cpu_us_per_reply\n");
    for (int level = 1; level <= 9; level++) {
        z_stream z;
        memset(&z, 0, sizeof(z));
        if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return 1;
        size_t zlen = 0;
        double t0 = cpu_us();
        for (int r = 0; r < reps; r++) {
            deflateReset(&z);
            z.next_in = (Bytef *)body;
            z.avail_in = (uInt)len;
            z.next_out = out;
            z.avail_out = sizeof(out);
            if (deflate(&z, Z_FINISH) != Z_STREAM_END)
                return 1;
            zlen = sizeof(out) - z.avail_out;
        }
        double per = (cpu_us() - t0) / reps;
        deflateEnd(&z);
        printf("%5d  %5zu  %4.1fx  %8.1f\n", level, zlen, (double)len / (double)zlen, per);
    }
    return 0;
}
