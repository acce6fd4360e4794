#include "server/auth/login_inflight.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* more entries than login threads plus their queue can ever keep busy; when full, acquiring fails */
#define TABLE_SIZE 1024

typedef struct entry {
    char key[LOGIN_INFLIGHT_KEY_MAX + 1];
    int count;                  /* 0: free */
} entry;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry table[TABLE_SIZE];

/* key cut to the table's size without splitting a UTF-8 sequence */
static void key_copy(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n > LOGIN_INFLIGHT_KEY_MAX) {
        n = LOGIN_INFLIGHT_KEY_MAX;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The entry of key, or a free one for it (count 0), or -1 when the table is full. Caller holds mu. Linear
 * probing; freed entries are only reused by a key that probes there, so lookups stop at the first never-used
 * entry (key "") rather than the first free one. */
static int find(const char *key)
{
    unsigned start = hash(key) % TABLE_SIZE;
    int free_slot = -1;
    for (unsigned i = 0; i < TABLE_SIZE; i++) {
        int s = (int)((start + i) % TABLE_SIZE);
        if (table[s].key[0] == '\0')
            return free_slot >= 0 ? free_slot : s;
        if (!strcmp(table[s].key, key))
            return s;
        if (table[s].count == 0 && free_slot < 0)
            free_slot = s;
    }
    return free_slot;
}

bool login_inflight_acquire(login_hold *h, const char *const *keys, const int *caps, int n)
{
    h->n = 0;
    if (n > LOGIN_INFLIGHT_KEYS)
        return false;
    char k[LOGIN_INFLIGHT_KEY_MAX + 1];
    bool ok = true;
    pthread_mutex_lock(&mu);
    for (int i = 0; ok && i < n; i++) {
        if (!keys[i])
            continue;
        key_copy(k, keys[i]);
        int s = find(k);
        entry *e = s >= 0 ? &table[s] : NULL;
        bool same = e && !strcmp(e->key, k);
        if (!e || (same && e->count >= caps[i])) {
            ok = false;
            break;
        }
        if (!same) {
            strcpy(e->key, k);
            e->count = 0;
        }
        e->count++;
        h->slot[h->n++] = s;
    }
    if (!ok) {      /* all or nothing */
        for (int i = 0; i < h->n; i++)
            table[h->slot[i]].count--;
        h->n = 0;
    }
    pthread_mutex_unlock(&mu);
    return ok;
}

void login_inflight_release(login_hold *h)
{
    pthread_mutex_lock(&mu);
    for (int i = 0; i < h->n; i++)
        if (table[h->slot[i]].count > 0)
            table[h->slot[i]].count--;
    h->n = 0;
    pthread_mutex_unlock(&mu);
}

int login_inflight_count(const char *key)
{
    char k[LOGIN_INFLIGHT_KEY_MAX + 1];
    key_copy(k, key);
    pthread_mutex_lock(&mu);
    int s = find(k);
    int n = s >= 0 && !strcmp(table[s].key, k) ? table[s].count : 0;
    pthread_mutex_unlock(&mu);
    return n;
}

void login_address_key(const char *address, char *out)
{
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET6, address, a) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, sizeof mapped) == 0 && inet_ntop(AF_INET, a + 12, text, sizeof text)) {
            snprintf(out, LOGIN_ADDRESS_KEY_MAX, "%s", text);
            return;
        }
        memset(a + 8, 0, 8);
        if (inet_ntop(AF_INET6, a, text, sizeof text)) {
            snprintf(out, LOGIN_ADDRESS_KEY_MAX, "%s/64", text);
            return;
        }
    }
    snprintf(out, LOGIN_ADDRESS_KEY_MAX, "%s", address ? address : "");
}
