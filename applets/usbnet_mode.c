/* usbnet_mode.c - see and change how a modem presents itself on USB; switch dongles out of
 * mass-storage mode.
USE_USBNET_MODE(APPLET(usbnet_mode))

config USBNET_MODE
	bool "usbnet-mode: list, set QMI/MBIM/ECM/RNDIS/NCM, raw-ip, eject (~34 KB, ~19 KB with at)"
	default n
	select CORE_AT
	select CORE_SYSFS
	select CORE_USBDEV
	select CORE_NL
	select CORE_OUT
	help
	  usage: usbnet-mode [list] [--json] [--no-probe]
	         usbnet-mode set qmi|mbim|ecm|rndis|ncm|serial [-d TTY] [-u USB] [--value V]
	                     [--no-reset] [--force] [--wait SEC] [--json]
	         usbnet-mode raw-ip on|off -i IFACE
	         usbnet-mode eject VID:PID [--method M] [--message HEX]... [--wait SEC]

	  list (the default) shows each modem: USB port path, VID:PID, manufacturer and product,
	  mode (qmi, mbim, ecm, rndis, ncm, "serial only", or storage for a dongle that still
	  shows its CD-ROM) from the interface classes and bound drivers, its cdc-wdm nodes,
	  netdevs (and qmi_wwan raw_ip), ttys, and which tty answers AT (probed in parallel,
	  locked ports skipped; --no-probe skips it). --json prints an array of objects with the
	  keys usb, vid, pid, manufacturer, product, mode, driver, cdc-wdm, net, raw-ip, tty,
	  at-port.

	  set asks the modem for its current setting first and does nothing if it is already
	  MODE; else it sends the vendor's command (Quectel AT+QCFG="usbnet", Sierra AT!USBCOMP,
	  Telit AT#USBCFG, SIMCom AT+CUSBPIDSWITCH/+CUSBCFG, Fibocom AT+GTUSBMODE, Huawei
	  AT^SETPORT, u-blox AT+UUSBCONF), resets the modem the vendor's way, waits for it to
	  come back on the same USB port and checks the new mode, then prints before and after.
	  A setting that leaves the modem without any serial port is refused unless --force:
	  switching back would then need the modem's QMI or MBIM channel.
	  -d TTY      the AT port (else the modem's ttys are probed)
	  -u USB      which modem, by USB path (when there are several)
	  --value V   the vendor's raw value instead of a mode name (e.g. 901e for SIMCom)
	  --no-reset  only store the setting; it takes effect at the next modem restart
	  --wait SEC  how long to wait for the modem to come back [60]
	  -t SEC      timeout of each AT command [5]

	  raw-ip on|off -i IFACE  switch qmi_wwan between raw IP and 802.3 framing
	  (/sys/class/net/IFACE/qmi/raw_ip); the link is taken down for it and brought back up.

	  eject VID:PID sends the mass-storage dongle a SCSI command over usbdevfs (the
	  usb_modeswitch way): --method standard (eject, the default) | huawei-new (the default
	  for Huawei, 12d1) | huawei-alt | option, or up to five --message HEX (31-byte CBWs as
	  in usb_modeswitch's MessageContent). Then it waits (--wait SEC [20], 0 = not) for the
	  modem to re-enumerate and shows it.

	  Common: --sysfs-root DIR, --dev-root DIR [/sys, /dev], --lock-dir DIR [/var/lock], -v.
	  Exit codes: 0 ok (also: already in that mode), 1 error, 2 usage, 3 the modem did not
	  come back in the new mode within --wait, 4 the AT port is locked by another process,
	  5 no modem or no AT port found, 6 not supported (no table entry for this modem or mode,
	  no mass-storage interface), 7 refused: the mode leaves no serial port (see --force).
*/
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "wwanbox.h"
#include "applet.h"
#include "at.h"
#include "fmt.h"
#include "msg.h"
#include "nl.h"
#include "out.h"
#include "sysfs.h"
#include "usbdev.h"

enum {
	EXIT_ERR = 1,
	EXIT_USAGE = 2,
	EXIT_TIMEOUT = 3,
	EXIT_BUSY = 4,
	EXIT_NODEV = 5,
	EXIT_UNSUPPORTED = 6,
	EXIT_REFUSED = 7,
};

/* ---- the vendor table: notes/quectel-cm-usbnet.md 2 and the sources named there ---- */

enum parse { P_LAST, P_FIRST, P_HUAWEI, P_SIERRA };

struct vmode {
	enum sysfs_mode mode;
	const char *value; /* as written in the set command */
	bool no_tty;	   /* the composition has no serial port at all */
};

struct family {
	const char *name;
	uint16_t vid;
	uint16_t pids[12];   /* 0-terminated; empty = every PID of vid */
	const char *product; /* or: a substring of the product string */
	const char *prepare; /* sent before query and set */
	const char *query;
	const char *set;     /* the value is appended */
	const char *set_end; /* appended after the value */
	const char *reset;   /* NULL: the set command reboots the modem itself */
	enum parse parse;
	struct vmode modes[6];
};

#define M(mode, value)             \
	{                          \
		mode, value, false \
	}
#define NOTTY(mode, value)        \
	{                         \
		mode, value, true \
	}

/* clang-format off */
#define QCFG .query = "AT+QCFG=\"usbnet\"", .set = "AT+QCFG=\"usbnet\",", .reset = "AT+CFUN=1,1"

static const struct family families[] = {
	/* cnblogs "mdm9x07 ATC AT+QCFG usbnet" (0-3, effective after reboot), kernel commit
	 * "option: add Quectel EM05-G" (usbnet 0 RMNET, 2 MBIM), GL.iNet x750 thread (3 RNDIS) */
	{.name = "Quectel LTE (EC2x EG2x EG9x EP06 EM05 EM12 EM160)", .vid = 0x2c7c,
	 .pids = {0x0121, 0x0125, 0x0191, 0x0195, 0x0306, 0x030a, 0x0512, 0x0620}, QCFG,
	 .modes = {M(SYSFS_MODE_QMI, "0"), M(SYSFS_MODE_ECM, "1"), M(SYSFS_MODE_MBIM, "2"),
		   M(SYSFS_MODE_RNDIS, "3")}},
	{.name = "Quectel EC20 (Qualcomm VID)", .vid = 0x05c6, .pids = {0x9215}, QCFG,
	 .modes = {M(SYSFS_MODE_QMI, "0"), M(SYSFS_MODE_ECM, "1"), M(SYSFS_MODE_MBIM, "2"),
		   M(SYSFS_MODE_RNDIS, "3")}},
	/* 5G RM50x/RM52x add 5 = NCM (RM530N-GL notes; a 4G part answers ERROR to it) */
	{.name = "Quectel 5G (RM500Q RM502Q RM520N)", .vid = 0x2c7c, .pids = {0x0800, 0x0801},
	 QCFG,
	 .modes = {M(SYSFS_MODE_QMI, "0"), M(SYSFS_MODE_ECM, "1"), M(SYSFS_MODE_MBIM, "2"),
		   M(SYSFS_MODE_RNDIS, "3"), M(SYSFS_MODE_NCM, "5")}},
	/* kernel commit "USB: serial: option: add Quectel BG95 modem" */
	{.name = "Quectel LPWA (BG95 BG77)", .vid = 0x2c7c, .pids = {0x0700},
	 .query = "AT+QCFGEXT=\"usbnet\"", .set = "AT+QCFGEXT=\"usbnet\",", .reset = "AT+CFUN=1,1",
	 .modes = {M(SYSFS_MODE_SERIAL, "\"modem\""), M(SYSFS_MODE_ECM, "\"ecm\""),
		   M(SYSFS_MODE_QMI, "\"rmnet\"")}},
	/* Unisoc/ASR parts: no rmnet (quectel-CM atc.c, QModem RM500U issue) */
	{.name = "Quectel Unisoc/ASR (EC200x RG500U RM500U)", .vid = 0x2c7c,
	 .pids = {0x0900, 0x0901, 0x6002, 0x6005, 0x6026}, QCFG,
	 .modes = {M(SYSFS_MODE_ECM, "1"), M(SYSFS_MODE_MBIM, "2"), M(SYSFS_MODE_RNDIS, "3"),
		   M(SYSFS_MODE_NCM, "5")}},
	/* AT!USBCOMP=<index>,<type>,<mask>: DIAG 0x1 NMEA 0x4 MODEM 0x8 RMNET0 0x100 MBIM
	 * 0x1000; type 1 Generic on MC73xx/EM74xx (bmork's notes, Techship FAQ) */
	{.name = "Sierra Wireless MC73xx/EM74xx", .vid = 0x1199,
	 .pids = {0x68c0, 0x9041, 0x9071, 0x9079, 0x907b}, .prepare = "AT!ENTERCND=\"A710\"",
	 .query = "AT!USBCOMP?", .set = "AT!USBCOMP=1,", .reset = "AT!RESET", .parse = P_SIERRA,
	 .modes = {M(SYSFS_MODE_QMI, "1,10D"), M(SYSFS_MODE_MBIM, "1,100D")}},
	/* EM7565 firmware: type 1 = MBIM USBIF, 3 = legacy generic (linux-usb "qmi_wwan: add
	 * IDs for EM7565 (9X50) in MBIM USBIF config", on-device AT!USBCOMP=? help) */
	{.name = "Sierra Wireless EM75xx", .vid = 0x1199, .pids = {0x9091, 0x90b1},
	 .prepare = "AT!ENTERCND=\"A710\"", .query = "AT!USBCOMP?", .set = "AT!USBCOMP=1,",
	 .reset = "AT!RESET", .parse = P_SIERRA,
	 .modes = {M(SYSFS_MODE_QMI, "3,10D"), M(SYSFS_MODE_MBIM, "1,100D")}},
	/* #USBCFG values are per family: LE910C1-EU 7 -> 0x1252 MBIM (kernel "option: add
	 * Telit LE910 MBIM composition"), LE910Cx-WWX 1 = ECM, 0 the rmnet default (0x1201) */
	{.name = "Telit LE910Cx", .vid = 0x1bc7,
	 .pids = {0x1201, 0x1203, 0x1204, 0x1206, 0x1230, 0x1231, 0x1250, 0x1252, 0x1260, 0x1261},
	 .query = "AT#USBCFG?", .set = "AT#USBCFG=", .reset = "AT#REBOOT",
	 .modes = {M(SYSFS_MODE_QMI, "0"), M(SYSFS_MODE_ECM, "1"), M(SYSFS_MODE_MBIM, "7")}},
	/* FN920C04: 1 -> 0x10a0 rmnet, 2 -> 0x10a2 MBIM (third-party notes; the compositions
	 * are those of kernel "net: usb: qmi_wwan: add Telit FN920C04 compositions") */
	{.name = "Telit FN920C04", .vid = 0x1bc7, .pids = {0x10a0, 0x10a2, 0x10a4, 0x10a9},
	 .query = "AT#USBCFG?", .set = "AT#USBCFG=", .reset = "AT#REBOOT",
	 .modes = {M(SYSFS_MODE_QMI, "1"), M(SYSFS_MODE_MBIM, "2")}},
	/* SIM82xx by its product string: AT+CUSBCFG=? lists 9001,9003,9011,901e; 901e is MBIM
	 * only, no tty (devhide/codewithsundeep SIM8262E-M2 notes). Before the SIM7x00 entry. */
	{.name = "SIMCom SIM82xx", .vid = 0x1e0e, .product = "SIM82", .query = "AT+CUSBCFG?",
	 .set = "AT+CUSBCFG=usbid,1e0e,", .reset = "AT+CFUN=1,1",
	 .modes = {M(SYSFS_MODE_QMI, "9001"), M(SYSFS_MODE_MBIM, "9003"),
		   M(SYSFS_MODE_RNDIS, "9011"), NOTTY(SYSFS_MODE_MBIM, "901e")}},
	/* kernel option.c: 0x9001 rmnet (SIM7100E), 0x9003 MBIM, 0x9011 RNDIS (SIM7500/SIM7600);
	 * ",1,1" makes the module reboot at once, so there is no separate reset */
	{.name = "SIMCom SIM7100/SIM7500/SIM7600", .vid = 0x1e0e, .pids = {0x9001, 0x9003, 0x9011},
	 .query = "AT+CUSBPIDSWITCH?", .set = "AT+CUSBPIDSWITCH=", .set_end = ",1,1",
	 .parse = P_FIRST,
	 .modes = {M(SYSFS_MODE_QMI, "9001"), M(SYSFS_MODE_MBIM, "9003"),
		   M(SYSFS_MODE_RNDIS, "9011")}},
	/* Intel XMM7360: 0 = NCM (8087:095a), 7 = MBIM (2cb7:0007); AT+CFUN=15 resets (mrhaav
	 * L850 README, xmm7360 notes; "2 = MBIM" of old docs is wrong there) */
	{.name = "Fibocom L850-GL/L860-GL (NCM)", .vid = 0x8087, .pids = {0x095a},
	 .query = "AT+GTUSBMODE?", .set = "AT+GTUSBMODE=", .reset = "AT+CFUN=15",
	 .modes = {M(SYSFS_MODE_NCM, "0"), M(SYSFS_MODE_MBIM, "7")}},
	{.name = "Fibocom L850-GL/L860-GL (MBIM)", .vid = 0x2cb7, .pids = {0x0007},
	 .query = "AT+GTUSBMODE?", .set = "AT+GTUSBMODE=", .reset = "AT+CFUN=15",
	 .modes = {M(SYSFS_MODE_NCM, "0"), M(SYSFS_MODE_MBIM, "7")}},
	/* Unisoc L610: 31 modem only, 32 ECM, 33 RNDIS (ModemManager fibocom port-type rules) */
	{.name = "Fibocom L610", .vid = 0x1782, .pids = {0x4d10, 0x4d11, 0x4d12},
	 .query = "AT+GTUSBMODE?", .set = "AT+GTUSBMODE=", .reset = "AT+CFUN=15",
	 .modes = {M(SYSFS_MODE_SERIAL, "31"), M(SYSFS_MODE_ECM, "32"),
		   M(SYSFS_MODE_RNDIS, "33")}},
	/* ^SETPORT "<first config>;<second>": 10 modem, 12 PCUI (AT), 16 NCM; FF skips the
	 * CD-ROM configuration (E3272/E3372 notes; "AT^SETPORT=\"FF;10,12\" then AT^RESET") */
	{.name = "Huawei (E3372 E3276 ME909 MU709)", .vid = 0x12d1, .query = "AT^SETPORT?",
	 .set = "AT^SETPORT=", .reset = "AT^RESET", .parse = P_HUAWEI,
	 .modes = {M(SYSFS_MODE_NCM, "\"FF;10,12,16\""), M(SYSFS_MODE_SERIAL, "\"FF;10,12\"")}},
	/* +UUSBCONF: 3,"RNDIS",,"0x1146"; 0 ACM only (0x1141), 2 ECM (0x1143), 3 RNDIS
	 * (0x1146): ModemManager plugins/ublox README and mm-modem-helpers-ublox.c */
	{.name = "u-blox TOBY-L2/MPCI-L2", .vid = 0x1546, .pids = {0x1141, 0x1143, 0x1146},
	 .query = "AT+UUSBCONF?", .set = "AT+UUSBCONF=", .reset = "AT+CFUN=16", .parse = P_FIRST,
	 .modes = {M(SYSFS_MODE_SERIAL, "0"), M(SYSFS_MODE_ECM, "2"), M(SYSFS_MODE_RNDIS, "3")}},
};
/* clang-format on */

/* strstr() without musl's two-way search (1.3 KB) for these few short needles */
static const char *find(const char *s, const char *sub)
{
	size_t n = strlen(sub);

	for (; *s; s++)
		if (!strncmp(s, sub, n))
			return s;
	return NULL;
}

static bool family_has_pid(const struct family *f, uint16_t pid)
{
	for (unsigned i = 0; i < ARRAY_SIZE(f->pids) && f->pids[i]; i++)
		if (f->pids[i] == pid)
			return true;
	return false;
}

static const struct family *find_family(const struct sysfs_modem *m)
{
	for (unsigned i = 0; i < ARRAY_SIZE(families); i++) {
		const struct family *f = &families[i];

		if (f->vid != m->vid)
			continue;
		if (f->product ? find(m->product, f->product) != NULL
			       : !f->pids[0] || family_has_pid(f, m->pid))
			return f;
	}
	return NULL;
}

/* ---- options and state ---- */

static struct {
	const char *sysfs_root, *dev_root, *lock_dir, *dev, *usb, *value, *ifname, *method;
	const char *msgs[USBDEV_MAX_MSGS];
	unsigned nmsgs;
	bool json, no_probe, no_reset, force;
	int timeout_ms, wait_s;
} opt;

static struct sysfs_modem modems[SYSFS_MAX_MODEMS];
static struct at_port port;
static struct at_resp resp;
static struct out out;

static const char *mode_text(enum sysfs_mode m)
{
	return m == SYSFS_MODE_SERIAL ? "serial only" : sysfs_mode_name(m);
}

/* A plain line on stdout (listings and reports are the output, not messages). */
static void say(const char *f, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *f, ...)
{
	char line[512];
	va_list ap;
	size_t n;

	va_start(ap, f);
	n = fmt_vbuf(line, sizeof(line) - 1, f, ap);
	va_end(ap);
	n = MIN(n, sizeof(line) - 2);
	line[n++] = '\n';
	if (write(1, line, n) != (ssize_t)n)
		return;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* ---- AT ports ---- */

/* The AT port candidates of modem m: its ttys and a cdc-wdm that carries AT. */
static int candidates(const struct sysfs_modem *m, char (*paths)[128], int n, int max)
{
	for (unsigned k = 0; k < m->ntty && n < max; k++)
		fmt_buf(paths[n++], 128, "%s/%s", opt.dev_root, m->tty[k]);
	if (m->wdm_at && n < max)
		fmt_buf(paths[n++], 128, "%s/%s", opt.dev_root, m->wdm[0]);
	return n;
}

/* For each of the n modems, the index (into its tty list, or ntty for the cdc-wdm) of the first
 * candidate answering AT, or -1. All ports are probed at once. */
static void probe_modems(const struct sysfs_modem *ms, int n, int *at)
{
	static struct at_port probe[AT_PROBE_MAX];
	char paths[AT_PROBE_MAX][128];
	const char *pp[AT_PROBE_MAX] = {NULL};
	int owner[AT_PROBE_MAX], first[SYSFS_MAX_MODEMS], res[AT_PROBE_MAX], np = 0;
	struct at_opts o = {.lock_dir = opt.lock_dir};

	for (int i = 0; i < n; i++) {
		int before = np;

		at[i] = -1;
		first[i] = np;
		np = candidates(&ms[i], paths, np, AT_PROBE_MAX);
		for (int k = before; k < np; k++)
			owner[k] = i;
	}
	for (int k = 0; k < np; k++)
		pp[k] = paths[k];
	at_probe(probe, pp, res, np, &o, AT_PROBE_TIMEOUT_MS);
	for (int k = np - 1; k >= 0; k--)
		if (res[k] == 1)
			at[owner[k]] = k - first[owner[k]];
}

static const char *at_name(const struct sysfs_modem *m, int idx)
{
	if (idx < 0)
		return NULL;
	return (unsigned)idx < m->ntty ? m->tty[idx] : m->wdm[0];
}

/* ---- list ---- */

static void list_json(int n, const int *at)
{
	char id[8];

	if (write(1, "[", 1) != 1)
		return;
	for (int i = 0; i < n; i++) {
		const struct sysfs_modem *m = &modems[i];

		if (i && write(1, ",", 1) != 1)
			return;
		out_init(&out, 1, OUT_JSON);
		out_str(&out, "usb", m->usb, 0);
		fmt_buf(id, sizeof(id), "%04x", m->vid);
		out_str(&out, "vid", id, 0);
		fmt_buf(id, sizeof(id), "%04x", m->pid);
		out_str(&out, "pid", id, 0);
		out_str(&out, "manufacturer", m->manufacturer[0] ? m->manufacturer : NULL, 0);
		out_str(&out, "product", m->product[0] ? m->product : NULL, 0);
		out_str(&out, "mode", mode_text(m->mode), 0);
		out_str(&out, "driver", m->driver[0] ? m->driver : NULL, 0);
		out_arr_begin(&out, "cdc-wdm");
		for (unsigned k = 0; k < m->nwdm; k++)
			out_str(&out, NULL, m->wdm[k], 0);
		out_arr_end(&out);
		out_arr_begin(&out, "net");
		for (unsigned k = 0; k < m->nnet; k++)
			out_str(&out, NULL, m->net[k], 0);
		out_arr_end(&out);
		if (m->raw_ip < 0)
			out_null(&out, "raw-ip");
		else
			out_bool(&out, "raw-ip", m->raw_ip);
		out_arr_begin(&out, "tty");
		for (unsigned k = 0; k < m->ntty; k++)
			out_str(&out, NULL, m->tty[k], 0);
		out_arr_end(&out);
		out_str(&out, "at-port", at_name(m, at[i]), 0);
		out_finish(&out);
	}
	if (write(1, "]\n", 2) != 2)
		return;
}

static void names(const char *label, const char (*v)[SYSFS_NAME_MAX], unsigned n, const char *extra)
{
	char line[256];
	size_t len = fmt_buf(line, sizeof(line), "  %s:", label);

	for (unsigned k = 0; k < n && len < sizeof(line); k++)
		len += fmt_buf(line + len, sizeof(line) - len, " %s", v[k]);
	if (!n)
		len += fmt_buf(line + len, sizeof(line) - len, " -");
	if (extra && len < sizeof(line))
		fmt_buf(line + len, sizeof(line) - len, "%s", extra);
	say("%s", line);
}

static void list_human(int n, const int *at)
{
	for (int i = 0; i < n; i++) {
		const struct sysfs_modem *m = &modems[i];
		const char *a = at_name(m, at[i]);

		say("%s %04x:%04x %s %s", m->usb, m->vid, m->pid, m->manufacturer, m->product);
		say("  mode: %s (%s%s)", mode_text(m->mode),
		    m->driver[0] ? m->driver : "no driver bound",
		    m->driver_missing ? ": the host lacks the driver" : "");
		names("cdc-wdm", m->wdm, m->nwdm, m->wdm_at ? " (carries AT)" : NULL);
		names("net", m->net, m->nnet,
		      m->raw_ip < 0 ? NULL
		      : m->raw_ip   ? " (raw_ip Y)"
				    : " (raw_ip N)");
		names("tty", m->tty, m->ntty, NULL);
		say("  at-port: %s", a ? a : opt.no_probe ? "(not probed)" : "none answered");
	}
}

static int cmd_list(void)
{
	int at[SYSFS_MAX_MODEMS], n = sysfs_find_modems(opt.sysfs_root, modems, SYSFS_MAX_MODEMS);

	if (n < 0) {
		msg_perr(n, "read %s/bus/usb/devices", opt.sysfs_root);
		return EXIT_ERR;
	}
	n = MIN(n, SYSFS_MAX_MODEMS);
	for (int i = 0; i < n; i++)
		at[i] = -1;
	if (!opt.no_probe && n)
		probe_modems(modems, n, at);
	if (opt.json)
		list_json(n, at);
	else if (!n)
		say("no modem found");
	else
		list_human(n, at);
	return 0;
}

/* ---- set ---- */

/* The modem to work on: -u, the owner of -d, or the only one. Index or -exit code. */
static int pick_modem(int n)
{
	const char *base = opt.dev ? strrchr(opt.dev, '/') : NULL;

	base = base ? base + 1 : opt.dev;
	for (int i = 0; i < n; i++) {
		if (opt.usb && !strcmp(modems[i].usb, opt.usb))
			return i;
		if (!opt.usb && base && sysfs_has_tty(&modems[i], base) >= 0)
			return i;
	}
	if (opt.usb || (base && n > 1)) {
		msg_err("no modem %s %s", opt.usb ? "at USB path" : "owns",
			opt.usb ? opt.usb : base);
		return -EXIT_NODEV;
	}
	if (n == 1)
		return 0;
	msg_err(n ? "%d modems: choose one with -u USB" : "no modem found", n);
	return -EXIT_NODEV;
}

static const struct vmode *find_vmode(const struct family *f, const char *value, int mode)
{
	for (unsigned i = 0; i < ARRAY_SIZE(f->modes) && f->modes[i].value; i++) {
		if (value && !strcasecmp(f->modes[i].value, value))
			return &f->modes[i];
		if (!value && (int)f->modes[i].mode == mode)
			return &f->modes[i];
	}
	return NULL;
}

/* Equal, ignoring quotes and case ("\"ecm\"" and ecm). */
static bool same_value(const char *a, const char *b, size_t blen)
{
	size_t al = strlen(a);

	if (al >= 2 && a[0] == '"')
		a++, al -= 2;
	return al == blen && !strncasecmp(a, b, al);
}

/* Sierra's "Interface bitmask: 0000100D (diag,nmea,modem,mbim)": MBIM 0x1000, RMNET0 0x100. */
static enum sysfs_mode sierra_mode(const char *line)
{
	const char *p = find(line, "bitmask:");
	struct at_field h;
	uint32_t mask;

	if (!p)
		return SYSFS_MODE_UNKNOWN;
	h.s = p + 8 + strspn(p + 8, " ");
	h.len = strspn(h.s, "0123456789abcdefABCDEF");
	if (at_field_uint(&h, 16, &mask))
		return SYSFS_MODE_UNKNOWN;
	return mask & 0x1000 ? SYSFS_MODE_MBIM : mask & 0x100 ? SYSFS_MODE_QMI : SYSFS_MODE_SERIAL;
}

/* The value field of a "PREFIX: ..." answer (its first or last field); 0 or -EPROTO. */
static int value_field(const struct family *f, const char *line, const char *pfx,
		       struct at_field *v)
{
	struct at_tok t;
	struct at_field fl;
	int n = 0;

	if (at_tok_init(&t, line, strlen(line), pfx))
		return -EPROTO;
	while (at_tok_next(&t, &fl) == 1) {
		*v = fl;
		if (!n++ && f->parse == P_FIRST)
			break;
	}
	return n ? 0 : -EPROTO;
}

/* The mode the query's answer says, from the family's table; SYSFS_MODE_UNKNOWN if none. */
static enum sysfs_mode parse_current(const struct family *f, const struct at_resp *r,
				     const char **value)
{
	char pfx[24];
	struct at_field v;

	*value = NULL;
	fmt_buf(pfx, sizeof(pfx), "%.*s", (int)strcspn(f->query + 2, "=?"), f->query + 2);
	for (unsigned i = 0; i < r->nlines; i++) {
		const char *line = at_resp_line(r, i), *semi = strchr(line, ';');

		if (f->parse == P_SIERRA) {
			if (sierra_mode(line) != SYSFS_MODE_UNKNOWN)
				return sierra_mode(line);
			continue;
		}
		if (value_field(f, line, pfx, &v))
			continue;
		if (f->parse == P_HUAWEI) /* "^SETPORT:A1,A2;10,12,16,A1,A2": 16 is NCM */
			return semi && find(semi, "16") ? SYSFS_MODE_NCM : SYSFS_MODE_SERIAL;
		for (unsigned k = 0; k < ARRAY_SIZE(f->modes) && f->modes[k].value; k++) {
			if (same_value(f->modes[k].value, v.s, v.len)) {
				*value = f->modes[k].value;
				return f->modes[k].mode;
			}
		}
		return SYSFS_MODE_UNKNOWN;
	}
	return SYSFS_MODE_UNKNOWN;
}

static int at_port_of(int mi)
{
	struct at_opts o = {.lock_dir = opt.lock_dir};
	int at[SYSFS_MAX_MODEMS], r;
	char path[256];

	if (opt.dev) {
		fmt_buf(path, sizeof(path), "%s", opt.dev);
	} else {
		probe_modems(&modems[mi], 1, at);
		if (at[0] < 0) {
			msg_err("%s: no AT port answered", modems[mi].usb);
			return EXIT_NODEV;
		}
		fmt_buf(path, sizeof(path), "%s/%s", opt.dev_root, at_name(&modems[mi], at[0]));
	}
	r = at_open(&port, path, &o);
	if (r == -EBUSY) {
		msg_err("%s is in use by process %d", path, (int)port.owner);
		return EXIT_BUSY;
	}
	if (r) {
		msg_perr(r, "open %s", path);
		return EXIT_NODEV;
	}
	msg_verbose("AT port %s", path);
	return 0;
}

static bool quiet_gone; /* at_do(): no answer or a vanished port is expected, say nothing */

/* Send cmd; 0, or an exit code after saying why. */
static int at_do(const char *cmd)
{
	char red[AT_CMD_MAX];
	int r;

	at_redact(cmd, red, sizeof(red));
	msg_verbose("> %s", red);
	r = at_cmd(&port, cmd, opt.timeout_ms, &resp);
	for (unsigned i = 0; i < resp.nlines; i++)
		msg_verbose("< %s", at_resp_line(&resp, i));
	if ((r == -ETIMEDOUT || r == -ENODEV) && quiet_gone)
		return EXIT_TIMEOUT;
	if (r == -EREMOTEIO) {
		msg_err("%s: %s", red, resp.final);
		return EXIT_ERR;
	}
	if (r) {
		msg_perr(r, "%s", red);
		return r == -ETIMEDOUT ? EXIT_TIMEOUT : EXIT_ERR;
	}
	return 0;
}

/* Host driver that takes each mode: warn when it is not loaded (sysfs bus/usb/drivers). */
static void check_host_driver(enum sysfs_mode mode, bool huawei)
{
	static const char *const drv[] = {
		[SYSFS_MODE_QMI] = "qmi_wwan",	[SYSFS_MODE_MBIM] = "cdc_mbim",
		[SYSFS_MODE_ECM] = "cdc_ether", [SYSFS_MODE_RNDIS] = "rndis_host",
		[SYSFS_MODE_NCM] = "cdc_ncm",
	};
	const char *d = (unsigned)mode < ARRAY_SIZE(drv) ? drv[mode] : NULL;
	char path[512];

	if (mode == SYSFS_MODE_NCM && huawei)
		d = "huawei_cdc_ncm";
	if (!d)
		return;
	fmt_buf(path, sizeof(path), "%s/bus/usb/drivers/%s", opt.sysfs_root, d);
	if (access(path, F_OK) < 0)
		msg_info("warning: the %s driver is not loaded here; the %s interface may stay "
			 "unbound until it is",
			 d, sysfs_mode_name(mode));
}

/* Wait for the modem at usb to go and come back (new devnum), in mode want. 0, or 1 with *m
 * the last state seen when the time ran out. */
static int wait_back(const char *usb, unsigned old_devnum, enum sysfs_mode want,
		     struct sysfs_modem *m)
{
	bool gone = false;

	for (int waited = 0; waited <= opt.wait_s * 1000; waited += 200) {
		int r = sysfs_read_modem(opt.sysfs_root, usb, m);

		if (r)
			gone = true;
		else if ((gone || m->devnum != old_devnum) &&
			 (want == SYSFS_MODE_UNKNOWN ? m->mode != want : m->mode == want))
			return 0;
		sleep_ms(200);
	}
	if (sysfs_read_modem(opt.sysfs_root, usb, m))
		m->mode = SYSFS_MODE_UNKNOWN;
	return 1;
}

static void set_report(const struct sysfs_modem *m, const char *before, const char *after,
		       const char *state)
{
	char id[16];

	if (!opt.json) {
		say("%s %04x:%04x %s: %s -> %s%s%s", m->usb, m->vid, m->pid, m->product, before,
		    after, *state ? ": " : "", state);
		return;
	}
	out_init(&out, 1, OUT_JSON);
	out_str(&out, "usb", m->usb, 0);
	fmt_buf(id, sizeof(id), "%04x:%04x", m->vid, m->pid);
	out_str(&out, "id", id, 0);
	out_str(&out, "before", before, 0);
	out_str(&out, "after", after, 0);
	out_str(&out, "state", *state ? state : "done", 0);
	out_finish(&out);
}

/* Reset, wait, verify, report. */
static int reset_and_verify(const struct family *f, const struct sysfs_modem *m, const char *before,
			    enum sysfs_mode want)
{
	struct sysfs_modem now;
	char usb[SYSFS_NAME_MAX];
	int r;

	if (f->reset) {
		char red[AT_CMD_MAX];

		at_redact(f->reset, red, sizeof(red));
		msg_verbose("> %s", red);
		/* the modem may go before it answers: no answer or a vanished port is fine */
		r = at_cmd(&port, f->reset, opt.timeout_ms, &resp);
		if (r && r != -ETIMEDOUT && r != -ENODEV)
			msg_perr(r, "%s", red);
	}
	at_close(&port);
	fmt_buf(usb, sizeof(usb), "%s", m->usb);
	msg_verbose("waiting up to %d s for %s to come back", opt.wait_s, usb);
	if (wait_back(usb, m->devnum, want, &now)) {
		msg_err("%s did not come back as %s within %d s (now: %s)", usb,
			sysfs_mode_name(want), opt.wait_s, mode_text(now.mode));
		set_report(m, before, mode_text(now.mode), "not verified");
		return EXIT_TIMEOUT;
	}
	set_report(&now, before, mode_text(now.mode), "");
	return 0;
}

static int do_set(const struct family *f, const struct sysfs_modem *m, const struct vmode *v)
{
	char cmd[AT_CMD_MAX];
	const char *cur_value;
	enum sysfs_mode cur;
	int r;

	if (f->prepare && (r = at_do(f->prepare)))
		return r;
	r = at_do(f->query);
	if (r)
		return r;
	cur = parse_current(f, &resp, &cur_value);
	msg_verbose("current setting: %s", cur_value ? cur_value : mode_text(cur));
	if (cur == SYSFS_MODE_UNKNOWN) /* an answer we cannot read: what the USB side shows */
		cur = m->mode;
	if (cur_value ? !strcasecmp(cur_value, v->value)
		      : cur == v->mode && !opt.value && f->parse >= P_HUAWEI) {
		set_report(m, mode_text(cur), mode_text(v->mode), "already set");
		return 0;
	}
	if (v->no_tty && !opt.force) {
		msg_err("%s (%s) leaves %s without any serial port: switching back would need its "
			"QMI or MBIM channel; --force to do it anyway",
			v->value, sysfs_mode_name(v->mode), m->usb);
		return EXIT_REFUSED;
	}
	check_host_driver(v->mode, f->vid == 0x12d1);
	fmt_buf(cmd, sizeof(cmd), "%s%s%s", f->set, v->value, f->set_end ? f->set_end : "");
	/* a set command that reboots the modem (SIMCom ",1,1") may not live to answer */
	quiet_gone = !f->reset && !opt.no_reset;
	r = at_do(cmd);
	if (r == EXIT_TIMEOUT && quiet_gone)
		r = 0;
	quiet_gone = false;
	if (r)
		return r;
	if (opt.no_reset) {
		set_report(m, mode_text(cur), mode_text(v->mode),
			   "stored, takes effect at the next restart");
		return 0;
	}
	return reset_and_verify(f, m, mode_text(cur), v->mode);
}

static int cmd_set(const char *mode_arg)
{
	const struct family *f;
	const struct vmode *v;
	int n, mi, r, mode = -1;

	if (!opt.value) {
		mode = sysfs_mode_parse(mode_arg);
		if (mode < 0 || mode == SYSFS_MODE_STORAGE)
			return applet_usage("MODE is qmi, mbim, ecm, rndis, ncm or serial");
	}
	n = sysfs_find_modems(opt.sysfs_root, modems, SYSFS_MAX_MODEMS);
	if (n < 0) {
		msg_perr(n, "read %s/bus/usb/devices", opt.sysfs_root);
		return EXIT_ERR;
	}
	mi = pick_modem(MIN(n, SYSFS_MAX_MODEMS));
	if (mi < 0)
		return -mi;
	f = find_family(&modems[mi]);
	if (!f) {
		msg_err("%s: no usbnet-mode table for %04x:%04x (%s)", modems[mi].usb,
			modems[mi].vid, modems[mi].pid, modems[mi].product);
		return EXIT_UNSUPPORTED;
	}
	v = find_vmode(f, opt.value, mode);
	if (!v && opt.value) {
		static struct vmode raw;

		raw.mode = SYSFS_MODE_UNKNOWN; /* unknown raw value: sent, not verified */
		raw.value = opt.value;
		v = opt.force ? &raw : NULL;
	}
	if (!v) {
		msg_err("%s: %s is not offered by %s%s", modems[mi].usb,
			opt.value ? opt.value : mode_arg, f->name,
			opt.value ? " (--force to send it anyway)" : "");
		return EXIT_UNSUPPORTED;
	}
	msg_verbose("%s: %s", modems[mi].usb, f->name);
	r = at_port_of(mi);
	if (r)
		return r;
	r = do_set(f, &modems[mi], v);
	at_close(&port);
	return r;
}

/* ---- raw-ip ---- */

static int cmd_raw_ip(const char *arg)
{
	bool on = !strcmp(arg, "on");
	struct nl_link link;
	struct nl nl;
	int cur, r, r2;

	if (!on && strcmp(arg, "off"))
		return applet_usage("raw-ip on|off -i IFACE");
	if (!opt.ifname)
		return applet_usage("raw-ip needs -i IFACE");
	cur = sysfs_raw_ip(opt.sysfs_root, opt.ifname);
	if (cur < 0) {
		if (cur == -ENOENT)
			msg_err("%s: no qmi/raw_ip (not a qmi_wwan interface?)", opt.ifname);
		else
			msg_perr(cur, "read %s raw_ip", opt.ifname);
		return cur == -ENOENT ? EXIT_UNSUPPORTED : EXIT_ERR;
	}
	if (cur == on) {
		msg_info("%s: raw_ip is already %s", opt.ifname, on ? "Y" : "N");
		return 0;
	}
	r = nl_open(&nl);
	if (!r)
		r = nl_link_get(&nl, 0, opt.ifname, &link);
	if (r) {
		msg_perr(r, "%s", opt.ifname);
		nl_close(&nl);
		return EXIT_ERR;
	}
	/* raw_ip_store refuses a running device (-EBUSY): down, switch, then back up */
	if (link.flags & IFF_UP && (r = nl_link_set_up(&nl, link.ifindex, false))) {
		msg_perr(r, "set %s down", opt.ifname);
		nl_close(&nl);
		return EXIT_ERR;
	}
	r = sysfs_set_raw_ip(opt.sysfs_root, opt.ifname, on);
	r2 = link.flags & IFF_UP ? nl_link_set_up(&nl, link.ifindex, true) : 0;
	nl_close(&nl);
	if (r)
		msg_perr(r, "write %s raw_ip", opt.ifname);
	else if (r2)
		msg_perr(r2, "set %s up again", opt.ifname);
	else
		msg_info("%s: raw_ip %s -> %s", opt.ifname, on ? "N" : "Y", on ? "Y" : "N");
	return r || r2 ? EXIT_ERR : 0;
}

/* ---- eject ---- */

static int parse_id(const char *s, uint16_t *vid, uint16_t *pid)
{
	struct at_field f = {.s = s, .len = strcspn(s, ":")};
	uint32_t v, p;

	if (!s[f.len] || f.len > 4 || at_field_uint(&f, 16, &v))
		return -EINVAL;
	f.s = s + f.len + 1;
	f.len = strlen(f.s);
	if (f.len > 4 || at_field_uint(&f, 16, &p))
		return -EINVAL;
	*vid = (uint16_t)v;
	*pid = (uint16_t)p;
	return 0;
}

static int build_switch(const struct sysfs_modem *m, struct usbdev_switch *sw)
{
	const struct sysfs_iface *st = NULL;
	int r = 0;

	for (unsigned k = 0; k < m->nifaces && !st; k++)
		if (m->iface[k].cls == 0x08) /* usb_modeswitch: storage commands need class 8 */
			st = &m->iface[k];
	if (!st || !st->ep_out) {
		msg_err("%s %04x:%04x has no mass-storage interface to send to (mode: %s)", m->usb,
			m->vid, m->pid, mode_text(m->mode));
		return EXIT_UNSUPPORTED;
	}
	memset(sw, 0, sizeof(*sw));
	sw->iface = st->num;
	sw->ep_out = st->ep_out;
	sw->ep_in = st->ep_in;
	for (unsigned i = 0; i < opt.nmsgs && !r; i++)
		r = usbdev_add_hex(sw, opt.msgs[i]);
	if (!opt.nmsgs || opt.method) {
		int me = opt.method	    ? usbdev_method_parse(opt.method)
			 : m->vid == 0x12d1 ? USBDEV_HUAWEI_NEW
					    : USBDEV_STANDARD;

		if (me < 0)
			return applet_usage("--method standard|huawei-new|huawei-alt|option");
		if (!r)
			r = usbdev_add_method(sw, (enum usbdev_method)me);
	}
	if (r) {
		msg_perr(r, "--message");
		return EXIT_USAGE;
	}
	return 0;
}

static int cmd_eject(const char *id)
{
	static struct sysfs_modem m, now;
	struct usbdev_switch sw;
	struct usbdev_result res;
	uint16_t vid, pid;
	char path[256];
	int r;

	if (parse_id(id, &vid, &pid))
		return applet_usage("eject VID:PID (hex, e.g. 12d1:1f01)");
	r = sysfs_find_usb(opt.sysfs_root, vid, pid, &m);
	if (r) {
		if (r == -ENODEV)
			msg_err("no USB device %04x:%04x", vid, pid);
		else
			msg_perr(r, "read %s/bus/usb/devices", opt.sysfs_root);
		return r == -ENODEV ? EXIT_NODEV : EXIT_ERR;
	}
	r = build_switch(&m, &sw);
	if (r)
		return r;
	usbdev_path(opt.dev_root, m.busnum, m.devnum, path, sizeof(path));
	msg_verbose("%s: %u message(s) to interface %u, endpoints 0x%02x/0x%02x", path, sw.nmsg,
		    sw.iface, sw.ep_out, sw.ep_in);
	r = usbdev_switch(&usbdev_sys, path, &sw, &res);
	if (r) {
		msg_perr(r, "switch %s (%04x:%04x)", path, vid, pid);
		return r == -ENODEV ? EXIT_NODEV : EXIT_ERR;
	}
	msg_info("%s %04x:%04x: %u message(s) sent%s", m.usb, vid, pid, res.sent,
		 res.gone ? ", the device left" : "");
	if (!opt.wait_s)
		return 0;
	for (int waited = 0; waited <= opt.wait_s * 1000; waited += 200, sleep_ms(200)) {
		if (sysfs_read_modem(opt.sysfs_root, m.usb, &now) == 0 &&
		    (now.vid != vid || now.pid != pid || now.devnum != m.devnum) &&
		    now.mode != SYSFS_MODE_UNKNOWN && now.mode != SYSFS_MODE_STORAGE) {
			msg_info("%s is now %04x:%04x %s (%s)", now.usb, now.vid, now.pid,
				 now.product, mode_text(now.mode));
			return 0;
		}
	}
	msg_err("%s did not come back as a modem within %d s", m.usb, opt.wait_s);
	return EXIT_TIMEOUT;
}

/* ---- options ---- */

static int num_arg(const char *s, uint64_t max, int *v)
{
	uint64_t x;

	if (parse_uint(s, 0, max, &x))
		return applet_usage("bad number");
	*v = (int)x;
	return 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"no-probe", no_argument, NULL, 'P'},
		{"no-reset", no_argument, NULL, 'N'},
		{"force", no_argument, NULL, 'f'},
		{"value", required_argument, NULL, 'V'},
		{"wait", required_argument, NULL, 'w'},
		{"method", required_argument, NULL, 'M'},
		{"message", required_argument, NULL, 'm'},
		{"sysfs-root", required_argument, NULL, 'R'},
		{"dev-root", required_argument, NULL, 'D'},
		{"lock-dir", required_argument, NULL, 'L'},
		{NULL, 0, NULL, 0},
	};
	int c;

	opt.sysfs_root = SYSFS_ROOT;
	opt.dev_root = "/dev";
	opt.lock_dir = AT_LOCK_DIR;
	opt.timeout_ms = 5000;
	opt.wait_s = -1;
	while ((c = getopt_long(argc, argv, ":d:u:i:t:v", longopts, NULL)) != -1) {
		int r = 0;

		switch (c) {
		case 'd':
			opt.dev = optarg;
			break;
		case 'u':
			opt.usb = optarg;
			break;
		case 'i':
			opt.ifname = optarg;
			break;
		case 't':
			r = num_arg(optarg, 3600, &opt.timeout_ms);
			opt.timeout_ms *= 1000;
			break;
		case 'v':
			msg_set_verbose(msg_verbose_level() + 1);
			break;
		case 'j':
			opt.json = true;
			break;
		case 'P':
			opt.no_probe = true;
			break;
		case 'N':
			opt.no_reset = true;
			break;
		case 'f':
			opt.force = true;
			break;
		case 'V':
			opt.value = optarg;
			break;
		case 'w':
			r = num_arg(optarg, 3600, &opt.wait_s);
			break;
		case 'M':
			opt.method = optarg;
			break;
		case 'm':
			if (opt.nmsgs == USBDEV_MAX_MSGS)
				return applet_usage("at most 5 --message");
			opt.msgs[opt.nmsgs++] = optarg;
			break;
		case 'R':
			opt.sysfs_root = optarg;
			break;
		case 'D':
			opt.dev_root = optarg;
			break;
		case 'L':
			opt.lock_dir = optarg;
			break;
		case ':':
			return applet_usage("option needs a value");
		default:
			return applet_usage("unknown option");
		}
		if (r)
			return r;
	}
	return 0;
}

int usbnet_mode_main(int argc, char **argv)
{
	const char *cmd, *arg;
	int r;

	msg_set_applet("usbnet-mode");
	msg_set_info_fd(2); /* stdout: the listing and the before/after report only */
	r = parse_args(argc, argv);
	if (r)
		return r;
	signal(SIGPIPE, SIG_IGN);
	if (opt.json && !CFG_FEATURE_JSON)
		return applet_usage("--json is not in this build (FEATURE_JSON)");
	cmd = optind < argc ? argv[optind] : "list";
	arg = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (optind + (arg ? 2 : 1) < argc)
		return applet_usage("too many arguments");
	if (!strcmp(cmd, "list") && !arg)
		return cmd_list();
	if (!strcmp(cmd, "set") && (arg || opt.value)) {
		if (opt.wait_s < 0)
			opt.wait_s = 60;
		return cmd_set(arg ? arg : "");
	}
	if (!strcmp(cmd, "raw-ip") && arg)
		return cmd_raw_ip(arg);
	if (!strcmp(cmd, "eject") && arg) {
		if (opt.wait_s < 0)
			opt.wait_s = 20;
		return cmd_eject(arg);
	}
	return applet_usage("list, set MODE, raw-ip on|off -i IFACE or eject VID:PID");
}
