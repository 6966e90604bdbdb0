/* dhcp.h - DHCPv4 client: packet codec, lease checks, udhcpc-style script environment, and the
 * RFC 2131 state machine on the loop.
 *
 * Three layers, each usable alone:
 *  - codec (dhcp_opt_put, dhcp_opts_parse, dhcp_msg_parse, dhcp_ip_udp_*, dhcp_csum): pure
 *    functions over (buf, len). Long options are split and joined as RFC 3396 says; options in
 *    the file and sname fields are read when option 52 (overload, RFC 2132 9.3) says so;
 *  - lease (dhcp_lease_parse, dhcp_routes_decode, dhcp_env): turn an ACK into checked values,
 *    refusing what no interface should be given (a multicast address, a non-contiguous mask, a
 *    router that is our own address...), and into udhcpc's script variables;
 *  - client (dhcp_client_*): INIT, SELECTING, REQUESTING, INIT-REBOOT, BOUND, RENEWING,
 *    REBINDING on one AF_PACKET socket (until bound) and a UDP socket (renew, rebind, release),
 *    with timers on the loop. It tells the applet what happened through one callback.
 * Nothing here prints, exits or allocates.
 */
#ifndef WWANBOX_DHCP_H
#define WWANBOX_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "loop.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_MAGIC 0x63825363U /* RFC 2131 3: the "magic cookie" 99.130.83.99 */

/* BOOTP header (RFC 2131 2, figure 1). */
enum {
	DHCP_OFF_OP = 0,
	DHCP_OFF_HTYPE = 1,
	DHCP_OFF_HLEN = 2,
	DHCP_OFF_HOPS = 3,
	DHCP_OFF_XID = 4,
	DHCP_OFF_SECS = 8,
	DHCP_OFF_FLAGS = 10,
	DHCP_OFF_CIADDR = 12,
	DHCP_OFF_YIADDR = 16,
	DHCP_OFF_SIADDR = 20,
	DHCP_OFF_GIADDR = 24,
	DHCP_OFF_CHADDR = 28, /* 16 bytes */
	DHCP_OFF_SNAME = 44,  /* 64 bytes */
	DHCP_OFF_FILE = 108,  /* 128 bytes */
	DHCP_OFF_COOKIE = 236,
	DHCP_OFF_OPTIONS = 240,
};
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_LEN 128
#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY 2
#define DHCP_FLAG_BROADCAST 0x8000 /* RFC 2131 2, figure 2 */
#define DHCP_MIN_SEND 300	   /* RFC 1542 2.1: BOOTP relays expect >= 300 octets */
#define DHCP_IPUDP_LEN 28	   /* IPv4 header without options + UDP header */
#define DHCP_IP_MAX 1500	   /* largest IP datagram we send or accept (Ethernet MTU) */
#define DHCP_MSG_MAX (DHCP_IP_MAX - DHCP_IPUDP_LEN)
#define DHCP_MIN_MSG_SIZE 576 /* RFC 2132 9.10: smallest legal option 57 (IP datagram size) */

/* Message types, option 53 (RFC 2132 9.6). */
enum {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

/* Option codes (RFC 2132 unless noted). */
enum {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_NTP = 42,
	DHCP_OPT_REQ_IP = 50,
	DHCP_OPT_LEASE = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSGTYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PRL = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_VENDOR = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_FQDN = 81,	 /* RFC 4702 */
	DHCP_OPT_SEARCH = 119,	 /* RFC 3397 */
	DHCP_OPT_CLASSLESS = 121, /* RFC 3442 */
	DHCP_OPT_END = 255,
};

#define DHCP_LEASE_INFINITE 0xffffffffU /* RFC 2132 9.2 */

/* ---- codec ---- */

/* Every option of one message, fragments of the same code joined in the order RFC 2131 4.1
 * prescribes (options field, then file, then sname when option 52 says so; RFC 3396 6). */
struct dhcp_opts {
	uint8_t overload;	/* option 52 as found in the options field; 0 = none */
	uint8_t present[32];	/* bit per code */
	uint16_t off[256], len[256];
	uint16_t used;
	uint8_t data[DHCP_MSG_MAX];
};

/* A received BOOTP/DHCP message. */
struct dhcp_msg {
	uint8_t op, htype, hlen, type; /* type: option 53, 0 if absent */
	uint32_t xid;
	uint16_t secs, flags;
	uint8_t ciaddr[4], yiaddr[4], siaddr[4], giaddr[4];
	uint8_t chaddr[16];
	uint8_t sname[DHCP_SNAME_LEN], file[DHCP_FILE_LEN];
	uint8_t src[4]; /* IP source address of the datagram (0.0.0.0 when unknown) */
	struct dhcp_opts opts;
};

/* Append option code with len bytes at buf[*off], split into 255-byte pieces (RFC 3396 7) when
 * longer. 0, or -EMSGSIZE (nothing written) when it does not fit in cap. */
int dhcp_opt_put(uint8_t *buf, size_t cap, size_t *off, uint8_t code, const void *data,
		 size_t len);
/* Parse the options of a whole BOOTP message msg[len] (len >= 240, cookie checked).
 * 0 or -EPROTO (an option running past its field, bad cookie, short message). */
int dhcp_opts_parse(struct dhcp_opts *o, const uint8_t *msg, size_t len);
/* The joined value of option code, or NULL; *len set (0 for an empty option). */
const uint8_t *dhcp_opt(const struct dhcp_opts *o, uint8_t code, size_t *len);
bool dhcp_opt_has(const struct dhcp_opts *o, uint8_t code);
/* Fixed fields + options + type. 0 or -EPROTO. */
int dhcp_msg_parse(struct dhcp_msg *m, const uint8_t *msg, size_t len);

/* One's complement sum of p[n] added to sum (RFC 1071), not inverted. */
uint32_t dhcp_csum_add(uint32_t sum, const uint8_t *p, size_t n);
/* The Internet checksum of p[n] with initial sum: ~fold(sum). */
uint16_t dhcp_csum(uint32_t sum, const uint8_t *p, size_t n);
/* Write IPv4 (TTL 64, no options) and UDP headers (68 -> 67, checksums) in front of the
 * payload at pkt + DHCP_IPUDP_LEN. Returns the datagram length. */
size_t dhcp_ip_udp_build(uint8_t *pkt, const uint8_t src[4], const uint8_t dst[4],
			 size_t payload_len);
/* Check an IPv4 datagram from a packet socket: IPv4, not a fragment, UDP 67 -> 68, lengths,
 * header checksum, UDP checksum unless skip_udp_csum (the kernel had not computed it yet:
 * TP_STATUS_CSUMNOTREADY) or 0. The payload offset (> 0) with *plen and src set; -ENOMSG for
 * traffic that is not a DHCP reply (ignored quietly); -EPROTO for a broken one. */
int dhcp_ip_udp_parse(const uint8_t *pkt, size_t len, bool skip_udp_csum, uint8_t src[4],
		      size_t *plen);

/* ---- lease ---- */

#define DHCP_MAX_DNS 4
#define DHCP_MAX_ROUTES 16 /* = NETCFG_MAX_ROUTES */
#define DHCP_DOMAIN_MAX 256

struct dhcp_route {
	uint8_t dst[4];
	uint8_t prefix;
	uint8_t gw[4]; /* 0.0.0.0: on-link */
};

/* Why a lease was refused (dhcp_lease_parse). */
enum dhcp_reject {
	DHCP_R_NONE,
	DHCP_R_ADDR,	/* yiaddr is not a unicast host address */
	DHCP_R_MASK,	/* option 1 is not a contiguous mask of 1..32 bits */
	DHCP_R_NETADDR, /* yiaddr is the network or broadcast address of its subnet */
	DHCP_R_ROUTER,	/* option 3's first router is not a usable unicast address */
	DHCP_R_SERVER,	/* server identifier is not a unicast address */
	DHCP_R_LEASE0,	/* lease time 0 */
	DHCP_R_MSG,	/* a malformed value in a must-have option (mask, lease, server) */
};

/* What was dropped or assumed while accepting a lease (dhcp_lease.warn). */
enum {
	DHCP_W_MTU = 1U << 0,	      /* option 26 below 68 (RFC 791 minimum): ignored */
	DHCP_W_DNS = 1U << 1,	      /* a non-unicast DNS server dropped, or more than 4 */
	DHCP_W_ROUTES_BAD = 1U << 2,  /* option 121 malformed: ignored, option 3 used */
	DHCP_W_ROUTES_MANY = 1U << 3, /* more than DHCP_MAX_ROUTES routes: rest dropped */
	DHCP_W_ROUTE_GW = 1U << 4,    /* a classless route with an unusable gateway dropped */
	DHCP_W_DOMAIN = 1U << 5,      /* option 15 with characters other than [A-Za-z0-9._-] */
	DHCP_W_TIMES = 1U << 6,	      /* options 58/59 inconsistent: RFC defaults used */
	DHCP_W_NO_LEASE = 1U << 7,    /* no option 51: 3600 s assumed (as udhcpc) */
	DHCP_W_NO_MASK = 1U << 8,     /* no option 1: classful mask assumed */
	DHCP_W_BRD = 1U << 9,	      /* option 28 outside the subnet: ignored */
};

struct dhcp_lease {
	uint8_t addr[4], mask[4], server[4], siaddr[4];
	uint8_t prefix;
	bool has_router, has_brd, has_classless;
	uint8_t router[4], brd[4];
	uint8_t n_dns, n_routes;
	uint8_t dns[DHCP_MAX_DNS][4];
	struct dhcp_route routes[DHCP_MAX_ROUTES]; /* option 121, when has_classless */
	uint16_t mtu;				   /* 0: none */
	uint32_t lease_s;			   /* DHCP_LEASE_INFINITE allowed */
	uint64_t t1_ms, t2_ms;			   /* from the start of the lease */
	uint32_t warn;				   /* DHCP_W_* */
	char domain[DHCP_DOMAIN_MAX];
};

/* Check and extract an OFFER or ACK. 0, or -EINVAL with *reason (enum dhcp_reject). */
int dhcp_lease_parse(const struct dhcp_msg *m, struct dhcp_lease *l, int *reason);
const char *dhcp_reject_str(int reason);
/* RFC 3442 option 121: routes written to out[max] (host bits cleared), *n = all routes in the
 * option (may exceed max). 0 or -EPROTO (bad width, truncated). */
int dhcp_routes_decode(const uint8_t *p, size_t len, struct dhcp_route *out, size_t max,
		       size_t *n);
/* Is a (4 bytes) a unicast host address: not 0/8, 127/8, 224/4 or 240/4? */
bool dhcp_ip_unicast(const uint8_t *a);

/* udhcpc's script environment for message m (NULL: only "interface"): interface, ip, siaddr,
 * boot_file, sname, mask, then every option, named as udhcpc names it (subnet router dns
 * hostname domain mtu broadcast lease serverid staticroutes ...) or optNNN=hex. Host-type
 * strings that are not [A-Za-z0-9._-] become "bad" (udhcpc's CVE-2011-2716 rule). Strings in
 * buf[cap], pointers in envp[max] (NULL-terminated). Returns the count, or -ENOBUFS when
 * something did not fit (the variables before it are valid). */
int dhcp_env(const struct dhcp_msg *m, const char *ifname, char *buf, size_t cap, char **envp,
	     size_t max);
#define DHCP_ENV_MAX 8192
#define DHCP_ENV_VARS 96

/* Named options (-O NAME, -x NAME:VALUE): the code, or -ENOENT. */
int dhcp_opt_code(const char *name);
/* The type of a named option for -x parsing: 'i' IPv4 list, 's' string, '1' '2' '4' integer of
 * that width, 'x' anything else (hex). */
char dhcp_opt_type(uint8_t code);

/* A client identifier for an interface without a MAC (TUN, raw-IP): RFC 4361 form 0xff,
 * IAID (4 bytes, from ifname), DUID-UUID (RFC 6355: 00 04 + 16 bytes) derived from seed[len]
 * (machine-id or a stored random id). Writes DHCP_DUID_CLIENTID_LEN bytes; fake_mac gets a
 * locally administered unicast MAC from the same hash for chaddr. */
#define DHCP_DUID_CLIENTID_LEN 23
void dhcp_make_clientid(uint8_t *out, uint8_t fake_mac[6], const char *ifname,
			const uint8_t *seed, size_t len);

/* ---- client ---- */

enum dhcp_state {
	DHCP_S_STOPPED,
	DHCP_S_INIT,	   /* waiting (after a failure) before discovering again */
	DHCP_S_SELECTING,  /* DISCOVER sent */
	DHCP_S_REQUESTING, /* REQUEST for an offer sent */
	DHCP_S_REBOOTING,  /* INIT-REBOOT: REQUEST for a remembered address sent */
	DHCP_S_CHECKING,   /* ACK received, ARP probing the address (-a) */
	DHCP_S_BOUND,
	DHCP_S_RENEWING,
	DHCP_S_REBINDING,
	DHCP_S_RELEASED, /* released (SIGUSR2); waits for dhcp_client_renew() */
};

enum dhcp_event {
	DHCP_EV_TX,	   /* a message was sent: c->tx_type; c->err < 0 when sending failed */
	DHCP_EV_OFFER,	   /* c->rx, c->cand: callback < 0 refuses it */
	DHCP_EV_BOUND,	   /* c->lease is new: callback < 0 refuses it (RELEASE, then INIT) */
	DHCP_EV_RENEW,	   /* c->lease extended (values may have changed) */
	DHCP_EV_DECONFIG,  /* the lease is gone (c->why: expired, NAK, released, changed) */
	DHCP_EV_NAK,	   /* c->rx is the NAK */
	DHCP_EV_LEASEFAIL, /* cfg.retries DISCOVERs unanswered */
	DHCP_EV_REFUSED,   /* an ACK or OFFER was refused: c->reason, c->rx */
	DHCP_EV_CONFLICT,  /* ARP: c->cand.addr in use by c->conflict_mac; DECLINE sent */
	DHCP_EV_MALFORMED, /* a broken packet was ignored (c->stats.malformed counts them) */
	DHCP_EV_ERROR,	   /* a socket error (c->err); the client keeps retrying */
};

/* c->why for DHCP_EV_DECONFIG */
enum { DHCP_WHY_EXPIRED = 1, DHCP_WHY_NAK, DHCP_WHY_RELEASED, DHCP_WHY_CHANGED, DHCP_WHY_REFUSED };

enum {
	DHCP_F_BROADCAST = 1U << 0, /* -B: ask for broadcast replies */
	DHCP_F_INIT_REBOOT = 1U << 1, /* cfg.req_ip is a remembered lease: start in INIT-REBOOT */
};

#define DHCP_CLIENTID_MAX 64
#define DHCP_EXTRA_MAX 600
#define DHCP_PRL_MAX 64

struct dhcp_config {
	char ifname[IFNAMSIZ];
	int ifindex;
	uint32_t flags;		/* DHCP_F_* */
	bool has_mac;		/* an Ethernet-type link with a hardware address */
	uint8_t chaddr[6];	/* the MAC, or a made-up one (dhcp_make_clientid) */
	uint16_t arphrd;	/* ARPHRD_* of the link */
	uint16_t max_msg;	/* option 57: the link MTU (>= 576, <= 1500) */
	uint8_t client_id_len;	/* 0: send none */
	uint8_t client_id[DHCP_CLIENTID_MAX];
	uint8_t n_prl;
	uint8_t prl[DHCP_PRL_MAX];
	uint16_t extra_len;	/* options added to DISCOVER and REQUEST, encoded (-V -H -F -x) */
	uint8_t extra[DHCP_EXTRA_MAX];
	bool has_req_ip;
	uint8_t req_ip[4];
	unsigned retries;	/* -t: DISCOVERs (and REQUESTs) before giving up */
	unsigned timeout_ms;	/* -T: first retransmission; doubles up to 64 s (RFC 2131 4.1) */
	unsigned tryagain_ms;	/* -A: pause after a failure */
	unsigned arp_ms;	/* -a: ARP probe time; 0: no check */
};

struct dhcp_stats {
	unsigned long tx, rx, malformed, ignored;
};

struct dhcp_client {
	struct dhcp_config cfg;
	int (*cb)(struct dhcp_client *c, enum dhcp_event ev);
	void *user;

	/* read-only for the applet */
	enum dhcp_state state;
	uint8_t tx_type;    /* DHCP_EV_TX: message type sent */
	bool tx_broadcast;  /* ... and whether it was broadcast */
	int err;	    /* DHCP_EV_ERROR / DHCP_EV_TX: -errno */
	int reason;	    /* DHCP_EV_REFUSED: enum dhcp_reject; DHCP_EV_MALFORMED: what */
	int why;	    /* DHCP_EV_DECONFIG */
	uint8_t conflict_mac[6];
	struct dhcp_lease lease; /* valid in BOUND, RENEWING, REBINDING */
	struct dhcp_lease cand;	 /* the offer or ACK being looked at */
	struct dhcp_msg rx;	 /* the last message received */
	struct dhcp_stats stats;
	int64_t lease_start_ms; /* loop_now_ms() when the REQUEST of the lease was sent */

	/* private */
	uint32_t xid;
	unsigned tries, naks;
	unsigned rto_ms;
	int64_t start_ms, req_ms;
	uint8_t server[4], offered[4];
	uint8_t server_mac[6], rx_mac[6];
	bool server_mac_ok, rx_mac_ok;
	struct loop_fd raw, udp, arp;
	struct loop_timer t_tx, t_lease;
	bool in_cb;
	uint8_t rxbuf[DHCP_IP_MAX];
	uint8_t txbuf[DHCP_IP_MAX];
};

/* Open the packet socket and send the first DISCOVER (or INIT-REBOOT REQUEST). c->cfg, c->cb
 * must be set; the rest zeroed. 0 or -errno (socket, bind; -EMSGSIZE when the configured
 * options do not fit in a message). */
int dhcp_client_start(struct dhcp_client *c);
/* SIGUSR1: renew now when bound, discover again now otherwise. */
void dhcp_client_renew(struct dhcp_client *c);
/* SIGUSR2 / exit with -R: unicast a RELEASE when there is a lease, report DHCP_EV_DECONFIG,
 * close the sockets and wait in DHCP_S_RELEASED. */
void dhcp_client_release(struct dhcp_client *c);
/* Cancel everything and close the sockets; the lease is left as it is. */
void dhcp_client_stop(struct dhcp_client *c);
const char *dhcp_state_name(enum dhcp_state s);
const char *dhcp_type_name(unsigned type);
/* Milliseconds until the lease ends (0 if ended), -1 if infinite or none. */
int64_t dhcp_lease_remaining(const struct dhcp_client *c);

#endif
