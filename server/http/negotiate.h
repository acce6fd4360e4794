/*
 * negotiate.h - choosing among what a request accepts: the media type of a reply (Accept), the content coding of a
 * precompressed file (Accept-Encoding) and the language of messages (Accept-Language). Pure functions of the
 * header text.
 */
#ifndef REGISTRY_NEGOTIATE_H
#define REGISTRY_NEGOTIATE_H

#include <stdbool.h>

/* The content codings registryd precompresses with, best first. */
typedef enum { CODING_IDENTITY = 0, CODING_GZIP = 1, CODING_BR = 2 } content_coding;
/* The coding to send by an Accept-Encoding header (NULL: none), among those available (a bit per coding, 1 << c):
 * brotli before gzip, a coding with q=0 never, "*" standing for codings not named; identity when nothing fits. */
content_coding content_coding_pick(const char *accept_encoding, unsigned available);
/* The media type to answer with by an Accept header (RFC 9110 12.5.1), among the available ones (types: "type/subtype",
 * in the server's order of preference): the index of one, or -1 when Accept allows none of them (406).
 *   - No header, or one with no valid media range: any (index 0). "*" alone reads as the any/any range (old clients
 *     send it).
 *   - Each available type takes the weight of the most specific range that matches it: type/subtype with parameters
 *     (the more the more specific; parameters other than q are not compared with the reply's own), then
 *     type/subtype, type with any subtype, any/any; of equally specific ones the first listed. q=0 means "not this
 *     one".
 *   - The highest weight wins; a tie goes to the type named more specifically, then to the range listed first, then
 *     to the server's order (so any/any gives types[0]).
 *   - Lenient on syntax: a range that is not type/subtype of tokens, or whose q is not a number from 0 to 1, is
 *     ignored as if absent; parameters' quoted strings may hold commas; whitespace around everything; case-blind. */
int media_type_pick(const char *accept, const char *const *types, int ntypes);
/* What an Accept-Language header asks of a server that speaks Persian and English: Persian when it ranks fa (fa-IR...)
 * above English and every other language (a tie goes to the one named first); English when
 * it names another language with a weight above 0 that Persian does not beat, or refuses Persian (fa;q=0); else
 * nothing (NULL, empty, "*", only weights of 0), and the deployment's default language answers. */
typedef enum { LANGUAGE_NO_PREFERENCE = 0, LANGUAGE_PREFERS_EN, LANGUAGE_PREFERS_FA } language_preference;
language_preference accept_language_preference(const char *accept_language);
#endif
