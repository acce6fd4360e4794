/*
 * fuzz_password_verify.c - properties of the stored-hash parser and verifier in common/password.c, plus the
 * strength check, on arbitrary strings.
 *
 * Input: "PASSWORD\nENCODED", or just ENCODED (the password is then "password"); cut at the first NUL.
 *   password_parse returns 0 or -1; what it accepts has every parameter inside the documented ranges and
 *   caps (recomputed here), salt 8..64 bytes, hash 32 bytes, agrees with sscanf on the numbers, and
 *   re-encodes with password_encode to the identical string;
 *   password_needs_rehash is -1 exactly when parsing fails (of the key form, for a "$scrypt-sha256$"
 *   verifier), otherwise the comparison with the defaults;
 *   a "$scrypt-sha256$" verifier that verifies for the password is, read as a key form, not one that does;
 *   password_verify is -1 whenever parsing fails (likewise) - without running scrypt, or the fuzzer would crawl -
 *   and, for parameters cheap enough to run here (ln=10, r*p <= 8), 0 or 1, and 0 for a different password
 *   whenever it was 1;
 *   password_derive_setting, given ENCODED as a setting: -1 (leaving "") whenever ENCODED plus a placeholder key
 *   does not parse - without running scrypt - and, for cheap parameters, a string that parses, starts with
 *   the setting and that password_verify accepts for the password;
 *   password_check_strength returns 0 or -1 with a reason exactly on -1, and anything it accepts is valid
 *   UTF-8 of 12..256 code points/bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/password.h"
#include "common/utf8.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void check_strength(const char *pw)
{
    const char *reason = (const char *)1;
    int rc = password_check_strength(pw, "admin", &reason);
    CHECK(rc == 0 || rc == -1);
    if (rc == -1) {
        CHECK(reason != NULL && reason[0] != '\0');
        return;
    }
    CHECK(reason == NULL);
    size_t len = strlen(pw);
    CHECK(len <= 256 && utf8_validate(pw, len) == 0);
    size_t ncp = 0;
    for (size_t i = 0; i < len; i++)
        ncp += ((unsigned char)pw[i] & 0xC0) != 0x80;
    CHECK(ncp >= 12);
}

/* enc as the "setting" of a stored hash (everything before its key) */
static void check_derive_setting(const char *pw, const char *enc)
{
    size_t n = strlen(enc);
    char full[PASSWORD_ENCODED_MAX + 64], out[PASSWORD_ENCODED_MAX];
    int ln = 0, r = 0, p = 0, parses = 0;
    if (n + 44 <= sizeof full && n > 0 && enc[n - 1] == '$') {
        memcpy(full, enc, n);
        memset(full + n, 'A', 43);
        full[n + 43] = '\0';
        parses = password_parse(full, &ln, &r, &p, NULL, NULL, NULL, NULL) == 0;
    }
    if (!parses) {
        strcpy(out, "x");
        CHECK(password_derive_setting(pw, enc, out, sizeof out) == -1 && out[0] == '\0');
        return;
    }
    if (ln != 10 || r * p > 8)
        return;     /* too slow to run here */
    CHECK(password_derive_setting(pw, enc, out, sizeof out) == 0);
    CHECK(strncmp(out, enc, n) == 0 && password_parse(out, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == 0);
    CHECK(password_verify(pw, out) == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1);
    if (!in)
        abort();
    memcpy(in, data, size);
    in[size] = '\0';
    const char *pw = "password", *enc = in;
    char *nl = strchr(in, '\n');
    if (nl) {
        *nl = '\0';
        pw = in;
        enc = nl + 1;
    }

    int ln = -7, r = -7, p = -7;
    unsigned char salt[PASSWORD_MAX_SALT_LEN], hash[PASSWORD_HASH_LEN];
    size_t saltlen = 999, hashlen = 999;
    int rc = password_parse(enc, &ln, &r, &p, salt, &saltlen, hash, &hashlen);
    CHECK(rc == 0 || rc == -1);
    /* a stored verifier ("$scrypt-sha256$" + the key form's fields) is checked as its key form parses */
    char kf[PASSWORD_ENCODED_MAX + 64];
    int verifier_parses = strncmp(enc, "$scrypt-sha256$", 15) == 0 && strlen(enc) < sizeof kf - 8 &&
                          snprintf(kf, sizeof kf, "$scrypt$%s", enc + 15) > 0 &&
                          password_parse(kf, NULL, NULL, NULL, NULL, NULL, NULL, NULL) == 0;
    if (rc == -1) {
        CHECK(ln == -7 && r == -7 && p == -7 && saltlen == 999 && hashlen == 999);
        if (!verifier_parses) {
            CHECK(password_needs_rehash(enc) == -1);
            CHECK(password_verify(pw, enc) == -1);   /* must not reach scrypt: see the header comment */
        } else {
            int kln = 0, kr = 0, kp = 0;
            CHECK(password_parse(kf, &kln, &kr, &kp, NULL, NULL, NULL, NULL) == 0);
            CHECK(password_needs_rehash(enc) == password_needs_rehash(kf));
            /* a verifier that matches is not itself a key that matches (what the database relies on) */
            if (kln == 10 && kr * kp <= 8 && password_verify(pw, enc) == 1)
                CHECK(password_verify(pw, kf) == 0);
        }
    } else {
        CHECK(ln >= PASSWORD_MIN_LN && ln <= PASSWORD_MAX_LN);
        CHECK(r >= PASSWORD_MIN_R && r <= PASSWORD_MAX_R);
        CHECK(p >= PASSWORD_MIN_P && p <= PASSWORD_MAX_P);
        uint64_t n = 1ULL << ln;
        CHECK(128ULL * (uint64_t)r * n <= PASSWORD_MAX_MEM_BYTES);
        CHECK(n * (uint64_t)r * (uint64_t)p <= PASSWORD_MAX_WORK);
        CHECK(saltlen >= PASSWORD_MIN_SALT_LEN && saltlen <= PASSWORD_MAX_SALT_LEN);
        CHECK(hashlen == PASSWORD_HASH_LEN);
        int sln, sr, sp;
        CHECK(sscanf(enc, "$scrypt$ln=%d,r=%d,p=%d$", &sln, &sr, &sp) == 3 && sln == ln && sr == r && sp == p);

        char again[PASSWORD_ENCODED_MAX];
        CHECK(password_encode(ln, r, p, salt, saltlen, hash, hashlen, again, sizeof again) == 0);
        CHECK(strcmp(again, enc) == 0);

        int weaker = ln < PASSWORD_DEFAULT_LN || r < PASSWORD_DEFAULT_R || p < PASSWORD_DEFAULT_P ||
                     saltlen < PASSWORD_SALT_LEN;
        CHECK(password_needs_rehash(enc) == weaker);

        if (ln == 10 && r * p <= 8) {
            int v = password_verify(pw, enc);
            CHECK(v == 0 || v == 1);
            if (v == 1) {
                size_t plen = strlen(pw);
                char *other = malloc(plen + 2);
                if (!other)
                    abort();
                memcpy(other, pw, plen);
                other[plen] = 'x';
                other[plen + 1] = '\0';
                CHECK(password_verify(other, enc) == 0);
                free(other);
            }
        }
    }

    check_derive_setting(pw, enc);
    check_strength(in);
    if (nl)
        check_strength(enc);
    free(in);
    return 0;
}
