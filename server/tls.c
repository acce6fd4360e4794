#include "server/tls.h"

#include <stdio.h>

#include <openssl/err.h>

/* Mozilla intermediate configuration (TLS 1.2 part; TLS 1.3 suites are OpenSSL's defaults, all AEAD). */
static const char intermediate_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

static void openssl_error(char *err, size_t errlen, const char *what, const char *file)
{
    char buf[256];
    unsigned long e = ERR_get_error();
    ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "%s %s: %s", what, file ? file : "", e ? buf : "unknown error");
    ERR_clear_error();
}

SSL_CTX *tls_context_new(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        openssl_error(err, errlen, "cannot create TLS context", NULL);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    /* no SSL_MODE_RELEASE_BUFFERS: freeing and reallocating 16 KB record buffers on every read and write costs
     * more than the ~34 KB an idle keep-alive connection keeps (34 MB per 1,000 connections) */
    if (!SSL_CTX_set_cipher_list(ctx, intermediate_ciphers) || !SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384")) {
        openssl_error(err, errlen, "cannot set TLS ciphers", NULL);
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_dh_auto(ctx, 1);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        openssl_error(err, errlen, "cannot load TLS certificate", cert_file);
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        openssl_error(err, errlen, "cannot load TLS key", key_file);
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        openssl_error(err, errlen, "TLS key does not match the certificate", key_file);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}
