/* dhcp_lite.c - a DHCPv4 client for ECM/RNDIS/NCM modems, tethered phones and raw-IP links,
 * udhcpc-compatible, RFC 2131 throughout. The protocol lives in core/dhcp.c; this file owns the
 * options, the messages, configuring the interface (core/netcfg.c) or running the script, the
 * state directory and the exit codes.
USE_DHCP_LITE(APPLET(dhcp_lite))

config DHCP_LITE
	bool "dhcp-lite: DHCPv4 client, udhcpc-compatible (~30 KB with core DHCP; 77 KB alone)"
	default n
	select CORE_DHCP
	select CORE_NETCFG
	select CORE_NL
	select CORE_LOOP
	help
	  usage: dhcp-lite [-fbqnRBCoSv] [-i IFACE] [-s PROG] [-p PIDFILE] [-t N] [-T SEC]
	         [-A SEC] [-a[MSEC]] [-r IP] [-x OPT:VAL]... [-O OPT]... [-V VENDOR] [-H NAME]
	         [-F NAME] [-c CLIENTID] [--metric N] [--dns-file FILE] [--state-dir DIR]
	         [--allow-overlap] [--json]

	  Obtain an IPv4 lease on IFACE (default eth0) and keep it: renew at T1 (option 58,
	  default half the lease) by unicast, rebind at T2 (option 59, default 7/8) by broadcast,
	  drop it when it expires. Without -s the interface is configured directly: address and
	  prefix, broadcast, the default route from option 3 (or from option 121, which takes
	  precedence, RFC 3442), the classless static routes, the MTU (option 26) and DNS; exactly
	  that is removed again when the lease ends, on release and on exit. With -s the script is
	  run as udhcpc runs it: PROG deconfig|bound|renew|nak|leasefail with udhcpc's variables
	  (interface ip siaddr subnet mask broadcast router dns domain hostname mtu lease serverid
	  staticroutes ... optNNN=hex) in its environment.

	  -i IFACE        interface [eth0]
	  -s PROG         run PROG on events instead of configuring the interface
	  -f              stay in the foreground (default: background once bound)
	  -b              background when no lease was obtained (after the -t tries)
	  -q              exit once bound, leaving the configuration in place
	  -n              exit with status 1 when no lease was obtained
	  -R              send a RELEASE on exit (SIGTERM, SIGINT, -q)
	  -t N            DISCOVERs (and REQUESTs) before giving up [3]
	  -T SEC          first retransmission after SEC; doubles up to 64 s, +-1 s jitter [3]
	  -A SEC          pause after a failure before trying again [20]
	  -a[MSEC]        ARP-probe the address before using it, DECLINE it if taken [2000]
	  -r IP           ask for IP first (INIT-REBOOT; a NAK starts over)
	  -B              ask the server to broadcast its replies
	  -O OPT          also request option OPT (name or number); -o: only those
	  -x OPT:VAL      send option OPT (hostname:box, lease:3600, 0x3d:01020304...)
	  -V VENDOR       vendor class (option 60)
	  -H NAME         hostname (option 12); -F NAME: FQDN (option 81)
	  -c CLIENTID     client identifier: hex bytes "01:02:..." or text (type 0); -C: none
	  -p PIDFILE      write the process id to PIDFILE
	  -S              also log to syslog; -v: more messages
	  --metric N      metric of the routes [0]; an existing better default route is kept,
	                  and said so
	  --dns-file F    where DNS servers go [/etc/resolv.conf]; "" leaves DNS alone
	  --state-dir DIR remember the lease (INIT-REBOOT next time) and the client id of a link
	                  without a MAC in DIR/dhcp-lite.IFACE [/var/lib/wwanbox if it exists]
	  --allow-overlap accept a subnet that overlaps another interface's
	  --json          print each lease as a JSON line on stdout

	  Links without a MAC (TUN, raw-IP qmi_wwan): the client identifier is RFC 4361 type 255
	  with a DUID-UUID made from /etc/machine-id and the interface name, or, without a
	  machine-id, from a random seed kept in the state directory, so that two modems never
	  share one (udhcpc sends all zeros there). chaddr gets a local MAC from the same hash.

	  Signals: SIGUSR1 renews now, SIGUSR2 releases (and waits for SIGUSR1), SIGTERM and
	  SIGINT remove the configuration (with -R after a RELEASE) and exit 0; with -s, as with
	  udhcpc, the script hears "deconfig" on exit only with -R.

	  Exit codes: 0 ok, 1 error or no lease (-n), 2 usage, 3 the offered subnet overlaps another
	  interface's (see --allow-overlap), 4 the interface could not be configured.
*/
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <net/if_arp.h>
#include <linux/rtnetlink.h>

#include "wwanbox.h"
#include "addr.h"
#include "applet.h"
#include "dhcp.h"
#include "fmt.h"
#include "loop.h"
#include "msg.h"
#include "netcfg.h"
#include "nl.h"
#include "out.h"

#define EXIT_OVERLAP 3
#define EXIT_CONFIG 4
#define STATE_DIR_DEFAULT "/var/lib/wwanbox"
#define SEED_LEN 16
#define INHERIT_ENV_MAX 128

extern char **environ;

static const uint8_t default_prl[] = {1, 3, 6, 12, 15, 26, 28, 42, 51, 58, 59, 119, 121};

static struct {
	struct dhcp_client c;
	struct nl nl;
	const char *ifname, *script, *pidfile, *state_dir;
	char dns_file[NETCFG_PATH_MAX];
	bool fg, bg, quit_bound, fail_exit, release, allow_overlap, json, link_set_up, daemonized;
	bool applied, keep_config;
	int exit_code;
	uint32_t metric;
	struct netcfg_cfg nc;
	struct netcfg_state ns;
	char state_path[NETCFG_PATH_MAX], blob_path[NETCFG_PATH_MAX + 8];
	uint8_t seed[SEED_LEN];
	bool have_seed, seed_saved, seed_new;
	char state_written[256];
} A;

/* ---- small helpers ---- */

static const char *ip4(char buf[ADDR_IP4_STRLEN], const uint8_t *a)
{
	fmt_ip4(buf, a);
	return buf;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)(ch | 0x20);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* "0102ab" or "01:02:ab" into out[max]; the length or -1. */
static int parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*s) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (hi < 0 || lo < 0 || n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s == ':' && s[1])
			s++;
	}
	return (int)n;
}

static void put_hex(char *dst, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		*dst++ = hx[p[i] >> 4];
		*dst++ = hx[p[i] & 15];
	}
	*dst = 0;
}

static int parse_num(const char *s, uint64_t max, uint64_t *v)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		uint8_t b[8];
		int n = parse_hex(s + 2, b, sizeof(b));
		uint64_t x = 0;

		if (n <= 0)
			return -EINVAL;
		for (int i = 0; i < n; i++)
			x = x << 8 | b[i];
		if (x > max)
			return -ERANGE;
		*v = x;
		return 0;
	}
	return parse_uint(s, 0, max, v);
}

static int write_file_atomic(const char *path, const void *data, size_t len)
{
	char tmp[NETCFG_PATH_MAX + 16];
	int fd, r = 0;

	if (fmt_buf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0)
		r = -errno ? -errno : -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

static ssize_t read_small(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/* ---- state directory: DIR/dhcp-lite.IFACE ("seed=HEX", "ip=A", "server=A" lines) ---- */

static void state_load(void)
{
	char buf[512], *line, *save = NULL;
	ssize_t n;

	if (!A.state_path[0])
		return;
	n = read_small(A.state_path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "seed=", 5) && parse_hex(line + 5, A.seed, SEED_LEN) == SEED_LEN) {
			A.have_seed = A.seed_saved = true;
		} else if (!strncmp(line, "ip=", 3) && !A.c.cfg.has_req_ip &&
			   parse_ip4(line + 3, A.c.cfg.req_ip) == 0 &&
			   dhcp_ip_unicast(A.c.cfg.req_ip)) {
			/* RFC 2131 3.2: a client that remembers its address starts in
			 * INIT-REBOOT. */
			A.c.cfg.has_req_ip = true;
			A.c.cfg.flags |= DHCP_F_INIT_REBOOT;
		}
	}
}

static void state_save(const uint8_t *ip, const uint8_t *server)
{
	char buf[256], a[ADDR_IP4_STRLEN], s[ADDR_IP4_STRLEN], seed[2 * SEED_LEN + 1] = "";
	size_t n;
	int r;

	if (!A.state_path[0])
		return;
	if (A.have_seed && A.seed_saved)
		put_hex(seed, A.seed, SEED_LEN);
	n = fmt_buf(buf, sizeof(buf), "# dhcp-lite %s\n%s%s%s", A.ifname, seed[0] ? "seed=" : "",
		    seed, seed[0] ? "\n" : "");
	if (ip && n < sizeof(buf))
		n += fmt_buf(buf + n, sizeof(buf) - n, "ip=%s\n", ip4(a, ip));
	if (server && n < sizeof(buf))
		n += fmt_buf(buf + n, sizeof(buf) - n, "server=%s\n", ip4(s, server));
	/* Rewritten only when it changes: a renew must not wear out the flash. */
	if (n >= sizeof(buf) || !strcmp(buf, A.state_written))
		return;
	r = write_file_atomic(A.state_path, buf, n);
	if (r < 0)
		msg_perr(r, "write %s", A.state_path);
	else
		memcpy(A.state_written, buf, n + 1);
}

/* A netcfg state blob beside it, so that a run that crashed is cleaned up by the next. */
static void blob_save(void)
{
	uint8_t b[NETCFG_STATE_MAX];
	int n;

	if (!A.blob_path[0])
		return;
	n = netcfg_state_save(&A.ns, b, sizeof(b));
	if (n > 0)
		write_file_atomic(A.blob_path, b, (size_t)n);
}

static void blob_cleanup(void)
{
	static uint8_t b[NETCFG_STATE_MAX];
	struct netcfg_state st;
	ssize_t n;

	if (!A.blob_path[0])
		return;
	n = read_small(A.blob_path, b, sizeof(b));
	if (n > 0 && netcfg_state_load(&st, b, (size_t)n) == 0 &&
	    !strcmp(st.ifname, A.ifname)) {
		msg_info("removing the configuration a previous run left on %s", A.ifname);
		netcfg_remove(&A.nl, &st);
	}
	unlink(A.blob_path);
}

/* ---- client identifier ---- */

static void make_seed(void)
{
	char mid[64];
	ssize_t n;

	if (A.have_seed)
		return;
	/* A stable, unique value without storage: systemd's machine-id (33 bytes). */
	n = read_small("/etc/machine-id", mid, sizeof(mid));
	if (n >= 32) {
		mid[32] = 0;
		if (parse_hex(mid, A.seed, SEED_LEN) == SEED_LEN) {
			A.have_seed = true;
			return;
		}
	}
	/* Else random, kept in the state directory (if any) so it survives restarts. */
	if (getrandom(A.seed, SEED_LEN, GRND_NONBLOCK) != SEED_LEN) {
		int64_t t = loop_now_ms() ^ (int64_t)getpid() << 32;

		memcpy(A.seed, &t, sizeof(t));
	}
	A.have_seed = true;
	A.seed_saved = A.seed_new = A.state_path[0] != 0;
	if (!A.seed_saved)
		msg_info("%s has no MAC and there is no /etc/machine-id nor --state-dir: the client "
			 "id is random and changes with every start", A.ifname);
}

static void setup_identity(const struct nl_link *link, int cid_mode, const uint8_t *cid,
			   size_t cid_len)
{
	struct dhcp_config *g = &A.c.cfg;
	static const uint8_t zero[6];
	uint8_t duid[DHCP_DUID_CLIENTID_LEN];

	g->arphrd = link->type;
	g->has_mac = link->type == ARPHRD_ETHER && link->hwaddr_len == 6 &&
		     memcmp(link->hwaddr, zero, 6);
	if (g->has_mac) {
		memcpy(g->chaddr, link->hwaddr, 6);
		g->client_id[0] = 1; /* RFC 2132 9.14: type 1 (Ethernet) + MAC, as udhcpc */
		memcpy(g->client_id + 1, link->hwaddr, 6);
		g->client_id_len = 7;
	} else {
		make_seed();
		dhcp_make_clientid(duid, g->chaddr, A.ifname, A.seed, SEED_LEN);
		memcpy(g->client_id, duid, sizeof(duid));
		g->client_id_len = sizeof(duid);
	}
	if (cid_mode == 'C')
		g->client_id_len = 0;
	else if (cid_mode == 'c') {
		memcpy(g->client_id, cid, cid_len);
		g->client_id_len = (uint8_t)cid_len;
	}
}

/* ---- options ---- */

struct args {
	int cid_mode; /* 0, 'c' (-c or -x 61), 'C' */
	uint8_t cid[DHCP_CLIENTID_MAX];
	size_t cid_len;
	bool no_default_prl;
};

static int prl_add(const char *s)
{
	struct dhcp_config *g = &A.c.cfg;
	uint64_t v;
	int code = dhcp_opt_code(s);

	if (code < 0) {
		if (parse_num(s, 254, &v) < 0 || !v)
			return -EINVAL;
		code = (int)v;
	}
	for (unsigned i = 0; i < g->n_prl; i++)
		if (g->prl[i] == code)
			return 0;
	if (g->n_prl == DHCP_PRL_MAX)
		return -ENOSPC;
	g->prl[g->n_prl++] = (uint8_t)code;
	return 0;
}

static int extra_put(uint8_t code, const void *v, size_t len)
{
	size_t off = A.c.cfg.extra_len;
	int r = dhcp_opt_put(A.c.cfg.extra, DHCP_EXTRA_MAX, &off, code, v, len);

	A.c.cfg.extra_len = (uint16_t)off;
	return r;
}

/* -x OPT:VAL, udhcpc style: the value's syntax follows the option's type. */
static int x_opt(const char *arg, struct args *a)
{
	char name[32];
	const char *colon = strchr(arg, ':'), *val;
	uint8_t buf[512];
	uint64_t v;
	int code, n = 0;
	char t;

	if (!colon || (size_t)(colon - arg) >= sizeof(name))
		return -EINVAL;
	memcpy(name, arg, (size_t)(colon - arg));
	name[colon - arg] = 0;
	val = colon + 1;
	code = dhcp_opt_code(name);
	if (code < 0) {
		if (parse_num(name, 254, &v) < 0 || !v)
			return -EINVAL;
		code = (int)v;
	}
	/* dhcp-lite writes these itself; 52 would make the server misread us. */
	if (code == 50 || code == 52 || code == 53 || code == 54 || code == 55 || code == 57)
		return -EPERM;
	t = code == DHCP_OPT_CLIENT_ID ? 'x' : dhcp_opt_type((uint8_t)code);
	if (t == 's' || t == 'h') {
		n = (int)strlen(val);
		if (n > (int)sizeof(buf))
			return -EINVAL;
		memcpy(buf, val, (size_t)n);
	} else if (t == 'i') {
		if (parse_ip4(val, buf) < 0)
			return -EINVAL;
		n = 4;
	} else if (t == '1' || t == '2' || t == '4') {
		int w = t - '0';

		if (parse_uint(val, 0, w == 4 ? 0xffffffffULL : (1ULL << (8 * w)) - 1, &v) < 0)
			return -EINVAL;
		for (int i = 0; i < w; i++)
			buf[i] = (uint8_t)(v >> (8 * (w - 1 - i)));
		n = w;
	} else {
		n = parse_hex(val, buf, sizeof(buf));
		if (n < 0)
			return -EINVAL;
	}
	if (code == DHCP_OPT_CLIENT_ID) {
		if (!n || n > DHCP_CLIENTID_MAX)
			return -EINVAL;
		a->cid_mode = 'c';
		memcpy(a->cid, buf, (size_t)n);
		a->cid_len = (size_t)n;
		return 0;
	}
	return extra_put((uint8_t)code, buf, (size_t)n);
}

enum { O_METRIC = 256, O_DNS_FILE, O_STATE_DIR, O_ALLOW_OVERLAP, O_JSON };

static const struct option long_opts[] = {
	{"interface", 1, NULL, 'i'},	  {"script", 1, NULL, 's'},
	{"pidfile", 1, NULL, 'p'},	  {"now", 0, NULL, 'n'},
	{"quit", 0, NULL, 'q'},		  {"retries", 1, NULL, 't'},
	{"timeout", 1, NULL, 'T'},	  {"tryagain", 1, NULL, 'A'},
	{"background", 0, NULL, 'b'},	  {"foreground", 0, NULL, 'f'},
	{"release", 0, NULL, 'R'},	  {"broadcast", 0, NULL, 'B'},
	{"request", 1, NULL, 'r'},	  {"request-option", 1, NULL, 'O'},
	{"no-default-options", 0, NULL, 'o'}, {"vendorclass", 1, NULL, 'V'},
	{"hostname", 1, NULL, 'H'},	  {"fqdn", 1, NULL, 'F'},
	{"clientid", 1, NULL, 'c'},	  {"clientid-none", 0, NULL, 'C'},
	{"arping", 2, NULL, 'a'},	  {"syslog", 0, NULL, 'S'},
	{"verbose", 0, NULL, 'v'},	  {"metric", 1, NULL, O_METRIC},
	{"dns-file", 1, NULL, O_DNS_FILE}, {"state-dir", 1, NULL, O_STATE_DIR},
	{"allow-overlap", 0, NULL, O_ALLOW_OVERLAP}, {"json", 0, NULL, O_JSON},
	{NULL, 0, NULL, 0},
};

static int bad_arg(int opt, const char *val)
{
	char what[96];

	fmt_buf(what, sizeof(what), "invalid argument '%s' for -%c", val, opt < 256 ? opt : '-');
	return applet_usage(what);
}

static int secs_arg(const char *s, unsigned *ms)
{
	uint64_t v;

	if (parse_uint(s, 0, 86400, &v) < 0)
		return -EINVAL;
	*ms = (unsigned)v * 1000;
	return 0;
}

static int opt_one(int o, const char *v, struct args *a)
{
	struct dhcp_config *g = &A.c.cfg;
	uint64_t n;
	uint8_t fq[260];

	switch (o) {
	case 'i': A.ifname = v; break;
	case 's': A.script = v; break;
	case 'p': A.pidfile = v; break;
	case 'n': A.fail_exit = true; break;
	case 'q': A.quit_bound = true; break;
	case 'b': A.bg = true; break;
	case 'f': A.fg = true; break;
	case 'R': A.release = true; break;
	case 'B': g->flags |= DHCP_F_BROADCAST; break;
	case 'o': a->no_default_prl = true; break;
	case 'C': a->cid_mode = 'C'; break;
	case 'S': msg_set_syslog(MSG_DEV_LOG); break;
	case 'v': msg_set_verbose(msg_verbose_level() + 1); break;
	case O_ALLOW_OVERLAP: A.allow_overlap = true; break;
	case O_STATE_DIR: A.state_dir = v; break;
	case 't':
		if (parse_uint(v, 1, 1000, &n) < 0)
			return -EINVAL;
		g->retries = (unsigned)n;
		break;
	case 'T':
		if (secs_arg(v, &g->timeout_ms) < 0 || !g->timeout_ms)
			return -EINVAL;
		break;
	case 'A':
		return secs_arg(v, &g->tryagain_ms);
	case 'a':
		g->arp_ms = 2000;
		if (v && (parse_uint(v, 1, 60000, &n) < 0))
			return -EINVAL;
		if (v)
			g->arp_ms = (unsigned)n;
		break;
	case 'r':
		if (parse_ip4(v, g->req_ip) < 0 || !dhcp_ip_unicast(g->req_ip))
			return -EINVAL;
		g->has_req_ip = true;
		g->flags |= DHCP_F_INIT_REBOOT;
		break;
	case 'x': return x_opt(v, a);
	case 'O': return prl_add(v);
	case 'V': return *v ? extra_put(DHCP_OPT_VENDOR, v, strlen(v)) : 0;
	case 'H': return extra_put(DHCP_OPT_HOSTNAME, v, strlen(v));
	case 'F':
		/* RFC 4702 2: flags (S: the server updates A and PTR), two deprecated rcodes, the
		 * name in ASCII (as udhcpc -F). */
		n = strlen(v);
		if (n > sizeof(fq) - 3)
			return -EINVAL;
		fq[0] = 1;
		fq[1] = fq[2] = 0;
		memcpy(fq + 3, v, n);
		return extra_put(DHCP_OPT_FQDN, fq, n + 3);
	case 'c': {
		int len = strchr(v, ':') ? parse_hex(v, a->cid, sizeof(a->cid)) : -1;

		if (len < 0) { /* text: type 0 (RFC 2132 9.14) */
			len = (int)strlen(v) + 1;
			if (len > (int)sizeof(a->cid) || len < 2)
				return -EINVAL;
			a->cid[0] = 0;
			memcpy(a->cid + 1, v, (size_t)len - 1);
		}
		if (!len)
			return -EINVAL;
		a->cid_mode = 'c';
		a->cid_len = (size_t)len;
		break;
	}
	case O_METRIC:
		if (parse_uint(v, 0, 0xffffffffULL, &n) < 0)
			return -EINVAL;
		A.metric = (uint32_t)n;
		break;
	case O_DNS_FILE:
		if (strlen(v) >= sizeof(A.dns_file))
			return -ENAMETOOLONG;
		strcpy(A.dns_file, v);
		break;
	case O_JSON:
		if (!CFG_FEATURE_JSON)
			return -EOPNOTSUPP;
		A.json = true;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int o, r;

	A.ifname = "eth0";
	strcpy(A.dns_file, "/etc/resolv.conf");
	A.c.cfg.retries = 3;
	A.c.cfg.timeout_ms = 3000;
	A.c.cfg.tryagain_ms = 20000;
	while ((o = getopt_long(argc, argv, "+i:s:p:nqt:T:A:bfRBr:x:O:oV:H:F:c:Ca::Sv", long_opts,
				NULL)) != -1) {
		if (o == '?')
			return applet_usage("unknown option");
		r = opt_one(o, optarg, a);
		if (r == -EOPNOTSUPP)
			return applet_usage("--json is not in this build (FEATURE_JSON)");
		if (r == -EPERM)
			return applet_usage("-x: options 50, 52-55 and 57 are set by dhcp-lite itself");
		if (r < 0)
			return bad_arg(o, optarg ? optarg : "");
	}
	if (optind != argc)
		return applet_usage("unexpected argument");
	if (nl_ifname_check(A.ifname) < 0)
		return bad_arg('i', A.ifname);
	if (!a->no_default_prl)
		for (unsigned i = 0; i < sizeof(default_prl); i++) {
			char num[4];

			fmt_buf(num, sizeof(num), "%u", default_prl[i]);
			prl_add(num);
		}
	return 0;
}

/* ---- the script (-s) ---- */

/* Inherited variables stay, unless we might set one of the same name. */
static bool ours(const char *e)
{
	static const char *const names[] = {"interface", "ip", "siaddr", "boot_file", "sname",
					    "mask"};
	char name[32];
	size_t n = strcspn(e, "=");

	if (n >= sizeof(name))
		return false;
	memcpy(name, e, n);
	name[n] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(names[i], name))
			return true;
	if (!strncmp(name, "opt", 3) && n > 3 && strspn(name + 3, "0123456789") == n - 3)
		return true;
	return dhcp_opt_code(name) >= 0;
}

static void run_script(const char *event, const struct dhcp_msg *m)
{
	static char buf[DHCP_ENV_MAX];
	static char *envp[DHCP_ENV_VARS + INHERIT_ENV_MAX + 1];
	char *argv[] = {(char *)A.script, (char *)event, NULL};
	int n = dhcp_env(m, A.ifname, buf, sizeof(buf), envp, DHCP_ENV_VARS + 1), st;
	pid_t pid;

	if (n < 0) {
		msg_err("%s: the options did not all fit in the environment", event);
		for (n = 0; envp[n]; n++)
			;
	}
	for (char **e = environ; e && *e && n < (int)ARRAY_SIZE(envp) - 1; e++)
		if (!ours(*e))
			envp[n++] = *e;
	envp[n] = NULL;
	msg_verbose("running %s %s", A.script, event);
	pid = fork();
	if (pid < 0) {
		msg_perr(errno, "fork");
		return;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL); /* an ignored signal stays ignored across execve */
		execve(A.script, argv, envp);
		_exit(127);
	}
	/* Synchronous, as udhcpc: the timers are absolute, so its run time is not lost. */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

/* ---- configuring the interface ---- */

static void lease_cfg(const struct dhcp_lease *l, struct netcfg_cfg *n)
{
	bool def = false;

	memset(n, 0, sizeof(*n));
	strcpy(n->ifname, A.ifname);
	strcpy(n->dns_file, A.dns_file);
	n->metric = A.metric;
	n->protocol = RTPROT_DHCP;
	n->has_addr4 = true;
	memcpy(n->addr4, l->addr, 4);
	n->prefix4 = l->prefix;
	n->has_brd4 = l->has_brd;
	memcpy(n->brd4, l->brd, 4);
	n->mtu = l->mtu;
	if (l->has_classless) {
		/* RFC 3442: with option 121 the client MUST ignore option 3; its 0/0 entry (the
		 * first one) is the default route. */
		for (unsigned i = 0; i < l->n_routes; i++) {
			const struct dhcp_route *r = &l->routes[i];
			struct netcfg_route *nr = &n->routes[n->n_routes];

			if (r->prefix == 0) {
				n->has_gw4 = !def && dhcp_ip_unicast(r->gw);
				if (!def)
					memcpy(n->gw4, r->gw, 4);
				def = true;
				continue;
			}
			nr->family = AF_INET;
			nr->prefix = r->prefix;
			memcpy(nr->dst, r->dst, 4);
			nr->has_gw = dhcp_ip_unicast(r->gw);
			memcpy(nr->gw, r->gw, 4);
			n->n_routes++;
		}
	} else if (l->has_router) {
		def = n->has_gw4 = true;
		memcpy(n->gw4, l->router, 4);
	}
	if (!def)
		n->flags |= NETCFG_F_NO_DEFAULT4;
	n->n_dns4 = l->n_dns;
	memcpy(n->dns4, l->dns, sizeof(n->dns4));
	strcpy(n->domain, l->domain);
}

static const char *ifname_of(int ifindex, char *buf)
{
	struct nl_link link;

	if (nl_link_get(&A.nl, ifindex, NULL, &link) < 0)
		fmt_buf(buf, IFNAMSIZ + 8, "ifindex %d", ifindex);
	else
		memcpy(buf, link.name, IFNAMSIZ);
	return buf;
}

/* Never replace a better default route silently (netcfg never replaces any): say it. */
static void report_default(void)
{
	char gw[ADDR_IP4_STRLEN], name[IFNAMSIZ + 8];
	struct nl_route best;

	if (A.ns.flags & NETCFG_S_DEFAULT4_EXISTS) {
		bool known = nl_route_best_default(&A.nl, AF_INET, A.ns.ifindex, &best) == 1 &&
			     best.metric == A.metric;

		msg_info("default route via %s not added: %s already has a default route with "
			 "metric %u; use --metric to put ours behind it",
			 ip4(gw, A.nc.gw4), known ? ifname_of(best.oif, name) : "another interface",
			 A.metric);
	}
	if (A.ns.flags & NETCFG_S_SHADOWED4)
		msg_info("default route via %s added with metric %u, but %s has one with metric "
			 "%u, which stays in use",
			 ip4(gw, A.nc.gw4), A.metric, ifname_of(A.ns.shadow_oif[0], name),
			 A.ns.shadow_metric[0]);
}

static void deconfigure(void)
{
	int r;

	if (!A.applied)
		return;
	r = netcfg_remove(&A.nl, &A.ns);
	if (r < 0)
		msg_perr(r, "remove the configuration of %s", A.ifname);
	A.applied = false;
	if (A.blob_path[0])
		unlink(A.blob_path);
}

static int configure(const struct dhcp_lease *l)
{
	struct netcfg_cfg n;
	int r;

	lease_cfg(l, &n);
	if (A.applied && !memcmp(&n, &A.nc, sizeof(n)))
		return 0; /* a renew that changed nothing */
	deconfigure();
	A.nc = n;
	r = netcfg_apply(&A.nl, &A.nc, &A.ns);
	if (r < 0) {
		msg_perr(r, "%s: %s", A.ifname, netcfg_step_name(A.ns.err_step));
		return r;
	}
	A.applied = true;
	blob_save();
	report_default();
	return 0;
}

/* ---- messages about a lease ---- */

static void report_warnings(const struct dhcp_lease *l)
{
	static const char *const w[] = {
		"MTU (option 26) below 68 ignored",
		"unusable DNS servers dropped",
		"malformed classless routes (option 121) ignored; using the router option",
		"more than 16 classless routes: the rest dropped",
		"classless routes with an unusable gateway dropped",
		"domain name with invalid characters ignored",
		"inconsistent T1/T2 (options 58/59): RFC 2131 defaults used",
		"no lease time (option 51): 3600 s assumed",
		"no subnet mask (option 1): classful mask assumed",
		"broadcast address outside the subnet ignored",
	};
	char a[ADDR_IP4_STRLEN];

	for (unsigned i = 0; i < ARRAY_SIZE(w); i++)
		if (l->warn & (1U << i))
			msg_info("lease of %s: %s", ip4(a, l->addr), w[i]);
}

struct overlap {
	const uint8_t *addr;
	uint8_t prefix;
	int ifindex;
	struct nl_ifaddr hit;
};

static int overlap_cb(const struct nl_ifaddr *a, void *arg)
{
	struct overlap *o = arg;
	unsigned p = MIN(a->prefixlen, o->prefix);
	uint32_t m = p ? 0xffffffffU << (32 - p) : 0;

	if (a->family != AF_INET || a->ifindex == o->ifindex ||
	    ((get_be32(a->local) ^ get_be32(o->addr)) & m))
		return 0;
	o->hit = *a;
	return -EEXIST;
}

/* A subnet that overlaps another interface's (a phone handing out 192.168.1.x to a router
 * whose LAN is 192.168.1.0/24) would steal or lose the routes to one of them. */
static bool overlap_refused(const struct dhcp_lease *l)
{
	struct overlap o = {l->addr, l->prefix, A.c.cfg.ifindex, {0}};
	char a[ADDR_IP4_STRLEN], net[ADDR_IP4_STRLEN], their[ADDR_IP4_STRLEN], name[IFNAMSIZ + 8];
	uint8_t nb[4];

	if (nl_addr_dump(&A.nl, AF_INET, overlap_cb, &o) != -EEXIST)
		return false;
	put_be32(nb, get_be32(l->addr) & get_be32(l->mask));
	msg_err("the offered address %s/%u (subnet %s/%u) overlaps %s/%u on %s: traffic for one "
		"of the two networks would go to the wrong interface%s",
		ip4(a, l->addr), l->prefix, ip4(net, nb), l->prefix, ip4(their, o.hit.local),
		o.hit.prefixlen, ifname_of(o.hit.ifindex, name),
		A.allow_overlap ? "; accepted (--allow-overlap)"
				: "; declined (--allow-overlap accepts it)");
	if (A.allow_overlap)
		return false;
	A.exit_code = EXIT_OVERLAP;
	loop_quit();
	return true;
}

static void print_json(const struct dhcp_lease *l, const char *event)
{
	struct out o;
	char key[8], buf[24], d[ADDR_IP4_STRLEN];

	if (!CFG_FEATURE_JSON || !A.json)
		return;
	out_init(&o, 1, OUT_JSON);
	out_str(&o, "event", event, 0);
	out_str(&o, "interface", A.ifname, 0);
	out_obj_begin(&o, "ipv4");
	out_ip4(&o, "ip", l->addr);
	out_uint(&o, "prefix", l->prefix);
	out_ip4(&o, "subnet", l->mask);
	if (l->has_brd)
		out_ip4(&o, "broadcast", l->brd);
	if (A.nc.has_gw4)
		out_ip4(&o, "gateway", A.nc.gw4);
	for (unsigned i = 0; i < l->n_dns; i++) {
		fmt_buf(key, sizeof(key), "dns%u", i + 1);
		out_ip4(&o, key, l->dns[i]);
	}
	out_obj_end(&o);
	if (l->mtu)
		out_uint(&o, "mtu", l->mtu);
	if (l->domain[0])
		out_str(&o, "domain", l->domain, 0);
	out_ip4(&o, "server", l->server);
	out_uint(&o, "lease", l->lease_s);
	if (l->lease_s != DHCP_LEASE_INFINITE) {
		out_uint(&o, "t1", l->t1_ms / 1000);
		out_uint(&o, "t2", l->t2_ms / 1000);
	}
	out_arr_begin(&o, "routes");
	for (unsigned i = 0; i < A.nc.n_routes; i++) {
		const struct netcfg_route *r = &A.nc.routes[i];

		out_obj_begin(&o, NULL);
		fmt_buf(buf, sizeof(buf), "%s/%u", ip4(d, r->dst), r->prefix);
		out_str(&o, "dst", buf, 0);
		if (r->has_gw)
			out_ip4(&o, "gw", r->gw);
		out_obj_end(&o);
	}
	out_arr_end(&o);
	out_finish(&o);
}

/* ---- process ---- */

static void write_pidfile(void)
{
	char b[16];
	size_t n;

	if (!A.pidfile)
		return;
	n = fmt_buf(b, sizeof(b), "%d\n", (int)getpid());
	if (write_file_atomic(A.pidfile, b, n) < 0)
		msg_perr(errno, "write %s", A.pidfile);
}

static void daemonize(void)
{
	pid_t pid;
	int fd;

	if (A.fg || A.daemonized)
		return;
	pid = fork();
	if (pid < 0) {
		msg_perr(errno, "fork");
		return;
	}
	if (pid > 0)
		_exit(0); /* the parent leaves everything to the child */
	setsid();
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	if (chdir("/") < 0)
		msg_perr(errno, "chdir /");
	A.daemonized = true;
	write_pidfile();
}

/* ---- events from the client ---- */

static int on_bound(struct dhcp_client *c, bool renew)
{
	const struct dhcp_lease *l = &c->lease;
	char a[ADDR_IP4_STRLEN], s[ADDR_IP4_STRLEN];

	if (!renew && overlap_refused(l))
		return -1;
	msg_info("lease of %s obtained from %s, lease time %u%s", ip4(a, l->addr),
		 ip4(s, l->server), l->lease_s, renew ? " (renewed)" : "");
	report_warnings(l);
	if (A.script) {
		run_script(renew ? "renew" : "bound", &c->rx);
	} else if (configure(l) < 0) {
		if (!renew) {
			A.exit_code = EXIT_CONFIG;
			loop_quit();
			return -1;
		}
	}
	if (A.script)
		lease_cfg(l, &A.nc); /* for --json */
	print_json(l, renew ? "renew" : "bound");
	state_save(l->addr, l->server);
	if (A.quit_bound) {
		A.keep_config = true;
		loop_quit();
	} else if (!renew) {
		daemonize();
	}
	return 0;
}

static void on_deconfig(struct dhcp_client *c)
{
	static const char *const why[] = {"", "expired", "refused by the server (NAK)", "released",
					  "replaced by a new address", "refused"};
	char a[ADDR_IP4_STRLEN];

	if (A.script)
		run_script("deconfig", NULL);
	else
		deconfigure();
	msg_info("lease of %s %s", ip4(a, c->lease.addr),
		 c->why > 0 && c->why < (int)ARRAY_SIZE(why) ? why[c->why] : "lost");
	if (c->why == DHCP_WHY_NAK || c->why == DHCP_WHY_RELEASED)
		state_save(NULL, NULL);
}

/* udhcpc's wording, so logs read the same. */
static void on_tx(struct dhcp_client *c)
{
	char a[ADDR_IP4_STRLEN], s[ADDR_IP4_STRLEN];

	if (c->err < 0) {
		msg_perr(c->err, "send %s on %s", dhcp_type_name(c->tx_type), A.ifname);
		return;
	}
	if (c->tx_type == DHCPRELEASE)
		msg_verbose("sending release for %s to server %s", ip4(a, c->lease.addr),
			    ip4(s, c->lease.server));
	else if (c->tx_type == DHCPDECLINE)
		msg_verbose("broadcasting decline for %s", ip4(a, c->cand.addr));
	else if (c->tx_type == DHCPDISCOVER)
		msg_verbose("broadcasting discover");
	else if (c->state == DHCP_S_REQUESTING)
		msg_verbose("broadcasting select for %s, server %s", ip4(a, c->cand.addr),
			    ip4(s, c->cand.server));
	else if (c->state == DHCP_S_REBOOTING)
		msg_verbose("broadcasting request for %s (init-reboot)", ip4(a, c->cfg.req_ip));
	else if (c->state == DHCP_S_RENEWING)
		msg_verbose("sending renew to server %s", ip4(s, c->lease.server));
	else
		msg_verbose("broadcasting rebind");
}

static void on_error(struct dhcp_client *c)
{
	struct nl_link link;

	msg_perr(c->err, "%s", A.ifname);
	if (nl_link_get(&A.nl, A.c.cfg.ifindex, NULL, &link) < 0) {
		msg_err("interface %s is gone", A.ifname);
		A.exit_code = 1;
		loop_quit();
	}
}

static int on_event(struct dhcp_client *c, enum dhcp_event ev)
{
	char a[ADDR_IP4_STRLEN], s[ADDR_IP4_STRLEN];
	size_t len;
	const uint8_t *m;

	switch (ev) {
	case DHCP_EV_TX:
		on_tx(c);
		break;
	case DHCP_EV_OFFER:
		msg_verbose("received offer of %s from %s", ip4(a, c->cand.addr),
			    ip4(s, c->cand.server));
		return overlap_refused(&c->cand) ? -1 : 0;
	case DHCP_EV_BOUND:
	case DHCP_EV_RENEW:
		return on_bound(c, ev == DHCP_EV_RENEW);
	case DHCP_EV_DECONFIG:
		on_deconfig(c);
		break;
	case DHCP_EV_NAK:
		m = dhcp_opt(&c->rx.opts, DHCP_OPT_MESSAGE, &len);
		msg_info("received NAK from %s%s%.*s", ip4(s, c->rx.src), m ? ": " : "",
			 m ? (int)MIN(len, 200) : 0, m ? (const char *)m : "");
		if (A.script)
			run_script("nak", &c->rx);
		break;
	case DHCP_EV_LEASEFAIL:
		msg_info("no lease on %s after %u discovers", A.ifname, c->cfg.retries);
		if (A.script)
			run_script("leasefail", NULL);
		if (A.fail_exit && !A.bg) {
			A.exit_code = 1;
			loop_quit();
		} else if (A.bg) {
			A.fg = false;
			daemonize();
		}
		break;
	case DHCP_EV_REFUSED:
		msg_err("refusing the %s of %s from %s: %s", dhcp_type_name(c->rx.type),
			ip4(a, c->rx.yiaddr), ip4(s, c->rx.src), dhcp_reject_str(c->reason));
		break;
	case DHCP_EV_CONFLICT:
		msg_err("address %s is in use by %02x:%02x:%02x:%02x:%02x:%02x: declined",
			ip4(a, c->cand.addr), c->conflict_mac[0], c->conflict_mac[1],
			c->conflict_mac[2], c->conflict_mac[3], c->conflict_mac[4],
			c->conflict_mac[5]);
		break;
	case DHCP_EV_MALFORMED:
		msg_verbose("ignored a malformed packet (%lu so far)", c->stats.malformed);
		break;
	case DHCP_EV_ERROR:
		on_error(c);
		break;
	}
	return 0;
}

/* ---- signals ---- */

static void on_term(int sig)
{
	msg_verbose("received %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	loop_quit();
}

static void on_usr1(int sig)
{
	(void)sig;
	msg_info("renewing (SIGUSR1)");
	dhcp_client_renew(&A.c);
}

static void on_usr2(int sig)
{
	(void)sig;
	msg_info("releasing (SIGUSR2)");
	dhcp_client_release(&A.c);
}

/* ---- main ---- */

static int setup_link(struct nl_link *link)
{
	int r = nl_link_get(&A.nl, 0, A.ifname, link);

	if (r < 0) {
		msg_perr(r, "interface %s", A.ifname);
		return 1;
	}
	if (!(link->flags & IFF_UP)) {
		r = nl_link_set_up(&A.nl, link->ifindex, true);
		if (r < 0) {
			msg_perr(r, "set %s up", A.ifname);
			return 1;
		}
		A.link_set_up = true;
	}
	A.c.cfg.ifindex = link->ifindex;
	strcpy(A.c.cfg.ifname, A.ifname);
	A.c.cfg.max_msg = (uint16_t)MIN(link->mtu, DHCP_IP_MAX);
	return 0;
}

static void setup_state_dir(void)
{
	struct stat sb;
	const char *d = A.state_dir;

	if (!d && stat(STATE_DIR_DEFAULT, &sb) == 0 && S_ISDIR(sb.st_mode))
		d = STATE_DIR_DEFAULT;
	if (!d || !*d)
		return;
	if (fmt_buf(A.state_path, sizeof(A.state_path), "%s/dhcp-lite.%s", d, A.ifname) >=
	    sizeof(A.state_path)) {
		A.state_path[0] = 0;
		return;
	}
	fmt_buf(A.blob_path, sizeof(A.blob_path), "%s.netcfg", A.state_path);
}

static void finish(void)
{
	bool bound = A.c.state >= DHCP_S_BOUND && A.c.state <= DHCP_S_REBINDING;

	if (bound && A.release) {
		dhcp_client_release(&A.c); /* RELEASE, then the deconfig event */
	} else if (bound && !A.keep_config) {
		/* udhcpc leaves a script's configuration alone on exit unless -R; the built-in
		 * configuration is ours to remove. */
		if (!A.script)
			deconfigure();
	}
	dhcp_client_stop(&A.c);
	if (A.link_set_up && !(A.keep_config && !A.release))
		nl_link_set_up(&A.nl, A.c.cfg.ifindex, false);
	if (A.pidfile)
		unlink(A.pidfile);
}

int dhcp_lite_main(int argc, char **argv)
{
	struct args a = {0};
	struct nl_link link;
	int r;

	msg_set_applet("dhcp-lite");
	r = parse_args(argc, argv, &a);
	if (r)
		return r;
	if (A.json)
		msg_set_info_fd(2);
	if (A.script && access(A.script, X_OK) < 0) {
		msg_perr(errno, "script %s", A.script);
		return 1;
	}
	r = nl_open(&A.nl);
	if (r < 0) {
		msg_perr(r, "netlink");
		return 1;
	}
	if (setup_link(&link))
		return 1;
	setup_state_dir();
	state_load();
	setup_identity(&link, a.cid_mode, a.cid, a.cid_len);
	if (A.seed_new)
		state_save(A.c.cfg.has_req_ip ? A.c.cfg.req_ip : NULL, NULL);
	A.c.cb = on_event;
	loop_signal(SIGTERM, on_term);
	loop_signal(SIGINT, on_term);
	loop_signal(SIGUSR1, on_usr1);
	loop_signal(SIGUSR2, on_usr2);
	signal(SIGPIPE, SIG_IGN);
	write_pidfile();
	if (A.script)
		run_script("deconfig", NULL);
	else
		blob_cleanup();
	r = dhcp_client_start(&A.c);
	if (r < 0) {
		msg_perr(r, "start DHCP on %s", A.ifname);
		finish();
		return 1;
	}
	r = loop_run();
	if (r < 0)
		msg_perr(r, "event loop");
	finish();
	return A.exit_code;
}
