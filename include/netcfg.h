/* netcfg.h - apply a lease or bearer configuration to an interface as one transaction, and
 * remove exactly what was added.
 *
 * netcfg_apply() sets MTU, link up, IPv4/IPv6 address, static and default routes (all with the
 * caller's metric) and the DNS file, recording in a caller-owned struct netcfg_state only what
 * it really changed; on a failure midway it undoes its own changes. netcfg_remove() undoes what
 * the state records and nothing else: an address or route that existed before is never recorded,
 * routes of other interfaces are never replaced (NLM_F_EXCL), and things already gone are fine.
 * The state serialises into a small checksummed blob so that another process can remove the
 * configuration later (qmi-dial --once, then qmi-dial down).
 *
 * DNS file: written atomically (temp file in the same directory, fsync, rename); a symlink is
 * followed and its target written, the link itself stays. The previous content is saved before
 * in TARGET.wwanbox-save, a file rather than the state blob, because it must survive a crash of
 * the process (and resolv.conf has no size bound we want in a state blob). Its first line is
 * "wwanbox-save 1 present MODE UID GID\n" followed by the original bytes, or
 * "wwanbox-save 1 absent\n" when there was no file. netcfg_remove() restores it byte for byte
 * (or deletes the file that did not exist), but only while the file still holds what we wrote;
 * if someone rewrote it since, it is left alone (NETCFG_S_DNS_FOREIGN). A backup left by a
 * crashed run is kept as the original (NETCFG_S_DNS_STALE).
 *
 * Hook: netcfg_run_hook() runs PROG EVENT with fork+execve (never a shell string), an
 * environment made only of these variables (udhcpc names; a variable is absent when the value
 * is absent):
 *	interface	interface name
 *	ip mask subnet	IPv4 address, prefix length, dotted netmask
 *	broadcast	IPv4 broadcast (given, or computed for prefix < 31 without a peer)
 *	router		IPv4 gateway
 *	dns		IPv4 DNS servers, space-separated
 *	domain		search domain(s)
 *	mtu		MTU (when set)
 *	metric		route metric
 *	staticroutes	IPv4 static routes "dst/len gw dst/len gw" (gw 0.0.0.0: device route)
 *	ipv6 ipv6prefixlen ipv6gateway	IPv6 address, prefix length, gateway
 *	ipv6dns		IPv6 DNS servers, space-separated
 *	ipv6routes	IPv6 static routes "dst/len gw ..." (gw "::" for a device route)
 *	PATH		/usr/sbin:/usr/bin:/sbin:/bin
 * and waits for it, SIGKILLing it at the timeout.
 *
 * Nothing here prints or exits; everything returns >= 0 or -errno.
 */
#ifndef WWANBOX_NETCFG_H
#define WWANBOX_NETCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "nl.h"

#define NETCFG_MAX_DNS 4     /* per family */
#define NETCFG_MAX_ROUTES 16 /* static routes (DHCP option 121 fits in 16) */
#define NETCFG_DOMAIN_MAX 256
#define NETCFG_PATH_MAX 256
#define NETCFG_ENV_MAX 4096 /* hook environment strings */
#define NETCFG_ENV_VARS 20
#define NETCFG_DEFAULT_METRIC6 1024 /* the kernel's metric for IPv6 routes given none */

struct netcfg_route {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t prefix; /* 0 = a default route */
	bool has_gw;	/* false: device route */
	uint8_t dst[16];
	uint8_t gw[16];
};

enum {
	NETCFG_F_NO_DEFAULT4 = 1U << 0, /* add no IPv4 default route */
	NETCFG_F_NO_DEFAULT6 = 1U << 1,
	NETCFG_F_DEFAULT_REQUIRED = 1U << 2, /* a refused default route (-EEXIST) fails apply */
};

/* Presence is explicit (has_*); an IPv4/IPv6 default route is added when the family has an
 * address or a gateway: via the gateway if there is one, else as a device route (raw-IP links
 * need no gateway). Every route uses metric (0: kernel default, 1024 for IPv6) and protocol
 * (0: RTPROT_STATIC). IPv6 addresses are added with IFA_F_NODAD: usable at once. */
struct netcfg_cfg {
	char ifname[IFNAMSIZ];
	uint32_t flags; /* NETCFG_F_* */
	uint32_t mtu;	/* 0: leave the MTU alone */
	uint32_t metric;
	uint8_t protocol;
	bool has_addr4, has_peer4, has_brd4, has_gw4, has_addr6, has_gw6;
	uint8_t prefix4, prefix6;
	uint8_t addr4[4], peer4[4], brd4[4], gw4[4];
	uint8_t addr6[16], gw6[16];
	uint8_t n_dns4, n_dns6;
	uint8_t dns4[NETCFG_MAX_DNS][4];
	uint8_t dns6[NETCFG_MAX_DNS][16];
	char domain[NETCFG_DOMAIN_MAX]; /* "a.example b.example"; "" = none */
	uint8_t n_routes;
	struct netcfg_route routes[NETCFG_MAX_ROUTES];
	char dns_file[NETCFG_PATH_MAX]; /* "" = do not touch any DNS file; nor is it
					 * touched without servers and domain */
};

enum {
	NETCFG_S_LINK_UP = 1U << 0,	    /* we set the link up; remove sets it down */
	NETCFG_S_MTU = 1U << 1,		    /* we changed the MTU from mtu_prev to mtu_set */
	NETCFG_S_DNS = 1U << 2,		    /* we wrote dns_path; a backup sits next to it */
	NETCFG_S_SHADOWED4 = 1U << 3,	    /* another interface has a default route with a
					     * metric <= ours (shadow_oif/metric[0]) */
	NETCFG_S_SHADOWED6 = 1U << 4,	    /* the same for IPv6 ([1]) */
	NETCFG_S_DEFAULT4_EXISTS = 1U << 5, /* kernel refused our default route (-EEXIST:
					     * same metric already used); not added */
	NETCFG_S_DEFAULT6_EXISTS = 1U << 6,
	NETCFG_S_ADDR4_EXISTED = 1U << 7, /* the address was already there: not ours */
	NETCFG_S_ADDR6_EXISTED = 1U << 8,
	NETCFG_S_ROUTE_EXISTED = 1U << 9, /* a static route was already there: not ours */
	NETCFG_S_DNS_STALE = 1U << 10,	  /* a backup from a crashed run was kept */
	/* set by netcfg_remove: */
	NETCFG_S_GONE = 1U << 16,	  /* interface vanished or was recreated */
	NETCFG_S_DNS_FOREIGN = 1U << 17,  /* DNS file changed by someone else: left alone */
	NETCFG_S_DNS_NOBACKUP = 1U << 18, /* backup missing: DNS file left alone */
};

enum netcfg_step {
	NETCFG_STEP_NONE,
	NETCFG_STEP_CHECK,
	NETCFG_STEP_LINK,
	NETCFG_STEP_MTU,
	NETCFG_STEP_UP,
	NETCFG_STEP_ADDR4,
	NETCFG_STEP_ADDR6,
	NETCFG_STEP_ROUTE, /* err_index = index in cfg->routes */
	NETCFG_STEP_DEFAULT4,
	NETCFG_STEP_DEFAULT6,
	NETCFG_STEP_DNS,
};

#define NETCFG_STATE_ADDRS 2
#define NETCFG_STATE_ROUTES (NETCFG_MAX_ROUTES + 2)

struct netcfg_state {
	char ifname[IFNAMSIZ];
	int ifindex;
	uint32_t flags; /* NETCFG_S_* */
	uint32_t mtu_prev, mtu_set;
	int shadow_oif[2]; /* [0] IPv4, [1] IPv6 */
	uint32_t shadow_metric[2];
	uint8_t n_addrs, n_routes;
	struct nl_ifaddr addrs[NETCFG_STATE_ADDRS];
	struct nl_route routes[NETCFG_STATE_ROUTES];
	char dns_path[NETCFG_PATH_MAX]; /* the file written (symlink resolved) */
	uint32_t dns_hash, dns_len;	/* FNV-1a and length of what we wrote */
	/* After a failed netcfg_apply (not serialised): */
	uint8_t err_step; /* enum netcfg_step */
	uint8_t err_index;
};

/* Serialised size bound: header 70, path, addresses 44 each, routes 56 each, CRC 4. */
#define NETCFG_STATE_MAX \
	(70 + NETCFG_PATH_MAX + 44 * NETCFG_STATE_ADDRS + 56 * NETCFG_STATE_ROUTES + 4)

/* 0, or -EINVAL / -ENAMETOOLONG / -EAFNOSUPPORT for a configuration that must not be applied
 * (bad interface name, prefix > 32/128, too many entries, host bits set in a route destination,
 * a domain with characters other than [A-Za-z0-9._-] and spaces). */
int netcfg_cfg_check(const struct netcfg_cfg *cfg);

int netcfg_apply(struct nl *nl, const struct netcfg_cfg *cfg, struct netcfg_state *st);
/* Undo what st records; continues past errors and returns the first one that matters
 * (-ENOENT, -ESRCH, -EADDRNOTAVAIL, -ENODEV are "already gone"). Clears what it removed. */
int netcfg_remove(struct nl *nl, struct netcfg_state *st);
/* A short text for err_step ("add IPv4 address"), for the applet's message. */
const char *netcfg_step_name(unsigned int step);

/* Bytes written (<= len) or -EMSGSIZE. */
int netcfg_state_save(const struct netcfg_state *st, uint8_t *buf, size_t len);
/* 0, or -EPROTO for anything but a whole, intact, valid blob. */
int netcfg_state_load(struct netcfg_state *st, const uint8_t *buf, size_t len);

/* The DNS file part alone (netcfg_apply/remove call these). */
int netcfg_resolv_format(const struct netcfg_cfg *cfg, char *buf, size_t cap);
int netcfg_dns_apply(const struct netcfg_cfg *cfg, struct netcfg_state *st);
int netcfg_dns_restore(struct netcfg_state *st);

/* Build the hook environment: strings in buf[cap], pointers in envp[max] (NULL-terminated).
 * Returns the number of variables, or -ENOBUFS. */
int netcfg_hook_env(const struct netcfg_cfg *cfg, char *buf, size_t cap, char **envp, size_t max);
/* Run prog with argv {prog, event}; returns its exit status (0..255, 128+N if killed by signal
 * N), -ETIMEDOUT after timeout_ms (it was SIGKILLed), or -errno if it could not be executed. */
int netcfg_run_hook(const char *prog, const char *event, const struct netcfg_cfg *cfg,
		    int timeout_ms);

#endif
