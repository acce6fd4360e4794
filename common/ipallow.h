/*
 * ipallow.h - a list of IP addresses and CIDR networks ("127.0.0.0/8, ::1, 10.1.2.3"), parsed once from the
 * configuration and matched against a connection's peer address. IPv4-mapped IPv6 peers match as IPv4.
 */
#ifndef REGISTRY_IPALLOW_H
#define REGISTRY_IPALLOW_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

#define IPALLOW_MAX 32

typedef struct ip_net {
    int family;                 /* AF_INET or AF_INET6 */
    unsigned char addr[16];     /* network order, host bits cleared */
    int prefix;
} ip_net;

typedef struct ipallow {
    int n;
    ip_net nets[IPALLOW_MAX];
} ipallow;

/* "" or "none" is the empty list. On error returns -1 with the reason (naming the bad item) in err. */
int ipallow_parse(ipallow *a, const char *list, char *err, size_t errlen);
bool ipallow_match(const ipallow *a, const struct sockaddr *sa);

#endif
