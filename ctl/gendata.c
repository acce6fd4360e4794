/*
 * gendata.c - `registryctl gen-data [--scale F] [--seed N] [--force]`: a national-scale data set for benchmarks.
 *
 * At --scale 1: 20,000 centers (all 14 types, ~40% NGO) spread over every county by a simple population weight,
 * 200,000 staff, 3,000,000 clients, 10,000,000 services, 50 campaigns, 1,000,000 donations, and allocations for the
 * fiscal years 1401-1403 x 7 programs (every province; every county, 80% of its province's amount split by weight;
 * up to 3 centers per county, at most 80% of the county's). Row counts are round(scale x those numbers); campaigns
 * and allocations do not scale. Everything follows from the seed: the same seed on the same starting database gives
 * the same rows (national IDs, names, places, amounts).
 *
 * Loading: one transaction per table, COPY FROM STDIN in text format in 4 MiB chunks, ids chosen here (the table
 * is locked against other writers while its identity sequence is moved past them). As a superuser the load runs
 * with session_replication_role = replica, so no trigger fires (neither ours nor the foreign-key checks): every
 * column a trigger would derive (name_key, province_code, county_id, level, fiscal_year) is computed here, and the
 * references are right by construction. name_key comes from registry_search_key() itself: the keys of every
 * first x last name pair and of every center name are asked from the database once, before the load. Another role
 * cannot skip triggers: it copies into a temporary table and inserts from it with every trigger on (much slower).
 * Then registry_recompute_totals(), the benchmark users, ANALYZE.
 *
 * Benchmark users, password from REGISTRY_BENCH_PASSWORD (default below), hashed once: bench.national
 * (national_admin), bench.province (provincial_admin IR-23), bench.county (county_officer of the Tehran county
 * with the most clients), bench.ngo (ngo_submitter of the Tehran NGO center with the most clients).
 *
 * Refuses (exit 1) a database that holds more than 1,000 clients, unless --force. With --force, national IDs and
 * center names already in the database are skipped, and allocations are left alone when 1401-1403 has any.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jalali.h"
#include "common/national_id.h"
#include "common/password.h"
#include "ctl/ctl.h"

#define BENCH_PASSWORD "bench-password-2026!"
#define COPY_CHUNK (4u << 20)
#define ROW_MAX 4096
#define TEHRAN "IR-23"
#define FIRST_YEAR 1401
#define LAST_YEAR 1403
#define NYEARS (LAST_YEAR - FIRST_YEAR + 1)
#define NCAMPAIGNS 50
#define MILLION 1000000LL

/* ---- names and vocabularies (Persian letters: U+06CC Yeh, U+06A9 Keheh) -------------------------------------- */

static const char *const first_f[] = {
    "مریم", "زهرا", "فاطمه", "سارا", "نرگس", "لیلا", "معصومه", "شیرین", "پروین", "سمیه", "زینب", "مهسا",
    "نازنین", "الهام", "اعظم", "اکرم", "طاهره", "منیژه", "فریبا", "سپیده", "نسرین", "مینا", "رقیه", "صدیقه",
    "خدیجه", "سکینه", "کبری", "عاطفه", "مژگان", "هانیه", "نگار", "پریسا", "آزاده", "شهلا", "ژیلا", "رویا",
    "ستاره", "مهناز", "فرشته", "هما", "یاسمن", "ریحانه", "کوثر", "محدثه", "فرزانه", "شبنم", "بهاره", "نیلوفر",
    "آیدا", "ترانه", "پرستو", "مهدیه", "سحر", "راضیه", "منیره", "ملیحه", "گلناز", "ثریا", "بتول", "عصمت",
    "اشرف", "فروغ", "هستی", "نیایش", "یگانه", "ساناز", "مرضیه", "سمانه", "الناز", "کیمیا"};
static const char *const first_m[] = {
    "علی", "محمد", "حسین", "رضا", "مهدی", "امیر", "حمید", "جواد", "سعید", "محمدرضا", "حسن", "مصطفی",
    "مجتبی", "ابوالفضل", "احمد", "محمود", "عباس", "مرتضی", "یوسف", "اکبر", "اصغر", "قاسم", "هادی", "وحید",
    "مجید", "بهروز", "فرهاد", "کامران", "داریوش", "سیاوش", "بهزاد", "پیمان", "کیوان", "سینا", "آرش", "بابک",
    "امید", "میلاد", "نیما", "پویا", "ایمان", "یاسر", "صادق", "کاظم", "ناصر", "منصور", "جمشید", "فریدون",
    "غلامرضا", "محمدعلی", "عبدالله", "اسماعیل", "ابراهیم", "یعقوب", "حمیدرضا", "علیرضا", "محسن", "سجاد", "رسول",
    "کریم", "رحیم", "هوشنگ", "شهرام", "کوروش", "آرمان", "امیرحسین", "طاها", "یزدان"};
static const char *const last_names[] = {
    "رضایی", "محمدی", "حسینی", "احمدی", "کریمی", "موسوی", "جعفری", "قاسمی", "صادقی", "رحیمی", "کاظمی",
    "نوری", "اکبری", "شریفی", "یزدانی", "حیدری", "مرادی", "نظری", "عباسی", "سلیمانی", "ابراهیمی", "رستمی",
    "امیری", "طاهری", "هاشمی", "زارعی", "قربانی", "اسدی", "فرجی", "کرمی", "باقری", "جلالی", "حسن‌زاده",
    "علیزاده", "محمدزاده", "حسین‌زاده", "رحمانی", "سلطانی", "یوسفی", "ملکی", "بهرامی", "نجفی", "کامرانی",
    "فتحی", "شجاعی", "خسروی", "مختاری", "میرزایی", "پورمحمدی", "عزیزی", "رنجبر", "صفری", "زمانی", "توکلی",
    "شیرازی", "تهرانی", "اصفهانی", "کرمانی", "مشهدی", "تبریزی", "قزوینی", "بابایی", "داوودی", "عسگری",
    "خلیلی", "نیک‌نام", "فرهادی", "سبحانی", "انصاری", "افشار", "کیانی", "منصوری", "شاکری", "وکیلی", "دهقان",
    "کشاورز", "آهنگر", "نجار", "صالحی", "فاضلی", "عباس‌پور", "قاسم‌پور", "حسن‌پور", "رضاپور", "ولی‌زاده",
    "نوروزی", "بهاری", "پاکزاد", "زندی", "لطفی", "مهدوی", "جمالی", "عطایی", "اشرفی", "کمالی", "رفیعی",
    "مقدم", "اسلامی", "سعیدی", "دانشور", "پارسا", "طالبی", "ایزدی", "گودرزی", "چراغی", "غفاری", "صدری",
    "امینی", "فراهانی", "آقایی"};
#define N_FIRST_F (sizeof(first_f) / sizeof(first_f[0]))
#define N_FIRST_M (sizeof(first_m) / sizeof(first_m[0]))
#define N_FIRST (N_FIRST_F + N_FIRST_M)
#define N_LAST (sizeof(last_names) / sizeof(last_names[0]))

/* the 14 center types: label, weight (per mille of centers), NGO share (percent), capacity range (0: none) */
typedef struct {
    const char *type, *label;
    int weight, ngo_pct, cap_min, cap_max;
} center_kind;
static const center_kind kinds[] = {
    {"rehabilitation_day", "مرکز توانبخشی روزانه", 140, 50, 20, 150},
    {"rehabilitation_residential", "مرکز توانبخشی شبانه‌روزی", 60, 45, 20, 200},
    {"vocational_training", "مرکز توانبخشی حرفه‌ای", 60, 40, 20, 120},
    {"elderly_care", "خانه سالمندان", 100, 50, 15, 250},
    {"social_work_clinic", "کلینیک مددکاری اجتماعی", 100, 30, 0, 0},
    {"counseling", "مرکز مشاوره", 120, 45, 0, 0},
    {"addiction_outpatient", "مرکز درمان سرپایی اعتیاد", 120, 55, 30, 300},
    {"addiction_residential", "مرکز اقامتی درمان اعتیاد", 50, 50, 15, 80},
    {"children_home", "خانه کودکان", 30, 30, 10, 60},
    {"kindergarten", "مهد کودک توانیاب", 80, 55, 20, 90},
    {"mental_health_rehabilitation", "مرکز توانبخشی بیماران روانی مزمن", 40, 40, 20, 150},
    {"genetic_counseling", "مرکز مشاوره ژنتیک", 20, 20, 0, 0},
    {"social_emergency", "مرکز اورژانس اجتماعی", 40, 0, 10, 40},
    {"cbr_office", "دفتر توانبخشی مبتنی بر جامعه", 40, 0, 0, 0},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char *const motifs[] = {
    "امید", "مهر", "نور", "آفتاب", "بهار", "سپیده", "رویش", "مهرگان", "نیکان", "آرامش", "آوا", "همراز",
    "پرواز", "روشنا", "سایه‌سار", "زندگی", "آینده", "نوید", "یاس", "نرگس", "ارغوان", "شکوفه", "رهپویان",
    "مهرآوران", "همدلان", "نیکوکاران", "توانا", "بهستی", "آسمان", "دریا", "باران", "ستاره", "کوثر", "رحمت",
    "احسان", "اندیشه", "پویا", "سبز", "فردا", "مهربانی"};
#define N_MOTIFS (sizeof(motifs) / sizeof(motifs[0]))

typedef struct {
    const char *value;
    int weight;
} wval;

static const wval dis_types[] = {{"physical", 30},     {"visual", 10},       {"hearing", 10}, {"speech", 4},
                                 {"intellectual", 18}, {"psychosocial", 14}, {"autism", 5},   {"multiple", 9}};
static const wval severities[] = {{"mild", 30}, {"moderate", 35}, {"severe", 25}, {"very_severe", 10}};
static const wval professions[] = {
    {"social_worker", 15},    {"psychologist", 10},      {"physiotherapist", 8}, {"occupational_therapist", 6},
    {"speech_therapist", 5},  {"nurse", 12},             {"physician", 4},       {"caregiver", 15},
    {"counselor", 7},         {"special_educator", 5},   {"vocational_trainer", 3},
    {"addiction_counselor", 4}, {"administrator", 5},    {"other", 1}};
static const wval services_list[] = {
    {"physiotherapy", 16},  {"occupational_therapy", 8}, {"speech_therapy", 7},   {"counseling", 14},
    {"home_visit", 10},     {"social_work_assessment", 9}, {"day_care", 10},      {"vocational_training", 5},
    {"assistive_device", 4}, {"medical_checkup", 6},     {"caregiver_support", 5}, {"cash_assistance", 6}};
/* as the server accepts them (clients.c) */
static const char *const needs_list[] = {"housing",   "employment", "education",          "healthcare",
                                          "rehabilitation", "financial", "caregiving", "legal",
                                          "psychosocial", "assistive_devices"};
#define N_NEEDS (sizeof(needs_list) / sizeof(needs_list[0]))
static const char *const service_notes[] = {"جلسه اول", "پیگیری تلفنی", "ارجاع به پزشک متخصص", "تحویل وسیله کمکی",
                                            "بازدید از منزل", "جلسه با خانواده", "ارزیابی مجدد"};
#define N_SERVICE_NOTES (sizeof(service_notes) / sizeof(service_notes[0]))
static const char *const courses[] = {"توانبخشی مبتنی بر جامعه", "مددکاری در بحران", "کار با سالمندان",
                                      "پیشگیری از اعتیاد", "مهارت‌های زندگی", "کمک‌های اولیه"};
#define N_COURSES (sizeof(courses) / sizeof(courses[0]))
static const char *const in_kind_items[] = {"ویلچر", "سمعک", "اقلام غذایی", "پوشاک زمستانی", "لوازم التحریر",
                                            "تجهیزات توانبخشی", "عصای سفید", "تخت بیمارستانی", "بسته بهداشتی"};
#define N_IN_KIND (sizeof(in_kind_items) / sizeof(in_kind_items[0]))
static const char *const org_prefixes[] = {"شرکت", "بنیاد خیریه", "موسسه", "گروه صنعتی", "هیئت امنای"};
#define N_ORG_PREFIXES (sizeof(org_prefixes) / sizeof(org_prefixes[0]))
static const char *const national_campaigns[] = {"پویش ملی نذر مهربانی", "جشن عاطفه‌ها", "پویش همدلی با سالمندان",
                                                 "پویش ویلچر برای همه"};
static const char *const provincial_campaigns[] = {"جشن نیکوکاری", "پویش گرمای زمستان", "پویش مهر تحصیلی",
                                                   "پویش سفره احسان", "پویش سمعک برای کودکان",
                                                   "پویش مسکن مددجویان", "پویش اشتغال توانخواهان",
                                                   "پویش همراه سالمند"};
#define N_NAT_CAMPAIGNS (sizeof(national_campaigns) / sizeof(national_campaigns[0]))
#define N_PROV_CAMPAIGNS (sizeof(provincial_campaigns) / sizeof(provincial_campaigns[0]))

/* population (2016 census, thousands) and the capital's county, per province */
static const struct {
    const char *code;
    int pop;
    const char *capital;
} prov_info[] = {
    {"IR-00", 1429, "اراک"},     {"IR-01", 2531, "رشت"},       {"IR-02", 3284, "ساری"},
    {"IR-03", 3910, "تبریز"},    {"IR-04", 3265, "ارومیه"},    {"IR-05", 1952, "کرمانشاه"},
    {"IR-06", 4711, "اهواز"},    {"IR-07", 4852, "شیراز"},     {"IR-08", 3165, "کرمان"},
    {"IR-09", 6434, "مشهد"},     {"IR-10", 5120, "اصفهان"},    {"IR-11", 2775, "زاهدان"},
    {"IR-12", 1603, "سنندج"},    {"IR-13", 1738, "همدان"},     {"IR-14", 947, "شهرکرد"},
    {"IR-15", 1761, "خرم آباد"}, {"IR-16", 580, "ایلام"},      {"IR-17", 713, "بویراحمد"},
    {"IR-18", 1163, "بوشهر"},    {"IR-19", 1057, "زنجان"},     {"IR-20", 702, "سمنان"},
    {"IR-21", 1138, "یزد"},      {"IR-22", 1776, "بندرعباس"},  {"IR-23", 13267, "تهران"},
    {"IR-24", 1270, "اردبیل"},   {"IR-25", 1292, "قم"},        {"IR-26", 1273, "قزوین"},
    {"IR-27", 1868, "گرگان"},    {"IR-28", 863, "بجنورد"},     {"IR-29", 768, "بیرجند"},
    {"IR-30", 2712, "کرج"},
};
#define N_PROV_INFO (sizeof(prov_info) / sizeof(prov_info[0]))

/* national budget per program for 1401 (rials); +35% a year */
static const struct {
    const char *code;
    int64_t budget;
} program_budgets[] = {
    {"cbr", 1200000 * MILLION},           {"microfinance", 4000000 * MILLION}, {"housing", 6000000 * MILLION},
    {"tele_rehabilitation", 300000 * MILLION}, {"life_skills", 500000 * MILLION},
    {"elderly_care", 2500000 * MILLION},  {"caregiver_training", 400000 * MILLION},
};
#define N_PROGRAMS (sizeof(program_budgets) / sizeof(program_budgets[0]))

/* ---- deterministic randomness: xoshiro256** seeded through splitmix64, one stream per table ------------------ */

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_init(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed * 0x2545f4914f6cdd1dULL + stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return out;
}

/* 0..n-1 (n > 0) */
static inline uint32_t rng_below(rng_t *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline double rng_unit(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline int rng_chance(rng_t *r, int percent)
{
    return rng_below(r, 100) < (uint32_t)percent;
}

static int pick_wval(rng_t *r, const wval *v, size_t n)
{
    int total = 0;
    for (size_t i = 0; i < n; i++)
        total += v[i].weight;
    int x = (int)rng_below(r, (uint32_t)total);
    for (size_t i = 0; i < n; i++) {
        if (x < v[i].weight)
            return (int)i;
        x -= v[i].weight;
    }
    return (int)n - 1;
}

/* index into a list where the first entries are more common: half uniform, half skewed to the front */
static uint32_t pick_skewed(rng_t *r, uint32_t n)
{
    if (rng_below(r, 2))
        return rng_below(r, n);
    double u = rng_unit(r);
    uint32_t i = (uint32_t)(u * u * n);
    return i < n ? i : n - 1;
}

/* first i with cum[i] > x*cum[n-1] */
static int pick_cum(rng_t *r, const double *cum, int n)
{
    double x = rng_unit(r) * cum[n - 1];
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ---- national IDs: a keyed permutation of the 10^9 nine-digit seeds (4-round Feistel network on 30 bits with
 * cycle walking), taken in counter order, skipping all-same-digit seeds and seeds already in the database ------- */

typedef struct {
    uint64_t key[4];
    uint64_t counter;
    uint32_t *taken; /* sorted nine-digit prefixes of the national IDs already stored */
    size_t ntaken;
} nid_gen;

static uint32_t feistel30(const nid_gen *ng, uint32_t v)
{
    uint32_t l = v >> 15, r = v & 0x7fff;
    for (int i = 0; i < 4; i++) {
        uint64_t x = ng->key[i] ^ r;
        uint32_t f = (uint32_t)splitmix64(&x) & 0x7fff;
        uint32_t nl = r;
        r = l ^ f;
        l = nl;
    }
    return (l << 15) | r;
}

static int nid_taken(const nid_gen *ng, uint32_t v)
{
    size_t lo = 0, hi = ng->ntaken;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ng->taken[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ng->ntaken && ng->taken[lo] == v;
}

static int all_same_digits(uint32_t v)
{
    uint32_t d = v % 10;
    for (int i = 0; i < 9; i++, v /= 10)
        if (v % 10 != d)
            return 0;
    return 1;
}

static void nid_next(nid_gen *ng, char out[11])
{
    for (;;) {
        uint32_t v = (uint32_t)(ng->counter++ % 1000000000u);
        do
            v = feistel30(ng, v);
        while (v >= 1000000000u);
        if (all_same_digits(v) || nid_taken(ng, v))
            continue;
        national_id_make(v, out);
        return;
    }
}

/* ---- the COPY buffer --------------------------------------------------------------------------------------- */

typedef struct {
    PGconn *pg;
    char *buf;
    size_t len;
    int failed;
    int64_t rows;
} copybuf;

static void cb_flush(copybuf *b)
{
    if (b->len && !b->failed && PQputCopyData(b->pg, b->buf, (int)b->len) != 1)
        b->failed = 1;
    b->len = 0;
}

/* every row starts here: room for one row */
static inline void cb_row(copybuf *b)
{
    if (b->len + ROW_MAX > COPY_CHUNK)
        cb_flush(b);
    b->rows++;
}

static inline void cb_mem(copybuf *b, const char *s, size_t n)
{
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static inline void cb_str(copybuf *b, const char *s)
{
    cb_mem(b, s, strlen(s));
}

static inline void cb_ch(copybuf *b, char c)
{
    b->buf[b->len++] = c;
}

static inline void cb_tab(copybuf *b)
{
    cb_ch(b, '\t');
}

static inline void cb_null(copybuf *b)
{
    cb_mem(b, "\\N", 2);
}

static inline void cb_i64(copybuf *b, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        cb_ch(b, '-');
    while (n)
        cb_ch(b, tmp[--n]);
}

static void put_2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

static void format_ymd(ymd d, char out[11])
{
    put_2(out, d.y / 100);
    put_2(out + 2, d.y % 100);
    out[4] = '-';
    put_2(out + 5, d.m);
    out[7] = '-';
    put_2(out + 8, d.d);
    out[10] = '\0';
}

static inline void cb_date(copybuf *b, int64_t days)
{
    char s[11];
    format_ymd(days_to_gregorian(days), s);
    cb_mem(b, s, 10);
}

/* ---- the generator's state --------------------------------------------------------------------------------- */

typedef struct {
    char code[8];
    char *name_fa;
    int pop;
    int first, n;  /* its counties: cty[first .. first+n-1] */
    double weight; /* share of the nation */
} prov_t;

typedef struct {
    int id;
    int prov;
    char *name_fa;
    double weight; /* share of the nation */
} cty_t;

typedef struct {
    double secs;
    int64_t rows;
} table_stat;

typedef struct {
    PGconn *pg;
    int superuser;
    uint64_t seed;
    double scale;
    copybuf cb;

    prov_t prov[64];
    int nprov;
    cty_t *cty;
    int ncty;
    double *cum_cty;     /* national cumulative weights of the counties */
    double *cum_in_prov; /* cumulative weights restarting at each province */
    double cum_prov[64];

    /* name keys: key of first_all[i] + ' ' + last_names[j] at [i * N_LAST + j] */
    const char *first_all[N_FIRST];
    char **name_keys;

    /* centers */
    int64_t n_centers, center_base;
    uint16_t *c_cty;
    uint8_t *c_kind, *c_ngo, *c_status; /* status: 0 active, 1 suspended, 2 closed */
    char **c_name, **c_key;
    int *cty_off, *cty_list;  /* non-closed centers of each county (CSR) */
    int prov_off[65], *prov_list;

    /* clients */
    int64_t n_clients, client_base;
    uint16_t *cl_cty;
    int32_t *cl_center; /* -1: none */
    nid_gen nid;

    int64_t n_staff, staff_base, n_services, service_base, n_donations, donation_base;

    /* campaigns: ids, province (-1 national), dates */
    int64_t camp_id[NCAMPAIGNS];
    int camp_prov[NCAMPAIGNS], camp_year[NCAMPAIGNS]; /* year: 0 .. NYEARS-1 */
    int64_t camp_from[NCAMPAIGNS], camp_to[NCAMPAIGNS];
    int ncamp;

    /* programs */
    int prog_id[N_PROGRAMS];
    int64_t prog_budget[N_PROGRAMS];
    int nprog;

    int64_t year_first_day[NYEARS + 1]; /* days since 1970 of 1 Farvardin of each fiscal year, and past the last */
} gen_t;

static double now_secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "registryctl: gen-data: out of memory\n");
        exit(CTL_FAIL);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p) {
        fprintf(stderr, "registryctl: gen-data: out of memory\n");
        exit(CTL_FAIL);
    }
    return p;
}

static int64_t scaled(double base, double scale)
{
    double v = base * scale + 0.5;
    return v < 1 ? 0 : (int64_t)v;
}

/* ---- SQL helpers ------------------------------------------------------------------------------------------- */

static PGresult *q(gen_t *g, const char *sql, int n, const char *const *params, ExecStatusType want)
{
    PGresult *r = PQexecParams(g->pg, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != want) {
        fprintf(stderr, "registryctl: gen-data: %s", PQerrorMessage(g->pg));
        PQclear(r);
        return NULL;
    }
    return r;
}

static int exec_ok(gen_t *g, const char *sql)
{
    PGresult *r = q(g, sql, 0, NULL, PGRES_COMMAND_OK);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

static int64_t query_int(gen_t *g, const char *sql, int n, const char *const *params)
{
    PGresult *r = q(g, sql, n, params, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    int64_t v = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    PQclear(r);
    return v;
}

/* a text[] literal of strings holding no quote or backslash */
static char *array_literal(const char *const *items, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += strlen(items[i]) + 3;
    char *s = xcalloc(len, 1), *p = s;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        size_t k = strlen(items[i]);
        memcpy(p, items[i], k);
        p += k;
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return s;
}

/* ---- setup: geography, programs, name keys, taken national IDs ---------------------------------------------- */

static int load_geography(gen_t *g)
{
    PGresult *r = q(g, "SELECT code, name_fa FROM provinces ORDER BY code", 0, NULL, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    g->nprov = PQntuples(r);
    if (g->nprov == 0 || g->nprov > 64) {
        fprintf(stderr, "registryctl: gen-data: expected the provinces of the reference data (run migrate)\n");
        PQclear(r);
        return -1;
    }
    double total = 0;
    for (int i = 0; i < g->nprov; i++) {
        prov_t *p = &g->prov[i];
        snprintf(p->code, sizeof(p->code), "%s", PQgetvalue(r, i, 0));
        p->name_fa = xstrdup(PQgetvalue(r, i, 1));
        p->pop = 1000;
        for (size_t k = 0; k < N_PROV_INFO; k++)
            if (!strcmp(prov_info[k].code, p->code))
                p->pop = prov_info[k].pop;
        total += p->pop;
    }
    PQclear(r);
    r = q(g, "SELECT id, province_code, name_fa FROM counties ORDER BY province_code, id", 0, NULL, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    g->ncty = PQntuples(r);
    if (g->ncty == 0 || g->ncty > 65535) {
        fprintf(stderr, "registryctl: gen-data: expected the counties of the reference data (run migrate)\n");
        PQclear(r);
        return -1;
    }
    g->cty = xcalloc((size_t)g->ncty, sizeof(cty_t));
    g->cum_cty = xcalloc((size_t)g->ncty, sizeof(double));
    g->cum_in_prov = xcalloc((size_t)g->ncty, sizeof(double));
    for (int i = 0; i < g->ncty; i++) {
        g->cty[i].id = atoi(PQgetvalue(r, i, 0));
        g->cty[i].name_fa = xstrdup(PQgetvalue(r, i, 2));
        g->cty[i].prov = -1;
        for (int p = 0; p < g->nprov; p++)
            if (!strcmp(g->prov[p].code, PQgetvalue(r, i, 1))) {
                g->cty[i].prov = p;
                if (g->prov[p].n++ == 0)
                    g->prov[p].first = i;
            }
    }
    PQclear(r);
    /* within a province: the capital's county holds 45% (Tehran's 60%), the others share the rest, slowly fewer
     * down the reference list */
    double acc = 0;
    for (int p = 0; p < g->nprov; p++) {
        prov_t *pv = &g->prov[p];
        pv->weight = pv->pop / total;
        g->cum_prov[p] = (p ? g->cum_prov[p - 1] : 0) + pv->weight;
        if (pv->n == 0)
            continue;
        const char *capital = NULL;
        for (size_t k = 0; k < N_PROV_INFO; k++)
            if (!strcmp(prov_info[k].code, pv->code))
                capital = prov_info[k].capital;
        int cap = pv->first;
        for (int c = pv->first; c < pv->first + pv->n; c++)
            if (capital && !strcmp(g->cty[c].name_fa, capital))
                cap = c;
        double cap_share = pv->n == 1 ? 1.0 : !strcmp(pv->code, TEHRAN) ? 0.60 : 0.45;
        double others = 0;
        for (int c = pv->first, k = 0; c < pv->first + pv->n; c++)
            if (c != cap)
                others += 1.0 / (1.0 + 0.1 * k++);
        double in_prov = 0;
        for (int c = pv->first, k = 0; c < pv->first + pv->n; c++) {
            double share = c == cap ? cap_share : (1.0 - cap_share) / others / (1.0 + 0.1 * k++);
            g->cty[c].weight = pv->weight * share;
            in_prov += share;
            g->cum_in_prov[c] = in_prov;
        }
    }
    for (int c = 0; c < g->ncty; c++) {
        if (g->cty[c].prov < 0)
            g->cty[c].weight = 0;
        acc += g->cty[c].weight;
        g->cum_cty[c] = acc;
    }
    /* fiscal years */
    for (int y = 0; y <= NYEARS; y++) {
        ymd first, last;
        if (jalali_fiscal_year_bounds(FIRST_YEAR + y, &first, &last) != 0)
            return -1;
        g->year_first_day[y] = gregorian_to_days(first);
    }
    return 0;
}

static int load_programs(gen_t *g)
{
    PGresult *r = q(g, "SELECT id, code FROM programs ORDER BY id", 0, NULL, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        for (size_t k = 0; k < N_PROGRAMS; k++)
            if (!strcmp(PQgetvalue(r, i, 1), program_budgets[k].code)) {
                g->prog_id[g->nprog] = atoi(PQgetvalue(r, i, 0));
                g->prog_budget[g->nprog++] = program_budgets[k].budget;
            }
    PQclear(r);
    return 0;
}

/* name_key of every "first last" pair, from registry_search_key() itself */
static int load_name_keys(gen_t *g)
{
    for (size_t i = 0; i < N_FIRST_F; i++)
        g->first_all[i] = first_f[i];
    for (size_t i = 0; i < N_FIRST_M; i++)
        g->first_all[N_FIRST_F + i] = first_m[i];
    char *firsts = array_literal(g->first_all, N_FIRST), *lasts = array_literal(last_names, N_LAST);
    const char *params[] = {firsts, lasts};
    PGresult *r = q(g,
                    "SELECT registry_search_key(f.n || ' ' || l.n)"
                    " FROM unnest($1::text[]) WITH ORDINALITY f(n, i), unnest($2::text[]) WITH ORDINALITY l(n, j)"
                    " ORDER BY f.i, l.j",
                    2, params, PGRES_TUPLES_OK);
    free(firsts);
    free(lasts);
    if (!r)
        return -1;
    if ((size_t)PQntuples(r) != N_FIRST * N_LAST) {
        PQclear(r);
        return -1;
    }
    g->name_keys = xcalloc(N_FIRST * N_LAST, sizeof(char *));
    for (size_t i = 0; i < N_FIRST * N_LAST; i++)
        g->name_keys[i] = xstrdup(PQgetvalue(r, (int)i, 0));
    PQclear(r);
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* the national IDs already stored (clients and staff), so a --force run never repeats one */
static int load_taken_ids(gen_t *g)
{
    PGresult *r = PQexec(g->pg, "COPY (SELECT national_id FROM clients UNION ALL SELECT national_id FROM staff)"
                                " TO STDOUT");
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        fprintf(stderr, "registryctl: gen-data: %s", PQerrorMessage(g->pg));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    size_t cap = 1024, n = 0;
    uint32_t *v = xcalloc(cap, sizeof(uint32_t));
    char *line;
    int len;
    while ((len = PQgetCopyData(g->pg, &line, 0)) > 0) {
        if (len >= 9) {
            uint32_t x = 0;
            for (int i = 0; i < 9; i++)
                x = x * 10 + (uint32_t)(line[i] - '0');
            if (n == cap) {
                cap *= 2;
                uint32_t *nv = realloc(v, cap * sizeof(uint32_t));
                if (!nv) {
                    fprintf(stderr, "registryctl: gen-data: out of memory\n");
                    exit(CTL_FAIL);
                }
                v = nv;
            }
            v[n++] = x;
        }
        PQfreemem(line);
    }
    r = PQgetResult(g->pg);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "registryctl: gen-data: %s", PQerrorMessage(g->pg));
    PQclear(r);
    while ((r = PQgetResult(g->pg)))
        PQclear(r);
    qsort(v, n, sizeof(uint32_t), cmp_u32);
    g->nid.taken = v;
    g->nid.ntaken = n;
    return ok ? 0 : -1;
}

/* ---- loading one table -------------------------------------------------------------------------------------- */

typedef int (*gen_rows_fn)(gen_t *g, copybuf *b, int64_t base);
typedef int (*prepare_fn)(gen_t *g, int64_t base);

/* The search-key copy a table keeps in step by trigger (migration 0009), or NULL */
static const char *names_table(const char *table)
{
    if (strcmp(table, "clients") == 0)
        return "client_names";
    if (strcmp(table, "staff") == 0)
        return "staff_names";
    return NULL;
}

/* Drops a table's indexes that nothing depends on (all but the primary key and constraints' indexes), inside the
 * caller's transaction; returns their names and definitions for build_indexes(), or NULL on error. */
static PGresult *drop_indexes(gen_t *g, const char *table)
{
    char sql[512];
    const char *p[] = {table};
    PGresult *idx = q(g,
                      "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                      " WHERE i.indrelid = $1::regclass"
                      " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
                      " ORDER BY i.indexrelid",
                      1, p, PGRES_TUPLES_OK);
    PGresult *mw = idx ? q(g,
                           "SELECT set_config('maintenance_work_mem', '512MB', true) FROM pg_settings"
                           " WHERE name = 'maintenance_work_mem' AND setting::bigint < 512 * 1024",
                           0, NULL, PGRES_TUPLES_OK)
                       : NULL;
    if (!mw) {
        PQclear(idx);
        return NULL;
    }
    PQclear(mw);
    for (int i = 0; i < PQntuples(idx); i++) {
        snprintf(sql, sizeof(sql), "DROP INDEX %s", PQgetvalue(idx, i, 0));
        if (exec_ok(g, sql) != 0) {
            PQclear(idx);
            return NULL;
        }
    }
    return idx;
}

static int build_indexes(gen_t *g, const PGresult *idx)
{
    for (int i = 0; i < PQntuples(idx); i++)
        if (exec_ok(g, PQgetvalue(idx, i, 1)) != 0)
            return -1;
    return 0;
}

/* One transaction: lock the table against other writers, take ids past its rows and its identity sequence, COPY
 * the rows gen() writes (straight in as a superuser with triggers off; otherwise through a temporary table and an
 * INSERT with every trigger on), move the sequence past them. *base receives the id before the first row;
 * prepare (optional) runs with it before the COPY starts.
 *
 * A superuser adding many rows (at least a quarter of what the table holds) also drops the table's indexes that
 * nothing depends on (all but the primary key and constraints' indexes) in the same transaction and builds them
 * again from their definitions after the COPY: building an index is several times faster than growing it a row
 * at a time (a trigram GIN index above all). Readers of the table wait for the transaction meanwhile. */
static int load_table(gen_t *g, const char *table, const char *cols, int64_t expect, prepare_fn prepare,
                      gen_rows_fn gen_rows, int64_t *base, table_stat *st)
{
    char sql[1024];
    double t0 = now_secs(), t_index = 0;
    PGresult *r, *idx = NULL, *names_idx = NULL;
    copybuf *b = &g->cb;
    const char *names = names_table(table);
    if (exec_ok(g, "BEGIN") != 0)
        return -1;
    if ((g->superuser && exec_ok(g, "SET LOCAL session_replication_role = replica") != 0) ||
        exec_ok(g, "SET LOCAL synchronous_commit = off") != 0)
        goto fail;
    snprintf(sql, sizeof(sql), "LOCK TABLE %s IN EXCLUSIVE MODE", table);
    if (exec_ok(g, sql) != 0)
        goto fail;
    snprintf(sql, sizeof(sql),
             "SELECT greatest(coalesce(max(id), 0),"
             " coalesce(pg_sequence_last_value(pg_get_serial_sequence('%s', 'id')::regclass), 0)) FROM %s",
             table, table);
    *base = query_int(g, sql, 0, NULL);
    if (*base < 0 || (prepare && prepare(g, *base) != 0))
        goto fail;
    if (g->superuser && expect >= 10000) {
        const char *p[] = {table};
        int64_t have = query_int(g, "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass", 1, p);
        if (have >= 0 && expect >= have / 4) {
            idx = drop_indexes(g, table);
            if (!idx || (names && !(names_idx = drop_indexes(g, names))))
                goto fail;
        }
    }
    if (g->superuser)
        snprintf(sql, sizeof(sql), "COPY %s (%s) FROM STDIN", table, cols);
    else {
        snprintf(sql, sizeof(sql), "CREATE TEMP TABLE gen_stage (LIKE %s INCLUDING DEFAULTS) ON COMMIT DROP", table);
        if (exec_ok(g, sql) != 0)
            goto fail;
        snprintf(sql, sizeof(sql), "COPY gen_stage (%s) FROM STDIN", cols);
    }
    r = PQexec(g->pg, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "registryctl: gen-data: %s: %s", table, PQerrorMessage(g->pg));
        PQclear(r);
        goto fail;
    }
    PQclear(r);
    b->len = 0;
    b->failed = 0;
    b->rows = 0;
    int grc = gen_rows(g, b, *base);
    cb_flush(b);
    int bad = grc != 0 || b->failed || b->rows != expect;
    if (bad && !b->failed && grc == 0)
        fprintf(stderr, "registryctl: gen-data: %s: made %lld rows instead of %lld\n", table, (long long)b->rows,
                (long long)expect);
    if (PQputCopyEnd(g->pg, bad ? "gen-data failed" : NULL) != 1)
        bad = 1;
    r = PQgetResult(g->pg);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        if (!bad || b->failed)
            fprintf(stderr, "registryctl: gen-data: %s: %s", table, PQerrorMessage(g->pg));
        bad = 1;
    }
    PQclear(r);
    while ((r = PQgetResult(g->pg)))
        PQclear(r);
    if (bad)
        goto fail;
    if (!g->superuser) {
        snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM gen_stage ORDER BY id",
                 table, cols, cols);
        if (exec_ok(g, sql) != 0)
            goto fail;
    }
    /* triggers were off: copy the new rows' search keys (migration 0009) as the trigger would have */
    if (names && g->superuser) {
        char after[32];
        snprintf(after, sizeof(after), "%lld", (long long)*base);
        const char *p[] = {strcmp(table, "clients") == 0 ? "client" : "staff", after};
        PGresult *nr = q(g, "SELECT registry_names_refresh($1, $2::bigint)", 2, p, PGRES_TUPLES_OK);
        if (!nr)
            goto fail;
        PQclear(nr);
    }
    t_index = now_secs();
    if ((idx && build_indexes(g, idx) != 0) || (names_idx && build_indexes(g, names_idx) != 0))
        goto fail;
    t_index = now_secs() - t_index;
    if (expect > 0) {
        char last[32];
        snprintf(last, sizeof(last), "%lld", (long long)(*base + expect));
        const char *p[] = {last};
        snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence('%s', 'id'), $1::bigint)", table);
        PGresult *sr = q(g, sql, 1, p, PGRES_TUPLES_OK);
        if (!sr)
            goto fail;
        PQclear(sr);
    }
    if (exec_ok(g, "COMMIT") != 0)
        return -1;
    st->rows = expect;
    st->secs = now_secs() - t0;
    printf("  %-12s %10lld rows %8.1f s", table, (long long)expect, st->secs);
    if (idx)
        printf("  (%d indexes built again in %.1f s)", PQntuples(idx) + (names_idx ? PQntuples(names_idx) : 0),
               t_index);
    printf("\n");
    fflush(stdout);
    PQclear(idx);
    PQclear(names_idx);
    return 0;
fail:
    PQclear(idx);
    PQclear(names_idx);
    PQclear(PQexec(g->pg, "ROLLBACK"));
    fprintf(stderr, "registryctl: gen-data: loading %s failed; it was rolled back (the tables loaded before it"
                    " stay)\n", table);
    return -1;
}

/* ---- centers ------------------------------------------------------------------------------------------------ */

typedef struct {
    int idx;
    double frac;
} remainder_t;

static int cmp_remainder(const void *a, const void *b)
{
    const remainder_t *x = a, *y = b;
    if (x->frac != y->frac)
        return x->frac > y->frac ? -1 : 1;
    return x->idx - y->idx;
}

static void persian_number(int64_t v, char *out, size_t outsz)
{
    char ascii[24];
    snprintf(ascii, sizeof(ascii), "%lld", (long long)v);
    size_t o = 0;
    for (const char *p = ascii; *p && o + 3 < outsz; p++) {
        out[o++] = (char)0xDB;
        out[o++] = (char)(0xB0 + (*p - '0'));
    }
    out[o] = '\0';
}

static void center_set_name(gen_t *g, int64_t i, const char *base, const char *suffix_num)
{
    static const char word[] = " شماره ";
    size_t n = strlen(base), k = suffix_num ? strlen(suffix_num) : 0;
    char *name = xcalloc(n + sizeof(word) + k, 1);
    memcpy(name, base, n);
    if (suffix_num) {
        memcpy(name + n, word, sizeof(word) - 1);
        memcpy(name + n + sizeof(word) - 1, suffix_num, k + 1);
    }
    free(g->c_name[i]);
    g->c_name[i] = name;
}

static int cmp_center_name(const void *a, const void *b, void *arg)
{
    const gen_t *g = arg;
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    if (g->c_cty[x] != g->c_cty[y])
        return g->c_cty[x] < g->c_cty[y] ? -1 : 1;
    int c = strcmp(g->c_name[x], g->c_name[y]);
    return c ? c : (x < y ? -1 : x > y);
}

static int cmp_center_key(const void *a, const void *b, void *arg)
{
    const gen_t *g = arg;
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    if (g->c_cty[x] != g->c_cty[y])
        return g->c_cty[x] < g->c_cty[y] ? -1 : 1;
    int c = strcmp(g->c_key[x], g->c_key[y]);
    return c ? c : (x < y ? -1 : x > y);
}

/* asks registry_search_key() for every center's name key and whether the county already has it; 0 when every
 * name is free, 1 when some had to be renamed (ask again), -1 on error */
static int center_keys_round(gen_t *g, int64_t base)
{
    int64_t n = g->n_centers;
    const char **names = xcalloc((size_t)n, sizeof(char *));
    size_t clen = 3;
    for (int64_t i = 0; i < n; i++) {
        names[i] = g->c_name[i];
        clen += 12;
    }
    char *counties = xcalloc(clen, 1), *p = counties;
    *p++ = '{';
    for (int64_t i = 0; i < n; i++)
        p += sprintf(p, "%s%d", i ? "," : "", g->cty[g->c_cty[i]].id);
    *p++ = '}';
    char *names_lit = array_literal(names, (size_t)n);
    free(names);
    const char *params[] = {names_lit, counties};
    PGresult *r = q(g,
                    "SELECT registry_search_key(u.n),"
                    " EXISTS (SELECT 1 FROM centers c WHERE c.county_id = u.c AND c.name_key = registry_search_key(u.n))"
                    " FROM unnest($1::text[], $2::integer[]) WITH ORDINALITY u(n, c, i) ORDER BY u.i",
                    2, params, PGRES_TUPLES_OK);
    free(names_lit);
    free(counties);
    if (!r)
        return -1;
    int renamed = 0;
    char *taken = xcalloc((size_t)n, 1);
    for (int64_t i = 0; i < n; i++) {
        free(g->c_key[i]);
        g->c_key[i] = xstrdup(PQgetvalue(r, (int)i, 0));
        taken[i] = PQgetvalue(r, (int)i, 1)[0] == 't';
    }
    PQclear(r);
    /* two of ours with the same key in one county: the later one is renamed too */
    int64_t *order = xcalloc((size_t)n, sizeof(int64_t));
    for (int64_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, (size_t)n, sizeof(int64_t), cmp_center_key, g);
    for (int64_t k = 1; k < n; k++)
        if (g->c_cty[order[k]] == g->c_cty[order[k - 1]] && !strcmp(g->c_key[order[k]], g->c_key[order[k - 1]]))
            taken[order[k]] = 1;
    for (int64_t i = 0; i < n; i++)
        if (taken[i]) {
            /* the center's own id is unique, and ids only grow: a name with it cannot be taken by an earlier run */
            char num[64], basename[512];
            persian_number(base + i + 1, num, sizeof(num));
            snprintf(basename, sizeof(basename), "%s", g->c_name[i]);
            center_set_name(g, i, basename, num);
            renamed = 1;
        }
    free(order);
    free(taken);
    return renamed;
}

/* everything about the centers but their ids, which need the table's lock: made before the load, so the centers
 * of every county are known to the clients, staff and services that follow */
static int plan_centers(gen_t *g)
{
    rng_t r;
    rng_init(&r, g->seed, 1);
    int64_t n = g->n_centers = scaled(20000, g->scale);
    g->c_cty = xcalloc((size_t)n, sizeof(uint16_t));
    g->c_kind = xcalloc((size_t)n, 1);
    g->c_ngo = xcalloc((size_t)n, 1);
    g->c_status = xcalloc((size_t)n, 1);
    g->c_name = xcalloc((size_t)n, sizeof(char *));
    g->c_key = xcalloc((size_t)n, sizeof(char *));
    /* centers per county: at least one in every county once there are twice as many centers as counties, the
     * rest by weight (largest remainders) */
    int64_t *count = xcalloc((size_t)g->ncty, sizeof(int64_t));
    int64_t assigned = 0, floor_each = n >= 2 * (int64_t)g->ncty ? 1 : 0, rest = n - floor_each * g->ncty;
    double total = g->cum_cty[g->ncty - 1];
    remainder_t *rem = xcalloc((size_t)g->ncty, sizeof(remainder_t));
    for (int c = 0; c < g->ncty; c++) {
        double quota = rest * g->cty[c].weight / total;
        count[c] = floor_each + (int64_t)quota;
        rem[c].idx = c;
        rem[c].frac = quota - (double)(int64_t)quota;
        assigned += count[c];
    }
    qsort(rem, (size_t)g->ncty, sizeof(remainder_t), cmp_remainder);
    for (int k = 0; assigned < n; k = (k + 1) % g->ncty, assigned++)
        count[rem[k].idx]++;
    free(rem);
    int64_t i = 0;
    for (int c = 0; c < g->ncty; c++)
        for (int64_t k = 0; k < count[c]; k++)
            g->c_cty[i++] = (uint16_t)c;
    free(count);
    for (int64_t k = n - 1; k > 0; k--) { /* Fisher-Yates */
        int64_t j = (int64_t)rng_below(&r, (uint32_t)(k + 1));
        uint16_t t = g->c_cty[k];
        g->c_cty[k] = g->c_cty[j];
        g->c_cty[j] = t;
    }
    wval kv[N_KINDS];
    for (size_t k = 0; k < N_KINDS; k++) {
        kv[k].value = kinds[k].type;
        kv[k].weight = kinds[k].weight;
    }
    int tehran_ngo = -1, tehran_any = -1;
    for (i = 0; i < n; i++) {
        int kind = i < (int64_t)N_KINDS && n >= (int64_t)N_KINDS ? (int)i : pick_wval(&r, kv, N_KINDS);
        g->c_kind[i] = (uint8_t)kind;
        g->c_ngo[i] = rng_chance(&r, kinds[kind].ngo_pct);
        uint32_t s = rng_below(&r, 100);
        g->c_status[i] = s < 96 ? 0 : s < 99 ? 1 : 2;
        char base[512];
        snprintf(base, sizeof(base), "%s %s %s", kinds[kind].label, motifs[pick_skewed(&r, N_MOTIFS)],
                 g->cty[g->c_cty[i]].name_fa);
        g->c_name[i] = xstrdup(base);
        if (!strcmp(g->prov[g->cty[g->c_cty[i]].prov].code, TEHRAN)) {
            if (tehran_any < 0)
                tehran_any = (int)i;
            if (tehran_ngo < 0 && g->c_ngo[i] && g->c_status[i] == 0)
                tehran_ngo = (int)i;
        }
    }
    if (tehran_ngo < 0 && tehran_any >= 0) { /* bench.ngo needs an active NGO center in Tehran */
        g->c_ngo[tehran_any] = 1;
        g->c_status[tehran_any] = 0;
        if (!kinds[g->c_kind[tehran_any]].ngo_pct)
            g->c_kind[tehran_any] = 0;
        char base[512];
        snprintf(base, sizeof(base), "%s %s %s", kinds[g->c_kind[tehran_any]].label, motifs[0],
                 g->cty[g->c_cty[tehran_any]].name_fa);
        center_set_name(g, tehran_any, base, NULL);
    }
    /* the same name twice in a county: "... شماره ۲", "... شماره ۳" (ranks taken before any renaming) */
    int64_t *order = xcalloc((size_t)(n ? n : 1), sizeof(int64_t)), *rank = xcalloc((size_t)(n ? n : 1), sizeof(int64_t));
    for (i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, (size_t)n, sizeof(int64_t), cmp_center_name, g);
    for (int64_t k = 0, run = 1; k < n; k++) {
        if (k > 0 && g->c_cty[order[k]] == g->c_cty[order[k - 1]] && !strcmp(g->c_name[order[k]], g->c_name[order[k - 1]]))
            run++;
        else
            run = 1;
        rank[order[k]] = run;
    }
    for (i = 0; i < n; i++)
        if (rank[i] > 1) {
            char num[64], base[512];
            persian_number(rank[i], num, sizeof(num));
            snprintf(base, sizeof(base), "%s", g->c_name[i]);
            center_set_name(g, i, base, num);
        }
    free(rank);
    free(order);
    /* non-closed centers of each county and province */
    g->cty_off = xcalloc((size_t)g->ncty + 1, sizeof(int));
    g->cty_list = xcalloc((size_t)(n ? n : 1), sizeof(int));
    g->prov_list = xcalloc((size_t)(n ? n : 1), sizeof(int));
    for (i = 0; i < n; i++)
        if (g->c_status[i] != 2)
            g->cty_off[g->c_cty[i] + 1]++;
    for (int c = 0; c < g->ncty; c++)
        g->cty_off[c + 1] += g->cty_off[c];
    int *fill = xcalloc((size_t)g->ncty, sizeof(int));
    for (i = 0; i < n; i++)
        if (g->c_status[i] != 2) {
            int c = g->c_cty[i];
            g->cty_list[g->cty_off[c] + fill[c]++] = (int)i;
        }
    free(fill);
    /* counties are ordered by province, so a province's centers are its counties' lists back to back */
    memset(g->prov_off, 0, sizeof(g->prov_off));
    for (int p = 0; p < g->nprov; p++) {
        int from = g->prov[p].n ? g->cty_off[g->prov[p].first] : 0;
        int to = g->prov[p].n ? g->cty_off[g->prov[p].first + g->prov[p].n] : 0;
        g->prov_off[p + 1] = g->prov_off[p] + (to - from);
        memcpy(g->prov_list + g->prov_off[p], g->cty_list + from, (size_t)(to - from) * sizeof(int));
    }
    return 0;
}

/* the names that need their id to be free, and every name's key: settled before the COPY */
static int prepare_centers(gen_t *g, int64_t base)
{
    int rc;
    for (int round = 0; (rc = center_keys_round(g, base)) == 1; round++)
        if (round == 3) {
            fprintf(stderr, "registryctl: gen-data: could not find free center names\n");
            return -1;
        }
    return rc;
}

static int gen_centers(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 2);
    int64_t day0 = gregorian_to_days((ymd){2025, 1, 1});
    for (int64_t i = 0; i < g->n_centers; i++) {
        const cty_t *c = &g->cty[g->c_cty[i]];
        const center_kind *k = &kinds[g->c_kind[i]];
        cb_row(b);
        cb_i64(b, base + i + 1);
        cb_tab(b);
        cb_str(b, g->c_name[i]);
        cb_tab(b);
        cb_str(b, g->c_key[i]);
        cb_tab(b);
        cb_str(b, k->type);
        cb_tab(b);
        cb_str(b, g->c_ngo[i] ? "ngo" : "public");
        cb_tab(b);
        cb_str(b, g->prov[c->prov].code);
        cb_tab(b);
        cb_i64(b, c->id);
        cb_tab(b);
        if (k->cap_max)
            cb_i64(b, k->cap_min + (int64_t)rng_below(&r, (uint32_t)(k->cap_max - k->cap_min + 1)));
        else
            cb_null(b);
        cb_tab(b);
        cb_str(b, "GD-");
        cb_str(b, g->prov[c->prov].code + 3);
        cb_ch(b, '-');
        char num[24];
        snprintf(num, sizeof(num), "%07lld", (long long)(base + i + 1));
        cb_str(b, num);
        cb_tab(b);
        if (rng_chance(&r, 92))
            cb_date(b, day0 + rng_below(&r, 4 * 365));
        else
            cb_null(b);
        cb_tab(b);
        cb_str(b, g->c_status[i] == 0 ? "active" : g->c_status[i] == 1 ? "suspended" : "closed");
        cb_ch(b, '\n');
    }
    return 0;
}

/* ---- clients ------------------------------------------------------------------------------------------------ */

static int pick_center_near(rng_t *r, const gen_t *g, int cty, int prov, int county_pct)
{
    int cn = g->cty_off[cty + 1] - g->cty_off[cty];
    int pn = g->prov_off[prov + 1] - g->prov_off[prov];
    if (cn > 0 && (pn == cn || rng_chance(r, county_pct)))
        return g->cty_list[g->cty_off[cty] + (int)rng_below(r, (uint32_t)cn)];
    if (pn > 0)
        return g->prov_list[g->prov_off[prov] + (int)rng_below(r, (uint32_t)pn)];
    return -1;
}

/* first name (index into first_all) for a sex (0 female, 1 male) and a last name */
static void pick_name(rng_t *r, int male, uint32_t *fi, uint32_t *li)
{
    *fi = male ? (uint32_t)N_FIRST_F + pick_skewed(r, N_FIRST_M) : pick_skewed(r, N_FIRST_F);
    *li = pick_skewed(r, N_LAST);
}

static int gen_clients(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 3);
    int64_t n = g->n_clients;
    g->cl_cty = xcalloc((size_t)(n ? n : 1), sizeof(uint16_t));
    g->cl_center = xcalloc((size_t)(n ? n : 1), sizeof(int32_t));
    /* births: 19% 1930-1965, the rest 1966-2020 (so about 20% are over 60 in 2026) */
    int64_t old0 = gregorian_to_days((ymd){1930, 1, 1}), young0 = gregorian_to_days((ymd){1966, 1, 1});
    int64_t end = gregorian_to_days((ymd){2020, 12, 31});
    for (int64_t i = 0; i < n; i++) {
        int c = pick_cum(&r, g->cum_cty, g->ncty), p = g->cty[c].prov;
        int male = (int)rng_below(&r, 100) < 51;
        uint32_t fi, li;
        pick_name(&r, male, &fi, &li);
        char nid[11];
        nid_next(&g->nid, nid);
        int64_t birth = rng_chance(&r, 19) ? old0 + rng_below(&r, (uint32_t)(young0 - old0))
                                           : young0 + rng_below(&r, (uint32_t)(end - young0 + 1));
        int center = rng_chance(&r, 70) ? pick_center_near(&r, g, c, p, 100) : -1;
        g->cl_cty[i] = (uint16_t)c;
        g->cl_center[i] = center;
        cb_row(b);
        cb_i64(b, base + i + 1);
        cb_tab(b);
        cb_mem(b, nid, 10);
        cb_tab(b);
        cb_str(b, g->first_all[fi]);
        cb_tab(b);
        cb_str(b, last_names[li]);
        cb_tab(b);
        cb_str(b, g->name_keys[fi * N_LAST + li]);
        cb_tab(b);
        cb_date(b, birth);
        cb_tab(b);
        cb_str(b, male ? "male" : "female");
        cb_tab(b);
        cb_str(b, g->prov[p].code);
        cb_tab(b);
        cb_i64(b, g->cty[c].id);
        cb_tab(b);
        if (center >= 0)
            cb_i64(b, g->center_base + center + 1);
        else
            cb_null(b);
        cb_tab(b);
        if (rng_chance(&r, 85)) {
            cb_str(b, dis_types[pick_wval(&r, dis_types, sizeof(dis_types) / sizeof(dis_types[0]))].value);
            cb_tab(b);
            cb_str(b, severities[pick_wval(&r, severities, sizeof(severities) / sizeof(severities[0]))].value);
        } else {
            cb_null(b);
            cb_tab(b);
            cb_null(b);
        }
        cb_tab(b);
        /* 0-3 distinct needs, in the list's order */
        uint32_t k = rng_below(&r, 10), want = k < 2 ? 0 : k < 6 ? 1 : k < 9 ? 2 : 3, mask = 0;
        for (uint32_t m = 0; m < want; m++)
            mask |= 1u << rng_below(&r, N_NEEDS);
        cb_ch(b, '{');
        for (uint32_t m = 0, first = 1; m < N_NEEDS; m++)
            if (mask & (1u << m)) {
                if (!first)
                    cb_ch(b, ',');
                cb_str(b, needs_list[m]);
                first = 0;
            }
        cb_ch(b, '}');
        cb_tab(b);
        cb_str(b, rng_chance(&r, 97) ? "active" : "closed");
        cb_ch(b, '\n');
    }
    return 0;
}

/* ---- staff -------------------------------------------------------------------------------------------------- */

static int gen_staff(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 4);
    int64_t day0 = gregorian_to_days((ymd){2018, 1, 1});
    for (int64_t i = 0; i < g->n_staff; i++) {
        int center = (int)rng_below(&r, (uint32_t)g->n_centers);
        const cty_t *c = &g->cty[g->c_cty[center]];
        int male = rng_chance(&r, 45);
        uint32_t fi, li;
        pick_name(&r, male, &fi, &li);
        char nid[11];
        nid_next(&g->nid, nid);
        cb_row(b);
        cb_i64(b, base + i + 1);
        cb_tab(b);
        cb_mem(b, nid, 10);
        cb_tab(b);
        cb_str(b, g->first_all[fi]);
        cb_tab(b);
        cb_str(b, last_names[li]);
        cb_tab(b);
        cb_str(b, g->name_keys[fi * N_LAST + li]);
        cb_tab(b);
        cb_str(b, professions[pick_wval(&r, professions, sizeof(professions) / sizeof(professions[0]))].value);
        cb_tab(b);
        cb_i64(b, g->center_base + center + 1);
        cb_tab(b);
        cb_str(b, g->prov[c->prov].code);
        cb_tab(b);
        cb_i64(b, c->id);
        cb_tab(b);
        uint32_t nt = rng_below(&r, 10);
        nt = nt < 6 ? 0 : nt < 9 ? 1 : 2;
        cb_ch(b, '[');
        for (uint32_t t = 0; t < nt; t++) {
            ymd gd = days_to_gregorian(day0 + rng_below(&r, 7 * 365)), jd;
            char gs[11], js[11];
            format_ymd(gd, gs);
            if (gregorian_to_jalali(gd, &jd) != 0)
                return -1;
            format_ymd(jd, js);
            if (t)
                cb_str(b, ", ");
            cb_str(b, "{\"course\": \"");
            cb_str(b, courses[rng_below(&r, N_COURSES)]);
            cb_str(b, "\", \"hours\": ");
            cb_i64(b, 8 * (1 + rng_below(&r, 8)));
            cb_str(b, ", \"completed_on\": \"");
            cb_str(b, gs);
            cb_str(b, "\", \"completed_on_jalali\": \"");
            cb_str(b, js);
            cb_str(b, "\"}");
        }
        cb_ch(b, ']');
        cb_tab(b);
        cb_str(b, g->c_status[center] == 2 || rng_chance(&r, 8) ? "left" : "active");
        cb_ch(b, '\n');
    }
    return 0;
}

/* ---- services ----------------------------------------------------------------------------------------------- */

static int gen_services(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 5);
    /* a service needs a center of the client's province */
    uint32_t *eligible = xcalloc((size_t)(g->n_clients ? g->n_clients : 1), sizeof(uint32_t));
    int64_t ne = 0;
    for (int64_t i = 0; i < g->n_clients; i++) {
        int p = g->cty[g->cl_cty[i]].prov;
        if (g->prov_off[p + 1] > g->prov_off[p])
            eligible[ne++] = (uint32_t)i;
    }
    int64_t n = ne ? g->n_services : 0;
    int64_t day0 = gregorian_to_days((ymd){2022, 3, 21}), days = gregorian_to_days((ymd){2025, 9, 22}) - day0;
    for (int64_t i = 0; i < n; i++) {
        uint32_t cl = eligible[rng_below(&r, (uint32_t)ne)];
        int c = g->cl_cty[cl], p = g->cty[c].prov;
        int center = g->cl_center[cl] >= 0 && rng_chance(&r, 85) ? g->cl_center[cl] : pick_center_near(&r, g, c, p, 60);
        cb_row(b);
        cb_i64(b, base + i + 1);
        cb_tab(b);
        cb_i64(b, g->client_base + cl + 1);
        cb_tab(b);
        cb_i64(b, g->center_base + center + 1);
        cb_tab(b);
        cb_str(b, services_list[pick_wval(&r, services_list, sizeof(services_list) / sizeof(services_list[0]))].value);
        cb_tab(b);
        cb_date(b, day0 + rng_below(&r, (uint32_t)days));
        cb_tab(b);
        if (rng_chance(&r, 10))
            cb_str(b, service_notes[rng_below(&r, N_SERVICE_NOTES)]);
        else
            cb_null(b);
        cb_tab(b);
        cb_str(b, g->prov[p].code);
        cb_tab(b);
        cb_i64(b, g->cty[c].id);
        cb_ch(b, '\n');
    }
    free(eligible);
    return 0;
}

/* ---- campaigns (a plain INSERT: 50 rows; names already there from an earlier run are reused) ------------------ */

static int fiscal_year_of(const gen_t *g, int64_t day)
{
    for (int y = NYEARS - 1; y >= 0; y--)
        if (day >= g->year_first_day[y])
            return FIRST_YEAR + y;
    return FIRST_YEAR;
}

static int load_campaigns(gen_t *g, table_stat *st)
{
    double t0 = now_secs();
    rng_t r;
    rng_init(&r, g->seed, 6);
    const char *names[NCAMPAIGNS], *descs[NCAMPAIGNS], *provs[NCAMPAIGNS], *froms[NCAMPAIGNS], *tos[NCAMPAIGNS],
        *goals[NCAMPAIGNS];
    char namebuf[NCAMPAIGNS][256], frombuf[NCAMPAIGNS][11], tobuf[NCAMPAIGNS][11], goalbuf[NCAMPAIGNS][24];
    char provbuf[NCAMPAIGNS][8];
    int n = 0;
    /* national: each of the 4 themes every year (12); provincial: the rest, provinces by weight */
    for (int y = 0; y < NYEARS; y++)
        for (size_t k = 0; k < N_NAT_CAMPAIGNS && n < NCAMPAIGNS; k++, n++) {
            char yr[16];
            persian_number(FIRST_YEAR + y, yr, sizeof(yr));
            snprintf(namebuf[n], sizeof(namebuf[n]), "%s %s", national_campaigns[k], yr);
            g->camp_prov[n] = -1;
            g->camp_year[n] = y;
        }
    for (int k = 0; n < NCAMPAIGNS; k++) {
        int y = k % NYEARS, p = pick_cum(&r, g->cum_prov, g->nprov);
        char yr[16];
        persian_number(FIRST_YEAR + y, yr, sizeof(yr));
        snprintf(namebuf[n], sizeof(namebuf[n]), "%s %s %s", provincial_campaigns[rng_below(&r, N_PROV_CAMPAIGNS)],
                 g->prov[p].name_fa, yr);
        int dup = 0;
        for (int j = 0; j < n; j++)
            dup |= g->camp_prov[j] == p && !strcmp(namebuf[j], namebuf[n]);
        if (dup)
            continue;
        g->camp_year[n] = y;
        g->camp_prov[n++] = p;
    }
    for (int i = 0; i < n; i++) {
        int y = g->camp_year[i];
        int64_t y0 = g->year_first_day[y], len = g->year_first_day[y + 1] - y0;
        g->camp_from[i] = y0 + rng_below(&r, (uint32_t)(len - 150));
        g->camp_to[i] = g->camp_from[i] + 30 + rng_below(&r, 120);
        format_ymd(days_to_gregorian(g->camp_from[i]), frombuf[i]);
        format_ymd(days_to_gregorian(g->camp_to[i]), tobuf[i]);
        snprintf(goalbuf[i], sizeof(goalbuf[i]), "%lld", (long long)((10 + rng_below(&r, 990)) * 1000 * MILLION));
        names[i] = namebuf[i];
        descs[i] = g->camp_prov[i] < 0 ? "پویش ملی جمع‌آوری کمک‌های مردمی" : "پویش استانی جمع‌آوری کمک‌های مردمی";
        if (g->camp_prov[i] >= 0)
            snprintf(provbuf[i], sizeof(provbuf[i]), "%s", g->prov[g->camp_prov[i]].code);
        else
            snprintf(provbuf[i], sizeof(provbuf[i]), "%s", "");
        provs[i] = provbuf[i];
        froms[i] = frombuf[i];
        tos[i] = tobuf[i];
        goals[i] = goalbuf[i];
    }
    char *a_names = array_literal(names, (size_t)n), *a_descs = array_literal(descs, (size_t)n),
         *a_provs = array_literal(provs, (size_t)n), *a_froms = array_literal(froms, (size_t)n),
         *a_tos = array_literal(tos, (size_t)n), *a_goals = array_literal(goals, (size_t)n);
    const char *params[] = {a_names, a_descs, a_provs, a_froms, a_tos, a_goals};
    int rc = -1;
    PGresult *res = NULL;
    if (exec_ok(g, "BEGIN") != 0)
        goto out;
    res = q(g,
            "INSERT INTO campaigns (name, description, province_code, starts_on, ends_on, goal_rials)"
            " SELECT n, d, nullif(p, ''), f, t, gl FROM unnest($1::text[], $2::text[], $3::text[], $4::date[],"
            " $5::date[], $6::bigint[]) u(n, d, p, f, t, gl) ON CONFLICT DO NOTHING",
            6, params, PGRES_COMMAND_OK);
    if (!res)
        goto rollback;
    st->rows = atoll(PQcmdTuples(res));
    PQclear(res);
    const char *keys[] = {a_names, a_provs};
    res = q(g,
            "SELECT c.id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY u(n, p, i)"
            " JOIN campaigns c ON c.name = u.n AND coalesce(c.province_code, '') = u.p ORDER BY u.i",
            2, keys, PGRES_TUPLES_OK);
    if (!res || PQntuples(res) != n)
        goto rollback;
    for (int i = 0; i < n; i++)
        g->camp_id[i] = atoll(PQgetvalue(res, i, 0));
    g->ncamp = n;
    if (exec_ok(g, "COMMIT") == 0)
        rc = 0;
    goto out;
rollback:
    PQclear(PQexec(g->pg, "ROLLBACK"));
out:
    PQclear(res);
    free(a_names);
    free(a_descs);
    free(a_provs);
    free(a_froms);
    free(a_tos);
    free(a_goals);
    st->secs = now_secs() - t0;
    if (rc == 0) {
        printf("  %-12s %10lld rows %8.1f s%s\n", "campaigns", (long long)st->rows, st->secs,
               st->rows < n ? "  (the others of the 50 were there already: used again)" : "");
        fflush(stdout);
    }
    return rc;
}

/* ---- donations ---------------------------------------------------------------------------------------------- */

static int gen_donations(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 7);
    int64_t d0 = g->year_first_day[0], span = g->year_first_day[NYEARS] - d0;
    int cand[NCAMPAIGNS];
    for (int64_t i = 0; i < g->n_donations; i++) {
        int p = pick_cum(&r, g->cum_prov, g->nprov);
        const prov_t *pv = &g->prov[p];
        int cty = -1, center = -1;
        uint32_t place = rng_below(&r, 100);
        if (place >= 20 && pv->n > 0) {
            int lo = pv->first;
            cty = lo + pick_cum(&r, g->cum_in_prov + lo, pv->n);
            int cn = g->cty_off[cty + 1] - g->cty_off[cty];
            if (place >= 55 && cn > 0)
                center = g->cty_list[g->cty_off[cty] + (int)rng_below(&r, (uint32_t)cn)];
        }
        /* a campaign of the nation or of this province; the gift arrives while it runs */
        int nc = 0, camp = -1;
        if (rng_chance(&r, 55)) {
            for (int k = 0; k < g->ncamp; k++)
                if (g->camp_prov[k] < 0 || g->camp_prov[k] == p)
                    cand[nc++] = k;
            if (nc)
                camp = cand[rng_below(&r, (uint32_t)nc)];
        }
        int64_t day = camp >= 0 ? g->camp_from[camp] + rng_below(&r, (uint32_t)(g->camp_to[camp] - g->camp_from[camp] + 1))
                                : d0 + rng_below(&r, (uint32_t)span);
        int org = rng_chance(&r, 15), cash = rng_chance(&r, 85);
        /* roughly log-uniform amounts: 1..9.99 x 10^k rials, k 6..9 (organizations 7..10) */
        int64_t amount = (100 + rng_below(&r, 900)) * 10000;
        for (uint32_t e = rng_below(&r, 4) + (org ? 1 : 0); e > 0; e--)
            amount *= 10;
        cb_row(b);
        cb_i64(b, base + i + 1);
        cb_tab(b);
        if (org) {
            cb_str(b, org_prefixes[rng_below(&r, N_ORG_PREFIXES)]);
            cb_ch(b, ' ');
            cb_str(b, motifs[rng_below(&r, N_MOTIFS)]);
        } else {
            uint32_t fi, li;
            pick_name(&r, rng_chance(&r, 50), &fi, &li);
            cb_str(b, g->first_all[fi]);
            cb_ch(b, ' ');
            cb_str(b, last_names[li]);
        }
        cb_tab(b);
        cb_str(b, org ? "organization" : "person");
        cb_tab(b);
        cb_str(b, rng_chance(&r, 8) ? "t" : "f");
        cb_tab(b);
        cb_str(b, cash ? "cash" : "in_kind");
        cb_tab(b);
        if (cash)
            cb_null(b);
        else
            cb_str(b, in_kind_items[rng_below(&r, N_IN_KIND)]);
        cb_tab(b);
        cb_i64(b, amount);
        cb_tab(b);
        if (camp >= 0)
            cb_i64(b, g->camp_id[camp]);
        else
            cb_null(b);
        cb_tab(b);
        cb_date(b, day);
        cb_tab(b);
        cb_i64(b, fiscal_year_of(g, day));
        cb_tab(b);
        cb_str(b, pv->code);
        cb_tab(b);
        if (cty >= 0)
            cb_i64(b, g->cty[cty].id);
        else
            cb_null(b);
        cb_tab(b);
        if (center >= 0)
            cb_i64(b, g->center_base + center + 1);
        else
            cb_null(b);
        cb_ch(b, '\n');
    }
    return 0;
}

/* ---- allocations -------------------------------------------------------------------------------------------- */

/* rows: every province; every county, 80% of its province's amount split by weight (whole millions, rounded
 * down); up to 3 non-closed centers of each county, 80% of the county's amount split 1-3 ways */
static int64_t allocation_count(const gen_t *g)
{
    int64_t per = g->nprov + g->ncty;
    for (int c = 0; c < g->ncty; c++) {
        int n = g->cty_off[c + 1] - g->cty_off[c];
        per += n < 3 ? n : 3;
    }
    return per * NYEARS * g->nprog;
}

static void alloc_row(copybuf *b, int64_t id, int year, int prog, const char *level, const char *prov, int county,
                      int64_t center, int64_t amount)
{
    cb_row(b);
    cb_i64(b, id);
    cb_tab(b);
    cb_i64(b, year);
    cb_tab(b);
    cb_i64(b, prog);
    cb_tab(b);
    cb_str(b, level);
    cb_tab(b);
    cb_str(b, prov);
    cb_tab(b);
    if (county > 0)
        cb_i64(b, county);
    else
        cb_null(b);
    cb_tab(b);
    if (center > 0)
        cb_i64(b, center);
    else
        cb_null(b);
    cb_tab(b);
    cb_i64(b, amount);
    cb_tab(b);
    cb_null(b);
    cb_ch(b, '\n');
}

static int gen_allocations(gen_t *g, copybuf *b, int64_t base)
{
    rng_t r;
    rng_init(&r, g->seed, 8);
    int64_t id = base;
    int64_t *prov_amt = xcalloc((size_t)g->nprov * NYEARS * N_PROGRAMS, sizeof(int64_t));
    int64_t *cty_amt = xcalloc((size_t)g->ncty * NYEARS * N_PROGRAMS, sizeof(int64_t));
    /* provinces first, then counties, then centers: the order the limit triggers want when they run */
    for (int y = 0; y < NYEARS; y++)
        for (int pr = 0; pr < g->nprog; pr++) {
            double budget = (double)g->prog_budget[pr];
            for (int k = 0; k < y; k++)
                budget *= 1.35;
            for (int p = 0; p < g->nprov; p++) {
                double jitter = 0.9 + 0.2 * rng_unit(&r);
                int64_t amt = (int64_t)(budget * g->prov[p].weight * jitter / (double)MILLION) * MILLION;
                prov_amt[(y * N_PROGRAMS + pr) * g->nprov + p] = amt;
                alloc_row(b, ++id, FIRST_YEAR + y, g->prog_id[pr], "province", g->prov[p].code, 0, 0, amt);
            }
        }
    for (int y = 0; y < NYEARS; y++)
        for (int pr = 0; pr < g->nprog; pr++)
            for (int p = 0; p < g->nprov; p++) {
                const prov_t *pv = &g->prov[p];
                int64_t limit_m = prov_amt[(y * N_PROGRAMS + pr) * g->nprov + p] * 8 / 10 / MILLION, wsum = 0;
                for (int c = pv->first; c < pv->first + pv->n; c++)
                    wsum += 1 + (int64_t)(g->cty[c].weight / pv->weight * 1e6);
                for (int c = pv->first; c < pv->first + pv->n; c++) {
                    int64_t w = 1 + (int64_t)(g->cty[c].weight / pv->weight * 1e6);
                    int64_t amt = limit_m * w / wsum * MILLION;
                    cty_amt[(y * N_PROGRAMS + pr) * g->ncty + c] = amt;
                    alloc_row(b, ++id, FIRST_YEAR + y, g->prog_id[pr], "county", pv->code, g->cty[c].id, 0, amt);
                }
            }
    int pick[3];
    for (int y = 0; y < NYEARS; y++)
        for (int pr = 0; pr < g->nprog; pr++)
            for (int c = 0; c < g->ncty; c++) {
                int cn = g->cty_off[c + 1] - g->cty_off[c], k = cn < 3 ? cn : 3;
                if (!k)
                    continue;
                for (int j = 0; j < k; j++) { /* k distinct centers of the county */
                    int again;
                    do {
                        pick[j] = g->cty_list[g->cty_off[c] + (int)rng_below(&r, (uint32_t)cn)];
                        again = 0;
                        for (int m = 0; m < j; m++)
                            again |= pick[m] == pick[j];
                    } while (again);
                }
                int64_t share[3], ssum = 0, limit = cty_amt[(y * N_PROGRAMS + pr) * g->ncty + c] * 8 / 10;
                for (int j = 0; j < k; j++)
                    ssum += share[j] = 1 + rng_below(&r, 3);
                for (int j = 0; j < k; j++)
                    alloc_row(b, ++id, FIRST_YEAR + y, g->prog_id[pr], "center", g->prov[g->cty[c].prov].code,
                              g->cty[c].id, g->center_base + pick[j] + 1, limit * share[j] / ssum / MILLION * MILLION);
            }
    free(prov_amt);
    free(cty_amt);
    return 0;
}

/* ---- users, totals, statistics ------------------------------------------------------------------------------ */

static int upsert_user(gen_t *g, const char *username, const char *hash, const char *role, const char *province,
                       const char *county, const char *center)
{
    const char *p[] = {username, hash, role, province, county, center};
    PGresult *r = q(g,
                    "INSERT INTO users (username, password_hash, role, province_code, county_id, center_id, full_name)"
                    " VALUES ($1, $2, $3::user_role, $4, $5::integer, $6::bigint, 'benchmark user')"
                    " ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash,"
                    " role = EXCLUDED.role, province_code = EXCLUDED.province_code, county_id = EXCLUDED.county_id,"
                    " center_id = EXCLUDED.center_id, active = true, version = users.version + 1,"
                    " updated_at = now(), password_changed_at = now()",
                    6, p, PGRES_COMMAND_OK);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

/* bench.national, bench.province, and bench.county and bench.ngo where Tehran has a county and an NGO center;
 * returns how many were made (or updated: an earlier run's are pointed at the new data), -1 on error */
static int make_users(gen_t *g, const char *hash, char *county_desc, size_t cdsz, char *ngo_desc, size_t ndsz)
{
    int made = 2;
    if (exec_ok(g, "BEGIN") != 0)
        return -1;
    PGresult *cr = q(g,
                     "SELECT t.county_id, k.name_fa, t.clients FROM county_totals t JOIN counties k ON k.id = t.county_id"
                     " WHERE t.province_code = '" TEHRAN "' ORDER BY t.clients DESC, t.county_id LIMIT 1",
                     0, NULL, PGRES_TUPLES_OK);
    PGresult *nr = q(g,
                     "SELECT c.id, c.name, c.county_id FROM centers c LEFT JOIN center_totals t ON t.center_id = c.id"
                     " WHERE c.province_code = '" TEHRAN "' AND c.sector = 'ngo' AND c.status = 'active'"
                     " ORDER BY coalesce(t.clients, 0) DESC, c.id LIMIT 1",
                     0, NULL, PGRES_TUPLES_OK);
    int rc = cr && nr ? 0 : -1;
    if (rc == 0)
        rc = upsert_user(g, "bench.national", hash, "national_admin", NULL, NULL, NULL);
    if (rc == 0)
        rc = upsert_user(g, "bench.province", hash, "provincial_admin", TEHRAN, NULL, NULL);
    if (rc == 0 && PQntuples(cr) == 1) {
        made++;
        rc = upsert_user(g, "bench.county", hash, "county_officer", TEHRAN, PQgetvalue(cr, 0, 0), NULL);
        snprintf(county_desc, cdsz, "county %s (%s, %s clients)", PQgetvalue(cr, 0, 0), PQgetvalue(cr, 0, 1),
                 PQgetvalue(cr, 0, 2));
    } else
        snprintf(county_desc, cdsz, "not created: no county in %s", TEHRAN);
    if (rc == 0 && PQntuples(nr) == 1) {
        made++;
        rc = upsert_user(g, "bench.ngo", hash, "ngo_submitter", TEHRAN, PQgetvalue(nr, 0, 2), PQgetvalue(nr, 0, 0));
        snprintf(ngo_desc, ndsz, "center %s (%s)", PQgetvalue(nr, 0, 0), PQgetvalue(nr, 0, 1));
    } else
        snprintf(ngo_desc, ndsz, "not created: no active NGO center in %s", TEHRAN);
    PQclear(cr);
    PQclear(nr);
    if (rc == 0)
        rc = exec_ok(g, "COMMIT");
    else
        PQclear(PQexec(g->pg, "ROLLBACK"));
    return rc == 0 ? made : -1;
}

static void gen_free(gen_t *g)
{
    for (int p = 0; p < g->nprov; p++)
        free(g->prov[p].name_fa);
    for (int c = 0; c < g->ncty && g->cty; c++)
        free(g->cty[c].name_fa);
    free(g->cty);
    free(g->cum_cty);
    free(g->cum_in_prov);
    if (g->name_keys)
        for (size_t i = 0; i < N_FIRST * N_LAST; i++)
            free(g->name_keys[i]);
    free(g->name_keys);
    for (int64_t i = 0; i < g->n_centers; i++) {
        if (g->c_name)
            free(g->c_name[i]);
        if (g->c_key)
            free(g->c_key[i]);
    }
    free(g->c_name);
    free(g->c_key);
    free(g->c_cty);
    free(g->c_kind);
    free(g->c_ngo);
    free(g->c_status);
    free(g->cty_off);
    free(g->cty_list);
    free(g->prov_list);
    free(g->cl_cty);
    free(g->cl_center);
    free(g->nid.taken);
    free(g->cb.buf);
    free(g);
}

static int parse_args(int argc, char **argv, double *scale, uint64_t *seed, int *force)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--force")) {
            *force = 1;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        char *end = NULL;
        if (!strcmp(a, "--scale") && v) {
            *scale = strtod(v, &end);
            if (end == v || *end || !(*scale > 0) || *scale > 100) {
                fprintf(stderr, "registryctl: gen-data: --scale wants a number above 0 and at most 100\n");
                return -1;
            }
        } else if (!strcmp(a, "--seed") && v) {
            *seed = strtoull(v, &end, 10);
            if (end == v || *end || *v == '-') {
                fprintf(stderr, "registryctl: gen-data: --seed wants a non-negative integer\n");
                return -1;
            }
        } else {
            fprintf(stderr, "registryctl: gen-data: %s \"%s\"\n", v ? "unknown option" : "missing value for", a);
            return -1;
        }
    }
    return 0;
}

int ctl_gen_data(const registry_config *cfg, int argc, char **argv)
{
    double scale = 1.0;
    uint64_t seed = 1;
    int force = 0;
    if (parse_args(argc, argv, &scale, &seed, &force) != 0) {
        fprintf(stderr, "usage: registryctl gen-data [--scale F] [--seed N] [--force]\n");
        return CTL_USAGE;
    }
    double t_start = now_secs();
    const char *password = getenv("REGISTRY_BENCH_PASSWORD");
    int password_from_env = password && *password;
    if (!password_from_env)
        password = BENCH_PASSWORD;
    char hash[PASSWORD_ENCODED_MAX];
    gen_t *g = xcalloc(1, sizeof(gen_t));
    g->seed = seed;
    g->scale = scale;
    g->pg = ctl_connect(cfg);
    if (!g->pg) {
        gen_free(g);
        return CTL_FAIL;
    }
    int rc = CTL_FAIL;
    const char *su = PQparameterStatus(g->pg, "is_superuser");
    g->superuser = su && !strcmp(su, "on");
    g->cb.pg = g->pg;
    g->cb.buf = xcalloc(COPY_CHUNK, 1);

    int64_t existing = query_int(g, "SELECT count(*) FROM (SELECT 1 FROM clients LIMIT 1001) x", 0, NULL);
    if (existing < 0)
        goto out;
    if (existing > 1000 && !force) {
        fprintf(stderr, "registryctl: gen-data: the database already holds more than 1,000 clients; refusing to add"
                        " generated data to it (use --force to add anyway)\n");
        goto out;
    }
    if (password_hash(password, hash, sizeof(hash)) != 0) {
        fprintf(stderr, "registryctl: gen-data: hashing the benchmark password failed\n");
        goto out;
    }
    int64_t old_allocs = query_int(g, "SELECT count(*) FROM allocations WHERE fiscal_year BETWEEN 1401 AND 1403", 0,
                                   NULL);
    if (old_allocs < 0 || load_geography(g) != 0 || load_programs(g) != 0 || load_name_keys(g) != 0 ||
        load_taken_ids(g) != 0)
        goto out;
    uint64_t key_state = seed ^ 0x6e6174696f6e616cULL; /* "national" */
    for (int i = 0; i < 4; i++)
        g->nid.key[i] = splitmix64(&key_state);
    g->n_clients = scaled(3000000, scale);
    if (plan_centers(g) != 0)
        goto out;
    g->n_staff = g->n_centers ? scaled(200000, scale) : 0;
    g->n_services = scaled(10000000, scale);
    g->n_donations = scaled(1000000, scale);

    printf("gen-data: scale %g, seed %llu: %s\n", scale, (unsigned long long)seed,
           g->superuser ? "superuser, so triggers are off during the load (session_replication_role = replica)"
                        : "not a superuser: loading with every trigger on (much slower, and slower per row as a"
                          " table grows: the triggers update the same running totals for every row inside one"
                          " transaction; above scale 0.01 or so, connect as a superuser)");
    fflush(stdout);

    table_stat st[9] = {{0}};
    int64_t ignored;
    if (load_table(g, "centers",
                   "id, name, name_key, type, sector, province_code, county_id, capacity, license_no,"
                   " license_expires_on, status",
                   g->n_centers, prepare_centers, gen_centers, &g->center_base, &st[0]) != 0)
        goto out;
    if (load_table(g, "clients",
                   "id, national_id, first_name, last_name, name_key, birth_date, sex, province_code, county_id,"
                   " center_id, disability_type, disability_severity, needs, status",
                   g->n_clients, NULL, gen_clients, &g->client_base, &st[1]) != 0)
        goto out;
    if (load_table(g, "staff",
                   "id, national_id, first_name, last_name, name_key, profession, center_id, province_code, county_id,"
                   " trainings, status",
                   g->n_staff, NULL, gen_staff, &g->staff_base, &st[2]) != 0)
        goto out;
    /* services need a center in the client's province: none at all only at tiny scales */
    {
        int64_t ne = 0;
        for (int64_t i = 0; i < g->n_clients && !ne; i++) {
            int p = g->cty[g->cl_cty[i]].prov;
            ne = g->prov_off[p + 1] > g->prov_off[p];
        }
        if (!ne)
            g->n_services = 0;
    }
    if (load_table(g, "services", "id, client_id, center_id, service, provided_on, notes, province_code, county_id",
                   g->n_services, NULL, gen_services, &g->service_base, &st[3]) != 0)
        goto out;
    if (load_campaigns(g, &st[4]) != 0)
        goto out;
    if (load_table(g, "donations",
                   "id, donor_name, donor_type, anonymous, kind, description, amount_rials, campaign_id, received_on,"
                   " fiscal_year, province_code, county_id, center_id",
                   g->n_donations, NULL, gen_donations, &g->donation_base, &st[5]) != 0)
        goto out;
    if (old_allocs > 0)
        printf("  %-12s %10s rows          (1401-1403 has allocations already: left as they are)\n", "allocations",
               "0");
    else if (load_table(g, "allocations",
                        "id, fiscal_year, program_id, level, province_code, county_id, center_id, amount_rials, note",
                        allocation_count(g), NULL, gen_allocations, &ignored, &st[6]) != 0)
        goto out;

    double t0 = now_secs();
    PGresult *r = q(g, "SELECT registry_recompute_totals()", 0, NULL, PGRES_TUPLES_OK);
    if (!r)
        goto out;
    PQclear(r);
    printf("  %-12s %10s      %8.1f s\n", "totals", "", now_secs() - t0);

    char county_desc[512], ngo_desc[512];
    t0 = now_secs();
    int users = make_users(g, hash, county_desc, sizeof(county_desc), ngo_desc, sizeof(ngo_desc));
    if (users < 0)
        goto out;
    char detail[512];
    snprintf(detail, sizeof(detail),
             "{\"scale\": %g, \"seed\": %llu, \"centers\": %lld, \"clients\": %lld, \"staff\": %lld, \"services\": %lld,"
             " \"donations\": %lld}",
             scale, (unsigned long long)seed, (long long)g->n_centers, (long long)g->n_clients, (long long)g->n_staff,
             (long long)g->n_services, (long long)g->n_donations);
    const char *ap[] = {detail};
    r = q(g,
          "INSERT INTO audit_log (username, role, action, entity, detail)"
          " VALUES ('registryctl', 'system', 'gen_data', 'registry', $1::jsonb)",
          1, ap, PGRES_COMMAND_OK);
    if (!r)
        goto out;
    PQclear(r);
    printf("  %-12s %10d rows %8.1f s\n", "users", users, now_secs() - t0);

    /* ANALYZE what the role may analyze (a superuser: everything; another role: the tables its roles own) */
    t0 = now_secs();
    r = q(g,
          "SELECT string_agg(quote_ident(relname), ', '), count(*) FILTER (WHERE NOT mine) FROM ("
          " SELECT c.relname, pg_has_role(c.relowner, 'USAGE') AS mine FROM pg_class c"
          " WHERE c.oid IN ('centers'::regclass, 'clients'::regclass, 'staff'::regclass, 'services'::regclass,"
          " 'campaigns'::regclass, 'donations'::regclass, 'allocations'::regclass, 'users'::regclass,"
          " 'county_totals'::regclass, 'center_totals'::regclass, 'money_totals'::regclass)) x WHERE mine",
          0, NULL, PGRES_TUPLES_OK);
    if (!r)
        goto out;
    if (!PQgetisnull(r, 0, 0)) {
        char *analyze = xcalloc(strlen(PQgetvalue(r, 0, 0)) + 16, 1);
        sprintf(analyze, "ANALYZE %s", PQgetvalue(r, 0, 0));
        int arc = exec_ok(g, analyze);
        free(analyze);
        if (arc != 0) {
            PQclear(r);
            goto out;
        }
    }
    printf("  %-12s %10s      %8.1f s%s\n", "analyze", "", now_secs() - t0,
           atoi(PQgetvalue(r, 0, 1)) ? "  (skipped the tables this role does not own)" : "");
    PQclear(r);
    printf("total %.1f s\n", now_secs() - t_start);
    printf("benchmark users (password %s):\n", password_from_env ? "from REGISTRY_BENCH_PASSWORD" : BENCH_PASSWORD);
    printf("  bench.national  national_admin\n");
    printf("  bench.province  provincial_admin %s\n", TEHRAN);
    printf("  bench.county    county_officer, %s\n", county_desc);
    printf("  bench.ngo       ngo_submitter, %s\n", ngo_desc);
    rc = CTL_OK;
out:
    PQfinish(g->pg);
    gen_free(g);
    return rc;
}
