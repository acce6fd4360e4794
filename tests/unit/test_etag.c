/* Unit tests for server/http/etag.c: ETags name one record (entity, id, version, variant), and If-Match finds the
 * version only in a tag of that very record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/http/etag.h"

static void test_tags_differ_between_records_resources_and_variants(void **state)
{
    (void)state;
    char a[ETAG_BUFSZ], b[ETAG_BUFSZ], c[ETAG_BUFSZ], d[ETAG_BUFSZ], e[ETAG_BUFSZ], again[ETAG_BUFSZ];
    etag_make(a, "client", "1", "1", NULL);
    etag_make(b, "client", "2", "1", NULL);
    etag_make(c, "staff", "1", "1", NULL);
    etag_make(d, "client", "1", "2", NULL);
    etag_make(e, "client", "1", "1", "ngo");
    etag_make(again, "client", "1", "1", NULL);
    assert_string_equal(a, again);
    assert_string_not_equal(a, b);
    assert_string_not_equal(a, c);
    assert_string_not_equal(a, d);
    assert_string_not_equal(a, e);
    /* "<version>-<16 hex>" in quotes */
    assert_int_equal(strlen(a), 2 + 1 + 1 + 16);
    assert_int_equal(a[0], '"');
    assert_memory_equal(a + 1, "1-", 2);
    assert_int_equal(strspn(a + 3, "0123456789abcdef"), 16);
    /* the separator keeps ("client", "12") and ("client1", "2") apart */
    etag_make(b, "client1", "2", "1", NULL);
    etag_make(c, "client", "12", "1", NULL);
    assert_string_not_equal(b, c);
}

static void test_if_match_takes_only_this_records_tag(void **state)
{
    (void)state;
    char tag[ETAG_BUFSZ], other[ETAG_BUFSZ], v[24], hdr[160];
    etag_make(tag, "client", "7", "3", NULL);
    etag_make(other, "client", "8", "3", NULL);
    assert_string_equal(etag_if_match(tag, "client", "7", NULL, v, sizeof v), "3");
    /* another record's tag at the same version, another resource's, another variant's: no version */
    assert_string_equal(etag_if_match(other, "client", "7", NULL, v, sizeof v), ETAG_NO_VERSION);
    assert_string_equal(etag_if_match(tag, "staff", "7", NULL, v, sizeof v), ETAG_NO_VERSION);
    assert_string_equal(etag_if_match(tag, "client", "7", "ngo", v, sizeof v), ETAG_NO_VERSION);
    /* the old "v<version>" tags and garbage match nothing */
    assert_string_equal(etag_if_match("\"v3\"", "client", "7", NULL, v, sizeof v), ETAG_NO_VERSION);
    assert_string_equal(etag_if_match("garbage", "client", "7", NULL, v, sizeof v), ETAG_NO_VERSION);
    assert_string_equal(etag_if_match("", "client", "7", NULL, v, sizeof v), ETAG_NO_VERSION);
    assert_string_equal(etag_if_match("\"", "client", "7", NULL, v, sizeof v), ETAG_NO_VERSION);
    /* "*" is any version */
    assert_string_equal(etag_if_match("*", "client", "7", NULL, v, sizeof v), "");
    assert_string_equal(etag_if_match("  * ", "client", "7", NULL, v, sizeof v), "");
    assert_string_equal(etag_if_match("*, \"x\"", "client", "7", NULL, v, sizeof v), ETAG_NO_VERSION);
    /* a list: the member that is this record's counts */
    snprintf(hdr, sizeof hdr, "%s, %s", other, tag);
    assert_string_equal(etag_if_match(hdr, "client", "7", NULL, v, sizeof v), "3");
    snprintf(hdr, sizeof hdr, "\"a\",%s", tag);
    assert_string_equal(etag_if_match(hdr, "client", "7", NULL, v, sizeof v), "3");
    /* weak tags never match (strong comparison) */
    snprintf(hdr, sizeof hdr, "W/%s", tag);
    assert_string_equal(etag_if_match(hdr, "client", "7", NULL, v, sizeof v), ETAG_NO_VERSION);
    /* one character changed */
    snprintf(hdr, sizeof hdr, "%s", tag);
    hdr[5] = hdr[5] == 'a' ? 'b' : 'a';
    assert_string_equal(etag_if_match(hdr, "client", "7", NULL, v, sizeof v), ETAG_NO_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags_differ_between_records_resources_and_variants),
        cmocka_unit_test(test_if_match_takes_only_this_records_tag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
