/* test_dhcp.c - core/dhcp: the codec against a real capture (busybox udhcpc <-> dnsmasq,
 * tests/data/dhcp/), RFC 3396 long options and option overload, RFC 3442 routes (the RFC's
 * own examples and malformed ones), checksums (RFC 1071's example), lease checks against
 * hostile values, udhcpc's script environment, client identifiers; and, as root, the state
 * machine on a TUN device in a private network namespace with this test as the server:
 * DISCOVER/OFFER/REQUEST/ACK, junk and foreign replies ignored, renew, rebind, expiry, NAK,
 * refused leases, overloaded replies. */
#include "../../core/dhcp.c"

#include "t.h"
#include "netns.h"

#include <poll.h>
#include <stdio.h>

/* ---- helpers ---- */

/* A .hex file: '#' lines are comments, the rest hex byte pairs separated by blanks. */
static size_t load_hex(const char *name, uint8_t *out, size_t cap)
{
	char path[256], line[512];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "tests/data/dhcp/%s", name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s (run from the repository root)\n", path);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned v;
		int used;
		char *p = line;

		if (line[0] == '#')
			continue;
		while (n < cap && sscanf(p, "%2x%n", &v, &used) == 1) {
			out[n++] = (uint8_t)v;
			p += used;
		}
	}
	fclose(f);
	return n;
}

static const uint8_t SRV[4] = {10, 99, 0, 1};
static const uint8_t YI[4] = {10, 99, 0, 177};
static const uint8_t BB_MAC[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};

/* A BOOTREPLY at b (BOOTP only); returns the offset of the options. */
static size_t reply_hdr(uint8_t *b, uint32_t xid, const uint8_t *chaddr, const uint8_t *yiaddr)
{
	memset(b, 0, DHCP_OFF_OPTIONS);
	b[0] = DHCP_BOOTREPLY;
	b[1] = 1;
	b[2] = 6;
	put_be32(b + DHCP_OFF_XID, xid);
	if (yiaddr)
		memcpy(b + DHCP_OFF_YIADDR, yiaddr, 4);
	memcpy(b + DHCP_OFF_CHADDR, chaddr, 6);
	put_be32(b + DHCP_OFF_COOKIE, DHCP_MAGIC);
	return DHCP_OFF_OPTIONS;
}

static void put_u8(uint8_t *b, size_t *off, uint8_t code, uint8_t v)
{
	CHECK_EQ(dhcp_opt_put(b, 1500, off, code, &v, 1), 0);
}

static void put_u32(uint8_t *b, size_t *off, uint8_t code, uint32_t v)
{
	uint8_t t[4];

	put_be32(t, v);
	CHECK_EQ(dhcp_opt_put(b, 1500, off, code, t, 4), 0);
}

static void put_ip(uint8_t *b, size_t *off, uint8_t code, const char *ip)
{
	uint8_t a[4];

	CHECK_EQ(parse_ip4(ip, a), 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, off, code, a, 4), 0);
}

/* A well-formed ACK/OFFER; the caller may append options before calling end_msg. */
static size_t good_reply(uint8_t *b, uint8_t type)
{
	size_t off = reply_hdr(b, 0x11223344, BB_MAC, YI);

	put_u8(b, &off, DHCP_OPT_MSGTYPE, type);
	put_ip(b, &off, DHCP_OPT_SERVER_ID, "10.99.0.1");
	put_u32(b, &off, DHCP_OPT_LEASE, 3600);
	put_ip(b, &off, DHCP_OPT_SUBNET, "255.255.255.0");
	return off;
}

static size_t end_msg(uint8_t *b, size_t off)
{
	b[off++] = DHCP_OPT_END;
	return off;
}

static int parse_lease(const uint8_t *b, size_t len, struct dhcp_lease *l)
{
	static struct dhcp_msg m;
	int reason = -1;

	CHECK_EQ(dhcp_msg_parse(&m, b, len), 0);
	memcpy(m.src, SRV, 4);
	return dhcp_lease_parse(&m, l, &reason) < 0 ? reason : 0;
}

/* ---- the capture ---- */

static void test_vector_discover(void)
{
	static uint8_t p[1600];
	static struct dhcp_msg m;
	static const uint8_t prl[] = {1, 3, 6, 12, 15, 26, 28, 42, 121};
	size_t n = load_hex("udhcpc-dnsmasq-1-discover.hex", p, sizeof(p)), len, plen;
	const uint8_t *v;
	uint8_t src[4];

	CHECK_EQ(n, 328);
	CHECK_EQ(dhcp_csum(0, p, 20), 0); /* IP header checksum verifies */
	/* Client to server (68 -> 67): not a reply, ignored quietly. */
	CHECK_EQ(dhcp_ip_udp_parse(p, n, false, src, &plen), -ENOMSG);
	CHECK_EQ(dhcp_msg_parse(&m, p + 28, n - 28), 0);
	CHECK_EQ(m.op, DHCP_BOOTREQUEST);
	CHECK_EQ(m.type, DHCPDISCOVER);
	CHECK_EQ(m.xid, 0x70821912);
	CHECK_MEM(m.chaddr, BB_MAC, 6);
	v = dhcp_opt(&m.opts, DHCP_OPT_PRL, &len);
	CHECK(v && len == sizeof(prl) && !memcmp(v, prl, len));
	v = dhcp_opt(&m.opts, DHCP_OPT_MAX_SIZE, &len);
	CHECK(v && len == 2 && get_be16(v) == 576);
	v = dhcp_opt(&m.opts, DHCP_OPT_HOSTNAME, &len);
	CHECK(v && len == 7 && !memcmp(v, "modemtk", 7));
	v = dhcp_opt(&m.opts, DHCP_OPT_CLIENT_ID, &len);
	CHECK(v && len == 7 && v[0] == 1 && !memcmp(v + 1, BB_MAC, 6));
	CHECK(!dhcp_opt_has(&m.opts, DHCP_OPT_REQ_IP));
}

static void test_vector_offer_checksum(void)
{
	static uint8_t p[1600];
	size_t n = load_hex("udhcpc-dnsmasq-2-offer.hex", p, sizeof(p)), plen = 0;
	uint8_t src[4];
	int off;

	CHECK_EQ(n, 350);
	/* Captured before the sender's NIC offload filled in the UDP checksum. */
	CHECK_EQ(dhcp_ip_udp_parse(p, n, false, src, &plen), -EPROTO);
	off = dhcp_ip_udp_parse(p, n, true, src, &plen);
	CHECK_EQ(off, 28);
	CHECK_EQ(plen, 322);
	CHECK_MEM(src, SRV, 4);
	/* The complete checksum (0x008e, from the capture's provenance note) verifies, and is what
	 * our own sum computes over the pseudo-header and the datagram. */
	put_be16(p + 26, 0);
	CHECK_EQ(dhcp_csum(udp_pseudo(p + 12, p + 16, 330), p + 20, 330), 0x008e);
	put_be16(p + 26, 0x008e);
	CHECK_EQ(dhcp_ip_udp_parse(p, n, false, src, &plen), 28);
	/* A flipped payload bit is caught; so is one in the IP header. */
	p[300] ^= 1;
	CHECK_EQ(dhcp_ip_udp_parse(p, n, false, src, &plen), -EPROTO);
	p[300] ^= 1;
	p[8] ^= 1;
	CHECK_EQ(dhcp_ip_udp_parse(p, n, false, src, &plen), -EPROTO);
	p[8] ^= 1;
	/* Truncated datagram (shorter than its IP total length) and a fragment. */
	CHECK_EQ(dhcp_ip_udp_parse(p, n - 1, false, src, &plen), -EPROTO);
	CHECK_EQ(dhcp_ip_udp_parse(p, 27, false, src, &plen), -EPROTO);
	p[6] |= 0x20; /* more fragments */
	CHECK_EQ(dhcp_ip_udp_parse(p, n, true, src, &plen), -ENOMSG);
}

static void test_vector_offer_lease(void)
{
	static uint8_t p[1600];
	static struct dhcp_msg m;
	struct dhcp_lease l;
	size_t n = load_hex("udhcpc-dnsmasq-2-offer.hex", p, sizeof(p));
	int reason = -1;

	CHECK_EQ(dhcp_msg_parse(&m, p + 28, n - 28), 0);
	memcpy(m.src, p + 12, 4);
	CHECK_EQ(m.type, DHCPOFFER);
	CHECK_EQ(m.xid, 0x70821912);
	CHECK_EQ(dhcp_lease_parse(&m, &l, &reason), 0);
	CHECK_EQ(reason, DHCP_R_NONE);
	CHECK_MEM(l.addr, YI, 4);
	CHECK_EQ(l.prefix, 24);
	CHECK_MEM(l.server, SRV, 4);
	CHECK_EQ(l.lease_s, 3600);
	CHECK_EQ(l.t1_ms, 1800000);
	CHECK_EQ(l.t2_ms, 3150000);
	CHECK_EQ(l.mtu, 1400);
	CHECK_STR(l.domain, "bench.test");
	CHECK(l.has_router && !memcmp(l.router, SRV, 4));
	CHECK(l.has_brd && l.brd[3] == 255);
	CHECK_EQ(l.n_dns, 1);
	CHECK(l.has_classless);
	CHECK_EQ(l.n_routes, 2);
	CHECK(l.routes[0].prefix == 16 && l.routes[0].dst[0] == 10 && l.routes[0].dst[1] == 50);
	CHECK(l.routes[1].prefix == 0 && !memcmp(l.routes[1].gw, SRV, 4));
	CHECK_EQ(l.warn, 0);
}

/* The environment udhcpc gave its script for this very lease (notes 1.4, an env dump of busybox
 * udhcpc against the same dnsmasq configuration), except the address. */
static void test_vector_ack_env(void)
{
	static const char *const want[] = {
		"interface=vcli", "ip=10.99.0.177", "siaddr=10.99.0.1", "mask=24",
		"subnet=255.255.255.0", "router=10.99.0.1", "dns=10.99.0.1", "domain=bench.test",
		"mtu=1400", "broadcast=10.99.0.255", "lease=3600", "opt53=05", "serverid=10.99.0.1",
		"hostname=modemtk",
		"opt58=00000708", "opt59=00000c4e",
		"staticroutes=10.50.0.0/16 10.99.0.1 0.0.0.0/0 10.99.0.1",
	};
	static uint8_t p[1600];
	static struct dhcp_msg m;
	static char buf[DHCP_ENV_MAX];
	char *envp[DHCP_ENV_VARS + 1];
	size_t n = load_hex("udhcpc-dnsmasq-4-ack.hex", p, sizeof(p)), i;
	int cnt;

	CHECK_EQ(dhcp_msg_parse(&m, p + 28, n - 28), 0);
	CHECK_EQ(m.type, DHCPACK);
	cnt = dhcp_env(&m, "vcli", buf, sizeof(buf), envp, ARRAY_SIZE(envp));
	CHECK_EQ(cnt, (int)ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		bool found = false;

		for (int k = 0; k < cnt; k++)
			found |= !strcmp(envp[k], want[i]);
		if (!found)
			fprintf(stderr, "missing %s\n", want[i]);
		CHECK(found);
	}
	CHECK(envp[cnt] == NULL);
}

/* Our DISCOVER and REQUEST for the parameters udhcpc had are the bytes udhcpc sent. */
static void test_build_matches_udhcpc(void)
{
	static struct dhcp_client c;
	static uint8_t want[1600];
	static const uint8_t prl[] = {1, 3, 6, 12, 15, 26, 28, 42, 121};
	size_t n, off = 0, len;
	struct msg_args disc = {DHCPDISCOVER, NULL, NULL, NULL, true};
	struct msg_args req = {DHCPREQUEST, NULL, YI, SRV, true};

	memset(&c, 0, sizeof(c));
	c.cfg.max_msg = 576;
	memcpy(c.cfg.chaddr, BB_MAC, 6);
	memcpy(c.cfg.prl, prl, sizeof(prl));
	c.cfg.n_prl = sizeof(prl);
	CHECK_EQ(dhcp_opt_put(c.cfg.extra, DHCP_EXTRA_MAX, &off, 12, "modemtk", 7), 0);
	CHECK_EQ(dhcp_opt_put(c.cfg.extra, DHCP_EXTRA_MAX, &off, 60, "udhcp 1.35.0", 12), 0);
	c.cfg.extra_len = (uint16_t)off;
	c.cfg.client_id[0] = 1;
	memcpy(c.cfg.client_id + 1, BB_MAC, 6);
	c.cfg.client_id_len = 7;
	c.xid = 0x70821912;
	c.start_ms = loop_now_ms();

	n = load_hex("udhcpc-dnsmasq-1-discover.hex", want, sizeof(want));
	len = build(&c, &disc);
	CHECK_EQ(len, n - 28);
	CHECK_EQ(dhcp_ip_udp_build(c.txbuf, ip_any, ip_bcast, len), n);
	CHECK_MEM(c.txbuf, want, n);

	n = load_hex("udhcpc-dnsmasq-3-request.hex", want, sizeof(want));
	len = build(&c, &req);
	CHECK_EQ(len, n - 28);
	CHECK_EQ(dhcp_ip_udp_build(c.txbuf, ip_any, ip_bcast, len), n);
	CHECK_MEM(c.txbuf, want, n);
}

/* RFC 2131 table 5 for the other messages. */
static void test_build_messages(void)
{
	static struct dhcp_client c;
	static struct dhcp_msg m;
	uint8_t *b = c.txbuf + DHCP_IPUDP_LEN;
	const uint8_t *v;
	size_t len, l;

	memset(&c, 0, sizeof(c));
	c.cfg.max_msg = 1500;
	c.cfg.flags = DHCP_F_BROADCAST;
	c.cfg.prl[0] = 1;
	c.cfg.n_prl = 1;
	c.xid = 0xdeadbeef;
	c.start_ms = loop_now_ms() - 5500;
	memcpy(c.lease.addr, YI, 4);
	memcpy(c.server, SRV, 4);

	/* Renewing: ciaddr, no 50/54, secs counted, broadcast flag as asked. */
	c.state = DHCP_S_RENEWING;
	len = build(&c, &(struct msg_args){DHCPREQUEST, YI, NULL, NULL, true});
	CHECK_EQ(len, DHCP_MIN_SEND);
	CHECK_EQ(dhcp_msg_parse(&m, b, len), 0);
	CHECK_MEM(m.ciaddr, YI, 4);
	CHECK_EQ(m.secs, 5);
	CHECK_EQ(m.flags, DHCP_FLAG_BROADCAST);
	CHECK(!dhcp_opt_has(&m.opts, DHCP_OPT_REQ_IP) && !dhcp_opt_has(&m.opts, DHCP_OPT_SERVER_ID));
	CHECK(dhcp_opt_has(&m.opts, DHCP_OPT_PRL) && dhcp_opt_has(&m.opts, DHCP_OPT_MAX_SIZE));
	CHECK(!dhcp_opt_has(&m.opts, DHCP_OPT_CLIENT_ID)); /* client_id_len 0: -C */

	/* Release: secs 0, no flags, 54, no 55/57 (RFC 2131 table 5: MUST NOT). */
	len = build(&c, &(struct msg_args){DHCPRELEASE, YI, NULL, SRV, false});
	CHECK_EQ(dhcp_msg_parse(&m, b, len), 0);
	CHECK_EQ(m.type, DHCPRELEASE);
	CHECK_EQ(m.secs, 0);
	CHECK_EQ(m.flags, 0);
	v = dhcp_opt(&m.opts, DHCP_OPT_SERVER_ID, &l);
	CHECK(v && l == 4 && !memcmp(v, SRV, 4));
	CHECK(!dhcp_opt_has(&m.opts, DHCP_OPT_PRL) && !dhcp_opt_has(&m.opts, DHCP_OPT_MAX_SIZE));

	/* Options that do not fit the message are refused, not cut. */
	c.cfg.max_msg = 576;
	c.cfg.extra_len = DHCP_EXTRA_MAX;
	CHECK_EQ(build(&c, &(struct msg_args){DHCPDISCOVER, NULL, NULL, NULL, true}), 0);
}

/* ---- codec ---- */

static void test_checksum(void)
{
	/* RFC 1071 3: the sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2; the checksum its complement. */
	static const uint8_t ex[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	static const uint8_t odd[] = {0x01, 0x02, 0x03};
	uint8_t pkt[DHCP_IPUDP_LEN + 3], src[4];
	size_t plen;

	CHECK_EQ(dhcp_csum(0, ex, sizeof(ex)), 0x220d);
	CHECK_EQ(dhcp_csum(0, odd, 3), (uint16_t)~(0x0102 + 0x0300));
	/* A built datagram verifies (ports swapped to look like a reply: the sum is the same). */
	memcpy(pkt + DHCP_IPUDP_LEN, odd, 3);
	CHECK_EQ(dhcp_ip_udp_build(pkt, SRV, YI, 3), sizeof(pkt));
	CHECK_EQ(dhcp_csum(0, pkt, 20), 0);
	put_be16(pkt + 20, 67);
	put_be16(pkt + 22, 68);
	CHECK_EQ(dhcp_ip_udp_parse(pkt, sizeof(pkt), false, src, &plen), 28);
	CHECK_EQ(plen, 3);
	CHECK_MEM(src, SRV, 4);
	CHECK_EQ(pkt[8], 64);
}

static void test_long_options(void)
{
	static uint8_t b[1600], v[600];
	static struct dhcp_opts o;
	size_t off = DHCP_OFF_OPTIONS, len;
	const uint8_t *p;

	for (size_t i = 0; i < sizeof(v); i++)
		v[i] = (uint8_t)(i * 7);
	memset(b, 0, DHCP_OFF_OPTIONS);
	put_be32(b + DHCP_OFF_COOKIE, DHCP_MAGIC);
	/* RFC 3396 7: 600 bytes go out as 255 + 255 + 90. */
	CHECK_EQ(dhcp_opt_put(b, sizeof(b), &off, 224, v, 600), 0);
	CHECK_EQ(off, DHCP_OFF_OPTIONS + 606);
	CHECK(b[240] == 224 && b[241] == 255 && b[497] == 224 && b[498] == 255);
	CHECK(b[754] == 224 && b[755] == 90);
	/* Exactly 255: one piece; 510: two; 0: one empty option. */
	CHECK_EQ(dhcp_opt_put(b, sizeof(b), &off, 225, v, 255), 0);
	CHECK_EQ(off, DHCP_OFF_OPTIONS + 606 + 257);
	CHECK_EQ(dhcp_opt_put(b, sizeof(b), &off, 80, v, 0), 0);
	CHECK(b[off - 2] == 80 && b[off - 1] == 0);
	b[off++] = DHCP_OPT_END;
	CHECK_EQ(dhcp_opts_parse(&o, b, off), 0);
	p = dhcp_opt(&o, 224, &len);
	CHECK(p && len == 600 && !memcmp(p, v, 600));
	p = dhcp_opt(&o, 225, &len);
	CHECK(p && len == 255 && !memcmp(p, v, 255));
	p = dhcp_opt(&o, 80, &len);
	CHECK(p && len == 0);
	CHECK(!dhcp_opt(&o, 81, &len));
	/* No room: nothing written, offset unchanged. */
	off = 10;
	CHECK_EQ(dhcp_opt_put(b, 20, &off, 1, v, 9), -EMSGSIZE);
	CHECK_EQ(off, 10);
	CHECK_EQ(dhcp_opt_put(b, 20, &off, 1, v, 8), 0);
	CHECK_EQ(off, 20);
	off = 0;
	CHECK_EQ(dhcp_opt_put(b, 512, &off, 1, v, 510), -EMSGSIZE); /* needs 514 */
	CHECK_EQ(dhcp_opt_put(b, 514, &off, 1, v, 510), 0);
}

/* Option 52 (RFC 2132 9.3): options continue in file, then sname (RFC 2131 4.1); a split
 * option is joined in that order (RFC 3396 6). */
static void test_overload(void)
{
	static uint8_t b[1600];
	static struct dhcp_msg m;
	static const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	size_t off = reply_hdr(b, 1, BB_MAC, YI), len;
	const uint8_t *v;
	uint8_t *f = b + DHCP_OFF_FILE, *s = b + DHCP_OFF_SNAME;

	put_u8(b, &off, DHCP_OPT_OVERLOAD, 3);
	put_u8(b, &off, DHCP_OPT_MSGTYPE, DHCPACK);
	b[off++] = 224, b[off++] = 3, b[off++] = 1, b[off++] = 2, b[off++] = 3;
	b[off++] = DHCP_OPT_END;
	/* file: the second part of 224, option 52 (ignored here), END, pad */
	memcpy(f, (uint8_t[]){224, 3, 4, 5, 6, 52, 1, 0, 15, 3, 'a', '.', 'b', 255}, 14);
	/* sname: the last part of 224 */
	memcpy(s, (uint8_t[]){0, 224, 3, 7, 8, 9, 255}, 7);
	CHECK_EQ(dhcp_msg_parse(&m, b, off), 0);
	CHECK_EQ(m.opts.overload, 3);
	v = dhcp_opt(&m.opts, 224, &len);
	CHECK(v && len == 9 && !memcmp(v, want, 9));
	v = dhcp_opt(&m.opts, DHCP_OPT_DOMAIN, &len);
	CHECK(v && len == 3 && !memcmp(v, "a.b", 3));
	/* Only file (1): sname is text again, and the env shows it as such. */
	b[DHCP_OFF_OPTIONS + 2] = 1;
	memcpy(s, "srv", 4);
	CHECK_EQ(dhcp_msg_parse(&m, b, off), 0);
	v = dhcp_opt(&m.opts, 224, &len);
	CHECK(v && len == 6 && !memcmp(v, want, 6));
	/* An option running past the end of the file field is malformed. */
	f[DHCP_FILE_LEN - 2] = 66;
	f[DHCP_FILE_LEN - 1] = 5;
	f[13] = 0; /* no END before it */
	CHECK_EQ(dhcp_msg_parse(&m, b, off), -EPROTO);
	/* Without overload the same file field is just a boot file name. */
	b[DHCP_OFF_OPTIONS + 2] = 0;
	CHECK_EQ(dhcp_msg_parse(&m, b, off), 0);
	CHECK(!dhcp_opt_has(&m.opts, 66));
}

static void test_parse_malformed(void)
{
	static uint8_t b[1600];
	static struct dhcp_msg m;
	size_t off;

	off = good_reply(b, DHCPACK);
	CHECK_EQ(dhcp_msg_parse(&m, b, end_msg(b, off)), 0);
	/* Missing END but the last option ends at the boundary: accepted. */
	CHECK_EQ(dhcp_msg_parse(&m, b, off), 0);
	CHECK_EQ(dhcp_msg_parse(&m, b, 239), -EPROTO);	  /* shorter than the header */
	CHECK_EQ(dhcp_msg_parse(&m, b, off - 1), -EPROTO); /* last option cut */
	b[off] = 3;					   /* a code without its length */
	CHECK_EQ(dhcp_msg_parse(&m, b, off + 1), -EPROTO);
	b[off] = 3, b[off + 1] = 200;			   /* a length past the end */
	CHECK_EQ(dhcp_msg_parse(&m, b, off + 6), -EPROTO);
	b[DHCP_OFF_COOKIE] ^= 1;
	CHECK_EQ(dhcp_msg_parse(&m, b, end_msg(b, off)), -EPROTO);
	b[DHCP_OFF_COOKIE] ^= 1;
	/* Type missing, 0, 9, two bytes long. */
	off = reply_hdr(b, 1, BB_MAC, YI);
	CHECK_EQ(dhcp_msg_parse(&m, b, end_msg(b, off)), -EPROTO);
	put_u8(b, &off, DHCP_OPT_MSGTYPE, 9);
	CHECK_EQ(dhcp_msg_parse(&m, b, end_msg(b, off)), -EPROTO);
	off = reply_hdr(b, 1, BB_MAC, YI);
	put_u8(b, &off, DHCP_OPT_MSGTYPE, 2);
	put_u8(b, &off, DHCP_OPT_MSGTYPE, 2); /* RFC 3396: joined, so length 2 */
	CHECK_EQ(dhcp_msg_parse(&m, b, end_msg(b, off)), -EPROTO);
}

/* RFC 3442's own table of destination descriptors, then broken encodings. */
static void test_routes_decode(void)
{
	static const struct {
		uint8_t enc[6];
		uint8_t len;
		uint8_t dst[4], prefix;
	} rfc[] = {
		{{0}, 1, {0, 0, 0, 0}, 0},
		{{8, 10}, 2, {10, 0, 0, 0}, 8},
		{{24, 10, 0, 0}, 4, {10, 0, 0, 0}, 24},
		{{16, 10, 17}, 3, {10, 17, 0, 0}, 16},
		{{24, 10, 27, 129}, 4, {10, 27, 129, 0}, 24},
		{{25, 10, 229, 0, 128}, 5, {10, 229, 0, 128}, 25},
		{{32, 10, 198, 122, 47}, 5, {10, 198, 122, 47}, 32},
	};
	struct dhcp_route r[4];
	uint8_t b[16];
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(rfc); i++) {
		memcpy(b, rfc[i].enc, rfc[i].len);
		memcpy(b + rfc[i].len, (uint8_t[]){10, 0, 0, 1}, 4);
		CHECK_EQ(dhcp_routes_decode(b, rfc[i].len + 4u, r, 4, &n), 0);
		CHECK_EQ(n, 1);
		CHECK_EQ(r[0].prefix, rfc[i].prefix);
		CHECK_MEM(r[0].dst, rfc[i].dst, 4);
		CHECK(r[0].gw[0] == 10 && r[0].gw[3] == 1);
	}
	/* Host bits after the width are cleared: 20 bits of 10.17.255 -> 10.17.240.0. */
	memcpy(b, (uint8_t[]){20, 10, 17, 255, 1, 2, 3, 4}, 8);
	CHECK_EQ(dhcp_routes_decode(b, 8, r, 4, &n), 0);
	CHECK(r[0].dst[2] == 240 && r[0].dst[3] == 0);
	CHECK_EQ(dhcp_routes_decode(b, 0, r, 4, &n), 0);
	CHECK_EQ(n, 0);
	b[0] = 33; /* width > 32 */
	CHECK_EQ(dhcp_routes_decode(b, 9, r, 4, &n), -EPROTO);
	b[0] = 20;
	CHECK_EQ(dhcp_routes_decode(b, 7, r, 4, &n), -EPROTO); /* router cut */
	CHECK_EQ(dhcp_routes_decode(b, 2, r, 4, &n), -EPROTO); /* destination cut */
	/* More routes than room: counted, only max written. */
	for (int i = 0; i < 3; i++)
		memcpy(b + 5 * i, (uint8_t[]){0, 1, 2, 3, 4}, 5);
	CHECK_EQ(dhcp_routes_decode(b, 15, r, 2, &n), 0);
	CHECK_EQ(n, 3);
}

/* ---- leases from hostile servers ---- */

static void test_lease_refused(void)
{
	static const struct {
		const char *yiaddr, *mask, *router, *server;
		uint32_t lease;
		int reason;
	} bad[] = {
		{"0.0.0.0", NULL, NULL, NULL, 60, DHCP_R_ADDR},
		{"224.0.0.5", NULL, NULL, NULL, 60, DHCP_R_ADDR},
		{"127.0.0.1", NULL, NULL, NULL, 60, DHCP_R_ADDR},
		{"255.255.255.255", NULL, NULL, NULL, 60, DHCP_R_ADDR},
		{"240.1.2.3", NULL, NULL, NULL, 60, DHCP_R_ADDR},
		{"10.99.0.5", "255.0.255.0", NULL, NULL, 60, DHCP_R_MASK},
		{"10.99.0.5", "0.0.0.0", NULL, NULL, 60, DHCP_R_MASK},
		{"10.99.0.0", "255.255.255.0", NULL, NULL, 60, DHCP_R_NETADDR},
		{"10.99.0.255", "255.255.255.0", NULL, NULL, 60, DHCP_R_NETADDR},
		{"10.99.0.5", "255.255.255.0", "10.99.0.5", NULL, 60, DHCP_R_ROUTER},
		{"10.99.0.5", "255.255.255.0", "224.0.0.1", NULL, 60, DHCP_R_ROUTER},
		{"10.99.0.5", "255.255.255.0", "10.99.0.255", NULL, 60, DHCP_R_ROUTER},
		{"10.99.0.5", "255.255.255.0", "0.0.0.0", NULL, 60, DHCP_R_ROUTER},
		{"10.99.0.5", "255.255.255.0", NULL, "0.0.0.0", 60, DHCP_R_SERVER},
		{"10.99.0.5", "255.255.255.0", NULL, "255.255.255.255", 60, DHCP_R_SERVER},
		{"10.99.0.5", "255.255.255.0", NULL, NULL, 0, DHCP_R_LEASE0},
		/* accepted: /32 (point-to-point style), /31 (RFC 3021), a router off the subnet */
		{"10.99.0.5", "255.255.255.255", "10.99.0.1", NULL, 60, 0},
		{"10.99.0.4", "255.255.255.254", NULL, NULL, 60, 0},
		{"10.99.0.5", "255.255.255.0", "10.98.0.1", NULL, 60, 0},
	};
	static uint8_t b[1600];
	struct dhcp_lease l;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t yi[4];
		size_t off;

		CHECK_EQ(parse_ip4(bad[i].yiaddr, yi), 0);
		off = reply_hdr(b, 1, BB_MAC, yi);
		put_u8(b, &off, DHCP_OPT_MSGTYPE, DHCPACK);
		put_ip(b, &off, DHCP_OPT_SERVER_ID, bad[i].server ? bad[i].server : "10.99.0.1");
		put_u32(b, &off, DHCP_OPT_LEASE, bad[i].lease);
		if (bad[i].mask)
			put_ip(b, &off, DHCP_OPT_SUBNET, bad[i].mask);
		if (bad[i].router)
			put_ip(b, &off, DHCP_OPT_ROUTER, bad[i].router);
		if (parse_lease(b, end_msg(b, off), &l) != bad[i].reason)
			fprintf(stderr, "case %zu (%s)\n", i, bad[i].yiaddr);
		CHECK_EQ(parse_lease(b, end_msg(b, off), &l), bad[i].reason);
	}
	/* A must-have option of the wrong length. */
	size_t off = good_reply(b, DHCPACK);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_ROUTER, "\x0a\x63", 2), 0);
	CHECK_EQ(parse_lease(b, end_msg(b, off), &l), DHCP_R_ROUTER);
	off = reply_hdr(b, 1, BB_MAC, YI);
	put_u8(b, &off, DHCP_OPT_MSGTYPE, DHCPACK);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_SUBNET, "\xff\xff\xff", 3), 0);
	CHECK_EQ(parse_lease(b, end_msg(b, off), &l), DHCP_R_MSG);
	CHECK_STR(dhcp_reject_str(DHCP_R_ROUTER),
		  "the router is not a usable unicast address on this subnet");
	CHECK_STR(dhcp_reject_str(99), "unknown reason");
}

static void test_lease_sanitised(void)
{
	static uint8_t b[1600];
	struct dhcp_lease l;
	uint8_t mtu[2] = {0, 67}, r121[18 * 6], dns[12] = {0, 0, 0, 0, 10, 0, 0, 53, 224, 0, 0, 1};
	size_t off;

	/* MTU < 68 ignored; 0.0.0.0 and multicast DNS dropped; bad domain ignored; T1 > T2. */
	off = good_reply(b, DHCPACK);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_MTU, mtu, 2), 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_DNS, dns, 12), 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_DOMAIN, "a;reboot", 8), 0);
	put_u32(b, &off, DHCP_OPT_T1, 3000);
	put_u32(b, &off, DHCP_OPT_T2, 2000);
	CHECK_EQ(parse_lease(b, end_msg(b, off), &l), 0);
	CHECK_EQ(l.mtu, 0);
	CHECK_EQ(l.n_dns, 1);
	CHECK(l.dns[0][3] == 53);
	CHECK_STR(l.domain, "");
	CHECK_EQ(l.t2_ms, 2000000);
	CHECK_EQ(l.t1_ms, 1000000); /* min(lease/2, T2/2) */
	CHECK_EQ(l.warn, DHCP_W_MTU | DHCP_W_DNS | DHCP_W_DOMAIN | DHCP_W_TIMES);

	/* T2 beyond the lease: both defaults; T1/T2 honoured when sane. */
	off = good_reply(b, DHCPACK);
	put_u32(b, &off, DHCP_OPT_T2, 4000);
	CHECK_EQ(parse_lease(b, end_msg(b, off), &l), 0);
	CHECK(l.t1_ms == 1800000 && l.t2_ms == 3150000 && l.warn == DHCP_W_TIMES);
	off = good_reply(b, DHCPACK);
	put_u32(b, &off, DHCP_OPT_T1, 5);
	put_u32(b, &off, DHCP_OPT_T2, 8);
	CHECK_EQ(parse_lease(b, end_msg(b, off), &l), 0);
	CHECK(l.t1_ms == 5000 && l.t2_ms == 8000 && l.warn == 0);

	/* Infinite lease: no timers. No mask: classful. No lease time: 3600 (udhcpc). */
	off = reply_hdr(b, 1, BB_MAC, YI);
	put_u8(b, &off, DHCP_OPT_MSGTYPE, DHCPACK);
	put_u32(b, &off, DHCP_OPT_LEASE, DHCP_LEASE_INFINITE);
	CHECK_EQ(parse_lease(b, end_msg(b, off), &l), 0);
	CHECK(l.lease_s == DHCP_LEASE_INFINITE && l.t1_ms == 0 && l.prefix == 8);
	CHECK_EQ(l.warn, DHCP_W_NO_MASK);
	CHECK_MEM(l.server, SRV, 4); /* no option 54: the IP source */
	off = reply_hdr(b, 1, BB_MAC, YI);
	put_u8(b, &off, DHCP_OPT_MSGTYPE, DHCPACK);
	put_ip(b, &off, DHCP_OPT_SUBNET, "255.255.0.0");
	CHECK_EQ(parse_lease(b, end_msg(b, off), &l), 0);
	CHECK(l.lease_s == 3600 && l.warn == DHCP_W_NO_LEASE && l.prefix == 16);

	/* Option 121: malformed -> ignored (router used); 18 routes -> 16; bad gateway dropped. */
	off = good_reply(b, DHCPACK);
	put_ip(b, &off, DHCP_OPT_ROUTER, "10.99.0.1");
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_CLASSLESS, "\x21\x0a\x0a\x63\x00\x01", 6), 0);
	CHECK_EQ(parse_lease(b, end_msg(b, off), &l), 0);
	CHECK(!l.has_classless && l.has_router && l.warn == DHCP_W_ROUTES_BAD);
	/* 18 routes 20.0.0.0/8, 21.0.0.0/8 ... via 10.99.0.1, but route 1 via 224.99.0.1 */
	for (int i = 0; i < 18; i++)
		memcpy(r121 + 6 * i, (uint8_t[]){8, (uint8_t)(20 + i), 10, 99, 0, 1}, 6);
	r121[6 + 2] = 224;
	off = good_reply(b, DHCPACK);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_CLASSLESS, r121, sizeof(r121)), 0);
	CHECK_EQ(parse_lease(b, end_msg(b, off), &l), 0);
	CHECK(l.has_classless);
	CHECK_EQ(l.n_routes, 15);
	CHECK_EQ(l.warn, DHCP_W_ROUTES_MANY | DHCP_W_ROUTE_GW);
	CHECK(l.routes[1].dst[0] == 22);
	/* Broadcast outside the subnet ignored. */
	off = good_reply(b, DHCPACK);
	put_ip(b, &off, DHCP_OPT_BROADCAST, "10.98.0.255");
	CHECK_EQ(parse_lease(b, end_msg(b, off), &l), 0);
	CHECK(!l.has_brd && l.warn == DHCP_W_BRD);
}

/* ---- script environment ---- */

static bool env_has(char **envp, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(envp[i], s))
			return true;
	fprintf(stderr, "missing %s\n", s);
	return false;
}

static void test_env_types(void)
{
	/* RFC 3397 example-like search list with a compression pointer to "example". */
	static const uint8_t search[] = {3, 'e', 'n', 'g', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
					 2, 'h', 'q', 0xc0, 4};
	static const uint8_t loop119[] = {1, 'a', 0xc0, 0};
	static uint8_t b[1600];
	static struct dhcp_msg m;
	static char buf[DHCP_ENV_MAX];
	char *envp[DHCP_ENV_VARS + 1];
	size_t off = good_reply(b, DHCPACK);
	int n;

	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_HOSTNAME, "x;rm -rf /", 10), 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, 40, "-o", 2), 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_DOMAIN, "a.example b.example", 19), 0);
	put_u32(b, &off, 2, (uint32_t)-3600);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, 33, "\x0a\x00\x00\x00\x0a\x63\x00\x01", 8), 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_SEARCH, search, sizeof(search)), 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, 120, "\x01\x0a\x00\x00\x05", 5), 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, 224, "\x01\xff", 2), 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_MESSAGE, "hi\0there", 8), 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, 26, "\x05", 1), 0); /* mtu of length 1: hex */
	memcpy(b + DHCP_OFF_FILE, "pxelinux.0", 11);
	CHECK_EQ(dhcp_msg_parse(&m, b, end_msg(b, off)), 0);
	n = dhcp_env(&m, "usb0", buf, sizeof(buf), envp, ARRAY_SIZE(envp));
	CHECK(n > 0);
	CHECK(env_has(envp, n, "interface=usb0"));
	CHECK(env_has(envp, n, "hostname=bad")); /* CVE-2011-2716 */
	CHECK(env_has(envp, n, "nisdomain=bad"));
	CHECK(env_has(envp, n, "domain=a.example b.example"));
	CHECK(env_has(envp, n, "timezone=-3600"));
	CHECK(env_has(envp, n, "routes=10.0.0.0/10.99.0.1"));
	CHECK(env_has(envp, n, "search=eng.example hq.example"));
	CHECK(env_has(envp, n, "sipsrv=10.0.0.5"));
	CHECK(env_has(envp, n, "opt224=01ff"));
	CHECK(env_has(envp, n, "message=hi"));
	CHECK(env_has(envp, n, "opt26=05"));
	CHECK(env_has(envp, n, "boot_file=pxelinux.0"));
	/* A compression loop in option 119: passed on as hex, not followed forever. */
	off = good_reply(b, DHCPACK);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_SEARCH, loop119, sizeof(loop119)), 0);
	CHECK_EQ(dhcp_msg_parse(&m, b, end_msg(b, off)), 0);
	n = dhcp_env(&m, "usb0", buf, sizeof(buf), envp, ARRAY_SIZE(envp));
	CHECK(env_has(envp, n, "opt119=0161c000"));
	/* No message: interface only. */
	CHECK_EQ(dhcp_env(NULL, "usb0", buf, sizeof(buf), envp, ARRAY_SIZE(envp)), 1);
	CHECK_STR(envp[0], "interface=usb0");
	CHECK(envp[1] == NULL);
}

static void test_env_small_buffers(void)
{
	static uint8_t p[1600];
	static struct dhcp_msg m;
	char buf[64], *envp[4];
	size_t n = load_hex("udhcpc-dnsmasq-4-ack.hex", p, sizeof(p));
	int r;

	CHECK_EQ(dhcp_msg_parse(&m, p + 28, n - 28), 0);
	/* Too few pointers: the first ones are valid, the array ends in NULL. */
	r = dhcp_env(&m, "vcli", buf, sizeof(buf), envp, 4);
	CHECK_EQ(r, -ENOBUFS);
	CHECK(envp[3] == NULL);
	CHECK_STR(envp[0], "interface=vcli");
	/* Too little text space. */
	r = dhcp_env(&m, "vcli", buf, 20, envp, 4);
	CHECK_EQ(r, -ENOBUFS);
	CHECK_EQ(dhcp_env(&m, "vcli", buf, 0, envp, 4), -ENOBUFS);
}

static void test_names(void)
{
	CHECK_EQ(dhcp_opt_code("staticroutes"), 121);
	CHECK_EQ(dhcp_opt_code("mtu"), 26);
	CHECK_EQ(dhcp_opt_code("hostname"), 12);
	CHECK_EQ(dhcp_opt_code("nosuch"), -ENOENT);
	CHECK_EQ(dhcp_opt_type(12), 'h');
	CHECK_EQ(dhcp_opt_type(51), '4');
	CHECK_EQ(dhcp_opt_type(3), 'i');
	CHECK_EQ(dhcp_opt_type(200), 'x');
	CHECK_STR(dhcp_type_name(DHCPNAK), "nak");
	CHECK_STR(dhcp_state_name(DHCP_S_REBINDING), "rebinding");
}

static void test_clientid(void)
{
	uint8_t a[DHCP_DUID_CLIENTID_LEN], b[DHCP_DUID_CLIENTID_LEN], c[DHCP_DUID_CLIENTID_LEN];
	uint8_t ma[6], mb[6], mc[6];
	static const uint8_t zero[16];

	dhcp_make_clientid(a, ma, "wwan0", (const uint8_t *)"0123456789abcdef", 16);
	dhcp_make_clientid(b, mb, "wwan0", (const uint8_t *)"0123456789abcdef", 16);
	dhcp_make_clientid(c, mc, "wwan1", (const uint8_t *)"0123456789abcdef", 16);
	CHECK_MEM(a, b, sizeof(a)); /* stable */
	CHECK_MEM(ma, mb, 6);
	CHECK_EQ(a[0], 255);			 /* RFC 4361 */
	CHECK_EQ(get_be16(a + 5), 4);		 /* DUID-UUID */
	CHECK_EQ(a[13] >> 4, 4);		 /* UUID version 4 */
	CHECK_EQ(a[15] >> 6, 2);		 /* variant */
	CHECK(memcmp(a + 7, zero, 16) != 0);
	CHECK(memcmp(a + 1, c + 1, 4) != 0);	 /* IAID differs per interface */
	CHECK_MEM(a + 5, c + 5, 18);		 /* DUID is per machine */
	CHECK(memcmp(ma, mc, 6) != 0);
	CHECK_EQ(ma[0], 0x02);			 /* local, unicast */
	dhcp_make_clientid(b, mb, "wwan0", (const uint8_t *)"0123456789abcdeg", 16);
	CHECK(memcmp(a + 7, b + 7, 16) != 0);	 /* another machine */
}

/* ---- the state machine on a TUN device, this test being the server ---- */

static struct dhcp_client C;
static int tunfd = -1;
static int ev_count[16];
static int ev_ret[16];
static enum dhcp_event ev_last;
static uint8_t cpkt[1600];
static struct dhcp_msg cmsg; /* the client's last message */
static uint8_t cmsg_src[4], cmsg_dst[4];

static int cb(struct dhcp_client *c, enum dhcp_event ev)
{
	(void)c;
	ev_count[ev]++;
	ev_last = ev;
	return ev_ret[ev];
}

/* Run the loop until the client sends a DHCP message (read from the TUN); its type or -1. */
static int client_msg(int timeout_ms)
{
	int64_t end = loop_now_ms() + timeout_ms;

	while (loop_now_ms() < end) {
		ssize_t n = read(tunfd, cpkt, sizeof(cpkt));

		if (n >= 28 && cpkt[0] == 0x45 && cpkt[9] == 17 && get_be16(cpkt + 20) == 68 &&
		    get_be16(cpkt + 22) == 67 && dhcp_msg_parse(&cmsg, cpkt + 28, (size_t)n - 28) == 0) {
			memcpy(cmsg_src, cpkt + 12, 4);
			memcpy(cmsg_dst, cpkt + 16, 4);
			CHECK_EQ(dhcp_csum(0, cpkt, 20), 0);
			return cmsg.type;
		}
		if (n < 0)
			loop_run_once(20);
	}
	return -1;
}

/* Run the loop for ms, failing if the client sends anything. */
static void quiet(int ms)
{
	int t = client_msg(ms);

	if (t >= 0)
		fprintf(stderr, "unexpected %s from the client\n", dhcp_type_name((unsigned)t));
	CHECK_EQ(t, -1);
}

/* Send a reply (BOOTP at b[len]) into the TUN, as if it came from the server. */
static void srv_send(uint8_t *b, size_t len, const uint8_t *src)
{
	static uint8_t pkt[1600];
	static const uint8_t dst[4] = {255, 255, 255, 255};

	memcpy(pkt + DHCP_IPUDP_LEN, b, len);
	dhcp_ip_udp_build(pkt, src, dst, len);
	/* Swap the ports to 67 -> 68: the one's complement sum does not change. */
	put_be16(pkt + 20, 67);
	put_be16(pkt + 22, 68);
	CHECK_EQ(write(tunfd, pkt, len + DHCP_IPUDP_LEN), (ssize_t)(len + DHCP_IPUDP_LEN));
	loop_run_once(50);
}

/* A reply to the client's last message. */
static size_t srv_reply(uint8_t *b, uint8_t type, const char *sid, uint32_t lease, uint32_t t1,
			uint32_t t2)
{
	size_t off = reply_hdr(b, cmsg.xid, cmsg.chaddr, type == DHCPNAK ? NULL : YI);

	put_u8(b, &off, DHCP_OPT_MSGTYPE, type);
	put_ip(b, &off, DHCP_OPT_SERVER_ID, sid);
	if (type != DHCPNAK) {
		put_u32(b, &off, DHCP_OPT_LEASE, lease);
		put_ip(b, &off, DHCP_OPT_SUBNET, "255.255.255.0");
		put_ip(b, &off, DHCP_OPT_ROUTER, "10.99.0.1");
		if (t1)
			put_u32(b, &off, DHCP_OPT_T1, t1);
		if (t2)
			put_u32(b, &off, DHCP_OPT_T2, t2);
	}
	return off;
}

static int sm_setup(const char *name)
{
	struct ifreq ifr;
	int fd, s;

	memset(&C, 0, sizeof(C));
	memset(ev_count, 0, sizeof(ev_count));
	memset(ev_ret, 0, sizeof(ev_ret));
	fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6", O_WRONLY);
	if (fd >= 0) {
		CHECK_EQ(write(fd, "1", 1), 1);
		close(fd);
	}
	tunfd = tun_open(name);
	CHECK(tunfd >= 0);
	fcntl(tunfd, F_SETFL, O_NONBLOCK);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	CHECK_EQ(ioctl(s, SIOCGIFINDEX, &ifr), 0);
	C.cfg.ifindex = ifr.ifr_ifindex;
	CHECK_EQ(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	CHECK_EQ(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
	strcpy(C.cfg.ifname, name);
	C.cfg.arphrd = ARPHRD_NONE;
	C.cfg.max_msg = 1500;
	dhcp_make_clientid(C.cfg.client_id, C.cfg.chaddr, name, (const uint8_t *)"seed", 4);
	C.cfg.client_id_len = DHCP_DUID_CLIENTID_LEN;
	C.cfg.retries = 3;
	C.cfg.timeout_ms = 400;
	C.cfg.tryagain_ms = 300;
	C.cb = cb;
	return t_case_failed;
}

static int sm_full_body(void)
{
	static uint8_t b[1600], junk[300];
	static const uint8_t zero6[6];
	static const uint8_t bcast[4] = {255, 255, 255, 255};
	size_t off, len;
	const uint8_t *v;
	uint32_t xid1;

	if (sm_setup("dtun0"))
		return 1;
	CHECK_EQ(dhcp_client_start(&C), 0);
	CHECK_EQ(client_msg(1000), DHCPDISCOVER);
	xid1 = cmsg.xid;
	/* Raw-IP link: a unique client id and a made-up chaddr, never all zeros. */
	v = dhcp_opt(&cmsg.opts, DHCP_OPT_CLIENT_ID, &len);
	CHECK(v && len == DHCP_DUID_CLIENTID_LEN && v[0] == 255);
	CHECK(memcmp(cmsg.chaddr, zero6, 6) != 0);
	CHECK(dhcp_opt_has(&cmsg.opts, DHCP_OPT_MAX_SIZE));

	/* Junk: bad IP checksum (counted as malformed), garbage BOOTP, a reply for someone
	 * else's xid and one for another chaddr: all ignored, no state change. */
	memset(junk, 0xa5, sizeof(junk));
	off = srv_reply(b, DHCPOFFER, "10.99.0.1", 60, 0, 0);
	len = end_msg(b, off);
	memcpy(junk, b, 100);
	srv_send(junk, sizeof(junk), SRV);
	b[DHCP_OFF_XID] ^= 1;
	srv_send(b, len, SRV);
	b[DHCP_OFF_XID] ^= 1;
	b[DHCP_OFF_CHADDR] ^= 1;
	srv_send(b, len, SRV);
	b[DHCP_OFF_CHADDR] ^= 1;
	CHECK_EQ(C.state, DHCP_S_SELECTING);
	CHECK(C.stats.malformed >= 1);
	CHECK(C.stats.ignored >= 2);
	/* A retransmission comes with the same xid (RFC 2131 4.1) and a later secs. */
	CHECK_EQ(client_msg(1500), DHCPDISCOVER);
	CHECK_EQ(cmsg.xid, xid1);

	/* The offer, then the REQUEST: 50 and 54, ciaddr 0, broadcast. */
	srv_send(b, len, SRV);
	CHECK_EQ(ev_count[DHCP_EV_OFFER], 1);
	CHECK_EQ(client_msg(1000), DHCPREQUEST);
	v = dhcp_opt(&cmsg.opts, DHCP_OPT_REQ_IP, &len);
	CHECK(v && len == 4 && !memcmp(v, YI, 4));
	v = dhcp_opt(&cmsg.opts, DHCP_OPT_SERVER_ID, &len);
	CHECK(v && len == 4 && !memcmp(v, SRV, 4));
	CHECK_MEM(cmsg_dst, bcast, 4);
	CHECK_EQ(cmsg.xid, xid1);

	/* An ACK from another server is not for us (RFC 2131 4.4.1). */
	off = srv_reply(b, DHCPACK, "10.99.0.2", 3, 1, 2);
	srv_send(b, end_msg(b, off), (const uint8_t[]){10, 99, 0, 2});
	CHECK_EQ(C.state, DHCP_S_REQUESTING);
	/* The chosen server's ACK: lease 3 s, T1 1 s, T2 2 s. */
	off = srv_reply(b, DHCPACK, "10.99.0.1", 3, 1, 2);
	srv_send(b, end_msg(b, off), SRV);
	CHECK_EQ(C.state, DHCP_S_BOUND);
	CHECK_EQ(ev_count[DHCP_EV_BOUND], 1);
	CHECK_MEM(C.lease.addr, YI, 4);
	CHECK(C.raw.fd < 0); /* bound: no socket is polled */

	/* Bound: silence until T1 (1 s). */
	quiet(700);
	CHECK_EQ(C.state, DHCP_S_BOUND);
	/* RENEWING: ciaddr set, no 50/54, a new xid, to the server (the address is not
	 * configured here, so it goes out on the packet socket, unicast). */
	CHECK_EQ(client_msg(1000), DHCPREQUEST);
	CHECK_EQ(C.state, DHCP_S_RENEWING);
	CHECK_MEM(cmsg.ciaddr, YI, 4);
	CHECK(!dhcp_opt_has(&cmsg.opts, DHCP_OPT_REQ_IP));
	CHECK(!dhcp_opt_has(&cmsg.opts, DHCP_OPT_SERVER_ID));
	CHECK(cmsg.xid != xid1);
	CHECK_MEM(cmsg_dst, SRV, 4);
	CHECK_MEM(cmsg_src, YI, 4);
	/* Unanswered: REBINDING at T2 (2 s), broadcast. */
	for (int i = 0; i < 4 && C.state != DHCP_S_REBINDING; i++)
		client_msg(600);
	CHECK_EQ(C.state, DHCP_S_REBINDING);
	CHECK_MEM(cmsg_dst, bcast, 4);
	CHECK_MEM(cmsg.ciaddr, YI, 4);
	/* Unanswered: at 3 s the lease expires, DECONFIG, and discovery starts over. */
	for (int i = 0; i < 6 && C.state == DHCP_S_REBINDING; i++)
		client_msg(400);
	CHECK_EQ(ev_count[DHCP_EV_DECONFIG], 1);
	CHECK_EQ(C.why, DHCP_WHY_EXPIRED);
	CHECK_EQ(C.state, DHCP_S_SELECTING);
	CHECK(cmsg.type == DHCPDISCOVER || client_msg(500) == DHCPDISCOVER);
	dhcp_client_stop(&C);
	close(tunfd);
	return t_case_failed;
}

static void test_sm_lease_cycle(void)
{
	RUN_IN_NETNS(sm_full_body);
}

/* Renewal answered; then a NAK while renewing drops the lease. */
static int sm_renew_nak_body(void)
{
	static uint8_t b[1600];
	size_t off;

	if (sm_setup("dtun1"))
		return 1;
	CHECK_EQ(dhcp_client_start(&C), 0);
	CHECK_EQ(client_msg(1000), DHCPDISCOVER);
	off = srv_reply(b, DHCPOFFER, "10.99.0.1", 4, 1, 3);
	srv_send(b, end_msg(b, off), SRV);
	CHECK_EQ(client_msg(1000), DHCPREQUEST);
	off = srv_reply(b, DHCPACK, "10.99.0.1", 4, 1, 3);
	srv_send(b, end_msg(b, off), SRV);
	CHECK_EQ(C.state, DHCP_S_BOUND);
	CHECK_EQ(client_msg(1500), DHCPREQUEST); /* renew at T1 */
	CHECK_EQ(C.state, DHCP_S_RENEWING);
	/* An ACK from another server while renewing (we asked ours): ignored. */
	off = srv_reply(b, DHCPACK, "10.99.0.2", 4, 1, 3);
	srv_send(b, end_msg(b, off), (const uint8_t[]){10, 99, 0, 2});
	CHECK_EQ(C.state, DHCP_S_RENEWING);
	off = srv_reply(b, DHCPACK, "10.99.0.1", 4, 1, 3);
	srv_send(b, end_msg(b, off), SRV);
	CHECK_EQ(C.state, DHCP_S_BOUND);
	CHECK_EQ(ev_count[DHCP_EV_RENEW], 1);
	CHECK_EQ(ev_count[DHCP_EV_DECONFIG], 0);
	/* SIGUSR1-style renew now; the server says NAK: nak, deconfig, discover at once. */
	dhcp_client_renew(&C);
	CHECK_EQ(client_msg(500), DHCPREQUEST);
	off = srv_reply(b, DHCPNAK, "10.99.0.1", 0, 0, 0);
	srv_send(b, end_msg(b, off), SRV);
	CHECK_EQ(ev_count[DHCP_EV_NAK], 1);
	CHECK_EQ(ev_count[DHCP_EV_DECONFIG], 1);
	CHECK_EQ(C.why, DHCP_WHY_NAK);
	CHECK_EQ(client_msg(500), DHCPDISCOVER);
	dhcp_client_stop(&C);
	close(tunfd);
	return t_case_failed;
}

static void test_sm_renew_nak(void)
{
	RUN_IN_NETNS(sm_renew_nak_body);
}

/* INIT-REBOOT: REQUEST with 50 and no 54; a NAK from any server restarts without 50. A lease
 * with an unusable router is refused. An OFFER whose options are in the file field works. */
static int sm_reboot_body(void)
{
	static uint8_t b[1600];
	static const uint8_t old[4] = {10, 1, 2, 3};
	const uint8_t *v;
	size_t off, len;

	if (sm_setup("dtun2"))
		return 1;
	memcpy(C.cfg.req_ip, old, 4);
	C.cfg.has_req_ip = true;
	C.cfg.flags |= DHCP_F_INIT_REBOOT;
	CHECK_EQ(dhcp_client_start(&C), 0);
	CHECK_EQ(C.state, DHCP_S_REBOOTING);
	CHECK_EQ(client_msg(1000), DHCPREQUEST);
	v = dhcp_opt(&cmsg.opts, DHCP_OPT_REQ_IP, &len);
	CHECK(v && len == 4 && !memcmp(v, old, 4));
	CHECK(!dhcp_opt_has(&cmsg.opts, DHCP_OPT_SERVER_ID));
	off = srv_reply(b, DHCPNAK, "10.99.0.7", 0, 0, 0);
	CHECK_EQ(dhcp_opt_put(b, 1500, &off, DHCP_OPT_MESSAGE, "wrong network", 13), 0);
	srv_send(b, end_msg(b, off), (const uint8_t[]){10, 99, 0, 7});
	CHECK_EQ(ev_count[DHCP_EV_NAK], 1);
	CHECK_EQ(ev_count[DHCP_EV_DECONFIG], 0); /* nothing was configured */
	CHECK_EQ(client_msg(500), DHCPDISCOVER);
	CHECK(!dhcp_opt_has(&cmsg.opts, DHCP_OPT_REQ_IP));

	/* An OFFER with everything but option 53/52 in the file field (overload 1). */
	off = reply_hdr(b, cmsg.xid, cmsg.chaddr, YI);
	put_u8(b, &off, DHCP_OPT_OVERLOAD, 1);
	put_u8(b, &off, DHCP_OPT_MSGTYPE, DHCPOFFER);
	b[off++] = DHCP_OPT_END;
	memcpy(b + DHCP_OFF_FILE, (uint8_t[]){54, 4, 10, 99, 0, 1, 51, 4, 0, 0, 0, 60, 1, 4, 255,
					      255, 255, 0, 3, 4, 224, 0, 0, 1, 255}, 25);
	/* ... whose router is multicast: refused. */
	srv_send(b, off, SRV);
	CHECK_EQ(ev_count[DHCP_EV_REFUSED], 1);
	CHECK_EQ(C.reason, DHCP_R_ROUTER);
	CHECK_EQ(C.state, DHCP_S_SELECTING);
	/* Fixed router: accepted, and the callback may still refuse it (overlap). */
	b[DHCP_OFF_FILE + 20] = 10;
	ev_ret[DHCP_EV_OFFER] = -1;
	srv_send(b, off, SRV);
	CHECK_EQ(ev_count[DHCP_EV_OFFER], 1);
	CHECK_EQ(C.state, DHCP_S_SELECTING);
	CHECK_EQ(C.cand.prefix, 24);
	CHECK_EQ(C.cand.lease_s, 60);
	ev_ret[DHCP_EV_OFFER] = 0;
	srv_send(b, off, SRV);
	CHECK_EQ(C.state, DHCP_S_REQUESTING);
	CHECK_EQ(client_msg(500), DHCPREQUEST);
	/* The applet refuses the lease: a RELEASE goes back to the server, then INIT. */
	off = srv_reply(b, DHCPACK, "10.99.0.1", 60, 0, 0);
	ev_ret[DHCP_EV_BOUND] = -1;
	srv_send(b, end_msg(b, off), SRV);
	CHECK_EQ(client_msg(500), DHCPRELEASE);
	CHECK_MEM(cmsg.ciaddr, YI, 4);
	CHECK_EQ(C.state, DHCP_S_INIT);
	CHECK_EQ(client_msg(1000), DHCPDISCOVER); /* after -A */
	dhcp_client_stop(&C);
	close(tunfd);
	return t_case_failed;
}

static void test_sm_reboot_refuse(void)
{
	RUN_IN_NETNS(sm_reboot_body);
}

/* -t retries with doubling intervals, then LEASEFAIL and a new round after -A. */
static int sm_leasefail_body(void)
{
	int64_t t[4];

	if (sm_setup("dtun3"))
		return 1;
	C.cfg.retries = 3;
	C.cfg.timeout_ms = 200;
	C.cfg.tryagain_ms = 500;
	CHECK_EQ(dhcp_client_start(&C), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(client_msg(2000), DHCPDISCOVER);
		t[i] = loop_now_ms();
	}
	/* 200 ms +- 50, then 400 +- 100 (RFC 2131 4.1 backoff from -T, jitter <= 1/4). */
	CHECK(t[1] - t[0] >= 140 && t[1] - t[0] <= 320);
	CHECK(t[2] - t[1] >= 290 && t[2] - t[1] <= 560);
	CHECK_EQ(client_msg(2000), DHCPDISCOVER); /* after 800 ms + LEASEFAIL + 500 ms */
	t[3] = loop_now_ms();
	CHECK_EQ(ev_count[DHCP_EV_LEASEFAIL], 1);
	CHECK(t[3] - t[2] >= 1100);
	dhcp_client_stop(&C);
	close(tunfd);
	return t_case_failed;
}

static void test_sm_leasefail(void)
{
	RUN_IN_NETNS(sm_leasefail_body);
}

int main(void)
{
	RUN(test_vector_discover);
	RUN(test_vector_offer_checksum);
	RUN(test_vector_offer_lease);
	RUN(test_vector_ack_env);
	RUN(test_build_matches_udhcpc);
	RUN(test_build_messages);
	RUN(test_checksum);
	RUN(test_long_options);
	RUN(test_overload);
	RUN(test_parse_malformed);
	RUN(test_routes_decode);
	RUN(test_lease_refused);
	RUN(test_lease_sanitised);
	RUN(test_env_types);
	RUN(test_env_small_buffers);
	RUN(test_names);
	RUN(test_clientid);
	RUN(test_sm_lease_cycle);
	RUN(test_sm_renew_nak);
	RUN(test_sm_reboot_refuse);
	RUN(test_sm_leasefail);
	return t_done();
}
