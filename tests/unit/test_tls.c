/* test_tls.c - tls_sha256 against the FIPS 180-2 appendix B vectors and the padding boundaries.
 * Built against the musl toolchain only (mbedtls is built with musl-gcc, configs/mbedtls.mk).
 */
#include "tls.h"
#include "t.h"

static int hex_eq(const uint8_t *md, const char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (strlen(hex) != 2 * TLS_SHA256_LEN)
		return 0;
	for (i = 0; i < TLS_SHA256_LEN; i++)
		if (hex[2 * i] != digits[md[i] >> 4] || hex[2 * i + 1] != digits[md[i] & 15])
			return 0;
	return 1;
}

static int sha_is(const void *buf, size_t len, const char *hex)
{
	uint8_t md[TLS_SHA256_LEN];

	memset(md, 0x5a, sizeof(md));
	return tls_sha256(buf, len, md) == 0 && hex_eq(md, hex);
}

static void test_fips_vectors(void)
{
	static const char two_block[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	if (!CFG_CORE_TLS)
		SKIP("CORE_TLS is off");
	/* FIPS 180-2 B.1: one block. */
	CHECK(sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	/* B.2: 448 bits, the padding spills into a second block. */
	CHECK_EQ(strlen(two_block), 56);
	CHECK(sha_is(two_block, 56,
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	/* The empty message (NIST CSRC example values). */
	CHECK(sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	CHECK(sha_is(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	/* A wrong digest must not compare equal (the checker itself can fail). */
	CHECK(!sha_is("abd", 3,
		      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

static void test_million_a(void)
{
	static uint8_t buf[1000000];

	if (!CFG_CORE_TLS)
		SKIP("CORE_TLS is off");
	/* FIPS 180-2 B.3: one million 'a'. */
	memset(buf, 'a', sizeof(buf));
	CHECK(sha_is(buf, sizeof(buf),
		     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
}

static void test_padding_boundaries(void)
{
	/* Bytes (i * 7 + 3) & 0xff; digests from Python's hashlib.sha256. Lengths around the
	 * 55/56-byte padding edge and the 64-byte block edge. */
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
		{55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
		{56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
		{63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
		{64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
		{65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
		{119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
		{120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
	};
	uint8_t buf[128];
	size_t i;

	if (!CFG_CORE_TLS)
		SKIP("CORE_TLS is off");
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < ARRAY_SIZE(v); i++)
		CHECK(sha_is(buf, v[i].len, v[i].hex));
}

static void test_stub_without_tls(void)
{
	uint8_t md[TLS_SHA256_LEN];

	if (CFG_CORE_TLS)
		SKIP("CORE_TLS is on: the -ENOSYS stub is not compiled");
	CHECK_EQ(tls_sha256("abc", 3, md), -ENOSYS);
}

int main(void)
{
	RUN(test_fips_vectors);
	RUN(test_million_a);
	RUN(test_padding_boundaries);
	RUN(test_stub_without_tls);
	return t_done();
}
