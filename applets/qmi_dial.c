/* qmi_dial.c - bring up a QMI data session, configure the interface, and keep it up.
USE_QMI_DIAL(APPLET(qmi_dial))

config QMI_DIAL
	bool "qmi-dial: dial over QMI, configure the link, supervise (~50 KB with its core)"
	default y
	select CORE_QMI_CLIENT
	select CORE_NETCFG
	select CORE_OUT
	help
	  usage: qmi-dial [-d DEV] [-i IFACE] [--apn APN] [--auth none|pap|chap|both]
	  [--user U] [--password-file F] [--pin-file F] [--ip 4|6|4v6] [--profile N]
	  [--metric N] [--no-netconfig | --script PROG] [--dns-file F] [--state-dir DIR]
	  [--timeout SEC] [--once] [--json] [-v] [-S] [-p] [up|down|status]

	  Bring a modem online over QMI and keep it online (up, the default), end a
	  session left up by --once (down), or show the modem's state (status).

	  up: check the SIM (PIN), wait for registration, set raw-IP, start the data
	  call(s), read the settings and configure IFACE: addresses, default routes
	  with --metric (never replacing another interface's), MTU and DNS. Then stay
	  in the foreground: a lost call is redialled (1 s doubling to 60 s); SIGTERM
	  or SIGINT ends the calls, releases the client ids and removes exactly what
	  was configured.

	  -d DEV           cdc-wdm device, pty or unix socket (default: the first
	                   cdc-wdm bound to qmi_wwan in /sys/class/usbmisc)
	  -i IFACE         network interface (default: the netdev beside DEV)
	  -p               talk through libqmi's qmi-proxy (ModemManager owns DEV)
	  --apn APN        access point name (default: the modem's profile)
	  --auth T         none, pap, chap or both (default: both when --user is set)
	  --user U         username
	  --password-file F  the password, or $WWANBOX_PASSWORD; never printed
	  --pin-file F     the SIM PIN, or $WWANBOX_PIN; never printed. Not tried
	                   when only one attempt is left.
	  --ip 4|6|4v6     IP versions (default 4); 4v6 dials one call per version
	  --profile N      3GPP profile index for the call
	  --metric N       metric of the default routes (default 700)
	  --no-netconfig   configure no interface (none is needed)
	  --script PROG    run PROG bound|deconfig with udhcpc's environment instead
	  --dns-file F     DNS servers go to F (default /etc/resolv.conf, restored
	                   afterwards); --dns-file '' writes none
	  --state-dir DIR  session records for down and status (default /run/wwanbox)
	  --timeout SEC    deadline of the whole up, down or status (default 60)
	  --once           exit 0 once connected and configured; the session stays up
	  --json           settings and status as JSON
	  -v               log every QMI message (secrets masked)
	  -S               log to syslog too

	  Exit codes: 0 ok, 1 error, 2 usage, 3 no device, 4 SIM missing or unusable,
	  5 SIM PIN required but none given, 6 PIN wrong or blocked, 7 not registered,
	  8 call failed, 9 timeout (the modem did not answer), 10 client ids exhausted.
*/
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wwanbox.h"
#include "addr.h"
#include "applet.h"
#include "fmt.h"
#include "loop.h"
#include "msg.h"
#include "netcfg.h"
#include "nl.h"
#include "out.h"
#include "qmi.h"
#include "qmi_client.h"
#include "qmi_msg.h"

enum {
	EX_OK,
	EX_ERR,
	EX_USAGE,
	EX_NODEV,
	EX_SIM,
	EX_PINREQ,
	EX_PIN,
	EX_NOREG,
	EX_CALL,
	EX_TIMEOUT,
	EX_CIDS,
	/* internal outcomes, never an exit status */
	EX_STOP = 100, /* SIGTERM/SIGINT */
	EX_RESET,      /* the modem dropped our client ids (CTL Sync indication) */
	EX_GONE,       /* the device vanished */
	EX_WAIT,       /* SIM not ready yet: ask again */
};

#define T_REQ 2000 /* ms per attempt; 2 retries */
/* The first request (versions): a modem that dozed off loses it (Quectel EM12, SIM7600), so
 * its timeout is short and it has 3 retries; a late answer to an earlier copy still counts. */
#define T_WAKE 750
#define T_CALL 20000	     /* Start Network: the network may take long; 1 retry */
#define T_STOP 1500	     /* Stop Network at teardown, all at once, no retry */
#define T_RELEASE 1000	     /* every Release Client ID at teardown, together, no retry */
#define T_RELEASE_WEDGED 250 /* the same when Stop Network went unanswered */
#define T_HOOK 30000	     /* --script */
#define SIM_POLL_MS 1000     /* asking again while the SIM initialises */
#define BACKOFF_MIN 1000
#define BACKOFF_MAX 60000
#define STABLE_MS 60000 /* a call that lasted this long resets the backoff */
/* NetworkManager's default for WWAN: above Ethernet (100) and Wi-Fi (600), so a LAN uplink
 * keeps priority and the modem is the fallback (quectel-CM's metric 0 hijacked them). */
#define DEFAULT_METRIC 700
#define DEFAULT_TIMEOUT 60
#define RX_MAX 2048
#define PIN_MAX 9      /* 3GPP TS 31.101 §9: PIN 4..8 digits */
#define SECRET_MAX 128 /* password */
#define STATE_MAX 8192
#define UIM_PIN_UPIN 3 /* QmiUimPinId: 1 PIN1, 2 PIN2, 3 UPIN */
#define QERR_NO_EFFECT 0x1A
#define QERR_CALL_FAILED 0x0E
#define QERR_INCORRECT_PIN 0x0C
#define QERR_PIN_BLOCKED 0x23
#define QERR_PIN_PERM_BLOCKED 0x24
#define QERR_UIM_UNINIT 0x25
#define QERR_NOT_READY 0x34
#define QERR_INVALID_CMD 0x47
#define QERR_NOT_SUPPORTED 0x5E
#define QERR_NO_SIM 0x66
#define QERR_CIDS 0x05
#define QERR_INVALID_CID 0x07

/* Data calls: [0] IPv4, [1] IPv6; a build without IPv6 loops over the first only. */
#define NFAM (CFG_FEATURE_IPV6 ? 2 : 1)

enum { EV_STOP = 1U << 0, EV_DROP = 1U << 1, EV_RESET = 1U << 2, EV_GONE = 1U << 3 };
enum { CMD_UP, CMD_DOWN, CMD_STATUS };
enum { SIM_READY, SIM_INIT, SIM_ABSENT, SIM_ERROR, SIM_PIN, SIM_PUK, SIM_BLOCKED, SIM_ILLEGAL };

/* One data call: IPv4 or IPv6, on its own WDS client (QMI binds a WDS client to one family). */
struct fam {
	bool want, up, dropped, adopted;
	uint8_t cid;
	uint8_t family; /* QMI_IP_FAMILY_V4 / _V6 */
	uint32_t pdh;	/* packet data handle; 0xFFFFFFFF = the call was already up */
	struct qmi_wds_settings set;
	struct qmi_wds_call_end end;
	struct qmic_ind ind;
	struct qmic_req req;
	struct qmi_msg m;
	uint8_t tx[256];
	uint8_t rx[RX_MAX];
};

struct sim {
	uint8_t state; /* SIM_* */
	uint8_t verify_left, unblock_left, pin_id, card_error, app_state;
};

struct dial {
	/* options */
	const char *dev, *apn, *user, *script, *dns_file, *state_dir;
	char ifname[IFNAMSIZ];
	char password[SECRET_MAX], pin[PIN_MAX + 1];
	uint8_t auth, profile;
	uint32_t metric;
	int timeout_s, cmd;
	bool no_netconfig, once, json, proxy, want_v4, want_v6;
	/* session */
	char devpath[PATH_MAX];
	char state_path[PATH_MAX];
	int64_t deadline, connected_at;
	unsigned events;
	bool have_uim, have_wda, use_dms, pin_tried, configured, hooked, nl_open;
	uint8_t cid_nas, cid_dms, cid_uim, cid_wda;
	struct qmi_nas_serving srv;
	bool srv_new, state_saved;
	struct qmic_ind srv_ind;
	struct fam fam[2]; /* [0] IPv4, [1] IPv6 */
	struct netcfg_cfg cfg;
	struct netcfg_state st;
	struct qmic_req req;
	struct qmi_msg m;
	uint8_t tx[512];
	uint8_t rx[RX_MAX];
	struct nl nl;
	struct qmic cl;
};

static struct dial *D; /* for the loop's callbacks */

#define container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

/* ======================================== logging ======================================= */

static const char *svc_name(uint8_t s)
{
	switch (s) {
	case QMI_SVC_CTL:
		return "CTL";
	case QMI_SVC_WDS:
		return "WDS";
	case QMI_SVC_DMS:
		return "DMS";
	case QMI_SVC_NAS:
		return "NAS";
	case QMI_SVC_UIM:
		return "UIM";
	case QMI_SVC_WDA:
		return "WDA";
	default:
		return "svc";
	}
}

/* -v: one line per QMI message, "qmi -> NAS/3 #4711 0x0024: 01=0102..." with the secrets of
 * requests masked first (qmi_redact works on a copy: the frame on the wire stays intact). */
static void on_trace(struct qmic *cl, enum qmic_trace what, const uint8_t *frame, size_t len)
{
	static const char *const dir[] = {"->", "<-", "<~", "xx"};
	uint8_t copy[1024];
	char line[MSG_MAX];
	struct qmi_msg m;
	const uint8_t *v;
	uint16_t l;
	size_t pos = 0, n;
	uint8_t t;

	(void)cl;
	if (msg_verbose_level() < 1)
		return;
	if (len > sizeof(copy) || qmi_parse(memcpy(copy, frame, len), len, &m) < 0) {
		msg_verbose("qmi %s %zu bytes (not a QMI frame)", dir[what], len);
		return;
	}
	qmi_redact(copy, len);
	n = fmt_buf(line, sizeof(line), "qmi %s %s/%u #%u 0x%04x%s:", dir[what],
		    svc_name(m.service), m.client_id, m.tid, m.msg_id,
		    m.type == QMI_IND	? " ind"
		    : m.type == QMI_RSP ? " rsp"
					: "");
	while (n < sizeof(line) && qmi_tlv_next(&m, &pos, &t, &v, &l)) {
		n += fmt_buf(line + n, sizeof(line) - n, " %02x=", t);
		for (uint16_t i = 0; i < l && i < 32 && n < sizeof(line); i++)
			n += fmt_buf(line + n, sizeof(line) - n, "%02x", v[i]);
		if (l > 32 && n < sizeof(line))
			n += fmt_buf(line + n, sizeof(line) - n, "..");
	}
	msg_verbose("%s", line);
}

static void log_counts(const char *when)
{
	const struct qmic_stats *s = &D->cl.stats;

	msg_verbose(
		"qmi %s: %lu requests (%lu retries), %lu responses, %lu indications, %lu dropped",
		when, s->tx, s->retries, s->rsp, s->ind, s->dropped);
}

/* ======================================== requests ====================================== */

static int64_t left_ms(void)
{
	return D->deadline - loop_now_ms();
}

/* A client-side failure of a request: say what and why, and the outcome. */
static int req_fail(int err, const char *what)
{
	if (D->events & EV_STOP || err == -EINTR)
		return EX_STOP;
	switch (err) {
	case -ETIMEDOUT:
		if (left_ms() <= 0)
			msg_err("%s: no answer within the deadline (%d s)", what, D->timeout_s);
		else
			msg_err("%s: no answer from the modem", what);
		return EX_TIMEOUT;
	case -ECONNRESET: /* said by the caller of up_once */
		return EX_RESET;
	case -ENODEV:
		msg_err("%s: the device is gone", what);
		return EX_GONE;
	default:
		msg_perr(err, "%s", what);
		return EX_ERR;
	}
}

/* The modem answered, but not with success (decoder result err, QMI error qerr). "Invalid
 * client ID" means the modem forgot our client ids (it reset, or another program sent Sync):
 * like a Sync indication, the session must start over. */
static int qmi_fail(int err, uint16_t qerr, const char *what)
{
	const char *s = qmi_strerror(qerr);

	if (err == -EREMOTEIO && qerr == QERR_INVALID_CID) {
		msg_err("%s: the modem no longer knows our client id", what);
		D->events |= EV_RESET;
		return EX_RESET;
	}

	if (err == -EREMOTEIO && s)
		msg_err("%s: %s", what, s);
	else if (err == -EREMOTEIO)
		msg_err("%s: QMI error 0x%04x", what, qerr);
	else
		msg_err("%s: malformed response", what);
	return qerr == QERR_CIDS && err == -EREMOTEIO ? EX_CIDS : EX_ERR;
}

static void req_init(struct qmic_req *r, uint8_t *tx, int n, int timeout, int retries, uint8_t *rx,
		     size_t rx_size, struct qmi_msg *m)
{
	memset(r, 0, sizeof(*r));
	r->frame = tx;
	r->len = n > 0 ? (size_t)n : 0;
	r->timeout_ms = (int)MAX(1, MIN((int64_t)timeout, left_ms()));
	r->retries = (uint8_t)retries;
	r->rsp = rx;
	r->rsp_size = rx_size;
	r->msg = m;
}

/* Send reqs[0..n) at once and wait for all (at most until the deadline). 0 when every one got
 * a response (to be decoded), else the outcome of the first failure. */
static int send_wait(struct qmic_req **reqs, size_t n, const char *what)
{
	size_t sent = 0;
	int err = 0, r;

	if (D->events & EV_STOP)
		return EX_STOP;
	if (D->events & EV_RESET) /* a Sync indication came while we were busy elsewhere */
		return EX_RESET;
	if (left_ms() <= 0)
		return req_fail(-ETIMEDOUT, what);
	for (; sent < n; sent++) {
		if (!reqs[sent]->len) {
			err = -EMSGSIZE;
			break;
		}
		err = qmic_send(&D->cl, reqs[sent]);
		if (err)
			break;
	}
	r = qmic_wait(&D->cl, reqs, sent, D->deadline);
	if (!err)
		err = r;
	for (size_t i = 0; !err && i < sent; i++)
		err = reqs[i]->err;
	return err ? req_fail(err, what) : 0;
}

/* One request built in D->tx; the response lands in D->m. */
static int req1(int n, int timeout, int retries, const char *what)
{
	struct qmic_req *list[1] = {&D->req};

	req_init(&D->req, D->tx, n, timeout, retries, D->rx, sizeof(D->rx), &D->m);
	return send_wait(list, 1, what);
}

/* Run the loop for ms (bounded by the deadline when bounded is set). EX_STOP on a signal. */
static void wake(struct loop_timer *t)
{
	(void)t;
}

static int wait_ms(int64_t ms, bool bounded)
{
	struct loop_timer t = {.cb = wake};

	if (bounded)
		ms = MIN(ms, left_ms());
	loop_timer_set(&t, ms);
	while (loop_timer_pending(&t) && !(D->events & EV_STOP))
		if (loop_run_once(-1) < 0)
			break;
	loop_timer_cancel(&t);
	return D->events & EV_STOP ? EX_STOP : EX_OK;
}

/* ======================================== events ======================================== */

static void on_signal(int sig)
{
	(void)sig;
	D->events |= EV_STOP;
	qmic_cancel_all(&D->cl, -EINTR);
}

static void on_reset(struct qmic *cl)
{
	(void)cl;
	D->events |= EV_RESET;
	D->fam[0].up = D->fam[1].up = false; /* their client ids, and the calls, are gone */
	D->cid_nas = D->cid_dms = D->cid_uim = D->cid_wda = QMIC_NO_CID;
}

static void on_dev_error(struct qmic *cl, int err)
{
	(void)cl;
	(void)err;
	D->events |= EV_GONE;
}

/* WDS Packet Service Status indication on a call's client: disconnected = the call is gone. */
static void on_pkt_status(struct qmic_ind *h, const struct qmi_msg *m)
{
	struct fam *f = container_of(h, struct fam, ind);
	struct qmi_wds_pkt_status ps;

	if (qmi_wds_pkt_status_ind(m, &ps) < 0 || !f->up)
		return;
	if (ps.ip_family != QMI_U8_UNKNOWN && ps.ip_family != f->family)
		return; /* a broadcast about the other family */
	if (ps.status == QMI_WDS_DISCONNECTED || ps.reconfig == 1) {
		f->dropped = true;
		f->end = ps.end;
		D->events |= EV_DROP;
	}
}

static void on_serving(struct qmic_ind *h, const struct qmi_msg *m)
{
	(void)h;
	if (qmi_nas_serving_ind(m, &D->srv) == 0)
		D->srv_new = true;
}

/* (Re)register h; it is taken out of the list first, as its link is about to be rewritten. */
static void ind_listen(struct qmic_ind *h, uint8_t svc, uint8_t cid, uint16_t msg_id,
		       void (*cb)(struct qmic_ind *h, const struct qmi_msg *m))
{
	qmic_ind_del(&D->cl, h);
	*h = (struct qmic_ind){.service = svc, .cid = cid, .msg_id = msg_id, .cb = cb};
	qmic_ind_add(&D->cl, h);
}

/* ======================================== sysfs ========================================= */

/* WWANBOX_SYSFS_ROOT points the lookups at a fake tree (tests). */
static const char *sysfs_root(void)
{
	const char *r = getenv("WWANBOX_SYSFS_ROOT");

	return r && *r ? r : "/sys";
}

/* Directory listing with getdents64 rather than opendir(), which would link malloc into the
 * binary (musl allocates the DIR). Calls fn(name, arg) for each entry but "." and "..";
 * linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name (include/linux/dirent.h). */
static int list_dir(const char *path, void (*fn)(const char *name, void *arg), void *arg)
{
	uint8_t buf[2048];
	uint16_t reclen;
	long n;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off + 19 < n; off += reclen) {
			const char *name = (const char *)buf + off + 19;

			memcpy(&reclen, buf + off + 16, 2);
			if (reclen < 20 || off + reclen > n)
				break;
			if (strcmp(name, ".") && strcmp(name, ".."))
				fn(name, arg);
		}
	}
	close(fd);
	return n < 0 ? -errno : 0;
}

/* the lowest name, so the choice is stable */
static void lowest_ifname(const char *name, void *arg)
{
	char *ifname = arg;

	if (strlen(name) < IFNAMSIZ && (!ifname[0] || strcmp(name, ifname) < 0))
		strcpy(ifname, name);
}

/* The netdev of cdc-wdm NAME: an entry of /sys/class/usbmisc/NAME/device/net/. */
static int wdm_netdev(const char *name, char *ifname)
{
	char path[PATH_MAX];

	fmt_buf(path, sizeof(path), "%s/class/usbmisc/%s/device/net", sysfs_root(), name);
	ifname[0] = 0;
	list_dir(path, lowest_ifname, ifname);
	return ifname[0] ? 0 : -ENOENT;
}

/* Is /sys/class/usbmisc/NAME bound to qmi_wwan (or Quectel's qmi_wwan_q)? */
static bool is_qmi_wwan(const char *name)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	fmt_buf(path, sizeof(path), "%s/class/usbmisc/%s/device/driver", sysfs_root(), name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = 0;
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	return !strncmp(base, "qmi_wwan", 8);
}

/* the cdc-wdm bound to qmi_wwan with the lowest number */
static void best_wdm(const char *name, void *arg)
{
	uint64_t *best = arg, num;

	if (!strncmp(name, "cdc-wdm", 7) && !parse_uint(name + 7, 0, 9999, &num) && num < *best &&
	    is_qmi_wwan(name))
		*best = num;
}

static int find_modem(char *name, size_t size)
{
	char path[PATH_MAX];
	uint64_t best = UINT64_MAX;

	fmt_buf(path, sizeof(path), "%s/class/usbmisc", sysfs_root());
	list_dir(path, best_wdm, &best);
	if (best == UINT64_MAX)
		return -ENOENT;
	fmt_buf(name, size, "cdc-wdm%u", (unsigned)best);
	return 0;
}

/* Device and interface: -d/-i as given, else from sysfs. */
static int locate(bool need_if)
{
	char name[PATH_MAX];
	const char *base;
	ssize_t n;
	int r;

	if (!D->dev) {
		r = find_modem(name, sizeof(name));
		if (r) {
			msg_err("no QMI modem found: no cdc-wdm device bound to qmi_wwan in "
				"%s/class/usbmisc (give -d DEV)",
				sysfs_root());
			return EX_NODEV;
		}
		fmt_buf(D->devpath, sizeof(D->devpath), "/dev/%s", name);
		D->dev = D->devpath;
		msg_verbose("modem: %s", D->dev);
	}
	if (D->ifname[0] || !need_if)
		return EX_OK;
	/* a symlink to the device (udev names): the target's name */
	n = readlink(D->dev, name, sizeof(name) - 1);
	name[n > 0 ? n : 0] = 0;
	base = strrchr(n > 0 ? name : D->dev, '/');
	base = base ? base + 1 : n > 0 ? name : D->dev;
	if (wdm_netdev(base, D->ifname)) {
		msg_err("no network interface found for %s: give -i IFACE (or --no-netconfig)",
			D->dev);
		return EX_NODEV;
	}
	msg_verbose("interface: %s", D->ifname);
	return EX_OK;
}

/* qmi_wwan's qmi/raw_ip switch (drivers/net/usb/qmi_wwan.c raw_ip_store): the kernel refuses
 * a change while the netdev is up (-EBUSY), so the link goes down first. */
static int set_raw_ip(bool raw)
{
	char path[PATH_MAX], cur = 0;
	int fd, idx, r;

	fmt_buf(path, sizeof(path), "%s/class/net/%s/qmi/raw_ip", sysfs_root(), D->ifname);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		msg_verbose("%s has no qmi/raw_ip in sysfs (not a qmi_wwan netdev): framing left "
			    "as it is",
			    D->ifname);
		return EX_OK;
	}
	if (read(fd, &cur, 1) == 1 && (cur == 'Y') == raw) {
		close(fd);
		return EX_OK;
	}
	if (!D->nl_open && (r = nl_open(&D->nl)) == 0)
		D->nl_open = true;
	idx = D->nl_open ? nl_ifindex(&D->nl, D->ifname) : -ENODEV;
	if (idx > 0)
		nl_link_set_up(&D->nl, idx, false);
	r = pwrite(fd, raw ? "Y" : "N", 1, 0) == 1 ? 0 : -errno;
	close(fd);
	if (r) {
		msg_perr(r, "set %s to %s", path, raw ? "Y" : "N");
		return EX_ERR;
	}
	msg_verbose("%s: raw_ip %s", D->ifname, raw ? "Y" : "N");
	return EX_OK;
}

/* ======================================== secrets ======================================= */

/* The secret from file (or the environment variable): trailing whitespace cut, never printed.
 * The variable's value is overwritten in place, so /proc/PID/environ does not show it. */
static int read_secret(const char *file, const char *var, char *out, size_t size)
{
	char *v;
	ssize_t n = 0;
	int fd;

	if (file) {
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (n = read(fd, out, size)) < 0) {
			msg_perr(errno, "read %s", file);
			if (fd >= 0)
				close(fd);
			return EX_ERR;
		}
		close(fd);
		if ((size_t)n == size) {
			msg_err("%s: too long", file);
			return EX_USAGE;
		}
	} else if ((v = getenv(var))) {
		n = (ssize_t)strlen(v);
		if ((size_t)n >= size) {
			msg_err("$%s: too long", var);
			return EX_USAGE;
		}
		memcpy(out, v, (size_t)n);
		memset(v, 'x', (size_t)n);
	}
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ' ||
			 out[n - 1] == '\t'))
		n--;
	out[n] = 0;
	return EX_OK;
}

static int read_secrets(const char *pin_file, const char *pw_file)
{
	size_t n;
	int r;

	r = read_secret(pin_file, "WWANBOX_PIN", D->pin, sizeof(D->pin));
	if (r)
		return r;
	n = strlen(D->pin);
	if (n && (n < 4 || n > 8 || strspn(D->pin, "0123456789") != n)) {
		msg_err("the SIM PIN must be 4 to 8 digits");
		return EX_USAGE;
	}
	return read_secret(pw_file, "WWANBOX_PASSWORD", D->password, sizeof(D->password));
}

/* ======================================== SIM =========================================== */

static void sim_from_uim(const struct qmi_uim_card_status *cs, struct sim *s)
{
	s->verify_left = cs->pin1.verify_left;
	s->unblock_left = cs->pin1.unblock_left;
	s->pin_id = cs->upin == 1 ? UIM_PIN_UPIN : QMI_UIM_PIN1;
	s->card_error = cs->card_error;
	s->app_state = cs->app_state;
	if (!cs->n_cards || cs->card_state == QMI_UIM_CARD_ABSENT)
		s->state = SIM_ABSENT;
	else if (cs->card_state == QMI_UIM_CARD_ERROR)
		s->state = SIM_ERROR;
	else if (cs->slot == QMI_U8_UNKNOWN)
		s->state = SIM_INIT; /* present, no application yet */
	else if (cs->app_state == QMI_UIM_APP_READY)
		s->state = SIM_READY;
	else if (cs->app_state == QMI_UIM_APP_PIN_REQUIRED)
		s->state = cs->pin1.status == QMI_PIN_PERM_BLOCKED ? SIM_BLOCKED : SIM_PIN;
	else if (cs->app_state == QMI_UIM_APP_PUK_REQUIRED)
		s->state = SIM_PUK;
	else if (cs->app_state == QMI_UIM_APP_PIN1_BLOCKED)
		s->state = SIM_BLOCKED;
	else if (cs->app_state == QMI_UIM_APP_ILLEGAL)
		s->state = SIM_ILLEGAL;
	else
		s->state = SIM_INIT; /* detected, personalisation check, unknown */
}

static void sim_from_dms(const struct qmi_dms_pin_status *ps, struct sim *s)
{
	s->verify_left = ps->pin1.verify_left;
	s->unblock_left = ps->pin1.unblock_left;
	s->pin_id = QMI_UIM_PIN1;
	s->app_state = QMI_U8_UNKNOWN;
	switch (ps->pin1.status) {
	case QMI_PIN_NOT_VERIFIED:
		s->state = SIM_PIN;
		break;
	case QMI_PIN_BLOCKED:
		s->state = SIM_PUK;
		break;
	case QMI_PIN_PERM_BLOCKED:
		s->state = SIM_BLOCKED;
		break;
	/* not_initialized is what firmware without a PIN says (openwrt/openwrt#20949) */
	default:
		s->state = SIM_READY;
		break;
	}
}

static int need_dms(void)
{
	uint8_t svc = QMI_SVC_DMS;
	uint16_t qerr = 0;
	int r;

	if (D->cid_dms != QMIC_NO_CID)
		return EX_OK;
	r = qmic_cids_alloc(&D->cl, &svc, &D->cid_dms, 1, (int)MIN(T_REQ, left_ms()), 2, &qerr);
	if (r == -EREMOTEIO)
		return qmi_fail(r, qerr, "allocate a DMS client id");
	return r ? req_fail(r, "allocate a DMS client id") : EX_OK;
}

/* SIM state via UIM Get Card Status, or DMS UIM Get PIN Status when UIM is missing or
 * refuses (old firmware). EX_WAIT while the SIM is initialising. */
static int sim_query(struct sim *s)
{
	struct qmi_uim_card_status cs;
	struct qmi_dms_pin_status ps;
	uint16_t qerr = 0;
	int r;

	if (!D->use_dms) {
		r = req1(qmi_empty_req(D->tx, sizeof(D->tx), QMI_SVC_UIM, D->cid_uim, 0,
				       QMI_UIM_CARD_STATUS),
			 T_REQ, 2, "get card status");
		if (r)
			return r;
		r = qmi_uim_card_status_rsp(&D->m, &cs, &qerr);
		if (!r) {
			sim_from_uim(&cs, s);
			return EX_OK;
		}
		if (r == -EREMOTEIO && (qerr == QERR_UIM_UNINIT || qerr == QERR_NOT_READY))
			return EX_WAIT;
		if (r != -EREMOTEIO || (qerr != QERR_NOT_SUPPORTED && qerr != QERR_INVALID_CMD))
			return qmi_fail(r, qerr, "get card status");
		msg_verbose("UIM card status not supported: asking DMS");
		D->use_dms = true;
	}
	r = need_dms();
	if (r)
		return r;
	r = req1(
		qmi_empty_req(D->tx, sizeof(D->tx), QMI_SVC_DMS, D->cid_dms, 0, QMI_DMS_PIN_STATUS),
		T_REQ, 2, "get PIN status");
	if (r)
		return r;
	r = qmi_dms_pin_status_rsp(&D->m, &ps, &qerr);
	if (r == -EREMOTEIO && (qerr == QERR_UIM_UNINIT || qerr == QERR_NOT_READY))
		return EX_WAIT;
	if (r == -EREMOTEIO && qerr == QERR_NO_SIM) {
		s->state = SIM_ABSENT;
		return EX_OK;
	}
	if (r)
		return qmi_fail(r, qerr, "get PIN status");
	sim_from_dms(&ps, s);
	return EX_OK;
}

/* " (3 tries left)" or "" */
static const char *tries(char *buf, size_t size, uint8_t n)
{
	if (n == QMI_U8_UNKNOWN)
		return "";
	fmt_buf(buf, size, " (%u tr%s left)", n, n == 1 ? "y" : "ies");
	return buf;
}

static int pin_verify_fail(int r, uint16_t qerr, const struct qmi_pin *left)
{
	char tb[32];

	if (r == -EREMOTEIO && qerr == QERR_INCORRECT_PIN) {
		msg_err("SIM PIN wrong%s", tries(tb, sizeof(tb), left->verify_left));
		return EX_PIN;
	}
	if (r == -EREMOTEIO && (qerr == QERR_PIN_BLOCKED || qerr == QERR_PIN_PERM_BLOCKED)) {
		msg_err("SIM PIN blocked: the PUK is needed%s",
			tries(tb, sizeof(tb), left->unblock_left));
		return EX_PIN;
	}
	qmi_fail(r, qerr, "verify SIM PIN");
	return EX_PIN;
}

static int sim_pin(const struct sim *s)
{
	struct qmi_pin left;
	uint16_t qerr = 0;
	char tb[32];
	int n, r;

	if (!D->pin[0]) {
		msg_err("SIM PIN required%s: give --pin-file F or $WWANBOX_PIN",
			tries(tb, sizeof(tb), s->verify_left));
		return EX_PINREQ;
	}
	if (D->pin_tried) {
		msg_err("the SIM asks for its PIN again after accepting it");
		return EX_PIN;
	}
	if (s->verify_left == 1) {
		msg_err("SIM PIN: 1 try left: not trying it (a wrong PIN would block the SIM); "
			"enter it by hand");
		return EX_PIN;
	}
	D->pin_tried = true;
	if (D->use_dms)
		n = qmi_dms_verify_pin_req(D->tx, sizeof(D->tx), D->cid_dms, 0, 1, D->pin);
	else
		n = qmi_uim_verify_pin_req(D->tx, sizeof(D->tx), D->cid_uim, 0,
					   QMI_UIM_SESSION_PRIMARY_GW, s->pin_id, D->pin);
	/* no retry: a repeated verification could spend a second try */
	r = req1(n, T_REQ * 3, 0, "verify SIM PIN");
	if (r)
		return r;
	if (D->use_dms)
		r = qmi_dms_verify_pin_rsp(&D->m, &left, &qerr);
	else
		r = qmi_uim_verify_pin_rsp(&D->m, &left, &qerr);
	if (r)
		return pin_verify_fail(r, qerr, &left);
	msg_verbose("SIM PIN accepted");
	return EX_OK;
}

static int sim_check(void)
{
	struct sim s;
	char tb[32];
	int r;

	for (;;) {
		r = sim_query(&s);
		if (r == EX_OK && s.state == SIM_INIT)
			r = EX_WAIT;
		if (r == EX_WAIT) {
			if (left_ms() <= SIM_POLL_MS) {
				msg_err("the SIM did not become ready within %d s", D->timeout_s);
				return EX_SIM;
			}
			msg_verbose("SIM not ready yet");
			r = wait_ms(SIM_POLL_MS, true);
			if (r)
				return r;
			continue;
		}
		if (r)
			return r;
		switch (s.state) {
		case SIM_READY:
			return EX_OK;
		case SIM_ABSENT:
			msg_err("no SIM card");
			return EX_SIM;
		case SIM_ERROR:
			msg_err("SIM card error %u (not inserted properly, or broken)",
				s.card_error);
			return EX_SIM;
		case SIM_ILLEGAL:
			msg_err("SIM card rejected by the network (illegal)");
			return EX_SIM;
		case SIM_PUK:
			msg_err("SIM PIN blocked: the PUK is needed%s",
				tries(tb, sizeof(tb), s.unblock_left));
			return EX_PIN;
		case SIM_BLOCKED:
			msg_err("SIM blocked for good (PUK exhausted)");
			return EX_PIN;
		default: /* SIM_PIN */
			r = sim_pin(&s);
			if (r)
				return r;
		}
	}
}

/* ======================================== registration ================================== */

/* Registration reject causes, 3GPP TS 24.008 §10.5.3.6 / TS 24.301 §9.9.3.9 (EMM cause).
 * Packed <code><text>\0. */
/* clang-format off */
static const char reject_causes[] =
	"\x02" "IMSI unknown in HLR\0" "\x03" "illegal MS\0" "\x05" "IMEI not accepted\0"
	"\x06" "illegal ME\0" "\x07" "data services not allowed\0"
	"\x08" "data and non-data services not allowed\0" "\x0b" "PLMN not allowed\0"
	"\x0c" "location area not allowed\0" "\x0d" "roaming not allowed in this location area\0"
	"\x0e" "data services not allowed in this PLMN\0" "\x0f" "no suitable cells\0"
	"\x11" "network failure\0" "\x16" "congestion\0";
/* clang-format on */

static const char *reject_text(uint8_t code)
{
	for (const char *p = reject_causes; *p; p += strlen(p) + 1)
		if ((uint8_t)*p == code)
			return p + 1;
	return "no description";
}

/* Denied: the reject cause comes with NAS Get System Info (one more request, only here). */
static int denied(void)
{
	struct qmi_nas_sysinfo si;
	uint8_t cause = QMI_U8_UNKNOWN;

	if (!req1(qmi_empty_req(D->tx, sizeof(D->tx), QMI_SVC_NAS, D->cid_nas, 0,
				QMI_NAS_SYSTEM_INFO),
		  T_REQ, 1, "get system info") &&
	    !qmi_nas_get_sysinfo_rsp(&D->m, &si, NULL)) {
		if (si.lte.reject_cause != QMI_U8_UNKNOWN && si.lte.reject_cause)
			cause = si.lte.reject_cause;
		else if (si.umts.reject_cause != QMI_U8_UNKNOWN && si.umts.reject_cause)
			cause = si.umts.reject_cause;
		else if (si.gsm.reject_cause != QMI_U8_UNKNOWN && si.gsm.reject_cause)
			cause = si.gsm.reject_cause;
	}
	if (D->events & EV_STOP)
		return EX_STOP;
	if (cause == QMI_U8_UNKNOWN)
		msg_err("not registered: registration denied by the network");
	else
		msg_err("not registered: registration denied by the network (cause %u: %s)", cause,
			reject_text(cause));
	return EX_NOREG;
}

static int serving_query(void)
{
	uint16_t qerr = 0;
	int r;

	r = req1(qmi_empty_req(D->tx, sizeof(D->tx), QMI_SVC_NAS, D->cid_nas, 0,
			       QMI_NAS_SERVING_SYSTEM),
		 T_REQ, 2, "get serving system");
	if (r)
		return r;
	r = qmi_nas_get_serving_rsp(&D->m, &D->srv, &qerr);
	return r ? qmi_fail(r, qerr, "get serving system") : EX_OK;
}

/* Radio on: DMS Set Operating Mode online ("No effect" when it already was). */
static int go_online(void)
{
	uint16_t qerr = 0;
	int r = need_dms();

	if (r)
		return r;
	r = req1(qmi_dms_set_opmode_req(D->tx, sizeof(D->tx), D->cid_dms, 0, QMI_DMS_OPMODE_ONLINE),
		 T_REQ, 2, "set operating mode online");
	if (r)
		return r;
	r = qmi_check(&D->m, QMI_SVC_DMS, QMI_DMS_SET_OPMODE, &qerr);
	if (r && !(r == -EREMOTEIO && qerr == QERR_NO_EFFECT))
		return qmi_fail(r, qerr, "set operating mode online");
	return EX_OK;
}

/* Serving System indications on (so the wait below needs no polling) or off again (so they
 * do not wake us while connected). They are opt-in: NAS Register Indications, libqmi
 * qmi-service-nas.json. */
static int listen_serving(bool on)
{
	const char *what = on ? "register for serving system indications"
			      : "unregister serving system indications";
	uint16_t qerr = 0;
	int r;

	r = req1(qmi_nas_register_ind_req(D->tx, sizeof(D->tx), D->cid_nas, 0, on, QMI_U8_UNKNOWN,
					  QMI_U8_UNKNOWN),
		 T_REQ, 2, what);
	if (r)
		return r;
	r = qmi_check(&D->m, QMI_SVC_NAS, QMI_NAS_REGISTER_IND, &qerr);
	if (r)
		return qmi_fail(r, qerr, what);
	if (on)
		ind_listen(&D->srv_ind, QMI_SVC_NAS, D->cid_nas, QMI_NAS_SERVING_SYSTEM,
			   on_serving);
	else
		qmic_ind_del(&D->cl, &D->srv_ind);
	return EX_OK;
}

/* Until registered, denied, stopped or the deadline. */
static int reg_wait(void)
{
	while (D->srv.reg_state != QMI_NAS_REGISTERED) {
		if (D->srv.reg_state == QMI_NAS_DENIED)
			return denied();
		if (D->events)
			return D->events & EV_STOP    ? EX_STOP
			       : D->events & EV_RESET ? EX_RESET
						      : EX_GONE;
		if (left_ms() <= 0) {
			msg_err("not registered within %d s (%s)", D->timeout_s,
				qmi_nas_reg_state_name(D->srv.reg_state));
			return EX_NOREG;
		}
		D->srv_new = false;
		loop_run_once((int)left_ms());
	}
	return EX_OK;
}

/* Registered already (the common case: one request), or radio on and wait for the indication
 * that says so, until the deadline. A denial ends it at once. */
static int registration(void)
{
	int r = serving_query();

	if (r || D->srv.reg_state == QMI_NAS_REGISTERED)
		return r;
	if (D->srv.reg_state == QMI_NAS_DENIED)
		return denied();
	msg_verbose("not registered (%s): waiting", qmi_nas_reg_state_name(D->srv.reg_state));
	r = go_online();
	if (!r)
		r = listen_serving(true);
	if (!r)
		r = serving_query(); /* it may have registered before the indications were on */
	if (!r)
		r = reg_wait();
	if (!r)
		r = listen_serving(false);
	return r;
}

/* ======================================== data format =================================== */

/* Raw IP on the modem (WDA) and on the netdev (qmi_wwan sysfs): no Ethernet header, no ARP.
 * Get first and change only what differs: one request in the usual case, and a modem shared
 * through qmi-proxy is not reconfigured needlessly. Aggregation off (it may be left on by a
 * QMAP user such as quectel-CM, and we do not de-aggregate). */
static int data_format(void)
{
	struct qmi_wda_format_req fr;
	struct qmi_wda_format f;
	uint16_t qerr = 0;
	uint32_t llp = QMI_WDA_LLP_802_3;
	int r;

	if (D->have_wda) {
		r = req1(qmi_wda_get_format_req(D->tx, sizeof(D->tx), D->cid_wda, 0,
						QMI_U32_UNKNOWN, 0),
			 T_REQ, 2, "get data format");
		if (r)
			return r;
		r = qmi_wda_format_rsp(&D->m, &f, &qerr);
		llp = r ? QMI_U32_UNKNOWN : f.link_layer;
		if (r || f.link_layer != QMI_WDA_LLP_RAW_IP ||
		    (f.ul_agg != QMI_WDA_AGG_DISABLED && f.ul_agg != QMI_U32_UNKNOWN) ||
		    (f.dl_agg != QMI_WDA_AGG_DISABLED && f.dl_agg != QMI_U32_UNKNOWN)) {
			qmi_wda_format_req_init(&fr);
			fr.link_layer = QMI_WDA_LLP_RAW_IP;
			fr.ul_agg = fr.dl_agg = QMI_WDA_AGG_DISABLED;
			r = req1(qmi_wda_set_format_req(D->tx, sizeof(D->tx), D->cid_wda, 0, &fr),
				 T_REQ, 2, "set data format");
			if (r)
				return r;
			r = qmi_wda_format_rsp(&D->m, &f, &qerr);
			if (r)
				msg_verbose("set data format raw-ip: refused");
			llp = r ? QMI_U32_UNKNOWN : f.link_layer;
		}
		msg_verbose("data format: %s", llp == QMI_WDA_LLP_RAW_IP  ? "raw-ip"
					       : llp == QMI_WDA_LLP_802_3 ? "802.3"
									  : "unknown");
	} else {
		msg_verbose("no WDA service: data format left as it is");
		llp = QMI_U32_UNKNOWN;
	}
	if (!D->ifname[0] || llp == QMI_U32_UNKNOWN)
		return EX_OK;
	return set_raw_ip(llp == QMI_WDA_LLP_RAW_IP);
}

/* ======================================== the calls ===================================== */

static const char *fam_name(const struct fam *f)
{
	return f->family == QMI_IP_FAMILY_V6 ? "IPv6" : "IPv4";
}

/* "call failed: 3GPP reason 33 (option not subscribed) — check the APN" */
static void say_call_end(const char *prefix, const struct qmi_wds_call_end *e)
{
	const char *type = qmi_wds_end_type_str(e->verbose_type);
	const char *why = qmi_wds_end_reason_str(e->verbose_type, e->verbose_reason);
	const char *hint = qmi_wds_end_hint(e->verbose_type, e->verbose_reason);
	char rs[48] = "", hs[96] = "";

	if (why)
		fmt_buf(rs, sizeof(rs), " (%s)", why);
	if (hint)
		fmt_buf(hs, sizeof(hs), " \xe2\x80\x94 %s", hint);
	if (type && e->verbose_reason != QMI_I16_UNKNOWN)
		msg_err("%s: %s reason %d%s%s", prefix, type, e->verbose_reason, rs, hs);
	else if (e->reason != QMI_U16_UNKNOWN)
		msg_err("%s: reason %u", prefix, e->reason);
	else
		msg_err("%s", prefix);
}

static int start_build(struct fam *f)
{
	struct qmi_wds_start_req s;

	qmi_wds_start_req_init(&s);
	s.apn = D->apn;
	s.username = D->user;
	s.password = D->password[0] ? D->password : NULL;
	s.auth = D->auth;
	s.ip_family = f->family;
	s.profile_3gpp = D->profile;
	return qmi_wds_start_network_req(f->tx, sizeof(f->tx), f->cid, 0, &s);
}

/* The outcome of one Start Network. */
static int start_result(struct fam *f, bool dual)
{
	struct qmi_wds_start_rsp sr;
	uint16_t qerr = 0;
	char what[32];
	int r = qmi_wds_start_network_rsp(&f->m, &sr, &qerr);

	fmt_buf(what, sizeof(what), "%s%scall failed", dual ? fam_name(f) : "", dual ? " " : "");
	if (!r) {
		f->pdh = sr.handle;
		f->up = true;
		return EX_OK;
	}
	if (r == -EREMOTEIO && qerr == QERR_NO_EFFECT) {
		/* Up already (autoconnect stored in the modem, or a call left by someone): use it;
		 * it is stopped with the global handle at the end. */
		msg_verbose("%s call was already up: using it", fam_name(f));
		f->pdh = QMI_U32_UNKNOWN;
		f->up = true;
		return EX_OK;
	}
	if (r == -EREMOTEIO && qerr == QERR_CALL_FAILED) {
		say_call_end(what, &sr.end);
		return EX_CALL;
	}
	r = qmi_fail(r, qerr, what);
	return r == EX_ERR ? EX_CALL : r;
}

/* Start the wanted calls at once (the IPv6 client bound to IPv6 first: Set IP Family, as
 * ModemManager and qmi.sh do, so its settings and indications are about IPv6). One failing
 * family of two is a warning; both failing is the error. */
static int start_calls(void)
{
	struct qmic_req *list[2] = {0};
	size_t n = 0;
	bool dual = D->fam[0].want && D->fam[1].want;
	uint16_t qerr = 0;
	int r, first = EX_OK;

	if (CFG_FEATURE_IPV6 && D->fam[1].want) {
		r = req1(qmi_wds_set_ip_family_req(D->tx, sizeof(D->tx), D->fam[1].cid, 0,
						   QMI_IP_FAMILY_V6),
			 T_REQ, 2, "set IP family IPv6");
		if (r)
			return r;
		r = qmi_check(&D->m, QMI_SVC_WDS, QMI_WDS_SET_IP_FAMILY, &qerr);
		if (r)
			return qmi_fail(r, qerr, "set IP family IPv6");
	}
	for (int i = 0; i < NFAM; i++) {
		struct fam *f = &D->fam[i];

		if (!f->want)
			continue;
		req_init(&f->req, f->tx, start_build(f), T_CALL, 1, f->rx, sizeof(f->rx), &f->m);
		list[n++] = &f->req;
	}
	r = send_wait(list, n, "start network");
	if (r)
		return r;
	for (int i = 0; i < NFAM; i++) {
		if (!D->fam[i].want)
			continue;
		r = start_result(&D->fam[i], dual);
		if (r && !first)
			first = r;
	}
	if (D->fam[0].up || D->fam[1].up) {
		if (first)
			msg_err("continuing with %s only", fam_name(&D->fam[D->fam[1].up]));
		return EX_OK;
	}
	return first;
}

/* Get Current Settings of each call, at once. */
static int read_settings(void)
{
	struct qmic_req *list[2] = {0};
	size_t n = 0;
	uint16_t qerr = 0;
	char what[40];
	int r;

	for (int i = 0; i < NFAM; i++) {
		struct fam *f = &D->fam[i];

		if (!f->up)
			continue;
		req_init(&f->req, f->tx,
			 qmi_wds_get_settings_req(f->tx, sizeof(f->tx), f->cid, 0,
						  QMI_WDS_SETTINGS_DEFAULT),
			 T_REQ, 2, f->rx, sizeof(f->rx), &f->m);
		list[n++] = &f->req;
	}
	r = send_wait(list, n, "get current settings");
	for (int i = 0; !r && i < NFAM; i++) {
		struct fam *f = &D->fam[i];

		if (!f->up)
			continue;
		fmt_buf(what, sizeof(what), "get current settings (%s)", fam_name(f));
		r = qmi_wds_get_settings_rsp(&f->m, &f->set, &qerr);
		if (r)
			return qmi_fail(r, qerr, what);
		if (i == 0 ? !f->set.ipv4.valid : !f->set.ipv6.valid) {
			msg_err("%s: the modem gave no %s address", what, fam_name(f));
			return EX_ERR;
		}
	}
	return r;
}

/* ======================================== netcfg ======================================== */

static uint8_t mask_len(const uint8_t m[4])
{
	uint32_t v = get_be32(m);
	uint8_t n = 0;

	while (n < 32 && (v & (0x80000000u >> n)))
		n++;
	return (uint32_t)(v << n) ? 32 : n; /* not contiguous: a host route */
}

static void cfg_v4(struct netcfg_cfg *c, const struct qmi_wds_settings *s)
{
	c->has_addr4 = true;
	memcpy(c->addr4, s->ipv4.addr, 4);
	c->prefix4 = s->netmask4.valid ? mask_len(s->netmask4.addr) : 32;
	if (s->gateway4.valid) {
		c->has_gw4 = true;
		memcpy(c->gw4, s->gateway4.addr, 4);
	}
	for (int i = 0; i < NFAM; i++)
		if (s->dns4[i].valid)
			memcpy(c->dns4[c->n_dns4++], s->dns4[i].addr, 4);
}

static void cfg_v6(struct netcfg_cfg *c, const struct qmi_wds_settings *s)
{
	c->has_addr6 = true;
	memcpy(c->addr6, s->ipv6.addr, 16);
	c->prefix6 = s->ipv6.prefix <= 128 ? s->ipv6.prefix : 64;
	if (s->gateway6.valid) {
		c->has_gw6 = true;
		memcpy(c->gw6, s->gateway6.addr, 16);
	}
	for (int i = 0; i < NFAM; i++)
		if (s->dns6[i].valid)
			memcpy(c->dns6[c->n_dns6++], s->dns6[i].addr, 16);
}

static void cfg_build(void)
{
	struct netcfg_cfg *c = &D->cfg;

	memset(c, 0, sizeof(*c));
	fmt_buf(c->ifname, sizeof(c->ifname), "%s", D->ifname);
	c->metric = D->metric;
	fmt_buf(c->dns_file, sizeof(c->dns_file), "%s", D->dns_file);
	for (int i = 0; i < NFAM; i++) {
		const struct qmi_wds_settings *s = &D->fam[i].set;

		if (!D->fam[i].up)
			continue;
		if (s->mtu != QMI_U32_UNKNOWN && s->mtu >= 576 && s->mtu <= 65535)
			c->mtu = MAX(c->mtu, s->mtu);
		if (i == 0)
			cfg_v4(c, s);
		else if (CFG_FEATURE_IPV6)
			cfg_v6(c, s);
		if (!c->domain[0] && s->domains[0])
			fmt_buf(c->domain, sizeof(c->domain), "%s", s->domains);
	}
	if (netcfg_cfg_check(c) && c->domain[0]) {
		msg_verbose("ignoring the DNS search domains (not plain host names)");
		c->domain[0] = 0;
	}
}

static void say_shadow(int v6)
{
	char name[IFNAMSIZ] = "?";

	if (!(D->st.flags & (v6 ? NETCFG_S_SHADOWED6 : NETCFG_S_SHADOWED4)))
		return;
	if_indextoname((unsigned)D->st.shadow_oif[v6], name);
	msg_info("the %s default route via %s (metric %u) is shadowed by %s's (metric %u): "
		 "traffic keeps using %s",
		 v6 ? "IPv6" : "IPv4", D->ifname, D->metric, name, D->st.shadow_metric[v6], name);
}

static int configure(void)
{
	int r;

	if (D->no_netconfig)
		return EX_OK;
	cfg_build();
	if (D->script) {
		r = netcfg_run_hook(D->script, "bound", &D->cfg, T_HOOK);
		D->hooked = true;
		if (r)
			msg_err("%s bound: %s %d", D->script, r < 0 ? "error" : "exit status",
				r < 0 ? -r : r);
		return EX_OK;
	}
	if (!D->nl_open && (r = nl_open(&D->nl)) != 0) {
		msg_perr(r, "open rtnetlink");
		return EX_ERR;
	}
	D->nl_open = true;
	r = netcfg_apply(&D->nl, &D->cfg, &D->st);
	if (r) {
		msg_perr(r, "configure %s: %s", D->ifname, netcfg_step_name(D->st.err_step));
		return EX_ERR;
	}
	D->configured = true;
	say_shadow(0);
	say_shadow(1);
	for (int v6 = 0; v6 < 2; v6++)
		if (D->st.flags & (v6 ? NETCFG_S_DEFAULT6_EXISTS : NETCFG_S_DEFAULT4_EXISTS))
			msg_info("no %s default route added: one with metric %u exists already",
				 v6 ? "IPv6" : "IPv4", D->metric);
	return EX_OK;
}

static void unconfigure(void)
{
	int r;

	if (D->configured) {
		r = netcfg_remove(&D->nl, &D->st);
		if (r)
			msg_perr(r, "remove the configuration of %s", D->ifname);
		if (D->st.flags & NETCFG_S_DNS_FOREIGN)
			msg_info("%s was changed by someone else: left as it is", D->st.dns_path);
		D->configured = false;
	}
	if (D->hooked) {
		r = netcfg_run_hook(D->script, "deconfig", &D->cfg, T_HOOK);
		if (r)
			msg_err("%s deconfig: %s %d", D->script, r < 0 ? "error" : "exit status",
				r < 0 ? -r : r);
		D->hooked = false;
	}
}

/* ======================================== state file ==================================== */

/* STATE_DIR/qmi-dial_dev_cdc-wdm0: one file per device, named after its absolute path. */
static int state_path(void)
{
	char abs[PATH_MAX];
	ssize_t c = -1;
	size_t n;

	/* the working directory without getcwd(), which would link malloc in (musl's strdup) */
	if (D->dev[0] != '/')
		c = readlink("/proc/self/cwd", abs, sizeof(abs) - 1);
	if (c > 0)
		fmt_buf(abs + c, sizeof(abs) - (size_t)c, "/%s", D->dev);
	else
		fmt_buf(abs, sizeof(abs), "%s", D->dev);
	n = fmt_buf(D->state_path, sizeof(D->state_path), "%s/qmi-dial", D->state_dir);
	if (n + strlen(abs) + 1 >= sizeof(D->state_path))
		return -ENAMETOOLONG;
	for (char *p = abs; *p; p++)
		D->state_path[n++] = *p == '/' ? '_' : *p;
	D->state_path[n] = 0;
	return 0;
}

static size_t hex(char *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fmt_buf(dst + 2 * i, 3, "%02x", src[i]);
	return 2 * n;
}

/* Recorded atomically (temp file, fsync, rename): what down needs to end the session. */
static int state_save(pid_t pid)
{
	char buf[STATE_MAX], tmp[PATH_MAX + 8];
	uint8_t blob[NETCFG_STATE_MAX];
	size_t n;
	int fd, r = 0, bl;

	n = fmt_buf(buf, sizeof(buf), "wwanbox-qmi-dial 1\npid %d\ndevice %s\nproxy %d\n", (int)pid,
		    D->dev, D->proxy);
	if (D->ifname[0])
		n += fmt_buf(buf + n, sizeof(buf) - n, "ifname %s\n", D->ifname);
	if (D->hooked)
		n += fmt_buf(buf + n, sizeof(buf) - n, "script %s\n", D->script);
	for (int i = 0; i < NFAM; i++)
		if (D->fam[i].up)
			n += fmt_buf(buf + n, sizeof(buf) - n, "wds%d %u %u\n", i ? 6 : 4,
				     D->fam[i].cid, D->fam[i].pdh);
	if (D->configured && (bl = netcfg_state_save(&D->st, blob, sizeof(blob))) > 0 &&
	    n + 8 + 2 * (size_t)bl < sizeof(buf)) {
		n += fmt_buf(buf + n, sizeof(buf) - n, "netcfg ");
		n += hex(buf + n, blob, (size_t)bl);
		buf[n++] = '\n';
	}
	mkdir(D->state_dir, 0755);
	fmt_buf(tmp, sizeof(tmp), "%s.tmp", D->state_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, n) != (ssize_t)n || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	close(fd);
	if (!r && rename(tmp, D->state_path) < 0)
		r = -errno;
	if (r)
		unlink(tmp);
	return r;
}

struct saved {
	int pid;
	bool proxy, has_netcfg;
	char script[PATH_MAX];
	char ifname[IFNAMSIZ];
	uint8_t cid[2];
	uint32_t pdh[2];
	bool fam[2];
	struct netcfg_state st;
};

static int nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; s[0]; s += 2) {
		int hi = nibble(s[0]), lo = nibble(s[1]);

		if (hi < 0 || lo < 0 || n >= max)
			return -EPROTO;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return (int)n;
}

static int saved_line(struct saved *sv, char *key, char *val)
{
	uint8_t blob[NETCFG_STATE_MAX];
	uint64_t a, b;
	char *sp;
	int n;

	if (!strcmp(key, "pid"))
		return parse_uint(val, 0, INT_MAX, &a) ? -EPROTO : (sv->pid = (int)a, 0);
	if (!strcmp(key, "proxy"))
		return parse_uint(val, 0, 1, &a) ? -EPROTO : (sv->proxy = a, 0);
	if (!strcmp(key, "script"))
		return fmt_buf(sv->script, sizeof(sv->script), "%s", val), 0;
	if (!strcmp(key, "ifname"))
		return fmt_buf(sv->ifname, sizeof(sv->ifname), "%s", val), 0;
	if (!strcmp(key, "wds4") || !strcmp(key, "wds6")) {
		int i = key[3] == '6';

		sp = strchr(val, ' ');
		if (!sp)
			return -EPROTO;
		*sp = 0;
		if (parse_uint(val, 0, 254, &a) || parse_uint(sp + 1, 0, UINT32_MAX, &b))
			return -EPROTO;
		sv->fam[i] = true;
		sv->cid[i] = (uint8_t)a;
		sv->pdh[i] = (uint32_t)b;
		return 0;
	}
	if (!strcmp(key, "netcfg")) {
		n = unhex(val, blob, sizeof(blob));
		if (n < 0 || netcfg_state_load(&sv->st, blob, (size_t)n))
			return -EPROTO;
		sv->has_netcfg = true;
	}
	return 0; /* device, and keys of later versions */
}

/* 0, -ENOENT (nothing recorded), -EPROTO (not ours / damaged), -errno. */
static int state_load(struct saved *sv)
{
	char buf[STATE_MAX], *line, *next, *sp;
	ssize_t n;
	int fd, r;

	memset(sv, 0, sizeof(*sv));
	fd = open(D->state_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (strncmp(buf, "wwanbox-qmi-dial 1\n", 19))
		return -EPROTO;
	for (line = buf + 19; *line; line = next) {
		next = strchr(line, '\n');
		if (!next)
			return -EPROTO; /* cut short */
		*next++ = 0;
		sp = strchr(line, ' ');
		if (!sp)
			return -EPROTO;
		*sp = 0;
		r = saved_line(sv, line, sp + 1);
		if (r)
			return r;
	}
	return 0;
}

/* Is pid a running qmi-dial? (a recycled pid must not be signalled) */
static bool dial_alive(int pid)
{
	char path[32], cmd[256];
	ssize_t n;
	int fd;

	if (pid <= 0 || (kill(pid, 0) < 0 && errno != EPERM))
		return false;
	fmt_buf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true; /* no /proc: trust kill() */
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return false;
	cmd[n] = 0;
	/* argv[0] ".../qmi-dial", or "wwanbox qmi-dial ..." */
	for (char *a = cmd; a < cmd + n; a += strlen(a) + 1) {
		const char *b = strrchr(a, '/');

		if (!strcmp(b ? b + 1 : a, "qmi-dial"))
			return true;
	}
	return false;
}

/* ======================================== session ======================================= */

static int open_dev(void)
{
	int r;

	if (D->cl.w.kind != WDM_NONE && !D->cl.dev_err)
		return EX_OK;
	r = qmic_open(&D->cl, D->dev, D->proxy ? QMIC_F_PROXY : 0, (int)MIN(T_REQ, left_ms()));
	if (!r)
		return EX_OK;
	if (D->proxy && r == -ECONNREFUSED)
		msg_err("open %s through qmi-proxy: no qmi-proxy running", D->dev);
	else if (D->proxy && r == -ENODEV)
		msg_err("open %s through qmi-proxy: the proxy closed the connection (it serves "
			"root only)",
			D->dev);
	else if (D->proxy && r == -EREMOTEIO)
		msg_err("open %s through qmi-proxy: refused", D->dev);
	else
		msg_perr(r, "open %s", D->dev);
	if (r == -EACCES || r == -EBUSY)
		return EX_ERR;
	return r == -ETIMEDOUT ? EX_TIMEOUT : EX_NODEV;
}

static int get_versions(void)
{
	struct qmi_ctl_versions v;
	uint16_t maj, min, qerr = 0;
	int r;

	r = req1(qmi_ctl_get_version_req(D->tx, sizeof(D->tx), 0), T_WAKE, 3, "get versions");
	if (r)
		return r;
	r = qmi_ctl_get_version_rsp(&D->m, &v, &qerr);
	if (r)
		return qmi_fail(r, qerr, "get versions");
	if (qmi_ctl_version_of(&v, QMI_SVC_WDS, &maj, &min)) {
		msg_err("the modem has no WDS (data) service");
		return EX_ERR;
	}
	D->have_uim = !qmi_ctl_version_of(&v, QMI_SVC_UIM, &maj, &min);
	D->have_wda = !qmi_ctl_version_of(&v, QMI_SVC_WDA, &maj, &min);
	return EX_OK;
}

/* The client ids of the session, all requested at once. */
static int alloc_cids(void)
{
	uint8_t svc[5], cid[5], *dst[5];
	uint16_t qerr = 0;
	size_t n = 0;
	int r;

	svc[n] = QMI_SVC_NAS, dst[n++] = &D->cid_nas;
	for (int i = 0; i < NFAM; i++)
		if (D->fam[i].want)
			svc[n] = QMI_SVC_WDS, dst[n++] = &D->fam[i].cid;
	if (D->have_uim)
		svc[n] = QMI_SVC_UIM, dst[n++] = &D->cid_uim;
	else
		D->use_dms = true;
	if (D->have_wda)
		svc[n] = QMI_SVC_WDA, dst[n++] = &D->cid_wda;
	r = qmic_cids_alloc(&D->cl, svc, cid, n, (int)MIN(T_REQ, left_ms()), 2, &qerr);
	for (size_t i = 0; i < n; i++)
		*dst[i] = cid[i];
	if (D->events & EV_RESET)
		return EX_RESET;
	if (r == -EREMOTEIO && qerr == QERR_CIDS) {
		msg_err("allocate client ids: Client IDs exhausted (leaked by killed QMI programs: "
			"replug or reset the modem)");
		return EX_CIDS;
	}
	if (r == -EREMOTEIO)
		return qmi_fail(r, qerr, "allocate client ids");
	return r ? req_fail(r, "allocate client ids") : EX_OK;
}

static void session_reset(void)
{
	D->events &= EV_STOP;
	D->use_dms = D->pin_tried = false;
	D->cid_nas = D->cid_dms = D->cid_uim = D->cid_wda = QMIC_NO_CID;
	for (int i = 0; i < NFAM; i++) {
		struct fam *f = &D->fam[i];

		f->up = f->dropped = false;
		f->cid = QMIC_NO_CID;
		f->pdh = QMI_U32_UNKNOWN;
	}
}

/* Open, SIM, registration, data format, calls, settings, interface. */
static int up_once(void)
{
	int r;

	session_reset();
	r = open_dev();
	if (!r)
		r = get_versions();
	if (!r)
		r = alloc_cids();
	if (!r)
		r = sim_check();
	if (!r)
		r = registration();
	if (!r)
		r = data_format();
	if (!r)
		r = start_calls();
	if (!r)
		r = read_settings();
	if (!r)
		r = configure();
	qmic_ind_del(&D->cl, &D->srv_ind);
	if (!r && D->events & EV_STOP)
		r = EX_STOP;
	return r;
}

/* Stop the calls that are up, all at once, briefly: the exit path never hangs. EX_TIMEOUT if
 * the modem did not answer. */
static int stop_calls(void)
{
	struct qmic_req *list[2] = {0};
	unsigned ev;
	size_t n = 0;
	int r;

	for (int i = 0; i < NFAM; i++) {
		struct fam *f = &D->fam[i];

		if (!f->up)
			continue;
		/* a call we found up: the global handle, autoconnect off (as qmi.sh) */
		req_init(&f->req, f->tx,
			 qmi_wds_stop_network_req(f->tx, sizeof(f->tx), f->cid, 0, f->pdh,
						  f->pdh == QMI_U32_UNKNOWN ? 1 : QMI_U8_UNKNOWN),
			 T_STOP, 0, f->rx, sizeof(f->rx), &f->m);
		f->req.timeout_ms = T_STOP;
		list[n++] = &f->req;
		f->up = false;
	}
	if (!n)
		return EX_OK;
	ev = D->events;
	D->events = 0; /* the stop itself must go out, whatever brought us here */
	r = send_wait(list, n, "stop network");
	D->events |= ev;
	return r;
}

/* End the session after outcome r: configuration off, calls stopped and client ids released
 * when the modem is still there to hear it, device closed when gone. */
static void teardown(int r)
{
	int64_t saved = D->deadline;

	unconfigure();
	for (int i = 0; i < NFAM; i++)
		qmic_ind_del(&D->cl, &D->fam[i].ind);
	D->deadline = loop_now_ms() + T_STOP + T_RELEASE + 500;
	/* after a Sync indication nothing is left to stop or release (on_reset emptied both) */
	if (r != EX_GONE && D->cl.w.kind != WDM_NONE && !D->cl.dev_err) {
		int wedged = stop_calls() == EX_TIMEOUT;

		qmic_release_all(&D->cl, wedged ? T_RELEASE_WEDGED : T_RELEASE);
	}
	if (r == EX_GONE || D->cl.dev_err)
		qmic_close(&D->cl);
	D->cl.n_cids = 0;
	for (int i = 0; i < NFAM; i++)
		D->fam[i].up = false;
	D->deadline = saved;
	if (D->state_saved) {
		unlink(D->state_path);
		D->state_saved = false;
	}
	log_counts("total");
}

/* ======================================== output ======================================== */

static const char *pdp_name(void)
{
	static const char *const names[] = {"ipv4", "ppp", "ipv6", "ipv4v6"};
	const struct fam *f = &D->fam[D->fam[1].up && !D->fam[0].up];

	if (D->fam[0].up && D->fam[1].up)
		return "ipv4v6";
	if (f->set.pdp_type < ARRAY_SIZE(names))
		return names[f->set.pdp_type];
	return f->family == QMI_IP_FAMILY_V6 ? "ipv6" : "ipv4";
}

static void out_v4(struct out *o, const struct fam *f)
{
	const struct qmi_wds_settings *s = &f->set;

	out_obj_begin(o, "ipv4");
	if (f->up) {
		if (s->ipv4.valid)
			out_ip4(o, "ip", s->ipv4.addr);
		if (s->netmask4.valid)
			out_ip4(o, "subnet", s->netmask4.addr);
		if (s->gateway4.valid)
			out_ip4(o, "gateway", s->gateway4.addr);
		if (s->dns4[0].valid)
			out_ip4(o, "dns1", s->dns4[0].addr);
		if (s->dns4[1].valid)
			out_ip4(o, "dns2", s->dns4[1].addr);
	}
	out_obj_end(o);
}

static void out_v6(struct out *o, const struct fam *f)
{
	const struct qmi_wds_settings *s = &f->set;

	out_obj_begin(o, "ipv6");
	if (f->up) {
		if (s->ipv6.valid) {
			out_ip6(o, "ip", s->ipv6.addr);
			if (s->ipv6.prefix <= 128)
				out_uint(o, "ip-prefix-length", s->ipv6.prefix);
		}
		if (s->gateway6.valid)
			out_ip6(o, "gateway", s->gateway6.addr);
		if (s->dns6[0].valid)
			out_ip6(o, "dns1", s->dns6[0].addr);
		if (s->dns6[1].valid)
			out_ip6(o, "dns2", s->dns6[1].addr);
	}
	out_obj_end(o);
}

/* The call part of up and status: connected, pdp-type, mtu, ipv4, ipv6 (uqmi's keys). */
static void out_call(struct out *o)
{
	bool up = D->fam[0].up || D->fam[1].up;
	uint32_t mtu = 0;

	out_bool(o, "connected", up);
	if (!up)
		return;
	out_str(o, "pdp-type", pdp_name(), 0);
	for (int i = 0; i < NFAM; i++)
		if (D->fam[i].up && D->fam[i].set.mtu != QMI_U32_UNKNOWN)
			mtu = MAX(mtu, D->fam[i].set.mtu);
	if (mtu)
		out_uint(o, "mtu", mtu);
	if (D->ifname[0] && !D->no_netconfig)
		out_str(o, "interface", D->ifname, 0);
	if (D->fam[0].want || D->json)
		out_v4(o, &D->fam[0]);
	if (CFG_FEATURE_IPV6 && (D->fam[1].want || D->json))
		out_v6(o, &D->fam[1]);
}

static void out_begin(struct out *o)
{
	out_init(o, 1, D->json ? OUT_JSON : OUT_HUMAN);
}

static void print_settings(void)
{
	struct out o;

	out_begin(&o);
	out_call(&o);
	out_finish(&o);
}

/* ======================================== up ============================================ */

static void listen_calls(void)
{
	for (int i = 0; i < NFAM; i++) {
		struct fam *f = &D->fam[i];

		if (f->up)
			ind_listen(&f->ind, QMI_SVC_WDS, f->cid, QMI_WDS_PKT_STATUS, on_pkt_status);
	}
}

/* Connected: record the session (--once: failing to is an error, nothing could end it). */
static int connected(void)
{
	int r;

	D->connected_at = loop_now_ms();
	log_counts("up");
	r = state_save(D->once ? 0 : getpid());
	D->state_saved = !r;
	if (r && D->once) {
		msg_perr(r, "record the session in %s", D->state_path);
		return EX_ERR;
	}
	if (r)
		msg_verbose("record the session in %s: %s", D->state_path, strerror(-r));
	print_settings();
	listen_calls();
	return EX_OK;
}

/* Why supervision woke: say it. */
static void say_event(void)
{
	if (D->events & EV_GONE) {
		msg_err("%s is gone", D->dev);
	} else if (D->events & EV_RESET) {
		msg_err("the modem reset its QMI clients: the session is gone");
	} else {
		for (int i = 0; i < NFAM; i++)
			if (D->fam[i].dropped)
				say_call_end(i ? "IPv6 call lost" : "IPv4 call lost",
					     &D->fam[i].end);
	}
}

static int outcome_of_events(void)
{
	return D->events & EV_GONE ? EX_GONE : D->events & EV_RESET ? EX_RESET : EX_CALL;
}

/* Fatal during supervision: retrying cannot help, or would spend PIN tries. */
static bool fatal(int r)
{
	return r == EX_PIN || r == EX_PINREQ || r == EX_USAGE;
}

static unsigned jitter(unsigned ms)
{
	static uint32_t seed;

	if (!seed)
		seed = (uint32_t)getpid() ^ (uint32_t)loop_now_ms();
	seed = seed * 1103515245u + 12345u;
	return ms - ms / 5 + (seed >> 8) % (ms / 5 * 2 + 1); /* +-20 % */
}

/* Foreground: sleep in poll() until an indication, a signal or the device says something
 * (no timer, no polling: zero wakeups while connected); redial with capped backoff. The calls
 * are one session: losing either family's call redials both. */
static int supervise(void)
{
	unsigned backoff = BACKOFF_MIN, delay;
	int r;

	for (;;) {
		while (!D->events)
			if (loop_run_once(-1) < 0)
				break;
		if (D->events & EV_STOP) {
			teardown(EX_STOP);
			return EX_OK;
		}
		say_event();
		if (loop_now_ms() - D->connected_at >= STABLE_MS)
			backoff = BACKOFF_MIN;
		teardown(outcome_of_events());
		for (;;) {
			delay = jitter(backoff);
			msg_info("redialling in %u.%u s", delay / 1000, delay % 1000 / 100);
			if (wait_ms(delay, false))
				return EX_OK;
			backoff = MIN(backoff * 2, BACKOFF_MAX);
			D->deadline = loop_now_ms() + D->timeout_s * 1000LL;
			r = up_once();
			if (!r)
				break;
			teardown(r);
			if (r == EX_STOP)
				return EX_OK;
			if (fatal(r))
				return r;
		}
		connected();
	}
}

static int public_code(int r)
{
	switch (r) {
	case EX_STOP:
		return EX_OK;
	case EX_GONE:
		return EX_NODEV;
	case EX_RESET:
		return EX_ERR;
	default:
		return r;
	}
}

/* A record from an earlier run: refuse while it is alive, clean up after a crashed one. */
static int down_saved(struct saved *sv);

static int up_prepare(void)
{
	struct saved sv;
	int r = state_load(&sv);

	if (r == -ENOENT)
		return EX_OK;
	if (r) {
		msg_verbose("ignoring %s: %s", D->state_path, strerror(-r));
		return EX_OK;
	}
	if (sv.pid == 0) {
		msg_err("%s is up already (qmi-dial --once): run qmi-dial down first", D->dev);
		return EX_ERR;
	}
	if (dial_alive(sv.pid)) {
		msg_err("%s is being dialled by process %d already", D->dev, sv.pid);
		return EX_ERR;
	}
	msg_info("cleaning up after an earlier run that ended abruptly");
	down_saved(&sv);
	return EX_OK;
}

/* --once must be able to record the session: find out before dialling. */
static int state_dir_check(void)
{
	mkdir(D->state_dir, 0755);
	if (access(D->state_dir, W_OK | X_OK) == 0)
		return EX_OK;
	msg_perr(errno, "state directory %s", D->state_dir);
	return EX_ERR;
}

static int cmd_up(void)
{
	int r = D->once ? state_dir_check() : EX_OK, attempt = 0;

	if (!r)
		r = up_prepare();
	if (r)
		return r;
	for (;;) {
		r = up_once();
		if (!r)
			break;
		teardown(r);
		if (r != EX_RESET || ++attempt > 2 || left_ms() <= 0)
			return public_code(r);
		msg_info("the modem reset its QMI clients: starting over");
	}
	r = connected();
	if (r) {
		teardown(r);
		return r;
	}
	if (!D->once)
		return supervise();
	D->state_saved = false; /* it outlives us */
	/* leave the calls and their WDS client ids; give back the rest */
	for (int i = 0; i < NFAM; i++)
		if (D->fam[i].up)
			qmic_cid_forget(&D->cl, QMI_SVC_WDS, D->fam[i].cid);
	qmic_release_all(&D->cl, T_RELEASE);
	log_counts("total");
	return EX_OK;
}

/* ======================================== down ========================================== */

static int down_saved(struct saved *sv)
{
	bool proxy = D->proxy;
	int r;

	D->proxy = sv->proxy;
	if (!D->ifname[0])
		fmt_buf(D->ifname, sizeof(D->ifname), "%s", sv->ifname);
	r = open_dev();
	for (int i = 0; i < NFAM && !r; i++) {
		if (!sv->fam[i])
			continue;
		D->fam[i].up = true;
		D->fam[i].cid = sv->cid[i];
		D->fam[i].pdh = sv->pdh[i];
		qmic_cid_adopt(&D->cl, QMI_SVC_WDS, sv->cid[i]);
	}
	if (r)
		msg_info("the calls end with the device");
	if (sv->has_netcfg) {
		D->st = sv->st;
		if (!D->nl_open && nl_open(&D->nl) == 0)
			D->nl_open = true;
		D->configured = D->nl_open;
	}
	if (sv->script[0]) {
		D->script = sv->script;
		memset(&D->cfg, 0, sizeof(D->cfg));
		fmt_buf(D->cfg.ifname, sizeof(D->cfg.ifname), "%s", D->ifname);
		D->hooked = true;
	}
	teardown(r ? EX_GONE : EX_OK);
	D->script = NULL;
	D->proxy = proxy;
	unlink(D->state_path);
	return EX_OK;
}

static int cmd_down(void)
{
	struct saved sv;
	int r = state_load(&sv);

	if (r == -ENOENT) {
		msg_err("down: no session of %s recorded in %s", D->dev, D->state_dir);
		return EX_ERR;
	}
	if (r) {
		msg_perr(r, "read %s", D->state_path);
		return EX_ERR;
	}
	if (sv.pid && dial_alive(sv.pid)) {
		/* a foreground qmi-dial owns it: it tears down itself */
		if (kill(sv.pid, SIGTERM) < 0) {
			msg_perr(errno, "stop process %d", sv.pid);
			return EX_ERR;
		}
		while (dial_alive(sv.pid) && left_ms() > 0)
			wait_ms(100, true);
		if (!dial_alive(sv.pid))
			return EX_OK;
		msg_err("process %d did not end within %d s", sv.pid, D->timeout_s);
		return EX_TIMEOUT;
	}
	return down_saved(&sv);
}

/* ======================================== status ======================================== */

static void out_sim(struct out *o, const struct sim *s, int r)
{
	static const char *const names[] = {"ready",	    "initialising", "absent",  "error",
					    "pin-required", "puk-required", "blocked", "illegal"};

	out_obj_begin(o, "sim");
	if (!r) {
		out_str(o, "state", names[s->state], 0);
		if (s->app_state != QMI_U8_UNKNOWN)
			out_str(o, "card_application_state", qmi_uim_app_state_name(s->app_state),
				0);
		if (s->verify_left != QMI_U8_UNKNOWN)
			out_uint(o, "pin1_verify_tries", s->verify_left);
		if (s->unblock_left != QMI_U8_UNKNOWN)
			out_uint(o, "pin1_unlock_tries", s->unblock_left);
	}
	out_obj_end(o);
}

static void out_serving(struct out *o)
{
	const struct qmi_nas_serving *s = &D->srv;

	out_str(o, "registration", qmi_nas_reg_state_name(s->reg_state), 0);
	if (s->mcc != QMI_U16_UNKNOWN) {
		out_uint(o, "plmn_mcc", s->mcc);
		out_uint(o, "plmn_mnc", s->mnc);
	}
	if (s->description[0])
		out_str(o, "plmn_description", s->description, 0);
	if (s->roaming != QMI_U8_UNKNOWN)
		out_bool(o, "roaming", s->roaming == 0);
	out_arr_begin(o, "radio_interface");
	for (unsigned i = 0; i < s->n_rat && i < ARRAY_SIZE(s->rat); i++)
		out_str(o, NULL, qmi_nas_rat_name(s->rat[i]), 0);
	out_arr_end(o);
}

static void out_sig(struct out *o, const char *key, int16_t v)
{
	if (v != QMI_I16_UNKNOWN)
		out_int(o, key, v);
}

/* uqmi's --get-signal-info shape, the best RAT only; snr in whole dB (no floats here) */
static void out_signal(struct out *o, const struct qmi_nas_signal *s)
{
	out_obj_begin(o, "signal");
	if (s->nr_rsrp != QMI_I16_UNKNOWN) {
		out_str(o, "type", "5gnr", 0);
		out_sig(o, "rsrp", s->nr_rsrp);
		out_sig(o, "rsrq", s->nr_rsrq);
		out_sig(o, "snr", s->nr_snr == QMI_I16_UNKNOWN ? s->nr_snr : s->nr_snr / 10);
	} else if (s->lte_rssi != QMI_I16_UNKNOWN) {
		out_str(o, "type", "lte", 0);
		out_sig(o, "rssi", s->lte_rssi);
		out_sig(o, "rsrq", s->lte_rsrq);
		out_sig(o, "rsrp", s->lte_rsrp);
		out_sig(o, "snr", s->lte_snr == QMI_I16_UNKNOWN ? s->lte_snr : s->lte_snr / 10);
	} else if (s->umts_rssi != QMI_I16_UNKNOWN) {
		out_str(o, "type", "wcdma", 0);
		out_sig(o, "rssi", s->umts_rssi);
		out_sig(o, "ecio",
			s->umts_ecio == QMI_I16_UNKNOWN ? s->umts_ecio : -s->umts_ecio / 2);
	} else if (s->gsm_rssi != QMI_I16_UNKNOWN) {
		out_str(o, "type", "gsm", 0);
		out_sig(o, "signal", s->gsm_rssi);
	}
	out_obj_end(o);
}

/* Data state of one call's client: packet status, and the settings when connected. */
static int status_call(struct fam *f, uint8_t *status)
{
	struct qmi_wds_pkt_status ps;
	int r;

	*status = QMI_U8_UNKNOWN;
	r = req1(qmi_empty_req(D->tx, sizeof(D->tx), QMI_SVC_WDS, f->cid, 0, QMI_WDS_PKT_STATUS),
		 T_REQ, 2, "get packet service status");
	if (r)
		return r;
	if (qmi_wds_pkt_status_rsp(&D->m, &ps, NULL) == 0)
		*status = ps.status;
	if (*status != QMI_WDS_CONNECTED)
		return EX_OK;
	r = req1(
		qmi_wds_get_settings_req(D->tx, sizeof(D->tx), f->cid, 0, QMI_WDS_SETTINGS_DEFAULT),
		T_REQ, 2, "get current settings");
	if (!r && qmi_wds_get_settings_rsp(&D->m, &f->set, NULL) == 0)
		f->up = true;
	return r;
}

/* WDS clients of the recorded session (adopted, not released), or fresh ones. */
static int status_wds(struct saved *sv)
{
	uint8_t svc[2] = {QMI_SVC_WDS, QMI_SVC_WDS}, cid[2];
	uint16_t qerr = 0;
	int n = 0, r;

	for (int i = 0; i < NFAM; i++) {
		struct fam *f = &D->fam[i];

		if (sv->fam[i]) {
			f->cid = sv->cid[i];
			f->adopted = true;
			f->want = true;
		} else if (!sv->fam[0] && !sv->fam[1] && f->want) {
			n++;
		} else {
			f->want = false;
		}
	}
	if (n) {
		r = qmic_cids_alloc(&D->cl, svc, cid, (size_t)n, T_REQ, 2, &qerr);
		if (r)
			return r == -EREMOTEIO ? qmi_fail(r, qerr, "allocate a WDS client id")
					       : req_fail(r, "allocate a WDS client id");
		for (int i = 0, k = 0; i < NFAM; i++)
			if (D->fam[i].want)
				D->fam[i].cid = cid[k++];
		if (CFG_FEATURE_IPV6 && D->fam[1].want)
			return req1(qmi_wds_set_ip_family_req(D->tx, sizeof(D->tx), D->fam[1].cid,
							      0, QMI_IP_FAMILY_V6),
				    T_REQ, 2, "set IP family IPv6");
	}
	return EX_OK;
}

static int cmd_status(void)
{
	struct qmi_nas_signal sig;
	struct saved sv;
	struct sim sim;
	struct out o;
	uint8_t svc[2] = {QMI_SVC_NAS, QMI_SVC_UIM}, cid[2], wst[2] = {0xFF, 0xFF};
	uint16_t qerr = 0;
	int r, rs, rsig;

	if (state_load(&sv))
		memset(&sv, 0, sizeof(sv));
	else if (!D->ifname[0])
		fmt_buf(D->ifname, sizeof(D->ifname), "%s", sv.ifname);
	session_reset();
	r = open_dev();
	if (r)
		return r;
	r = qmic_cids_alloc(&D->cl, svc, cid, 2, T_REQ, 2, &qerr);
	D->cid_nas = cid[0];
	D->cid_uim = cid[1];
	if (r && cid[0] == QMIC_NO_CID) {
		r = r == -EREMOTEIO ? qmi_fail(r, qerr, "allocate client ids")
				    : req_fail(r, "allocate client ids");
		goto out;
	}
	D->use_dms = cid[1] == QMIC_NO_CID;
	rs = sim_query(&sim);
	if (rs == EX_WAIT) {
		sim.state = SIM_INIT;
		sim.verify_left = sim.unblock_left = sim.app_state = QMI_U8_UNKNOWN;
		rs = 0;
	}
	r = serving_query();
	if (!r)
		r = req1(qmi_empty_req(D->tx, sizeof(D->tx), QMI_SVC_NAS, D->cid_nas, 0,
				       QMI_NAS_SIGNAL_INFO),
			 T_REQ, 2, "get signal info");
	rsig = r ? r : qmi_nas_get_signal_rsp(&D->m, &sig, NULL);
	if (!r)
		r = status_wds(&sv);
	for (int i = 0; !r && i < NFAM; i++)
		if (D->fam[i].want)
			r = status_call(&D->fam[i], &wst[i]);
	if (r)
		goto out;
	out_begin(&o);
	out_str(&o, "device", D->dev, 0);
	out_sim(&o, &sim, rs);
	out_serving(&o);
	if (!rsig)
		out_signal(&o, &sig);
	out_str(&o, "data-status", qmi_wds_status_name(wst[wst[0] == 0xFF]), 0);
	out_call(&o);
	out_finish(&o);
out:
	for (int i = 0; i < NFAM; i++)
		if (D->fam[i].adopted)
			qmic_cid_forget(&D->cl, QMI_SVC_WDS, D->fam[i].cid);
	for (int i = 0; i < NFAM; i++)
		D->fam[i].up = false; /* status never stops a call */
	teardown(EX_OK);
	return public_code(r);
}

/* ======================================== options ======================================= */

enum {
	O_APN = 256,
	O_AUTH,
	O_USER,
	O_PWFILE,
	O_PINFILE,
	O_IP,
	O_PROFILE,
	O_METRIC,
	O_NONET,
	O_SCRIPT,
	O_DNS,
	O_STATE,
	O_TIMEOUT,
	O_ONCE,
	O_JSON,
};

static const struct option longopts[] = {
	{"apn", required_argument, NULL, O_APN},
	{"auth", required_argument, NULL, O_AUTH},
	{"user", required_argument, NULL, O_USER},
	{"password-file", required_argument, NULL, O_PWFILE},
	{"pin-file", required_argument, NULL, O_PINFILE},
	{"ip", required_argument, NULL, O_IP},
	{"profile", required_argument, NULL, O_PROFILE},
	{"metric", required_argument, NULL, O_METRIC},
	{"no-netconfig", no_argument, NULL, O_NONET},
	{"script", required_argument, NULL, O_SCRIPT},
	{"dns-file", required_argument, NULL, O_DNS},
	{"state-dir", required_argument, NULL, O_STATE},
	{"timeout", required_argument, NULL, O_TIMEOUT},
	{"once", no_argument, NULL, O_ONCE},
	USE_FEATURE_JSON({"json", no_argument, NULL, O_JSON}, ){NULL, 0, NULL, 0},
};

static int bad(const char *what, const char *arg)
{
	char m[160];

	fmt_buf(m, sizeof(m), "%s: %s", what, arg);
	return applet_usage(m);
}

static int opt_num(const char *arg, uint64_t min, uint64_t max, uint64_t *v, const char *what)
{
	return parse_uint(arg, min, max, v) ? bad(what, arg) : 0;
}

static int opt_auth(const char *a)
{
	static const char *const names[] = {"none", "pap", "chap", "both"};

	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(a, names[i])) {
			D->auth = (uint8_t)i; /* QMI_WDS_AUTH_* bits: PAP 1, CHAP 2, both 3 */
			return 0;
		}
	return bad("bad --auth (none, pap, chap or both)", a);
}

static int opt_ip(const char *a)
{
	D->want_v4 = !strcmp(a, "4") || !strcmp(a, "4v6");
	D->want_v6 = !strcmp(a, "6") || !strcmp(a, "4v6");
	if (!D->want_v4 && !D->want_v6)
		return bad("bad --ip (4, 6 or 4v6)", a);
	if (D->want_v6 && !CFG_FEATURE_IPV6)
		return bad("IPv6 is not in this build", a);
	return 0;
}

static int parse_long(int c, const char *arg, const char **pin_file, const char **pw_file)
{
	uint64_t v;
	int r = 0;

	switch (c) {
	case O_APN:
		D->apn = arg;
		return strlen(arg) >= QMI_APN_MAX ? bad("APN too long", arg) : 0;
	case O_AUTH:
		return opt_auth(arg);
	case O_USER:
		D->user = arg;
		return 0;
	case O_PWFILE:
		*pw_file = arg;
		return 0;
	case O_PINFILE:
		*pin_file = arg;
		return 0;
	case O_IP:
		return opt_ip(arg);
	case O_PROFILE:
		r = opt_num(arg, 1, 254, &v, "bad --profile");
		D->profile = (uint8_t)v;
		return r;
	case O_METRIC:
		r = opt_num(arg, 0, UINT32_MAX - 1, &v, "bad --metric");
		D->metric = (uint32_t)v;
		return r;
	case O_NONET:
		D->no_netconfig = true;
		return 0;
	case O_SCRIPT:
		D->script = arg;
		return 0;
	case O_DNS:
		D->dns_file = arg;
		return 0;
	case O_STATE:
		D->state_dir = arg;
		return 0;
	case O_TIMEOUT:
		r = opt_num(arg, 1, 86400, &v, "bad --timeout");
		D->timeout_s = (int)v;
		return r;
	case O_ONCE:
		D->once = true;
		return 0;
	case O_JSON:
		D->json = true;
		return 0;
	default:
		return applet_usage("unknown option");
	}
}

static int parse_args(int argc, char **argv)
{
	const char *pin_file = NULL, *pw_file = NULL;
	int c, r, verbose = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:i:vSp", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			D->dev = optarg;
			break;
		case 'i':
			if (nl_ifname_check(optarg))
				return bad("bad interface name", optarg);
			fmt_buf(D->ifname, sizeof(D->ifname), "%s", optarg);
			break;
		case 'v':
			verbose++;
			break;
		case 'S':
			msg_set_syslog(MSG_DEV_LOG);
			break;
		case 'p':
			D->proxy = true;
			break;
		case ':':
			return bad("option needs a value", argv[optind - 1]);
		case '?':
			return bad("unknown option", argv[optind - 1]);
		default:
			r = parse_long(c, optarg, &pin_file, &pw_file);
			if (r)
				return r;
		}
	}
	msg_set_verbose(verbose);
	if (optind < argc) {
		if (!strcmp(argv[optind], "up"))
			D->cmd = CMD_UP;
		else if (!strcmp(argv[optind], "down"))
			D->cmd = CMD_DOWN;
		else if (!strcmp(argv[optind], "status"))
			D->cmd = CMD_STATUS;
		else
			return bad("unknown command", argv[optind]);
		if (optind + 1 < argc)
			return bad("unexpected argument", argv[optind + 1]);
	}
	if (D->no_netconfig && D->script)
		return applet_usage("--no-netconfig and --script exclude each other");
	if ((D->user || pw_file || getenv("WWANBOX_PASSWORD")) && D->auth == QMI_U8_UNKNOWN)
		D->auth = QMI_WDS_AUTH_PAP | QMI_WDS_AUTH_CHAP;
	return D->cmd == CMD_UP ? read_secrets(pin_file, pw_file) : 0;
}

static void defaults(struct dial *d)
{
	memset(d, 0, offsetof(struct dial, nl));
	d->auth = d->profile = QMI_U8_UNKNOWN;
	d->metric = DEFAULT_METRIC;
	d->timeout_s = DEFAULT_TIMEOUT;
	d->dns_file = "/etc/resolv.conf";
	d->state_dir = "/run/wwanbox";
	d->want_v4 = true;
	d->nl.fd = -1;
	d->fam[0].family = QMI_IP_FAMILY_V4;
	d->fam[1].family = QMI_IP_FAMILY_V6;
	d->cl.on_reset = on_reset;
	d->cl.on_error = on_dev_error;
	d->cl.trace = on_trace;
}

int qmi_dial_main(int argc, char **argv)
{
	struct dial d;
	int r;

	D = &d;
	memset(&d.cl, 0, offsetof(struct qmic, w));
	defaults(&d);
	qmic_init(&d.cl);
	msg_set_applet("qmi-dial");
	r = parse_args(argc, argv);
	if (r)
		return r;
	d.fam[0].want = d.want_v4;
	d.fam[1].want = d.want_v6;
	if (d.json)
		msg_set_info_fd(2);
	signal(SIGPIPE, SIG_IGN);
	loop_signal(SIGTERM, on_signal);
	loop_signal(SIGINT, on_signal);
	d.deadline = loop_now_ms() + d.timeout_s * 1000LL;
	r = locate(d.cmd == CMD_UP && !d.no_netconfig);
	if (!r && state_path()) {
		msg_err("state file name too long");
		r = EX_ERR;
	}
	if (!r)
		r = d.cmd == CMD_UP ? cmd_up() : d.cmd == CMD_DOWN ? cmd_down() : cmd_status();
	qmic_close(&d.cl);
	if (d.nl_open)
		nl_close(&d.nl);
	explicit_bzero(d.pin, sizeof(d.pin));
	explicit_bzero(d.password, sizeof(d.password));
	return r;
}
