/* national_ids.c - valid national IDs (check digit included), unique and spread over the whole space: a keyed
 * permutation of the 10^9 nine-digit seeds (a 4-round Feistel network on 30 bits with cycle walking), taken in
 * counter order, skipping all-same-digit seeds and those of the IDs already in the database (so a --force run
 * never repeats one). */
#include <stdio.h>
#include <stdlib.h>

#include "common/national_id.h"
#include "ctl/ctl.h"
#include "ctl/gendata/gendata.h"

static uint32_t feistel30(const nid_gen *ng, uint32_t v)
{
    uint32_t l = v >> 15, r = v & 0x7fff;
    for (int i = 0; i < 4; i++) {
        uint64_t x = ng->key[i] ^ r;
        uint32_t f = (uint32_t)splitmix64(&x) & 0x7fff;
        uint32_t nl = r;
        r = l ^ f;
        l = nl;
    }
    return (l << 15) | r;
}

static int nid_taken(const nid_gen *ng, uint32_t v)
{
    size_t lo = 0, hi = ng->ntaken;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ng->taken[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ng->ntaken && ng->taken[lo] == v;
}

static int all_same_digits(uint32_t v)
{
    uint32_t d = v % 10;
    for (int i = 0; i < 9; i++, v /= 10)
        if (v % 10 != d)
            return 0;
    return 1;
}

void nid_next(nid_gen *ng, char out[11])
{
    for (;;) {
        uint32_t v = (uint32_t)(ng->counter++ % 1000000000u);
        do
            v = feistel30(ng, v);
        while (v >= 1000000000u);
        if (all_same_digits(v) || nid_taken(ng, v))
            continue;
        national_id_make(v, out);
        return;
    }
}

void nid_init(nid_gen *ng, uint64_t seed)
{
    uint64_t key_state = seed ^ 0x6e6174696f6e616cULL; /* "national" */
    for (int i = 0; i < 4; i++)
        ng->key[i] = splitmix64(&key_state);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* the national IDs already stored (clients and staff), so a --force run never repeats one */
int load_taken_ids(gen_t *g)
{
    PGresult *r = PQexec(g->pg, "COPY (SELECT national_id FROM clients UNION ALL SELECT national_id FROM staff)"
                                " TO STDOUT");
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        fprintf(stderr, "registryctl: gen-data: %s", PQerrorMessage(g->pg));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    size_t cap = 1024, n = 0;
    uint32_t *v = xcalloc(cap, sizeof(uint32_t));
    char *line;
    int len;
    while ((len = PQgetCopyData(g->pg, &line, 0)) > 0) {
        if (len >= 9) {
            uint32_t x = 0;
            for (int i = 0; i < 9; i++)
                x = x * 10 + (uint32_t)(line[i] - '0');
            if (n == cap) {
                cap *= 2;
                uint32_t *nv = realloc(v, cap * sizeof(uint32_t));
                if (!nv) {
                    fprintf(stderr, "registryctl: gen-data: out of memory\n");
                    exit(CTL_FAIL);
                }
                v = nv;
            }
            v[n++] = x;
        }
        PQfreemem(line);
    }
    r = PQgetResult(g->pg);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "registryctl: gen-data: %s", PQerrorMessage(g->pg));
    PQclear(r);
    while ((r = PQgetResult(g->pg)))
        PQclear(r);
    qsort(v, n, sizeof(uint32_t), cmp_u32);
    g->nid.taken = v;
    g->nid.ntaken = n;
    return ok ? 0 : -1;
}
