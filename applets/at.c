/* at.c - talk to the modem's AT port: run commands, listen for unsolicited codes, or a terminal.
USE_AT(APPLET(at))

config AT
	bool "at: AT commands, URCs, terminal, port autodetect (~25 KB with core AT and sysfs)"
	default n
	select CORE_AT
	select CORE_SYSFS
	select CORE_OUT
	help
	  usage: at [-d TTY] [-b BAUD] [-t SEC] [--json] [-v] [--force] CMD...
	         at [-d TTY] --urc SEC
	         at [-d TTY] -i

	  Send each CMD in order ("AT" is added when missing) and print its response lines and
	  final result; stop at the first command that fails. Unsolicited result codes that
	  arrive meanwhile (+CREG:, RING, +QIND:, ^MODE: ...) are kept apart: on stderr as
	  "at: urc: ...", or in the "urc" list of --json. The port is locked the UUCP way
	  (/var/lock/LCK..ttyUSB2 with our pid) and a port another live process holds is refused.
	  TTY may also be a cdc-wdm device that carries AT (huawei_cdc_ncm) or a unix socket.

	  Without -d, the AT port is found: the ttys of the modems in sysfs (and a cdc-wdm that
	  carries AT) are probed with "AT" in parallel, skipping locked ones; the first that answers
	  OK (lowest interface of the first modem) is used.

	  -d TTY          the AT port (/dev/ttyUSB2, /dev/cdc-wdm0, ...)
	  -b BAUD         tty speed [115200]
	  -t SEC          timeout of each command [5]; a modem that answers nothing fails after it
	  --json          {"device", "commands": [{"command", "response": [...], "result",
	                  "code", "error"}], "urc": [...]}; PINs and passwords read "(hidden)"
	  --urc SEC       print the unsolicited codes that arrive within SEC seconds, one a line
	  -i              interactive terminal: keys go to the modem, its output to the screen;
	                  Ctrl-] leaves. From a pipe, newlines are sent as CR and it ends shortly
	                  after the input does
	  -v              show the lines sent and received on stderr (secrets hidden)
	  --force         use a port locked by another process (its lock is left alone)
	  --lock-dir DIR  UUCP lock directory [/var/lock]; none when it does not exist
	  --sysfs-root DIR, --dev-root DIR  where sysfs and the device nodes are [/sys, /dev]

	  Exit codes: 0 every command answered OK (or CONNECT), 1 the modem answered an error
	  (ERROR, +CME ERROR, +CMS ERROR, NO CARRIER, BUSY, ...) or another error, 2 usage, 3 no
	  final result within the timeout, 4 the port is locked by another process, 5 no AT port
	  found or the port went away.
*/
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "wwanbox.h"
#include "applet.h"
#include "at.h"
#include "fmt.h"
#include "msg.h"
#include "out.h"
#include "sysfs.h"

enum { EXIT_MODEM = 1, EXIT_USAGE = 2, EXIT_TIMEOUT = 3, EXIT_BUSY = 4, EXIT_NOPORT = 5 };

#define URC_KEEP 16 /* URCs kept for the JSON "urc" list */
#define URC_LEN 256

static struct {
	const char *dev, *lock_dir, *sysfs_root, *dev_root;
	unsigned baud;
	int timeout_ms, urc_sec;
	bool json, interactive, force;
	char path[256];
	unsigned nurc;
	char urc[URC_KEEP][URC_LEN];
} opt;

static struct at_port port;
static struct at_resp resp;
static struct out out;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void put(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void put_line(int fd, const char *s, size_t len)
{
	put(fd, s, len);
	put(fd, "\n", 1);
}

static void on_urc(void *arg, const char *line, size_t len)
{
	(void)arg;
	if (opt.urc_sec) {
		put_line(1, line, len);
	} else if (opt.json) {
		if (opt.nurc < URC_KEEP)
			fmt_buf(opt.urc[opt.nurc++], URC_LEN, "%.*s", (int)len, line);
	} else {
		msg_info("urc: %.*s", (int)len, line);
	}
}

/* -v: every line received; the echo is the command again, so it is redacted like it. */
static void on_line(void *arg, enum at_line_kind kind, const char *line, size_t len)
{
	char red[AT_CMD_MAX];

	(void)arg;
	if (kind == AT_LINE_ECHO) {
		at_redact(port.parser.cmd, red, sizeof(red));
		msg_verbose("< %s (echo)", red);
	} else {
		msg_verbose("< %.*s%s", (int)len, line, kind == AT_LINE_URC ? " (urc)" : "");
	}
}

/* ---- finding the port ---- */

static int find_port(void)
{
	static struct sysfs_modem modems[SYSFS_MAX_MODEMS];
	static struct at_port probe[AT_PROBE_MAX];
	char paths[AT_PROBE_MAX][128];
	const char *pp[AT_PROBE_MAX] = {NULL};
	int res[AT_PROBE_MAX], n = 0, nm, busy = 0;
	struct at_opts o = {.baud = opt.baud, .lock_dir = opt.lock_dir};

	nm = sysfs_find_modems(opt.sysfs_root, modems, SYSFS_MAX_MODEMS);
	if (nm < 0) {
		msg_perr(nm, "read %s/bus/usb/devices", opt.sysfs_root);
		return EXIT_NOPORT;
	}
	for (int i = 0; i < MIN(nm, SYSFS_MAX_MODEMS); i++) {
		const struct sysfs_modem *m = &modems[i];

		for (unsigned k = 0; k < m->ntty && n < AT_PROBE_MAX; k++)
			fmt_buf(paths[n++], sizeof(paths[0]), "%s/%s", opt.dev_root, m->tty[k]);
		if (m->wdm_at && n < AT_PROBE_MAX)
			fmt_buf(paths[n++], sizeof(paths[0]), "%s/%s", opt.dev_root, m->wdm[0]);
	}
	if (!n) {
		msg_err("no modem with a tty found in %s (give the port with -d)", opt.sysfs_root);
		return EXIT_NOPORT;
	}
	for (int i = 0; i < n; i++)
		pp[i] = paths[i];
	at_probe(probe, pp, res, n, &o, AT_PROBE_TIMEOUT_MS);
	for (int i = 0; i < n; i++) {
		busy += res[i] == -EBUSY;
		msg_verbose("%s: %s", paths[i],
			    res[i] == 1	       ? "answers"
			    : res[i] == 0      ? "no answer"
			    : res[i] == -EBUSY ? "locked"
					       : strerror(-res[i]));
	}
	for (int i = 0; i < n; i++) {
		if (res[i] == 1) {
			msg_verbose("AT port: %s", paths[i]);
			fmt_buf(opt.path, sizeof(opt.path), "%s", paths[i]);
			return 0;
		}
	}
	msg_err("no AT port answered (%d probed, %d locked by other processes)", n, busy);
	return busy == n ? EXIT_BUSY : EXIT_NOPORT;
}

static int open_port(void)
{
	struct at_opts o = {.baud = opt.baud, .lock_dir = opt.lock_dir, .force = opt.force};
	int r;

	if (opt.dev) {
		fmt_buf(opt.path, sizeof(opt.path), "%s", opt.dev);
	} else {
		r = find_port();
		if (r)
			return r;
	}
	port.parser.on_urc = on_urc;
	port.parser.on_line = msg_verbose_level() ? on_line : NULL;
	r = at_open(&port, opt.path, &o);
	if (r == -EBUSY) {
		msg_err("%s is in use by process %d (--force to use it anyway)", opt.path,
			(int)port.owner);
		return EXIT_BUSY;
	}
	if (r) {
		msg_perr(r, "open %s", opt.path);
		return r == -ENOENT || r == -ENODEV ? EXIT_NOPORT : 1;
	}
	if (port.owner)
		msg_info("%s is locked by process %d; going ahead (--force)", opt.path,
			 (int)port.owner);
	return 0;
}

/* ---- commands ---- */

static void json_result(const char *cmd, int r)
{
	char red[AT_CMD_MAX];
	const char *text = NULL;

	at_redact(cmd, red, sizeof(red));
	out_obj_begin(&out, NULL);
	out_str(&out, "command", red, 0);
	out_arr_begin(&out, "response");
	for (unsigned i = 0; i < resp.nlines; i++)
		out_str(&out, NULL, at_resp_line(&resp, i), 0);
	out_arr_end(&out);
	if (r == -ETIMEDOUT || r == -ENODEV) {
		out_null(&out, "result");
		out_str(&out, "error", r == -ETIMEDOUT ? "timeout" : "port gone", 0);
	} else {
		out_str(&out, "result", at_result_name(resp.result), 0);
		if (resp.result == AT_RES_CME_ERROR || resp.result == AT_RES_CMS_ERROR) {
			if (resp.code >= 0) {
				out_int(&out, "code", resp.code);
				text = resp.result == AT_RES_CME_ERROR ? at_cme_text(resp.code)
								       : at_cms_text(resp.code);
			} else {
				text = strchr(resp.final, ':') + 1;
				text += strspn(text, " ");
			}
		}
		if (text)
			out_str(&out, "error", text, 0);
	}
	out_obj_end(&out);
}

static void human_result(const char *cmd, int r)
{
	char red[AT_CMD_MAX];
	const char *text = NULL;

	for (unsigned i = 0; i < resp.nlines; i++) {
		const char *l = at_resp_line(&resp, i);

		put_line(1, l, strlen(l));
	}
	if (resp.truncated)
		msg_err("response too long; lines were dropped");
	if (r == 0) {
		put_line(1, resp.final, strlen(resp.final));
		return;
	}
	at_redact(cmd, red, sizeof(red));
	if (r == -ETIMEDOUT) {
		msg_err("%s: no final result within %d s", red, opt.timeout_ms / 1000);
		return;
	}
	if (r == -ENODEV) {
		msg_err("%s: %s went away", red, opt.path);
		return;
	}
	if (r != -EREMOTEIO) {
		msg_perr(r, "%s", red);
		return;
	}
	if (resp.code >= 0)
		text = resp.result == AT_RES_CME_ERROR	 ? at_cme_text(resp.code)
		       : resp.result == AT_RES_CMS_ERROR ? at_cms_text(resp.code)
							 : NULL;
	msg_err("%s: %s%s%s%s", red, resp.final, text ? " (" : "", text ? text : "",
		text ? ")" : "");
}

static int exit_code(int r)
{
	switch (r) {
	case 0:
		return 0;
	case -ETIMEDOUT:
		return EXIT_TIMEOUT;
	case -ENODEV:
		return EXIT_NOPORT;
	default:
		return EXIT_MODEM;
	}
}

static int run_commands(char **cmds, int n)
{
	int ret = 0;

	if (opt.json) {
		out_init(&out, 1, OUT_JSON);
		out_str(&out, "device", opt.path, 0);
		out_arr_begin(&out, "commands");
	}
	for (int i = 0; i < n && !stop; i++) {
		char cmd[AT_CMD_MAX], red[AT_CMD_MAX];
		bool has_at = (cmds[i][0] | 0x20) == 'a' && (cmds[i][1] | 0x20) == 't';
		int r;

		if (fmt_buf(cmd, sizeof(cmd), "%s%s", has_at ? "" : "AT", cmds[i]) >= sizeof(cmd)) {
			msg_err("command %d is too long", i + 1);
			ret = EXIT_USAGE;
			break;
		}
		at_redact(cmd, red, sizeof(red));
		msg_verbose("> %s", red);
		r = at_cmd(&port, cmd, opt.timeout_ms, &resp);
		if (opt.json)
			json_result(cmd, r);
		else
			human_result(cmd, r);
		if (r) {
			ret = exit_code(r);
			break;
		}
	}
	if (opt.json) {
		out_arr_end(&out);
		out_arr_begin(&out, "urc");
		for (unsigned i = 0; i < opt.nurc; i++)
			out_str(&out, NULL, opt.urc[i], 0);
		out_arr_end(&out);
		if (out_finish(&out) && !ret)
			ret = 1;
	}
	return ret;
}

static int listen_urcs(void)
{
	int left = opt.urc_sec * 1000;

	while (left > 0 && !stop) {
		int slice = MIN(left, 200), r = at_listen(&port, slice);

		if (r) {
			msg_perr(r, "read %s", opt.path);
			return EXIT_NOPORT;
		}
		left -= slice;
	}
	return 0;
}

/* ---- interactive ---- */

static int term_raw(struct termios *saved)
{
	struct termios t;

	if (!isatty(0) || tcgetattr(0, saved) < 0)
		return 0;
	t = *saved;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	return tcsetattr(0, TCSAFLUSH, &t) < 0 ? 0 : 1;
}

/* Keys to the modem. 1 = leave (Ctrl-]), 0 = go on, -1 = stdin ended. */
static int keys(bool tty)
{
	char buf[256];
	ssize_t n = read(0, buf, sizeof(buf));
	int r;

	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : -1;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == 0x1d) /* Ctrl-], as microcom and telnet */
			return 1;
		if (!tty && buf[i] == '\n')
			buf[i] = '\r';
	}
	r = at_write(&port, buf, (size_t)n, 1000);
	if (r) {
		msg_perr(r, "write %s", opt.path);
		return 1;
	}
	return 0;
}

static int interactive(void)
{
	struct termios saved;
	bool tty = isatty(0);
	int raw = term_raw(&saved), ret = 0, quiet_ms = -1;

	msg_info("connected to %s; Ctrl-] leaves", opt.path);
	while (!stop) {
		struct pollfd p[2] = {{.fd = quiet_ms < 0 ? 0 : -1, .events = POLLIN},
				      {.fd = port.fd, .events = POLLIN}};
		char buf[512];
		int r = poll(p, 2, quiet_ms < 0 ? -1 : quiet_ms);

		if (r < 0 && errno != EINTR)
			break;
		if (r == 0)
			break; /* input ended and the modem has been quiet since */
		if (p[0].revents) {
			r = keys(tty);
			if (r > 0)
				break;
			if (r < 0) /* end of input from a pipe: wait for the answers */
				quiet_ms = MIN(opt.timeout_ms, 1000);
		}
		if (p[1].revents) {
			ssize_t n = read(port.fd, buf, sizeof(buf));

			if (n > 0) {
				put(1, buf, (size_t)n);
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				msg_err("%s went away", opt.path);
				ret = EXIT_NOPORT;
				break;
			}
		}
	}
	if (raw)
		tcsetattr(0, TCSAFLUSH, &saved);
	if (tty)
		put(1, "\r\n", 2);
	return ret;
}

/* ---- options ---- */

static int parse_num(const char *s, uint64_t min, uint64_t max, const char *what, uint64_t *v)
{
	if (parse_uint(s, min, max, v) == 0)
		return 0;
	msg_err("bad %s: %s", what, s);
	return applet_usage("bad option value");
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"urc", required_argument, NULL, 'u'},
		{"force", no_argument, NULL, 'f'},
		{"lock-dir", required_argument, NULL, 'L'},
		{"sysfs-root", required_argument, NULL, 'R'},
		{"dev-root", required_argument, NULL, 'D'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	opt.lock_dir = AT_LOCK_DIR;
	opt.sysfs_root = SYSFS_ROOT;
	opt.dev_root = "/dev";
	opt.baud = 115200;
	opt.timeout_ms = 5000;
	while ((c = getopt_long(argc, argv, ":d:b:t:iv", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt.dev = optarg;
			break;
		case 'b':
			if (parse_num(optarg, 1, 4000000, "baud rate", &v))
				return EXIT_USAGE;
			opt.baud = (unsigned)v;
			break;
		case 't':
			if (parse_num(optarg, 1, 3600, "timeout", &v))
				return EXIT_USAGE;
			opt.timeout_ms = (int)v * 1000;
			break;
		case 'u':
			if (parse_num(optarg, 1, 86400, "--urc time", &v))
				return EXIT_USAGE;
			opt.urc_sec = (int)v;
			break;
		case 'i':
			opt.interactive = true;
			break;
		case 'v':
			msg_set_verbose(msg_verbose_level() + 1);
			break;
		case 'j':
			opt.json = true;
			break;
		case 'f':
			opt.force = true;
			break;
		case 'L':
			opt.lock_dir = optarg;
			break;
		case 'R':
			opt.sysfs_root = optarg;
			break;
		case 'D':
			opt.dev_root = optarg;
			break;
		case ':':
			return applet_usage("option needs a value");
		default:
			return applet_usage("unknown option");
		}
	}
	if (opt.json && !CFG_FEATURE_JSON)
		return applet_usage("--json is not in this build (FEATURE_JSON)");
	if ((optind < argc) + (opt.urc_sec > 0) + opt.interactive != 1)
		return applet_usage(optind < argc ? "commands, --urc and -i do not mix"
						  : "give commands, --urc SEC or -i");
	return 0;
}

int at_main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	int r;

	msg_set_applet("at");
	msg_set_info_fd(2); /* stdout carries the modem's answers only */
	r = parse_args(argc, argv);
	if (r)
		return r;
	/* no SA_RESTART: a wait sees EINTR and we leave through the cleanup (lock, terminal) */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = open_port();
	if (r)
		return r;
	if (opt.interactive)
		r = interactive();
	else if (opt.urc_sec)
		r = listen_urcs();
	else
		r = run_commands(argv + optind, argc - optind);
	at_close(&port);
	return r;
}
