/*
 * messages.h - the catalog of what the server says to people, in English and Persian: every problem detail, every
 * field error's message without a Persian of its own, the registry's rule messages from the database, the status
 * titles, and the resource names a message carries ("No such %s").
 *
 * Keyed by the English text the code writes, so no call site changes to be translated: a text is found as it is,
 * or as a printf template of the catalog ("No such %s (or it is outside your scope).") whose data is carried into
 * the Persian, itself translated when the catalog knows it (the resource's name). Hashes built once at start
 * (messages_init); a lookup is a few hash probes, never a scan of the catalog. tests/check_messages.py proves that
 * every text the sources can send has an entry.
 */
#ifndef REGISTRY_MESSAGES_H
#define REGISTRY_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum msg_lang { LANG_EN = 0, LANG_FA = 1 } msg_lang;

typedef struct message {
    const char *code;   /* a field error's stable code: "a.b" whole, else the reason after "field."; NULL: none */
    const char *en;     /* the text or printf template the code writes (%s, %d, %zu, %ld, %lld) */
    const char *fa;     /* its Persian: the same conversions in the same order */
} message;

/* Builds the hashes (once; later calls return at once). Returns the number of catalog entries that are unfit (a
 * template without a literal start, a Persian with other conversions than its English): 0, and a test says so. */
int messages_init(void);

/* The entry for an English text, exactly or by template (the most specific when several fit); NULL: none. */
const message *message_find(const char *en);

/* The Persian of text (found as m, or looked up when m is NULL) into out: the template's data carried over.
 * Returns out, or NULL when the catalog has no Persian for it. */
const char *message_fa(const message *m, const char *text, char *out, size_t size);

/* The stable code of a field error on field with this message (m may be NULL: "field.invalid") into out. */
const char *message_code(const message *m, const char *field, char *out, size_t size);

/* The Persian title of an HTTP status ("یافت نشد"); NULL for one the catalog does not know. */
const char *status_title_fa(int status);

/* The catalog itself, for tests and documentation. */
extern const message message_catalog[];
extern const int message_catalog_count;

#endif
