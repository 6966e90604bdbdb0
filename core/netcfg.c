/* netcfg.c - apply/remove a lease or bearer configuration as one transaction; the DNS file;
 * the hook program. See include/netcfg.h for the contract. */
#include "wwanbox.h"
#include "addr.h"
#include "netcfg.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h> /* rename */
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/rtnetlink.h>

#define SAVE_SUFFIX ".wwanbox-save"
#define TMP_SUFFIX ".wbtmp"
#define SAVE_MAGIC "wwanbox-save 1 "
#define SAVE_HDR_MAX 64
#define RESOLV_MAX 1024
#define SYMLINK_HOPS 8
#define STATE_MAGIC "WBNC"
#define STATE_VERSION 1
#define ADDR_REC 44
#define ROUTE_REC 56

static size_t alen_of(uint8_t family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6 && CFG_FEATURE_IPV6)
		return 16;
	return 0;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Do a and b agree in their first plen bits? */
static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int n = plen / 8, rest = plen % 8;

	if (memcmp(a, b, n))
		return false;
	return !rest || !((a[n] ^ b[n]) & (uint8_t)(0xff << (8 - rest)));
}

/* Are all bits after the first plen zero? */
static bool host_bits_zero(const uint8_t *a, size_t alen, unsigned int plen)
{
	static const uint8_t zero[16];
	uint8_t tmp[16];

	memcpy(tmp, a, alen);
	memcpy(tmp, zero, plen / 8);
	if (plen % 8)
		tmp[plen / 8] &= (uint8_t)(0xff >> (plen % 8));
	return is_zero(tmp, alen) || plen == alen * 8;
}

/* ---- configuration check ---- */

static bool domain_ok(const char *d)
{
	size_t n = strnlen(d, NETCFG_DOMAIN_MAX), i;

	if (n == NETCFG_DOMAIN_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = d[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_' || c == ' '))
			return false;
	}
	return true;
}

static int route_check(const struct netcfg_route *r)
{
	size_t alen = alen_of(r->family);

	if (!alen)
		return -EAFNOSUPPORT;
	if (r->prefix > alen * 8 || !host_bits_zero(r->dst, alen, r->prefix))
		return -EINVAL;
	return 0;
}

int netcfg_cfg_check(const struct netcfg_cfg *cfg)
{
	int r = nl_ifname_check(cfg->ifname);
	unsigned int i;

	if (r < 0)
		return r;
	if (!CFG_FEATURE_IPV6 && (cfg->has_addr6 || cfg->has_gw6 || cfg->n_dns6))
		return -EAFNOSUPPORT;
	if ((cfg->has_addr4 && cfg->prefix4 > 32) || (cfg->has_addr6 && cfg->prefix6 > 128))
		return -EINVAL;
	if (cfg->n_dns4 > NETCFG_MAX_DNS || cfg->n_dns6 > NETCFG_MAX_DNS ||
	    cfg->n_routes > NETCFG_MAX_ROUTES)
		return -EINVAL;
	if (!domain_ok(cfg->domain))
		return -EINVAL;
	if (strnlen(cfg->dns_file, NETCFG_PATH_MAX) == NETCFG_PATH_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < cfg->n_routes; i++) {
		r = route_check(&cfg->routes[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- apply ---- */

static void ipv4_broadcast(const struct netcfg_cfg *cfg, uint8_t *brd)
{
	uint32_t a = get_be32(cfg->addr4);
	uint32_t mask = cfg->prefix4 ? 0xffffffffU << (32 - cfg->prefix4) : 0;

	put_be32(brd, a | ~mask);
}

/* The broadcast address to use, if any: given, or computed like `ip addr add ... brd +`
 * for prefixes < 31 (RFC 3021: /31 and /32 have none). */
static bool want_broadcast(const struct netcfg_cfg *cfg, uint8_t *brd)
{
	if (cfg->has_brd4) {
		memcpy(brd, cfg->brd4, 4);
		return true;
	}
	if (cfg->has_peer4 || cfg->prefix4 >= 31)
		return false;
	ipv4_broadcast(cfg, brd);
	return true;
}

static int add_addr(struct nl *nl, struct netcfg_state *st, const struct nl_ifaddr *a,
		    uint32_t existed_flag)
{
	int r = nl_addr_add(nl, a);

	if (r == -EEXIST) {
		/* Someone else's: never recorded, so never removed. */
		st->flags |= existed_flag;
		return 0;
	}
	if (r < 0)
		return r;
	st->addrs[st->n_addrs++] = *a;
	return 0;
}

static int apply_addr4(struct nl *nl, const struct netcfg_cfg *cfg, struct netcfg_state *st)
{
	struct nl_ifaddr a = {.ifindex = st->ifindex, .family = AF_INET, .prefixlen = cfg->prefix4};

	memcpy(a.local, cfg->addr4, 4);
	if (cfg->has_peer4) {
		a.has_peer = true;
		memcpy(a.peer, cfg->peer4, 4);
	}
	a.has_broadcast = want_broadcast(cfg, a.broadcast);
	return add_addr(nl, st, &a, NETCFG_S_ADDR4_EXISTED);
}

static int apply_addr6(struct nl *nl, const struct netcfg_cfg *cfg, struct netcfg_state *st)
{
	/* IFA_F_NODAD: no duplicate address detection, so the address is usable at once; a
	 * raw-IP link has nobody to collide with (iproute2 "nodad", notes/qmap.md 3.3). */
	struct nl_ifaddr a = {.ifindex = st->ifindex,
			      .family = AF_INET6,
			      .prefixlen = cfg->prefix6,
			      .flags = IFA_F_NODAD};

	memcpy(a.local, cfg->addr6, 16);
	return add_addr(nl, st, &a, NETCFG_S_ADDR6_EXISTED);
}

/* Is gw reachable through our own address's prefix (or the peer, or link-local)? If not, the
 * route needs RTNH_F_ONLINK, else the kernel refuses it (-ENETUNREACH); Debian's udhcpc script
 * uses `onlink` for the same reason on /32 leases. */
static bool gw_on_link(const struct netcfg_cfg *cfg, uint8_t family, const uint8_t *gw)
{
	if (family == AF_INET) {
		if (cfg->has_peer4)
			return !memcmp(gw, cfg->peer4, 4);
		return cfg->has_addr4 && cfg->prefix4 < 32 &&
		       prefix_eq(gw, cfg->addr4, cfg->prefix4);
	}
	if (gw[0] == 0xfe && (gw[1] & 0xc0) == 0x80)
		return true; /* fe80::/10 */
	return cfg->has_addr6 && cfg->prefix6 < 128 && prefix_eq(gw, cfg->addr6, cfg->prefix6);
}

static void make_route(struct nl_route *rt, const struct netcfg_cfg *cfg, int oif, uint8_t family,
		       uint8_t prefix, const uint8_t *dst, const uint8_t *gw)
{
	size_t alen = alen_of(family);

	memset(rt, 0, sizeof(*rt));
	rt->family = family;
	rt->dst_len = prefix;
	rt->protocol = cfg->protocol ? cfg->protocol : RTPROT_STATIC;
	rt->type = RTN_UNICAST;
	rt->table = RT_TABLE_MAIN;
	rt->oif = oif;
	/* Record the metric the kernel really uses, so removal matches only our route. */
	rt->metric = cfg->metric;
	if (family == AF_INET6 && !rt->metric)
		rt->metric = NETCFG_DEFAULT_METRIC6;
	if (dst)
		memcpy(rt->dst, dst, alen);
	if (gw && !is_zero(gw, alen)) {
		rt->has_gw = true;
		memcpy(rt->gw, gw, alen);
		rt->scope = RT_SCOPE_UNIVERSE;
		if (!gw_on_link(cfg, family, gw))
			rt->flags |= RTNH_F_ONLINK;
	} else {
		/* `ip route add ... dev X` without a gateway: scope link (IPv4 only; IPv6
		 * routes have no scope). */
		rt->scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	}
}

/* A default route elsewhere with a metric <= ours wins over ours: say so, but add ours anyway
 * (the kernel keeps both) and never touch the other one. */
static void check_shadow(struct nl *nl, struct netcfg_state *st, const struct nl_route *rt)
{
	struct nl_route best;
	int v6 = rt->family == AF_INET6;

	if (nl_route_best_default(nl, rt->family, st->ifindex, &best) == 1 &&
	    best.metric <= rt->metric) {
		st->flags |= v6 ? NETCFG_S_SHADOWED6 : NETCFG_S_SHADOWED4;
		st->shadow_oif[v6] = best.oif;
		st->shadow_metric[v6] = best.metric;
	}
}

static int add_route(struct nl *nl, const struct netcfg_cfg *cfg, struct netcfg_state *st,
		     const struct nl_route *rt)
{
	bool is_default = rt->dst_len == 0;
	int v6 = rt->family == AF_INET6;
	int r;

	if (st->n_routes >= NETCFG_STATE_ROUTES)
		return -ENOBUFS;
	if (is_default)
		check_shadow(nl, st, rt);
	r = nl_route_add(nl, rt);
	if (r == -EEXIST) {
		/* Same destination and metric already present (ours from before, or another
		 * interface's): not ours, so not recorded. */
		if (!is_default) {
			st->flags |= NETCFG_S_ROUTE_EXISTED;
			return 0;
		}
		st->flags |= v6 ? NETCFG_S_DEFAULT6_EXISTS : NETCFG_S_DEFAULT4_EXISTS;
		return cfg->flags & NETCFG_F_DEFAULT_REQUIRED ? r : 0;
	}
	if (r < 0)
		return r;
	st->routes[st->n_routes++] = *rt;
	return 0;
}

static int apply_routes(struct nl *nl, const struct netcfg_cfg *cfg, struct netcfg_state *st)
{
	const struct netcfg_route *cr;
	struct nl_route rt;
	unsigned int i;
	int r;

	st->err_step = NETCFG_STEP_ROUTE;
	for (i = 0; i < cfg->n_routes; i++) {
		cr = &cfg->routes[i];
		st->err_index = (uint8_t)i;
		make_route(&rt, cfg, st->ifindex, cr->family, cr->prefix, cr->dst,
			   cr->has_gw ? cr->gw : NULL);
		r = add_route(nl, cfg, st, &rt);
		if (r < 0)
			return r;
	}
	st->err_index = 0;
	if ((cfg->has_addr4 || cfg->has_gw4) && !(cfg->flags & NETCFG_F_NO_DEFAULT4)) {
		st->err_step = NETCFG_STEP_DEFAULT4;
		make_route(&rt, cfg, st->ifindex, AF_INET, 0, NULL, cfg->has_gw4 ? cfg->gw4 : NULL);
		r = add_route(nl, cfg, st, &rt);
		if (r < 0)
			return r;
	}
	if (CFG_FEATURE_IPV6 && (cfg->has_addr6 || cfg->has_gw6) &&
	    !(cfg->flags & NETCFG_F_NO_DEFAULT6)) {
		st->err_step = NETCFG_STEP_DEFAULT6;
		make_route(&rt, cfg, st->ifindex, AF_INET6, 0, NULL,
			   cfg->has_gw6 ? cfg->gw6 : NULL);
		r = add_route(nl, cfg, st, &rt);
		if (r < 0)
			return r;
	}
	return 0;
}

/* MTU before the addresses: an IPv6 address added first would be dropped again if the MTU
 * went below 1280 (addrconf disables IPv6 on such a device). */
static int apply_link(struct nl *nl, const struct netcfg_cfg *cfg, struct netcfg_state *st,
		      const struct nl_link *link)
{
	int r;

	if (cfg->mtu && cfg->mtu != link->mtu) {
		st->err_step = NETCFG_STEP_MTU;
		r = nl_link_set_mtu(nl, st->ifindex, cfg->mtu);
		if (r < 0)
			return r;
		st->flags |= NETCFG_S_MTU;
		st->mtu_prev = link->mtu;
		st->mtu_set = cfg->mtu;
	}
	if (!(link->flags & IFF_UP)) {
		st->err_step = NETCFG_STEP_UP;
		r = nl_link_set_up(nl, st->ifindex, true);
		if (r < 0)
			return r;
		st->flags |= NETCFG_S_LINK_UP;
	}
	return 0;
}

static int apply_steps(struct nl *nl, const struct netcfg_cfg *cfg, struct netcfg_state *st,
		       const struct nl_link *link)
{
	int r = apply_link(nl, cfg, st, link);

	if (r == 0 && cfg->has_addr4) {
		st->err_step = NETCFG_STEP_ADDR4;
		r = apply_addr4(nl, cfg, st);
	}
	if (r == 0 && CFG_FEATURE_IPV6 && cfg->has_addr6) {
		st->err_step = NETCFG_STEP_ADDR6;
		r = apply_addr6(nl, cfg, st);
	}
	if (r == 0)
		r = apply_routes(nl, cfg, st);
	if (r == 0 && cfg->dns_file[0] && (cfg->n_dns4 || cfg->n_dns6 || cfg->domain[0])) {
		st->err_step = NETCFG_STEP_DNS;
		r = netcfg_dns_apply(cfg, st);
	}
	return r;
}

static int remove_net(struct nl *nl, struct netcfg_state *st);

int netcfg_apply(struct nl *nl, const struct netcfg_cfg *cfg, struct netcfg_state *st)
{
	struct nl_link link;
	uint8_t step, index;
	int r;

	memset(st, 0, sizeof(*st));
	st->err_step = NETCFG_STEP_CHECK;
	r = netcfg_cfg_check(cfg);
	if (r < 0)
		return r;
	memcpy(st->ifname, cfg->ifname, IFNAMSIZ);
	st->err_step = NETCFG_STEP_LINK;
	r = nl_link_get(nl, 0, cfg->ifname, &link);
	if (r < 0)
		return r;
	st->ifindex = link.ifindex;
	r = apply_steps(nl, cfg, st, &link);
	if (r == 0) {
		st->err_step = NETCFG_STEP_NONE;
		return 0;
	}
	/* Roll back what this call did; the DNS step is last and cleans up after itself. */
	step = st->err_step;
	index = st->err_index;
	remove_net(nl, st);
	memset(st, 0, sizeof(*st));
	st->err_step = step;
	st->err_index = index;
	return r;
}

const char *netcfg_step_name(unsigned int step)
{
	static const char *const names[] = {
		[NETCFG_STEP_NONE] = "configure interface",
		[NETCFG_STEP_CHECK] = "check configuration",
		[NETCFG_STEP_LINK] = "find interface",
		[NETCFG_STEP_MTU] = "set MTU",
		[NETCFG_STEP_UP] = "set link up",
		[NETCFG_STEP_ADDR4] = "add IPv4 address",
		[NETCFG_STEP_ADDR6] = "add IPv6 address",
		[NETCFG_STEP_ROUTE] = "add route",
		[NETCFG_STEP_DEFAULT4] = "add IPv4 default route",
		[NETCFG_STEP_DEFAULT6] = "add IPv6 default route",
		[NETCFG_STEP_DNS] = "write DNS file",
	};

	return step < ARRAY_SIZE(names) ? names[step] : names[0];
}

/* ---- remove ---- */

static bool gone(int err)
{
	return err == -ENOENT || err == -ESRCH || err == -EADDRNOTAVAIL || err == -ENODEV;
}

static void keep_first(int *first, int err)
{
	if (err < 0 && !gone(err) && *first == 0)
		*first = err;
}

/* Undo the netlink part in reverse order: routes, addresses, MTU, link state. */
static int remove_net(struct nl *nl, struct netcfg_state *st)
{
	struct nl_link link;
	int first = 0, r;

	if (!st->n_routes && !st->n_addrs && !(st->flags & (NETCFG_S_MTU | NETCFG_S_LINK_UP)))
		return 0;
	r = nl_link_get(nl, 0, st->ifname, &link);
	if (r < 0 || link.ifindex != st->ifindex) {
		/* Gone, or a new device with the same name: our changes died with the old one,
		 * and the new one's configuration is not ours to touch. */
		st->flags |= NETCFG_S_GONE;
		keep_first(&first, r);
		goto out;
	}
	while (st->n_routes) {
		r = nl_route_del(nl, &st->routes[st->n_routes - 1]);
		keep_first(&first, r);
		st->n_routes--;
	}
	while (st->n_addrs) {
		r = nl_addr_del(nl, &st->addrs[st->n_addrs - 1]);
		keep_first(&first, r);
		st->n_addrs--;
	}
	/* Only if nobody changed it since. */
	if ((st->flags & NETCFG_S_MTU) && link.mtu == st->mtu_set)
		keep_first(&first, nl_link_set_mtu(nl, st->ifindex, st->mtu_prev));
	if ((st->flags & NETCFG_S_LINK_UP) && (link.flags & IFF_UP))
		keep_first(&first, nl_link_set_up(nl, st->ifindex, false));
out:
	st->n_routes = 0;
	st->n_addrs = 0;
	st->flags &= ~(uint32_t)(NETCFG_S_MTU | NETCFG_S_LINK_UP);
	return first;
}

int netcfg_remove(struct nl *nl, struct netcfg_state *st)
{
	int first = 0, r;

	if (st->flags & NETCFG_S_DNS) {
		r = netcfg_dns_restore(st);
		if (r < 0)
			first = r;
	}
	r = remove_net(nl, st);
	if (r < 0 && first == 0)
		first = r;
	return first;
}

/* ---- DNS file ---- */

static uint32_t fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 16777619U;
	}
	return h;
}

#define FNV_INIT 2166136261U

struct sbuf {
	char *p;
	size_t cap, len;
	int err;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->err || n >= b->cap - b->len) {
		b->err = -ENOBUFS;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_uint(struct sbuf *b, unsigned long v)
{
	char d[24];
	size_t i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10));
	sb_add(b, d + i, sizeof(d) - i);
}

/* addr.h, not inet_ntop: musl's inet_ntop pulls in snprintf and its float code (~10 KB). */
static void sb_ip(struct sbuf *b, uint8_t family, const uint8_t *a)
{
	char s[ADDR_IP6_STRLEN];

	sb_add(b, s, family == AF_INET ? fmt_ip4(s, a) : fmt_ip6(s, a));
}

int netcfg_resolv_format(const struct netcfg_cfg *cfg, char *buf, size_t cap)
{
	struct sbuf b = {buf, cap, 0, cap ? 0 : -ENOBUFS};
	unsigned int i;

	if (cap)
		buf[0] = 0;
	sb_str(&b, "# Generated by wwanbox for ");
	sb_str(&b, cfg->ifname);
	sb_str(&b, "\n");
	if (cfg->domain[0]) {
		sb_str(&b, "search ");
		sb_str(&b, cfg->domain);
		sb_str(&b, "\n");
	}
	for (i = 0; i < cfg->n_dns4 && i < NETCFG_MAX_DNS; i++) {
		sb_str(&b, "nameserver ");
		sb_ip(&b, AF_INET, cfg->dns4[i]);
		sb_str(&b, "\n");
	}
	for (i = 0; CFG_FEATURE_IPV6 && i < cfg->n_dns6 && i < NETCFG_MAX_DNS; i++) {
		sb_str(&b, "nameserver ");
		sb_ip(&b, AF_INET6, cfg->dns6[i]);
		sb_str(&b, "\n");
	}
	return b.err ? b.err : (int)b.len;
}

static int path_cat(char *out, size_t cap, const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen + blen >= cap)
		return -ENAMETOOLONG;
	memmove(out, a, alen);
	memcpy(out + alen, b, blen + 1);
	return 0;
}

/* Follow symlinks at the end of path (up to SYMLINK_HOPS): the file to really write. A missing
 * file (or a dangling link's target) is fine; anything but a regular file is not. */
static int resolve_path(const char *path, char *out, size_t cap)
{
	char link[NETCFG_PATH_MAX];
	struct stat sb;
	const char *slash;
	ssize_t n;
	int hops, r;

	r = path_cat(out, cap, path, strlen(path), "");
	for (hops = 0; r == 0; hops++) {
		if (lstat(out, &sb) < 0)
			return errno == ENOENT ? 0 : -errno;
		if (!S_ISLNK(sb.st_mode))
			return S_ISREG(sb.st_mode) ? 0 : -EINVAL;
		if (hops == SYMLINK_HOPS)
			return -ELOOP;
		n = readlink(out, link, sizeof(link));
		if (n < 0)
			return -errno;
		if ((size_t)n >= sizeof(link))
			return -ENAMETOOLONG;
		link[n] = 0;
		slash = strrchr(out, '/');
		if (link[0] == '/' || !slash)
			r = path_cat(out, cap, link, (size_t)n, "");
		else /* relative to the link's directory */
			r = path_cat(out, cap, out, (size_t)(slash - out + 1), link);
	}
	return r;
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	ssize_t w;

	while (n) {
		w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy src (from its current offset) to dst; hash what was copied if h. */
static int copy_fd(int dst, int src, uint32_t *h, uint32_t *len)
{
	uint8_t buf[512];
	ssize_t n;
	int r;

	for (;;) {
		n = read(src, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		if (h) {
			*h = fnv1a(*h, buf, (size_t)n);
			*len += (uint32_t)n;
		}
		if (dst >= 0) {
			r = write_all(dst, buf, (size_t)n);
			if (r < 0)
				return r;
		}
	}
}

static void fsync_dir(const char *path)
{
	char dir[NETCFG_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		path_cat(dir, sizeof(dir), ".", 1, "");
	else if (path_cat(dir, sizeof(dir), path, slash == path ? 1 : (size_t)(slash - path), ""))
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

struct file_meta {
	bool present;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* Replace path atomically with head[hlen] followed by the rest of src (if src >= 0): write
 * path.wbtmp in the same directory, fsync, rename over path, fsync the directory. */
static int atomic_write(const char *path, const struct file_meta *meta, const void *head,
			size_t hlen, int src)
{
	char tmp[NETCFG_PATH_MAX];
	int fd, r;

	r = path_cat(tmp, sizeof(tmp), path, strlen(path), TMP_SUFFIX);
	if (r < 0)
		return r;
	unlink(tmp); /* a leftover of a crash */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, head, hlen);
	if (r == 0 && src >= 0)
		r = copy_fd(fd, src, NULL, NULL);
	if (r == 0 && meta->present && fchown(fd, meta->uid, meta->gid) < 0 && errno != EPERM)
		r = -errno;
	if (r == 0 && fchmod(fd, meta->present ? meta->mode : 0644) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	fsync_dir(path);
	return 0;
}

static void sb_oct(struct sbuf *b, unsigned long v)
{
	char d[24];
	size_t i = sizeof(d);

	do
		d[--i] = (char)('0' + (v & 7));
	while ((v >>= 3));
	sb_add(b, d + i, sizeof(d) - i);
}

static int save_header(const struct file_meta *m, char *buf, size_t cap)
{
	struct sbuf b = {buf, cap, 0, 0};

	sb_str(&b, SAVE_MAGIC);
	if (!m->present) {
		sb_str(&b, "absent\n");
	} else {
		sb_str(&b, "present ");
		sb_oct(&b, m->mode & 07777);
		sb_str(&b, " ");
		sb_uint(&b, m->uid);
		sb_str(&b, " ");
		sb_uint(&b, m->gid);
		sb_str(&b, "\n");
	}
	return b.err ? b.err : (int)b.len;
}

/* Parse an unsigned number in base 8 or 10 ending at c; advances *p past it. */
static int parse_num(const char **p, unsigned int base, char end, unsigned long *v)
{
	const char *s = *p;

	*v = 0;
	if (*s < '0' || *s >= (char)('0' + base))
		return -EPROTO;
	while (*s >= '0' && *s < (char)('0' + base)) {
		if (*v > 0xffffffffUL / base)
			return -EPROTO;
		*v = *v * base + (unsigned long)(*s++ - '0');
	}
	if (*s != end)
		return -EPROTO;
	*p = s + 1;
	return 0;
}

/* Read the backup's first line; leave fd just after it. */
static int read_save_header(int fd, struct file_meta *m)
{
	char h[SAVE_HDR_MAX + 1];
	const char *p, *nl;
	unsigned long mode, uid, gid;
	ssize_t n;

	memset(m, 0, sizeof(*m));
	do
		n = pread(fd, h, SAVE_HDR_MAX, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	h[n] = 0;
	nl = memchr(h, '\n', (size_t)n);
	if (!nl || strncmp(h, SAVE_MAGIC, strlen(SAVE_MAGIC)))
		return -EPROTO;
	p = h + strlen(SAVE_MAGIC);
	if (!strncmp(p, "absent\n", 7) && p + 6 == nl) {
		m->present = false;
	} else if (!strncmp(p, "present ", 8)) {
		p += 8;
		if (parse_num(&p, 8, ' ', &mode) || parse_num(&p, 10, ' ', &uid) ||
		    parse_num(&p, 10, '\n', &gid) || p != nl + 1 || mode > 07777)
			return -EPROTO;
		m->present = true;
		m->mode = (mode_t)mode;
		m->uid = (uid_t)uid;
		m->gid = (gid_t)gid;
	} else {
		return -EPROTO;
	}
	if (lseek(fd, nl + 1 - h, SEEK_SET) < 0)
		return -errno;
	return 0;
}

/* Save the current file (or its absence) to path.wwanbox-save, unless a backup from a crashed
 * run is already there: that one holds the real original, keep it. */
static int save_original(const char *path, struct netcfg_state *st, struct file_meta *meta,
			 bool *created)
{
	char save[NETCFG_PATH_MAX], head[SAVE_HDR_MAX];
	struct stat sb;
	int fd, r, hl;

	*created = false;
	r = path_cat(save, sizeof(save), path, strlen(path), SAVE_SUFFIX);
	if (r < 0)
		return r;
	memset(meta, 0, sizeof(*meta));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return -errno;
	if (fd >= 0 && fstat(fd, &sb) == 0) {
		meta->present = true;
		meta->mode = sb.st_mode & 07777;
		meta->uid = sb.st_uid;
		meta->gid = sb.st_gid;
	}
	r = open(save, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (r >= 0) {
		struct file_meta old;
		int e = read_save_header(r, &old);

		close(r);
		if (fd >= 0)
			close(fd);
		if (e < 0)
			return -EEXIST; /* not our backup: do not touch */
		st->flags |= NETCFG_S_DNS_STALE;
		return 0;
	}
	hl = save_header(meta, head, sizeof(head));
	r = hl < 0 ? hl : atomic_write(save, meta, head, (size_t)hl, fd);
	if (fd >= 0)
		close(fd);
	*created = r == 0;
	return r;
}

int netcfg_dns_apply(const struct netcfg_cfg *cfg, struct netcfg_state *st)
{
	char content[RESOLV_MAX], save[NETCFG_PATH_MAX];
	struct file_meta meta;
	bool created;
	int len, r;

	len = netcfg_resolv_format(cfg, content, sizeof(content));
	if (len < 0)
		return len;
	if (!cfg->dns_file[0])
		return -EINVAL;
	r = resolve_path(cfg->dns_file, st->dns_path, sizeof(st->dns_path));
	/* The backup's temp name is the longest we make: it must fit too. */
	if (r == 0 && strlen(st->dns_path) + strlen(SAVE_SUFFIX TMP_SUFFIX) >= NETCFG_PATH_MAX)
		r = -ENAMETOOLONG;
	if (r == 0)
		r = path_cat(save, sizeof(save), st->dns_path, strlen(st->dns_path), SAVE_SUFFIX);
	if (r == 0)
		r = save_original(st->dns_path, st, &meta, &created);
	if (r == 0) {
		r = atomic_write(st->dns_path, &meta, content, (size_t)len, -1);
		if (r < 0 && created)
			unlink(save);
	}
	if (r < 0) {
		st->dns_path[0] = 0;
		return r;
	}
	st->dns_hash = fnv1a(FNV_INIT, (const uint8_t *)content, (size_t)len);
	st->dns_len = (uint32_t)len;
	st->flags |= NETCFG_S_DNS;
	return 0;
}

/* Does path still hold exactly what we wrote? */
static bool still_ours(const struct netcfg_state *st)
{
	uint32_t h = FNV_INIT, len = 0;
	int fd = open(st->dns_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0)
		return false;
	r = copy_fd(-1, fd, &h, &len);
	close(fd);
	return r == 0 && h == st->dns_hash && len == st->dns_len;
}

int netcfg_dns_restore(struct netcfg_state *st)
{
	char save[NETCFG_PATH_MAX];
	struct file_meta meta;
	int fd, r;

	if (!(st->flags & NETCFG_S_DNS))
		return 0;
	r = path_cat(save, sizeof(save), st->dns_path, strlen(st->dns_path), SAVE_SUFFIX);
	if (r < 0)
		return r;
	fd = open(save, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			return -errno;
		st->flags = (st->flags & ~(uint32_t)NETCFG_S_DNS) | NETCFG_S_DNS_NOBACKUP;
		return 0;
	}
	r = read_save_header(fd, &meta);
	if (r == 0 && !still_ours(st))
		st->flags |= NETCFG_S_DNS_FOREIGN;
	else if (r == 0 && meta.present)
		r = atomic_write(st->dns_path, &meta, "", 0, fd);
	else if (r == 0 && unlink(st->dns_path) < 0 && errno != ENOENT)
		r = -errno;
	close(fd);
	if (r < 0)
		return r; /* keep the backup: nothing is lost, retry later */
	unlink(save);
	fsync_dir(save);
	st->flags &= ~(uint32_t)NETCFG_S_DNS;
	return 0;
}

/* ---- state blob ---- */

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffU;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c >> 1 ^ (0xedb88320U & (0U - (c & 1)));
	}
	return ~c;
}

static void save_addr(uint8_t *p, const struct nl_ifaddr *a)
{
	p[0] = a->family;
	p[1] = a->prefixlen;
	p[2] = a->scope;
	p[3] = (uint8_t)(a->has_peer | a->has_broadcast << 1);
	put_le32(p + 4, a->flags);
	memcpy(p + 8, a->local, 16);
	memcpy(p + 24, a->peer, 16);
	memcpy(p + 40, a->broadcast, 4);
}

static void save_route(uint8_t *p, const struct nl_route *r)
{
	p[0] = r->family;
	p[1] = r->dst_len;
	p[2] = r->protocol;
	p[3] = r->scope;
	p[4] = r->type;
	p[5] = r->has_gw;
	p[6] = p[7] = 0;
	put_le32(p + 8, r->table);
	put_le32(p + 12, r->flags);
	put_le32(p + 16, r->metric);
	put_le32(p + 20, (uint32_t)r->oif);
	memcpy(p + 24, r->dst, 16);
	memcpy(p + 40, r->gw, 16);
}

int netcfg_state_save(const struct netcfg_state *st, uint8_t *buf, size_t len)
{
	size_t plen = strnlen(st->dns_path, NETCFG_PATH_MAX - 1), off, i;
	size_t total = 70 + plen + ADDR_REC * st->n_addrs + ROUTE_REC * st->n_routes + 4;

	if (st->n_addrs > NETCFG_STATE_ADDRS || st->n_routes > NETCFG_STATE_ROUTES)
		return -EINVAL;
	if (total > len)
		return -EMSGSIZE;
	memset(buf, 0, total);
	memcpy(buf, STATE_MAGIC, 4);
	buf[4] = STATE_VERSION;
	buf[5] = st->n_addrs;
	buf[6] = st->n_routes;
	put_le32(buf + 8, (uint32_t)total);
	memcpy(buf + 12, st->ifname, strnlen(st->ifname, IFNAMSIZ - 1));
	put_le32(buf + 28, (uint32_t)st->ifindex);
	put_le32(buf + 32, st->flags);
	put_le32(buf + 36, st->mtu_prev);
	put_le32(buf + 40, st->mtu_set);
	put_le32(buf + 44, (uint32_t)st->shadow_oif[0]);
	put_le32(buf + 48, (uint32_t)st->shadow_oif[1]);
	put_le32(buf + 52, st->shadow_metric[0]);
	put_le32(buf + 56, st->shadow_metric[1]);
	put_le32(buf + 60, st->dns_hash);
	put_le32(buf + 64, st->dns_len);
	put_le16(buf + 68, (uint16_t)plen);
	memcpy(buf + 70, st->dns_path, plen);
	off = 70 + plen;
	for (i = 0; i < st->n_addrs; i++, off += ADDR_REC)
		save_addr(buf + off, &st->addrs[i]);
	for (i = 0; i < st->n_routes; i++, off += ROUTE_REC)
		save_route(buf + off, &st->routes[i]);
	put_le32(buf + off, crc32_ieee(buf, off));
	return (int)total;
}

static int load_addr(const uint8_t *p, struct nl_ifaddr *a, int ifindex)
{
	size_t alen = alen_of(p[0]);

	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->family = p[0];
	a->prefixlen = p[1];
	a->scope = p[2];
	a->has_peer = p[3] & 1;
	a->has_broadcast = p[3] >> 1 & 1;
	a->flags = get_le32(p + 4);
	memcpy(a->local, p + 8, 16);
	memcpy(a->peer, p + 24, 16);
	memcpy(a->broadcast, p + 40, 4);
	return alen && a->prefixlen <= alen * 8 && !(p[3] & ~3) ? 0 : -EPROTO;
}

static int load_route(const uint8_t *p, struct nl_route *r)
{
	size_t alen = alen_of(p[0]);

	memset(r, 0, sizeof(*r));
	r->family = p[0];
	r->dst_len = p[1];
	r->protocol = p[2];
	r->scope = p[3];
	r->type = p[4];
	r->has_gw = p[5] & 1;
	r->table = get_le32(p + 8);
	r->flags = get_le32(p + 12);
	r->metric = get_le32(p + 16);
	r->oif = (int)get_le32(p + 20);
	memcpy(r->dst, p + 24, 16);
	memcpy(r->gw, p + 40, 16);
	return alen && r->dst_len <= alen * 8 && p[5] <= 1 && !p[6] && !p[7] && r->oif > 0
		       ? 0
		       : -EPROTO;
}

static int load_header(struct netcfg_state *st, const uint8_t *buf, size_t len, size_t *plen)
{
	size_t total, i;

	if (len < 74 || memcmp(buf, STATE_MAGIC, 4) || buf[4] != STATE_VERSION || buf[7])
		return -EPROTO;
	total = get_le32(buf + 8);
	*plen = get_le16(buf + 68);
	st->n_addrs = buf[5];
	st->n_routes = buf[6];
	if (total != len || st->n_addrs > NETCFG_STATE_ADDRS ||
	    st->n_routes > NETCFG_STATE_ROUTES || *plen >= NETCFG_PATH_MAX ||
	    total != 70 + *plen + ADDR_REC * st->n_addrs + ROUTE_REC * st->n_routes + 4)
		return -EPROTO;
	if (get_le32(buf + len - 4) != crc32_ieee(buf, len - 4))
		return -EPROTO;
	memcpy(st->ifname, buf + 12, IFNAMSIZ);
	if (st->ifname[IFNAMSIZ - 1] || nl_ifname_check(st->ifname))
		return -EPROTO;
	for (i = strlen(st->ifname); i < IFNAMSIZ; i++) /* save() writes zeros there */
		if (st->ifname[i])
			return -EPROTO;
	st->ifindex = (int)get_le32(buf + 28);
	st->flags = get_le32(buf + 32);
	st->mtu_prev = get_le32(buf + 36);
	st->mtu_set = get_le32(buf + 40);
	st->shadow_oif[0] = (int)get_le32(buf + 44);
	st->shadow_oif[1] = (int)get_le32(buf + 48);
	st->shadow_metric[0] = get_le32(buf + 52);
	st->shadow_metric[1] = get_le32(buf + 56);
	st->dns_hash = get_le32(buf + 60);
	st->dns_len = get_le32(buf + 64);
	memcpy(st->dns_path, buf + 70, *plen);
	st->dns_path[*plen] = 0;
	if (strlen(st->dns_path) != *plen || st->ifindex <= 0)
		return -EPROTO;
	if ((st->flags & NETCFG_S_DNS) && !*plen)
		return -EPROTO;
	return 0;
}

int netcfg_state_load(struct netcfg_state *st, const uint8_t *buf, size_t len)
{
	size_t plen = 0, off, i;
	int r;

	memset(st, 0, sizeof(*st));
	r = load_header(st, buf, len, &plen);
	off = 70 + plen;
	for (i = 0; r == 0 && i < st->n_addrs; i++, off += ADDR_REC)
		r = load_addr(buf + off, &st->addrs[i], st->ifindex);
	for (i = 0; r == 0 && i < st->n_routes; i++, off += ROUTE_REC)
		r = load_route(buf + off, &st->routes[i]);
	if (r < 0) {
		memset(st, 0, sizeof(*st));
		return -EPROTO;
	}
	return 0;
}

/* ---- hook ---- */

struct envb {
	struct sbuf b;
	char **envp;
	size_t n, max;
};

static void env_begin(struct envb *e, const char *name)
{
	if (e->n + 1 >= e->max) {
		e->b.err = -ENOBUFS;
		return;
	}
	if (e->n)
		sb_add(&e->b, "", 1); /* step over the previous string's NUL */
	if (e->b.err)
		return;
	e->envp[e->n] = e->b.p + e->b.len;
	sb_str(&e->b, name);
	sb_str(&e->b, "=");
}

static void env_end(struct envb *e)
{
	if (!e->b.err)
		e->envp[++e->n] = NULL;
}

static void env_str(struct envb *e, const char *name, const char *v)
{
	env_begin(e, name);
	sb_str(&e->b, v);
	env_end(e);
}

static void env_uint(struct envb *e, const char *name, unsigned long v)
{
	env_begin(e, name);
	sb_uint(&e->b, v);
	env_end(e);
}

static void env_ip(struct envb *e, const char *name, uint8_t family, const uint8_t *a)
{
	env_begin(e, name);
	sb_ip(&e->b, family, a);
	env_end(e);
}

/* "a b c" from n addresses of a family. */
static void env_ips(struct envb *e, const char *name, uint8_t family, const uint8_t *a,
		    size_t stride, unsigned int n)
{
	unsigned int i;

	env_begin(e, name);
	for (i = 0; i < n && i < NETCFG_MAX_DNS; i++) {
		if (i)
			sb_str(&e->b, " ");
		sb_ip(&e->b, family, a + i * stride);
	}
	env_end(e);
}

/* udhcpc's staticroutes format: "dst/len gw dst/len gw" (gw all-zero for a device route). */
static void env_routes(struct envb *e, const char *name, const struct netcfg_cfg *cfg,
		       uint8_t family)
{
	static const uint8_t zero[16];
	const struct netcfg_route *r;
	unsigned int i, n = 0;

	for (i = 0; i < cfg->n_routes && i < NETCFG_MAX_ROUTES; i++) {
		r = &cfg->routes[i];
		if (r->family != family)
			continue;
		if (n++)
			sb_str(&e->b, " ");
		else
			env_begin(e, name);
		sb_ip(&e->b, family, r->dst);
		sb_str(&e->b, "/");
		sb_uint(&e->b, r->prefix);
		sb_str(&e->b, " ");
		sb_ip(&e->b, family, r->has_gw ? r->gw : zero);
	}
	if (n)
		env_end(e);
}

static void env_ipv4(struct envb *e, const struct netcfg_cfg *cfg)
{
	uint8_t mask[4], brd[4];

	if (cfg->has_addr4) {
		env_ip(e, "ip", AF_INET, cfg->addr4);
		env_uint(e, "mask", cfg->prefix4);
		put_be32(mask, cfg->prefix4 ? 0xffffffffU << (32 - cfg->prefix4) : 0);
		env_ip(e, "subnet", AF_INET, mask);
		if (want_broadcast(cfg, brd))
			env_ip(e, "broadcast", AF_INET, brd);
	}
	if (cfg->has_gw4)
		env_ip(e, "router", AF_INET, cfg->gw4);
	if (cfg->n_dns4)
		env_ips(e, "dns", AF_INET, cfg->dns4[0], 4, cfg->n_dns4);
	env_routes(e, "staticroutes", cfg, AF_INET);
}

static void env_ipv6(struct envb *e, const struct netcfg_cfg *cfg)
{
	if (cfg->has_addr6) {
		env_ip(e, "ipv6", AF_INET6, cfg->addr6);
		env_uint(e, "ipv6prefixlen", cfg->prefix6);
	}
	if (cfg->has_gw6)
		env_ip(e, "ipv6gateway", AF_INET6, cfg->gw6);
	if (cfg->n_dns6)
		env_ips(e, "ipv6dns", AF_INET6, cfg->dns6[0], 16, cfg->n_dns6);
	env_routes(e, "ipv6routes", cfg, AF_INET6);
}

int netcfg_hook_env(const struct netcfg_cfg *cfg, char *buf, size_t cap, char **envp, size_t max)
{
	struct envb e = {{buf, cap, 0, cap ? 0 : -ENOBUFS}, envp, 0, max};

	if (max)
		envp[0] = NULL;
	if (cap)
		buf[0] = 0;
	if (cfg->ifname[0] && !nl_ifname_check(cfg->ifname))
		env_str(&e, "interface", cfg->ifname);
	env_ipv4(&e, cfg);
	if (cfg->domain[0] && domain_ok(cfg->domain))
		env_str(&e, "domain", cfg->domain);
	if (cfg->mtu)
		env_uint(&e, "mtu", cfg->mtu);
	env_uint(&e, "metric", cfg->metric);
	if (CFG_FEATURE_IPV6)
		env_ipv6(&e, cfg);
	env_str(&e, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
	return e.b.err ? -ENOBUFS : (int)e.n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, ms % 1000 * 1000000L};

	nanosleep(&ts, NULL);
}

/* Wait for pid up to timeout_ms, then SIGKILL it. Polls with a backoff from 1 to 64 ms: a
 * pidfd is not available on every kernel we support, and SIGCHLD belongs to the applet. */
static int wait_child(pid_t pid, int timeout_ms)
{
	struct timespec t0, t;
	long waited = 0, step = 1;
	int status;
	pid_t w;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		waited = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (waited >= timeout_ms) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		sleep_ms(MIN(step, timeout_ms - waited));
		step = MIN(step * 2, 64);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* In the child: default signal handling, nothing blocked, no inherited descriptors but 0-2
 * (and the exec-error pipe, which is close-on-exec). */
static void child_setup(int keep)
{
	static const int sigs[] = {SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	sigset_t none;
	unsigned int i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (fd = 3; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
}

int netcfg_run_hook(const char *prog, const char *event, const struct netcfg_cfg *cfg,
		    int timeout_ms)
{
	char envbuf[NETCFG_ENV_MAX];
	char *envp[NETCFG_ENV_VARS + 1];
	char *argv[3] = {(char *)prog, (char *)event, NULL};
	int pfd[2], err = 0, r;
	ssize_t n;
	pid_t pid;

	if (!prog || !*prog || !event)
		return -EINVAL;
	r = netcfg_hook_env(cfg, envbuf, sizeof(envbuf), envp, ARRAY_SIZE(envp));
	if (r < 0)
		return r;
	if (pipe(pfd) < 0)
		return -errno;
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0) {
		close(pfd[0]);
		child_setup(pfd[1]);
		execve(prog, argv, envp);
		err = errno;
		write_all(pfd[1], &err, sizeof(err));
		_exit(127);
	}
	close(pfd[1]);
	/* EOF: execve succeeded (the pipe is close-on-exec); an int: its errno. */
	do
		n = read(pfd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	r = wait_child(pid, timeout_ms > 0 ? timeout_ms : 1);
	if (n == (ssize_t)sizeof(err) && err > 0)
		return -err;
	return r;
}
