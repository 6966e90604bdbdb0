/* nl.h - rtnetlink by hand (no libmnl): links, addresses, routes, rmnet and VLAN links.
 *
 * Three layers, each usable alone:
 *  - builders (nl_msg_*, nl_attr_*, nl_build_*) write one request into a caller buffer with
 *    bounds-checked puts; they never send, so tests compare bytes with captured iproute2 requests;
 *  - receive parsers (nl_msg_next, nl_attr_next, nl_parse_*, nl_rx_feed) take (buf, len), check
 *    every length and copy fields out with memcpy (bytes.h), never by overlaying structs;
 *  - operations on a caller-owned struct nl (one NETLINK_ROUTE socket, one buffer): every request
 *    carries NLM_F_ACK and waits, bounded by nl->timeout_ms, for the reply with its own sequence
 *    number from the kernel; the result is the kernel's -errno (-EEXIST, -ENODEV, ...).
 * Nothing here prints, exits or allocates.
 */
#ifndef WWANBOX_NL_H
#define WWANBOX_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h> /* IFNAMSIZ, IFF_* */

#define NL_BUF_SIZE 8192   /* = libmnl's MNL_SOCKET_BUFFER_SIZE; dump parts are <= a page */
#define NL_TIMEOUT_MS 3000 /* default nl->timeout_ms */
#define NL_EXTACK_MAX 96

/* One rtnetlink socket and its request/reply buffer. Replies overwrite the request. */
struct nl {
	int fd;
	uint32_t seq;		    /* last sequence number used */
	uint32_t portid;	    /* our address, assigned by the kernel at bind */
	int timeout_ms;		    /* per request; nl_open sets NL_TIMEOUT_MS */
	char extack[NL_EXTACK_MAX]; /* kernel's message for the last error ("" if none) */
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
};

/* ---- building a request ---- */

/* A message being built in buf[cap]. The first failing put records -EMSGSIZE in err; later
 * puts do nothing, and nl_talk() refuses to send such a message. */
struct nl_msg {
	uint8_t *buf;
	size_t cap;
	size_t len; /* bytes used so far, always 4-aligned; also stored in nlmsg_len */
	int err;
};

/* One attribute for a generic INFO_DATA nest (nl_build_link_add). */
struct nl_attr_spec {
	uint16_t type;
	uint16_t len;
	const void *data;
};

int nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type, uint16_t flags);
int nl_msg_put(struct nl_msg *m, const void *data, size_t len); /* family header, padded */
int nl_attr_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
int nl_attr_put_u8(struct nl_msg *m, uint16_t type, uint8_t v);
int nl_attr_put_u16(struct nl_msg *m, uint16_t type, uint16_t v);     /* host order */
int nl_attr_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);     /* host order */
int nl_attr_put_str(struct nl_msg *m, uint16_t type, const char *s);  /* without the NUL */
int nl_attr_put_strz(struct nl_msg *m, uint16_t type, const char *s); /* with the NUL */
/* Open a nest: returns its offset (pass it to nl_attr_nest_end) or -EMSGSIZE. No NLA_F_NESTED
 * bit, like iproute2 (see notes/qmap.md 3.2). */
int nl_attr_nest_start(struct nl_msg *m, uint16_t type);
int nl_attr_nest_end(struct nl_msg *m, int start);

/* ---- values exchanged with the operations ---- */

struct nl_link {
	int ifindex;
	int link;	   /* IFLA_LINK (parent ifindex), 0 if none */
	uint32_t flags;	   /* IFF_* */
	uint16_t type;	   /* ARPHRD_* */
	uint8_t operstate; /* IF_OPER_* */
	uint32_t mtu;
	uint32_t max_mtu; /* IFLA_MAX_MTU, 0 if the kernel did not say */
	uint8_t hwaddr_len;
	uint8_t hwaddr[32];
	char name[IFNAMSIZ];
};

/* An interface address. For IPv4, local is IFA_LOCAL and peer, when has_peer, is IFA_ADDRESS
 * (point-to-point); otherwise IFA_ADDRESS = local. */
struct nl_ifaddr {
	int ifindex;
	uint8_t family;	   /* AF_INET or AF_INET6 */
	uint8_t prefixlen; /* 0..32 or 0..128 */
	uint8_t scope;	   /* RT_SCOPE_*, 0 = universe */
	bool has_peer, has_broadcast;
	uint32_t flags; /* IFA_F_* (IFA_F_NODAD) */
	uint8_t local[16];
	uint8_t peer[16];
	uint8_t broadcast[4];
};

struct nl_route {
	uint8_t family;	  /* AF_INET or AF_INET6 */
	uint8_t dst_len;  /* 0 = default route */
	uint8_t protocol; /* RTPROT_* */
	uint8_t scope;	  /* RT_SCOPE_LINK for device routes, RT_SCOPE_UNIVERSE via a gateway */
	uint8_t type;	  /* RTN_UNICAST */
	bool has_gw;
	uint32_t table;	 /* RT_TABLE_MAIN; >= 256 goes in RTA_TABLE */
	uint32_t flags;	 /* rtm_flags, e.g. RTNH_F_ONLINK */
	uint32_t metric; /* RTA_PRIORITY; 0 = not sent (kernel default: 0 v4, 1024 v6) */
	int oif;	 /* 0 = not sent / none reported (e.g. multipath) */
	uint8_t dst[16];
	uint8_t gw[16];
};

/* ---- request builders: nothing is sent; nlmsg_seq is left 0 (nl_talk stamps it) ---- */

int nl_build_link_get(struct nl_msg *m, void *buf, size_t cap, int ifindex, const char *name);
/* RTM_NEWLINK on an existing link: ifi_flags/ifi_change, plus IFLA_MTU when mtu != 0. */
int nl_build_link_set(struct nl_msg *m, void *buf, size_t cap, int ifindex, uint32_t flags,
		      uint32_t change, uint32_t mtu);
/* RTM_NEWLINK create: IFLA_LINK=link, IFLA_IFNAME, IFLA_LINKINFO{KIND, DATA{data[0..n)}}.
 * n == 0 sends no IFLA_INFO_DATA. */
int nl_build_link_add(struct nl_msg *m, void *buf, size_t cap, int link, const char *name,
		      const char *kind, const struct nl_attr_spec *data, size_t n);
/* rmnet: IFLA_RMNET_MUX_ID (1..254), and IFLA_RMNET_FLAGS {flags, mask} only when mask != 0. */
int nl_build_rmnet_add(struct nl_msg *m, void *buf, size_t cap, int link, const char *name,
		       uint16_t mux_id, uint32_t flags, uint32_t mask);
int nl_build_vlan_add(struct nl_msg *m, void *buf, size_t cap, int link, const char *name,
		      uint16_t vid);
int nl_build_link_del(struct nl_msg *m, void *buf, size_t cap, int ifindex);
/* cmd RTM_NEWADDR (with NLM_F_CREATE|NLM_F_EXCL) or RTM_DELADDR; -EINVAL for a bad prefix. */
int nl_build_addr(struct nl_msg *m, void *buf, size_t cap, uint16_t cmd, const struct nl_ifaddr *a);
/* cmd RTM_NEWROUTE (with NLM_F_CREATE|NLM_F_EXCL) or RTM_DELROUTE. */
int nl_build_route(struct nl_msg *m, void *buf, size_t cap, uint16_t cmd, const struct nl_route *r);
/* type RTM_GETLINK, RTM_GETADDR or RTM_GETROUTE with NLM_F_DUMP. */
int nl_build_dump(struct nl_msg *m, void *buf, size_t cap, uint16_t type, uint8_t family);

/* ---- receive side: pure parsers over (buf, len) ---- */

struct nl_hdr {
	uint32_t len;
	uint16_t type;
	uint16_t flags;
	uint32_t seq;
	uint32_t pid;
};

struct nl_attr {
	uint16_t type; /* NLA_TYPE_MASK applied */
	uint16_t len;  /* payload length */
	const uint8_t *data;
};

/* Next message of a datagram at *off: 1 and *h, *pl, *pl_len set; 0 at the end; -EPROTO if the
 * remaining bytes are not a whole message. */
int nl_msg_next(const uint8_t *buf, size_t len, size_t *off, struct nl_hdr *h, const uint8_t **pl,
		size_t *pl_len);
/* Next attribute in buf[len] at *off: 1, 0 at the end, -EPROTO if malformed. */
int nl_attr_next(const uint8_t *buf, size_t len, size_t *off, struct nl_attr *a);
/* NLMSG_ERROR payload: the kernel's error (0 = ACK, < 0 = -errno); -EPROTO if too short. The
 * extended-ack text, if any, is copied to msg[cap] (NUL-terminated; msg may be NULL). */
int nl_parse_error(const struct nl_hdr *h, const uint8_t *pl, size_t len, char *msg, size_t cap);
int nl_parse_link(const uint8_t *pl, size_t len, struct nl_link *out);	 /* RTM_NEWLINK */
int nl_parse_addr(const uint8_t *pl, size_t len, struct nl_ifaddr *out); /* RTM_NEWADDR */
int nl_parse_route(const uint8_t *pl, size_t len, struct nl_route *out); /* RTM_NEWROUTE */

/* Called for every reply message of a request other than ACK/ERROR/DONE. Pointers are valid
 * during the call only. A negative return stops the callbacks; the rest of the reply is drained
 * and that value becomes the request's result. No other request may be made from inside. */
typedef int (*nl_cb)(const struct nl_hdr *h, const uint8_t *pl, size_t len, void *arg);

/* Matches the datagrams of one request's reply: seq and portid must be ours. */
struct nl_rx {
	uint32_t seq, portid;
	bool dump; /* ends at NLMSG_DONE instead of the ACK */
	nl_cb cb;
	void *arg;
	int result; /* final result, valid once nl_rx_feed returned 1 */
	int cb_err;
	bool intr;    /* a part carried NLM_F_DUMP_INTR: the dump is inconsistent */
	char *extack; /* optional buffer for the kernel's error text */
	size_t extack_cap;
};

/* Feed one received datagram: 0 = need more, 1 = reply complete (rx->result), -EPROTO. */
int nl_rx_feed(struct nl_rx *rx, const uint8_t *buf, size_t len);

/* ---- operations (caller-owned struct nl; each returns >= 0 or -errno) ---- */

int nl_open(struct nl *nl);
void nl_close(struct nl *nl);
/* Send m (it may live in nl->buf) and wait for the reply. Returns the kernel's result (0 or
 * -errno), -ETIMEDOUT (no reply within timeout_ms; for a dump: no part within timeout_ms), or,
 * for a dump, 1 when a part said NLM_F_DUMP_INTR (partial results). */
int nl_talk(struct nl *nl, struct nl_msg *m, nl_cb cb, void *arg);

/* 0, -EINVAL (empty, ".", "..", '/', ':' or whitespace) or -ENAMETOOLONG (>= IFNAMSIZ). */
int nl_ifname_check(const char *name);
int nl_ifindex(struct nl *nl, const char *name); /* > 0, or -ENODEV ... */
/* By ifindex when ifindex > 0, else by name. */
int nl_link_get(struct nl *nl, int ifindex, const char *name, struct nl_link *out);
int nl_link_set_up(struct nl *nl, int ifindex, bool up);
int nl_link_set_mtu(struct nl *nl, int ifindex, uint32_t mtu);
int nl_link_add(struct nl *nl, int link, const char *name, const char *kind,
		const struct nl_attr_spec *data, size_t n);
int nl_link_add_rmnet(struct nl *nl, int link, const char *name, uint16_t mux_id, uint32_t flags,
		      uint32_t mask);
int nl_link_add_vlan(struct nl *nl, int link, const char *name, uint16_t vid);
int nl_link_del(struct nl *nl, int ifindex);

int nl_addr_add(struct nl *nl, const struct nl_ifaddr *a); /* -EEXIST if present */
int nl_addr_del(struct nl *nl, const struct nl_ifaddr *a);
int nl_route_add(struct nl *nl, const struct nl_route *r); /* -EEXIST, never replaces */
int nl_route_del(struct nl *nl, const struct nl_route *r);

/* Dumps: family AF_UNSPEC, AF_INET or AF_INET6; cb returning < 0 stops (result = that). */
int nl_addr_dump(struct nl *nl, uint8_t family, int (*cb)(const struct nl_ifaddr *a, void *arg),
		 void *arg);
int nl_route_dump(struct nl *nl, uint8_t family, int (*cb)(const struct nl_route *r, void *arg),
		  void *arg);
/* Lowest-metric unicast default route of the main table whose oif is not exclude_oif:
 * 1 and *best filled, 0 if there is none, or -errno. An interrupted dump is retried. */
int nl_route_best_default(struct nl *nl, uint8_t family, int exclude_oif, struct nl_route *best);

#endif
