/*
 * read_audit.h - the audit rows of reads of people's records, written in batches ("group commit").
 *
 * Issue 3 asks that every read of a client's or staff member's record, and every list or search of them, be
 * recorded, without a round trip of its own. Written inside the read's transaction, the row made every read a write transaction with five index
 * insertions: at national scale the database did 8,000 GET-by-id a second with it and 23,000 without. So a read
 * now runs read-only, and its row joins this worker's next batch: one audit_reads() call writes the batch's rows
 * into read_log (migrations 0010, 0011). The answer is held until that call has succeeded, so no record ever leaves
 * the server without its audit row in the database (committed with synchronous_commit off, the relaxed commit
 * issue 3 allows for reads); if the batch fails, every read in it gets 503 and no data. While one batch is in
 * flight the next one fills; under light load a batch holds one row and costs one more round trip.
 */
#ifndef REGISTRY_READ_AUDIT_H
#define REGISTRY_READ_AUDIT_H

#include <stdbool.h>

struct req_ctx;
struct worker;
typedef struct read_audit read_audit;

/* Called with recorded = true once the row is written; with false (after which the caller replies 503) when it
 * could not be. */
typedef void (*read_audit_done)(struct req_ctx *rc, bool recorded);

void read_audit_init(void);                       /* registers the statement; before any pool starts */
read_audit *read_audit_new(struct worker *w);
void read_audit_free(read_audit *ra);

/* Queues the row "rc's caller did action ("read" one record: entity entity_id, which lives at province / county /
 * center; or "list": entity records, detail = {"filter", "count"}, province / county / center = the caller's
 * scope)" - any of them but action and entity may be NULL - and calls done when its batch is written. The strings
 * are copied. */
void read_audit_add(struct req_ctx *rc, const char *action, const char *entity, const char *entity_id,
                    const char *province, const char *county, const char *center, const char *detail,
                    read_audit_done done);

#endif
