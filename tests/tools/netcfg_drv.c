/* netcfg_drv.c - test driver for core/netcfg (not part of the product).
 *
 *	netcfg_drv apply|remove --state FILE -i IFACE [--addr4 A/P] [--peer4 A] [--gw4 G]
 *		[--addr6 A/P] [--gw6 G] [--mtu N] [--metric N] [--dns IP]... [--domain D]
 *		[--dns-file F] [--route DST/P[,GW]]... [--no-default4] [--no-default6]
 *
 * apply writes the state blob to FILE; remove reads it, removes what it records and deletes
 * FILE. Exit 0 ok, 1 error, 2 usage. Reports go to stdout, errors to stderr.
 */
#include "wwanbox.h"
#include "netcfg.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>

static const char *prog = "netcfg_drv";

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s apply|remove --state FILE -i IFACE [--addr4 A/P] [--peer4 A]"
		" [--gw4 G] [--addr6 A/P] [--gw6 G] [--mtu N] [--metric N] [--dns IP]..."
		" [--domain D] [--dns-file F] [--route DST/P[,GW]]... [--no-default4]"
		" [--no-default6]\n",
		prog);
	exit(2);
}

static const char *fam_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static unsigned long parse_uint(const char *what, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > max || *s == '-' || *s == '+')
		die("invalid %s '%s'", what, s);
	return v;
}

/* "A/P" (or "A": a host prefix) of the given family; arg is quoted in messages. */
static void parse_prefix(const char *arg, int family, uint8_t *addr, uint8_t *plen)
{
	char a[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(arg, '/');
	unsigned int max = family == AF_INET ? 32 : 128;
	size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
	char *end;
	unsigned long p = max;

	if (n >= sizeof(a))
		die("invalid %s address in '%s'", fam_name(family), arg);
	memcpy(a, arg, n);
	a[n] = 0;
	if (inet_pton(family, a, addr) != 1)
		die("invalid %s address '%s' in '%s'", fam_name(family), a, arg);
	if (slash) {
		errno = 0;
		p = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || p > max || slash[1] == '-' || slash[1] == '+')
			die("invalid prefix length '%s' in '%s'", slash + 1, arg);
	}
	*plen = (uint8_t)p;
}

static void parse_ip(const char *what, const char *s, int family, uint8_t *out)
{
	if (inet_pton(family, s, out) != 1)
		die("invalid %s %s '%s'", fam_name(family), what, s);
}

static void add_dns(struct netcfg_cfg *c, const char *s)
{
	if (strchr(s, ':')) {
		if (c->n_dns6 == NETCFG_MAX_DNS)
			die("too many IPv6 DNS servers at '%s'", s);
		parse_ip("DNS server", s, AF_INET6, c->dns6[c->n_dns6++]);
	} else {
		if (c->n_dns4 == NETCFG_MAX_DNS)
			die("too many IPv4 DNS servers at '%s'", s);
		parse_ip("DNS server", s, AF_INET, c->dns4[c->n_dns4++]);
	}
}

/* DST/P[,GW] */
static void add_route(struct netcfg_cfg *c, const char *arg)
{
	char dst[64];
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);
	struct netcfg_route *r;

	if (c->n_routes == NETCFG_MAX_ROUTES)
		die("too many routes at '%s'", arg);
	if (n >= sizeof(dst))
		die("invalid route '%s'", arg);
	memcpy(dst, arg, n);
	dst[n] = 0;
	r = &c->routes[c->n_routes++];
	r->family = strchr(dst, ':') ? AF_INET6 : AF_INET;
	parse_prefix(dst, r->family, r->dst, &r->prefix);
	if (comma) {
		r->has_gw = true;
		parse_ip("gateway", comma + 1, r->family, r->gw);
	}
}

static void parse_args(int argc, char **argv, struct netcfg_cfg *c, const char **state)
{
	int i;

	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool flag = !strcmp(o, "--no-default4") || !strcmp(o, "--no-default6");

		if (!flag && !v)
			usage();
		if (!flag)
			i++;
		if (!strcmp(o, "--state"))
			*state = v;
		else if (!strcmp(o, "-i") && strlen(v) >= sizeof(c->ifname))
			die("interface '%s': name too long", v);
		else if (!strcmp(o, "-i"))
			strcpy(c->ifname, v);
		else if (!strcmp(o, "--addr4"))
			c->has_addr4 = true, parse_prefix(v, AF_INET, c->addr4, &c->prefix4);
		else if (!strcmp(o, "--peer4"))
			c->has_peer4 = true, parse_ip("peer", v, AF_INET, c->peer4);
		else if (!strcmp(o, "--gw4"))
			c->has_gw4 = true, parse_ip("gateway", v, AF_INET, c->gw4);
		else if (!strcmp(o, "--addr6"))
			c->has_addr6 = true, parse_prefix(v, AF_INET6, c->addr6, &c->prefix6);
		else if (!strcmp(o, "--gw6"))
			c->has_gw6 = true, parse_ip("gateway", v, AF_INET6, c->gw6);
		else if (!strcmp(o, "--mtu"))
			c->mtu = (uint32_t)parse_uint("MTU", v, 0xffffffffUL);
		else if (!strcmp(o, "--metric"))
			c->metric = (uint32_t)parse_uint("metric", v, 0xffffffffUL);
		else if (!strcmp(o, "--dns"))
			add_dns(c, v);
		else if (!strcmp(o, "--domain") && strlen(v) >= sizeof(c->domain))
			die("domain '%s': too long", v);
		else if (!strcmp(o, "--domain"))
			strcpy(c->domain, v);
		else if (!strcmp(o, "--dns-file") && strlen(v) >= sizeof(c->dns_file))
			die("DNS file '%s': name too long", v);
		else if (!strcmp(o, "--dns-file"))
			strcpy(c->dns_file, v);
		else if (!strcmp(o, "--route"))
			add_route(c, v);
		else if (!strcmp(o, "--no-default4"))
			c->flags |= NETCFG_F_NO_DEFAULT4;
		else if (!strcmp(o, "--no-default6"))
			c->flags |= NETCFG_F_NO_DEFAULT6;
		else
			usage();
	}
	if (!*state)
		usage();
}

static void write_state(const char *path, const struct netcfg_state *st)
{
	uint8_t blob[NETCFG_STATE_MAX];
	char tmp[4096];
	int len = netcfg_state_save(st, blob, sizeof(blob)), fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (len < 0 || fd < 0 || write(fd, blob, (size_t)len) != len || fsync(fd) < 0 ||
	    close(fd) < 0 || rename(tmp, path) < 0)
		die("write state file '%s': %s", path, strerror(len < 0 ? -len : errno));
}

static void read_state(const char *path, struct netcfg_state *st)
{
	uint8_t blob[NETCFG_STATE_MAX + 1];
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;
	ssize_t n;

	if (fd < 0)
		die("state file '%s': %s", path, strerror(errno));
	n = read(fd, blob, sizeof(blob));
	close(fd);
	if (n < 0)
		die("state file '%s': %s", path, strerror(errno));
	r = netcfg_state_load(st, blob, (size_t)n);
	if (r < 0)
		die("state file '%s': corrupt or truncated", path);
}

/* What apply decided, for people and for tests/netcfg.test. */
static void report(const struct netcfg_state *st)
{
	static const char *const fam[2] = {"IPv4", "IPv6"};
	int v;

	for (v = 0; v < 2; v++) {
		if (st->flags & (v ? NETCFG_S_SHADOWED6 : NETCFG_S_SHADOWED4))
			printf("%s default route shadowed by ifindex %d metric %u\n", fam[v],
			       st->shadow_oif[v], st->shadow_metric[v]);
		if (st->flags & (v ? NETCFG_S_DEFAULT6_EXISTS : NETCFG_S_DEFAULT4_EXISTS))
			printf("%s default route not added: one with this metric exists\n", fam[v]);
		if (st->flags & (v ? NETCFG_S_ADDR6_EXISTED : NETCFG_S_ADDR4_EXISTED))
			printf("%s address existed already: left alone\n", fam[v]);
	}
	if (st->flags & NETCFG_S_ROUTE_EXISTED)
		printf("a route existed already: left alone\n");
	if (st->flags & NETCFG_S_DNS_STALE)
		printf("DNS backup of an earlier run kept\n");
	if (st->flags & NETCFG_S_GONE)
		printf("interface %s is gone\n", st->ifname);
	if (st->flags & NETCFG_S_DNS_FOREIGN)
		printf("DNS file %s changed by someone else: left alone\n", st->dns_path);
	if (st->flags & NETCFG_S_DNS_NOBACKUP)
		printf("DNS backup of %s missing: left alone\n", st->dns_path);
}

static int do_apply(struct nl *nl, const struct netcfg_cfg *c, const char *state)
{
	struct netcfg_state st;
	int r = netcfg_apply(nl, c, &st);

	if (r == -ENAMETOOLONG && st.err_step == NETCFG_STEP_CHECK)
		die("interface '%s': name too long", c->ifname);
	if (r < 0 && (st.err_step == NETCFG_STEP_LINK || st.err_step == NETCFG_STEP_CHECK))
		die("interface '%s': %s", c->ifname, strerror(-r));
	if (r < 0) {
		fprintf(stderr, "%s: %s on %s: %s%s%s%s\n", prog, netcfg_step_name(st.err_step),
			c->ifname, strerror(-r), nl->extack[0] ? " (" : "", nl->extack,
			nl->extack[0] ? ")" : "");
		return 1;
	}
	report(&st);
	write_state(state, &st);
	return 0;
}

static int do_remove(struct nl *nl, const char *state)
{
	struct netcfg_state st;
	int r;

	read_state(state, &st);
	r = netcfg_remove(nl, &st);
	report(&st);
	if (r < 0) {
		fprintf(stderr, "%s: remove configuration of %s: %s\n", prog, st.ifname,
			strerror(-r));
		write_state(state, &st); /* what is left, for another try */
		return 1;
	}
	if (unlink(state) < 0)
		die("remove state file '%s': %s", state, strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	static struct nl nl;
	struct netcfg_cfg c;
	const char *state = NULL;
	int r;

	if (argc < 2 || (strcmp(argv[1], "apply") && strcmp(argv[1], "remove")))
		usage();
	memset(&c, 0, sizeof(c));
	parse_args(argc, argv, &c, &state);
	if (!strcmp(argv[1], "apply") && !c.ifname[0])
		usage();
	r = nl_open(&nl);
	if (r < 0)
		die("open rtnetlink socket: %s", strerror(-r));
	if (!strcmp(argv[1], "apply"))
		r = do_apply(&nl, &c, state);
	else
		r = do_remove(&nl, state);
	nl_close(&nl);
	return r;
}
