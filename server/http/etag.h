/*
 * etag.h - the ETags of records and the If-Match preconditions on them.
 *
 * An ETag names one record as one reply shows it: "<version>-<16 hex digits>", the hex being the first 8 bytes of
 * SHA-256 over the entity, the record's id, its version and the representation's variant (e.g. what an NGO sees
 * of a submission against what an officer sees). So a tag read from one record never satisfies If-Match on
 * another at the same version, nor one of another resource. No secret is involved: the tag only has to differ,
 * and every registryd computes the same tag for the same record.
 *
 * If-Match is answered only after the record has been looked up (RFC 9110 13.2.1): a tag that is not this
 * record's gives a version no record has, so an unknown or out-of-scope id is 404 and an existing one 412.
 */
#ifndef REGISTRY_ETAG_H
#define REGISTRY_ETAG_H

#include <stdbool.h>
#include <stddef.h>

#define ETAG_BUFSZ 48           /* quotes, up to 20 digits of version, '-', 16 hex digits, NUL */
#define ETAG_NO_VERSION "0"     /* versions start at 1: matches no record */

/* The quoted ETag of (entity, id, version, variant); variant may be NULL (the one representation). */
void etag_make(char out[ETAG_BUFSZ], const char *entity, const char *id, const char *version, const char *variant);

/* An If-Match value ("*" or a comma-separated list of entity-tags) against one record. Returns "" for "*", else
 * the version named by the first tag in the list that is this record's ETag (copied into version, at most
 * versionsz bytes), else ETAG_NO_VERSION. Weak tags never match (If-Match compares strongly). */
const char *etag_if_match(const char *header, const char *entity, const char *id, const char *variant,
                          char *version, size_t versionsz);

#endif
