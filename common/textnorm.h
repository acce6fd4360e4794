/*
 * textnorm.h - Persian/Arabic text normalization. The same name is typed in many ways (Arabic vs Persian
 * keyboard letters, with or without ZWNJ, diacritics, tatweel, Persian digits, stray bidi marks copied from
 * documents); these functions make such variants compare equal. Pure functions, no allocation, thread-safe.
 *
 * Both functions write a NUL-terminated result that is never longer than the input, so
 * outsz = strlen(in) + 1 always suffices. in == out (in-place) is allowed; other overlaps are not.
 */
#ifndef REGISTRY_TEXTNORM_H
#define REGISTRY_TEXTNORM_H

#include <stddef.h>

/* The search key of a UTF-8 string, for indexing and comparison only (it is lossy, never show or store it
 * as the name). Maps:
 *   Arabic Yeh U+064A, Alef Maksura U+0649, Yeh with hamza U+0626       -> Persian Yeh U+06CC
 *   Arabic Kaf U+0643                                                   -> Keheh U+06A9
 *   Teh Marbuta U+0629, Heh with Yeh above U+06C0                       -> Heh U+0647
 *   Alef with madda/hamza U+0622 U+0623 U+0625, Alef Wasla U+0671       -> Alef U+0627
 *   Waw with hamza U+0624                                               -> Waw U+0648
 *   Persian and Arabic-Indic digits -> ASCII digits; ASCII A-Z -> a-z
 * Removes ZWNJ U+200C, ZWJ U+200D, tatweel U+0640, harakat U+064B..U+065F, superscript alef U+0670, soft
 * hyphen U+00AD, bidi marks and controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and the
 * invisible characters textnorm_clean_input removes (below).
 * Collapses every run of whitespace (ASCII whitespace, U+0085, NBSP U+00A0, U+1680, U+2000..U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000) to one ASCII space and trims both ends; removed characters do not
 * split a run. The key is idempotent: key(key(x)) == key(x).
 * Returns the key length, or (size_t)-1 (out set to "" if outsz > 0) if in is not valid UTF-8 or the key
 * does not fit in outsz. */
size_t textnorm_search_key(const char *in, char *out, size_t outsz);

/* Cleans a name or other free text before it is stored: trims, collapses whitespace runs (same set as
 * above) to one ASCII space, removes bidi marks/controls and invisible characters (U+00AD, U+034F, the Hangul
 * fillers U+115F U+1160 U+3164 U+FFA0, U+17B4 U+17B5, U+180B..U+180F, U+200B, U+2060..U+2065,
 * U+206A..U+206F, variation selectors U+FE00..U+FE0F and U+E0100..U+E01EF, U+FEFF, U+FFF9..U+FFFB,
 * U+1BCA0..U+1BCA3, U+1D173..U+1D17A, tags U+E0000..U+E007F), and converts Arabic Yeh U+064A / Alef Maksura
 * U+0649 to Persian Yeh U+06CC and Arabic Kaf U+0643 to Keheh U+06A9 (the official Persian forms). Keeps ZWNJ,
 * which is part of Persian spelling, once and only between two visible characters (a run of joiners holding a
 * ZWNJ becomes that ZWNJ), and ZWJ only after an
 * Arabic-script letter and before a visible character that is not one (an abbreviation's joined form, ه‍.ش);
 * everything else is kept. Returns the cleaned length, or (size_t)-1 (out set to "" if outsz > 0) on invalid UTF-8, on a
 * control character (C0 other than ASCII whitespace, DEL, C1 other than U+0085), or if it does not fit.
 * Idempotent, and textnorm_search_key(clean(x)) == textnorm_search_key(x) whenever clean succeeds. */
size_t textnorm_clean_input(const char *in, char *out, size_t outsz);

#endif
