/* fuzz_nl.c - libFuzzer harness for the netlink receive side (datagram walking, reply matching
 * with ACK/error/DONE parsing, attribute iteration, link/address/route parsers) and for
 * netcfg_state_load, which must give back the very same bytes through netcfg_state_save.
 *
 * The first input byte picks the target (mod 5: 0/1 reply datagram, non-dump/dump; 2 state
 * blob as is; 3 state blob with its length and CRC made right; 4 the payload parsers); the rest
 * is the data, copied to a buffer of exactly its size so that ASan sees any read past the end.
 */
#include "wwanbox.h"
#include "nl.h"
#include "netcfg.h"

#include <stdlib.h>
#include <linux/rtnetlink.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk_attrs(const uint8_t *p, size_t len, int depth)
{
	struct nl_attr a;
	size_t off = 0;

	while (nl_attr_next(p, len, &off, &a) > 0)
		if (depth < 3)
			walk_attrs(a.data, a.len, depth + 1); /* as if every attribute nested */
}

/* Everything a reply callback could meet. */
static int parse_any(const struct nl_hdr *h, const uint8_t *pl, size_t len, void *arg)
{
	struct nl_link l;
	struct nl_ifaddr a;
	struct nl_route r;

	(void)arg;
	if (h->type == RTM_NEWLINK)
		return nl_parse_link(pl, len, &l) < 0 ? -EPROTO : 0;
	if (h->type == RTM_NEWADDR)
		return nl_parse_addr(pl, len, &a) == -EPROTO ? -EPROTO : 0;
	if (h->type == RTM_NEWROUTE)
		return nl_parse_route(pl, len, &r) == -EPROTO ? -EPROTO : 0;
	walk_attrs(pl, len, 0);
	return 0;
}

static void fuzz_rx(const uint8_t *buf, size_t len, bool dump)
{
	struct nl_rx rx = {.dump = dump, .cb = parse_any};
	char extack[16];
	const uint8_t *pl;
	struct nl_hdr h;
	size_t off = 0, plen;

	/* Match the first message's seq/pid, so the interesting paths are reached. */
	if (len >= 16) {
		rx.seq = get_h32(buf + 8);
		rx.portid = get_h32(buf + 12);
	}
	rx.extack = extack;
	rx.extack_cap = sizeof(extack);
	if (nl_rx_feed(&rx, buf, len) == 1 && rx.result > 0 && !(dump && rx.result == 1))
		abort(); /* results are 0, -errno, or 1 for an interrupted dump */
	if (strnlen(extack, sizeof(extack)) == sizeof(extack))
		abort();
	while (nl_msg_next(buf, len, &off, &h, &pl, &plen) > 0) {
		if (plen > len)
			abort();
		if (h.type == NLMSG_ERROR && nl_parse_error(&h, pl, plen, extack, 3) > 0)
			abort();
	}
}

/* Make the blob's length field and CRC-32 right, so the checks behind them get fuzzed. */
static void fix_blob(uint8_t *b, size_t len)
{
	uint32_t c = 0xffffffffU;
	size_t i;
	int k;

	if (len < 12)
		return;
	put_le32(b + 8, (uint32_t)len);
	for (i = 0; i < len - 4; i++) {
		c ^= b[i];
		for (k = 0; k < 8; k++)
			c = c >> 1 ^ (0xedb88320U & (0U - (c & 1)));
	}
	put_le32(b + len - 4, ~c);
}

static void fuzz_state(uint8_t *buf, size_t len, bool fix)
{
	static uint8_t out[NETCFG_STATE_MAX];
	struct netcfg_state st;
	int n;

	if (fix)
		fix_blob(buf, len);
	if (netcfg_state_load(&st, buf, len) < 0)
		return;
	/* A blob that loads is exactly what save makes of it. */
	n = netcfg_state_save(&st, out, sizeof(out));
	if (n != (int)len || memcmp(out, buf, len))
		abort();
}

static void fuzz_parsers(const uint8_t *buf, size_t len)
{
	struct nl_link l;
	struct nl_ifaddr a;
	struct nl_route r;

	nl_parse_link(buf, len, &l);
	if (nl_parse_addr(buf, len, &a) == 0 && a.prefixlen > 128)
		abort();
	if (nl_parse_route(buf, len, &r) == 0 && r.dst_len > 128)
		abort();
	walk_attrs(buf, len, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	switch (mode % 5) {
	case 0:
	case 1:
		fuzz_rx(buf, size - 1, mode & 1);
		break;
	case 2:
	case 3:
		if (CFG_CORE_NETCFG)
			fuzz_state(buf, size - 1, mode % 5 == 3);
		break;
	default:
		fuzz_parsers(buf, size - 1);
	}
	free(buf);
	return 0;
}
