/*
 * etag.h - the ETags of records and the If-Match preconditions on them.
 *
 * An ETag names one record as one reply shows it: "<version>-<16 hex digits>", the hex being the first 8 bytes of
 * SHA-256 over the entity, the record's id, its version and the representation's variant (e.g. what an NGO sees
 * of a submission against what an officer sees). So a tag read from one record never satisfies If-Match on
 * another at the same version, nor one of another resource. No secret is involved: the tag only has to differ,
 * and every registryd computes the same tag for the same record.
 *
 * What a reply shows beyond the record's own row (a campaign's donation totals, a household's members as the caller
 * sees them, an allocation's sums, a center's active clients) goes into the tag as a version token
 * "<version>.<8 hex digits>" (etag_version_with): the hex digits digest those values as the reply shows them, so
 * the tag changes when they do, for If-None-Match, and two callers who see different totals get different tags.
 *
 * If-Match compares the tag's hash strongly but the write checks the record's own version only: a PATCH changes
 * the record's own fields, which no change to the derived values can make stale, and the write runs in one
 * statement (a derived value cannot be checked before it without a second round trip). Where a derived value is a
 * precondition of the write (a loan's status against what is owed, a household's members), the database bumps the
 * record's version when it changes (migration 0018), so a tag read before is 412 there.
 *
 * If-Match is answered only after the record has been looked up (RFC 9110 13.2.1): a tag that is not this
 * record's gives a version no record has, so an unknown or out-of-scope id is 404 and an existing one 412.
 */
#ifndef REGISTRY_ETAG_H
#define REGISTRY_ETAG_H

#include <stdbool.h>
#include <stddef.h>

#define ETAG_BUFSZ 56           /* quotes, a version token (below), '-', 16 hex digits, NUL */
#define ETAG_DERIVED_HEX 8      /* hex digits of the digest of what a reply derives from other records */
#define ETAG_VERSION_BUFSZ 32   /* a version token: up to 20 digits, then '.' and ETAG_DERIVED_HEX hex digits */
#define ETAG_NO_VERSION "0"     /* versions start at 1: matches no record */

/* The quoted ETag of (entity, id, version, variant); variant may be NULL (the one representation). */
void etag_make(char out[ETAG_BUFSZ], const char *entity, const char *id, const char *version, const char *variant);

/* The version token of a reply showing derived values (n of them; NULL values allowed): "<version>.<hex>";
 * n == 0 gives the version as is. */
void etag_version_with(char out[ETAG_VERSION_BUFSZ], const char *version, const char *const *derived, int n);

/* If-None-Match (RFC 9110 13.1.2): true when header ("*" or a comma-separated list of entity-tags) names tag by
 * weak comparison (W/ ignored on both), or is "*" (and there is a tag). false for NULL, and for a malformed list
 * (the request goes on as if without it). */
bool etag_none_match(const char *header, const char *tag);

/* An If-Match value ("*" or a comma-separated list of entity-tags) against one record. Returns "" for "*", else
 * the version named by the first tag in the list that is this record's ETag (copied into version, at most
 * versionsz bytes, the digits only: a tag's derived part is not part of the write's precondition, see above), else
 * ETAG_NO_VERSION. Weak tags never match (If-Match compares strongly). */
const char *etag_if_match(const char *header, const char *entity, const char *id, const char *variant,
                          char *version, size_t versionsz);

#endif
