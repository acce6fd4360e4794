/*
 * password.h - password hashing with scrypt (OpenSSL 3.0 EVP_KDF "SCRYPT") in a self-describing encoding,
 * verification, rehash detection, a dummy hash for unknown usernames, and a strength check for new passwords.
 *
 * Encoded forms (standard base64 alphabet, no '=' padding; one canonical spelling per value):
 *
 *     $scrypt-sha256$ln=17,r=8,p=1$<salt>$<sha256(key)>    what is stored (a verifier, as SCRAM stores)
 *     $scrypt$ln=17,r=8,p=1$<salt>$<key>                   the key itself: what a sign-in sends to the database
 *
 * The database compares sha256 of a sent key with the stored verifier, so a stored string is not a key.
 *
 * ln is log2(N). Parameters are stored with every hash so the defaults can be raised later:
 * password_needs_rehash() tells the login code when to re-hash with the current defaults.
 *
 * Everything here is thread-safe. All functions returning int accept NULL pointers and fail cleanly.
 */
#ifndef REGISTRY_PASSWORD_H
#define REGISTRY_PASSWORD_H

#include <stddef.h>

/* Defaults used by password_hash(): N = 2^17, r = 8, p = 1 (128 MiB, a few hundred ms), 16-byte salt. */
#define PASSWORD_DEFAULT_LN 17
#define PASSWORD_DEFAULT_R 8
#define PASSWORD_DEFAULT_P 1
#define PASSWORD_SALT_LEN 16
#define PASSWORD_HASH_LEN 32

/* Accepted parameter ranges, both for hashing and in stored strings. Anything outside is "malformed", so
 * a corrupted or hostile database row is refused before scrypt runs. On top of the per-parameter ranges,
 * the memory scrypt needs (128 * r * N bytes) may not exceed PASSWORD_MAX_MEM_BYTES and the work
 * (N * r * p) may not exceed PASSWORD_MAX_WORK: the ranges alone would still allow ln=22,r=32 (16 GiB). */
#define PASSWORD_MIN_LN 10
#define PASSWORD_MAX_LN 22
#define PASSWORD_MIN_R 1
#define PASSWORD_MAX_R 32
#define PASSWORD_MIN_P 1
#define PASSWORD_MAX_P 16
#define PASSWORD_MIN_SALT_LEN 8
#define PASSWORD_MAX_SALT_LEN 64
#define PASSWORD_MAX_MEM_BYTES (1ULL << 30)  /* 1 GiB: 8x the default */
#define PASSWORD_MAX_WORK (1ULL << 25)       /* N*r*p: 32x the default 2^20 */

/* Room for any encoded string these functions produce or accept, NUL included. */
#define PASSWORD_ENCODED_MAX 168

/* Hashes password (a NUL-terminated byte string, any length, may be empty) with the default parameters and
 * a fresh random salt into out as a NUL-terminated verifier ("$scrypt-sha256$...", what is stored). Returns 0,
 * or -1 (NULL argument, outlen too small - PASSWORD_ENCODED_MAX always suffices - or an OpenSSL failure; out is
 * then ""). */
int password_hash(const char *password, char *out, size_t outlen);

/* Same with explicit parameters (ln = log2 N), which must lie in the accepted ranges above. For tests (use
 * ln=10 to stay fast) and benchmarks. */
int password_hash_params(const char *password, int log2n, int r, int p, char *out, size_t outlen);

/* The verifier of a key-form string (password_parse() rules). Returns 0, or -1 (out is then ""). */
int password_verifier_of(const char *encoded, char *out, size_t outlen);

/* Returns 1 if password matches encoded (a verifier or a key form), 0 if it does not, -1 if encoded is malformed
 * or outside the accepted parameters (or NULL) - decided before any scrypt work - or if scrypt itself fails. The
 * hash comparison is constant-time. */
int password_verify(const char *password, const char *encoded);

/* The "setting" of an encoded hash is its prefix up to the key: "$scrypt$ln=A,r=B,p=C$S$". Derives the key of
 * password with the setting's parameters and salt and writes the whole key form into out (whose verifier is the
 * stored one when the password is right). The database compares its sha256 with the stored verifier, so neither
 * registryd nor anyone holding a stored string has a key. Returns 0, or -1 (setting malformed or outside the
 * accepted parameters - decided before any scrypt work - NULL argument, outlen too small, or scrypt failing; out
 * is then ""). */
int password_derive_setting(const char *password, const char *setting, char *out, size_t outlen);

/* password_needs_rehash() for a setting ("$scrypt$ln=A,r=B,p=C$S$", no key). */
int password_setting_needs_rehash(const char *setting);

/* Returns 1 if encoded (either form) is well-formed but weaker than the defaults (smaller ln, r or p, or a salt shorter
 * than PASSWORD_SALT_LEN), 0 if it is at least as strong, -1 if it is malformed. */
int password_needs_rehash(const char *encoded);

/* A valid encoded hash, with the default parameters, of a random password nobody knows; computed once on
 * first use (pthread_once; that call takes as long as one password_hash). Verify against it when the
 * username is unknown so that case costs as much as a wrong password. Never NULL: should the one-time
 * computation fail, a fixed hash of an unknown password with the same parameters is returned instead. */
const char *password_dummy_hash(void);

/* Strict parser for the key form. salt must have room for PASSWORD_MAX_SALT_LEN bytes and hash for
 * PASSWORD_HASH_LEN bytes (either may be NULL when not wanted, as may any of the int/size_t pointers).
 * Accepts only the canonical spelling: exactly "$scrypt$ln=A,r=B,p=C$S$H" with decimal numbers without
 * sign or leading zeros, parameters in the accepted ranges, S and H in standard base64 without padding
 * whose unused trailing bits are zero, salt 8..64 bytes, hash exactly 32 bytes, nothing after H.
 * Whatever parses re-encodes with password_encode() to the identical string. Returns 0 or -1; outputs are
 * written only on success. */
int password_parse(const char *encoded, int *ln, int *r, int *p, unsigned char *salt, size_t *saltlen,
                   unsigned char *hash, size_t *hashlen);

/* The inverse of password_parse(): writes the canonical encoded string. The same limits apply (hashlen
 * must be PASSWORD_HASH_LEN). Returns 0, or -1 (out is then "" if outlen > 0). */
int password_encode(int log2n, int r, int p, const unsigned char *salt, size_t saltlen, const unsigned char *hash,
                    size_t hashlen, char *out, size_t outlen);

/* Checks a new password against the policy. Returns 0 if acceptable, else -1 and, if reason is not NULL,
 * a static English sentence saying why. Rules, in order: not NULL; at most 256 bytes; valid UTF-8; at
 * least 12 characters (Unicode code points, so Persian counts per letter, not per byte); not one character
 * repeated; not a straight ascending or descending run of digits (Persian/Arabic-Indic digits count as
 * digits; 9 wraps to 0) or of letters (case-insensitive; z wraps to a) covering the whole password; does
 * not contain the username (ASCII case-insensitive; usernames shorter than 3 bytes are not checked, or every
 * password containing a common letter would be refused); not in the built-in list of common passwords
 * (case-insensitive), and not a common word (password, admin, welcome, qwerty, iran, tehran, ...) padded
 * only with digits and punctuation on either side. username may be NULL. */
int password_check_strength(const char *password, const char *username, const char **reason);

#endif
