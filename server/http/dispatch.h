/* dispatch.h - connects a worker's HTTP listener to the request core (dispatch.c). */
#ifndef REGISTRY_DISPATCH_H
#define REGISTRY_DISPATCH_H

#include "server/worker.h"

/* After worker_init, before the worker runs: its requests come to dispatch.c, its reads are audited in batches. */
void dispatch_attach(worker *w);
/* After the worker's thread has ended (or it never ran, after worker_discard): frees what dispatch_attach and the
 * requests left (the batcher of read audits, the contexts kept for reuse). */
void dispatch_detach(worker *w);

#endif
