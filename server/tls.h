/* tls.h - the server's TLS context: TLS 1.2 and 1.3 only, Mozilla "intermediate" ciphers, no renegotiation. */
#ifndef REGISTRY_TLS_H
#define REGISTRY_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

SSL_CTX *tls_context_new(const char *cert_file, const char *key_file, char *err, size_t errlen);

#endif
