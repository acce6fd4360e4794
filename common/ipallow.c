#include "common/ipallow.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void mask(unsigned char *addr, int bytes, int prefix)
{
    for (int i = 0; i < bytes; i++) {
        int bits = prefix - i * 8;
        addr[i] &= bits >= 8 ? 0xff : bits <= 0 ? 0 : (unsigned char)(0xff << (8 - bits));
    }
}

static int parse_one(ip_net *net, const char *s, size_t len)
{
    char buf[64];
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    memset(net, 0, sizeof(*net));
    if (inet_pton(AF_INET, buf, net->addr) == 1) {
        net->family = AF_INET;
        net->prefix = 32;
    } else if (inet_pton(AF_INET6, buf, net->addr) == 1) {
        net->family = AF_INET6;
        net->prefix = 128;
    } else
        return -1;
    if (slash) {
        const char *p = slash + 1;
        int max = net->prefix, v = 0;
        if (!*p || strlen(p) > 3)
            return -1;
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return -1;
            v = v * 10 + (*p - '0');
        }
        if (v > max)
            return -1;
        net->prefix = v;
    }
    /* a peer's IPv4-mapped address is matched as IPv4 (ipallow_match): an entry written mapped is read so too */
    if (net->family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)(const void *)net->addr)) {
        if (net->prefix < 96)
            return -1;
        memmove(net->addr, net->addr + 12, 4);
        memset(net->addr + 4, 0, 12);
        net->family = AF_INET;
        net->prefix -= 96;
    }
    mask(net->addr, net->family == AF_INET ? 4 : 16, net->prefix);
    return 0;
}

int ipallow_parse(ipallow *a, const char *list, char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    const char *p = list ? list : "";
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p || !strcmp(p, "none"))
        return 0;
    for (;;) {
        const char *e = p + strcspn(p, ",");
        const char *s = p, *t = e;
        while (s < t && (*s == ' ' || *s == '\t'))
            s++;
        while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if (a->n == IPALLOW_MAX) {
            snprintf(err, errlen, "more than %d addresses or networks", IPALLOW_MAX);
            return -1;
        }
        if (parse_one(&a->nets[a->n], s, (size_t)(t - s)) != 0) {
            snprintf(err, errlen, "\"%.*s\" is not an IP address or network (address/prefix)", (int)(t - s), s);
            return -1;
        }
        a->n++;
        if (!*e)
            return 0;
        p = e + 1;
    }
}

bool ipallow_match(const ipallow *a, const struct sockaddr *sa)
{
    unsigned char addr[16] = {0};
    int family;
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        family = AF_INET;
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            memcpy(addr, a6->s6_addr + 12, 4);
            family = AF_INET;
        } else {
            memcpy(addr, a6->s6_addr, 16);
            family = AF_INET6;
        }
    } else
        return false;
    for (int i = 0; i < a->n; i++) {
        const ip_net *net = &a->nets[i];
        if (net->family != family)
            continue;
        unsigned char m[16];
        memcpy(m, addr, 16);
        mask(m, family == AF_INET ? 4 : 16, net->prefix);
        if (!memcmp(m, net->addr, family == AF_INET ? 4 : 16))
            return true;
    }
    return false;
}
