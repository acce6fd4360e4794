/*
 * password.c - scrypt password verifiers ("$scrypt-sha256$ln=..,r=..,p=..$salt$" + sha256 of the key), keys in the
 * "$scrypt$ln=..,r=..,p=..$salt$key" encoding, and the policy for new passwords. See password.h.
 *
 * Every path that could reach scrypt goes through password_parse()/check_params() first, so a malformed or
 * absurd stored string costs microseconds, never memory or minutes. OpenSSL errors raised here are popped
 * off the thread's error queue before returning: a stale entry there would make a later SSL_get_error() on
 * the same thread report an unrelated TLS connection as failed.
 */
#include "common/password.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "common/digits.h"
#include "common/utf8.h"

/* ---- base64, standard alphabet, no padding, canonical ------------------------------------------------------ */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static size_t b64_encoded_len(size_t n)
{
    return (n * 4 + 2) / 3;
}

/* Writes b64_encoded_len(n) characters, no NUL. */
static void b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i = 0, o = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = B64[v >> 6 & 63];
        out[o++] = B64[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = B64[v >> 18 & 63];
        out[o++] = B64[v >> 12 & 63];
        out[o++] = B64[v >> 6 & 63];
    }
}

/* Decodes exactly len characters. Refuses any non-alphabet character, a length that no byte count encodes
 * to (len % 4 == 1), and non-zero unused bits in the last character, so each byte string has one spelling.
 * Returns the decoded length (at most cap) or -1. */
static long b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
    if (len % 4 == 1)
        return -1;
    size_t n = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (n > cap)
        return -1;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)   /* leftover (2 or 4) bits must be zero */
        return -1;
    return (long)o;
}

/* ---- parameters --------------------------------------------------------------------------------------------- */

static int check_params(int ln, int r, int p)
{
    if (ln < PASSWORD_MIN_LN || ln > PASSWORD_MAX_LN || r < PASSWORD_MIN_R || r > PASSWORD_MAX_R ||
        p < PASSWORD_MIN_P || p > PASSWORD_MAX_P)
        return -1;
    uint64_t n = 1ULL << ln;
    if (128ULL * (uint64_t)r * n > PASSWORD_MAX_MEM_BYTES)
        return -1;
    if (n * (uint64_t)r * (uint64_t)p > PASSWORD_MAX_WORK)
        return -1;
    return 0;
}

/* A decimal number of 1..3 digits without sign or leading zero ("0" itself is out of every range anyway, so
 * any leading '0' is refused). Returns the position after it, or NULL. */
static const char *parse_small_uint(const char *s, int *out)
{
    if (*s < '1' || *s > '9')
        return NULL;
    int v = 0, digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (++digits > 3)
            return NULL;
        v = v * 10 + (*s - '0');
        s++;
    }
    *out = v;
    return s;
}

static const char *expect_lit(const char *s, const char *lit)
{
    size_t n = strlen(lit);
    return strncmp(s, lit, n) == 0 ? s + n : NULL;
}

int password_parse(const char *encoded, int *ln, int *r, int *p, unsigned char *salt, size_t *saltlen,
                   unsigned char *hash, size_t *hashlen)
{
    if (!encoded)
        return -1;
    int vln = 0, vr = 0, vp = 0;
    const char *s = expect_lit(encoded, "$scrypt$ln=");
    if (s)
        s = parse_small_uint(s, &vln);
    if (s)
        s = expect_lit(s, ",r=");
    if (s)
        s = parse_small_uint(s, &vr);
    if (s)
        s = expect_lit(s, ",p=");
    if (s)
        s = parse_small_uint(s, &vp);
    if (s)
        s = expect_lit(s, "$");
    if (!s || check_params(vln, vr, vp) != 0)
        return -1;

    /* salt: up to the next '$', bounded by what PASSWORD_MAX_SALT_LEN bytes encode to */
    size_t slen = 0;
    while (s[slen] != '\0' && s[slen] != '$') {
        if (++slen > b64_encoded_len(PASSWORD_MAX_SALT_LEN))
            return -1;
    }
    if (s[slen] != '$')
        return -1;
    unsigned char sbuf[PASSWORD_MAX_SALT_LEN];
    long sn = b64_decode(s, slen, sbuf, sizeof sbuf);
    if (sn < PASSWORD_MIN_SALT_LEN)
        return -1;
    s += slen + 1;

    /* hash: exactly the 43 characters of 32 bytes, then the end of the string */
    size_t hlen = 0;
    while (s[hlen] != '\0') {
        if (++hlen > b64_encoded_len(PASSWORD_HASH_LEN))
            return -1;
    }
    if (hlen != b64_encoded_len(PASSWORD_HASH_LEN))
        return -1;
    unsigned char hbuf[PASSWORD_HASH_LEN];
    if (b64_decode(s, hlen, hbuf, sizeof hbuf) != PASSWORD_HASH_LEN)
        return -1;

    if (ln)
        *ln = vln;
    if (r)
        *r = vr;
    if (p)
        *p = vp;
    if (salt)
        memcpy(salt, sbuf, (size_t)sn);
    if (saltlen)
        *saltlen = (size_t)sn;
    if (hash)
        memcpy(hash, hbuf, PASSWORD_HASH_LEN);
    if (hashlen)
        *hashlen = PASSWORD_HASH_LEN;
    return 0;
}

int password_encode(int log2n, int r, int p, const unsigned char *salt, size_t saltlen, const unsigned char *hash,
                    size_t hashlen, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return -1;
    out[0] = '\0';
    if (!salt || !hash || check_params(log2n, r, p) != 0 || saltlen < PASSWORD_MIN_SALT_LEN ||
        saltlen > PASSWORD_MAX_SALT_LEN || hashlen != PASSWORD_HASH_LEN)
        return -1;
    char head[48];
    int hn = snprintf(head, sizeof head, "$scrypt$ln=%d,r=%d,p=%d$", log2n, r, p);
    if (hn < 0 || (size_t)hn >= sizeof head)
        return -1;
    size_t need = (size_t)hn + b64_encoded_len(saltlen) + 1 + b64_encoded_len(hashlen) + 1;
    if (need > outlen)
        return -1;
    char *o = out;
    memcpy(o, head, (size_t)hn);
    o += hn;
    b64_encode(salt, saltlen, o);
    o += b64_encoded_len(saltlen);
    *o++ = '$';
    b64_encode(hash, hashlen, o);
    o += b64_encoded_len(hashlen);
    *o = '\0';
    return 0;
}

/* ---- scrypt ------------------------------------------------------------------------------------------------- */

/* Parameters must already have passed check_params(). */
static int derive(const char *password, const unsigned char *salt, size_t saltlen, int ln, int r, int p,
                  unsigned char *out, size_t outlen)
{
    uint64_t n = 1ULL << ln;
    uint32_t r32 = (uint32_t)r, p32 = (uint32_t)p;
    /* OpenSSL refuses more than 32 MiB unless told otherwise; this bound is generous (p blocks are not held
     * at once) but check_params() has already capped 128*r*N, so it is never reached by a real request. */
    uint64_t maxmem = 2ULL * 128ULL * (uint64_t)r * n * (uint64_t)p + (1ULL << 20);
    int rc = -1;

    ERR_set_mark();
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (kctx) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password, strlen(password)),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen),
            OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
            OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r32),
            OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p32),
            OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
            OSSL_PARAM_construct_end(),
        };
        if (EVP_KDF_derive(kctx, out, outlen, params) == 1)
            rc = 0;
        EVP_KDF_CTX_free(kctx);
    }
    ERR_pop_to_mark();
    if (rc != 0)
        OPENSSL_cleanse(out, outlen);
    return rc;
}

static int random_bytes(unsigned char *buf, size_t n)
{
    ERR_set_mark();
    int ok = RAND_bytes(buf, (int)n) == 1;
    ERR_pop_to_mark();
    return ok ? 0 : -1;
}

/* The stored form's tag; password_parse() reads the key form ("$scrypt$"). */
static const char VERIFIER_TAG[] = "$scrypt-sha256$";
#define KEY_TAG_LEN 8       /* "$scrypt$" */

/* encoded in key form into buf (the verifier tag swapped for "$scrypt$"). Returns 1 if encoded was a verifier,
 * 0 if it was in key form, -1 if NULL or too long. */
static int key_form(const char *encoded, char *buf, size_t cap)
{
    if (!encoded)
        return -1;
    size_t tl = sizeof VERIFIER_TAG - 1;
    int verifier = strncmp(encoded, VERIFIER_TAG, tl) == 0;
    const char *rest = verifier ? encoded + tl : encoded;
    size_t n = strlen(rest), head = verifier ? KEY_TAG_LEN : 0;
    if (head + n >= cap)
        return -1;
    memcpy(buf, "$scrypt$", head);
    memcpy(buf + head, rest, n + 1);
    return verifier;
}

static int sha256_of(const unsigned char *in, size_t n, unsigned char out[32])
{
    ERR_set_mark();
    int ok = EVP_Digest(in, n, out, NULL, EVP_sha256(), NULL) == 1;
    ERR_pop_to_mark();
    return ok ? 0 : -1;
}

/* The verifier of key: "$scrypt-sha256$ln=..,r=..,p=..$salt$" + base64(sha256(key)). */
static int encode_verifier(int ln, int r, int p, const unsigned char *salt, size_t saltlen,
                           const unsigned char key[PASSWORD_HASH_LEN], char *out, size_t outlen)
{
    unsigned char digest[PASSWORD_HASH_LEN];
    char tmp[PASSWORD_ENCODED_MAX];
    int rc = -1;
    if (sha256_of(key, PASSWORD_HASH_LEN, digest) == 0 &&
        password_encode(ln, r, p, salt, saltlen, digest, sizeof digest, tmp, sizeof tmp) == 0) {
        size_t tl = sizeof VERIFIER_TAG - 1, n = strlen(tmp + KEY_TAG_LEN);
        if (tl + n < outlen) {
            memcpy(out, VERIFIER_TAG, tl);
            memcpy(out + tl, tmp + KEY_TAG_LEN, n + 1);
            rc = 0;
        }
    }
    OPENSSL_cleanse(digest, sizeof digest);
    return rc;
}

int password_verifier_of(const char *encoded, char *out, size_t outlen)
{
    if (out && outlen > 0)
        out[0] = '\0';
    int ln, r, p;
    unsigned char salt[PASSWORD_MAX_SALT_LEN], key[PASSWORD_HASH_LEN];
    size_t saltlen;
    if (!out || password_parse(encoded, &ln, &r, &p, salt, &saltlen, key, NULL) != 0)
        return -1;
    int rc = encode_verifier(ln, r, p, salt, saltlen, key, out, outlen);
    OPENSSL_cleanse(key, sizeof key);
    if (rc != 0 && outlen > 0)
        out[0] = '\0';
    return rc;
}

int password_hash_params(const char *password, int log2n, int r, int p, char *out, size_t outlen)
{
    if (out && outlen > 0)
        out[0] = '\0';
    if (!password || !out || check_params(log2n, r, p) != 0)
        return -1;
    unsigned char salt[PASSWORD_SALT_LEN], key[PASSWORD_HASH_LEN];
    if (random_bytes(salt, sizeof salt) != 0)
        return -1;
    if (derive(password, salt, sizeof salt, log2n, r, p, key, sizeof key) != 0)
        return -1;
    int rc = encode_verifier(log2n, r, p, salt, sizeof salt, key, out, outlen);
    OPENSSL_cleanse(key, sizeof key);
    if (rc != 0)
        out[0] = '\0';
    return rc;
}

int password_hash(const char *password, char *out, size_t outlen)
{
    return password_hash_params(password, PASSWORD_DEFAULT_LN, PASSWORD_DEFAULT_R, PASSWORD_DEFAULT_P, out,
                                outlen);
}

int password_verify(const char *password, const char *encoded)
{
    int ln, r, p;
    char kf[PASSWORD_ENCODED_MAX];
    unsigned char salt[PASSWORD_MAX_SALT_LEN], want[PASSWORD_HASH_LEN], got[PASSWORD_HASH_LEN];
    size_t saltlen, hashlen;
    int verifier = key_form(encoded, kf, sizeof kf);
    if (!password || verifier < 0 || password_parse(kf, &ln, &r, &p, salt, &saltlen, want, &hashlen) != 0)
        return -1;
    if (derive(password, salt, saltlen, ln, r, p, got, sizeof got) != 0)
        return -1;
    if (verifier) {
        unsigned char dg[PASSWORD_HASH_LEN];
        int rc = sha256_of(got, sizeof got, dg);
        memcpy(got, dg, sizeof got);
        OPENSSL_cleanse(dg, sizeof dg);
        if (rc != 0) {
            OPENSSL_cleanse(got, sizeof got);
            return -1;
        }
    }
    int match = CRYPTO_memcmp(got, want, sizeof got) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return match;
}

int password_derive_setting(const char *password, const char *setting, char *out, size_t outlen)
{
    if (out && outlen > 0)
        out[0] = '\0';
    if (!password || !setting || !out)
        return -1;
    /* the setting with a placeholder key is an encoded hash: the one strict parser checks it */
    char full[PASSWORD_ENCODED_MAX];
    size_t n = strlen(setting), klen = b64_encoded_len(PASSWORD_HASH_LEN);
    if (n == 0 || setting[n - 1] != '$' || n + klen >= sizeof full)
        return -1;
    memcpy(full, setting, n);
    memset(full + n, 'A', klen);
    full[n + klen] = '\0';
    int ln, r, p;
    unsigned char salt[PASSWORD_MAX_SALT_LEN], key[PASSWORD_HASH_LEN];
    size_t saltlen;
    if (password_parse(full, &ln, &r, &p, salt, &saltlen, NULL, NULL) != 0)
        return -1;
    if (derive(password, salt, saltlen, ln, r, p, key, sizeof key) != 0)
        return -1;
    int rc = password_encode(ln, r, p, salt, saltlen, key, sizeof key, out, outlen);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int password_needs_rehash(const char *encoded)
{
    int ln, r, p;
    size_t saltlen;
    char kf[PASSWORD_ENCODED_MAX];
    if (key_form(encoded, kf, sizeof kf) < 0 || password_parse(kf, &ln, &r, &p, NULL, &saltlen, NULL, NULL) != 0)
        return -1;
    return ln < PASSWORD_DEFAULT_LN || r < PASSWORD_DEFAULT_R || p < PASSWORD_DEFAULT_P ||
           saltlen < PASSWORD_SALT_LEN;
}

int password_setting_needs_rehash(const char *setting)
{
    char full[PASSWORD_ENCODED_MAX];
    size_t klen = b64_encoded_len(PASSWORD_HASH_LEN);
    if (!setting)
        return -1;
    size_t n = strlen(setting);
    if (n == 0 || setting[n - 1] != '$' || n + klen >= sizeof full)
        return -1;
    memcpy(full, setting, n);
    memset(full + n, 'A', klen);
    full[n + klen] = '\0';
    return password_needs_rehash(full);
}

/* ---- dummy hash --------------------------------------------------------------------------------------------- */

/* Used only if computing the real dummy fails (no randomness, out of memory): default parameters, and the
 * password it was made from was random and thrown away. */
static const char DUMMY_FALLBACK[] =
    "$scrypt$ln=17,r=8,p=1$Nz2w6AnLzTluuU+ik6iZJQ$nX1Lb6XGfkGrwChF2XmIQNF2egvwmeqcLHtVREab/3s";

static char dummy_hash[PASSWORD_ENCODED_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    unsigned char raw[24];
    char pw[33];
    if (random_bytes(raw, sizeof raw) == 0) {
        b64_encode(raw, sizeof raw, pw);
        pw[32] = '\0';
        if (password_hash(pw, dummy_hash, sizeof dummy_hash) != 0)
            dummy_hash[0] = '\0';
    }
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(pw, sizeof pw);
}

const char *password_dummy_hash(void)
{
    if (pthread_once(&dummy_once, dummy_init) != 0 || dummy_hash[0] == '\0')
        return DUMMY_FALLBACK;
    return dummy_hash;
}

/* ---- strength ----------------------------------------------------------------------------------------------- */

#define PW_MIN_CHARS 12
#define PW_MAX_BYTES 256

/* Whole passwords (lowercase, after Persian/Arabic-Indic digits are folded to ASCII) seen far too often in
 * breach lists and guessing dictionaries, all at least 12 characters: shorter ones are refused anyway. */
static const char *const COMMON_PASSWORDS[] = {
    /* the usual suspects */
    "password1234", "password12345", "password123456", "password1234567", "password12345678",
    "password123!", "password1234!", "password!234", "password2020", "password2021", "password2022",
    "password2023", "password2024", "password2025", "passwordpassword", "1234password", "mypassword12",
    "mypassword123", "newpassword1", "newpassword12", "newpassword123", "passw0rd1234", "p@ssw0rd1234",
    "p@ssword1234", "pa$$word1234", "pa$$w0rd1234", "passw0rd!234", "administrator", "administrator1",
    "administrator123", "adminadmin123", "adminadmin1234", "admin1234567", "admin12345678", "admin123456789",
    "welcome12345", "welcome123456", "welcome1234567", "welcome2024!", "changeme1234", "changeme12345",
    "changeme123!", "iloveyou1234", "iloveyou12345", "iloveyou123456", "iloveyouiloveyou", "letmein12345",
    "letmein123456", "rootroot1234", "root12345678", "test12345678", "testtest1234", "guest1234567",
    "user12345678", "default12345", "secret123456", "master123456", "monkey123456", "dragon123456",
    "football1234", "baseball1234", "superman1234", "sunshine1234", "princess1234", "starwars1234",
    "whatever1234", "freedom12345", "computer1234", "internet1234", "trustno11234", "jennifer1234",
    /* digit patterns that are not a straight run */
    "123123123123", "123412341234", "123451234512", "123456123456", "123456654321", "654321123456",
    "123321123321", "112233445566", "111222333444", "121212121212", "159753159753", "147258369147",
    "147852369147", "789456123789", "987654321987", "741852963741", "135791357913", "246824682468",
    "100200300400", "102030405060", "1234567890123", "0123456789012",
    /* keyboard walks (English layout, which Persian keyboards share for Latin) */
    "qwertyuiopas", "qwertyuiop12", "qwertyuiop123", "qwertyuiop1234", "qwertyqwerty", "qwerty123456",
    "qwerty1234567", "123456qwerty", "1234qwerty12", "qwer1234qwer", "qwerasdfzxcv", "asdfqwerzxcv",
    "1234qwerasdf", "1234qwerasdfzxcv", "qazwsxedcrfv", "qazwsxedc123", "1qaz2wsx3edc", "1qaz2wsx3edc4rfv",
    "1qazxsw23edc", "zaq12wsxcde3", "zaq1zaq1zaq1", "1q2w3e4r5t6y", "1q2w3e4r5t6y7u", "q1w2e3r4t5y6",
    "qweasdzxc123", "qweasdzxc1234", "asdfghjkl123", "asdfghjkl1234", "asdfasdfasdf", "asdf1234asdf",
    "1234asdf1234", "zxcvbnm12345", "zxcvbnm123456", "abc123abc123", "abcd1234abcd", "1234abcd1234",
    "abcdefg12345", "abc123456789", "a1b2c3d4e5f6", "aaaa1111bbbb",
    /* Iranian favourites */
    "iran12345678", "iran123456789", "iraniran1234", "tehran123456", "tehran1234567", "persia123456",
    "persepolis1234", "persepolis13", "esteghlal1234", "esteghlal123", "salam1234567", "salamsalam12",
    "mohammad1234", "mohammad12345", "yaali1234567", "yahossein123", "yazahra12345", "khodaya12345",
    "135713571357", "1357913579135",
};

/* Words that do not become a password by adding digits or punctuation around them. */
static const char *const COMMON_WORDS[] = {
    "password", "passwd", "passw0rd", "p@ssw0rd", "p@ssword", "pa$$word", "mypassword", "newpassword",
    "welcome", "admin", "administrator", "root", "test", "guest", "user", "default", "changeme", "secret",
    "qwerty", "qwertyuiop", "asdf", "asdfgh", "asdfghjkl", "zxcvbnm", "qwer", "abc", "abcd", "letmein",
    "iloveyou", "monkey", "dragon", "master", "football", "sunshine", "princess", "superman", "login",
    "iran", "irani", "tehran", "persia", "persepolis", "esteghlal", "salam", "khoda", "registry",
    /* the same in Persian script */
    "ایران", "تهران", "سلام", "رمز", "رمزعبور", "گذرواژه", "عشق",
};

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t hn = strlen(hay), nn = strlen(needle);
    if (nn == 0 || nn > hn)
        return nn == 0;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t k = 0;
        while (k < nn && ascii_lower((unsigned char)hay[i + k]) == ascii_lower((unsigned char)needle[k]))
            k++;
        if (k == nn)
            return 1;
    }
    return 0;
}

/* 1 for a digit (value in *v), 2 for an ASCII letter (lowercase index in *v), 0 otherwise. */
static int seq_class(uint32_t cp, int *v)
{
    if (cp >= '0' && cp <= '9') {
        *v = (int)(cp - '0');
        return 1;
    }
    if (cp >= 0x06F0 && cp <= 0x06F9) {
        *v = (int)(cp - 0x06F0);
        return 1;
    }
    if (cp >= 0x0660 && cp <= 0x0669) {
        *v = (int)(cp - 0x0660);
        return 1;
    }
    if (cp < 128 && ascii_lower((int)cp) >= 'a' && ascii_lower((int)cp) <= 'z') {
        *v = ascii_lower((int)cp) - 'a';
        return 2;
    }
    return 0;
}

static int is_straight_run(const uint32_t *cps, size_t n)
{
    int v0, cls = seq_class(cps[0], &v0);
    if (cls == 0 || n < 2)
        return 0;
    int m = cls == 1 ? 10 : 26, step = 0;
    int prev = v0;
    for (size_t i = 1; i < n; i++) {
        int v;
        if (seq_class(cps[i], &v) != cls)
            return 0;
        int d = ((v - prev) % m + m) % m;
        if (d != 1 && d != m - 1)
            return 0;
        if (i == 1)
            step = d;
        else if (d != step)
            return 0;
        prev = v;
    }
    return 1;
}

static int is_pad_char(unsigned char c)
{
    /* ASCII digits, space and punctuation: printable ASCII that is not a letter */
    return c >= 0x20 && c < 0x7f && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z');
}

static int in_list(const char *s, size_t len, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
            return 1;
    }
    return 0;
}

int password_check_strength(const char *password, const char *username, const char **reason)
{
    const char *why = NULL;
    uint32_t cps[PW_MAX_BYTES];
    size_t ncp = 0, len = 0;

    if (!password) {
        why = "no password given";
        goto out;
    }
    len = strlen(password);
    if (len > PW_MAX_BYTES) {
        why = "password is longer than 256 bytes";
        goto out;
    }
    if (utf8_validate(password, len) != 0) {
        why = "password is not valid UTF-8";
        goto out;
    }
    for (size_t i = 0; i < len;) {
        int k = utf8_decode(password + i, len - i, &cps[ncp]);
        if (k <= 0) {
            why = "password is not valid UTF-8";
            goto out;
        }
        ncp++;
        i += (size_t)k;
    }
    if (ncp < PW_MIN_CHARS) {
        why = "password is shorter than 12 characters";
        goto out;
    }
    size_t same = 1;
    while (same < ncp && cps[same] == cps[0])
        same++;
    if (same == ncp) {
        why = "password is one character repeated";
        goto out;
    }
    if (is_straight_run(cps, ncp)) {
        why = "password is a straight run of consecutive digits or letters";
        goto out;
    }
    if (username && strlen(username) >= 3 && contains_ci(password, username)) {
        why = "password contains the username";
        goto out;
    }

    /* lowercase ASCII, Persian/Arabic-Indic digits to ASCII, then compare with the lists */
    char norm[PW_MAX_BYTES + 1];
    for (size_t i = 0; i <= len; i++)
        norm[i] = (char)ascii_lower((unsigned char)password[i]);
    size_t nlen = digits_fold(norm, norm, sizeof norm);
    if (in_list(norm, nlen, COMMON_PASSWORDS, sizeof COMMON_PASSWORDS / sizeof *COMMON_PASSWORDS)) {
        why = "password is too common";
        goto out;
    }
    size_t b = 0, e = nlen;
    while (b < e && is_pad_char((unsigned char)norm[b]))
        b++;
    while (e > b && is_pad_char((unsigned char)norm[e - 1]))
        e--;
    if (in_list(norm + b, e - b, COMMON_WORDS, sizeof COMMON_WORDS / sizeof *COMMON_WORDS)) {
        why = "password is a common word with digits or symbols added";
        goto out;
    }

out:
    if (reason)
        *reason = why;
    return why ? -1 : 0;
}
