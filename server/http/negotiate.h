/*
 * negotiate.h - choosing among what a request accepts: the content coding of a precompressed file
 * (Accept-Encoding) and the language of messages (Accept-Language). Pure functions of the header text.
 */
#ifndef REGISTRY_NEGOTIATE_H
#define REGISTRY_NEGOTIATE_H

#include <stdbool.h>

/* The content codings registryd precompresses with, best first. */
typedef enum { CODING_IDENTITY = 0, CODING_GZIP = 1, CODING_BR = 2 } content_coding;
/* The coding to send by an Accept-Encoding header (NULL: none), among those available (a bit per coding, 1 << c):
 * brotli before gzip, a coding with q=0 never, "*" standing for codings not named; identity when nothing fits. */
content_coding content_coding_pick(const char *accept_encoding, unsigned available);
/* True when an Accept-Language header ranks Persian (fa, fa-IR...) above English and every other language; ties go
 * to the earlier. NULL, empty or without fa: false. */
bool accept_language_prefers_fa(const char *accept_language);
/* What an Accept-Language header asks of a server that speaks Persian and English: Persian (as above); English when
 * it names another language with a weight above 0 that Persian does not beat, or refuses Persian (fa;q=0); else
 * nothing (NULL, empty, "*", only weights of 0), and the deployment's default language answers. */
typedef enum { LANGUAGE_NO_PREFERENCE = 0, LANGUAGE_PREFERS_EN, LANGUAGE_PREFERS_FA } language_preference;
language_preference accept_language_preference(const char *accept_language);
#endif
