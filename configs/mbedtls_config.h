/* mbedtls_config.h - the whole mbedtls 2.28 configuration of wwanbox (MBEDTLS_CONFIG_FILE).
 *
 * It replaces include/mbedtls/config.h entirely: only what is defined here is built. Today that
 * is SHA-256 for core/tls.c (firmware/file verification, shared/notes/dhcp-mbedtls.md 4.6):
 * sha256.c with SHA256_SMALLER (a rolled-up compression loop) is 2,126 bytes of text instead of
 * 4,268, and hashes 64 MiB in 0.27 s instead of 0.20 s (musl-gcc -Os, x86_64): flash matters
 * more than speed here. check_config.h asks for nothing else for SHA-256 alone.
 *
 * The "web" TLS 1.2 client profile (notes 4.1, recommended: parses all 144 Debian roots) will add
 * the options below, in an #if block here selected by a -D from mbedtls.mk when the Kconfig TLS
 * symbol is on, and the matching module lists in mbedtls.mk:
 *   platform   MBEDTLS_HAVE_ASM, MBEDTLS_HAVE_TIME, MBEDTLS_HAVE_TIME_DATE, MBEDTLS_FS_IO
 *   TLS        MBEDTLS_SSL_CLI_C, MBEDTLS_SSL_TLS_C, MBEDTLS_SSL_PROTO_TLS1_2,
 *              MBEDTLS_SSL_SERVER_NAME_INDICATION, MBEDTLS_SSL_EXTENDED_MASTER_SECRET,
 *              MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED, MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED,
 *              MBEDTLS_SSL_CIPHERSUITES = ECDHE-{ECDSA,RSA} with AES-128-GCM-SHA256,
 *              CHACHA20-POLY1305-SHA256 and AES-256-GCM-SHA384,
 *              MBEDTLS_SSL_IN_CONTENT_LEN 16384, MBEDTLS_SSL_OUT_CONTENT_LEN 4096
 *   symmetric  MBEDTLS_CIPHER_C, MBEDTLS_AES_C, MBEDTLS_AES_FEWER_TABLES, MBEDTLS_GCM_C,
 *              MBEDTLS_CHACHA20_C, MBEDTLS_POLY1305_C, MBEDTLS_CHACHAPOLY_C
 *   hash       MBEDTLS_MD_C, MBEDTLS_SHA512_C + MBEDTLS_SHA512_SMALLER (SHA-384),
 *              MBEDTLS_SHA1_C (only so that old sha1WithRSA roots parse)
 *   public key MBEDTLS_BIGNUM_C, MBEDTLS_ECP_C, MBEDTLS_ECDH_C, MBEDTLS_ECDSA_C,
 *              MBEDTLS_ECP_DP_SECP256R1_ENABLED, MBEDTLS_ECP_DP_SECP384R1_ENABLED,
 *              MBEDTLS_ECP_DP_CURVE25519_ENABLED, MBEDTLS_ECP_WINDOW_SIZE 2,
 *              MBEDTLS_ECP_FIXED_POINT_OPTIM 0, MBEDTLS_RSA_C, MBEDTLS_PKCS1_V15,
 *              MBEDTLS_PKCS1_V21, MBEDTLS_PK_C, MBEDTLS_PK_PARSE_C
 *   X.509      MBEDTLS_ASN1_PARSE_C, MBEDTLS_ASN1_WRITE_C, MBEDTLS_OID_C, MBEDTLS_X509_USE_C,
 *              MBEDTLS_X509_CRT_PARSE_C, MBEDTLS_PEM_PARSE_C, MBEDTLS_BASE64_C
 *   RNG        none: MBEDTLS_ECP_NO_INTERNAL_RNG and a getrandom() callback ("webgr", saves
 *              ~4 KB of ENTROPY_C + CTR_DRBG_C, as OpenWrt's ustream-ssl does)
 *   sockets    none (no MBEDTLS_NET_C: core/ brings its own sockets and resolver)
 * Cost: ~112-116 KB linked (notes 4.3). Never ERROR_C, DEBUG_C, SELF_TEST or PSA: size only.
 */
#ifndef WWANBOX_MBEDTLS_CONFIG_H
#define WWANBOX_MBEDTLS_CONFIG_H

#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER

#include "mbedtls/check_config.h"

#endif
