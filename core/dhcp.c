/* dhcp.c - DHCPv4 client: codec, lease checks, script environment, state machine.
 * See include/dhcp.h for the contract. References: RFC 2131 (protocol), RFC 2132 (options),
 * RFC 3396 (long options), RFC 3442 (classless routes), RFC 4361/6355 (client identifiers),
 * RFC 5227 (ARP probes); busybox 1.35 udhcpc for the script interface (notes/dhcp-mbedtls.md).
 */
#include "wwanbox.h"
#include "addr.h"
#include "dhcp.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/filter.h>
#include <net/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

/* ---- codec: options ---- */

int dhcp_opt_put(uint8_t *buf, size_t cap, size_t *off, uint8_t code, const void *data,
		 size_t len)
{
	const uint8_t *d = data;
	size_t pieces = len ? (len + 254) / 255 : 1, o = *off;

	if (o > cap || len + 2 * pieces > cap - o)
		return -EMSGSIZE;
	/* RFC 3396 7: an option longer than 255 octets is sent as several instances of the
	 * same code, in order; the receiver joins them. */
	do {
		size_t n = MIN(len, 255);

		buf[o++] = code;
		buf[o++] = (uint8_t)n;
		memcpy(buf + o, d, n);
		o += n;
		d += n;
		len -= n;
	} while (len);
	*off = o;
	return 0;
}

static void opts_mark(struct dhcp_opts *o, uint8_t code)
{
	o->present[code >> 3] |= (uint8_t)(1U << (code & 7));
}

bool dhcp_opt_has(const struct dhcp_opts *o, uint8_t code)
{
	return o->present[code >> 3] & (1U << (code & 7));
}

const uint8_t *dhcp_opt(const struct dhcp_opts *o, uint8_t code, size_t *len)
{
	if (!dhcp_opt_has(o, code))
		return NULL;
	*len = o->len[code];
	return o->data + o->off[code];
}

/* One field's options: pass 0 adds up lengths, pass 1 copies. Every option must lie wholly in
 * its field (RFC 2131 4.1); a field may end without END when its last option ends exactly at
 * the boundary (servers do send that). */
static int area_walk(struct dhcp_opts *o, const uint8_t *p, size_t n, int pass, bool top)
{
	size_t i = 0;

	while (i < n) {
		uint8_t code = p[i], l;

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END)
			return 0;
		if (n - i < 2 || (size_t)p[i + 1] > n - i - 2)
			return -EPROTO;
		l = p[i + 1];
		if (pass == 0) {
			/* Option 52 counts only in the options field (RFC 2131 4.1); first wins. */
			if (top && code == DHCP_OPT_OVERLOAD && l >= 1 && !o->overload)
				o->overload = p[i + 2];
			opts_mark(o, code);
			o->len[code] = (uint16_t)(o->len[code] + l);
		} else {
			memcpy(o->data + o->off[code] + o->len[code], p + i + 2, l);
			o->len[code] = (uint16_t)(o->len[code] + l);
		}
		i += 2 + (size_t)l;
	}
	return 0;
}

/* The options field, then file, then sname (RFC 2131 4.1 and RFC 3396 6 fix this order). */
static int opts_pass(struct dhcp_opts *o, const uint8_t *msg, size_t len, int pass)
{
	int r = area_walk(o, msg + DHCP_OFF_OPTIONS, len - DHCP_OFF_OPTIONS, pass, true);

	if (r == 0 && (o->overload & 1))
		r = area_walk(o, msg + DHCP_OFF_FILE, DHCP_FILE_LEN, pass, false);
	if (r == 0 && (o->overload & 2))
		r = area_walk(o, msg + DHCP_OFF_SNAME, DHCP_SNAME_LEN, pass, false);
	return r;
}

int dhcp_opts_parse(struct dhcp_opts *o, const uint8_t *msg, size_t len)
{
	unsigned int c, off = 0;
	int r;

	memset(o, 0, offsetof(struct dhcp_opts, data));
	if (len < DHCP_OFF_OPTIONS || len > DHCP_MSG_MAX + DHCP_OFF_OPTIONS ||
	    get_be32(msg + DHCP_OFF_COOKIE) != DHCP_MAGIC)
		return -EPROTO;
	r = opts_pass(o, msg, len, 0);
	if (r < 0)
		goto bad;
	for (c = 0; c < 256; c++) {
		o->off[c] = (uint16_t)off;
		off += o->len[c];
		o->len[c] = 0;
	}
	if (off > sizeof(o->data)) { /* cannot happen: the parts come from msg[len] */
		r = -EPROTO;
		goto bad;
	}
	o->used = (uint16_t)off;
	r = opts_pass(o, msg, len, 1);
	if (r == 0)
		return 0;
bad:
	memset(o, 0, offsetof(struct dhcp_opts, data));
	return r;
}

int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *b, size_t len)
{
	const uint8_t *t;
	size_t tl;
	int r;

	m->type = 0;
	r = dhcp_opts_parse(&m->opts, b, len);
	if (r < 0)
		return r;
	m->op = b[DHCP_OFF_OP];
	m->htype = b[DHCP_OFF_HTYPE];
	m->hlen = b[DHCP_OFF_HLEN];
	m->xid = get_be32(b + DHCP_OFF_XID);
	m->secs = get_be16(b + DHCP_OFF_SECS);
	m->flags = get_be16(b + DHCP_OFF_FLAGS);
	memcpy(m->ciaddr, b + DHCP_OFF_CIADDR, 4);
	memcpy(m->yiaddr, b + DHCP_OFF_YIADDR, 4);
	memcpy(m->siaddr, b + DHCP_OFF_SIADDR, 4);
	memcpy(m->giaddr, b + DHCP_OFF_GIADDR, 4);
	memcpy(m->chaddr, b + DHCP_OFF_CHADDR, 16);
	memcpy(m->sname, b + DHCP_OFF_SNAME, DHCP_SNAME_LEN);
	memcpy(m->file, b + DHCP_OFF_FILE, DHCP_FILE_LEN);
	t = dhcp_opt(&m->opts, DHCP_OPT_MSGTYPE, &tl);
	if (!t || tl != 1 || t[0] < DHCPDISCOVER || t[0] > DHCPINFORM)
		return -EPROTO; /* BOOTP, or a DHCP message without a usable type */
	m->type = t[0];
	return 0;
}

/* ---- codec: IP and UDP ---- */

uint32_t dhcp_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	while (n > 1) {
		sum += get_be16(p);
		p += 2;
		n -= 2;
	}
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t dhcp_csum(uint32_t sum, const uint8_t *p, size_t n)
{
	sum = dhcp_csum_add(sum, p, n);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 768: the pseudo-header is source, destination, zero+protocol, UDP length. */
static uint32_t udp_pseudo(const uint8_t *src, const uint8_t *dst, size_t ulen)
{
	uint32_t s = dhcp_csum_add(0, src, 4);

	s = dhcp_csum_add(s, dst, 4);
	return s + IPPROTO_UDP + (uint32_t)ulen;
}

size_t dhcp_ip_udp_build(uint8_t *pkt, const uint8_t src[4], const uint8_t dst[4],
			 size_t payload_len)
{
	uint8_t *ip = pkt, *u = pkt + 20;
	size_t ulen = 8 + payload_len;
	uint16_t sum;

	memset(pkt, 0, DHCP_IPUDP_LEN);
	ip[0] = 0x45; /* version 4, 5 words */
	put_be16(ip + 2, (uint16_t)(20 + ulen));
	ip[8] = 64; /* TTL, as udhcpc and the kernel's default */
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put_be16(ip + 10, dhcp_csum(0, ip, 20));
	put_be16(u, DHCP_CLIENT_PORT);
	put_be16(u + 2, DHCP_SERVER_PORT);
	put_be16(u + 4, (uint16_t)ulen);
	sum = dhcp_csum(udp_pseudo(src, dst, ulen), u, ulen);
	put_be16(u + 6, sum ? sum : 0xffff); /* RFC 768: a computed 0 is sent as all ones */
	return 20 + ulen;
}

int dhcp_ip_udp_parse(const uint8_t *p, size_t len, bool skip_udp_csum, uint8_t src[4],
		      size_t *plen)
{
	size_t ihl, tot, ulen;
	const uint8_t *u;

	if (len < 1 || p[0] >> 4 != 4)
		return -ENOMSG;
	if (len < DHCP_IPUDP_LEN)
		return -EPROTO;
	ihl = (size_t)(p[0] & 15) * 4;
	tot = get_be16(p + 2);
	if (ihl < 20 || tot < ihl + 8 || tot > len)
		return -EPROTO;
	/* Fragments (MF or an offset) and other protocols are not ours; the kernel does not
	 * reassemble for a packet socket. */
	if (p[9] != IPPROTO_UDP || (get_be16(p + 6) & 0x3fff))
		return -ENOMSG;
	u = p + ihl;
	if (get_be16(u + 2) != DHCP_CLIENT_PORT || get_be16(u) != DHCP_SERVER_PORT)
		return -ENOMSG;
	if (dhcp_csum(0, p, ihl) != 0)
		return -EPROTO;
	ulen = get_be16(u + 4);
	if (ulen < 8 || ulen > tot - ihl)
		return -EPROTO;
	if (!skip_udp_csum && get_be16(u + 6) &&
	    dhcp_csum(udp_pseudo(p + 12, p + 16, ulen), u, ulen) != 0)
		return -EPROTO;
	memcpy(src, p + 12, 4);
	*plen = ulen - 8;
	return (int)ihl + 8;
}

/* ---- lease ---- */

bool dhcp_ip_unicast(const uint8_t *a)
{
	return a[0] != 0 && a[0] != 127 && a[0] < 224;
}

static uint32_t mask_of(unsigned int prefix)
{
	return prefix ? 0xffffffffU << (32 - prefix) : 0;
}

/* Prefix length of a contiguous mask, or -1. */
static int mask_prefix(uint32_t m)
{
	uint32_t inv = ~m;
	int n = 0;

	if (inv & (inv + 1))
		return -1; /* ones after a zero */
	while (m) {
		n++;
		m <<= 1;
	}
	return n;
}

/* RFC 791 classes, for a lease without option 1 (dhcpcd does the same). */
static unsigned int classful_prefix(const uint8_t *a)
{
	return a[0] < 128 ? 8 : a[0] < 192 ? 16 : 24;
}

int dhcp_routes_decode(const uint8_t *p, size_t len, struct dhcp_route *out, size_t max,
		       size_t *n)
{
	size_t i = 0, k = 0;

	/* RFC 3442: width (0..32), the significant octets of the destination, a router. */
	while (i < len) {
		unsigned int w = p[i], sig = (w + 7) / 8;
		uint32_t dst = 0;

		if (w > 32 || len - i < 1 + sig + 4)
			return -EPROTO;
		for (unsigned int j = 0; j < sig; j++)
			dst |= (uint32_t)p[i + 1 + j] << (24 - 8 * j);
		if (k < max) {
			put_be32(out[k].dst, dst & mask_of(w)); /* host bits: not ours to keep */
			out[k].prefix = (uint8_t)w;
			memcpy(out[k].gw, p + i + 1 + sig, 4);
		}
		k++;
		i += 1 + sig + 4;
	}
	*n = k;
	return 0;
}

static const uint8_t *opt_fixed(const struct dhcp_msg *m, uint8_t code, size_t want, bool *bad)
{
	size_t len;
	const uint8_t *v = dhcp_opt(&m->opts, code, &len);

	if (v && len != want) {
		*bad = true;
		return NULL;
	}
	return v;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

/* [A-Za-z0-9._-] words separated by single spaces, no leading '-' (udhcpc's rule against
 * CVE-2011-2716, which let a server put shell syntax in a script variable). Trailing NULs
 * some servers add are dropped. */
static bool host_string(const uint8_t *p, size_t n, bool list)
{
	size_t i;

	while (n && !p[n - 1])
		n--;
	if (!n || p[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = (char)p[i];

		if (host_char(c))
			continue;
		if (!(list && c == ' ' && i + 1 < n && p[i + 1] != ' ' && p[i + 1] != '-'))
			return false;
	}
	return true;
}

static void lease_dns(const struct dhcp_msg *m, struct dhcp_lease *l)
{
	size_t len, i;
	const uint8_t *v = dhcp_opt(&m->opts, DHCP_OPT_DNS, &len);

	if (!v)
		return;
	if (len % 4)
		l->warn |= DHCP_W_DNS;
	for (i = 0; i + 4 <= len; i += 4) {
		if (!dhcp_ip_unicast(v + i) || l->n_dns == DHCP_MAX_DNS) {
			l->warn |= DHCP_W_DNS;
			continue;
		}
		memcpy(l->dns[l->n_dns++], v + i, 4);
	}
}

static bool usable_gw(const struct dhcp_lease *l, const uint8_t *gw)
{
	uint32_t g = get_be32(gw), net = get_be32(l->addr) & mask_of(l->prefix);

	if (!dhcp_ip_unicast(gw) || !memcmp(gw, l->addr, 4))
		return false;
	/* Inside our subnet it must not be the network or broadcast address. */
	if (l->prefix <= 30 && (g & mask_of(l->prefix)) == net)
		return g != net && g != (net | ~mask_of(l->prefix));
	return true;
}

static void lease_routes(const struct dhcp_msg *m, struct dhcp_lease *l)
{
	struct dhcp_route tmp[DHCP_MAX_ROUTES];
	size_t len, n, i;
	const uint8_t *v = dhcp_opt(&m->opts, DHCP_OPT_CLASSLESS, &len);

	if (!v)
		return;
	if (dhcp_routes_decode(v, len, tmp, ARRAY_SIZE(tmp), &n) < 0) {
		l->warn |= DHCP_W_ROUTES_BAD; /* then option 3 is used */
		return;
	}
	l->has_classless = true;
	if (n > ARRAY_SIZE(tmp)) {
		l->warn |= DHCP_W_ROUTES_MANY;
		n = ARRAY_SIZE(tmp);
	}
	for (i = 0; i < n; i++) {
		static const uint8_t zero[4];

		if (memcmp(tmp[i].gw, zero, 4) && !usable_gw(l, tmp[i].gw)) {
			l->warn |= DHCP_W_ROUTE_GW;
			continue;
		}
		l->routes[l->n_routes++] = tmp[i];
	}
}

static void lease_times(const struct dhcp_msg *m, struct dhcp_lease *l, bool *bad)
{
	const uint8_t *v1 = opt_fixed(m, DHCP_OPT_T1, 4, bad), *v2 = opt_fixed(m, DHCP_OPT_T2, 4, bad);
	uint64_t lease_ms = (uint64_t)l->lease_s * 1000, t1, t2;

	if (l->lease_s == DHCP_LEASE_INFINITE)
		return;
	/* RFC 2131 4.4.5: T1 defaults to 0.5, T2 to 0.875 of the lease; 0 < T1 < T2 < lease. */
	t2 = v2 ? (uint64_t)get_be32(v2) * 1000 : lease_ms * 7 / 8;
	if (!t2 || t2 >= lease_ms) {
		if (v2)
			l->warn |= DHCP_W_TIMES;
		t2 = lease_ms * 7 / 8;
	}
	t1 = v1 ? (uint64_t)get_be32(v1) * 1000 : lease_ms / 2;
	if (!t1 || t1 >= t2) {
		if (v1)
			l->warn |= DHCP_W_TIMES;
		t1 = MIN(lease_ms / 2, t2 / 2);
	}
	l->t1_ms = t1;
	l->t2_ms = t2;
}

static int lease_addr(const struct dhcp_msg *m, struct dhcp_lease *l, bool *bad)
{
	const uint8_t *v = opt_fixed(m, DHCP_OPT_SUBNET, 4, bad);
	uint32_t a, mask;
	int p;

	memcpy(l->addr, m->yiaddr, 4);
	if (!dhcp_ip_unicast(l->addr))
		return DHCP_R_ADDR;
	if (*bad)
		return DHCP_R_MSG;
	if (v) {
		p = mask_prefix(get_be32(v));
		if (p <= 0)
			return DHCP_R_MASK;
	} else {
		l->warn |= DHCP_W_NO_MASK;
		p = (int)classful_prefix(l->addr);
	}
	l->prefix = (uint8_t)p;
	mask = mask_of(l->prefix);
	put_be32(l->mask, mask);
	a = get_be32(l->addr);
	if (l->prefix <= 30 && ((a & ~mask) == 0 || (a & ~mask) == ~mask))
		return DHCP_R_NETADDR;
	return 0;
}

static int lease_server(const struct dhcp_msg *m, struct dhcp_lease *l, bool *bad)
{
	const uint8_t *v = opt_fixed(m, DHCP_OPT_SERVER_ID, 4, bad);
	const uint8_t *lt = opt_fixed(m, DHCP_OPT_LEASE, 4, bad);

	if (*bad)
		return DHCP_R_MSG;
	/* RFC 2131 table 3 makes option 54 a MUST; a server that leaves it out is taken at
	 * its IP source address. */
	memcpy(l->server, v ? v : m->src, 4);
	if (!dhcp_ip_unicast(l->server))
		return DHCP_R_SERVER;
	memcpy(l->siaddr, m->siaddr, 4);
	if (lt) {
		l->lease_s = get_be32(lt);
	} else {
		l->lease_s = 3600;
		l->warn |= DHCP_W_NO_LEASE;
	}
	return l->lease_s ? 0 : DHCP_R_LEASE0;
}

/* Routers: the first must be usable (it becomes the default route); later unusable ones are
 * only dropped. */
static int lease_router(const struct dhcp_msg *m, struct dhcp_lease *l)
{
	size_t len;
	const uint8_t *v = dhcp_opt(&m->opts, DHCP_OPT_ROUTER, &len);

	if (!v || !len)
		return 0;
	if (len < 4 || !usable_gw(l, v))
		return DHCP_R_ROUTER;
	l->has_router = true;
	memcpy(l->router, v, 4);
	return 0;
}

static void lease_misc(const struct dhcp_msg *m, struct dhcp_lease *l, bool *bad)
{
	const uint8_t *v;
	size_t len;

	v = opt_fixed(m, DHCP_OPT_MTU, 2, bad);
	if (v && get_be16(v) >= 68) /* RFC 2132 5.1: minimum 68 */
		l->mtu = get_be16(v);
	else if (v)
		l->warn |= DHCP_W_MTU;
	v = opt_fixed(m, DHCP_OPT_BROADCAST, 4, bad);
	if (v && (get_be32(v) & mask_of(l->prefix)) == (get_be32(l->addr) & mask_of(l->prefix)) &&
	    l->prefix < 31) {
		l->has_brd = true;
		memcpy(l->brd, v, 4);
	} else if (v) {
		l->warn |= DHCP_W_BRD;
	}
	v = dhcp_opt(&m->opts, DHCP_OPT_DOMAIN, &len);
	if (v && host_string(v, len, true) && len < sizeof(l->domain)) {
		while (len && !v[len - 1])
			len--;
		memcpy(l->domain, v, len);
		l->domain[len] = 0;
	} else if (v) {
		l->warn |= DHCP_W_DOMAIN;
	}
}

int dhcp_lease_parse(const struct dhcp_msg *m, struct dhcp_lease *l, int *reason)
{
	bool bad = false;
	int r;

	memset(l, 0, sizeof(*l));
	r = lease_addr(m, l, &bad);
	if (!r)
		r = lease_server(m, l, &bad);
	if (!r && !bad)
		r = lease_router(m, l);
	if (!r) {
		lease_times(m, l, &bad);
		lease_misc(m, l, &bad); /* a malformed optional option is only ignored */
		lease_dns(m, l);
		lease_routes(m, l);
	}
	*reason = r;
	return r ? -EINVAL : 0;
}

const char *dhcp_reject_str(int reason)
{
	static const char *const s[] = {
		[DHCP_R_NONE] = "valid",
		[DHCP_R_ADDR] = "the address is not a unicast host address",
		[DHCP_R_MASK] = "the subnet mask is not contiguous",
		[DHCP_R_NETADDR] = "the address is the network or broadcast address of its subnet",
		[DHCP_R_ROUTER] = "the router is not a usable unicast address on this subnet",
		[DHCP_R_SERVER] = "the server identifier is not a unicast address",
		[DHCP_R_LEASE0] = "the lease time is 0",
		[DHCP_R_MSG] = "an option has a wrong length",
	};

	return reason >= 0 && (size_t)reason < ARRAY_SIZE(s) ? s[reason] : "unknown reason";
}

/* ---- names of options (udhcpc 1.35 common.c dhcp_option_strings) ---- */

/* Types: i IPv4 list, p IPv4 pairs, h host string (H: a space-separated list), s string, 1/2/4 unsigned, S signed 32,
 * r classless routes, d RFC 1035 names, P SIP servers (RFC 3361), 6 6rd (RFC 5969). */
struct opt_name {
	uint8_t code;
	char type;
	char name[14];
};

static const struct opt_name opt_names[] = {
	{1, 'i', "subnet"},	    {2, 'S', "timezone"},	{3, 'i', "router"},
	{6, 'i', "dns"},	    {9, 'i', "lprsrv"},		{12, 'h', "hostname"},
	{13, '2', "bootsize"},	    {15, 'H', "domain"},	{16, 'i', "swapsrv"},
	{17, 's', "rootpath"},	    {23, '1', "ipttl"},		{26, '2', "mtu"},
	{28, 'i', "broadcast"},	    {33, 'p', "routes"},	{40, 'h', "nisdomain"},
	{41, 'i', "nissrv"},	    {42, 'i', "ntpsrv"},	{44, 'i', "wins"},
	{51, '4', "lease"},	    {54, 'i', "serverid"},	{56, 's', "message"},
	{66, 'h', "tftp"},	    {67, 's', "bootfile"},	{119, 'd', "search"},
	{120, 'P', "sipsrv"},	    {121, 'r', "staticroutes"}, {132, '2', "vlanid"},
	{133, '1', "vlanpriority"}, {209, 's', "pxeconffile"},	{210, 's', "pxepathprefix"},
	{211, '4', "reboottime"},   {212, '6', "ip6rd"},	{249, 'r', "msstaticroutes"},
	{252, 's', "wpad"},
};

static const struct opt_name *opt_by_code(uint8_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_names); i++)
		if (opt_names[i].code == code)
			return &opt_names[i];
	return NULL;
}

int dhcp_opt_code(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_names); i++)
		if (!strcmp(opt_names[i].name, name))
			return opt_names[i].code;
	return -ENOENT;
}

char dhcp_opt_type(uint8_t code)
{
	const struct opt_name *n = opt_by_code(code);

	if (!n)
		return 'x';
	switch (n->type) {
	case 'i': case 's': case 'h': case '1': case '2': case '4':
		return n->type;
	case 'H':
		return 'h';
	case 'S':
		return '4';
	}
	return 'x';
}

/* ---- script environment ---- */

struct envb {
	char *buf, **envp;
	size_t cap, len, n, max;
	int err;
};

static void eb_add(struct envb *e, const void *s, size_t n)
{
	if (e->err || n >= e->cap - e->len) {
		e->err = -ENOBUFS;
		return;
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = 0;
}

static void eb_str(struct envb *e, const char *s)
{
	eb_add(e, s, strlen(s));
}

static void eb_uint(struct envb *e, unsigned long v)
{
	char t[24];
	size_t i = sizeof(t);

	do
		t[--i] = (char)('0' + v % 10);
	while (v /= 10);
	eb_add(e, t + i, sizeof(t) - i);
}

static void eb_ip(struct envb *e, const uint8_t *a)
{
	char t[ADDR_IP4_STRLEN];

	eb_add(e, t, fmt_ip4(t, a));
}

static void eb_hex(struct envb *e, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char t[2] = {hx[p[i] >> 4], hx[p[i] & 15]};

		eb_add(e, t, 2);
	}
}

/* Start "name=" (or "optNNN=" when name is NULL). */
static size_t eb_begin(struct envb *e, const char *name, uint8_t code)
{
	size_t start;

	if (e->n + 1 >= e->max)
		e->err = -ENOBUFS;
	if (e->len)
		eb_add(e, "", 1); /* step over the previous string's NUL */
	start = e->len;
	if (name) {
		eb_str(e, name);
	} else {
		eb_str(e, "opt");
		eb_uint(e, code);
	}
	eb_str(e, "=");
	return start;
}

static void eb_end(struct envb *e, size_t start)
{
	if (e->err)
		return;
	e->envp[e->n++] = e->buf + start;
	e->envp[e->n] = NULL;
}

static void eb_var_ip(struct envb *e, const char *name, const uint8_t *a)
{
	size_t s = eb_begin(e, name, 0);

	eb_ip(e, a);
	eb_end(e, s);
}

/* Bytes up to the first NUL: the environment cannot carry one. */
static void eb_cstr(struct envb *e, const uint8_t *p, size_t n)
{
	const uint8_t *z = memchr(p, 0, n);

	eb_add(e, p, z ? (size_t)(z - p) : n);
}

static bool label_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!host_char((char)p[i]))
			return false;
	return p[0] != '-';
}

/* RFC 1035 3.1 names with 4.1.4 compression, as RFC 3397 uses them in option 119: pointers
 * go into the option itself. Returns false for anything malformed (loops included). */
static bool eb_names(struct envb *e, const uint8_t *p, size_t n)
{
	size_t i = 0, first = 1;

	while (i < n) {
		size_t j = i, hops = 0, out = 0;
		bool jumped = false;

		if (!first)
			eb_str(e, " ");
		first = 0;
		for (;;) {
			if (j >= n)
				return false;
			if ((p[j] & 0xc0) == 0xc0) {
				if (j + 1 >= n || ++hops > 32)
					return false;
				if (!jumped)
					i = j + 2;
				jumped = true;
				j = (size_t)(p[j] & 0x3f) << 8 | p[j + 1];
				continue;
			}
			if (p[j] & 0xc0)
				return false;
			if (!p[j]) {
				if (!jumped)
					i = j + 1;
				break;
			}
			if (j + 1 + p[j] > n || (out += p[j] + 1u) > 255 || !label_ok(p + j + 1, p[j]))
				return false;
			if (out > (size_t)p[j] + 1)
				eb_str(e, ".");
			eb_add(e, p + j + 1, p[j]);
			j += 1 + (size_t)p[j];
		}
	}
	return true;
}

/* One typed option value; false when its length does not fit its type (then hex). */
static bool eb_typed(struct envb *e, char type, const uint8_t *v, size_t n)
{
	static const uint8_t w[128] = {['i'] = 4, ['p'] = 8, ['1'] = 1, ['2'] = 2, ['4'] = 4,
				       ['S'] = 4};
	struct dhcp_route r[DHCP_MAX_ROUTES * 8];
	char t[ADDR_IP6_STRLEN];
	size_t i, k, cnt;

	if (w[(int)type] && (!n || n % w[(int)type]))
		return false;
	switch (type) {
	case 'i': case 'p':
		for (i = 0; i < n; i += 4) {
			eb_ip(e, v + i);
			if (i + 4 < n)
				eb_str(e, type == 'p' && !(i & 4) ? "/" : " ");
		}
		return true;
	case '1': case '2': case '4': case 'S':
		for (i = 0; i < n; i += w[(int)type]) {
			uint32_t x = type == '1' ? v[i] : type == '2' ? get_be16(v + i) : get_be32(v + i);

			if (i)
				eb_str(e, " ");
			if (type == 'S' && (x & 0x80000000U)) {
				eb_str(e, "-");
				x = ~x + 1;
			}
			eb_uint(e, x);
		}
		return true;
	case 'h':
	case 'H': /* option 15 may list several domains, space-separated */
		if (host_string(v, n, type == 'H'))
			eb_cstr(e, v, n);
		else
			eb_str(e, "bad");
		return true;
	case 's':
		eb_cstr(e, v, n);
		return true;
	case 'r':
		if (dhcp_routes_decode(v, n, r, ARRAY_SIZE(r), &cnt) < 0 || cnt > ARRAY_SIZE(r))
			return false;
		for (k = 0; k < cnt; k++) {
			if (k)
				eb_str(e, " ");
			eb_ip(e, r[k].dst);
			eb_str(e, "/");
			eb_uint(e, r[k].prefix);
			eb_str(e, " ");
			eb_ip(e, r[k].gw);
		}
		return true;
	case 'd':
		return eb_names(e, v, n);
	case 'P': /* RFC 3361: encoding byte 0 = names, 1 = addresses */
		if (n > 1 && v[0] == 0)
			return eb_names(e, v + 1, n - 1);
		return n > 1 && v[0] == 1 && eb_typed(e, 'i', v + 1, n - 1);
	case '6': /* RFC 5969: IPv4MaskLen, 6rdPrefixLen, 6rdPrefix, BR addresses */
		if (n < 22 || (n - 18) % 4)
			return false;
		eb_uint(e, v[0]);
		eb_str(e, " ");
		eb_uint(e, v[1]);
		eb_str(e, " ");
		eb_add(e, t, fmt_ip6(t, v + 2));
		for (i = 18; i < n; i += 4) {
			eb_str(e, " ");
			eb_ip(e, v + i);
		}
		return true;
	}
	return false;
}

static void eb_option(struct envb *e, const struct dhcp_opts *o, unsigned int code)
{
	const struct opt_name *nm = opt_by_code((uint8_t)code);
	size_t n, s;
	const uint8_t *v = dhcp_opt(o, (uint8_t)code, &n);
	size_t before = e->len;
	int err = e->err;

	if (nm) {
		s = eb_begin(e, nm->name, 0);
		if (eb_typed(e, nm->type, v, n)) {
			eb_end(e, s);
			return;
		}
		/* Malformed for its type: undo, and pass it on as hex. */
		e->len = before;
		e->err = err;
		if (e->len < e->cap)
			e->buf[e->len] = 0;
	}
	s = eb_begin(e, NULL, (uint8_t)code);
	eb_hex(e, v, n);
	eb_end(e, s);
}

static void eb_bootp(struct envb *e, const struct dhcp_msg *m)
{
	static const uint8_t zero[4];
	size_t s;

	eb_var_ip(e, "ip", m->yiaddr);
	if (memcmp(m->siaddr, zero, 4))
		eb_var_ip(e, "siaddr", m->siaddr);
	/* file and sname hold options when option 52 says so; otherwise their text. */
	if (!(m->opts.overload & 1) && m->file[0]) {
		s = eb_begin(e, "boot_file", 0);
		eb_cstr(e, m->file, DHCP_FILE_LEN);
		eb_end(e, s);
	}
	if (!(m->opts.overload & 2) && m->sname[0]) {
		s = eb_begin(e, "sname", 0);
		eb_cstr(e, m->sname, DHCP_SNAME_LEN);
		eb_end(e, s);
	}
}

int dhcp_env(const struct dhcp_msg *m, const char *ifname, char *buf, size_t cap, char **envp,
	     size_t max)
{
	struct envb e = {buf, envp, cap, 0, 0, max, (cap && max) ? 0 : -ENOBUFS};
	const uint8_t *v;
	size_t s, n;
	int p;

	if (max)
		envp[0] = NULL;
	if (cap)
		buf[0] = 0;
	s = eb_begin(&e, "interface", 0);
	eb_str(&e, ifname);
	eb_end(&e, s);
	if (!m)
		return e.err ? e.err : (int)e.n;
	eb_bootp(&e, m);
	v = dhcp_opt(&m->opts, DHCP_OPT_SUBNET, &n);
	if (v && n == 4 && (p = mask_prefix(get_be32(v))) >= 0) {
		s = eb_begin(&e, "mask", 0);
		eb_uint(&e, (unsigned long)p);
		eb_end(&e, s);
	}
	for (unsigned int c = 1; c < 255; c++)
		if (dhcp_opt_has(&m->opts, (uint8_t)c) && c != DHCP_OPT_OVERLOAD)
			eb_option(&e, &m->opts, c);
	return e.err ? e.err : (int)e.n;
}

/* ---- client identifier for links without a MAC ---- */

static uint64_t fnv1a64(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void dhcp_make_clientid(uint8_t *out, uint8_t fake_mac[6], const char *ifname,
			const uint8_t *seed, size_t len)
{
	uint64_t h1 = fnv1a64(0xcbf29ce484222325ULL, "wwanbox-dhcp-duid", 17);
	uint64_t h2, iaid;

	h1 = fnv1a64(h1, seed, len);
	h2 = fnv1a64(h1 ^ 0x5bd1e9955bd1e995ULL, seed, len);
	iaid = fnv1a64(fnv1a64(0xcbf29ce484222325ULL, seed, len), ifname, strlen(ifname));
	out[0] = 0xff; /* RFC 4361 6.1: type 255, IAID, DUID */
	put_be32(out + 1, (uint32_t)(iaid ^ iaid >> 32));
	put_be16(out + 5, 4); /* RFC 6355: DUID-UUID */
	put_be32(out + 7, (uint32_t)(h1 >> 32));
	put_be32(out + 11, (uint32_t)h1);
	put_be32(out + 15, (uint32_t)(h2 >> 32));
	put_be32(out + 19, (uint32_t)h2);
	out[13] = (uint8_t)((out[13] & 0x0f) | 0x40); /* RFC 4122 4.4: version 4 ... */
	out[15] = (uint8_t)((out[15] & 0x3f) | 0x80); /* ... variant 10 */
	fake_mac[0] = 0x02;			      /* locally administered, unicast */
	memcpy(fake_mac + 1, out + 1, 4);	      /* the IAID: differs per interface */
	fake_mac[5] = out[22];
}

/* ---- client ---- */

static const uint8_t ip_any[4], ip_bcast[4] = {255, 255, 255, 255};
static const uint8_t mac_bcast[6] = {255, 255, 255, 255, 255, 255};

/* getrandom without blocking (an initramfs may run before the pool is ready); else a
 * xorshift seeded from the clock and pid: xids need to differ, not to be secret. */
static uint32_t rnd32(void)
{
	static uint64_t s;
	uint32_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	if (!s)
		s = ((uint64_t)loop_now_ms() * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)getpid() ^ 1;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)(s >> 32);
}

static int emit(struct dhcp_client *c, enum dhcp_event ev)
{
	int r = 0;

	if (c->cb) {
		c->in_cb = true;
		r = c->cb(c, ev);
		c->in_cb = false;
	}
	return r;
}

static void fd_close(struct loop_fd *f)
{
	if (f->fd < 0)
		return;
	loop_fd_del(f);
	close(f->fd);
	f->fd = -1;
}

static int fd_watch(struct loop_fd *f, int fd, void (*cb)(struct loop_fd *, short))
{
	int r;

	f->fd = fd;
	f->events = POLLIN;
	f->cb = cb;
	r = loop_fd_add(f);
	if (r < 0) {
		close(fd);
		f->fd = -1;
	}
	return r;
}

/* ---- building messages ---- */

struct msg_args {
	uint8_t type;
	const uint8_t *ciaddr, *req_ip, *server;
	bool params; /* DISCOVER/REQUEST: 57, 55 and the extra options */
};

/* The message at txbuf + DHCP_IPUDP_LEN (RFC 2131 table 5); its length, or 0 if it does not
 * fit. */
static size_t build(struct dhcp_client *c, const struct msg_args *a)
{
	uint8_t *b = c->txbuf + DHCP_IPUDP_LEN, t = a->type;
	size_t cap = (size_t)c->cfg.max_msg - DHCP_IPUDP_LEN - 1, off = DHCP_OFF_OPTIONS;
	int64_t secs = (loop_now_ms() - c->start_ms) / 1000;
	uint8_t v[2];
	int r = 0;

	memset(b, 0, DHCP_OFF_OPTIONS);
	b[DHCP_OFF_OP] = DHCP_BOOTREQUEST;
	b[DHCP_OFF_HTYPE] = 1; /* Ethernet (RFC 1700); also for the made-up MAC of a TUN */
	b[DHCP_OFF_HLEN] = 6;
	put_be32(b + DHCP_OFF_XID, c->xid);
	/* RFC 2131 table 5: secs since the exchange began; 0 in DECLINE and RELEASE. */
	if (a->params)
		put_be16(b + DHCP_OFF_SECS, (uint16_t)MIN(MAX(secs, 0), 0xffff));
	if (a->params && (c->cfg.flags & DHCP_F_BROADCAST))
		put_be16(b + DHCP_OFF_FLAGS, DHCP_FLAG_BROADCAST);
	if (a->ciaddr)
		memcpy(b + DHCP_OFF_CIADDR, a->ciaddr, 4);
	memcpy(b + DHCP_OFF_CHADDR, c->cfg.chaddr, 6);
	put_be32(b + DHCP_OFF_COOKIE, DHCP_MAGIC);
	/* Option order as busybox udhcpc's (53, 50, 54, 57, 55, extras, 61), so the same
	 * parameters give the same bytes (tests/unit/test_dhcp.c compares with a capture). */
	r |= dhcp_opt_put(b, cap, &off, DHCP_OPT_MSGTYPE, &t, 1);
	if (a->req_ip)
		r |= dhcp_opt_put(b, cap, &off, DHCP_OPT_REQ_IP, a->req_ip, 4);
	if (a->server)
		r |= dhcp_opt_put(b, cap, &off, DHCP_OPT_SERVER_ID, a->server, 4);
	if (a->params) {
		put_be16(v, c->cfg.max_msg);
		r |= dhcp_opt_put(b, cap, &off, DHCP_OPT_MAX_SIZE, v, 2);
		if (c->cfg.n_prl)
			r |= dhcp_opt_put(b, cap, &off, DHCP_OPT_PRL, c->cfg.prl, c->cfg.n_prl);
		if (c->cfg.extra_len > cap - off)
			r = -EMSGSIZE;
		else
			memcpy(b + off, c->cfg.extra, c->cfg.extra_len);
		off += c->cfg.extra_len;
	}
	if (c->cfg.client_id_len)
		r |= dhcp_opt_put(b, cap, &off, DHCP_OPT_CLIENT_ID, c->cfg.client_id,
				  c->cfg.client_id_len);
	if (r)
		return 0;
	b[off++] = DHCP_OPT_END;
	if (off < DHCP_MIN_SEND) {
		memset(b + off, 0, DHCP_MIN_SEND - off);
		off = DHCP_MIN_SEND;
	}
	return off;
}

/* ---- sending ---- */

static int raw_open(struct dhcp_client *c);
static int udp_open(struct dhcp_client *c);

/* On the packet socket, with our own IP and UDP headers. dst_mac NULL: broadcast. */
static int raw_send(struct dhcp_client *c, size_t len, const uint8_t *src, const uint8_t *dst,
		    const uint8_t *dst_mac)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = c->cfg.ifindex,
		.sll_halen = 6,
	};
	size_t n;

	if (c->raw.fd < 0) {
		int r = raw_open(c);

		if (r < 0)
			return r;
	}
	memcpy(sll.sll_addr, dst_mac ? dst_mac : mac_bcast, 6);
	n = dhcp_ip_udp_build(c->txbuf, src, dst, len);
	if (sendto(c->raw.fd, c->txbuf, n, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	return 0;
}

/* With IP_PKTINFO naming our address as the source: the kernel refuses (EINVAL) when the
 * address is not configured on this host (a script that did not set it), and then the packet
 * socket takes over; otherwise the source is ciaddr as RFC 2131 4.1 wants, also for the
 * broadcast of REBINDING. */
static int udp_send(struct dhcp_client *c, size_t len, const uint8_t *dst)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT)};
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	struct in_pktinfo pi = {.ipi_ifindex = c->cfg.ifindex};
	struct iovec iov = {c->txbuf + DHCP_IPUDP_LEN, len};
	struct msghdr mh = {.msg_name = &sin, .msg_namelen = sizeof(sin), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = &cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *cm;

	if (c->udp.fd < 0)
		return -ENOTCONN;
	memcpy(&sin.sin_addr, dst, 4);
	memcpy(&pi.ipi_spec_dst, c->lease.addr, 4);
	memset(&cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	if (sendmsg(c->udp.fd, &mh, 0) < 0)
		return -errno;
	return 0;
}

/* Once bound: through the UDP socket (the kernel picks the route, resolves the server's MAC
 * and uses our address), else, e.g. when a script did not configure the address, on the
 * packet socket to the MAC the server's replies came from. */
static int send_bound(struct dhcp_client *c, size_t len, bool bcast)
{
	int r = udp_send(c, len, bcast ? ip_bcast : c->server);

	if (r < 0)
		r = raw_send(c, len, c->lease.addr, bcast ? ip_bcast : c->server,
			     bcast || !c->server_mac_ok ? NULL : c->server_mac);
	return r;
}

static void sent(struct dhcp_client *c, uint8_t type, bool bcast, int r)
{
	c->tx_type = type;
	c->tx_broadcast = bcast;
	c->err = r;
	if (r == 0)
		c->stats.tx++;
	emit(c, DHCP_EV_TX);
}

static void send_msg(struct dhcp_client *c, const struct msg_args *a)
{
	size_t len = build(c, a);
	bool bound = c->state == DHCP_S_RENEWING || c->state == DHCP_S_REBINDING ||
		     a->type == DHCPRELEASE;
	bool bcast = a->type != DHCPRELEASE && c->state != DHCP_S_RENEWING;
	int r;

	if (!len)
		r = -EMSGSIZE;
	else if (bound)
		r = send_bound(c, len, bcast);
	else
		r = raw_send(c, len, ip_any, ip_bcast, NULL);
	if (a->type == DHCPREQUEST || a->type == DHCPDISCOVER)
		c->tries++;
	if (a->type == DHCPREQUEST)
		c->req_ms = loop_now_ms(); /* the lease counts from here (RFC 2131 4.4.1) */
	sent(c, a->type, bcast, r);
}

static void send_discover(struct dhcp_client *c)
{
	struct msg_args a = {DHCPDISCOVER, NULL, c->cfg.has_req_ip ? c->cfg.req_ip : NULL, NULL,
			     true};

	send_msg(c, &a);
}

static void send_request(struct dhcp_client *c)
{
	struct msg_args a = {DHCPREQUEST, NULL, NULL, NULL, true};

	switch (c->state) {
	case DHCP_S_REQUESTING: /* RFC 2131 4.3.2: SELECTING: 50 and 54, ciaddr 0 */
		a.req_ip = c->offered;
		a.server = c->server;
		break;
	case DHCP_S_REBOOTING: /* INIT-REBOOT: 50, no 54, ciaddr 0 */
		a.req_ip = c->cfg.req_ip;
		break;
	default: /* RENEWING, REBINDING: ciaddr, neither 50 nor 54 */
		a.ciaddr = c->lease.addr;
		break;
	}
	send_msg(c, &a);
}

/* ---- timers ---- */

static void arm_backoff(struct dhcp_client *c)
{
	/* RFC 2131 4.1: 4 s, doubling up to 64 s, each randomised by +-1 s; here from -T. The
	 * jitter is at most a quarter of the interval so a short -T stays short. */
	unsigned base = c->rto_ms, j = MIN(1000U, base / 4);
	int64_t ms = (int64_t)base - j + (j ? rnd32() % (2 * j + 1) : 0);

	loop_timer_set(&c->t_tx, ms);
	c->rto_ms = MIN(base * 2, MAX(64000U, c->cfg.timeout_ms));
}

static int64_t lease_ms(const struct dhcp_client *c)
{
	return (int64_t)c->lease.lease_s * 1000;
}

/* RENEWING/REBINDING: RFC 2131 4.4.5 retransmits after half the time left until T2 (or the
 * end of the lease), but at least 60 s; the floor scales down for leases under 16 minutes so
 * short leases still get several tries. */
static void arm_retx_bound(struct dhcp_client *c)
{
	int64_t now = loop_now_ms(), end = c->lease_start_ms;
	int64_t floor = MIN(MAX(lease_ms(c) / 16, 1000), 60000);

	end += c->state == DHCP_S_RENEWING ? (int64_t)c->lease.t2_ms : lease_ms(c);
	loop_timer_set(&c->t_tx, MAX((end - now) / 2, floor));
}

static void arm_lease(struct dhcp_client *c)
{
	int64_t t;

	if (c->lease.lease_s == DHCP_LEASE_INFINITE) {
		loop_timer_cancel(&c->t_lease);
		return;
	}
	t = c->state == DHCP_S_BOUND ? (int64_t)c->lease.t1_ms
	    : c->state == DHCP_S_RENEWING ? (int64_t)c->lease.t2_ms : lease_ms(c);
	loop_timer_set(&c->t_lease, c->lease_start_ms + t - loop_now_ms());
}

int64_t dhcp_lease_remaining(const struct dhcp_client *c)
{
	if (c->state < DHCP_S_BOUND || c->state > DHCP_S_REBINDING ||
	    c->lease.lease_s == DHCP_LEASE_INFINITE)
		return -1;
	return MAX(c->lease_start_ms + lease_ms(c) - loop_now_ms(), 0);
}

/* ---- state changes ---- */

static void enter_selecting(struct dhcp_client *c);

static void go_init(struct dhcp_client *c, unsigned ms)
{
	c->state = DHCP_S_INIT;
	loop_timer_cancel(&c->t_lease);
	loop_timer_set(&c->t_tx, ms);
}

static void enter_selecting(struct dhcp_client *c)
{
	int r = raw_open(c);

	fd_close(&c->udp);
	fd_close(&c->arp);
	loop_timer_cancel(&c->t_lease);
	if (r < 0) {
		c->err = r;
		emit(c, DHCP_EV_ERROR);
		go_init(c, c->cfg.tryagain_ms);
		return;
	}
	c->state = DHCP_S_SELECTING;
	c->xid = rnd32();
	c->start_ms = loop_now_ms();
	c->tries = 0;
	c->rto_ms = c->cfg.timeout_ms;
	send_discover(c);
	arm_backoff(c);
}

static void enter_rebooting(struct dhcp_client *c)
{
	c->state = DHCP_S_REBOOTING;
	c->xid = rnd32();
	c->start_ms = loop_now_ms();
	c->tries = 0;
	/* A server that does not know us stays silent (RFC 2131 4.3.2): give up fast. */
	c->rto_ms = MIN(c->cfg.timeout_ms, 1000U);
	send_request(c);
	arm_backoff(c);
}

static void drop_lease(struct dhcp_client *c, int why)
{
	c->why = why;
	emit(c, DHCP_EV_DECONFIG);
	memset(&c->lease, 0, sizeof(c->lease));
}

static void bind_new(struct dhcp_client *c)
{
	c->lease = c->cand;
	c->lease_start_ms = c->req_ms;
	memcpy(c->server, c->lease.server, 4);
	c->state = DHCP_S_BOUND;
	c->naks = 0;
	fd_close(&c->arp);
	fd_close(&c->udp);
	loop_timer_cancel(&c->t_tx);
	arm_lease(c);
	if (emit(c, DHCP_EV_BOUND) < 0) {
		/* Refused by the applet (overlap, configuration failed): give it back. */
		struct msg_args a = {DHCPRELEASE, c->lease.addr, NULL, c->server, false};

		c->xid = rnd32();
		send_msg(c, &a);
		memset(&c->lease, 0, sizeof(c->lease));
		go_init(c, c->cfg.tryagain_ms);
		return;
	}
	/* After the event, because closing a packet socket waits for synchronize_net() (~10 ms,
	 * notes 1.3). Bound, nothing is polled: the lease timer is the only wakeup. */
	fd_close(&c->raw);
}

static void enter_renewing(struct dhcp_client *c)
{
	c->state = DHCP_S_RENEWING;
	c->xid = rnd32();
	c->start_ms = loop_now_ms();
	c->tries = 0;
	if (udp_open(c) < 0)
		raw_open(c); /* the fallback in send_bound */
	arm_lease(c);
	send_request(c);
	arm_retx_bound(c);
}

static void enter_rebinding(struct dhcp_client *c)
{
	c->state = DHCP_S_REBINDING;
	c->xid = rnd32();
	c->tries = 0;
	arm_lease(c);
	send_request(c);
	arm_retx_bound(c);
}

static void expire(struct dhcp_client *c)
{
	/* RFC 2131 4.4.5: at the end of the lease, stop using the address, back to INIT. */
	drop_lease(c, DHCP_WHY_EXPIRED);
	enter_selecting(c);
}

static void leasefail(struct dhcp_client *c)
{
	emit(c, DHCP_EV_LEASEFAIL);
	go_init(c, c->cfg.tryagain_ms);
}

/* ---- ARP check (-a), RFC 5227 probes ---- */

static int arp_send_probe(struct dhcp_client *c)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = c->cfg.ifindex,
		.sll_halen = 6,
	};
	uint8_t p[28] = {0, 1, 8, 0, 6, 4, 0, 1}; /* Ethernet, IPv4, request */

	memset(sll.sll_addr, 0xff, 6);
	memcpy(p + 8, c->cfg.chaddr, 6); /* sender MAC; sender IP 0.0.0.0 (a probe) */
	memcpy(p + 24, c->cand.addr, 4); /* target IP */
	c->tries++;
	return sendto(c->arp.fd, p, sizeof(p), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0
		       ? -errno : 0;
}

static void send_decline(struct dhcp_client *c)
{
	struct msg_args a = {DHCPDECLINE, NULL, c->cand.addr, c->cand.server, false};

	send_msg(c, &a);
}

/* RFC 5227 2.1.1: a conflict is any ARP packet whose sender IP is the address, or a probe
 * for it from another host. */
static void arp_rx(struct loop_fd *f, short rev)
{
	struct dhcp_client *c = container_of(f, struct dhcp_client, arp);
	uint8_t p[64];
	ssize_t n;

	(void)rev;
	while ((n = recv(f->fd, p, sizeof(p), MSG_DONTWAIT)) >= 28) {
		bool ours = !memcmp(p + 8, c->cfg.chaddr, 6);
		bool hit = !memcmp(p + 14, c->cand.addr, 4) ||
			   (!memcmp(p + 14, ip_any, 4) && !memcmp(p + 24, c->cand.addr, 4));

		if (get_be16(p) != 1 || get_be16(p + 2) != ETH_P_IP || p[4] != 6 || p[5] != 4 ||
		    ours || !hit || c->state != DHCP_S_CHECKING)
			continue;
		memcpy(c->conflict_mac, p + 8, 6);
		fd_close(&c->arp);
		send_decline(c);
		emit(c, DHCP_EV_CONFLICT);
		/* RFC 2131 3.1 5: wait at least ten seconds before starting again. */
		go_init(c, MAX(10000U, c->cfg.tryagain_ms));
		return;
	}
}

static void enter_checking(struct dhcp_client *c)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = c->cfg.ifindex,
	};
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    fd_watch(&c->arp, fd, arp_rx) < 0) {
		c->err = -errno;
		if (fd >= 0 && c->arp.fd < 0)
			close(fd);
		emit(c, DHCP_EV_ERROR);
		bind_new(c);
		return;
	}
	c->state = DHCP_S_CHECKING;
	c->tries = 0;
	arp_send_probe(c);
	loop_timer_set(&c->t_tx, c->cfg.arp_ms / 2);
}

/* ---- receiving ---- */

static const uint8_t *msg_server(const struct dhcp_msg *m)
{
	size_t len;
	const uint8_t *v = dhcp_opt(&m->opts, DHCP_OPT_SERVER_ID, &len);

	return v && len == 4 ? v : m->src;
}

static void malformed(struct dhcp_client *c, int what)
{
	c->stats.malformed++;
	c->reason = what;
	emit(c, DHCP_EV_MALFORMED);
}

static void on_offer(struct dhcp_client *c)
{
	int reason;

	if (c->state != DHCP_S_SELECTING) {
		c->stats.ignored++;
		return;
	}
	if (dhcp_lease_parse(&c->rx, &c->cand, &reason) < 0) {
		c->reason = reason;
		emit(c, DHCP_EV_REFUSED);
		return; /* another server may offer something usable */
	}
	if (emit(c, DHCP_EV_OFFER) < 0)
		return;
	memcpy(c->offered, c->cand.addr, 4);
	memcpy(c->server, c->cand.server, 4);
	c->state = DHCP_S_REQUESTING;
	c->tries = 0;
	c->rto_ms = c->cfg.timeout_ms;
	send_request(c);
	arm_backoff(c);
}

static void on_ack(struct dhcp_client *c)
{
	enum dhcp_state s = c->state;
	bool initial = s == DHCP_S_REQUESTING || s == DHCP_S_REBOOTING;
	int reason;

	/* RFC 2131 4.4.1: in REQUESTING the ACK must come from the server we chose; in
	 * RENEWING we asked that server alone. INIT-REBOOT and REBINDING ask everyone. */
	if ((!initial && s != DHCP_S_RENEWING && s != DHCP_S_REBINDING) ||
	    ((s == DHCP_S_REQUESTING || s == DHCP_S_RENEWING) &&
	     memcmp(msg_server(&c->rx), c->server, 4))) {
		c->stats.ignored++;
		return;
	}
	if (dhcp_lease_parse(&c->rx, &c->cand, &reason) < 0) {
		c->reason = reason;
		emit(c, DHCP_EV_REFUSED);
		if (initial)
			go_init(c, c->cfg.tryagain_ms);
		return; /* renewing: the current lease stands; keep asking */
	}
	/* The link-layer source of the ACK (the server, or its relay) for unicasts on the packet
	 * socket later (send_bound); a reply over UDP keeps what we had. */
	if (c->rx_mac_ok) {
		memcpy(c->server_mac, c->rx_mac, 6);
		c->server_mac_ok = true;
	}
	if (initial && c->cfg.arp_ms && c->cfg.has_mac && c->cfg.arphrd == ARPHRD_ETHER) {
		enter_checking(c);
	} else if (initial || memcmp(c->cand.addr, c->lease.addr, 4)) {
		if (!initial)
			drop_lease(c, DHCP_WHY_CHANGED);
		bind_new(c);
	} else {
		c->lease = c->cand;
		c->lease_start_ms = c->req_ms;
		memcpy(c->server, c->lease.server, 4);
		c->state = DHCP_S_BOUND;
		fd_close(&c->udp);
		fd_close(&c->raw);
		loop_timer_cancel(&c->t_tx);
		arm_lease(c);
		emit(c, DHCP_EV_RENEW);
	}
}

static void on_nak(struct dhcp_client *c)
{
	enum dhcp_state s = c->state;
	bool had = s == DHCP_S_RENEWING || s == DHCP_S_REBINDING;
	unsigned delay;

	if ((s != DHCP_S_REQUESTING && s != DHCP_S_REBOOTING && !had) ||
	    ((s == DHCP_S_REQUESTING || s == DHCP_S_RENEWING) &&
	     memcmp(msg_server(&c->rx), c->server, 4))) {
		c->stats.ignored++;
		return;
	}
	emit(c, DHCP_EV_NAK);
	if (had)
		drop_lease(c, DHCP_WHY_NAK);
	/* The NAKed address is not worth asking for again. */
	c->cfg.has_req_ip = false;
	c->cfg.flags &= ~(uint32_t)DHCP_F_INIT_REBOOT;
	/* RFC 2131 3.1: restart at once; a server that NAKs every time is answered with a
	 * growing pause (1, 2, 4 ... 60 s) instead of a packet storm. */
	c->naks++;
	delay = c->naks <= 1 ? 0 : MIN(1000U << MIN(c->naks - 2, 6U), 60000U);
	if (delay)
		go_init(c, delay);
	else
		enter_selecting(c);
}

static void handle(struct dhcp_client *c, const uint8_t *msg, size_t len, const uint8_t *src)
{
	if (dhcp_msg_parse(&c->rx, msg, len) < 0) {
		malformed(c, 2);
		return;
	}
	memcpy(c->rx.src, src, 4);
	/* RFC 2131 4.1: replies are matched on xid, and chaddr guards against a neighbour's
	 * exchange that happens to use the same xid. */
	if (c->rx.op != DHCP_BOOTREPLY || c->rx.xid != c->xid ||
	    memcmp(c->rx.chaddr, c->cfg.chaddr, 6)) {
		c->stats.ignored++;
		return;
	}
	c->stats.rx++;
	if (c->rx.type == DHCPOFFER)
		on_offer(c);
	else if (c->rx.type == DHCPACK)
		on_ack(c);
	else if (c->rx.type == DHCPNAK)
		on_nak(c);
	else
		c->stats.ignored++;
}

static bool csum_not_ready(struct msghdr *mh)
{
	struct tpacket_auxdata aux;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA ||
		    cm->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
		/* A packet from this host (veth, a local server) may carry a partial checksum
		 * that the kernel never computed (CHECKSUM_PARTIAL). */
		return aux.tp_status & TP_STATUS_CSUMNOTREADY;
	}
	return false;
}

static void raw_rx(struct loop_fd *f, short rev)
{
	struct dhcp_client *c = container_of(f, struct dhcp_client, raw);
	int budget = 16;

	(void)rev;
	while (budget-- > 0 && c->raw.fd >= 0) {
		union {
			struct cmsghdr align;
			char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} cbuf;
		struct sockaddr_ll sll;
		struct iovec iov = {c->rxbuf, sizeof(c->rxbuf)};
		struct msghdr mh = {.msg_name = &sll, .msg_namelen = sizeof(sll), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = &cbuf, .msg_controllen = sizeof(cbuf)};
		uint8_t src[4];
		size_t plen;
		ssize_t n = recvmsg(c->raw.fd, &mh, MSG_DONTWAIT);
		int off;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				c->err = -errno;
				emit(c, DHCP_EV_ERROR);
			}
			return;
		}
		if (sll.sll_pkttype == PACKET_OUTGOING || sll.sll_pkttype == PACKET_OTHERHOST)
			continue;
		if (mh.msg_flags & MSG_TRUNC) {
			malformed(c, 0);
			continue;
		}
		off = dhcp_ip_udp_parse(c->rxbuf, (size_t)n, csum_not_ready(&mh), src, &plen);
		if (off == -ENOMSG) {
			c->stats.ignored++;
			continue;
		}
		if (off < 0) {
			malformed(c, 1);
			continue;
		}
		if (sll.sll_halen == 6) {
			memcpy(c->rx_mac, sll.sll_addr, 6);
			c->rx_mac_ok = true;
		} else {
			c->rx_mac_ok = false;
		}
		handle(c, c->rxbuf + off, plen, src);
	}
}

static void udp_rx(struct loop_fd *f, short rev)
{
	struct dhcp_client *c = container_of(f, struct dhcp_client, udp);
	int budget = 16;

	(void)rev;
	while (budget-- > 0 && c->udp.fd >= 0) {
		struct sockaddr_in sin;
		socklen_t sl = sizeof(sin);
		ssize_t n = recvfrom(c->udp.fd, c->rxbuf, sizeof(c->rxbuf), MSG_DONTWAIT,
				     (struct sockaddr *)&sin, &sl);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				c->err = -errno;
				emit(c, DHCP_EV_ERROR);
			}
			return;
		}
		if (sl < sizeof(sin) || sin.sin_port != htons(DHCP_SERVER_PORT)) {
			c->stats.ignored++;
			continue;
		}
		c->rx_mac_ok = false;
		handle(c, c->rxbuf, (size_t)n, (const uint8_t *)&sin.sin_addr);
	}
}

/* ---- sockets ---- */

/* One packet socket for the whole exchange: created with protocol 0, so it receives nothing
 * and its bind() to ETH_P_IP + ifindex needs no synchronize_net() (bind of a running socket
 * costs ~9 ms, notes 1.3). SOCK_DGRAM: the kernel adds and strips the link header, which
 * makes the same code work on Ethernet and on ARPHRD_NONE (TUN, raw-IP qmi_wwan). */
static int raw_open(struct dhcp_client *c)
{
	/* Classic BPF on the IP header (offset 0 on a SOCK_DGRAM socket): UDP, no fragment,
	 * destination port 68. Only to spare us wakeups; dhcp_ip_udp_parse checks it all. */
	static const struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 5),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 3, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP_CLIENT_PORT, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
	};
	const struct sock_fprog prog = {ARRAY_SIZE(code), (struct sock_filter *)code};
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = c->cfg.ifindex,
	};
	int one = 1, fd, r;

	if (c->raw.fd >= 0)
		return 0;
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Both are optimisations, and qemu-user (the big-endian tests) lacks PACKET_AUXDATA:
	 * without the filter we wake up more, without AUXDATA every checksum is checked. */
	setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd_watch(&c->raw, fd, raw_rx);
}

/* Renewing and rebinding: UDP on *:68 bound to the interface (SO_BINDTODEVICE), so both the
 * unicast and the broadcast replies arrive; SO_REUSEADDR as udhcpc, to coexist with another
 * client's socket on another interface. */
static int udp_open(struct dhcp_client *c)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT)};
	int one = 1, fd, r;

	if (c->udp.fd >= 0)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->cfg.ifname, strlen(c->cfg.ifname)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd_watch(&c->udp, fd, udp_rx);
}

/* ---- timer callbacks ---- */

static void on_tx_timer(struct loop_timer *t)
{
	struct dhcp_client *c = container_of(t, struct dhcp_client, t_tx);

	switch (c->state) {
	case DHCP_S_INIT:
		enter_selecting(c);
		break;
	case DHCP_S_SELECTING:
		if (c->tries >= c->cfg.retries) {
			leasefail(c);
			break;
		}
		send_discover(c);
		arm_backoff(c);
		break;
	case DHCP_S_REQUESTING:
		if (c->tries >= c->cfg.retries) {
			enter_selecting(c);
			break;
		}
		send_request(c);
		arm_backoff(c);
		break;
	case DHCP_S_REBOOTING:
		if (c->tries >= 2) {
			enter_selecting(c);
			break;
		}
		send_request(c);
		arm_backoff(c);
		break;
	case DHCP_S_CHECKING:
		if (c->tries < 2) {
			arp_send_probe(c);
			loop_timer_set(&c->t_tx, c->cfg.arp_ms - c->cfg.arp_ms / 2);
		} else {
			bind_new(c); /* nobody answered: the address is free */
		}
		break;
	case DHCP_S_RENEWING:
	case DHCP_S_REBINDING:
		send_request(c);
		arm_retx_bound(c);
		break;
	default:
		break;
	}
}

static void on_lease_timer(struct loop_timer *t)
{
	struct dhcp_client *c = container_of(t, struct dhcp_client, t_lease);

	if (c->state == DHCP_S_BOUND)
		enter_renewing(c);
	else if (c->state == DHCP_S_RENEWING)
		enter_rebinding(c);
	else if (c->state == DHCP_S_REBINDING)
		expire(c);
}

/* ---- public ---- */

int dhcp_client_start(struct dhcp_client *c)
{
	struct dhcp_config *g = &c->cfg;
	struct msg_args probe = {DHCPREQUEST, NULL, ip_any, ip_any, true};
	int r;

	c->raw.fd = c->udp.fd = c->arp.fd = -1;
	c->t_tx.cb = on_tx_timer;
	c->t_lease.cb = on_lease_timer;
	c->state = DHCP_S_STOPPED;
	if (!g->retries)
		g->retries = 3;
	if (!g->timeout_ms)
		g->timeout_ms = 3000;
	g->max_msg = MIN(MAX(g->max_msg, DHCP_MIN_MSG_SIZE), DHCP_IP_MAX);
	/* The biggest message we send must fit the options we were given. */
	if (!build(c, &probe))
		return -EMSGSIZE;
	r = raw_open(c);
	if (r < 0)
		return r;
	if (g->has_req_ip && (g->flags & DHCP_F_INIT_REBOOT))
		enter_rebooting(c);
	else
		enter_selecting(c);
	return 0;
}

void dhcp_client_renew(struct dhcp_client *c)
{
	switch (c->state) {
	case DHCP_S_STOPPED:
		break;
	case DHCP_S_BOUND:
		enter_renewing(c);
		break;
	case DHCP_S_RENEWING:
	case DHCP_S_REBINDING:
		send_request(c);
		arm_retx_bound(c);
		break;
	default:
		enter_selecting(c);
		break;
	}
}

void dhcp_client_release(struct dhcp_client *c)
{
	if (c->state >= DHCP_S_BOUND && c->state <= DHCP_S_REBINDING) {
		/* RFC 2131 4.4.6: unicast to the server, ciaddr set, 54 and 61. */
		struct msg_args a = {DHCPRELEASE, c->lease.addr, NULL, c->server, false};

		udp_open(c);
		c->xid = rnd32();
		send_msg(c, &a);
		drop_lease(c, DHCP_WHY_RELEASED);
	}
	dhcp_client_stop(c);
	c->state = DHCP_S_RELEASED;
}

void dhcp_client_stop(struct dhcp_client *c)
{
	loop_timer_cancel(&c->t_tx);
	loop_timer_cancel(&c->t_lease);
	fd_close(&c->raw);
	fd_close(&c->udp);
	fd_close(&c->arp);
	c->state = DHCP_S_STOPPED;
}

const char *dhcp_state_name(enum dhcp_state s)
{
	static const char *const n[] = {"stopped", "init", "selecting", "requesting", "init-reboot",
					"checking", "bound", "renewing", "rebinding", "released"};

	return (unsigned)s < ARRAY_SIZE(n) ? n[s] : "?";
}

const char *dhcp_type_name(unsigned type)
{
	static const char *const n[] = {"?", "discover", "offer", "request", "decline",
					"ack", "nak", "release", "inform"};

	return type < ARRAY_SIZE(n) ? n[type] : "?";
}
