/* Unit tests for common/password.c: scrypt hashing in the "$scrypt$..." encoding, strict parsing, rehash
 * detection, the dummy hash and the strength policy. Hashes use ln=10 to stay fast, except one RFC 7914
 * vector (ln=14) and the dummy hash (default parameters, computed once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/password.h"

/* Builds an encoded string with the given parameters, a 16-byte salt and a 32-byte hash (arbitrary bytes). */
static void make_encoded(int ln, int r, int p, size_t saltlen, char *out, size_t outlen)
{
    unsigned char salt[PASSWORD_MAX_SALT_LEN], hash[PASSWORD_HASH_LEN];
    for (size_t i = 0; i < sizeof salt; i++)
        salt[i] = (unsigned char)(i * 7 + 1);
    for (size_t i = 0; i < sizeof hash; i++)
        hash[i] = (unsigned char)(i * 13 + 5);
    assert_int_equal(password_encode(ln, r, p, salt, saltlen, hash, sizeof hash, out, outlen), 0);
}

static void test_roundtrip(void **state)
{
    (void)state;
    char h[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash_params("correct horse battery staple", 10, 8, 1, h, sizeof h), 0);
    assert_true(strncmp(h, "$scrypt-sha256$ln=10,r=8,p=1$", 29) == 0);
    /* 29 header + 22 salt + '$' + 43 verifier */
    assert_int_equal(strlen(h), 29 + 22 + 1 + 43);
    assert_null(strchr(h + 29, '='));   /* no padding after the header */
    assert_int_equal(password_verify("correct horse battery staple", h), 1);
    assert_int_equal(password_verify("correct horse battery stapl", h), 0);
    assert_int_equal(password_verify("Correct horse battery staple", h), 0);
    assert_int_equal(password_verify("", h), 0);

    int ln = 0, r = 0, p = 0;
    unsigned char salt[PASSWORD_MAX_SALT_LEN], hash[PASSWORD_HASH_LEN];
    size_t saltlen = 0, hashlen = 0;
    char kf[PASSWORD_ENCODED_MAX];
    snprintf(kf, sizeof kf, "$scrypt$%s", h + 15);     /* the same fields in the key form's spelling */
    assert_int_equal(password_parse(h, &ln, &r, &p, salt, &saltlen, hash, &hashlen), -1);
    assert_int_equal(password_parse(kf, &ln, &r, &p, salt, &saltlen, hash, &hashlen), 0);
    assert_int_equal(ln, 10);
    assert_int_equal(r, 8);
    assert_int_equal(p, 1);
    assert_int_equal(saltlen, PASSWORD_SALT_LEN);
    assert_int_equal(hashlen, PASSWORD_HASH_LEN);
    char again[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_encode(ln, r, p, salt, saltlen, hash, hashlen, again, sizeof again), 0);
    assert_string_equal(again, kf);

    /* other parameters, empty and non-ASCII passwords */
    assert_int_equal(password_hash_params("", 10, 1, 2, h, sizeof h), 0);
    assert_true(strncmp(h, "$scrypt-sha256$ln=10,r=1,p=2$", 29) == 0);
    assert_int_equal(password_verify("", h), 1);
    assert_int_equal(password_verify(" ", h), 0);
    assert_int_equal(password_hash_params("رمز عبور خیلی محکم ۱۴۰۳", 11, 4, 1, h, sizeof h), 0);
    assert_int_equal(password_verify("رمز عبور خیلی محکم ۱۴۰۳", h), 1);
    assert_int_equal(password_verify("رمز عبور خیلی محکم 1403", h), 0);   /* no digit folding in hashing */
}

/* RFC 7914 section 12, third vector: scrypt("pleaseletmein", "SodiumChloride", N=16384, r=8, p=1); the first
 * 32 bytes of the 64-byte output are the 32-byte output (PBKDF2 block 1 does not depend on dkLen). */
static void test_rfc7914_vector(void **state)
{
    (void)state;
    static const unsigned char expect[32] = {
        0x70, 0x23, 0xbd, 0xcb, 0x3a, 0xfd, 0x73, 0x48, 0x46, 0x1c, 0x06, 0xcd, 0x81, 0xfd, 0x38, 0xeb,
        0xfd, 0xa8, 0xfb, 0xba, 0x90, 0x4f, 0x8e, 0x3e, 0xa9, 0xb5, 0x43, 0xf6, 0x54, 0x5d, 0xa1, 0xf2,
    };
    const char *salt = "SodiumChloride";
    char enc[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_encode(14, 8, 1, (const unsigned char *)salt, strlen(salt), expect, sizeof expect,
                                     enc, sizeof enc),
                     0);
    assert_string_equal(enc, "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$"
                             "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI");
    assert_int_equal(password_verify("pleaseletmein", enc), 1);
    assert_int_equal(password_verify("pleaseletmeIn", enc), 0);
}

static void test_salt_makes_hashes_differ(void **state)
{
    (void)state;
    char a[PASSWORD_ENCODED_MAX], b[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash_params("same password twice", 10, 8, 1, a, sizeof a), 0);
    assert_int_equal(password_hash_params("same password twice", 10, 8, 1, b, sizeof b), 0);
    assert_string_not_equal(a, b);
    /* the salts differ, and so do the hashes */
    const char *sa = a + 22, *sb = b + 22;
    assert_true(memcmp(sa, sb, 22) != 0);
    assert_true(strcmp(strrchr(a, '$'), strrchr(b, '$')) != 0);
    assert_int_equal(password_verify("same password twice", a), 1);
    assert_int_equal(password_verify("same password twice", b), 1);
}

static void test_hash_bad_args(void **state)
{
    (void)state;
    char h[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash_params(NULL, 10, 8, 1, h, sizeof h), -1);
    assert_string_equal(h, "");
    assert_int_equal(password_hash_params("x", 10, 8, 1, NULL, 100), -1);
    memset(h, 'X', sizeof h);
    assert_int_equal(password_hash_params("x", 10, 8, 1, h, 95), -1);   /* needs 96 */
    assert_string_equal(h, "");
    assert_int_equal(password_hash_params("x", 10, 8, 1, h, 96), 0);
    assert_int_equal(strlen(h), 95);
    assert_int_equal(password_hash(NULL, h, sizeof h), -1);
    assert_int_equal(password_hash("x", h, 10), -1);

    /* parameters out of range are refused for hashing too */
    assert_int_equal(password_hash_params("x", 9, 8, 1, h, sizeof h), -1);
    assert_int_equal(password_hash_params("x", 23, 8, 1, h, sizeof h), -1);
    assert_int_equal(password_hash_params("x", 10, 0, 1, h, sizeof h), -1);
    assert_int_equal(password_hash_params("x", 10, 33, 1, h, sizeof h), -1);
    assert_int_equal(password_hash_params("x", 10, 8, 0, h, sizeof h), -1);
    assert_int_equal(password_hash_params("x", 10, 8, 17, h, sizeof h), -1);
    assert_int_equal(password_hash_params("x", 22, 8, 1, h, sizeof h), -1);   /* 4 GiB: over the memory cap */
    assert_int_equal(password_hash_params("x", -1, 8, 1, h, sizeof h), -1);
    assert_int_equal(password_hash_params("x", 64, 8, 1, h, sizeof h), -1);

    /* encode: too small a buffer, bad lengths */
    unsigned char salt[16] = {1}, hash[32] = {2};
    char small[50];
    memset(small, 'X', sizeof small);
    assert_int_equal(password_encode(10, 8, 1, salt, 16, hash, 32, small, sizeof small), -1);
    assert_string_equal(small, "");
    assert_int_equal(password_encode(10, 8, 1, salt, 7, hash, 32, h, sizeof h), -1);
    assert_int_equal(password_encode(10, 8, 1, salt, 16, hash, 31, h, sizeof h), -1);
    assert_int_equal(password_encode(10, 8, 1, NULL, 16, hash, 32, h, sizeof h), -1);
    assert_int_equal(password_encode(10, 8, 1, salt, 16, hash, 32, NULL, 100), -1);
}

static void malformed(const char *s)
{
    if (password_verify("password", s) != -1 || password_parse(s, NULL, NULL, NULL, NULL, NULL, NULL, NULL) != -1 ||
        password_needs_rehash(s) != -1)
        fail_msg("accepted as well-formed: \"%s\"", s ? s : "(null)");
}

static void test_malformed(void **state)
{
    (void)state;
    /* a valid one, ln=10, and pieces of it */
    char good[PASSWORD_ENCODED_MAX];
    make_encoded(10, 8, 1, 16, good, sizeof good);
    assert_int_equal(password_verify("password", good), 0);
    const char *salt = strchr(good + 9, '$') + 1;          /* 22 chars */
    const char *hash = strchr(salt, '$') + 1;              /* 43 chars */
    char s22[23], h43[44];
    memcpy(s22, salt, 22);
    s22[22] = '\0';
    memcpy(h43, hash, 44);
    assert_int_equal(strlen(h43), 43);

    char buf[512];
#define M(...) do { snprintf(buf, sizeof buf, __VA_ARGS__); malformed(buf); } while (0)
    malformed(NULL);
    malformed("");
    malformed("$");
    malformed("$scrypt$");
    malformed("$scrypt$ln=10,r=8,p=1$");
    malformed("$scrypt$ln=10,r=8,p=1$$");
    malformed("plaintext-password");
    malformed("$2b$12$abcdefghijklmnopqrstuuJ1xU2bvV6Dt4Z0mB3ZGmXb7T5nVn4dO");   /* bcrypt */
    M("$scrypt$ln=10,r=8,p=1$%s", s22);                     /* no hash */
    M("$scrypt$ln=10,r=8,p=1$%s$", s22);                    /* empty hash */
    M("$scrypt$ln=10,r=8,p=1$$%s", h43);                    /* empty salt */
    M("scrypt$ln=10,r=8,p=1$%s$%s", s22, h43);              /* no leading '$' */
    M("$SCRYPT$ln=10,r=8,p=1$%s$%s", s22, h43);
    M("$scrypt2$ln=10,r=8,p=1$%s$%s", s22, h43);
    M("$scrypt$$ln=10,r=8,p=1$%s$%s", s22, h43);
    M("$scrypt$ln=10,r=8$%s$%s", s22, h43);                 /* missing p */
    M("$scrypt$ln=10,p=1$%s$%s", s22, h43);
    M("$scrypt$r=8,ln=10,p=1$%s$%s", s22, h43);             /* wrong order */
    M("$scrypt$ln=10,r=8,p=1,x=1$%s$%s", s22, h43);         /* extra parameter */
    M("$scrypt$LN=10,r=8,p=1$%s$%s", s22, h43);
    M("$scrypt$ln=010,r=8,p=1$%s$%s", s22, h43);            /* leading zero */
    M("$scrypt$ln=10,r=08,p=1$%s$%s", s22, h43);
    M("$scrypt$ln=+10,r=8,p=1$%s$%s", s22, h43);            /* sign */
    M("$scrypt$ln=-10,r=8,p=1$%s$%s", s22, h43);
    M("$scrypt$ln= 10,r=8,p=1$%s$%s", s22, h43);            /* spaces */
    M("$scrypt$ln=10, r=8,p=1$%s$%s", s22, h43);
    M("$scrypt$ln=10,r=8,p=1 $%s$%s", s22, h43);
    M("$scrypt$ln=,r=8,p=1$%s$%s", s22, h43);
    M("$scrypt$ln=1e1,r=8,p=1$%s$%s", s22, h43);
    M("$scrypt$ln=10.0,r=8,p=1$%s$%s", s22, h43);
    M("$scrypt$ln=4294967306,r=8,p=1$%s$%s", s22, h43);     /* 2^32 + 10: no wrap-around */
    M("$scrypt$ln=10;r=8;p=1$%s$%s", s22, h43);
    M("$scrypt$ln=10,r=8,p=1$%s==$%s", s22, h43);           /* padding */
    M("$scrypt$ln=10,r=8,p=1$%s$%s=", s22, h43);
    M("$scrypt$ln=10,r=8,p=1$%s$%.42s", s22, h43);          /* hash 42 chars */
    M("$scrypt$ln=10,r=8,p=1$%s$%sA", s22, h43);            /* 44 */
    M("$scrypt$ln=10,r=8,p=1$%s$%s%s", s22, h43, h43);
    M("$scrypt$ln=10,r=8,p=1$%s$%s$", s22, h43);            /* trailing '$' */
    M("$scrypt$ln=10,r=8,p=1$%s$%s ", s22, h43);            /* trailing space */
    M("$scrypt$ln=10,r=8,p=1$%s$%s\n", s22, h43);           /* trailing newline */
    M(" $scrypt$ln=10,r=8,p=1$%s$%s", s22, h43);            /* leading space */
    M("$scrypt$ln=10,r=8,p=1$%s$%s$extra", s22, h43);
    M("$scrypt$ln=10,r=8,p=1$%s$%s", h43, s22);             /* swapped */
    M("$scrypt$ln=10,r=8,p=1$%s", h43);
    M("$scrypt$ln=10,r=8,p=1$%.21s-$%s", s22, h43);         /* base64url characters */
    M("$scrypt$ln=10,r=8,p=1$%.21s_$%s", s22, h43);
    M("$scrypt$ln=10,r=8,p=1$%s$%.42s-", s22, h43);
    M("$scrypt$ln=10,r=8,p=1$%.21s.$%s", s22, h43);
    M("$scrypt$ln=10,r=8,p=1$%.10s*%.11s$%s", s22, s22 + 11, h43);
    M("$scrypt$ln=10,r=8,p=1$%.10s\xd8\xa7%.10s$%s", s22, s22 + 11, h43);   /* non-ASCII */
    M("$scrypt$ln=10,r=8,p=1$%.21s$%s", s22, h43);          /* 21 chars: length % 4 == 1 */
    M("$scrypt$ln=10,r=8,p=1$AAAAAAAAAA$%s", h43);          /* 10 chars = 7 bytes: too short */
    M("$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
      "$%s", h43);                                          /* 87 chars: 65 bytes, too long */
    M("$scrypt$ln=10,r=8,p=1$%s$%s", "AAAAAAAAAAAAAAAAAAAAAB", h43);   /* salt spare bits not zero */
    M("$scrypt$ln=10,r=8,p=1$%s$%.42sB", s22, h43);         /* hash spare bits not zero (43rd char 'B') */
#undef M
    /* the boundaries that are accepted */
    char ok[PASSWORD_ENCODED_MAX];
    snprintf(ok, sizeof ok, "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAE$%s", h43);    /* 11 chars = 8 bytes */
    assert_int_equal(password_parse(ok, NULL, NULL, NULL, NULL, NULL, NULL, NULL), 0);
    snprintf(ok, sizeof ok,
             "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
             "$%s", h43);                                                      /* 86 chars = 64 bytes */
    size_t saltlen = 0;
    assert_int_equal(password_parse(ok, NULL, NULL, NULL, NULL, &saltlen, NULL, NULL), 0);
    assert_int_equal(saltlen, 64);
    snprintf(ok, sizeof ok, "$scrypt$ln=10,r=8,p=1$%s$%.42sA", s22, h43);   /* 'A' spare bits are zero */
    assert_int_equal(password_parse(ok, NULL, NULL, NULL, NULL, NULL, NULL, NULL), 0);
}

static void absurd(int ln, int r, int p, const char *h43)
{
    char s[PASSWORD_ENCODED_MAX + 64];
    snprintf(s, sizeof s, "$scrypt$ln=%d,r=%d,p=%d$AAAAAAAAAAAAAAAAAAAAAA$%s", ln, r, p, h43);
    if (password_verify("password", s) != -1 || password_needs_rehash(s) != -1)
        fail_msg("absurd parameters accepted: %s", s);
}

static void test_absurd_parameters(void **state)
{
    (void)state;
    char good[PASSWORD_ENCODED_MAX];
    make_encoded(10, 8, 1, 16, good, sizeof good);
    const char *h43 = strrchr(good, '$') + 1;

    absurd(9, 8, 1, h43);
    absurd(1, 8, 1, h43);
    absurd(0, 8, 1, h43);
    absurd(23, 8, 1, h43);
    absurd(31, 8, 1, h43);
    absurd(64, 8, 1, h43);
    absurd(999, 8, 1, h43);
    absurd(10, 0, 1, h43);
    absurd(10, 33, 1, h43);
    absurd(10, 999, 1, h43);
    absurd(10, 8, 0, h43);
    absurd(10, 8, 17, h43);
    absurd(10, 8, 999, h43);
    /* in range one by one, but too much memory (128*r*N > 1 GiB) or work (N*r*p > 2^25) together */
    absurd(22, 32, 16, h43);
    absurd(22, 8, 1, h43);
    absurd(21, 8, 1, h43);
    absurd(17, 32, 16, h43);
    absurd(20, 8, 16, h43);

    /* the largest accepted combinations parse (they are not verified here: that would take seconds) */
    const struct { int ln, r, p; } edge[] = {{22, 2, 1}, {20, 8, 4}, {17, 32, 8}, {10, 32, 16}, {17, 8, 16}};
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) {
        char s[PASSWORD_ENCODED_MAX];
        make_encoded(edge[i].ln, edge[i].r, edge[i].p, 16, s, sizeof s);
        int ln, r, p;
        assert_int_equal(password_parse(s, &ln, &r, &p, NULL, NULL, NULL, NULL), 0);
        assert_int_equal(ln, edge[i].ln);
        assert_int_equal(r, edge[i].r);
        assert_int_equal(p, edge[i].p);
    }
}

static void test_needs_rehash(void **state)
{
    (void)state;
    char s[PASSWORD_ENCODED_MAX];
    make_encoded(17, 8, 1, 16, s, sizeof s);
    assert_int_equal(password_needs_rehash(s), 0);
    make_encoded(18, 8, 1, 16, s, sizeof s);
    assert_int_equal(password_needs_rehash(s), 0);
    make_encoded(17, 16, 2, 32, s, sizeof s);
    assert_int_equal(password_needs_rehash(s), 0);
    make_encoded(16, 8, 1, 16, s, sizeof s);
    assert_int_equal(password_needs_rehash(s), 1);
    make_encoded(10, 8, 1, 16, s, sizeof s);
    assert_int_equal(password_needs_rehash(s), 1);
    make_encoded(18, 4, 1, 16, s, sizeof s);
    assert_int_equal(password_needs_rehash(s), 1);
    make_encoded(17, 8, 1, 8, s, sizeof s);     /* short salt */
    assert_int_equal(password_needs_rehash(s), 1);

    char h[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash_params("x", 10, 8, 1, h, sizeof h), 0);
    assert_int_equal(password_needs_rehash(h), 1);
    assert_int_equal(password_needs_rehash("garbage"), -1);
    assert_int_equal(password_needs_rehash(NULL), -1);
}

static void test_dummy_hash(void **state)
{
    (void)state;
    const char *d = password_dummy_hash();
    assert_non_null(d);
    assert_ptr_equal(password_dummy_hash(), d);
    int ln, r, p;
    size_t saltlen, hashlen;
    char kf[PASSWORD_ENCODED_MAX];
    snprintf(kf, sizeof kf, "$scrypt$%s", strncmp(d, "$scrypt-sha256$", 15) == 0 ? d + 15 : d + 8);
    assert_int_equal(password_parse(kf, &ln, &r, &p, NULL, &saltlen, NULL, &hashlen), 0);
    assert_int_equal(ln, PASSWORD_DEFAULT_LN);
    assert_int_equal(r, PASSWORD_DEFAULT_R);
    assert_int_equal(p, PASSWORD_DEFAULT_P);
    assert_int_equal(saltlen, PASSWORD_SALT_LEN);
    assert_int_equal(hashlen, PASSWORD_HASH_LEN);
    assert_int_equal(password_needs_rehash(d), 0);
    assert_int_equal(password_verify("some other password", d), 0);
}

/* ---- strength ---- */

static void weak(const char *pw, const char *user, const char *reason_part)
{
    const char *reason = NULL;
    if (password_check_strength(pw, user, &reason) != -1)
        fail_msg("accepted: \"%s\" (user %s)", pw ? pw : "(null)", user ? user : "(null)");
    assert_non_null(reason);
    if (!strstr(reason, reason_part))
        fail_msg("\"%s\": reason \"%s\" does not mention \"%s\"", pw ? pw : "(null)", reason, reason_part);
}

static void strong(const char *pw, const char *user)
{
    const char *reason = "unset";
    if (password_check_strength(pw, user, &reason) != 0)
        fail_msg("refused: \"%s\" (user %s): %s", pw, user ? user : "(null)", reason ? reason : "(null)");
    assert_null(reason);
}

static void test_strength_length(void **state)
{
    (void)state;
    weak(NULL, "ali", "no password");
    weak("", NULL, "shorter than 12");
    weak("Xk9#mP2$vL4", NULL, "shorter than 12");                 /* 11 ASCII */
    strong("Xk9#mP2$vL4q", NULL);                                 /* 12 ASCII */
    /* Persian: 12 code points (25 bytes) pass, 11 code points (22 bytes) do not */
    strong("کتابخانه‌ملی", NULL);
    assert_int_equal(strlen("کتابخانه‌ملی"), 25);
    weak("کتابخانه‌مل", NULL, "shorter than 12");
    weak("کتابخانهمل", NULL, "shorter than 12");                  /* 20 bytes, 10 characters */

    char big[300];
    memset(big, 0, sizeof big);
    for (size_t i = 0; i < 256; i++)
        big[i] = "a1B2c#D4e5F6g7H8"[i % 16];   /* not in any list, not a run */
    strong(big, NULL);
    big[256] = 'x';
    weak(big, NULL, "256 bytes");
    /* 128 two-byte letters = 256 bytes: accepted; one more character is too long */
    char fa[300] = "";
    for (int i = 0; i < 128; i++)
        strcat(fa, i % 2 ? "ب" : "س");
    assert_int_equal(strlen(fa), 256);
    strong(fa, NULL);
    strcat(fa, "x");
    weak(fa, NULL, "256 bytes");

    weak("abcdefghijk\xff", NULL, "UTF-8");
    weak("abcdefghijkl\xd8", NULL, "UTF-8");                      /* truncated sequence */
    weak("abcdefgh\xc0\xafijkl", NULL, "UTF-8");                  /* overlong '/' */
}

static void test_strength_patterns(void **state)
{
    (void)state;
    weak("aaaaaaaaaaaa", NULL, "repeated");
    weak("000000000000000000", NULL, "repeated");
    weak("۱۱۱۱۱۱۱۱۱۱۱۱", NULL, "repeated");
    weak("                ", NULL, "repeated");

    weak("123456789012", NULL, "run");
    weak("1234567890123456", NULL, "run");
    weak("098765432109", NULL, "run");
    weak("abcdefghijkl", NULL, "run");
    weak("ABCDEFGHIJKLMNOP", NULL, "run");
    weak("aBcDeFgHiJkL", NULL, "run");
    weak("zyxwvutsrqpo", NULL, "run");
    weak("uvwxyzabcdef", NULL, "run");                            /* wraps past z */
    weak("۱۲۳۴۵۶۷۸۹۰۱۲", NULL, "run");                            /* Persian digits */
    weak("١٢٣٤٥٦٧٨٩٠١٢", NULL, "run");                            /* Arabic-Indic digits */
    strong("13579bdfhjl2", NULL);                                 /* steps of two are not a straight run */
    strong("abcdefghijk1", NULL);                                 /* the run does not cover the whole */
}

static void test_strength_username(void **state)
{
    (void)state;
    weak("my-AliReza-pass!", "alireza", "username");
    weak("my-alireza-pass!", "ALIREZA", "username");
    weak("alireza.karimi.77", "alireza.karimi", "username");
    weak("سلام علی رضایی ۱۴۰۳", "علی", "username");
    strong("my-AliReza-pass!", "maryam");
    strong("my-AliReza-pass!", NULL);
    strong("my-AliReza-pass!", "");
    strong("my-AliReza-pass!", "al");                              /* too short to check */
}

static void test_strength_common(void **state)
{
    (void)state;
    static const char *const listed[] = {
        "password1234", "PASSWORD1234", "Password1234", "qwertyuiopas", "QwertyUiopas", "iloveyou1234",
        "administrator", "Administrator", "welcome12345", "changeme1234", "passw0rd1234", "P@ssw0rd1234",
        "1234qwerasdf", "qazwsxedcrfv", "1qaz2wsx3edc", "1q2w3e4r5t6y", "123123123123", "112233445566",
        "persepolis1234", "password۱۲۳۴",   /* Persian digits fold to the listed password1234 */
    };
    for (size_t i = 0; i < sizeof listed / sizeof *listed; i++)
        weak(listed[i], NULL, "common");
    /* straight runs that are also in the list are refused either way */
    const char *reason = NULL;
    assert_int_equal(password_check_strength("123456789012", NULL, &reason), -1);

    /* common words padded with digits and punctuation */
    weak("password98765432", NULL, "common word");
    weak("Welcome!!2024!!", NULL, "common word");
    weak("admin@12345678", NULL, "common word");
    weak("qwerty99999999", NULL, "common word");
    weak("letmein!@#$%^", NULL, "common word");
    weak("Tehran13571357", NULL, "common word");
    weak("iran123456789", NULL, "common");
    weak("IRAN!!!!!!!!!!!!", NULL, "common word");
    weak("2024tehran2024", NULL, "common word");
    weak("ایران۱۳۵۷۱۳۵۷", NULL, "common word");
    weak("رمزعبور 1234567", NULL, "common word");

    strong("tehran-isfahan-shiraz", NULL);   /* more than one word is a different matter */
    strong("correct horse battery staple", NULL);
    strong("Iran is my home, 1403!", NULL);
    strong("ZTb7-wq2L-xp9R", NULL);
}

/* A setting (the stored verifier's parameters and salt, key form) and the password give back the key whose
 * verifier is exactly the stored one, with the setting's own parameters (old hashes keep working); a wrong password
 * or a bad setting does not. */
static void test_derive_setting_rebuilds_the_hash(void **state)
{
    (void)state;
    char h[PASSWORD_ENCODED_MAX], setting[PASSWORD_ENCODED_MAX], out[PASSWORD_ENCODED_MAX];
    char v[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash_params("Saffron-Lantern-4821", 11, 4, 1, h, sizeof h), 0);
    snprintf(setting, sizeof setting, "$scrypt$%s", h + 15);
    size_t n = (size_t)(strrchr(setting, '$') - setting) + 1;
    setting[n] = '\0';
    assert_int_equal(password_derive_setting("Saffron-Lantern-4821", setting, out, sizeof out), 0);
    assert_int_equal(password_verifier_of(out, v, sizeof v), 0);
    assert_string_equal(v, h);
    assert_int_equal(password_verify("Saffron-Lantern-4821", out), 1);     /* the key form verifies too */
    assert_int_equal(password_derive_setting("Saffron-Lantern-4822", setting, out, sizeof out), 0);
    assert_int_equal(password_verifier_of(out, v, sizeof v), 0);
    assert_string_not_equal(v, h);
    assert_int_equal(strncmp(out, setting, n), 0);
    /* malformed settings cost no scrypt and leave "" */
    const char *const bad[] = {"", "$", "$scrypt$ln=11,r=4,p=1$", "$scrypt$ln=11,r=4,p=1$AAAAAAAAAAA",
                               "$scrypt$ln=40,r=4,p=1$AAAAAAAAAAAAAAAAAAAAAA$", h,
                               "$scrypt$ln=11,r=4,p=1$AAAAAAAAAAAAAAAAAAAAAA$$"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        strcpy(out, "x");
        assert_int_equal(password_derive_setting("pw", bad[i], out, sizeof out), -1);
        assert_string_equal(out, "");
    }
    assert_int_equal(password_derive_setting(NULL, setting, out, sizeof out), -1);
    assert_int_equal(password_derive_setting("pw", setting, out, 10), -1);
}

/* What is stored is not a key: the stored string, or its last part under the key form's tag, is not what the right
 * password derives, and its "verifier" is not the stored one (the database compares sha256 of what it is sent). */
static void test_stored_verifier_is_not_a_key(void **state)
{
    (void)state;
    char h[PASSWORD_ENCODED_MAX], setting[PASSWORD_ENCODED_MAX], key[PASSWORD_ENCODED_MAX];
    char v[PASSWORD_ENCODED_MAX], forged[PASSWORD_ENCODED_MAX];
    assert_int_equal(password_hash_params("Saffron-Lantern-4821", 10, 8, 1, h, sizeof h), 0);
    snprintf(setting, sizeof setting, "$scrypt$%s", h + 15);
    *(strrchr(setting, '$') + 1) = '\0';
    assert_int_equal(password_derive_setting("Saffron-Lantern-4821", setting, key, sizeof key), 0);
    snprintf(forged, sizeof forged, "$scrypt$%s", h + 15);     /* the stored string in the key form's spelling */
    assert_string_not_equal(forged, key);
    assert_int_equal(password_verifier_of(forged, v, sizeof v), 0);
    assert_string_not_equal(v, h);
    assert_int_equal(password_verifier_of(key, v, sizeof v), 0);
    assert_string_equal(v, h);
    assert_int_equal(password_verifier_of(h, v, sizeof v), -1);     /* a verifier is not a key form */
    assert_string_equal(v, "");
    /* a setting with older parameters asks for a rehash; the defaults do not */
    assert_int_equal(password_setting_needs_rehash(setting), 1);
    assert_int_equal(password_setting_needs_rehash("$scrypt$ln=17,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$"), 0);
    assert_int_equal(password_setting_needs_rehash("$scrypt$ln=17,r=8,p=1$AAAA"), -1);
    assert_int_equal(password_setting_needs_rehash(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),          cmocka_unit_test(test_rfc7914_vector),
        cmocka_unit_test(test_salt_makes_hashes_differ), cmocka_unit_test(test_hash_bad_args),
        cmocka_unit_test(test_malformed),          cmocka_unit_test(test_absurd_parameters),
        cmocka_unit_test(test_needs_rehash),       cmocka_unit_test(test_dummy_hash),
        cmocka_unit_test(test_strength_length),    cmocka_unit_test(test_strength_patterns),
        cmocka_unit_test(test_strength_username),  cmocka_unit_test(test_strength_common),
        cmocka_unit_test(test_derive_setting_rebuilds_the_hash), cmocka_unit_test(test_stored_verifier_is_not_a_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
