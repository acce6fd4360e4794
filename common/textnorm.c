#include "common/textnorm.h"

#include <stdint.h>
#include <string.h>

#include "common/utf8.h"

typedef enum { ACT_EMIT, ACT_DROP, ACT_SPACE, ACT_ERROR, ACT_JOINER } action;

/* What one code point becomes; *cp is rewritten for ACT_EMIT. */
typedef action (*classify_fn)(uint32_t *cp);

static int is_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

/* Bidi marks and embedding/isolate controls: pasted from PDFs and web forms, invisible, never part of a name. */
static int is_bidi(uint32_t c)
{
    return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

/* Other invisible characters that make equal-looking strings differ, or make a name look like another: format
 * characters (soft hyphen, combining grapheme joiner, Mongolian vowel separator and variation selectors, zero
 * width space, word joiner and the invisible math operators, deprecated format controls, BOM, interlinear
 * annotation, shorthand and musical format controls), the Hangul and Khmer fillers that render as nothing,
 * variation selectors (emoji style U+FE0F too) and tag characters. */
static int is_invisible(uint32_t c)
{
    return c == 0x00AD || c == 0x034F || c == 0x115F || c == 0x1160 || c == 0x17B4 || c == 0x17B5 ||
           (c >= 0x180B && c <= 0x180F) || c == 0x200B || (c >= 0x2060 && c <= 0x2065) ||
           (c >= 0x206A && c <= 0x206F) || c == 0x3164 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF ||
           c == 0xFFA0 || (c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0x1BCA0 && c <= 0x1BCA3) ||
           (c >= 0x1D173 && c <= 0x1D17A) || (c >= 0xE0000 && c <= 0xE007F) || (c >= 0xE0100 && c <= 0xE01EF);
}

/* Letters that join (Arabic script): a ZWJ after one of them and before a mark that is not a letter is how
 * Persian writes an abbreviation's joined form (ه‍.ش); anywhere else a ZWJ shows nothing. */
static int is_joining_letter(uint32_t c)
{
    return (c >= 0x0620 && c <= 0x064A) || (c >= 0x066E && c <= 0x06D5) || (c >= 0x06FA && c <= 0x06FF) ||
           (c >= 0x0750 && c <= 0x077F) || (c >= 0x08A0 && c <= 0x08FF);
}

/* Every mapping below keeps the UTF-8 length (all letters are in the 2-byte range U+0080..U+07FF) or shrinks
 * it (digits); the driver re-checks this so the "never longer than input" promise cannot silently break. */
static action classify_key(uint32_t *cp)
{
    uint32_t c = *cp;
    if (is_space(c))
        return ACT_SPACE;
    if (c >= 'A' && c <= 'Z') {
        *cp = c + ('a' - 'A');
        return ACT_EMIT;
    }
    if (c < 0x80)
        return ACT_EMIT;
    if (c >= 0x06F0 && c <= 0x06F9) {
        *cp = '0' + (c - 0x06F0);
        return ACT_EMIT;
    }
    if (c >= 0x0660 && c <= 0x0669) {
        *cp = '0' + (c - 0x0660);
        return ACT_EMIT;
    }
    /* Harakat include hamza above/below and madda (U+0653..U+0655), so decomposed spellings such as
     * Alef + U+0654 land on the same key as the precomposed U+0623 -> Alef. */
    if (c == 0x200C || c == 0x200D || c == 0x0640 || (c >= 0x064B && c <= 0x065F) || c == 0x0670 ||
        is_bidi(c) || is_invisible(c))
        return ACT_DROP;
    switch (c) {
    case 0x064A: case 0x0649: case 0x0626:
        *cp = 0x06CC;
        break;
    case 0x0643:
        *cp = 0x06A9;
        break;
    case 0x0629: case 0x06C0:
        *cp = 0x0647;
        break;
    case 0x0622: case 0x0623: case 0x0625: case 0x0671:
        *cp = 0x0627;
        break;
    case 0x0624:
        *cp = 0x0648;
        break;
    default:
        break;
    }
    return ACT_EMIT;
}

static action classify_clean(uint32_t *cp)
{
    uint32_t c = *cp;
    if (is_space(c))
        return ACT_SPACE;   /* before the control check: tab and newline are whitespace, not garbage */
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F))
        return ACT_ERROR;
    if (is_bidi(c) || is_invisible(c))
        return ACT_DROP;
    if (c == 0x200C || c == 0x200D)
        return ACT_JOINER;
    if (c == 0x064A || c == 0x0649)   /* Alef Maksura is not a separate letter in Persian spelling */
        *cp = 0x06CC;
    else if (c == 0x0643)
        *cp = 0x06A9;
    return ACT_EMIT;
}

/* One pass: decode, classify, write. A whitespace run only sets a pending flag, flushed as one space before
 * the next emitted character, which both collapses runs and trims both ends. A joiner (ZWNJ, ZWJ) is pending
 * the same way: kept, once, only between two visible characters (ZWJ only after a joining letter), dropped at
 * either end of a word and in runs (a run holding a ZWNJ keeps the ZWNJ). In place this is safe because the write position never passes the read
 * position (invariant: w + pending bytes <= r). */
static size_t transform(const char *in, char *out, size_t outsz, classify_fn classify)
{
    if (outsz == 0)
        return (size_t)-1;
    size_t len = strlen(in);
    size_t r = 0, w = 0;
    int pending = 0;
    uint32_t joiner = 0, last = 0;
    while (r < len) {
        uint32_t cp;
        int n;
        unsigned char b = (unsigned char)in[r];
        if (b < 0x80) {
            cp = b;
            n = 1;
        } else if ((n = utf8_decode(in + r, len - r, &cp)) < 0) {
            goto fail;
        }
        r += (size_t)n;
        switch (classify(&cp)) {
        case ACT_ERROR:
            goto fail;
        case ACT_DROP:
            break;
        case ACT_SPACE:
            if (w > 0)
                pending = 1;
            joiner = 0;
            break;
        case ACT_JOINER:
            /* a ZWNJ anywhere in a run of joiners wins: it says "do not join", which a ZWJ must not undo */
            if (w > 0 && !pending && (cp == 0x200C || (!joiner && is_joining_letter(last))))
                joiner = cp;
            break;
        case ACT_EMIT: {
            if (joiner == 0x200D && is_joining_letter(cp))
                joiner = 0;     /* between two letters the join happens anyway: a ZWJ there shows nothing */
            char buf[4];
            size_t k = utf8_encode(cp, buf), jk = joiner ? 3 : 0;
            if (k == 0 || k > (size_t)n || w + (size_t)pending + jk + k >= outsz)
                goto fail;
            if (pending)
                out[w++] = ' ';
            else if (joiner)
                w += utf8_encode(joiner, out + w);
            pending = 0;
            joiner = 0;
            memcpy(out + w, buf, k);
            w += k;
            last = cp;
            break;
        }
        }
    }
    out[w] = '\0';
    return w;
fail:
    out[0] = '\0';
    return (size_t)-1;
}

size_t textnorm_search_key(const char *in, char *out, size_t outsz)
{
    return transform(in, out, outsz, classify_key);
}

size_t textnorm_clean_input(const char *in, char *out, size_t outsz)
{
    return transform(in, out, outsz, classify_clean);
}
