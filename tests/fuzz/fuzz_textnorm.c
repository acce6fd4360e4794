/*
 * fuzz_textnorm.c - properties of common/textnorm.c, common/utf8.c and digits_fold():
 *   utf8_validate agrees with an independent validator written from Unicode Table 3-7;
 *   the search key exists iff the input is valid UTF-8, is valid UTF-8 itself, is no longer than the input,
 *   is idempotent, has no leading/trailing/double spaces and none of the characters it folds away, and is the
 *   same computed in place; a one-byte-too-small buffer fails cleanly;
 *   clean_input output is valid, no longer, idempotent, trimmed, control-free, and has the same search key;
 *   digits_fold is no longer, idempotent and leaves no Persian/Arabic-Indic digit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/digits.h"
#include "common/textnorm.h"
#include "common/utf8.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Well-formed byte sequences, Unicode Standard Table 3-7, written as ranges; plus no NUL. */
static int ref_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        if (b == 0)
            return 0;
        if (b <= 0x7F) {
            i++;
            continue;
        }
        uint8_t lo = 0x80, hi = 0xBF;
        size_t len;
        if (b >= 0xC2 && b <= 0xDF)
            len = 2;
        else if (b == 0xE0)
            len = 3, lo = 0xA0;
        else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF)
            len = 3;
        else if (b == 0xED)
            len = 3, hi = 0x9F;
        else if (b == 0xF0)
            len = 4, lo = 0x90;
        else if (b >= 0xF1 && b <= 0xF3)
            len = 4;
        else if (b == 0xF4)
            len = 4, hi = 0x8F;
        else
            return 0;
        if (n - i < len)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t k = 2; k < len; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return 0;
        i += len;
    }
    return 1;
}

/* What renders as nothing, listed here from the Unicode character database (General_Category and
 * Default_Ignorable_Code_Point), not from textnorm.c's own tables, so a code point the library forgets is caught:
 *   Cf (format): U+00AD soft hyphen, U+061C Arabic letter mark, U+180E Mongolian vowel separator, U+200B zero
 *     width space, U+200E/U+200F LRM/RLM, U+202A..U+202E embeddings and overrides, U+2060 word joiner,
 *     U+2061..U+2064 invisible math operators (U+2065 unassigned, default ignorable), U+2066..U+2069 isolates,
 *     U+206A..U+206F deprecated format controls, U+FEFF BOM, U+FFF9..U+FFFB interlinear annotation,
 *     U+1BCA0..U+1BCA3 shorthand format controls, U+1D173..U+1D17A musical format controls, U+E0001 and
 *     U+E0020..U+E007F tags (the rest of U+E0000..U+E007F unassigned, default ignorable). Not here: ZWNJ/ZWJ
 *     (kept by cleaning under rules of their own) and the Cf signs that are drawn (U+0600..U+0605, U+06DD,
 *     U+070F, U+08E2, U+110BD, U+110CD).
 *   Mn that render as nothing: U+034F combining grapheme joiner, U+17B4/U+17B5 Khmer inherent vowels,
 *     U+180B..U+180D and U+180F Mongolian free variation selectors, U+FE00..U+FE0F and U+E0100..U+E01EF
 *     variation selectors (U+FE0F emoji style too).
 *   Lo fillers: U+115F/U+1160 Hangul choseong/jungseong fillers, U+3164 Hangul filler, U+FFA0 halfwidth filler. */
static int shows_nothing(uint32_t c)
{
    static const uint32_t ranges[][2] = {
        {0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x061C, 0x061C},   {0x115F, 0x1160},   {0x17B4, 0x17B5},
        {0x180B, 0x180F},   {0x200B, 0x200B},   {0x200E, 0x200F},   {0x202A, 0x202E},   {0x2060, 0x206F},
        {0x3164, 0x3164},   {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF9, 0xFFFB},
        {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE007F}, {0xE0100, 0xE01EF},
    };
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (c >= ranges[i][0] && c <= ranges[i][1])
            return 1;
    return 0;
}

/* Code points that must never appear in a search key. */
static int banned_in_key(uint32_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0x06F0 && c <= 0x06F9) || (c >= 0x0660 && c <= 0x0669))
        return 1;
    if (c == 0x064A || c == 0x0649 || c == 0x0626 || c == 0x0643 || c == 0x0629 || c == 0x06C0 ||
        c == 0x0622 || c == 0x0623 || c == 0x0625 || c == 0x0671 || c == 0x0624)
        return 1;
    if (c == 0x200C || c == 0x200D || c == 0x0640 || (c >= 0x064B && c <= 0x065F) || c == 0x0670 ||
        shows_nothing(c))
        return 1;
    /* whitespace other than the single ASCII space */
    if ((c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
        c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000)
        return 1;
    return 0;
}

static int banned_in_clean(uint32_t c)
{
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F))
        return 1;
    if (c == 0x064A || c == 0x0649 || c == 0x0643 || shows_nothing(c))
        return 1;
    if (c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
        c == 0x202F || c == 0x205F || c == 0x3000)
        return 1;
    return 0;
}

/* Decodes all of s (known valid) and checks spacing and banned code points. */
static void check_shape(const char *s, int (*banned)(uint32_t))
{
    size_t n = strlen(s);
    if (n > 0)
        CHECK(s[0] != ' ' && s[n - 1] != ' ');
    CHECK(strstr(s, "  ") == NULL);
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        CHECK(k > 0);
        CHECK(!banned(cp));
        i += (size_t)k;
    }
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        abort();
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    CHECK((utf8_validate((const char *)data, size) == 0) == ref_valid(data, size));

    /* the C-string functions see the bytes up to the first NUL */
    char *in = dup_n((const char *)data, size);
    size_t len = strlen(in);
    int valid = ref_valid((const uint8_t *)in, len);
    CHECK((utf8_validate(in, len) == 0) == valid);

    /* search key, in a buffer of exactly the promised size */
    char *key = malloc(len + 1);
    if (!key)
        abort();
    size_t klen = textnorm_search_key(in, key, len + 1);
    if (!valid) {
        CHECK(klen == (size_t)-1 && key[0] == '\0');
    } else {
        CHECK(klen != (size_t)-1);
        CHECK(klen == strlen(key) && klen <= len);
        CHECK(utf8_validate(key, klen) == 0);
        check_shape(key, banned_in_key);

        char *key2 = malloc(klen + 1);
        if (!key2)
            abort();
        CHECK(textnorm_search_key(key, key2, klen + 1) == klen);
        CHECK(memcmp(key, key2, klen + 1) == 0);
        if (klen > 0) {   /* one byte short must fail cleanly, not truncate */
            CHECK(textnorm_search_key(in, key2, klen) == (size_t)-1);
            CHECK(key2[0] == '\0');
        }
        free(key2);

        char *inplace = dup_n(in, len);
        CHECK(textnorm_search_key(inplace, inplace, len + 1) == klen);
        CHECK(strcmp(inplace, key) == 0);
        free(inplace);
    }

    /* clean_input */
    char *clean = malloc(len + 1);
    if (!clean)
        abort();
    size_t clen = textnorm_clean_input(in, clean, len + 1);
    if (!valid)
        CHECK(clen == (size_t)-1);
    if (clen == (size_t)-1) {
        CHECK(clean[0] == '\0');
    } else {
        CHECK(clen == strlen(clean) && clen <= len);
        CHECK(utf8_validate(clean, clen) == 0);
        check_shape(clean, banned_in_clean);
        char *clean2 = malloc(clen + 1);
        if (!clean2)
            abort();
        CHECK(textnorm_clean_input(clean, clean2, clen + 1) == clen);
        CHECK(strcmp(clean, clean2) == 0);
        /* what clean keeps, the search key folds the same way */
        char *ckey = malloc(clen + 1);
        if (!ckey)
            abort();
        CHECK(textnorm_search_key(clean, ckey, clen + 1) == klen);
        CHECK(strcmp(ckey, key) == 0);
        free(ckey);
        free(clean2);
    }

    /* digits_fold works on any bytes */
    char *fold = malloc(len + 1);
    if (!fold)
        abort();
    size_t flen = digits_fold(in, fold, len + 1);
    CHECK(flen == strlen(fold) && flen <= len);
    for (size_t i = 0; i + 1 < flen; i++) {
        uint8_t a = (uint8_t)fold[i], b = (uint8_t)fold[i + 1];
        CHECK(!(a == 0xD9 && b >= 0xA0 && b <= 0xA9) && !(a == 0xDB && b >= 0xB0 && b <= 0xB9));
    }
    if (valid)
        CHECK(utf8_validate(fold, flen) == 0);
    char *fold2 = dup_n(fold, flen);
    CHECK(digits_fold(fold2, fold2, flen + 1) == flen && strcmp(fold, fold2) == 0);
    free(fold2);
    free(fold);

    free(clean);
    free(key);
    free(in);
    return 0;
}
