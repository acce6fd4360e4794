/*
 * login_inflight.h - password checks in flight in this process, per client address and per username, so that a
 * flood of sign-ins (or of password changes with a stolen token) is refused before any scrypt runs instead of
 * queueing for the login threads ahead of everyone else. The database counts attempts across processes; this
 * counts the ones not finished yet, which the database cannot see in time. Thread-safe (one mutex; the table is
 * small: only attempts in flight have entries).
 */
#ifndef REGISTRY_LOGIN_INFLIGHT_H
#define REGISTRY_LOGIN_INFLIGHT_H

#include <stdbool.h>

#define LOGIN_INFLIGHT_KEYS 2       /* at most this many keys per hold */
#define LOGIN_INFLIGHT_KEY_MAX 300  /* longer keys are cut (on a UTF-8 boundary) */

typedef struct login_hold {
    int slot[LOGIN_INFLIGHT_KEYS];  /* table entries held, -1 when none */
    int n;
} login_hold;

/* Takes one place under each of keys[0..n) (n <= LOGIN_INFLIGHT_KEYS; NULL keys are skipped) when every one has
 * fewer than caps[i] in flight; otherwise takes nothing. Returns true when taken (release it exactly once). */
bool login_inflight_acquire(login_hold *h, const char *const *keys, const int *caps, int n);
void login_inflight_release(login_hold *h);
/* The key an address is limited under, into out (at least LOGIN_ADDRESS_KEY_MAX bytes): IPv4 as it is, an
 * IPv4-mapped IPv6 address as IPv4, any other IPv6 address as its /64 ("2001:db8:1:2::/64"): one host usually
 * holds a whole /64. Anything that does not parse is copied as it is (cut to fit). The database keys its limits
 * the same way (auth_address_key, migrations/0020). */
#define LOGIN_ADDRESS_KEY_MAX 64
void login_address_key(const char *address, char *out);

/* In flight under key (tests). */
int login_inflight_count(const char *key);

#endif
