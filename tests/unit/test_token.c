/* Unit tests for common/token.c: session token generation, SHA-256 hex, and Authorization: Bearer parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/token.h"

static const char URLSAFE[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 43 characters: 42 covering 31.5 bytes and a last one whose two spare bits are zero */
static const char GOOD[] = "dGhpcyBpcyBhIHRlc3QgdG9rZW4gb2YgMzIgYnl0ZXM";

static void test_generate(void **state)
{
    (void)state;
    char a[TOKEN_BUFSZ], b[TOKEN_BUFSZ];
    assert_int_equal(token_generate(a), 0);
    assert_int_equal(token_generate(b), 0);
    assert_int_equal(strlen(a), 43);
    assert_int_equal(strlen(b), 43);
    assert_int_equal(strspn(a, URLSAFE), 43);
    assert_int_equal(strspn(b, URLSAFE), 43);
    assert_string_not_equal(a, b);
    assert_int_equal(token_generate(NULL), -1);

    /* the last character carries 4 data bits and 2 zero bits; over many tokens every character class shows up */
    int seen_dash_or_underscore = 0;
    for (int i = 0; i < 200; i++) {
        char t[TOKEN_BUFSZ];
        assert_int_equal(token_generate(t), 0);
        assert_int_equal(strspn(t, URLSAFE), 43);
        assert_non_null(strchr("AEIMQUYcgkosw048", t[42]));
        seen_dash_or_underscore |= strpbrk(t, "-_") != NULL;
        /* a generated token always parses back */
        char hdr[64], got[TOKEN_BUFSZ];
        snprintf(hdr, sizeof hdr, "Bearer %s", t);
        assert_int_equal(bearer_parse(hdr, got), 0);
        assert_string_equal(got, t);
    }
    assert_true(seen_dash_or_underscore);
}

static void test_sha256(void **state)
{
    (void)state;
    char out[SHA256_HEX_BUFSZ];
    sha256_hex("abc", 3, out);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex("", 0, out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex(NULL, 0, out);
    assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(two, strlen(two), out);
    assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* binary data with a NUL inside is hashed whole */
    sha256_hex("a\0b", 3, out);
    char out2[SHA256_HEX_BUFSZ];
    sha256_hex("a", 1, out2);
    assert_string_not_equal(out, out2);

    assert_int_equal(token_hash_hex("abc", out), 0);
    assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(token_hash_hex(GOOD, out), 0);
    assert_int_equal(strlen(out), 64);
    assert_int_equal(strspn(out, "0123456789abcdef"), 64);
    assert_int_equal(token_hash_hex(NULL, out), -1);
    assert_string_equal(out, "");
    assert_int_equal(token_hash_hex("abc", NULL), -1);
}

static void accept(const char *hdr)
{
    char tok[TOKEN_BUFSZ];
    if (bearer_parse(hdr, tok) != 0)
        fail_msg("refused: \"%s\"", hdr);
    assert_string_equal(tok, GOOD);
}

static void refuse(const char *hdr)
{
    char tok[TOKEN_BUFSZ];
    memset(tok, 'X', sizeof tok);
    if (bearer_parse(hdr, tok) != -1)
        fail_msg("accepted: \"%s\"", hdr ? hdr : "(null)");
    assert_string_equal(tok, "");
}

static void test_bearer_accept(void **state)
{
    (void)state;
    char h[128];
#define A(...) do { snprintf(h, sizeof h, __VA_ARGS__); accept(h); } while (0)
    A("Bearer %s", GOOD);
    A("bearer %s", GOOD);
    A("BEARER %s", GOOD);
    A("bEaReR %s", GOOD);
    A("Bearer   %s", GOOD);          /* several spaces */
    A("Bearer %s ", GOOD);           /* trailing spaces and tabs (OWS) */
    A("Bearer %s \t  ", GOOD);
    A(" \tBearer %s", GOOD);         /* leading OWS */
#undef A
    /* a token with every kind of character, '-' and '_' included */
    char tok[TOKEN_BUFSZ];
    assert_int_equal(bearer_parse("Bearer aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_Q", tok), 0);
    assert_string_equal(tok, "aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_Q");
    assert_int_equal(bearer_parse("Bearer aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_aZ09-_Q", NULL), -1);
}

static void test_bearer_refuse(void **state)
{
    (void)state;
    char h[256];
#define R(...) do { snprintf(h, sizeof h, __VA_ARGS__); refuse(h); } while (0)
    refuse(NULL);
    refuse("");
    refuse(" ");
    refuse("Bearer");
    refuse("Bearer ");
    refuse("Bearer    ");
    R("%s", GOOD);                   /* no scheme */
    R(" %s", GOOD);
    R("Basic %s", GOOD);
    R("Bearer%s", GOOD);             /* no space */
    R("Bearer\t%s", GOOD);           /* the separator is SP, not a tab */
    R("Bearer:%s", GOOD);
    R("Bearer=%s", GOOD);
    R("Bearerx %s", GOOD);
    R("Bear %s", GOOD);
    R("Token %s", GOOD);
    R("Bearer %.42s", GOOD);         /* 42 */
    R("Bearer %sA", GOOD);           /* 44 */
    R("Bearer %s%s", GOOD, GOOD);
    R("Bearer %.42s+", GOOD);        /* standard base64 characters */
    R("Bearer %.42s/", GOOD);
    R("Bearer %.42s=", GOOD);
    R("Bearer %s=", GOOD);           /* padding */
    R("Bearer %.20s.%.22s", GOOD, GOOD + 21);
    R("Bearer %.20s %.22s", GOOD, GOOD + 21);
    R("Bearer %.20s~%.22s", GOOD, GOOD + 21);
    R("Bearer %.20s\xd8\xa7%.21s", GOOD, GOOD + 22);   /* non-ASCII */
    R("Bearer %s x", GOOD);          /* trailing garbage */
    R("Bearer %s,", GOOD);
    R("Bearer %s\r\n", GOOD);
    R("Bearer %s\n", GOOD);
    R("Bearer %s, Bearer %s", GOOD, GOOD);
    R("Bearer Bearer %s", GOOD);
    R("Bearer \"%s\"", GOOD);
    R("\"Bearer %s\"", GOOD);
#undef R
    /* a string cut short anywhere inside a good header (the NUL ends it early) */
    char full[64];
    snprintf(full, sizeof full, "Bearer %s", GOOD);
    for (size_t n = 0; n < strlen(full); n++) {
        char cut[64];
        memcpy(cut, full, n);
        cut[n] = '\0';
        refuse(cut);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate),      cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_bearer_accept), cmocka_unit_test(test_bearer_refuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
