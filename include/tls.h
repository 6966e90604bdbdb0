/* tls.h - the mbedtls wrapper: the only place that includes mbedtls headers.
 *
 * For now a hash for verifying downloaded files and firmware images; the TLS client comes later
 * (configs/mbedtls_config.h says what it will enable). Without CORE_TLS every call returns
 * -ENOSYS and mbedtls is neither built nor linked.
 */
#ifndef WWANBOX_TLS_H
#define WWANBOX_TLS_H

#include "wwanbox.h"

#define TLS_SHA256_LEN 32

#if CFG_CORE_TLS
/* SHA-256 (FIPS 180-4) of buf[0..len) into out. 0, or -EINVAL if mbedtls rejects the input. */
int tls_sha256(const void *buf, size_t len, uint8_t out[TLS_SHA256_LEN]);
#else
static inline int tls_sha256(const void *buf, size_t len, uint8_t out[TLS_SHA256_LEN])
{
	(void)buf;
	(void)len;
	(void)out;
	return -ENOSYS;
}
#endif

#endif
