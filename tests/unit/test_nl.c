/* test_nl.c - rtnetlink builders against bytes captured from iproute2 (notes/qmap.md 3.2, 3.3),
 * the receive parsers on hand-made buffers, and (as root) the operations live on a TUN device
 * in a throw-away network namespace. */
#include "wwanbox.h"
#include "nl.h"
#include "t.h"
#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* "54 00 0a" -> bytes; returns the count. */
static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned int v;

	while (*s) {
		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		sscanf(s, "%2x", &v);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void check_bytes(const struct nl_msg *m, const char *golden)
{
	uint8_t want[256];
	size_t n = unhex(golden, want);

	CHECK_EQ(m->err, 0);
	CHECK_EQ(m->len, n);
	CHECK_EQ(get_h32(m->buf), n);
	if (m->len == n)
		CHECK_MEM(m->buf, want, n);
	if (m->len == n && memcmp(m->buf, want, n)) {
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%02x%s", m->buf[i], i % 16 == 15 ? "\n" : " ");
		fprintf(stderr, "\n");
	}
}

/* The golden bytes come from iproute2 on little-endian x86, and netlink is host-endian. */
#define SKIP_IF_BIG_ENDIAN()                                                               \
	do {                                                                               \
		if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)                                \
			SKIP("golden bytes captured on little-endian x86 (netlink is host-endian)"); \
	} while (0)

/* ---- builders ---- */

static void test_attr_padding(void)
{
	uint8_t buf[128];
	struct nl_msg m;
	size_t i;

	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(nl_msg_init(&m, buf, sizeof(buf), 99, NLM_F_REQUEST), 0);
	CHECK_EQ(m.len, 16);
	CHECK_EQ(nl_attr_put_u8(&m, 1, 0xab), 0);    /* 5 bytes + 3 pad */
	CHECK_EQ(nl_attr_put_u16(&m, 2, 0x1234), 0); /* 6 + 2 */
	CHECK_EQ(nl_attr_put_str(&m, 3, "abc"), 0);  /* 7 + 1 */
	CHECK_EQ(nl_attr_put_strz(&m, 4, "abc"), 0); /* 8 + 0 */
	CHECK_EQ(nl_attr_put(&m, 5, NULL, 0), 0);    /* 4 */
	CHECK_EQ(m.len, 16 + 8 + 8 + 8 + 8 + 4);
	CHECK_EQ(get_h32(buf), m.len);
	CHECK_EQ(get_h16(buf + 4), 99);
	CHECK_EQ(get_h16(buf + 6), NLM_F_REQUEST);
	CHECK_EQ(get_h16(buf + 16), 5);
	CHECK_EQ(get_h16(buf + 18), 1);
	CHECK_EQ(buf[20], 0xab);
	for (i = 21; i < 24; i++)
		CHECK_EQ(buf[i], 0); /* padding is zeroed, not left over */
	CHECK_EQ(get_h16(buf + 24), 6);
	CHECK_EQ(get_h16(buf + 28), 0x1234);
	CHECK_EQ(buf[30] | buf[31], 0);
	CHECK_EQ(get_h16(buf + 32), 7);
	CHECK_MEM(buf + 36, "abc\0", 4);
	CHECK_EQ(get_h16(buf + 40), 8);
	CHECK_MEM(buf + 44, "abc\0", 4);
	CHECK_EQ(get_h16(buf + 48), 4);
	CHECK_EQ(get_h16(buf + 50), 5);
	CHECK_EQ(buf[52], 0xee); /* nothing written past the end */
}

static void test_nested(void)
{
	uint8_t buf[128];
	struct nl_msg m;
	int outer, inner;

	nl_msg_init(&m, buf, sizeof(buf), 16, 0);
	outer = nl_attr_nest_start(&m, 18);
	CHECK_EQ(outer, 16);
	nl_attr_put_str(&m, 1, "rmnet"); /* 9 + 3 */
	inner = nl_attr_nest_start(&m, 2);
	nl_attr_put_u16(&m, 1, 7); /* 6 + 2 */
	nl_attr_put_u8(&m, 3, 1);  /* 5 + 3 */
	CHECK_EQ(nl_attr_nest_end(&m, inner), 0);
	CHECK_EQ(nl_attr_nest_end(&m, outer), 0);
	CHECK_EQ(m.err, 0);
	CHECK_EQ(get_h16(buf + 16), 4 + 12 + 4 + 8 + 8); /* padding of the inner attrs counts */
	CHECK_EQ(get_h16(buf + 18), 18);		 /* no NLA_F_NESTED, as iproute2 */
	CHECK_EQ(get_h16(buf + 32), 4 + 8 + 8);
	CHECK_EQ(get_h32(buf), 16 + 36);
	/* Walk it back with the parser. */
	{
		struct nl_attr a, b;
		size_t off = 0, off2 = 0;
		int n = 0;

		CHECK_EQ(nl_attr_next(buf + 16, m.len - 16, &off, &a), 1);
		CHECK_EQ(a.type, 18);
		CHECK_EQ(a.len, 32);
		while (nl_attr_next(a.data, a.len, &off2, &b) > 0)
			n++;
		CHECK_EQ(n, 2);
		CHECK_EQ(nl_attr_next(buf + 16, m.len - 16, &off, &a), 0);
	}
}

static void test_overflow(void)
{
	static uint8_t big[70000], src[65536];
	uint8_t buf[40];
	struct nl_msg m;

	CHECK_EQ(nl_msg_init(&m, buf, 15, 16, 0), -EMSGSIZE);
	CHECK_EQ(nl_attr_put_u32(&m, 1, 1), -EMSGSIZE);

	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(nl_msg_init(&m, buf, 32, 16, 0), 0);
	CHECK_EQ(nl_attr_put_u32(&m, 1, 1), 0); /* 24 */
	CHECK_EQ(nl_attr_put_u8(&m, 2, 1), 0);	/* 32: exactly full */
	CHECK_EQ(m.len, 32);
	CHECK_EQ(nl_attr_put_u8(&m, 3, 1), -EMSGSIZE);
	CHECK_EQ(m.len, 32);
	CHECK_EQ(buf[32], 0xee);
	/* Sticky: a later put that would fit still fails, so no half message is sent. */
	CHECK_EQ(nl_attr_put(&m, 4, NULL, 0), -EMSGSIZE);
	CHECK_EQ(nl_attr_nest_start(&m, 5), -EMSGSIZE);
	CHECK_EQ(nl_attr_nest_end(&m, -EMSGSIZE), -EMSGSIZE);

	/* An attribute whose length does not fit nla_len's u16. */
	CHECK_EQ(nl_msg_init(&m, big, sizeof(big), 16, 0), 0);
	CHECK_EQ(nl_attr_put(&m, 1, src, 65532), -EMSGSIZE);
	CHECK_EQ(nl_msg_init(&m, big, sizeof(big), 16, 0), 0);
	CHECK_EQ(nl_attr_put(&m, 1, src, 65531), 0);
	CHECK_EQ(get_h16(big + 16), 65535);
	/* A nest that grows past 64 KiB cannot be closed. */
	CHECK_EQ(nl_msg_init(&m, big, sizeof(big), 16, 0), 0);
	{
		int n = nl_attr_nest_start(&m, 1);

		nl_attr_put(&m, 1, src, 40000);
		nl_attr_put(&m, 2, src, 30000);
		CHECK_EQ(nl_attr_nest_end(&m, n), -EMSGSIZE);
	}
	/* Builders report it too. */
	CHECK_EQ(nl_build_rmnet_add(&m, buf, sizeof(buf), 2, "rmnet_data0", 1, 0, 0), -EMSGSIZE);
}

/* notes/qmap.md 3.2: `ip link add link wwan0 name rmnet_data0 type rmnet mux_id 1`, with
 * nlmsg_seq (SS SS SS SS) zeroed: we stamp it only when sending. */
#define RMNET_HEAD                                         \
	"10 00 05 06 00 00 00 00 00 00 00 00 "             \
	"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 " \
	"08 00 05 00 02 00 00 00 "                         \
	"10 00 03 00 72 6d 6e 65 74 5f 64 61 74 61 30 00 "

static void test_rmnet_bytes(void)
{
	uint8_t buf[256];
	struct nl_msg m;

	SKIP_IF_BIG_ENDIAN();

	CHECK_EQ(nl_build_rmnet_add(&m, buf, sizeof(buf), 2, "rmnet_data0", 1, 0, 0), 0);
	check_bytes(&m, "54 00 00 00 " RMNET_HEAD
			"1c 00 12 00 09 00 01 00 72 6d 6e 65 74 00 00 00 0c 00 02 00 "
			"06 00 01 00 01 00 00 00");
	CHECK_EQ(nl_build_rmnet_add(&m, buf, sizeof(buf), 2, "rmnet_data0", 0x81, 0, 0), 0);
	check_bytes(&m, "54 00 00 00 " RMNET_HEAD
			"1c 00 12 00 09 00 01 00 72 6d 6e 65 74 00 00 00 0c 00 02 00 "
			"06 00 01 00 81 00 00 00");
	/* iproute2 v6.14 with the mapv5 options: FLAGS {0x31, mask 0x3f}. */
	CHECK_EQ(nl_build_rmnet_add(&m, buf, sizeof(buf), 2, "rmnet_data0", 1, 0x31, 0x3f), 0);
	check_bytes(&m, "60 00 00 00 " RMNET_HEAD
			"28 00 12 00 09 00 01 00 72 6d 6e 65 74 00 00 00 18 00 02 00 "
			"06 00 01 00 01 00 00 00 0c 00 02 00 31 00 00 00 3f 00 00 00");
	CHECK_EQ(nl_build_rmnet_add(&m, buf, sizeof(buf), 2, "rmnet_data0", 1, 0x0d, 0x0d), 0);
	check_bytes(&m, "60 00 00 00 " RMNET_HEAD
			"28 00 12 00 09 00 01 00 72 6d 6e 65 74 00 00 00 18 00 02 00 "
			"06 00 01 00 01 00 00 00 0c 00 02 00 0d 00 00 00 0d 00 00 00");
	CHECK_EQ(nl_build_rmnet_add(&m, buf, sizeof(buf), 2, "rmnet_data0", 0, 0, 0), -ERANGE);
	CHECK_EQ(nl_build_rmnet_add(&m, buf, sizeof(buf), 2, "rmnet_data0", 255, 0, 0), -ERANGE);
	CHECK_EQ(nl_build_rmnet_add(&m, buf, sizeof(buf), 0, "rmnet_data0", 1, 0, 0), -ENODEV);
	CHECK_EQ(nl_build_rmnet_add(&m, buf, sizeof(buf), 2, "rmnet_data0_toolong", 1, 0, 0),
		 -EINVAL);
}

static void test_vlan_bytes(void)
{
	uint8_t buf[256];
	struct nl_msg m;

	SKIP_IF_BIG_ENDIAN();

	/* notes/qmap.md 3.3: `ip link add link wwan0 name mbim1 type vlan id 1`, 76 bytes. */
	CHECK_EQ(nl_build_vlan_add(&m, buf, sizeof(buf), 2, "mbim1", 1), 0);
	check_bytes(&m, "4c 00 00 00 10 00 05 06 00 00 00 00 00 00 00 00 "
			"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
			"08 00 05 00 02 00 00 00 0a 00 03 00 6d 62 69 6d 31 00 00 00 "
			"18 00 12 00 08 00 01 00 76 6c 61 6e 0c 00 02 00 06 00 01 00 01 00 00 00");
	CHECK_EQ(nl_build_vlan_add(&m, buf, sizeof(buf), 2, "mbim1", 4095), -ERANGE);
	/* Generic kind without data: no INFO_DATA nest at all. */
	CHECK_EQ(nl_build_link_add(&m, buf, sizeof(buf), 0, "d0", "dummy", NULL, 0), 0);
	check_bytes(&m, "38 00 00 00 10 00 05 06 00 00 00 00 00 00 00 00 "
			"00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
			"07 00 03 00 64 30 00 00 10 00 12 00 09 00 01 00 64 75 6d 6d 79 00 00 00");
	CHECK_EQ(nl_build_link_add(&m, buf, sizeof(buf), 0, "d0", "", NULL, 0), -EINVAL);
}

/* notes/qmap.md 3.3 captures, wwan0 = ifindex 2. */
static void test_link_addr_route_bytes(void)
{
	uint8_t buf[256];
	struct nl_msg m;
	struct nl_ifaddr a = {.ifindex = 2, .family = AF_INET, .prefixlen = 30};
	struct nl_route r = {.family = AF_INET,
			     .table = RT_TABLE_MAIN,
			     .protocol = RTPROT_BOOT,
			     .scope = RT_SCOPE_LINK,
			     .type = RTN_UNICAST,
			     .metric = 700,
			     .oif = 2};

	SKIP_IF_BIG_ENDIAN();

	/* ip link set dev wwan0 mtu 1500 */
	CHECK_EQ(nl_build_link_set(&m, buf, sizeof(buf), 2, 0, 0, 1500), 0);
	check_bytes(&m, "28 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00 "
			"00 00 00 00 02 00 00 00 00 00 00 00 00 00 00 00 08 00 04 00 dc 05 00 00");
	/* ip link set dev wwan0 up */
	CHECK_EQ(nl_build_link_set(&m, buf, sizeof(buf), 2, IFF_UP, IFF_UP, 0), 0);
	check_bytes(&m, "20 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00 "
			"00 00 00 00 02 00 00 00 01 00 00 00 01 00 00 00");
	CHECK_EQ(nl_build_link_set(&m, buf, sizeof(buf), 0, IFF_UP, IFF_UP, 0), -ENODEV);

	/* ip addr add 10.11.12.13/30 dev wwan0 */
	inet_pton(AF_INET, "10.11.12.13", a.local);
	CHECK_EQ(nl_build_addr(&m, buf, sizeof(buf), RTM_NEWADDR, &a), 0);
	check_bytes(&m, "28 00 00 00 14 00 05 06 00 00 00 00 00 00 00 00 "
			"02 1e 00 00 02 00 00 00 08 00 02 00 0a 0b 0c 0d 08 00 01 00 0a 0b 0c 0d");
	/* ... and point-to-point with a peer and a broadcast: IFA_ADDRESS is the peer. */
	a.has_peer = true;
	inet_pton(AF_INET, "10.11.12.14", a.peer);
	a.has_broadcast = true;
	inet_pton(AF_INET, "10.11.12.15", a.broadcast);
	CHECK_EQ(nl_build_addr(&m, buf, sizeof(buf), RTM_DELADDR, &a), 0);
	check_bytes(&m, "30 00 00 00 15 00 05 00 00 00 00 00 00 00 00 00 "
			"02 1e 00 00 02 00 00 00 08 00 02 00 0a 0b 0c 0d 08 00 01 00 0a 0b 0c 0e "
			"08 00 04 00 0a 0b 0c 0f");
	a.prefixlen = 33;
	CHECK_EQ(nl_build_addr(&m, buf, sizeof(buf), RTM_NEWADDR, &a), -EINVAL);

	/* ip -6 addr add 2001:db8::2/64 dev wwan0 nodad */
	if (!CFG_FEATURE_IPV6)
		goto routes;
	memset(&a, 0, sizeof(a));
	a.ifindex = 2;
	a.family = AF_INET6;
	a.prefixlen = 64;
	a.flags = IFA_F_NODAD;
	inet_pton(AF_INET6, "2001:db8::2", a.local);
	CHECK_EQ(nl_build_addr(&m, buf, sizeof(buf), RTM_NEWADDR, &a), 0);
	check_bytes(&m, "40 00 00 00 14 00 05 06 00 00 00 00 00 00 00 00 "
			"0a 40 02 00 02 00 00 00 "
			"14 00 02 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02 "
			"14 00 01 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02");
	/* Flags beyond the u8 ifa_flags go in IFA_FLAGS. */
	a.flags = IFA_F_NODAD | IFA_F_NOPREFIXROUTE;
	CHECK_EQ(nl_build_addr(&m, buf, sizeof(buf), RTM_NEWADDR, &a), 0);
	CHECK_EQ(m.len, 0x40 + 8);
	CHECK_EQ(buf[18], 0);
	CHECK_EQ(get_h16(buf + 0x42), IFA_FLAGS);
	CHECK_EQ(get_h32(buf + 0x44), IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
	a.flags = 0;
	a.prefixlen = 129;
	CHECK_EQ(nl_build_addr(&m, buf, sizeof(buf), RTM_NEWADDR, &a), -EINVAL);
routes:
	a.family = 99;
	CHECK_EQ(nl_build_addr(&m, buf, sizeof(buf), RTM_NEWADDR, &a), -EAFNOSUPPORT);

	/* ip route add default dev wwan0 metric 700 */
	CHECK_EQ(nl_build_route(&m, buf, sizeof(buf), RTM_NEWROUTE, &r), 0);
	check_bytes(&m, "2c 00 00 00 18 00 05 06 00 00 00 00 00 00 00 00 "
			"02 00 00 00 fe 03 fd 01 00 00 00 00 08 00 06 00 bc 02 00 00 "
			"08 00 04 00 02 00 00 00");
	/* ip route add 192.0.2.0/24 via 10.11.12.14 dev wwan0 */
	r.metric = 0;
	r.scope = RT_SCOPE_UNIVERSE;
	r.dst_len = 24;
	inet_pton(AF_INET, "192.0.2.0", r.dst);
	r.has_gw = true;
	inet_pton(AF_INET, "10.11.12.14", r.gw);
	CHECK_EQ(nl_build_route(&m, buf, sizeof(buf), RTM_NEWROUTE, &r), 0);
	check_bytes(&m, "34 00 00 00 18 00 05 06 00 00 00 00 00 00 00 00 "
			"02 18 00 00 fe 03 00 01 00 00 00 00 08 00 01 00 c0 00 02 00 "
			"08 00 05 00 0a 0b 0c 0e 08 00 04 00 02 00 00 00");
	/* Tables >= 256 travel in RTA_TABLE with rtm_table = RT_TABLE_UNSPEC. */
	r.table = 1000;
	CHECK_EQ(nl_build_route(&m, buf, sizeof(buf), RTM_DELROUTE, &r), 0);
	CHECK_EQ(get_h16(buf + 6), NLM_F_REQUEST | NLM_F_ACK);
	CHECK_EQ(buf[20], RT_TABLE_UNSPEC);
	CHECK_EQ(get_h16(buf + m.len - 6), RTA_TABLE);
	CHECK_EQ(get_h32(buf + m.len - 4), 1000);
	r.dst_len = 33;
	CHECK_EQ(nl_build_route(&m, buf, sizeof(buf), RTM_NEWROUTE, &r), -EINVAL);
	r.family = AF_INET6;
	r.dst_len = 129;
	CHECK_EQ(nl_build_route(&m, buf, sizeof(buf), RTM_NEWROUTE, &r),
		 CFG_FEATURE_IPV6 ? -EINVAL : -EAFNOSUPPORT);

	CHECK_EQ(nl_build_dump(&m, buf, sizeof(buf), RTM_GETROUTE, AF_INET6), 0);
	check_bytes(&m, "1c 00 00 00 1a 00 01 03 00 00 00 00 00 00 00 00 "
			"0a 00 00 00 00 00 00 00 00 00 00 00");
	CHECK_EQ(nl_build_dump(&m, buf, sizeof(buf), RTM_NEWROUTE, AF_INET6), -EINVAL);
}

static void test_ifname_check(void)
{
	CHECK_EQ(nl_ifname_check("wwan0"), 0);
	CHECK_EQ(nl_ifname_check("123456789012345"), 0);
	CHECK_EQ(nl_ifname_check("1234567890123456"), -ENAMETOOLONG);
	CHECK_EQ(nl_ifname_check("xxxxxxxxxxxxxxxxxxxx"), -ENAMETOOLONG);
	CHECK_EQ(nl_ifname_check(""), -EINVAL);
	CHECK_EQ(nl_ifname_check(NULL), -EINVAL);
	CHECK_EQ(nl_ifname_check("."), -EINVAL);
	CHECK_EQ(nl_ifname_check(".."), -EINVAL);
	CHECK_EQ(nl_ifname_check("a/b"), -EINVAL);
	CHECK_EQ(nl_ifname_check("a b"), -EINVAL);
	CHECK_EQ(nl_ifname_check("a:1"), -EINVAL);
	CHECK_EQ(nl_ifname_check("a\nb"), -EINVAL);
}

/* ---- receive side ---- */

/* Append one message {type, flags, seq, pid, payload} to buf at *len. */
static void put_msg(uint8_t *buf, size_t *len, uint16_t type, uint16_t flags, uint32_t seq,
		    uint32_t pid, const void *pl, size_t plen)
{
	uint8_t *p = buf + *len;

	put_h32(p, (uint32_t)(16 + plen));
	put_h16(p + 4, type);
	put_h16(p + 6, flags);
	put_h32(p + 8, seq);
	put_h32(p + 12, pid);
	memcpy(p + 16, pl, plen);
	memset(p + 16 + plen, 0, (4 - plen % 4) % 4);
	*len += (16 + plen + 3) & ~3U;
}

static void test_parse_error(void)
{
	uint8_t pl[128];
	char msg[32];
	struct nl_hdr h = {.type = NLMSG_ERROR};
	static const char text[] = "Unknown device type";

	/* Capped ACK with extended-ack TLVs: error, original header, NLMSGERR_ATTR_MSG. */
	memset(pl, 0, sizeof(pl));
	put_h32(pl, (uint32_t)-EOPNOTSUPP);
	put_h32(pl + 4, 84);
	put_h16(pl + 20, 4 + sizeof(text));
	put_h16(pl + 22, NLMSGERR_ATTR_MSG);
	memcpy(pl + 24, text, sizeof(text));
	h.flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	CHECK_EQ(nl_parse_error(&h, pl, 24 + 20, msg, sizeof(msg)), -EOPNOTSUPP);
	CHECK_STR(msg, "Unknown device type");
	/* The text is cut to the caller's buffer. */
	CHECK_EQ(nl_parse_error(&h, pl, 24 + 20, msg, 8), -EOPNOTSUPP);
	CHECK_STR(msg, "Unknown");
	/* A TLV running past the end is ignored, the error still counts. */
	CHECK_EQ(nl_parse_error(&h, pl, 24 + 10, msg, sizeof(msg)), -EOPNOTSUPP);
	CHECK_STR(msg, "");

	/* Not capped: the request's payload (here 8 bytes) sits between header and TLVs. */
	memmove(pl + 28, pl + 20, 24);
	put_h32(pl + 4, 24);
	h.flags = NLM_F_ACK_TLVS;
	CHECK_EQ(nl_parse_error(&h, pl, 28 + 24, msg, sizeof(msg)), -EOPNOTSUPP);
	CHECK_STR(msg, "Unknown device type");
	/* An echoed length longer than the message: no text, but the error. */
	put_h32(pl + 4, 200);
	CHECK_EQ(nl_parse_error(&h, pl, 28 + 24, msg, sizeof(msg)), -EOPNOTSUPP);
	CHECK_STR(msg, "");

	/* A plain ACK; a truncated one; a nonsense positive error. */
	put_h32(pl, 0);
	h.flags = 0;
	CHECK_EQ(nl_parse_error(&h, pl, 20, msg, sizeof(msg)), 0);
	CHECK_EQ(nl_parse_error(&h, pl, 3, msg, sizeof(msg)), -EPROTO);
	put_h32(pl, 17);
	CHECK_EQ(nl_parse_error(&h, pl, 20, NULL, 0), -EPROTO);
	put_h32(pl, (uint32_t)-100000);
	CHECK_EQ(nl_parse_error(&h, pl, 20, NULL, 0), -EPROTO);
}

/* rtmsg + RTA_DST/RTA_OIF/RTA_PRIORITY for 10.<i>.0.0/16 */
static size_t route_payload(uint8_t *p, int i, uint32_t metric)
{
	memset(p, 0, 44);
	p[0] = AF_INET;
	p[1] = 16;
	p[4] = RT_TABLE_MAIN;
	p[5] = RTPROT_STATIC;
	p[7] = RTN_UNICAST;
	put_h16(p + 12, 8);
	put_h16(p + 14, RTA_DST);
	p[16] = 10;
	p[17] = (uint8_t)i;
	put_h16(p + 20, 8);
	put_h16(p + 22, RTA_OIF);
	put_h32(p + 24, 7);
	put_h16(p + 28, 8);
	put_h16(p + 30, RTA_PRIORITY);
	put_h32(p + 32, metric);
	put_h16(p + 36, 8);
	put_h16(p + 38, RTA_TABLE);
	put_h32(p + 40, RT_TABLE_MAIN);
	return 44;
}

struct collect {
	int n;
	uint32_t metrics[8];
	int fail_at;
};

static int collect_cb(const struct nl_hdr *h, const uint8_t *pl, size_t len, void *arg)
{
	struct collect *c = arg;
	struct nl_route r;

	if (h->type != RTM_NEWROUTE || nl_parse_route(pl, len, &r) < 0)
		return -EPROTO;
	if (c->fail_at && c->n + 1 == c->fail_at)
		return -ECANCELED;
	if (c->n < 8)
		c->metrics[c->n] = r.metric;
	c->n++;
	return 0;
}

static void test_dump_multipart(void)
{
	uint8_t d1[512], d2[512], pl[64];
	size_t l1 = 0, l2 = 0, n;
	struct collect c = {0};
	struct nl_rx rx = {.seq = 42, .portid = 1234, .dump = true, .cb = collect_cb, .arg = &c};
	int32_t done = 0;

	/* Datagram 1: two parts, a stale part of an older request, a part for another socket. */
	n = route_payload(pl, 1, 100);
	put_msg(d1, &l1, RTM_NEWROUTE, NLM_F_MULTI, 42, 1234, pl, n);
	n = route_payload(pl, 2, 200);
	put_msg(d1, &l1, RTM_NEWROUTE, NLM_F_MULTI, 41, 1234, pl, n);
	put_msg(d1, &l1, RTM_NEWROUTE, NLM_F_MULTI, 42, 999, pl, n);
	put_msg(d1, &l1, RTM_NEWROUTE, NLM_F_MULTI, 42, 1234, pl, n);
	/* Datagram 2: a third part, then DONE. */
	n = route_payload(pl, 3, 300);
	put_msg(d2, &l2, RTM_NEWROUTE, NLM_F_MULTI, 42, 1234, pl, n);
	put_msg(d2, &l2, NLMSG_DONE, NLM_F_MULTI, 42, 1234, &done, 4);

	CHECK_EQ(nl_rx_feed(&rx, d1, l1), 0);
	CHECK_EQ(c.n, 2);
	CHECK_EQ(nl_rx_feed(&rx, d2, l2), 1);
	CHECK_EQ(rx.result, 0);
	CHECK_EQ(c.n, 3);
	CHECK_EQ(c.metrics[0], 100);
	CHECK_EQ(c.metrics[1], 200);
	CHECK_EQ(c.metrics[2], 300);

	/* The same with NLM_F_DUMP_INTR on one part: result 1 (partial). */
	memset(&c, 0, sizeof(c));
	rx.intr = false;
	put_h16(d2 + 6, NLM_F_MULTI | NLM_F_DUMP_INTR);
	CHECK_EQ(nl_rx_feed(&rx, d1, l1), 0);
	CHECK_EQ(nl_rx_feed(&rx, d2, l2), 1);
	CHECK_EQ(rx.result, 1);
	CHECK_EQ(c.n, 3);
	put_h16(d2 + 6, NLM_F_MULTI);

	/* The callback fails on the 2nd entry: no more callbacks, the dump is drained, the
	 * result is the callback's error. */
	memset(&c, 0, sizeof(c));
	c.fail_at = 2;
	rx.intr = false;
	rx.cb_err = 0;
	CHECK_EQ(nl_rx_feed(&rx, d1, l1), 0);
	CHECK_EQ(nl_rx_feed(&rx, d2, l2), 1);
	CHECK_EQ(rx.result, -ECANCELED);
	CHECK_EQ(c.n, 1);

	/* DONE carrying an error. */
	rx.cb_err = 0;
	l2 = 0;
	done = -EINVAL;
	put_msg(d2, &l2, NLMSG_DONE, NLM_F_MULTI, 42, 1234, &done, 4);
	CHECK_EQ(nl_rx_feed(&rx, d2, l2), 1);
	CHECK_EQ(rx.result, -EINVAL);
	/* An NLMSG_ERROR ends a dump too (e.g. a refused dump request). */
	l2 = 0;
	put_msg(d2, &l2, NLMSG_ERROR, 0, 42, 1234, &done, 4);
	CHECK_EQ(nl_rx_feed(&rx, d2, l2), 1);
	CHECK_EQ(rx.result, -EINVAL);

	/* Malformed datagrams: a message longer than the datagram, a header cut short. */
	CHECK_EQ(nl_rx_feed(&rx, d1, l1 - 1), -EPROTO);
	CHECK_EQ(nl_rx_feed(&rx, d1, 10), -EPROTO);
	put_h32(d1, 8);
	CHECK_EQ(nl_rx_feed(&rx, d1, l1), -EPROTO);
}

static void test_ack_matching(void)
{
	uint8_t d[256], pl[20] = {0};
	size_t l = 0;
	struct nl_rx rx = {.seq = 7, .portid = 55};

	/* A non-dump request: DONE is not its end, only its own NLMSG_ERROR is. */
	put_h32(pl, (uint32_t)-EEXIST);
	put_msg(d, &l, NLMSG_ERROR, 0, 6, 55, pl, 20); /* stale */
	put_msg(d, &l, NLMSG_DONE, 0, 7, 55, pl, 4);
	CHECK_EQ(nl_rx_feed(&rx, d, l), 0);
	put_msg(d, &l, NLMSG_ERROR, 0, 7, 55, pl, 20);
	CHECK_EQ(nl_rx_feed(&rx, d, l), 1);
	CHECK_EQ(rx.result, -EEXIST);
	/* The last message may come without its padding (21 bytes, not 24). */
	memset(&rx, 0, sizeof(rx));
	rx.seq = 8;
	l = 0;
	put_h32(pl, 0);
	put_msg(d, &l, NLMSG_ERROR, 0, 8, 0, pl, 5);
	CHECK_EQ(l, 24);
	CHECK_EQ(nl_rx_feed(&rx, d, 21), 1);
	CHECK_EQ(rx.result, 0);
}

static void test_parse_attrs(void)
{
	uint8_t p[64];
	struct nl_attr a;
	struct nl_ifaddr ia;
	struct nl_route r;
	struct nl_link lk;
	size_t off = 0;

	/* nla_len < 4, and nla_len past the end, are malformed. */
	put_h16(p, 2);
	put_h16(p + 2, 1);
	CHECK_EQ(nl_attr_next(p, 8, &off, &a), -EPROTO);
	put_h16(p, 12);
	CHECK_EQ(nl_attr_next(p, 8, &off, &a), -EPROTO);
	put_h16(p, 8);
	put_h16(p + 2, 0x8001); /* NLA_F_NESTED is masked off */
	CHECK_EQ(nl_attr_next(p, 8, &off, &a), 1);
	CHECK_EQ(a.type, 1);
	CHECK_EQ(a.len, 4);
	CHECK_EQ(nl_attr_next(p, 8, &off, &a), 0);
	off = 0;
	CHECK_EQ(nl_attr_next(p, 10, &off, &a), 1);
	CHECK_EQ(nl_attr_next(p, 10, &off, &a), -EPROTO); /* 2 trailing bytes */

	/* ifaddrmsg + IFA_ADDRESS only (IPv6 style) */
	if (!CFG_FEATURE_IPV6)
		goto route;
	memset(p, 0, sizeof(p));
	p[0] = AF_INET6;
	p[1] = 64;
	p[2] = IFA_F_NODAD;
	put_h32(p + 4, 3);
	put_h16(p + 8, 20);
	put_h16(p + 10, IFA_ADDRESS);
	p[12] = 0x20;
	p[13] = 0x01;
	CHECK_EQ(nl_parse_addr(p, 28, &ia), 0);
	CHECK_EQ(ia.ifindex, 3);
	CHECK_EQ(ia.prefixlen, 64);
	CHECK_EQ(ia.flags, IFA_F_NODAD);
	CHECK_EQ(ia.local[0], 0x20);
	CHECK(!ia.has_peer);
	put_h16(p + 8, 12); /* a 8-byte "IPv6 address" */
	CHECK_EQ(nl_parse_addr(p, 28, &ia), -EPROTO);
	p[1] = 129;
	CHECK_EQ(nl_parse_addr(p, 8, &ia), -EPROTO);
	CHECK_EQ(nl_parse_addr(p, 7, &ia), -EPROTO);
	p[0] = 99;
	CHECK_EQ(nl_parse_addr(p, 8, &ia), -EAFNOSUPPORT);

route:
	/* route with a 3-byte gateway */
	route_payload(p, 1, 5);
	CHECK_EQ(nl_parse_route(p, 44, &r), 0);
	CHECK_EQ(r.oif, 7);
	CHECK_EQ(r.metric, 5);
	CHECK_EQ(r.dst[1], 1);
	CHECK(!r.has_gw);
	put_h16(p + 20, 7);
	put_h16(p + 22, RTA_GATEWAY);
	CHECK_EQ(nl_parse_route(p, 44, &r), -EPROTO);
	CHECK_EQ(nl_parse_route(p, 11, &r), -EPROTO);

	/* link: name without NUL is cut at IFNAMSIZ-1; short MTU attribute ignored */
	memset(p, 0, sizeof(p));
	put_h16(p + 2, ARPHRD_NONE);
	put_h32(p + 4, 9);
	put_h32(p + 8, IFF_UP);
	put_h16(p + 16, 4 + 20);
	put_h16(p + 18, IFLA_IFNAME);
	memset(p + 20, 'x', 20);
	put_h16(p + 40, 6);
	put_h16(p + 42, IFLA_MTU);
	CHECK_EQ(nl_parse_link(p, 48, &lk), 0);
	CHECK_EQ(lk.ifindex, 9);
	CHECK_EQ(lk.type, ARPHRD_NONE);
	CHECK_EQ(strlen(lk.name), IFNAMSIZ - 1);
	CHECK_EQ(lk.mtu, 0);
	CHECK_EQ(nl_parse_link(p, 15, &lk), -EPROTO);
}

/* ---- live, as root, in a private network namespace ---- */

struct find_addr {
	int ifindex;
	uint8_t family;
	uint8_t addr[16];
	int found;
	uint32_t flags;
};

static int find_addr_cb(const struct nl_ifaddr *a, void *arg)
{
	struct find_addr *f = arg;

	if (a->ifindex == f->ifindex && a->family == f->family &&
	    !memcmp(a->local, f->addr, a->family == AF_INET ? 4 : 16)) {
		f->found++;
		f->flags = a->flags;
	}
	return 0;
}

struct find_route {
	int oif;
	uint8_t dst_len;
	uint32_t metric;
	int found;
};

static int find_route_cb(const struct nl_route *r, void *arg)
{
	struct find_route *f = arg;

	if (r->oif == f->oif && r->dst_len == f->dst_len && r->metric == f->metric &&
	    r->table == RT_TABLE_MAIN)
		f->found++;
	return 0;
}

static int count_addr(struct nl *nl, int ifindex, uint8_t family, const char *s, uint32_t *fl)
{
	struct find_addr f = {.ifindex = ifindex, .family = family};

	inet_pton(family, s, f.addr);
	if (nl_addr_dump(nl, AF_UNSPEC, find_addr_cb, &f) < 0)
		return -1;
	if (fl)
		*fl = f.flags;
	return f.found;
}

static int count_route(struct nl *nl, uint8_t family, int oif, uint8_t dst_len, uint32_t metric)
{
	struct find_route f = {oif, dst_len, metric, 0};

	if (nl_route_dump(nl, family, find_route_cb, &f) < 0)
		return -1;
	return f.found;
}

static void live_link(struct nl *nl, int ifx)
{
	struct nl_link l;

	CHECK_EQ(nl_ifindex(nl, "wbt0"), ifx);
	CHECK_EQ(nl_ifindex(nl, "nosuch0"), -ENODEV);
	CHECK_EQ(nl_ifindex(nl, "xxxxxxxxxxxxxxxxxxxx"), -ENAMETOOLONG);
	CHECK_EQ(nl_ifindex(nl, ""), -EINVAL);
	CHECK_EQ(nl_link_get(nl, ifx, NULL, &l), 0);
	CHECK_STR(l.name, "wbt0");
	CHECK_EQ(l.type, ARPHRD_NONE); /* TUN without PI: like qmi_wwan raw-IP */
	CHECK(!(l.flags & IFF_UP));
	CHECK(l.max_mtu >= 1500);
	CHECK_EQ(nl_link_set_up(nl, ifx, true), 0);
	CHECK_EQ(nl_link_set_mtu(nl, ifx, 1400), 0);
	CHECK_EQ(nl_link_get(nl, 0, "wbt0", &l), 0);
	CHECK(l.flags & IFF_UP);
	CHECK_EQ(l.mtu, 1400);
	CHECK_EQ(nl_link_set_mtu(nl, ifx, 0), -EINVAL);
	CHECK_EQ(nl_link_set_mtu(nl, ifx, 70000), -EINVAL); /* > max_mtu: kernel says so */
	CHECK_EQ(nl_link_set_up(nl, 9999, true), -ENODEV);
	/* No rmnet/vlan in the test kernel: the kernel's error and its text come back. */
	CHECK_EQ(nl_link_add_rmnet(nl, ifx, "rmnet0", 1, 0, 0), -EOPNOTSUPP);
	CHECK_STR(nl->extack, "Unknown device type");
	CHECK_EQ(nl_link_add_vlan(nl, ifx, "wbt0.5", 5), -EOPNOTSUPP);
	CHECK_EQ(nl_link_add(nl, 0, "wbt9", "nosuchkind", NULL, 0), -EOPNOTSUPP);
	CHECK_EQ(nl_link_del(nl, 9999), -ENODEV);
}

static void live_addr(struct nl *nl, int ifx)
{
	struct nl_ifaddr a = {.ifindex = ifx, .family = AF_INET, .prefixlen = 24};
	struct nl_ifaddr a6 = {
		.ifindex = ifx, .family = AF_INET6, .prefixlen = 64, .flags = IFA_F_NODAD};
	uint32_t fl = 0;

	inet_pton(AF_INET, "10.9.8.7", a.local);
	CHECK_EQ(nl_addr_add(nl, &a), 0);
	CHECK_EQ(nl_addr_add(nl, &a), -EEXIST);
	CHECK_EQ(count_addr(nl, ifx, AF_INET, "10.9.8.7", NULL), 1);
	if (!CFG_FEATURE_IPV6)
		return;
	inet_pton(AF_INET6, "2001:db8::2", a6.local);
	CHECK_EQ(nl_addr_add(nl, &a6), 0);
	CHECK_EQ(nl_addr_add(nl, &a6), -EEXIST);
	CHECK_EQ(count_addr(nl, ifx, AF_INET6, "2001:db8::2", &fl), 1);
	CHECK(fl & IFA_F_NODAD);
	CHECK(!(fl & IFA_F_TENTATIVE)); /* usable at once */
	CHECK_EQ(nl_addr_del(nl, &a6), 0);
	CHECK_EQ(nl_addr_del(nl, &a6), -EADDRNOTAVAIL);
	CHECK_EQ(count_addr(nl, ifx, AF_INET6, "2001:db8::2", NULL), 0);
}

static void live_route(struct nl *nl, int ifx)
{
	struct nl_route r = {.family = AF_INET,
			     .dst_len = 24,
			     .protocol = RTPROT_STATIC,
			     .table = RT_TABLE_MAIN,
			     .type = RTN_UNICAST,
			     .metric = 50,
			     .oif = ifx,
			     .has_gw = true};
	struct nl_route d = {.family = AF_INET,
			     .protocol = RTPROT_STATIC,
			     .scope = RT_SCOPE_LINK,
			     .table = RT_TABLE_MAIN,
			     .type = RTN_UNICAST,
			     .metric = 300,
			     .oif = ifx};
	struct nl_route best;

	inet_pton(AF_INET, "192.0.2.0", r.dst);
	inet_pton(AF_INET, "10.9.8.1", r.gw);
	CHECK_EQ(nl_route_add(nl, &r), 0);
	CHECK_EQ(nl_route_add(nl, &r), -EEXIST);
	CHECK_EQ(count_route(nl, AF_INET, ifx, 24, 50), 1);
	inet_pton(AF_INET, "10.99.0.1", r.gw); /* not on any link */
	r.metric = 51;
	CHECK_EQ(nl_route_add(nl, &r), -ENETUNREACH);
	inet_pton(AF_INET, "10.9.8.1", r.gw);
	r.metric = 50;

	CHECK_EQ(nl_route_best_default(nl, AF_INET, 0, &best), 0);
	CHECK_EQ(nl_route_add(nl, &d), 0);
	d.metric = 200;
	CHECK_EQ(nl_route_add(nl, &d), 0);
	CHECK_EQ(nl_route_best_default(nl, AF_INET, 0, &best), 1);
	CHECK_EQ(best.metric, 200);
	CHECK_EQ(best.oif, ifx);
	CHECK_EQ(nl_route_best_default(nl, AF_INET, ifx, &best), 0);
	CHECK_EQ(nl_route_best_default(nl, AF_INET6, 0, &best),
		 CFG_FEATURE_IPV6 ? 0 : -EAFNOSUPPORT);
	CHECK_EQ(nl_route_del(nl, &d), 0);
	CHECK_EQ(nl_route_del(nl, &d), -ESRCH);
	d.metric = 300;
	CHECK_EQ(nl_route_del(nl, &d), 0);

	CHECK_EQ(nl_route_del(nl, &r), 0);
	CHECK_EQ(nl_route_del(nl, &r), -ESRCH);
	CHECK_EQ(count_route(nl, AF_INET, ifx, 24, 50), 0);
}

/* A reply that arrives after its request gave up must not be taken for the next one's. */
static void live_stale_and_timeout(struct nl *nl, int ifx)
{
	struct nl_msg m;
	struct nl_link l;

	/* RTM_NEWLINK without NLM_F_ACK: the kernel says nothing on success. */
	nl_build_link_set(&m, nl->buf, sizeof(nl->buf), ifx, IFF_UP, IFF_UP, 0);
	put_h16(m.buf + 6, NLM_F_REQUEST);
	nl->timeout_ms = 200;
	CHECK_EQ(nl_talk(nl, &m, NULL, NULL), -ETIMEDOUT);
	nl->timeout_ms = NL_TIMEOUT_MS;
	/* Leave an unread error (seq 1) in the socket, then ask something else. */
	nl_build_link_set(&m, nl->buf, sizeof(nl->buf), 9999, IFF_UP, IFF_UP, 0);
	put_h32(m.buf + 8, 1);
	CHECK_EQ(send(nl->fd, m.buf, m.len, 0), (ssize_t)m.len);
	CHECK_EQ(nl_link_get(nl, ifx, NULL, &l), 0);
	CHECK_EQ(l.ifindex, ifx);
	CHECK_EQ(nl_link_set_up(nl, ifx, true), 0);
}

static int live_child(void)
{
	struct nl nl;
	int fd, ifx;

	fd = tun_open("wbt0");
	if (fd < 0) {
		perror("tun");
		return 1;
	}
	if (nl_open(&nl) < 0)
		return 1;
	ifx = nl_ifindex(&nl, "wbt0");
	CHECK(ifx > 0);
	if (ifx > 0) {
		live_link(&nl, ifx);
		live_addr(&nl, ifx);
		live_route(&nl, ifx);
		live_stale_and_timeout(&nl, ifx);
	}
	nl_close(&nl);
	close(fd);
	return t_case_failed;
}

static void test_live(void)
{
	RUN_IN_NETNS(live_child);
}

static void test_closed_socket(void)
{
	struct nl nl;
	struct nl_link l;

	nl.fd = -1;
	nl.seq = 0;
	CHECK_EQ(nl_link_get(&nl, 1, NULL, &l), -EBADF);
	nl_close(&nl);
}

int main(void)
{
	RUN(test_attr_padding);
	RUN(test_nested);
	RUN(test_overflow);
	RUN(test_rmnet_bytes);
	RUN(test_vlan_bytes);
	RUN(test_link_addr_route_bytes);
	RUN(test_ifname_check);
	RUN(test_parse_error);
	RUN(test_dump_multipart);
	RUN(test_ack_matching);
	RUN(test_parse_attrs);
	RUN(test_closed_socket);
	RUN(test_live);
	return t_done();
}
