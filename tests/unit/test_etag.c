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

static void test_derived_values_change_the_tag_but_not_the_version_if_match_gives(void **state)
{
    (void)state;
    char v1[ETAG_VERSION_BUFSZ], v2[ETAG_VERSION_BUFSZ], v3[ETAG_VERSION_BUFSZ], plain[ETAG_VERSION_BUFSZ];
    const char *a[] = {"100", "3"}, *b[] = {"200", "3"}, *c[] = {NULL, "3"}, *d[] = {"", "3"};
    etag_version_with(v1, "4", a, 2);
    etag_version_with(v2, "4", b, 2);
    etag_version_with(plain, "4", NULL, 0);
    assert_string_equal(plain, "4");
    assert_int_equal(strlen(v1), 1 + 1 + ETAG_DERIVED_HEX);
    assert_memory_equal(v1, "4.", 2);
    assert_string_not_equal(v1, v2);
    /* null and "" are different values */
    etag_version_with(v2, "4", c, 2);
    etag_version_with(v3, "4", d, 2);
    assert_string_not_equal(v2, v3);
    /* ("1", "23") and ("12", "3") differ */
    const char *e[] = {"1", "23"}, *f[] = {"12", "3"};
    etag_version_with(v2, "4", e, 2);
    etag_version_with(v3, "4", f, 2);
    assert_string_not_equal(v2, v3);

    char tag[ETAG_BUFSZ], other[ETAG_BUFSZ], v[24];
    etag_make(tag, "campaign", "9", v1, NULL);
    etag_version_with(v2, "4", b, 2);
    etag_make(other, "campaign", "9", v2, NULL);
    assert_string_not_equal(tag, other);
    /* If-Match gives the record's own version from either tag, and from the tag without derived values */
    assert_string_equal(etag_if_match(tag, "campaign", "9", NULL, v, sizeof v), "4");
    assert_string_equal(etag_if_match(other, "campaign", "9", NULL, v, sizeof v), "4");
    etag_make(other, "campaign", "9", "4", NULL);
    assert_string_equal(etag_if_match(other, "campaign", "9", NULL, v, sizeof v), "4");
    /* but never from another record's, nor from a forged derived part */
    assert_string_equal(etag_if_match(tag, "campaign", "10", NULL, v, sizeof v), ETAG_NO_VERSION);
    char forged[ETAG_BUFSZ];
    snprintf(forged, sizeof forged, "%s", tag);
    forged[3] = forged[3] == 'a' ? 'b' : 'a';
    assert_string_equal(etag_if_match(forged, "campaign", "9", NULL, v, sizeof v), ETAG_NO_VERSION);
    /* a derived part that is not 8 lower-case hex digits is not ours */
    char bad[ETAG_VERSION_BUFSZ];
    snprintf(bad, sizeof bad, "4.%s", "ABCDEF12");
    etag_make(forged, "campaign", "9", bad, NULL);
    assert_string_equal(etag_if_match(forged, "campaign", "9", NULL, v, sizeof v), ETAG_NO_VERSION);
    etag_make(forged, "campaign", "9", "4.abc", NULL);
    assert_string_equal(etag_if_match(forged, "campaign", "9", NULL, v, sizeof v), ETAG_NO_VERSION);
}

static void test_if_none_match_compares_weakly(void **state)
{
    (void)state;
    const char *tag = "\"3-0123456789abcdef\"";
    char hdr[160];
    assert_true(etag_none_match(tag, tag));
    /* W/ on the request's tag or on ours: weak comparison ignores it */
    snprintf(hdr, sizeof hdr, "W/%s", tag);
    assert_true(etag_none_match(hdr, tag));
    assert_true(etag_none_match(tag, hdr));
    /* in a list, with optional whitespace */
    snprintf(hdr, sizeof hdr, "\"x\" ,\t%s", tag);
    assert_true(etag_none_match(hdr, tag));
    snprintf(hdr, sizeof hdr, "\"x\", W/\"y\",%s  ", tag);
    assert_true(etag_none_match(hdr, tag));
    /* "*" alone matches any current representation; "*" in a list is not a tag */
    assert_true(etag_none_match("*", tag));
    assert_true(etag_none_match("  *\t", tag));
    assert_false(etag_none_match("*, \"a\"", tag));
    /* no tag: nothing to match, not even "*" */
    assert_false(etag_none_match("*", ""));
    assert_false(etag_none_match("*", NULL));
    assert_false(etag_none_match(NULL, tag));
    /* another tag, a prefix, the tag without quotes, an unclosed one, garbage before it */
    assert_false(etag_none_match("\"3-0123456789abcdee\"", tag));
    assert_false(etag_none_match("\"3-0123456789abcde\"", tag));
    assert_false(etag_none_match("3-0123456789abcdef", tag));
    assert_false(etag_none_match("\"3-0123456789abcdef", tag));
    snprintf(hdr, sizeof hdr, "junk, %s", tag);
    assert_false(etag_none_match(hdr, tag));
    snprintf(hdr, sizeof hdr, "\"a\"junk, %s", tag);
    assert_false(etag_none_match(hdr, tag));
    assert_false(etag_none_match("", tag));
    assert_false(etag_none_match(" , ", tag));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags_differ_between_records_resources_and_variants),
        cmocka_unit_test(test_if_match_takes_only_this_records_tag),
        cmocka_unit_test(test_derived_values_change_the_tag_but_not_the_version_if_match_gives),
        cmocka_unit_test(test_if_none_match_compares_weakly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
