/* nl.c - rtnetlink by hand: request builders, receive parsers, link/address/route operations.
 *
 * Wire layout (include/uapi/linux/netlink.h, rtnetlink.h): every message starts with a 16-byte
 * nlmsghdr {u32 len, u16 type, u16 flags, u32 seq, u32 pid}; attributes are {u16 len, u16 type,
 * payload} padded to 4 bytes, and len excludes the padding. All fields are host order, read and
 * written through get_h16/put_h32 (bytes.h) so no struct is ever overlaid on a buffer.
 */
#include "wwanbox.h"
#include "nl.h"

#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* sizeof() of the kernel structures: nlmsghdr; ifinfomsg {family, pad, type, index, flags,
 * change}; ifaddrmsg {family, prefixlen, flags, scope, index}; rtmsg {family, dst_len, src_len,
 * tos, table, protocol, scope, type, flags}. */
#define HDR_LEN 16
#define IFI_LEN 16
#define IFA_LEN 8
#define RTM_LEN 12
#define ERRNO_MAX 4095 /* kernel errors are -1..-MAX_ERRNO (include/linux/err.h) */

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static size_t addr_len(uint8_t family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6 && CFG_FEATURE_IPV6)
		return 16;
	return 0;
}

/* ---- builders ---- */

static int msg_fail(struct nl_msg *m, int err)
{
	if (!m->err)
		m->err = err;
	return m->err;
}

/* Reserve len bytes (plus padding, zeroed) at the end of the message, or fail it. */
static uint8_t *msg_reserve(struct nl_msg *m, size_t len)
{
	size_t n = align4(len);
	uint8_t *p;

	if (m->err)
		return NULL;
	if (n < len || n > m->cap - m->len) {
		msg_fail(m, -EMSGSIZE);
		return NULL;
	}
	p = m->buf + m->len;
	memset(p, 0, n);
	m->len += n;
	put_h32(m->buf, (uint32_t)m->len);
	return p;
}

int nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type, uint16_t flags)
{
	m->buf = buf;
	m->cap = cap > UINT32_MAX ? UINT32_MAX : cap;
	m->len = 0;
	m->err = 0;
	if (!buf || cap < HDR_LEN)
		return msg_fail(m, -EMSGSIZE);
	memset(m->buf, 0, HDR_LEN);
	put_h16(m->buf + 4, type);
	put_h16(m->buf + 6, flags);
	m->len = HDR_LEN;
	put_h32(m->buf, HDR_LEN);
	return 0;
}

int nl_msg_put(struct nl_msg *m, const void *data, size_t len)
{
	uint8_t *p = msg_reserve(m, len);

	if (!p)
		return m->err;
	if (len)
		memcpy(p, data, len);
	return 0;
}

int nl_attr_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	uint8_t *p;

	if (len > UINT16_MAX - 4)
		return msg_fail(m, -EMSGSIZE);
	p = msg_reserve(m, 4 + len);
	if (!p)
		return m->err;
	put_h16(p, (uint16_t)(4 + len));
	put_h16(p + 2, type);
	if (len)
		memcpy(p + 4, data, len);
	return 0;
}

int nl_attr_put_u8(struct nl_msg *m, uint16_t type, uint8_t v)
{
	return nl_attr_put(m, type, &v, 1);
}

int nl_attr_put_u16(struct nl_msg *m, uint16_t type, uint16_t v)
{
	uint8_t b[2];

	put_h16(b, v);
	return nl_attr_put(m, type, b, 2);
}

int nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	uint8_t b[4];

	put_h32(b, v);
	return nl_attr_put(m, type, b, 4);
}

int nl_attr_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	return nl_attr_put(m, type, s, strlen(s));
}

int nl_attr_put_strz(struct nl_msg *m, uint16_t type, const char *s)
{
	return nl_attr_put(m, type, s, strlen(s) + 1);
}

int nl_attr_nest_start(struct nl_msg *m, uint16_t type)
{
	size_t off = m->len;
	uint8_t *p = msg_reserve(m, 4);

	if (!p)
		return m->err;
	put_h16(p + 2, type);
	return (int)off;
}

/* The nest's length covers everything added since, inner padding included (iproute2
 * addattr_nest_end does the same). */
int nl_attr_nest_end(struct nl_msg *m, int start)
{
	size_t len;

	if (start < 0)
		return msg_fail(m, start);
	if (m->err)
		return m->err;
	if ((size_t)start + 4 > m->len)
		return msg_fail(m, -EINVAL);
	len = m->len - (size_t)start;
	if (len > UINT16_MAX)
		return msg_fail(m, -EMSGSIZE);
	put_h16(m->buf + start, (uint16_t)len);
	return 0;
}

static void put_ifinfo(struct nl_msg *m, int ifindex, uint32_t flags, uint32_t change)
{
	uint8_t *p = msg_reserve(m, IFI_LEN);

	if (!p)
		return;
	put_h32(p + 4, (uint32_t)ifindex);
	put_h32(p + 8, flags);
	put_h32(p + 12, change);
}

int nl_build_link_get(struct nl_msg *m, void *buf, size_t cap, int ifindex, const char *name)
{
	nl_msg_init(m, buf, cap, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK);
	put_ifinfo(m, ifindex > 0 ? ifindex : 0, 0, 0);
	if (ifindex <= 0 && name)
		nl_attr_put_strz(m, IFLA_IFNAME, name);
	/* Leave out the statistics blocks: they are ~300 bytes we never read. */
	nl_attr_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return m->err;
}

int nl_build_link_set(struct nl_msg *m, void *buf, size_t cap, int ifindex, uint32_t flags,
		      uint32_t change, uint32_t mtu)
{
	nl_msg_init(m, buf, cap, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (ifindex <= 0)
		return msg_fail(m, -ENODEV);
	put_ifinfo(m, ifindex, flags, change);
	if (mtu)
		nl_attr_put_u32(m, IFLA_MTU, mtu);
	return m->err;
}

int nl_build_link_add(struct nl_msg *m, void *buf, size_t cap, int link, const char *name,
		      const char *kind, const struct nl_attr_spec *data, size_t n)
{
	int info, idata;
	size_t i;

	nl_msg_init(m, buf, cap, RTM_NEWLINK,
		    NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE);
	if (!kind || !*kind || (name && nl_ifname_check(name)))
		return msg_fail(m, -EINVAL);
	put_ifinfo(m, 0, 0, 0);
	if (link > 0)
		nl_attr_put_u32(m, IFLA_LINK, (uint32_t)link);
	if (name)
		nl_attr_put_strz(m, IFLA_IFNAME, name);
	info = nl_attr_nest_start(m, IFLA_LINKINFO);
	/* iproute2 and libqmi send the kind without its NUL (notes/qmap.md 3.2). */
	nl_attr_put_str(m, IFLA_INFO_KIND, kind);
	if (n) {
		idata = nl_attr_nest_start(m, IFLA_INFO_DATA);
		for (i = 0; i < n; i++)
			nl_attr_put(m, data[i].type, data[i].data, data[i].len);
		nl_attr_nest_end(m, idata);
	}
	nl_attr_nest_end(m, info);
	return m->err;
}

int nl_build_rmnet_add(struct nl_msg *m, void *buf, size_t cap, int link, const char *name,
		       uint16_t mux_id, uint32_t flags, uint32_t mask)
{
	uint8_t mux[2], fl[8];
	struct nl_attr_spec d[2] = {
		{IFLA_RMNET_MUX_ID, 2, mux},
		/* struct ifla_rmnet_flags { __u32 flags; __u32 mask; }: flags first. */
		{IFLA_RMNET_FLAGS, 8, fl},
	};

	/* The mux id is a u16 attribute in host order; rmnet rejects > 254 (rmnet_config.c),
	 * qmi_wwan add_mux and iproute2 also refuse 0. */
	put_h16(mux, mux_id);
	put_h32(fl, flags);
	put_h32(fl + 4, mask);
	nl_build_link_add(m, buf, cap, link, name, "rmnet", d, mask ? 2 : 1);
	if (mux_id < 1 || mux_id > 254)
		return msg_fail(m, -ERANGE);
	if (link <= 0)
		return msg_fail(m, -ENODEV);
	return m->err;
}

int nl_build_vlan_add(struct nl_msg *m, void *buf, size_t cap, int link, const char *name,
		      uint16_t vid)
{
	uint8_t v[2];
	struct nl_attr_spec d = {IFLA_VLAN_ID, 2, v};

	put_h16(v, vid);
	nl_build_link_add(m, buf, cap, link, name, "vlan", &d, 1);
	/* 8021q refuses vid >= VLAN_VID_MASK (4095) with -ERANGE (vlan_netlink.c). */
	if (vid > 4094)
		return msg_fail(m, -ERANGE);
	if (link <= 0)
		return msg_fail(m, -ENODEV);
	return m->err;
}

int nl_build_link_del(struct nl_msg *m, void *buf, size_t cap, int ifindex)
{
	nl_msg_init(m, buf, cap, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (ifindex <= 0)
		return msg_fail(m, -ENODEV);
	put_ifinfo(m, ifindex, 0, 0);
	return m->err;
}

int nl_build_addr(struct nl_msg *m, void *buf, size_t cap, uint16_t cmd, const struct nl_ifaddr *a)
{
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	size_t alen = addr_len(a->family);
	uint8_t *p;

	if (cmd == RTM_NEWADDR)
		flags |= NLM_F_CREATE | NLM_F_EXCL;
	nl_msg_init(m, buf, cap, cmd, flags);
	if (!alen)
		return msg_fail(m, -EAFNOSUPPORT);
	if (a->prefixlen > alen * 8)
		return msg_fail(m, -EINVAL);
	if (a->ifindex <= 0)
		return msg_fail(m, -ENODEV);
	p = msg_reserve(m, IFA_LEN);
	if (!p)
		return m->err;
	p[0] = a->family;
	p[1] = a->prefixlen;
	/* Flags above the u8 ifa_flags go in IFA_FLAGS, as iproute2 does. */
	p[2] = a->flags <= 0xff ? (uint8_t)a->flags : 0;
	p[3] = a->scope;
	put_h32(p + 4, (uint32_t)a->ifindex);
	nl_attr_put(m, IFA_LOCAL, a->local, alen);
	nl_attr_put(m, IFA_ADDRESS, a->has_peer ? a->peer : a->local, alen);
	if (a->family == AF_INET && a->has_broadcast)
		nl_attr_put(m, IFA_BROADCAST, a->broadcast, 4);
	if (a->flags > 0xff)
		nl_attr_put_u32(m, IFA_FLAGS, a->flags);
	return m->err;
}

int nl_build_route(struct nl_msg *m, void *buf, size_t cap, uint16_t cmd, const struct nl_route *r)
{
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	size_t alen = addr_len(r->family);
	uint8_t *p;

	/* NLM_F_EXCL: the kernel answers -EEXIST instead of replacing or appending to a route
	 * with the same destination and metric (fib_table_insert, fib6_add_rt2node). */
	if (cmd == RTM_NEWROUTE)
		flags |= NLM_F_CREATE | NLM_F_EXCL;
	nl_msg_init(m, buf, cap, cmd, flags);
	if (!alen)
		return msg_fail(m, -EAFNOSUPPORT);
	if (r->dst_len > alen * 8)
		return msg_fail(m, -EINVAL);
	p = msg_reserve(m, RTM_LEN);
	if (!p)
		return m->err;
	p[0] = r->family;
	p[1] = r->dst_len;
	p[4] = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	p[5] = r->protocol;
	p[6] = r->scope;
	p[7] = r->type;
	put_h32(p + 8, r->flags);
	if (r->dst_len)
		nl_attr_put(m, RTA_DST, r->dst, alen);
	if (r->has_gw)
		nl_attr_put(m, RTA_GATEWAY, r->gw, alen);
	if (r->metric)
		nl_attr_put_u32(m, RTA_PRIORITY, r->metric);
	if (r->oif > 0)
		nl_attr_put_u32(m, RTA_OIF, (uint32_t)r->oif);
	if (r->table >= 256)
		nl_attr_put_u32(m, RTA_TABLE, r->table);
	return m->err;
}

int nl_build_dump(struct nl_msg *m, void *buf, size_t cap, uint16_t type, uint8_t family)
{
	size_t hlen;
	uint8_t *p;

	nl_msg_init(m, buf, cap, type, NLM_F_REQUEST | NLM_F_DUMP);
	if (type == RTM_GETLINK)
		hlen = IFI_LEN;
	else if (type == RTM_GETADDR)
		hlen = IFA_LEN;
	else if (type == RTM_GETROUTE)
		hlen = RTM_LEN;
	else
		return msg_fail(m, -EINVAL);
	p = msg_reserve(m, hlen);
	if (p)
		p[0] = family;
	return m->err;
}

/* ---- receive parsers ---- */

int nl_msg_next(const uint8_t *buf, size_t len, size_t *off, struct nl_hdr *h, const uint8_t **pl,
		size_t *pl_len)
{
	size_t o = *off, rest;

	if (o >= len)
		return 0;
	rest = len - o;
	if (rest < HDR_LEN)
		return -EPROTO;
	h->len = get_h32(buf + o);
	h->type = get_h16(buf + o + 4);
	h->flags = get_h16(buf + o + 6);
	h->seq = get_h32(buf + o + 8);
	h->pid = get_h32(buf + o + 12);
	if (h->len < HDR_LEN || h->len > rest)
		return -EPROTO;
	*pl = buf + o + HDR_LEN;
	*pl_len = h->len - HDR_LEN;
	/* The padding of the last message may be missing. */
	*off = o + MIN(align4(h->len), rest);
	return 1;
}

int nl_attr_next(const uint8_t *buf, size_t len, size_t *off, struct nl_attr *a)
{
	size_t o = *off, rest;
	uint16_t alen;

	if (o >= len)
		return 0;
	rest = len - o;
	if (rest < 4)
		return -EPROTO;
	alen = get_h16(buf + o);
	if (alen < 4 || alen > rest)
		return -EPROTO;
	a->type = get_h16(buf + o + 2) & NLA_TYPE_MASK;
	a->len = (uint16_t)(alen - 4);
	a->data = buf + o + 4;
	*off = o + MIN(align4(alen), rest);
	return 1;
}

/* Copy NLMSGERR_ATTR_MSG (a NUL-terminated string) out of extended-ack attributes. */
static void extack_copy(const uint8_t *p, size_t len, char *msg, size_t cap)
{
	struct nl_attr a;
	size_t off = 0, n;

	while (nl_attr_next(p, len, &off, &a) > 0) {
		if (a.type != NLMSGERR_ATTR_MSG)
			continue;
		n = strnlen((const char *)a.data, a.len);
		n = MIN(n, cap - 1);
		memcpy(msg, a.data, n);
		msg[n] = 0;
		return;
	}
}

static int parse_errno(const uint8_t *p)
{
	int32_t e = (int32_t)get_h32(p);

	return e > 0 || e < -ERRNO_MAX ? -EPROTO : e;
}

/* struct nlmsgerr { int error; struct nlmsghdr msg; }, then the request's payload unless the
 * reply is NLM_F_CAPPED, then the extended-ack attributes if NLM_F_ACK_TLVS (netlink_ack). */
int nl_parse_error(const struct nl_hdr *h, const uint8_t *pl, size_t len, char *msg, size_t cap)
{
	size_t off = 4 + HDR_LEN, orig;
	int err;

	if (msg && cap)
		msg[0] = 0;
	if (len < 4)
		return -EPROTO;
	err = parse_errno(pl);
	if (!msg || !cap || !(h->flags & NLM_F_ACK_TLVS) || len < off)
		return err;
	if (!(h->flags & NLM_F_CAPPED)) {
		orig = get_h32(pl + 4);
		if (orig < HDR_LEN || orig > len - 4)
			return err;
		off = 4 + align4(orig);
	}
	if (off < len)
		extack_copy(pl + off, len - off, msg, cap);
	return err;
}

int nl_parse_link(const uint8_t *pl, size_t len, struct nl_link *out)
{
	struct nl_attr a;
	size_t off = IFI_LEN, n;
	int r;

	memset(out, 0, sizeof(*out));
	if (len < IFI_LEN)
		return -EPROTO;
	out->type = get_h16(pl + 2);
	out->ifindex = (int)get_h32(pl + 4);
	out->flags = get_h32(pl + 8);
	while ((r = nl_attr_next(pl, len, &off, &a)) > 0) {
		if (a.type == IFLA_IFNAME) {
			n = MIN(strnlen((const char *)a.data, a.len), IFNAMSIZ - 1);
			memcpy(out->name, a.data, n);
			out->name[n] = 0;
		} else if (a.type == IFLA_MTU && a.len >= 4) {
			out->mtu = get_h32(a.data);
		} else if (a.type == IFLA_MAX_MTU && a.len >= 4) {
			out->max_mtu = get_h32(a.data);
		} else if (a.type == IFLA_LINK && a.len >= 4) {
			out->link = (int)get_h32(a.data);
		} else if (a.type == IFLA_OPERSTATE && a.len >= 1) {
			out->operstate = a.data[0];
		} else if (a.type == IFLA_ADDRESS && a.len <= sizeof(out->hwaddr)) {
			out->hwaddr_len = (uint8_t)a.len;
			memcpy(out->hwaddr, a.data, a.len);
		}
	}
	return r;
}

/* A fixed-size address attribute: copy it or reject the message. */
static int get_addr(const struct nl_attr *a, size_t alen, uint8_t *dst)
{
	if (a->len != alen)
		return -EPROTO;
	memcpy(dst, a->data, alen);
	return 1;
}

int nl_parse_addr(const uint8_t *pl, size_t len, struct nl_ifaddr *out)
{
	uint8_t address[16];
	bool has_local = false, has_address = false;
	struct nl_attr a;
	size_t off = IFA_LEN, alen;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (len < IFA_LEN)
		return -EPROTO;
	out->family = pl[0];
	out->prefixlen = pl[1];
	out->flags = pl[2];
	out->scope = pl[3];
	out->ifindex = (int)get_h32(pl + 4);
	alen = addr_len(out->family);
	if (!alen)
		return -EAFNOSUPPORT;
	if (out->prefixlen > alen * 8)
		return -EPROTO;
	while (r >= 0 && (r = nl_attr_next(pl, len, &off, &a)) > 0) {
		if (a.type == IFA_LOCAL) {
			r = get_addr(&a, alen, out->local);
			has_local = true;
		} else if (a.type == IFA_ADDRESS) {
			r = get_addr(&a, alen, address);
			has_address = true;
		} else if (a.type == IFA_BROADCAST && out->family == AF_INET) {
			r = get_addr(&a, 4, out->broadcast);
			out->has_broadcast = true;
		} else if (a.type == IFA_FLAGS && a.len >= 4) {
			out->flags = get_h32(a.data);
		}
	}
	if (r < 0)
		return r;
	/* IFA_LOCAL is our address; IFA_ADDRESS is the peer on point-to-point links and equal
	 * to IFA_LOCAL otherwise. IPv6 usually sends IFA_ADDRESS only (if_addr.h). */
	if (!has_local && has_address)
		memcpy(out->local, address, alen);
	if (has_local && has_address && memcmp(address, out->local, alen)) {
		out->has_peer = true;
		memcpy(out->peer, address, alen);
	}
	return 0;
}

int nl_parse_route(const uint8_t *pl, size_t len, struct nl_route *out)
{
	struct nl_attr a;
	size_t off = RTM_LEN, alen;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (len < RTM_LEN)
		return -EPROTO;
	out->family = pl[0];
	out->dst_len = pl[1];
	out->table = pl[4];
	out->protocol = pl[5];
	out->scope = pl[6];
	out->type = pl[7];
	out->flags = get_h32(pl + 8);
	alen = addr_len(out->family);
	if (!alen)
		return -EAFNOSUPPORT;
	if (out->dst_len > alen * 8)
		return -EPROTO;
	while (r >= 0 && (r = nl_attr_next(pl, len, &off, &a)) > 0) {
		if (a.type == RTA_DST) {
			r = get_addr(&a, alen, out->dst);
		} else if (a.type == RTA_GATEWAY) {
			r = get_addr(&a, alen, out->gw);
			out->has_gw = true;
		} else if (a.type == RTA_OIF && a.len >= 4) {
			out->oif = (int)get_h32(a.data);
		} else if (a.type == RTA_PRIORITY && a.len >= 4) {
			out->metric = get_h32(a.data);
		} else if (a.type == RTA_TABLE && a.len >= 4) {
			out->table = get_h32(a.data);
		}
	}
	return r < 0 ? r : 0;
}

static int rx_finish(struct nl_rx *rx, int result)
{
	if (result >= 0 && rx->cb_err < 0)
		result = rx->cb_err;
	if (result == 0 && rx->dump && rx->intr)
		result = 1;
	rx->result = result;
	return 1;
}

/* NLMSG_DONE of a dump carries an int error, then extended-ack attributes
 * (netlink_dump_done). Very old kernels sent no payload at all. */
static int parse_done(const struct nl_hdr *h, const uint8_t *pl, size_t len, struct nl_rx *rx)
{
	if (len < 4)
		return 0;
	if ((h->flags & NLM_F_ACK_TLVS) && rx->extack && rx->extack_cap)
		extack_copy(pl + 4, len - 4, rx->extack, rx->extack_cap);
	return parse_errno(pl);
}

int nl_rx_feed(struct nl_rx *rx, const uint8_t *buf, size_t len)
{
	const uint8_t *pl;
	struct nl_hdr h;
	size_t off = 0, plen;
	int r;

	while ((r = nl_msg_next(buf, len, &off, &h, &pl, &plen)) > 0) {
		/* Replies to an earlier request that timed out carry an older seq. */
		if (h.seq != rx->seq || h.pid != rx->portid)
			continue;
		if (h.flags & NLM_F_DUMP_INTR)
			rx->intr = true;
		if (h.type == NLMSG_ERROR)
			return rx_finish(rx,
					 nl_parse_error(&h, pl, plen, rx->extack, rx->extack_cap));
		if (h.type == NLMSG_DONE && rx->dump)
			return rx_finish(rx, parse_done(&h, pl, plen, rx));
		if (h.type < NLMSG_MIN_TYPE)
			continue;
		if (rx->cb && !rx->cb_err) {
			int e = rx->cb(&h, pl, plen, rx->arg);

			if (e < 0)
				rx->cb_err = e;
		}
	}
	return r;
}

/* ---- socket operations ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int nl_open(struct nl *nl)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	socklen_t sl = sizeof(sa);
	int one = 1;

	nl->seq = (uint32_t)time(NULL);
	nl->timeout_ms = NL_TIMEOUT_MS;
	nl->extack[0] = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0)
		return -errno;
	/* Error texts (4.12+) and ACKs without a copy of the request (4.3+); optional. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &sl) < 0) {
		int e = -errno;

		nl_close(nl);
		return e;
	}
	nl->portid = sa.nl_pid;
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

static int nl_send(struct nl *nl, const struct nl_msg *m)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	ssize_t n;

	do
		n = sendto(nl->fd, m->buf, m->len, 0, (struct sockaddr *)&sa, sizeof(sa));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == m->len ? 0 : -EIO;
}

/* Receive one datagram from the kernel into nl->buf before the deadline. */
static ssize_t nl_recv(struct nl *nl, int64_t deadline)
{
	struct sockaddr_nl from;
	struct pollfd pfd = {.fd = nl->fd, .events = POLLIN};
	socklen_t fl;
	ssize_t n;
	int64_t left;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)MIN(left, INT32_MAX)) < 0 && errno != EINTR)
			return -errno;
		fl = sizeof(from);
		n = recvfrom(nl->fd, nl->buf, sizeof(nl->buf), MSG_TRUNC | MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0)
			return -errno;
		if ((size_t)n > sizeof(nl->buf))
			return -EMSGSIZE; /* MSG_TRUNC gave the real length */
		if (fl >= sizeof(from) && from.nl_pid == 0)
			return n; /* only the kernel (port 0) may answer */
	}
}

int nl_talk(struct nl *nl, struct nl_msg *m, nl_cb cb, void *arg)
{
	struct nl_rx rx = {.portid = nl->portid,
			   .cb = cb,
			   .arg = arg,
			   .extack = nl->extack,
			   .extack_cap = sizeof(nl->extack)};
	int64_t deadline, timeout;
	ssize_t n;
	int r;

	nl->extack[0] = 0;
	if (m->err)
		return m->err;
	if (nl->fd < 0)
		return -EBADF;
	if (++nl->seq == 0)
		nl->seq = 1;
	rx.seq = nl->seq;
	rx.dump = (get_h16(m->buf + 6) & NLM_F_DUMP) == NLM_F_DUMP;
	put_h32(m->buf + 8, rx.seq);
	r = nl_send(nl, m);
	if (r < 0)
		return r;
	timeout = nl->timeout_ms > 0 ? nl->timeout_ms : NL_TIMEOUT_MS;
	deadline = now_ms() + timeout;
	for (;;) {
		n = nl_recv(nl, deadline);
		if (n < 0)
			return (int)n;
		r = nl_rx_feed(&rx, nl->buf, (size_t)n);
		if (r < 0)
			return r;
		if (r > 0)
			return rx.result;
		/* A dump of a big table may take longer than the timeout; bound the silence. */
		if (rx.dump)
			deadline = now_ms() + timeout;
	}
}

/* ---- links ---- */

int nl_ifname_check(const char *name)
{
	size_t n, i;

	if (!name || !*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	n = strnlen(name, IFNAMSIZ);
	if (n >= IFNAMSIZ)
		return -ENAMETOOLONG;
	/* The kernel's dev_valid_name() also refuses '/', ':' and whitespace. */
	for (i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || name[i] == ' ' ||
		    (name[i] >= '\t' && name[i] <= '\r'))
			return -EINVAL;
	return 0;
}

struct link_get {
	struct nl_link *out;
	bool found;
};

static int link_get_cb(const struct nl_hdr *h, const uint8_t *pl, size_t len, void *arg)
{
	struct link_get *g = arg;
	int r;

	if (h->type != RTM_NEWLINK || g->found)
		return 0;
	r = nl_parse_link(pl, len, g->out);
	g->found = r == 0;
	return r;
}

int nl_link_get(struct nl *nl, int ifindex, const char *name, struct nl_link *out)
{
	struct link_get g = {.out = out};
	struct nl_msg m;
	int r;

	if (ifindex <= 0) {
		r = nl_ifname_check(name);
		if (r < 0)
			return r;
	}
	nl_build_link_get(&m, nl->buf, sizeof(nl->buf), ifindex, name);
	r = nl_talk(nl, &m, link_get_cb, &g);
	if (r < 0)
		return r;
	return g.found ? 0 : -ENODEV;
}

int nl_ifindex(struct nl *nl, const char *name)
{
	struct nl_link l;
	int r = nl_link_get(nl, 0, name, &l);

	return r < 0 ? r : l.ifindex;
}

int nl_link_set_up(struct nl *nl, int ifindex, bool up)
{
	struct nl_msg m;

	nl_build_link_set(&m, nl->buf, sizeof(nl->buf), ifindex, up ? IFF_UP : 0, IFF_UP, 0);
	return nl_talk(nl, &m, NULL, NULL);
}

int nl_link_set_mtu(struct nl *nl, int ifindex, uint32_t mtu)
{
	struct nl_msg m;

	if (!mtu)
		return -EINVAL;
	nl_build_link_set(&m, nl->buf, sizeof(nl->buf), ifindex, 0, 0, mtu);
	return nl_talk(nl, &m, NULL, NULL);
}

int nl_link_add(struct nl *nl, int link, const char *name, const char *kind,
		const struct nl_attr_spec *data, size_t n)
{
	struct nl_msg m;

	nl_build_link_add(&m, nl->buf, sizeof(nl->buf), link, name, kind, data, n);
	return nl_talk(nl, &m, NULL, NULL);
}

int nl_link_add_rmnet(struct nl *nl, int link, const char *name, uint16_t mux_id, uint32_t flags,
		      uint32_t mask)
{
	struct nl_msg m;

	nl_build_rmnet_add(&m, nl->buf, sizeof(nl->buf), link, name, mux_id, flags, mask);
	return nl_talk(nl, &m, NULL, NULL);
}

int nl_link_add_vlan(struct nl *nl, int link, const char *name, uint16_t vid)
{
	struct nl_msg m;

	nl_build_vlan_add(&m, nl->buf, sizeof(nl->buf), link, name, vid);
	return nl_talk(nl, &m, NULL, NULL);
}

int nl_link_del(struct nl *nl, int ifindex)
{
	struct nl_msg m;

	nl_build_link_del(&m, nl->buf, sizeof(nl->buf), ifindex);
	return nl_talk(nl, &m, NULL, NULL);
}

/* ---- addresses and routes ---- */

int nl_addr_add(struct nl *nl, const struct nl_ifaddr *a)
{
	struct nl_msg m;

	nl_build_addr(&m, nl->buf, sizeof(nl->buf), RTM_NEWADDR, a);
	return nl_talk(nl, &m, NULL, NULL);
}

int nl_addr_del(struct nl *nl, const struct nl_ifaddr *a)
{
	struct nl_msg m;

	nl_build_addr(&m, nl->buf, sizeof(nl->buf), RTM_DELADDR, a);
	return nl_talk(nl, &m, NULL, NULL);
}

int nl_route_add(struct nl *nl, const struct nl_route *r)
{
	struct nl_msg m;

	nl_build_route(&m, nl->buf, sizeof(nl->buf), RTM_NEWROUTE, r);
	return nl_talk(nl, &m, NULL, NULL);
}

int nl_route_del(struct nl *nl, const struct nl_route *r)
{
	struct nl_msg m;

	nl_build_route(&m, nl->buf, sizeof(nl->buf), RTM_DELROUTE, r);
	return nl_talk(nl, &m, NULL, NULL);
}

struct addr_dump {
	int (*cb)(const struct nl_ifaddr *a, void *arg);
	void *arg;
};

static int addr_dump_cb(const struct nl_hdr *h, const uint8_t *pl, size_t len, void *arg)
{
	struct addr_dump *d = arg;
	struct nl_ifaddr a;
	int r;

	if (h->type != RTM_NEWADDR)
		return 0;
	r = nl_parse_addr(pl, len, &a);
	if (r == -EAFNOSUPPORT)
		return 0;
	return r < 0 ? r : d->cb(&a, d->arg);
}

int nl_addr_dump(struct nl *nl, uint8_t family, int (*cb)(const struct nl_ifaddr *a, void *arg),
		 void *arg)
{
	struct addr_dump d = {cb, arg};
	struct nl_msg m;

	nl_build_dump(&m, nl->buf, sizeof(nl->buf), RTM_GETADDR, family);
	return nl_talk(nl, &m, addr_dump_cb, &d);
}

struct route_dump {
	int (*cb)(const struct nl_route *r, void *arg);
	void *arg;
};

static int route_dump_cb(const struct nl_hdr *h, const uint8_t *pl, size_t len, void *arg)
{
	struct route_dump *d = arg;
	struct nl_route rt;
	int r;

	if (h->type != RTM_NEWROUTE)
		return 0;
	r = nl_parse_route(pl, len, &rt);
	if (r == -EAFNOSUPPORT)
		return 0;
	return r < 0 ? r : d->cb(&rt, d->arg);
}

int nl_route_dump(struct nl *nl, uint8_t family, int (*cb)(const struct nl_route *r, void *arg),
		  void *arg)
{
	struct route_dump d = {cb, arg};
	struct nl_msg m;

	nl_build_dump(&m, nl->buf, sizeof(nl->buf), RTM_GETROUTE, family);
	return nl_talk(nl, &m, route_dump_cb, &d);
}

struct best_default {
	uint8_t family;
	int exclude_oif;
	bool found;
	struct nl_route *best;
};

static int best_default_cb(const struct nl_route *r, void *arg)
{
	struct best_default *b = arg;

	if (r->family != b->family || r->dst_len || r->table != RT_TABLE_MAIN ||
	    r->type != RTN_UNICAST)
		return 0;
	if (b->exclude_oif > 0 && r->oif == b->exclude_oif)
		return 0;
	if (!b->found || r->metric < b->best->metric) {
		*b->best = *r;
		b->found = true;
	}
	return 0;
}

int nl_route_best_default(struct nl *nl, uint8_t family, int exclude_oif, struct nl_route *best)
{
	struct best_default b = {family, exclude_oif, false, best};
	int tries, r = 0;

	if (!addr_len(family))
		return -EAFNOSUPPORT;
	/* A dump that raced with a change (NLM_F_DUMP_INTR) may have missed the very route we
	 * look for: try again a few times, then use what we have. */
	for (tries = 0; tries < 3; tries++) {
		b.found = false;
		r = nl_route_dump(nl, family, best_default_cb, &b);
		if (r <= 0)
			break;
	}
	if (r < 0)
		return r;
	return b.found ? 1 : 0;
}
