/* fuzz_dhcp.c - libFuzzer harness for what a DHCP server (or anyone on the link) can send us:
 * the IP/UDP check, the BOOTP and option parser (RFC 3396 joining, option 52 overload), the
 * lease checks, RFC 3442 routes, and the udhcpc-style script environment (with its RFC 1035
 * name decoder for option 119).
 *
 * The first input byte picks the target, the rest is the data, copied to a buffer of exactly its
 * size so that ASan sees any read past the end:
 *  0  an IP datagram from the packet socket (UDP checksum checked or not: bit 7 of byte 0),
 *     then as 1 with its payload
 *  1  a BOOTP message: parse, and if it parses check the invariants of an accepted lease and
 *     of the environment (every string NUL-terminated, the right count, NULL at the end)
 *  2  option 121 alone
 *  3  the options round trip: the data cut into options by its own bytes, put with
 *     dhcp_opt_put (split at 255) and parsed back: every option joined equals what was put
 * Seeds: tests/fuzz/seeds/fuzz_dhcp/ (the captured exchange of tests/data/dhcp/).
 */
#include "wwanbox.h"
#include "dhcp.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dhcp_msg msg;
static struct dhcp_lease lease;
static char envbuf[DHCP_ENV_MAX];
static char *envp[DHCP_ENV_VARS + 1];

static void check_lease(void)
{
	int reason = -1;

	if (dhcp_lease_parse(&msg, &lease, &reason) < 0) {
		if (reason <= 0 || !*dhcp_reject_str(reason))
			abort();
		return;
	}
	if (reason != 0 || !dhcp_ip_unicast(lease.addr) || lease.prefix < 1 || lease.prefix > 32 ||
	    !dhcp_ip_unicast(lease.server) || !lease.lease_s || lease.n_dns > DHCP_MAX_DNS ||
	    lease.n_routes > DHCP_MAX_ROUTES || strnlen(lease.domain, DHCP_DOMAIN_MAX) == DHCP_DOMAIN_MAX)
		abort();
	if (lease.lease_s != DHCP_LEASE_INFINITE &&
	    !(lease.t1_ms < lease.t2_ms && lease.t2_ms < (uint64_t)lease.lease_s * 1000 + 1))
		abort();
	if (lease.has_router && (!dhcp_ip_unicast(lease.router) || !memcmp(lease.router, lease.addr, 4)))
		abort();
	if (lease.mtu && lease.mtu < 68)
		abort();
}

static void check_env(void)
{
	int n = dhcp_env(&msg, "wwan0", envbuf, sizeof(envbuf), envp, ARRAY_SIZE(envp));

	if (n == -ENOBUFS)
		return;
	if (n < 1 || envp[n] != NULL)
		abort();
	for (int i = 0; i < n; i++) {
		const char *e = envp[i];

		if (e < envbuf || e >= envbuf + sizeof(envbuf) || !strchr(e, '='))
			abort();
		if (!strncmp(e, "hostname=", 9) && strcmp(e + 9, "bad") &&
		    strspn(e + 9, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
			    strlen(e + 9))
			abort(); /* CVE-2011-2716: host strings are [A-Za-z0-9._-] or "bad" */
	}
}

static void bootp(const uint8_t *p, size_t n)
{
	if (dhcp_msg_parse(&msg, p, n) < 0)
		return;
	memset(msg.src, 0, 4);
	msg.src[0] = 10;
	check_lease();
	check_env();
}

static void roundtrip(const uint8_t *p, size_t n)
{
	static uint8_t b[DHCP_MSG_MAX];
	static struct dhcp_opts o;
	static size_t want_len[256];
	static const uint8_t *want[256];
	size_t off = DHCP_OFF_OPTIONS, i = 0;

	memset(b, 0, DHCP_OFF_OPTIONS);
	put_be32(b + DHCP_OFF_COOKIE, DHCP_MAGIC);
	memset(want, 0, sizeof(want));
	/* [code][len16 hi][len16 lo][data...]: codes 1..254, each once */
	while (n - i >= 3) {
		uint8_t code = p[i];
		size_t len = MIN((size_t)(p[i + 1] << 8 | p[i + 2]), n - i - 3);

		if (code == 0 || code == 255 || code == DHCP_OPT_OVERLOAD || want[code])
			break;
		if (dhcp_opt_put(b, sizeof(b) - 1, &off, code, p + i + 3, len) < 0)
			break;
		want[code] = p + i + 3;
		want_len[code] = len;
		i += 3 + len;
	}
	b[off++] = DHCP_OPT_END;
	if (dhcp_opts_parse(&o, b, off) < 0)
		abort();
	for (int c = 1; c < 255; c++) {
		size_t len;
		const uint8_t *v = dhcp_opt(&o, (uint8_t)c, &len);

		if (!want[c] != !v || (v && (len != want_len[c] || memcmp(v, want[c], len))))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp_route r[DHCP_MAX_ROUTES];
	uint8_t *p, src[4];
	size_t n, plen, cnt;
	int off;

	if (size < 1)
		return 0;
	n = size - 1;
	p = malloc(n ? n : 1);
	if (!p)
		return 0;
	memcpy(p, data + 1, n);
	switch (data[0] & 3) {
	case 0:
		off = dhcp_ip_udp_parse(p, n, data[0] & 0x80, src, &plen);
		if (off > 0) {
			if ((size_t)off + plen > n)
				abort();
			bootp(p + off, plen);
		}
		break;
	case 1:
		bootp(p, n);
		break;
	case 2:
		if (dhcp_routes_decode(p, n, r, ARRAY_SIZE(r), &cnt) == 0)
			for (size_t i = 0; i < MIN(cnt, ARRAY_SIZE(r)); i++)
				if (r[i].prefix > 32)
					abort();
		break;
	case 3:
		roundtrip(p, n);
		break;
	}
	free(p);
	return 0;
}
