/* modem_sim.c - a simulated modem on a pty for tests and demos: QMI with a TUN data path, or AT.
USE_MODEM_SIM(APPLET(modem_sim))

config MODEM_SIM
	bool "modem-sim: simulated QMI or AT modem with a data path, for tests (~40 KB)"
	default n
	select CORE_LOOP
	select CORE_WDM
	select CORE_QMI
	help
	  usage: modem-sim --qmi --link PATH [--tun IFACE --pgw IFACE] [COMMON] [MODEM] [FAULTS]
	     or: modem-sim --at --link PATH [--at-rules FILE] [--set VAR=VALUE]... [--echo on|off]
	         [--mute] [--urc TEXT]... [--urc-every MS] [--urc-rate PERCENT] [--seed N]
	         [--swap LINK=TARGET] [--reset-ms MS] [--exit-on-reset] [COMMON]
	  COMMON: [--ready-fd N] [--ctl FIFO] [--log FILE] [--timeout SEC] [-v]

	  A simulated modem for tests, demos and trying scripts without hardware. It creates a
	  pseudo-terminal in raw mode that speaks QMUX (--qmi, what /dev/cdc-wdmN carries) or AT
	  commands (--at, a modem's ttyUSBn), links PATH to it (a stale symlink is replaced, any
	  other file is left alone), and serves until SIGTERM, SIGINT, "quit" or --timeout, then
	  removes PATH, the FIFO it made and its TUN devices and exits 0. Clients may come and go
	  (qmicli, "qmi-dial up --once" then "down"); whatever a client leaves unread when it
	  closes the pty is discarded. Exit codes: 0 ok, 1 set-up error, 2 usage.

	  --qmi            speak QMI (see "QMI modem")
	  --at             speak AT commands (see "AT modem")
	  --link PATH      symlink to the pty slave, e.g. /tmp/cdc-wdm0 or /tmp/ttyUSB2
	  --ready-fd N     write "ready\n" to fd N and close it once everything exists
	  --ctl FIFO       make (or reuse) a FIFO reading commands, one per line: "quit", "stats",
	                   "vanish" (USB unplug: the pty closes, PATH goes away); QMI: "drop
	                   [CAUSE]" (disconnect every call, 3GPP cause, default 36), "reg
	                   home|roaming|searching|denied", "sim ready|absent|pin|puk", "sync" (CTL
	                   Sync indication: all CIDs dropped); AT: "urc TEXT" (send it now),
	                   "reset" (as the rule action)
	  --log FILE       append a line per message, QMI: "T.mmm rx|tx|drop|ignore SVC 0xMSG
	                   req|rsp|ind cid N tid N: HEX" (PIN and password masked); AT: "T.mmm rx
	                   CMD" per command line received, "T.mmm tx|urc LINE" per line sent;
	                   plus "T.mmm event ..." lines
	  --timeout SEC    exit 0 after SEC seconds (a safety net for test scripts)
	  -v               events on stderr (-vv: every message too)
	  The options below belong to one personality and are refused with the other.

	  QMI modem. Client IDs live until released or a CTL Sync, as on a real modem. It answers
	  CTL Get Version Info, Allocate/Release CID, Sync, Set Data Format; DMS Get
	  IDs/Manufacturer/Model/Revision, Get/Set Operating Mode, UIM Get PIN Status, UIM Verify
	  PIN; UIM Get Card Status, Verify PIN; NAS Register Indications, Get Serving System (and
	  its indication), Get System Info, Get Signal Info; WDS Start/Stop Network, Get Packet
	  Service Status (and its indication), Get Current Settings, Set IP Family, Bind Mux Data
	  Port; WDA Get/Set Data Format. Anything else gets "Invalid QMI command" (0x47); a request
	  for a client ID that is not allocated gets "Invalid client ID" (0x07).

	  --tun IFACE      create TUN IFACE in raw-IP mode (IFF_NO_PI), the modem's "wwan0"
	  --pgw IFACE      create a second TUN, the operator side: IP packets are forwarded
	                   between the two while a call of their IP version is connected and the
	                   data format is raw-ip; otherwise they are dropped and counted. Neither
	                   is configured; move the pgw TUN to another namespace at will
	  --max-cids N     client IDs per service, 1..64 [16]; then "Client IDs exhausted"

	  Modem (defaults dial with no options):
	  --imei N [863305050123456]  --model S [MODEM-SIM]  --manufacturer S [wwanbox]
	  --revision S [WWANBOX-SIM-1.0]
	  --opmode online|low-power|offline [online]: registration needs online
	  --sim ready|absent|pin|puk|not-ready-for SEC [ready]: pin = PIN1 enabled, not verified;
	                   not-ready-for = card initialising for SEC seconds, then ready
	  --pin CODE [1234]  --pin-retries N [3]  (PUK retries: 10)
	  --reg home|roaming|searching|denied [home]  --reg-delay MS [0]: registration (and its
	                   indication) comes MS after the modem is online with a usable SIM
	  --reject-cause N [11]: registration reject cause reported while denied
	  --mcc NNN [001]  --mnc NN|NNN [01]  --operator NAME [wwanbox-sim]  --rat lte|umts|gsm [lte]
	  --rssi DBM [-65]  --rsrp DBM [-95]  --rsrq DB [-9]  --snr DB [12.4]
	  --apn APN        if set, Start Network with another APN fails, 3GPP cause 27 (a request
	                   without APN uses this one)
	  --user U --password P  if set, Start Network must carry them, else 3GPP cause 29
	  --ip-types 4|6|4v6 [4v6]: families the network grants (else 3GPP cause 50/51)
	  --ip4 A[/P] [10.64.0.2/30]  --gw4 A [first other host of the subnet]
	  --dns4 A[,B] [192.0.2.53,192.0.2.54]  --ip6 A[/P] [2001:db8:64::2/64]
	  --gw6 A [2001:db8:64::1]  --dns6 A[,B] [2001:db8:64::53,2001:db8:64::54]  --mtu N [1500]
	  --data-format 802.3|raw-ip [802.3]: link layer before WDA/CTL Set Data Format; the data
	                   path carries packets only in raw-ip, like qmi_wwan. QMAP settings are
	                   accepted and reported back, but the data path stays plain raw IP
	  --call-fail CAUSE  every Start Network fails with this 3GPP cause (TS 24.008 10.5.6.6)

	  Faults and quirks (the Nth request counts every request received, CTL included):
	  --latency MS     every response (and what it triggers) MS late
	  --drop N[,N...]  no response to the Nth request (it is still carried out)
	  --drop-msg SVC:MSG  no response to any request SVC:MSG (e.g. wds:0x0020; repeatable)
	  --late MS        the response to one request comes MS late, after a client's timeout:
	  --late-nth N     ...the Nth request [1], or
	  --late-msg SVC:MSG  ...the first request SVC:MSG (repeatable)
	  --dup            every response is sent twice
	  --ignore-first   a request arriving after more than 1 s without requests (or the first
	                   one, 1 s after start) is lost unprocessed: Quectel EM12, SIMCom SIM7600
	  --unknown-tlvs   add TLVs 0xE7 (first) and 0xF5 (last) to every message sent
	  --dup-tlvs       follow every TLV with a copy holding garbage (a client takes the first)
	  --indications    every 2 s an unsolicited NAS Signal Info or WDS Event Report broadcast
	  --sync-ind N     after the Nth request, drop all CIDs and send the CTL Sync indication
	  --garbage        7 garbage bytes before every frame sent
	  --net-drop-after SEC  SEC after the first call connects, disconnect every call (3GPP
	                   cause 36), once; redialling works
	  --vanish-after SEC  SEC after the first request, close the pty (USB unplug): clients see
	                   EOF/EIO; PATH and the --tun device disappear; serves nothing until
	                   SIGTERM/quit
	  SEC accepts fractions (0.5). SVC: ctl wds dms nas uim wda or a number.

	  AT modem. Commands end with CR (LF is ignored); each line of an answer is sent as
	  "\r\n<line>\r\n" (V.250 verbose), the final result last. Without a matching rule: AT and
	  ATZ answer OK, ATE0/ATE1 turn echo off/on and answer OK, anything else ERROR.
	  --at-rules FILE  response rules, one per line (# comments): PATTERN RESPONSE [ ; ACTION]...
	                   PATTERN: a command, case-insensitive; a trailing * matches any rest, $1
	                   RESPONSE: lines separated by the two characters \n; $VAR and $1 are
	                   replaced; "-" = no answer. The first matching rule wins. ACTION: "set
	                   VAR=VALUE" ($1 allowed), "delay MS" (the modem is busy: what it sends
	                   from then on comes MS later), "reset" (see --swap)
	  --set VAR=VALUE  a variable's start value (repeatable)
	  --echo on|off    echo what the host sends, as ATE1 [off]
	  --mute           read and log commands, never answer: a port that is not the AT port
	  --urc TEXT       an unsolicited result code (repeatable; a random one is picked each time)
	  --urc-every MS   send one at a random moment between MS/2 and 3*MS/2 after the last,
	                   while a client has the port open
	  --urc-rate PERCENT  also before each line of an answer with this probability
	  --seed N         seed of those random choices [the pid]
	  --reset-ms MS    "reset" is a reboot: after the answer the pty closes (clients see
	                   EIO/HUP), PATH goes away and comes back at a new pty MS later [300]
	  --swap LINK=TARGET  ...and on the way down, symlink LINK is re-pointed at TARGET (the
	                   test's fake sysfs tree in the new USB mode: the re-enumeration)
	  --exit-on-reset  ...or the port never comes back: exit 0 instead
*/
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h> /* rename() only */
#include <stdlib.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_tun.h>

#include "wwanbox.h"
#include "applet.h"
#include "addr.h"
#include "fmt.h"
#include "loop.h"
#include "msg.h"
#include "qmi.h"
#include "qmi_msg.h"
#include "wdm.h"

#define SIM_MAX_CIDS 64
#define OUT_SLOTS 32	    /* responses waiting for --latency / --late */
#define OUT_MAX 2048	    /* longest frame we send, TLVs doubled by --dup-tlvs included */
#define IDLE_MS 1000	    /* --ignore-first: the idle gap after which a request is lost */
#define IND_PERIOD_MS 2000  /* --indications */
#define TLV_UNKNOWN_A 0xE7  /* --unknown-tlvs: ids no CTL/WDS/DMS/NAS/UIM/WDA message uses */
#define TLV_UNKNOWN_B 0xF5
#define PUK_RETRIES 10
#define CAUSE_REGULAR_DEACT 36 /* TS 24.008 10.5.6.6: "regular deactivation" */

/* --at */
#define AT_RULES 64
#define AT_VARS 16
#define AT_URCS 8
#define AT_LINE 1024	 /* longest command or answer line; a longer command is cut */
#define AT_TEXT 8192	 /* the --at-rules file, cut into the rules' strings in place */
#define AT_HOLD 4096	 /* what is sent while a rule's "delay" runs */
#define AT_GRACE_MS 50	 /* "reset": the answer reaches the client before the port goes */

/* QMI error codes (libqmi qmi-errors.h QmiProtocolError) */
#define E_MALFORMED 0x01
#define E_INTERNAL 0x03
#define E_CIDS_EXHAUSTED 0x05
#define E_INVALID_CID 0x07
#define E_INVALID_HANDLE 0x09
#define E_INVALID_PIN_ID 0x0B
#define E_INCORRECT_PIN 0x0C
#define E_CALL_FAILED 0x0E
#define E_OUT_OF_CALL 0x0F
#define E_MISSING_ARG 0x11
#define E_NO_EFFECT 0x1A
#define E_INVALID_SERVICE 0x1F
#define E_PIN_BLOCKED 0x23
#define E_UIM_UNINIT 0x25
#define E_INVALID_ARG 0x30
#define E_INVALID_TRANSITION 0x3C
#define E_INVALID_CMD 0x47
#define E_NO_SIM 0x66

/* QmiWdsCallEndReason (libqmi qmi-enums-wds.h), TLV 0x10 beside the verbose reason */
#define END_UNSPECIFIED 1
#define END_CLIENT 2
#define END_NO_SERVICE 3
#define END_AUTH_FAILED 10
#define VERBOSE_CM_CLIENT_END 2000 /* QmiWdsVerboseCallEndReasonCm */
#define VERBOSE_CM_NO_SERVICE 2001

/* Indication ids without an encoder in qmi_msg.h (libqmi data/qmi-service-*.json) */
#define QMI_WDS_EVENT_REPORT 0x0001
#define QMI_NAS_SYSINFO_IND 0x004E
#define QMI_NAS_SIGNAL_INFO_IND 0x0051

enum sim_state { SIM_ABSENT, SIM_INIT, SIM_PIN, SIM_PUK, SIM_READY, SIM_VERIFIED };
enum reg_cfg { REG_HOME, REG_ROAMING, REG_SEARCHING, REG_DENIED };
enum rat { RAT_LTE, RAT_UMTS, RAT_GSM };

/* The services we serve, with the versions a recent Quectel reports (notes/vectors.md Q27). */
static const struct svc_info {
	uint8_t id;
	char name[4];
	uint8_t major, minor;
} svcs[] = {
	{QMI_SVC_WDS, "wds", 1, 67}, {QMI_SVC_DMS, "dms", 1, 14}, {QMI_SVC_NAS, "nas", 1, 25},
	{QMI_SVC_UIM, "uim", 1, 46}, {QMI_SVC_WDA, "wda", 1, 16},
};
#define NSVC ARRAY_SIZE(svcs)
#define SLOT_WDS 0 /* index in svcs[] */
#define SLOT_NAS 2

struct msg_sel {
	uint8_t svc;
	bool used; /* --late-msg: only the first request is late */
	uint16_t msg;
};

struct sim_cfg {
	const char *link, *tun, *pgw, *ctl, *log;
	int ready_fd;
	unsigned max_cids;
	const char *imei, *model, *manufacturer, *revision, *pin, *oper, *apn, *user, *password;
	int sim, reg, rat;
	int64_t sim_delay_ms, reg_delay_ms;
	unsigned pin_retries;
	int reject_cause;
	uint16_t mcc, mnc;
	bool mnc3;
	int rssi, rsrp, rsrq, snr; /* snr in 0.1 dB */
	uint8_t ip4[4], gw4[4], dns4[2][4], prefix4, ndns4;
	uint8_t ip6[16], gw6[16], dns6[2][16], prefix6, ndns6;
	bool gw4_set;
	uint32_t mtu, llp;
	unsigned ip_types; /* 1 << 4 | 1 << 6 */
	uint8_t opmode;
	int call_fail;
	/* faults */
	int64_t latency_ms, late_ms, net_drop_ms, vanish_ms;
	unsigned drop_n[8], ndrop, late_nth, sync_ind_n;
	struct msg_sel drop_msg[8], late_msg[8];
	unsigned ndrop_msg, nlate_msg;
	bool dup, ignore_first, unknown_tlvs, dup_tlvs, indications, garbage;
	int64_t timeout_ms;
	/* --at */
	bool at, echo, mute, exit_on_reset, seed_set;
	const char *rules, *swap, *sets[AT_VARS], *urcs[AT_URCS];
	unsigned nsets, nurcs, urc_every, urc_rate, reset_ms, seed;
};

struct client {
	bool used, up;		/* allocated; WDS: call connected */
	uint8_t cid;
	uint8_t family;		/* WDS: Set IP Family, 4 until set */
	uint8_t call_family;
	uint8_t ind_serving;	/* NAS: Serving System indications, on unless disabled */
	uint8_t ind_sysinfo;	/* NAS: System Info indications, off unless enabled */
	uint32_t handle;
	char apn[QMI_APN_MAX];
};

struct at_rule {
	const char *pattern, *response; /* response NULL: no answer ("-") */
	const char *set_var, *set_val;	/* set_var NULL: no "set" */
	unsigned delay_ms;
	bool reset;
};

struct at_state {
	struct at_rule rules[AT_RULES];
	unsigned nrules;
	char text[AT_TEXT];
	char var_name[AT_VARS][32], var_val[AT_VARS][128];
	unsigned nvars;
	bool echo;
	unsigned seed;
	char line[AT_LINE];
	size_t llen;
	char hold[AT_HOLD]; /* sent when thold fires */
	size_t nhold;
	struct loop_timer thold, turc, treset;
};

struct out_slot {
	int64_t due;
	uint32_t seq;
	uint16_t len;
	bool rsp, busy;
	uint8_t buf[OUT_MAX];
};

struct data_format {
	uint32_t llp, ul_agg, dl_agg, dl_dgrams, dl_size, ul_dgrams, ul_size;
	uint8_t qos;
};

/* The request being handled and its response */
struct req {
	const struct qmi_msg *m;
	struct client *cl; /* NULL for CTL */
	struct qmi_builder b;
	void (*after)(struct req *r); /* runs once the response has been sent (or dropped) */
	uint8_t buf[OUT_MAX];
};

struct sim {
	struct sim_cfg c;
	int64_t t0;
	int log;
	/* the device */
	int master, slave, ino;
	char pts[64];
	struct loop_fd lmaster, lino;
	struct wdm w; /* only its framer (wdm_feed): we own the fd, see master_io() */
	int clients;  /* open file descriptions of the slave other than ours (inotify) */
	unsigned long garbage; /* bytes the framer dropped before its last reset */
	bool vanished;
	int status; /* exit status */
	struct loop_timer ttimeout;
	struct at_state at;
	/* QMI state */
	struct client cl[NSVC][SIM_MAX_CIDS + 1];
	int sim;
	unsigned pin_left, puk_left;
	bool reg_ready;
	uint8_t reg_shown; /* registration state last announced, with roaming in bit 7 */
	uint8_t opmode;
	struct data_format fmt;
	uint32_t next_handle;
	unsigned nreq;
	int64_t last_rx;
	bool net_drop_armed, sync_done, vanish_armed;
	unsigned ind_round;
	/* output */
	struct out_slot q[OUT_SLOTS];
	uint32_t qseq;
	int64_t cur_due; /* when the response being built (and what it triggers) is due; 0: now */
	struct loop_timer tq, teval, treg, tsim, tdrop, tvanish, tind;
	/* data path */
	int tun, pgw;
	struct loop_fd ltun, lpgw;
	unsigned long fwd[2], dropped[2];
	/* control FIFO */
	int ctl;
	bool ctl_made;
	struct loop_fd lctl;
	char ctlbuf[256];
	size_t ctllen;
	/* big buffers, here rather than static: nothing is allocated while the applet is idle */
	struct req req;
	uint8_t pkt[65536];
};

static struct sim *S;

/* ==================== log ==================== */

static void log_line(const char *f, ...) __attribute__((format(printf, 1, 2)));
static void log_msg(const char *f, ...) __attribute__((format(printf, 1, 2)));

static void log_write(char *line, size_t n)
{
	if (n >= 4096)
		n = 4095;
	line[n++] = '\n';
	if (S->log >= 0 && write(S->log, line, n) < 0)
		S->log = -1; /* a full disk does not stop the modem */
}

static size_t log_stamp(char *buf, size_t size)
{
	int64_t t = loop_now_ms() - S->t0;

	return fmt_buf(buf, size, "%lld.%03lld ", (long long)(t / 1000), (long long)(t % 1000));
}

/* A line to the log, and to stderr from -v (events) or -vv (messages) on */
static void __attribute__((format(printf, 2, 0))) log_vline(int level, const char *f, va_list ap)
{
	char line[4096];
	size_t n = log_stamp(line, sizeof(line));

	n += fmt_vbuf(line + n, sizeof(line) - n, f, ap);
	n = MIN(n, sizeof(line) - 1);
	if (msg_verbose_level() >= level) {
		line[n] = 0;
		msg_verbose("%s", line);
	}
	log_write(line, n);
}

static void log_line(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	log_vline(1, f, ap);
	va_end(ap);
}

static void log_msg(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	log_vline(2, f, ap);
	va_end(ap);
}

static const char *svc_name(uint8_t svc)
{
	static const char names[][4] = {"CTL", "WDS", "DMS", "NAS"};

	if (svc < ARRAY_SIZE(names))
		return names[svc];
	return svc == QMI_SVC_UIM ? "UIM" : svc == QMI_SVC_WDA ? "WDA" : "?";
}

/* "T.mmm DIR SVC 0xMSG TYPE cid N tid N: HEX", secrets masked (qmi_redact) */
static void log_frame(const char *dir, const uint8_t *f, size_t len)
{
	static const char types[][4] = {"req", "rsp", "ind"};
	static const char hex[] = "0123456789abcdef";
	uint8_t copy[OUT_MAX + 64];
	char line[12288];
	struct qmi_msg m;
	size_t n, i;

	if (S->log < 0 && msg_verbose_level() < 2)
		return;
	len = MIN(len, sizeof(copy));
	memcpy(copy, f, len);
	qmi_redact(copy, len);
	n = log_stamp(line, sizeof(line));
	if (qmi_parse(copy, len, &m) < 0)
		n += fmt_buf(line + n, sizeof(line) - n, "%s malformed len %zu: ", dir, len);
	else
		n += fmt_buf(line + n, sizeof(line) - n, "%s %s 0x%04x %s cid %u tid %u: ", dir,
			     svc_name(m.service), m.msg_id, types[m.type], m.client_id, m.tid);
	for (i = 0; i < len && n + 3 < sizeof(line); i++) {
		line[n++] = hex[copy[i] >> 4];
		line[n++] = hex[copy[i] & 15];
	}
	if (msg_verbose_level() >= 2) {
		line[n] = 0;
		msg_verbose("%s", line);
	}
	log_write(line, n);
}

/* ==================== output ==================== */

/* --unknown-tlvs / --dup-tlvs: rebuild the frame with extra TLVs. */
static size_t mangle(const uint8_t *f, size_t len, uint8_t *out, size_t size)
{
	struct qmi_builder b;
	struct qmi_msg m;
	const uint8_t *v;
	size_t pos = 0;
	uint16_t l, i;
	uint8_t t;
	int n;

	if ((!S->c.unknown_tlvs && !S->c.dup_tlvs) || qmi_parse(f, len, &m) < 0)
		goto verbatim;
	qmi_build(&b, out, size, m.service, m.client_id, m.tid, m.msg_id, (enum qmi_type)m.type);
	if (S->c.unknown_tlvs)
		qmi_put_u32(&b, TLV_UNKNOWN_A, 0xDEADBEEF);
	while (qmi_tlv_next(&m, &pos, &t, &v, &l)) {
		qmi_put_tlv(&b, t, v, l);
		if (!S->c.dup_tlvs)
			continue;
		qmi_tlv_begin(&b, t);
		for (i = 0; i < l; i++)
			qmi_add_u8(&b, v[i] ^ 0xA5);
		qmi_tlv_end(&b);
	}
	if (S->c.unknown_tlvs)
		qmi_put_str(&b, TLV_UNKNOWN_B, "wwanbox-sim");
	n = qmi_finish(&b);
	if (n > 0)
		return (size_t)n;
verbatim:
	memcpy(out, f, len);
	return len;
}

/* Write all of it to the pty master; a client that stopped reading (pty buffer full) makes us
 * wait at most 200 ms, then the frame is dropped and logged. */
static void pty_write(const uint8_t *p, size_t len)
{
	struct pollfd pf = {.fd = S->master, .events = POLLOUT};
	ssize_t n;

	while (len && S->master >= 0) {
		n = write(S->master, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN && poll(&pf, 1, 200) > 0) {
			continue;
		} else {
			log_line("event tx-lost %zu bytes: %s", len, n < 0 ? strerror(errno) : "");
			return;
		}
	}
}

static void emit(const uint8_t *f, size_t len, bool rsp)
{
	/* --garbage: bytes that cannot start a QMUX frame (no 0x01 marker among them) */
	static const uint8_t junk[] = {0x00, 0xff, 0x7e, 'A', 'T', '\r', '\n'};
	uint8_t out[sizeof(junk) + OUT_MAX * 2 + 64];
	size_t n, at = 0;
	int copies = rsp && S->c.dup ? 2 : 1;

	if (S->master < 0) {
		log_frame("lost", f, len);
		return;
	}
	if (S->c.garbage) {
		memcpy(out, junk, sizeof(junk));
		at = sizeof(junk);
	}
	n = mangle(f, len, out + at, sizeof(out) - at);
	while (copies--) {
		pty_write(out, at + n);
		log_frame("tx", out + at, n);
	}
}

static int64_t q_earliest(void)
{
	int64_t due = INT64_MAX;

	for (unsigned i = 0; i < OUT_SLOTS; i++)
		if (S->q[i].busy && S->q[i].due < due)
			due = S->q[i].due;
	return due;
}

static void q_arm(void)
{
	int64_t due = q_earliest();

	if (due == INT64_MAX)
		loop_timer_cancel(&S->tq);
	else
		loop_timer_set(&S->tq, due - loop_now_ms());
}

/* Send what is due, in (due, sequence) order: a delayed response stays ahead of the
 * indications it caused. */
static void q_fire(struct loop_timer *t)
{
	(void)t;
	int64_t now = loop_now_ms();

	for (;;) {
		struct out_slot *best = NULL;

		for (unsigned i = 0; i < OUT_SLOTS; i++) {
			struct out_slot *s = &S->q[i];

			if (!s->busy || s->due > now)
				continue;
			if (!best || s->due < best->due || (s->due == best->due && s->seq < best->seq))
				best = s;
		}
		if (!best)
			break;
		best->busy = false;
		emit(best->buf, best->len, best->rsp);
	}
	q_arm();
}

/* Send now, or queue until due (loop_now_ms() time); frames due together keep their order. */
static void send_frame(const uint8_t *f, size_t len, bool rsp, int64_t due)
{
	struct out_slot *s = NULL;

	for (unsigned i = 0; i < OUT_SLOTS && due > loop_now_ms(); i++)
		if (!S->q[i].busy) {
			s = &S->q[i];
			break;
		}
	if (!s || len > OUT_MAX) {
		emit(f, len, rsp);
		return;
	}
	s->busy = true;
	s->rsp = rsp;
	s->due = due;
	s->seq = S->qseq++;
	s->len = (uint16_t)len;
	memcpy(s->buf, f, len);
	q_arm();
}

/* An indication: to the client, or broadcast (cid 0xFF). Unsolicited ones nobody can read
 * are not sent (they would wait in the pty for the next client). */
static void send_ind(struct qmi_builder *b, bool unsolicited)
{
	int n = qmi_finish(b);

	if (n < 0 || (unsolicited && S->clients <= 0))
		return;
	send_frame(b->buf, (size_t)n, false, unsolicited ? 0 : S->cur_due);
}

/* ==================== clients ==================== */

static int svc_slot(uint8_t svc)
{
	for (unsigned i = 0; i < NSVC; i++)
		if (svcs[i].id == svc)
			return (int)i;
	return -1;
}

static struct client *client_get(uint8_t svc, uint8_t cid)
{
	int s = svc_slot(svc);

	if (s < 0 || cid == 0 || cid > S->c.max_cids || !S->cl[s][cid].used)
		return NULL;
	return &S->cl[s][cid];
}

static uint8_t client_cid(const struct client *c)
{
	return c->cid;
}

static void wds_ind(struct client *c, bool up, uint16_t end, uint16_t vtype, int16_t vreason,
		    bool unsolicited);

static void call_down(struct client *c, uint16_t end, uint16_t vtype, int16_t vreason, bool ind)
{
	if (!c->up)
		return;
	c->up = false;
	log_line("event call down cid %u handle 0x%08x reason %u/%u/%d", client_cid(c), c->handle,
		 end, vtype, vreason);
	if (ind)
		wds_ind(c, false, end, vtype, vreason, true);
}

static void calls_drop(uint16_t end, uint16_t vtype, int16_t vreason)
{
	for (unsigned cid = 1; cid <= SIM_MAX_CIDS; cid++)
		call_down(&S->cl[SLOT_WDS][cid], end, vtype, vreason, true);
}

static void client_release(unsigned slot, unsigned cid)
{
	struct client *c = &S->cl[slot][cid];

	/* a released WDS client takes its call down with it (no one is left to tell) */
	call_down(c, END_CLIENT, QMI_WDS_END_CM, VERBOSE_CM_CLIENT_END, false);
	memset(c, 0, sizeof(*c));
}

static void clients_release_all(void)
{
	for (unsigned s = 0; s < NSVC; s++)
		for (unsigned cid = 1; cid <= SIM_MAX_CIDS; cid++)
			client_release(s, cid);
}

static void client_init(struct client *c, unsigned cid)
{
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->cid = (uint8_t)cid;
	c->family = QMI_IP_FAMILY_V4;
	c->ind_serving = 1;
}

/* ==================== SIM and registration ==================== */

static bool sim_usable(void)
{
	return S->sim == SIM_READY || S->sim == SIM_VERIFIED;
}

static uint8_t reg_state(void)
{
	static const uint8_t map[] = {QMI_NAS_REGISTERED, QMI_NAS_REGISTERED, QMI_NAS_SEARCHING,
				      QMI_NAS_DENIED};

	if (S->opmode != QMI_DMS_OPMODE_ONLINE || !sim_usable())
		return QMI_NAS_NOT_REGISTERED;
	if (!S->reg_ready)
		return QMI_NAS_SEARCHING;
	return map[S->c.reg];
}

static bool registered(void)
{
	return reg_state() == QMI_NAS_REGISTERED;
}

static bool roaming(void)
{
	return registered() && S->c.reg == REG_ROAMING;
}

/* State changes are evaluated from a 0 ms timer, so they follow the response of the request
 * that caused them. */
static void reg_kick(void)
{
	loop_timer_set(&S->teval, 0);
}

static void nas_serving_ind_all(void);

static void reg_eval(struct loop_timer *t)
{
	uint8_t now;

	(void)t;
	if (S->opmode != QMI_DMS_OPMODE_ONLINE || !sim_usable()) {
		S->reg_ready = false;
		loop_timer_cancel(&S->treg);
	} else if (!S->reg_ready && !loop_timer_pending(&S->treg)) {
		loop_timer_set(&S->treg, S->c.reg_delay_ms);
	}
	now = (uint8_t)(reg_state() | roaming() << 7);
	if (now == S->reg_shown)
		return;
	S->reg_shown = now;
	log_line("event registration %s%s", qmi_nas_reg_state_name(now & 0x7f),
		 now & 0x80 ? " roaming" : "");
	nas_serving_ind_all();
	if (!registered())
		calls_drop(END_NO_SERVICE, QMI_WDS_END_CM, VERBOSE_CM_NO_SERVICE);
}

static void reg_timer(struct loop_timer *t)
{
	S->reg_ready = true;
	reg_eval(t);
}

static void sim_timer(struct loop_timer *t)
{
	(void)t;
	if (S->sim == SIM_INIT)
		S->sim = SIM_READY;
	log_line("event sim ready");
	reg_kick();
}

static void sim_set(int state)
{
	S->sim = state;
	S->pin_left = state == SIM_PUK ? 0 : S->c.pin_retries;
	S->puk_left = PUK_RETRIES;
	reg_kick();
}

/* PIN1 verification, shared by UIM and DMS: 0 or a QMI error. */
static uint16_t sim_verify(const uint8_t *pin, size_t len, uint16_t absent_err)
{
	switch (S->sim) {
	case SIM_ABSENT:
		return absent_err;
	case SIM_INIT:
		return E_UIM_UNINIT;
	case SIM_PUK:
		return E_PIN_BLOCKED;
	case SIM_READY:
		return E_NO_EFFECT; /* PIN1 disabled: nothing to verify */
	}
	if (len == strlen(S->c.pin) && !memcmp(pin, S->c.pin, len)) {
		S->pin_left = S->c.pin_retries;
		if (S->sim != SIM_VERIFIED)
			log_line("event sim pin verified");
		S->sim = SIM_VERIFIED;
		reg_kick();
		return 0;
	}
	if (S->pin_left)
		S->pin_left--;
	if (!S->pin_left) {
		S->sim = SIM_PUK;
		log_line("event sim blocked: PUK required");
	}
	return E_INCORRECT_PIN;
}

/* ==================== requests ==================== */

/* Result TLV first, as firmware sends it; handlers return these (always 0) */
static int ok(struct req *r)
{
	qmi_put_result(&r->b, 0);
	return 0;
}

static int fail(struct req *r, uint16_t err)
{
	qmi_put_result(&r->b, err);
	return 0;
}

static bool tlv(struct req *r, uint8_t type, size_t min, const uint8_t **v, uint16_t *len)
{
	uint16_t l;

	if (qmi_tlv_find(r->m, type, v, &l) || l < min)
		return false;
	if (len)
		*len = l;
	return true;
}

/* ---- CTL ---- */

static int ctl_version(struct req *r)
{
	ok(r);
	qmi_tlv_begin(&r->b, 0x01); /* "Service list" {u8 count, {service, major, minor}} */
	qmi_add_u8(&r->b, NSVC + 1);
	qmi_add_u8(&r->b, QMI_SVC_CTL);
	qmi_add_u16(&r->b, 1);
	qmi_add_u16(&r->b, 5);
	for (unsigned i = 0; i < NSVC; i++) {
		qmi_add_u8(&r->b, svcs[i].id);
		qmi_add_u16(&r->b, svcs[i].major);
		qmi_add_u16(&r->b, svcs[i].minor);
	}
	qmi_tlv_end(&r->b);
	return 0;
}

static void put_cid(struct req *r, uint8_t svc, uint8_t cid)
{
	qmi_tlv_begin(&r->b, 0x01); /* "Allocation Info" / "Release Info" {service, cid} */
	qmi_add_u8(&r->b, svc);
	qmi_add_u8(&r->b, cid);
	qmi_tlv_end(&r->b);
}

static int ctl_alloc(struct req *r)
{
	const uint8_t *v;
	unsigned cid;
	int s;

	if (!tlv(r, 0x01, 1, &v, NULL)) /* "Service" */
		return fail(r, E_MISSING_ARG);
	s = svc_slot(v[0]);
	if (s < 0)
		return fail(r, E_INVALID_SERVICE);
	for (cid = 1; cid <= S->c.max_cids; cid++) /* the lowest free one, from 1 upward */
		if (!S->cl[s][cid].used)
			break;
	if (cid > S->c.max_cids) {
		log_line("event %s client IDs exhausted", svc_name(v[0]));
		return fail(r, E_CIDS_EXHAUSTED);
	}
	client_init(&S->cl[s][cid], cid);
	ok(r);
	put_cid(r, v[0], (uint8_t)cid);
	return 0;
}

static int ctl_release(struct req *r)
{
	const uint8_t *v;

	if (!tlv(r, 0x01, 2, &v, NULL)) /* "Release Info" {service, cid} */
		return fail(r, E_MISSING_ARG);
	if (!client_get(v[0], v[1]))
		return fail(r, E_INVALID_CID);
	client_release((unsigned)svc_slot(v[0]), v[1]);
	ok(r);
	put_cid(r, v[0], v[1]);
	return 0;
}

static int ctl_sync(struct req *r)
{
	clients_release_all(); /* what Sync means: every client of every service is gone */
	log_line("event sync: all client IDs released");
	ok(r);
	return 0;
}

static int ctl_set_format(struct req *r)
{
	const uint8_t *v;

	if (tlv(r, 0x10, 2, &v, NULL)) { /* "Protocol": 1 802.3, 2 raw-ip */
		if (get_le16(v) != QMI_CTL_LINK_802_3 && get_le16(v) != QMI_CTL_LINK_RAW_IP)
			return fail(r, E_INVALID_ARG);
		S->fmt.llp = get_le16(v);
	}
	if (tlv(r, 0x01, 1, &v, NULL)) /* "Format": QoS header */
		S->fmt.qos = v[0];
	ok(r);
	qmi_put_u16(&r->b, 0x10, (uint16_t)S->fmt.llp);
	return 0;
}

/* ---- DMS ---- */

static int dms_ids(struct req *r)
{
	ok(r);
	qmi_put_str(&r->b, 0x10, "0");		  /* "Esn": LTE-only modules report 0 */
	qmi_put_str(&r->b, 0x11, S->c.imei);	  /* "Imei" */
	qmi_put_str(&r->b, 0x13, "01");		  /* "Imei Software Version" */
	return 0;
}

static int dms_string(struct req *r)
{
	const char *s = r->m->msg_id == QMI_DMS_MANUFACTURER ? S->c.manufacturer
			: r->m->msg_id == QMI_DMS_MODEL	      ? S->c.model
							      : S->c.revision;

	ok(r);
	qmi_put_str(&r->b, 0x01, s);
	return 0;
}

static int dms_get_opmode(struct req *r)
{
	ok(r);
	qmi_put_u8(&r->b, 0x01, S->opmode); /* "Mode" */
	return 0;
}

static int dms_set_opmode(struct req *r)
{
	const uint8_t *v;

	if (!tlv(r, 0x01, 1, &v, NULL)) /* "Mode": QmiDmsOperatingMode */
		return fail(r, E_MISSING_ARG);
	switch (v[0]) {
	case 4: /* reset: only from offline (QMI DMS rule), and comes back online */
		if (S->opmode != QMI_DMS_OPMODE_OFFLINE)
			return fail(r, E_INVALID_TRANSITION);
		S->opmode = QMI_DMS_OPMODE_ONLINE;
		break;
	case QMI_DMS_OPMODE_ONLINE:
	case QMI_DMS_OPMODE_LOW_POWER:
	case QMI_DMS_OPMODE_OFFLINE:
	case 6: /* persistent low power */
		S->opmode = v[0];
		break;
	default:
		return fail(r, E_INVALID_ARG);
	}
	log_line("event opmode %u", S->opmode);
	reg_kick();
	ok(r);
	return 0;
}

/* {status, verify left, unblock left}; QmiDmsUimPinStatus and QmiUimPinState share values */
static void put_pin1(struct qmi_builder *b)
{
	static const uint8_t status[] = {
		[SIM_PIN] = QMI_PIN_NOT_VERIFIED, [SIM_PUK] = QMI_PIN_BLOCKED,
		[SIM_READY] = QMI_PIN_DISABLED, [SIM_VERIFIED] = QMI_PIN_VERIFIED,
	};

	qmi_add_u8(b, S->sim < SIM_PIN ? QMI_PIN_NOT_INITIALIZED : status[S->sim]);
	qmi_add_u8(b, (uint8_t)S->pin_left);
	qmi_add_u8(b, (uint8_t)S->puk_left);
}

static int dms_pin_status(struct req *r)
{
	/* No SIM: firmware answers "Internal" (ModemManager mm-shared-qmi.c maps it to no SIM) */
	if (S->sim == SIM_ABSENT)
		return fail(r, E_INTERNAL);
	if (S->sim == SIM_INIT)
		return fail(r, E_UIM_UNINIT);
	ok(r);
	qmi_tlv_begin(&r->b, 0x11); /* "PIN1 Status" */
	put_pin1(&r->b);
	qmi_tlv_end(&r->b);
	qmi_tlv_begin(&r->b, 0x12); /* "PIN2 Status": enabled, never verified here */
	qmi_add_u8(&r->b, QMI_PIN_NOT_VERIFIED);
	qmi_add_u8(&r->b, 3);
	qmi_add_u8(&r->b, PUK_RETRIES);
	qmi_tlv_end(&r->b);
	return 0;
}

static void put_retries(struct req *r)
{
	qmi_tlv_begin(&r->b, 0x10); /* "Pin Retries Status" / "Retries Remaining" */
	qmi_add_u8(&r->b, (uint8_t)S->pin_left);
	qmi_add_u8(&r->b, (uint8_t)S->puk_left);
	qmi_tlv_end(&r->b);
}

/* "Info" {u8 pin id, u8 length, PIN}: 0 or a QMI error */
static uint16_t verify_info(struct req *r, uint8_t type, uint16_t absent_err)
{
	const uint8_t *v;
	uint16_t len;

	if (!tlv(r, type, 2, &v, &len) || v[1] > len - 2)
		return E_MISSING_ARG;
	if (v[0] != QMI_UIM_PIN1)
		return E_INVALID_PIN_ID; /* PIN2 is not simulated */
	return sim_verify(v + 2, v[1], absent_err);
}

static int dms_verify(struct req *r)
{
	uint16_t e = verify_info(r, 0x01, E_INTERNAL);

	qmi_put_result(&r->b, e);
	if (e != E_MISSING_ARG && e != E_INVALID_PIN_ID)
		put_retries(r);
	return 0;
}

/* ---- UIM ---- */

/* "Card Status" 0x10 (layout: core/qmi_msg.c uim_cards()): one slot, one USIM application */
static int uim_card_status(struct req *r)
{
	static const uint8_t aid[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xFF,
				      0x49, 0xFF, 0x05, 0x89, 0x00, 0x00, 0x01, 0xFF};
	static const uint8_t app_state[] = {
		[SIM_INIT] = 1, /* "detected": still initialising */
		[SIM_PIN] = QMI_UIM_APP_PIN_REQUIRED, [SIM_PUK] = QMI_UIM_APP_PUK_REQUIRED,
		[SIM_READY] = QMI_UIM_APP_READY, [SIM_VERIFIED] = QMI_UIM_APP_READY,
	};
	struct qmi_builder *b = &r->b;
	bool absent = S->sim == SIM_ABSENT;

	ok(r);
	qmi_tlv_begin(b, 0x10);
	qmi_add_u16(b, absent ? 0xFFFF : 0x0000); /* GW primary: card 0, app 0 */
	qmi_add_u16(b, 0xFFFF);			  /* 1x primary */
	qmi_add_u16(b, 0xFFFF);			  /* GW secondary */
	qmi_add_u16(b, 0xFFFF);			  /* 1x secondary */
	qmi_add_u8(b, 1);			  /* cards */
	qmi_add_u8(b, absent ? QMI_UIM_CARD_ABSENT : QMI_UIM_CARD_PRESENT);
	qmi_add_u8(b, QMI_PIN_NOT_INITIALIZED); /* UPIN state, retries, UPUK retries */
	qmi_add_u8(b, 0);
	qmi_add_u8(b, 0);
	qmi_add_u8(b, absent ? 3 : 0); /* QmiUimCardError: 3 no ATR received */
	qmi_add_u8(b, absent ? 0 : 1); /* applications */
	if (!absent) {
		qmi_add_u8(b, 2); /* type USIM */
		qmi_add_u8(b, app_state[S->sim]);
		qmi_add_u8(b, S->sim == SIM_INIT ? 0 : 2); /* personalization: unknown / ready */
		qmi_add_u8(b, 0);			   /* feature, retries, unblock retries */
		qmi_add_u8(b, 0);
		qmi_add_u8(b, 0);
		qmi_add_u8(b, sizeof(aid));
		qmi_add(b, aid, sizeof(aid));
		qmi_add_u8(b, 0); /* UPIN replaces PIN1: no */
		put_pin1(b);
		qmi_add_u8(b, QMI_PIN_NOT_VERIFIED); /* PIN2 */
		qmi_add_u8(b, 3);
		qmi_add_u8(b, PUK_RETRIES);
	}
	qmi_tlv_end(b);
	return 0;
}

static int uim_verify(struct req *r)
{
	const uint8_t *v;
	uint16_t e;

	if (!tlv(r, 0x01, 2, &v, NULL)) /* "Session" {type, AID length, AID} */
		return fail(r, E_MISSING_ARG);
	e = verify_info(r, 0x02, E_NO_SIM);
	qmi_put_result(&r->b, e);
	if (e != E_MISSING_ARG && e != E_INVALID_PIN_ID)
		put_retries(r);
	return 0;
}

/* ---- NAS ---- */

static int nas_register_ind(struct req *r)
{
	const uint8_t *v;

	if (tlv(r, 0x13, 1, &v, NULL)) /* "Serving System Events" */
		r->cl->ind_serving = v[0] ? 1 : 0;
	if (tlv(r, 0x18, 1, &v, NULL)) /* "Sys Info" */
		r->cl->ind_sysinfo = v[0] ? 1 : 0;
	ok(r);
	return 0;
}

static int8_t rat_iface(void)
{
	static const int8_t iface[] = {8, 5, 4}; /* QmiNasRadioInterface lte, umts, gsm */

	return iface[S->c.rat];
}

/* Cell identity of the simulated network (any values; LAC for GSM/UMTS, TAC for LTE) */
#define SIM_LAC 0x2A1B
#define SIM_TAC 0x1A2B
#define SIM_CELL 0x01A2B3C4u

/* Get Serving System response and Serving System indication. The indication inserts two TLVs,
 * so LAC, CID, Detailed Service Status and LTE TAC are one id higher, MNC PCS two (libqmi
 * data/qmi-service-nas.json "Serving System" message vs indication). */
static void put_serving(struct qmi_builder *b, bool ind)
{
	static const uint8_t caps[] = {11, 5, 1}; /* QmiNasDataCapability lte, wcdma, gprs */
	uint8_t st = reg_state();
	bool reg = st == QMI_NAS_REGISTERED;

	qmi_tlv_begin(b, 0x01); /* "Serving System" */
	qmi_add_u8(b, st);
	qmi_add_u8(b, reg ? 1 : 2); /* CS attach: attached / detached */
	qmi_add_u8(b, reg ? 1 : 2); /* PS attach */
	qmi_add_u8(b, reg ? 2 : 0); /* selected network: 3GPP / unknown */
	qmi_add_u8(b, reg ? 1 : 0);
	if (reg)
		qmi_add_u8(b, (uint8_t)rat_iface());
	qmi_tlv_end(b);
	qmi_tlv_begin(b, 0x21 + ind); /* "Detailed Service Status" */
	qmi_add_u8(b, reg ? 2 : st == QMI_NAS_DENIED ? 1 : 0); /* available / limited / none */
	qmi_add_u8(b, reg ? 3 : 0);			       /* capability CS+PS / none */
	qmi_add_u8(b, 0);
	qmi_add_u8(b, 0);
	qmi_add_u8(b, st == QMI_NAS_DENIED); /* forbidden */
	qmi_tlv_end(b);
	if (!reg)
		return;
	qmi_put_u8(b, 0x10, roaming() ? 0 : 1); /* "Roaming Indicator": 0 on, 1 off */
	qmi_tlv_begin(b, 0x11);			/* "Data Service Capability" */
	qmi_add_u8(b, 1);
	qmi_add_u8(b, caps[S->c.rat]);
	qmi_tlv_end(b);
	qmi_tlv_begin(b, 0x12); /* "Current PLMN" {mcc, mnc, u8 length, description} */
	qmi_add_u16(b, S->c.mcc);
	qmi_add_u16(b, S->c.mnc);
	qmi_add_u8(b, (uint8_t)strlen(S->c.oper));
	qmi_add(b, S->c.oper, strlen(S->c.oper));
	qmi_tlv_end(b);
	if (S->c.rat == RAT_LTE) {
		qmi_put_u16(b, 0x24 + ind, SIM_TAC); /* "LTE TAC" */
	} else {
		qmi_put_u16(b, 0x1C + ind, SIM_LAC); /* "LAC 3GPP" */
	}
	qmi_put_u32(b, 0x1D + ind, SIM_CELL); /* "CID 3GPP" */
	qmi_tlv_begin(b, ind ? 0x29 : 0x27);  /* "MNC PCS Digit Include Status" */
	qmi_add_u16(b, S->c.mcc);
	qmi_add_u16(b, S->c.mnc);
	qmi_add_u8(b, S->c.mnc3);
	qmi_tlv_end(b);
}

static int nas_serving(struct req *r)
{
	ok(r);
	put_serving(&r->b, false);
	return 0;
}

static void put_plmn_digits(struct qmi_builder *b)
{
	char mcc[4], mnc[4];

	fmt_buf(mcc, sizeof(mcc), "%03u", S->c.mcc);
	fmt_buf(mnc, sizeof(mnc), S->c.mnc3 ? "%03u" : "%02u", S->c.mnc);
	qmi_add(b, mcc, 3);
	qmi_add(b, mnc, 2);
	qmi_add_u8(b, S->c.mnc3 ? (uint8_t)mnc[2] : 0xFF); /* a 2-digit MNC is padded with 0xFF */
}

/* "GSM/WCDMA/LTE Service Status" 0x12..0x14 and "... System Info v2" 0x17..0x19; layouts in
 * core/qmi_msg.c rat_info() plus the RAT-specific tails (libqmi "Get System Info"). */
static void put_sysinfo(struct qmi_builder *b)
{
	uint8_t st = reg_state(), rat = (uint8_t)S->c.rat;
	bool reg = st == QMI_NAS_REGISTERED, denied = st == QMI_NAS_DENIED;
	uint8_t status = reg ? 2 : denied ? 1 : 0;

	qmi_tlv_begin(b, 0x14 - rat); /* {service status, true service status, preferred} */
	qmi_add_u8(b, status);
	qmi_add_u8(b, status);
	qmi_add_u8(b, reg);
	qmi_tlv_end(b);
	if (st == QMI_NAS_NOT_REGISTERED || st == QMI_NAS_SEARCHING)
		return;
	qmi_tlv_begin(b, 0x19 - rat);
	qmi_add_u8(b, 1); /* domain */
	qmi_add_u8(b, reg ? 3 : 0);
	qmi_add_u8(b, 1); /* service capability */
	qmi_add_u8(b, 3);
	qmi_add_u8(b, 1); /* roaming status */
	qmi_add_u8(b, roaming());
	qmi_add_u8(b, 1); /* forbidden */
	qmi_add_u8(b, denied);
	qmi_add_u8(b, rat != RAT_LTE); /* LAC */
	qmi_add_u16(b, rat != RAT_LTE ? SIM_LAC : 0xFFFF);
	qmi_add_u8(b, 1); /* cell id */
	qmi_add_u32(b, SIM_CELL);
	qmi_add_u8(b, denied); /* registration reject: domain PS, cause */
	qmi_add_u8(b, denied ? 2 : 0);
	qmi_add_u8(b, denied ? (uint8_t)S->c.reject_cause : 0);
	qmi_add_u8(b, 1); /* network id */
	put_plmn_digits(b);
	if (rat == RAT_LTE) {
		qmi_add_u8(b, 1); /* TAC */
		qmi_add_u16(b, SIM_TAC);
	} else if (rat == RAT_UMTS) {
		static const uint8_t tail[] = {0, 0, 1, 1, 1, 0x7B, 0x00}; /* HS call, HS, PSC 123 */
		qmi_add(b, tail, sizeof(tail));
	} else {
		static const uint8_t tail[] = {1, 1, 1, 0}; /* EGPRS yes, DTM no */
		qmi_add(b, tail, sizeof(tail));
	}
	qmi_tlv_end(b);
}

static int nas_sysinfo(struct req *r)
{
	ok(r);
	put_sysinfo(&r->b);
	return 0;
}

/* "GSM Signal Strength" 0x12 i8, "WCDMA" 0x13 {i8 rssi, i16 ecio}, "LTE" 0x14 {i8 rssi,
 * i8 rsrq, i16 rsrp, i16 snr (0.1 dB)}; nothing while no cell is camped on */
static void put_signal(struct qmi_builder *b)
{
	uint8_t st = reg_state();

	if (st == QMI_NAS_NOT_REGISTERED || st == QMI_NAS_SEARCHING)
		return;
	qmi_tlv_begin(b, (uint8_t)(0x14 - S->c.rat));
	qmi_add_u8(b, (uint8_t)(int8_t)S->c.rssi);
	if (S->c.rat == RAT_UMTS)
		qmi_add_u16(b, 10); /* Ec/Io in -0.5 dB units: -5 dB */
	if (S->c.rat == RAT_LTE) {
		qmi_add_u8(b, (uint8_t)(int8_t)S->c.rsrq);
		qmi_add_u16(b, (uint16_t)(int16_t)S->c.rsrp);
		qmi_add_u16(b, (uint16_t)(int16_t)S->c.snr);
	}
	qmi_tlv_end(b);
}

static int nas_signal(struct req *r)
{
	ok(r);
	put_signal(&r->b);
	return 0;
}

static void nas_serving_ind_all(void)
{
	uint8_t buf[512];
	struct qmi_builder b;

	for (unsigned cid = 1; cid <= S->c.max_cids; cid++) {
		struct client *c = &S->cl[SLOT_NAS][cid];

		if (!c->used)
			continue;
		if (c->ind_serving) {
			qmi_build(&b, buf, sizeof(buf), QMI_SVC_NAS, (uint8_t)cid, 0,
				  QMI_NAS_SERVING_SYSTEM, QMI_IND);
			put_serving(&b, true);
			send_ind(&b, true);
		}
		if (c->ind_sysinfo) {
			qmi_build(&b, buf, sizeof(buf), QMI_SVC_NAS, (uint8_t)cid, 0,
				  QMI_NAS_SYSINFO_IND, QMI_IND);
			put_sysinfo(&b);
			send_ind(&b, true);
		}
	}
}

/* ---- WDS ---- */

/* Packet Service Status indication: "Connection Status" 0x01 {status, reconfiguration
 * required}, "Call End Reason" 0x10, "Verbose Call End Reason" 0x11 {type, reason},
 * "IP Family" 0x12 */
static void wds_ind(struct client *c, bool up, uint16_t end, uint16_t vtype, int16_t vreason,
		    bool unsolicited)
{
	uint8_t buf[128];
	struct qmi_builder b;

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_WDS, client_cid(c), 0, QMI_WDS_PKT_STATUS, QMI_IND);
	qmi_tlv_begin(&b, 0x01);
	qmi_add_u8(&b, up ? QMI_WDS_CONNECTED : QMI_WDS_DISCONNECTED);
	qmi_add_u8(&b, 0);
	qmi_tlv_end(&b);
	if (!up) {
		qmi_put_u16(&b, 0x10, end);
		qmi_tlv_begin(&b, 0x11);
		qmi_add_u16(&b, vtype);
		qmi_add_u16(&b, (uint16_t)vreason);
		qmi_tlv_end(&b);
	}
	qmi_put_u8(&b, 0x12, c->call_family);
	send_ind(&b, unsolicited);
}

static void after_connect(struct req *r)
{
	wds_ind(r->cl, true, 0, 0, 0, false);
}

static void after_disconnect(struct req *r)
{
	wds_ind(r->cl, false, END_CLIENT, QMI_WDS_END_CM, VERBOSE_CM_CLIENT_END, false);
}

/* 3GPP cause -> the matching QmiWdsCallEndReason (GSM/WCDMA range, libqmi qmi-enums-wds.h) */
static uint16_t end_reason_of(int cause)
{
	static const struct {
		uint8_t cause;
		uint16_t reason;
	} map[] = {{8, 1012}, {26, 1005}, {27, 1013}, {28, 1014}, {29, END_AUTH_FAILED},
		   {30, 1015}, {31, 1016}, {32, 1017}, {33, 1018}, {36, 1008}, {38, 1009}};

	for (unsigned i = 0; i < ARRAY_SIZE(map); i++)
		if (map[i].cause == cause)
			return map[i].reason;
	return END_UNSPECIFIED;
}

static int call_fail(struct req *r, uint16_t end, uint16_t vtype, int cause)
{
	log_line("event call failed cid %u: %u/%u/%d", client_cid(r->cl), end, vtype, cause);
	fail(r, E_CALL_FAILED);
	qmi_put_u16(&r->b, 0x10, end); /* "Call End Reason" */
	qmi_tlv_begin(&r->b, 0x11);    /* "Verbose Call End Reason" {type, reason} */
	qmi_add_u16(&r->b, vtype);
	qmi_add_u16(&r->b, (uint16_t)cause);
	qmi_tlv_end(&r->b);
	return 0;
}

static int call_fail_3gpp(struct req *r, int cause)
{
	return call_fail(r, end_reason_of(cause), QMI_WDS_END_3GPP, cause);
}

/* Is there a string TLV equal to s? (APNs compare case-insensitively, TS 23.003 9.1) */
static bool str_is(struct req *r, uint8_t type, const char *s, bool icase)
{
	const uint8_t *v;
	uint16_t len;

	if (!tlv(r, type, 0, &v, &len))
		return false;
	if (len != strlen(s))
		return false;
	return icase ? !strncasecmp((const char *)v, s, len) : !memcmp(v, s, len);
}

static int wds_start(struct req *r)
{
	struct client *c = r->cl;
	const uint8_t *v;
	uint16_t len;
	uint8_t fam = c->family;

	if (tlv(r, 0x19, 1, &v, NULL) && (v[0] == 4 || v[0] == 6)) /* "IP Family Preference" */
		fam = v[0];
	if (c->up)
		return fail(r, E_NO_EFFECT);
	if (!registered())
		return call_fail(r, END_NO_SERVICE, QMI_WDS_END_CM, VERBOSE_CM_NO_SERVICE);
	if (S->c.call_fail)
		return call_fail_3gpp(r, S->c.call_fail);
	if (S->c.apn && tlv(r, 0x14, 1, &v, &len) && !str_is(r, 0x14, S->c.apn, true))
		return call_fail_3gpp(r, 27); /* missing or unknown APN */
	if ((S->c.user && !str_is(r, 0x17, S->c.user, false)) ||
	    (S->c.password && !str_is(r, 0x18, S->c.password, false)) ||
	    ((S->c.user || S->c.password) && tlv(r, 0x16, 1, &v, NULL) && v[0] == 0))
		return call_fail_3gpp(r, 29); /* user authentication failed */
	if (!(S->c.ip_types & 1u << fam))
		return call_fail_3gpp(r, fam == 6 ? 50 : 51); /* IPv4 / IPv6 only allowed */
	c->up = true;
	c->call_family = fam;
	/* handles look random on real modems; odd, never 0 or the global 0xFFFFFFFF */
	c->handle = (S->next_handle += 0x9E3779B2u) | 1;
	if (c->handle == 0xFFFFFFFF)
		c->handle = 0x8A3B2C11;
	c->apn[0] = 0;
	if (qmi_tlv_str(r->m, 0x14, c->apn, sizeof(c->apn)) <= 0 && S->c.apn)
		fmt_buf(c->apn, sizeof(c->apn), "%s", S->c.apn);
	log_line("event call up cid %u handle 0x%08x ipv%u apn '%s'", client_cid(c), c->handle, fam,
		 c->apn);
	ok(r);
	qmi_put_u32(&r->b, 0x01, c->handle); /* "Packet Data Handle" */
	r->after = after_connect;
	if (S->c.net_drop_ms >= 0 && !S->net_drop_armed) {
		S->net_drop_armed = true;
		loop_timer_set(&S->tdrop, S->c.net_drop_ms);
	}
	return 0;
}

static int wds_stop(struct req *r)
{
	const uint8_t *v;
	uint32_t h;

	if (!tlv(r, 0x01, 4, &v, NULL)) /* "Packet Data Handle" */
		return fail(r, E_MISSING_ARG);
	h = get_le32(v);
	if (!r->cl->up)
		return fail(r, h == 0xFFFFFFFF ? E_NO_EFFECT : E_INVALID_HANDLE);
	if (h != 0xFFFFFFFF && h != r->cl->handle)
		return fail(r, E_INVALID_HANDLE);
	call_down(r->cl, END_CLIENT, QMI_WDS_END_CM, VERBOSE_CM_CLIENT_END, false);
	ok(r);
	r->after = after_disconnect;
	return 0;
}

static int wds_pkt_status(struct req *r)
{
	ok(r);
	qmi_put_u8(&r->b, 0x01, r->cl->up ? QMI_WDS_CONNECTED : QMI_WDS_DISCONNECTED);
	return 0;
}

/* IPv4 TLVs: u32 little-endian holding the host-order address (vector Q34) */
static void put_ip4(struct qmi_builder *b, uint8_t type, const uint8_t *a)
{
	qmi_put_u32(b, type, get_be32(a));
}

static void put_ip6(struct qmi_builder *b, uint8_t type, const uint8_t *a, int prefix)
{
	qmi_tlv_begin(b, type);
	qmi_add(b, a, 16);
	if (prefix >= 0)
		qmi_add_u8(b, (uint8_t)prefix);
	qmi_tlv_end(b);
}

/* Requested Settings bits (libqmi QmiWdsGetCurrentSettingsRequestedSettings) */
#define SET_PDP_TYPE (1u << 2)
#define SET_APN (1u << 3)
#define SET_DNS (1u << 4)
#define SET_IP (1u << 8)
#define SET_GATEWAY (1u << 9)
#define SET_MTU (1u << 13)
#define SET_FAMILY (1u << 15)

static int wds_settings(struct req *r)
{
	const struct sim_cfg *c = &S->c;
	struct qmi_builder *b = &r->b;
	bool v6 = r->cl->call_family == 6;
	uint32_t mask = 0xFFFFFFFF;
	uint8_t m4[4];
	const uint8_t *v;

	if (tlv(r, 0x10, 4, &v, NULL)) /* "Requested Settings" */
		mask = get_le32(v);
	if (!r->cl->up)
		return fail(r, E_OUT_OF_CALL);
	ok(r);
	if (mask & SET_PDP_TYPE)
		qmi_put_u8(b, 0x11, v6 ? 2 : 0); /* "PDP Type": IPv4 / IPv6 */
	if ((mask & SET_APN) && r->cl->apn[0])
		qmi_put_str(b, 0x14, r->cl->apn); /* "APN Name" */
	if ((mask & SET_DNS) && !v6) {
		for (unsigned i = 0; i < c->ndns4; i++)
			put_ip4(b, (uint8_t)(0x15 + i), c->dns4[i]); /* Primary/Secondary DNS */
	}
	if ((mask & SET_DNS) && v6) {
		for (unsigned i = 0; i < c->ndns6; i++)
			put_ip6(b, (uint8_t)(0x27 + i), c->dns6[i], -1);
	}
	if ((mask & SET_IP) && !v6)
		put_ip4(b, 0x1E, c->ip4); /* "IPv4 Address" */
	if ((mask & SET_IP) && v6)
		put_ip6(b, 0x25, c->ip6, c->prefix6); /* "IPv6 Address" {addr, prefix} */
	if ((mask & SET_GATEWAY) && !v6) {
		put_be32(m4, c->prefix4 ? ~0u << (32 - c->prefix4) : 0);
		put_ip4(b, 0x20, c->gw4); /* "IPv4 Gateway Address" */
		put_ip4(b, 0x21, m4);	  /* "IPv4 Gateway Subnet Mask" */
	}
	if ((mask & SET_GATEWAY) && v6)
		put_ip6(b, 0x26, c->gw6, c->prefix6); /* "IPv6 Gateway Address" */
	if (mask & SET_MTU)
		qmi_put_u32(b, 0x29, c->mtu); /* "MTU" */
	if (mask & SET_FAMILY)
		qmi_put_u8(b, 0x2B, v6 ? 6 : 4); /* "IP Family" */
	return 0;
}

static int wds_set_family(struct req *r)
{
	const uint8_t *v;

	if (!tlv(r, 0x01, 1, &v, NULL)) /* "Preference" */
		return fail(r, E_MISSING_ARG);
	if (v[0] != 4 && v[0] != 6 && v[0] != 8)
		return fail(r, E_INVALID_ARG);
	r->cl->family = v[0] == 8 ? 4 : v[0];
	ok(r);
	return 0;
}

static int wds_bind_mux(struct req *r)
{
	const uint8_t *v;

	if (!tlv(r, 0x10, 8, &v, NULL) || !tlv(r, 0x11, 1, &v, NULL)) /* endpoint, mux id */
		return fail(r, E_MISSING_ARG);
	ok(r);
	return 0;
}

/* ---- WDA ---- */

static int put_format(struct req *r)
{
	const struct data_format *f = &S->fmt;
	struct qmi_builder *b = &r->b;

	ok(r);
	qmi_put_u8(b, 0x10, f->qos);	 /* "QoS Format" */
	qmi_put_u32(b, 0x11, f->llp);	 /* "Link Layer Protocol" */
	qmi_put_u32(b, 0x12, f->ul_agg); /* "Uplink Data Aggregation Protocol" */
	qmi_put_u32(b, 0x13, f->dl_agg); /* "Downlink Data Aggregation Protocol" */
	if (!f->ul_agg && !f->dl_agg)
		return 0;
	qmi_put_u32(b, 0x15, f->dl_dgrams); /* "Downlink ... Max Datagrams" */
	qmi_put_u32(b, 0x16, f->dl_size);   /* "Downlink ... Max Size" */
	qmi_put_u32(b, 0x17, f->ul_dgrams); /* "Uplink ... Max Datagrams" (0x1B in requests) */
	qmi_put_u32(b, 0x18, f->ul_size);   /* "Uplink ... Max Size" (0x1C in requests) */
	return 0;
}

static bool get_u32_tlv(struct req *r, uint8_t type, uint32_t *dst)
{
	const uint8_t *v;

	if (!tlv(r, type, 4, &v, NULL))
		return false;
	*dst = get_le32(v);
	return true;
}

static int wda_set(struct req *r)
{
	struct data_format f = S->fmt;
	const uint8_t *v;

	if (tlv(r, 0x10, 1, &v, NULL))
		f.qos = v[0];
	get_u32_tlv(r, 0x11, &f.llp);
	get_u32_tlv(r, 0x12, &f.ul_agg);
	get_u32_tlv(r, 0x13, &f.dl_agg);
	get_u32_tlv(r, 0x15, &f.dl_dgrams);
	get_u32_tlv(r, 0x16, &f.dl_size);
	get_u32_tlv(r, 0x1B, &f.ul_dgrams);
	get_u32_tlv(r, 0x1C, &f.ul_size);
	if (f.llp != QMI_WDA_LLP_802_3 && f.llp != QMI_WDA_LLP_RAW_IP)
		return fail(r, E_INVALID_ARG);
	/* the modem answers with what it will use: QMAP limits of a typical Quectel */
	f.dl_dgrams = MIN(MAX(f.dl_dgrams, 1u), 32u);
	f.dl_size = MIN(MAX(f.dl_size, 1504u), 32768u);
	f.ul_dgrams = MIN(MAX(f.ul_dgrams, 1u), 16u);
	f.ul_size = MIN(MAX(f.ul_size, 1504u), 8192u);
	S->fmt = f;
	log_line("event data format llp %u ul-agg %u dl-agg %u", f.llp, f.ul_agg, f.dl_agg);
	return put_format(r);
}

static const struct handler {
	uint8_t svc;
	uint16_t msg;
	int (*fn)(struct req *r);
} handlers[] = {
	{QMI_SVC_CTL, QMI_CTL_GET_VERSION, ctl_version},
	{QMI_SVC_CTL, QMI_CTL_ALLOC_CID, ctl_alloc},
	{QMI_SVC_CTL, QMI_CTL_RELEASE_CID, ctl_release},
	{QMI_SVC_CTL, QMI_CTL_SYNC, ctl_sync},
	{QMI_SVC_CTL, QMI_CTL_SET_DATA_FORMAT, ctl_set_format},
	{QMI_SVC_DMS, QMI_DMS_IDS, dms_ids},
	{QMI_SVC_DMS, QMI_DMS_MANUFACTURER, dms_string},
	{QMI_SVC_DMS, QMI_DMS_MODEL, dms_string},
	{QMI_SVC_DMS, QMI_DMS_REVISION, dms_string},
	{QMI_SVC_DMS, QMI_DMS_GET_OPMODE, dms_get_opmode},
	{QMI_SVC_DMS, QMI_DMS_SET_OPMODE, dms_set_opmode},
	{QMI_SVC_DMS, QMI_DMS_PIN_STATUS, dms_pin_status},
	{QMI_SVC_DMS, QMI_DMS_VERIFY_PIN, dms_verify},
	{QMI_SVC_UIM, QMI_UIM_CARD_STATUS, uim_card_status},
	{QMI_SVC_UIM, QMI_UIM_VERIFY_PIN, uim_verify},
	{QMI_SVC_NAS, QMI_NAS_REGISTER_IND, nas_register_ind},
	{QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, nas_serving},
	{QMI_SVC_NAS, QMI_NAS_SYSTEM_INFO, nas_sysinfo},
	{QMI_SVC_NAS, QMI_NAS_SIGNAL_INFO, nas_signal},
	{QMI_SVC_WDS, QMI_WDS_START_NETWORK, wds_start},
	{QMI_SVC_WDS, QMI_WDS_STOP_NETWORK, wds_stop},
	{QMI_SVC_WDS, QMI_WDS_PKT_STATUS, wds_pkt_status},
	{QMI_SVC_WDS, QMI_WDS_GET_SETTINGS, wds_settings},
	{QMI_SVC_WDS, QMI_WDS_SET_IP_FAMILY, wds_set_family},
	{QMI_SVC_WDS, QMI_WDS_BIND_MUX, wds_bind_mux},
	{QMI_SVC_WDA, QMI_WDA_SET_FORMAT, wda_set},
	{QMI_SVC_WDA, QMI_WDA_GET_FORMAT, put_format},
};

/* ==================== dispatch ==================== */

static bool sel_match(struct msg_sel *sel, unsigned n, const struct qmi_msg *m, bool once)
{
	for (unsigned i = 0; i < n; i++) {
		if (sel[i].svc != m->service || sel[i].msg != m->msg_id || (once && sel[i].used))
			continue;
		sel[i].used = once;
		return true;
	}
	return false;
}

static bool drop_this(const struct qmi_msg *m)
{
	for (unsigned i = 0; i < S->c.ndrop; i++)
		if (S->c.drop_n[i] == S->nreq)
			return true;
	return sel_match(S->c.drop_msg, S->c.ndrop_msg, m, false);
}

static bool late_this(const struct qmi_msg *m)
{
	if (S->c.late_ms <= 0)
		return false;
	return S->nreq == S->c.late_nth || sel_match(S->c.late_msg, S->c.nlate_msg, m, true);
}

static void sync_indication(void)
{
	uint8_t buf[32];
	struct qmi_builder b;

	clients_release_all();
	log_line("event sync indication: all client IDs dropped");
	qmi_build(&b, buf, sizeof(buf), QMI_SVC_CTL, 0, 0, QMI_CTL_SYNC, QMI_IND);
	send_ind(&b, true);
}

static void handle_request(const struct qmi_msg *m)
{
	struct req *r = &S->req;
	int64_t now = loop_now_ms();
	bool drop, late;
	int n;

	S->nreq++;
	if (S->c.vanish_ms >= 0 && !S->vanish_armed) {
		S->vanish_armed = true;
		loop_timer_set(&S->tvanish, S->c.vanish_ms);
	}
	if (S->c.ignore_first && now - S->last_rx > IDLE_MS) {
		S->last_rx = now;
		log_line("event ignored request %u (idle)", S->nreq);
		return;
	}
	S->last_rx = now;
	memset(r, 0, offsetof(struct req, buf));
	r->m = m;
	qmi_build(&r->b, r->buf, sizeof(r->buf), m->service, m->client_id, m->tid, m->msg_id, QMI_RSP);
	drop = drop_this(m);
	late = late_this(m);
	S->cur_due = now + (late ? S->c.late_ms : S->c.latency_ms);
	if (m->service != QMI_SVC_CTL && !(r->cl = client_get(m->service, m->client_id))) {
		fail(r, E_INVALID_CID);
	} else {
		unsigned i;

		for (i = 0; i < ARRAY_SIZE(handlers); i++)
			if (handlers[i].svc == m->service && handlers[i].msg == m->msg_id)
				break;
		if (i < ARRAY_SIZE(handlers))
			handlers[i].fn(r);
		else
			fail(r, E_INVALID_CMD);
	}
	n = qmi_finish(&r->b);
	if (n < 0)
		log_line("event response to request %u does not fit: %s", S->nreq, strerror(-n));
	else if (drop)
		log_frame("drop", r->buf, (size_t)n);
	else
		send_frame(r->buf, (size_t)n, true, S->cur_due);
	if (r->after)
		r->after(r);
	S->cur_due = 0;
	if (S->c.sync_ind_n == S->nreq && !S->sync_done) {
		S->sync_done = true;
		sync_indication();
	}
}

/* A frame qmi_parse() refused: answer "Malformed message" if the header can be read. */
static void handle_malformed(const uint8_t *f, size_t len)
{
	bool ctl = len > 4 && f[4] == QMI_SVC_CTL;
	struct qmi_builder b;
	uint8_t buf[32];
	int n;

	if (len < (ctl ? 12u : 13u) || f[6] != 0) /* only requests (SDU flags 0) are answered */
		return;
	qmi_build(&b, buf, sizeof(buf), f[4], f[5], ctl ? f[7] : get_le16(f + 7),
		  get_le16(f + (ctl ? 8 : 9)), QMI_RSP);
	qmi_put_result(&b, E_MALFORMED);
	n = qmi_finish(&b);
	if (n > 0)
		send_frame(buf, (size_t)n, true, loop_now_ms() + S->c.latency_ms);
}

static void on_frame(struct wdm *w, const uint8_t *f, size_t len)
{
	struct qmi_msg m;

	(void)w;
	log_frame("rx", f, len);
	if (qmi_parse(f, len, &m) < 0) {
		handle_malformed(f, len);
		return;
	}
	if (m.type != QMI_REQ) {
		log_line("event ignored a frame that is not a request");
		return;
	}
	handle_request(&m);
}

static long frame_len(const uint8_t *buf, size_t have)
{
	return qmi_frame_len(buf, have);
}

/* ==================== the pty ==================== */

static void at_input(const char *buf, size_t len);

static void master_io(struct loop_fd *f, short revents)
{
	uint8_t buf[4096];
	ssize_t n = read(S->master, buf, sizeof(buf));

	(void)revents;
	if (n > 0 && S->c.at) {
		at_input((const char *)buf, (size_t)n);
		return;
	}
	if (n > 0) {
		wdm_feed(&S->w, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* Cannot happen while we hold the slave open; stop watching rather than spin on it. */
	log_line("event pty master: %s", n < 0 ? strerror(errno) : "EOF");
	loop_fd_del(f);
}

/* inotify on the slave: IN_OPEN / IN_CLOSE count the clients. When the last one has gone, a
 * half-received frame is forgotten and both directions of the pty are flushed, so the next
 * client starts clean. Each side's TCIFLUSH empties what that side has not read yet (the flush
 * acts on the tty it is issued on; pty_flush_buffer() does not reach the other side). If a
 * close and the next open come in one batch, only the framer is reset: the new client's
 * request or response may already be in flight. */
static void ino_io(struct loop_fd *f, short revents)
{
	uint8_t buf[4096] __attribute__((aligned(8)));
	bool zero = false, changed = false;
	ssize_t n, at;

	(void)f;
	(void)revents;
	while ((n = read(S->ino, buf, sizeof(buf))) > 0) {
		for (at = 0; at + (ssize_t)sizeof(struct inotify_event) <= n;) {
			struct inotify_event ev;

			memcpy(&ev, buf + at, sizeof(ev));
			if (ev.mask & IN_OPEN)
				S->clients++;
			if ((ev.mask & IN_CLOSE) && S->clients > 0 && !--S->clients)
				zero = true;
			changed |= (ev.mask & (IN_OPEN | IN_CLOSE)) != 0;
			at += (ssize_t)sizeof(ev) + ev.len;
		}
	}
	if (!changed)
		return;
	log_line("event clients %d", S->clients);
	if (zero) {
		S->garbage += S->w.stats.garbage;
		wdm_init(&S->w, frame_len);
		S->at.llen = 0;
	}
	if (S->clients == 0) {
		tcflush(S->master, TCIFLUSH); /* what the client wrote and we have not read */
		tcflush(S->slave, TCIFLUSH);  /* what we wrote and the client did not read */
	}
}

static int tty_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t); /* no echo, no CR/NL mapping, no XON/XOFF: 0x11/0x13 are QMI bytes */
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	return tcsetattr(fd, TCSANOW, &t) < 0 ? -errno : 0;
}

/* The pty pair (pts(4): open /dev/ptmx, unlock, ask for the number; not posix_openpt() and
 * ptsname_r(), which pull musl's printf family in). We keep the slave open ourselves, so the
 * master never sees a hang-up when a client closes it (it would report POLLHUP and EIO until
 * someone reopened it). */
static int pty_open(void)
{
	unsigned int n;
	int unlock = 0, r;

	S->master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (S->master < 0)
		return -errno;
	if (ioctl(S->master, TIOCSPTLCK, &unlock) < 0 || ioctl(S->master, TIOCGPTN, &n) < 0)
		return -errno;
	fmt_buf(S->pts, sizeof(S->pts), "/dev/pts/%u", n);
	S->slave = open(S->pts, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (S->slave < 0)
		return -errno;
	S->clients = 0;
	r = tty_raw(S->slave);
	if (r)
		return r;
	S->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (S->ino < 0 || inotify_add_watch(S->ino, S->pts, IN_OPEN | IN_CLOSE) < 0)
		return -errno;
	wdm_init(&S->w, frame_len);
	S->w.on_frame = on_frame;
	S->lmaster.fd = S->master;
	S->lmaster.events = POLLIN;
	S->lmaster.cb = master_io;
	S->lino.fd = S->ino;
	S->lino.events = POLLIN;
	S->lino.cb = ino_io;
	r = loop_fd_add(&S->lmaster);
	return r ? r : loop_fd_add(&S->lino);
}

/* path -> target, atomically; a symlink is replaced, anything else refused. */
static int symlink_set(const char *path, const char *target)
{
	char tmp[4096];
	struct stat st;

	if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode))
		return -EEXIST;
	if (fmt_buf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -errno;
	if (rename(tmp, path) < 0) {
		int r = -errno;

		unlink(tmp);
		return r;
	}
	return 0;
}

static int link_make(void)
{
	return symlink_set(S->c.link, S->pts);
}

/* Remove PATH only if it still points at our pty (another sim may have taken it over). */
static void link_remove(void)
{
	char buf[sizeof(S->pts)];
	ssize_t n = readlink(S->c.link, buf, sizeof(buf) - 1);

	if (n > 0 && (size_t)n == strlen(S->pts) && !memcmp(buf, S->pts, (size_t)n))
		unlink(S->c.link);
}

static void fd_close(int *fd, struct loop_fd *l)
{
	if (*fd < 0)
		return;
	if (l)
		loop_fd_del(l);
	close(*fd);
	*fd = -1;
}

/* The pty goes; clients see EOF/EIO. */
static void port_close(void)
{
	link_remove();
	fd_close(&S->ino, &S->lino);
	fd_close(&S->master, &S->lmaster);
	fd_close(&S->slave, NULL);
	loop_timer_cancel(&S->at.thold);
	S->at.nhold = 0;
}

/* USB unplug: the control device and the modem's netdev disappear. */
static void vanish(void)
{
	if (S->vanished)
		return;
	S->vanished = true;
	log_line("event vanish");
	port_close();
	fd_close(&S->tun, &S->ltun);
	loop_timer_cancel(&S->tind);
	loop_timer_cancel(&S->at.treset);
	for (unsigned i = 0; i < OUT_SLOTS; i++)
		S->q[i].busy = false;
}

static void vanish_timer(struct loop_timer *t)
{
	(void)t;
	vanish();
}

/* ==================== AT personality ==================== */

/* The ANSI C example generator: --seed makes URC choices and moments reproducible. */
static unsigned at_rand(void)
{
	S->at.seed = S->at.seed * 1103515245u + 12345u;
	return S->at.seed >> 16;
}

/* Everything for the host goes through here; while a "delay" runs it waits in at.hold. */
static void at_out(const char *p, size_t n)
{
	struct at_state *a = &S->at;

	if (!loop_timer_pending(&a->thold)) {
		pty_write((const uint8_t *)p, n);
	} else if (n <= sizeof(a->hold) - a->nhold) {
		memcpy(a->hold + a->nhold, p, n);
		a->nhold += n;
	} else {
		log_line("event tx-lost %zu bytes: delay buffer full", n);
	}
}

static void at_hold_timer(struct loop_timer *t)
{
	(void)t;
	log_line("event delay over: %zu bytes sent", S->at.nhold);
	pty_write((const uint8_t *)S->at.hold, S->at.nhold);
	S->at.nhold = 0;
}

/* "delay MS": the modem is busy; what it sends from now on comes MS later. */
static void at_delay(unsigned ms)
{
	log_line("event delay %u ms", ms);
	loop_timer_set(&S->at.thold, MAX(loop_timer_remaining(&S->at.thold), 0) + ms);
}

/* One line in V.250 verbose framing (V.250 5.7.1: <cr><lf>text<cr><lf>). */
static void at_line(const char *dir, const char *text)
{
	log_msg("%s %s", dir, text);
	at_out("\r\n", 2);
	at_out(text, strlen(text));
	at_out("\r\n", 2);
}

static void at_urc(void)
{
	if (S->c.nurcs)
		at_line("urc", S->c.urcs[at_rand() % S->c.nurcs]);
}

static void at_urc_next(void)
{
	loop_timer_set(&S->at.turc, MAX(S->c.urc_every / 2 + at_rand() % S->c.urc_every, 1u));
}

/* --urc-every: only while someone listens, as a USB serial port drops what nobody reads */
static void at_urc_timer(struct loop_timer *t)
{
	(void)t;
	if (S->master >= 0 && S->clients > 0 && !S->c.mute)
		at_urc();
	at_urc_next();
}

static const char *at_var(const char *name, size_t len)
{
	for (unsigned i = 0; i < S->at.nvars; i++)
		if (!strncmp(S->at.var_name[i], name, len) && !S->at.var_name[i][len])
			return S->at.var_val[i];
	return "";
}

static void at_set(const char *name, size_t len, const char *val)
{
	struct at_state *a = &S->at;
	unsigned i;

	for (i = 0; i < a->nvars; i++)
		if (!strncmp(a->var_name[i], name, len) && !a->var_name[i][len])
			break;
	if (i == AT_VARS)
		return;
	if (i == a->nvars)
		a->nvars++;
	fmt_buf(a->var_name[i], sizeof(a->var_name[i]), "%.*s", (int)len, name);
	fmt_buf(a->var_val[i], sizeof(a->var_val[i]), "%s", val);
}

static bool at_word(char c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

/* src with $1 (what the rule's * matched) and $VAR (empty when unset) replaced */
static void at_expand(const char *src, const char *arg1, char *dst, size_t cap)
{
	size_t n = 0, len;
	const char *v;

	while (*src && n + 1 < cap) {
		if (src[0] != '$') {
			dst[n++] = *src++;
			continue;
		}
		if (src[1] == '1') {
			v = arg1;
			len = 1;
		} else {
			for (len = 0; at_word(src[1 + len]); len++)
				;
			v = at_var(src + 1, len);
		}
		src += 1 + len;
		while (*v && n + 1 < cap)
			dst[n++] = *v++;
	}
	dst[n] = 0;
}

/* Where sep starts in s, or NULL: strstr() for short separators, without its 1.3 KB */
static char *at_find(const char *s, const char *sep)
{
	for (; (s = strchr(s, sep[0])); s++)
		if (!strncmp(s, sep, strlen(sep)))
			return (char *)s;
	return NULL;
}

/* Case-insensitive; a trailing * matches any rest, which is returned (for $1); NULL: no match */
static const char *at_match(const char *pattern, const char *cmd)
{
	size_t n = strlen(pattern);
	bool star = n && pattern[n - 1] == '*';

	n -= star;
	if (strncasecmp(pattern, cmd, n) || (!star && cmd[n]))
		return NULL;
	return cmd + n;
}

/* An answer: lines split at the two characters \n, each maybe preceded by a URC. */
static void at_respond(const char *resp)
{
	char line[AT_LINE];

	while (*resp) {
		const char *e = at_find(resp, "\\n");
		size_t len = e ? (size_t)(e - resp) : strlen(resp);

		if (S->c.urc_rate && at_rand() % 100 < S->c.urc_rate)
			at_urc();
		fmt_buf(line, sizeof(line), "%.*s", (int)len, resp);
		at_line("tx", line);
		resp += len + (e ? 2 : 0);
	}
}

/* "reset", after what was said so far has gone out */
static void at_reset_arm(void)
{
	loop_timer_set(&S->at.treset,
		       MAX(loop_timer_remaining(&S->at.thold), 0) + AT_GRACE_MS);
}

static void at_command(const char *cmd)
{
	char buf[AT_LINE];
	const char *arg1 = NULL;
	unsigned i;

	log_msg("rx %s", cmd);
	S->nreq++;
	if (S->c.mute || !*cmd)
		return;
	for (i = 0; i < S->at.nrules && !(arg1 = at_match(S->at.rules[i].pattern, cmd)); i++)
		;
	if (arg1) {
		const struct at_rule *r = &S->at.rules[i];

		if (r->set_var) {
			at_expand(r->set_val, arg1, buf, sizeof(S->at.var_val[0]));
			at_set(r->set_var, strlen(r->set_var), buf);
		}
		if (r->delay_ms)
			at_delay(r->delay_ms);
		if (r->response) {
			at_expand(r->response, arg1, buf, sizeof(buf));
			at_respond(buf);
		}
		if (r->reset)
			at_reset_arm();
	} else if (!strcasecmp(cmd, "ATE0") || !strcasecmp(cmd, "ATE1")) {
		S->at.echo = cmd[3] == '1';
		at_respond("OK");
	} else {
		at_respond(strcasecmp(cmd, "AT") && strcasecmp(cmd, "ATZ") ? "ERROR" : "OK");
	}
}

/* Bytes from the host: echoed while echo is on; a command ends at CR (V.250 S3), LF is
 * ignored (S4, which a host may send after the CR). A modem about to reset takes no more. */
static void at_input(const char *buf, size_t len)
{
	struct at_state *a = &S->at;

	for (size_t i = 0; i < len; i++) {
		if (loop_timer_pending(&a->treset)) {
			log_line("event ignored %zu bytes: resetting", len - i);
			return;
		}
		if (a->echo && !S->c.mute)
			at_out(buf + i, 1);
		if (buf[i] == '\n')
			continue;
		if (buf[i] != '\r') {
			if (a->llen < sizeof(a->line) - 1)
				a->line[a->llen++] = buf[i];
			continue;
		}
		a->line[a->llen] = 0;
		a->llen = 0;
		at_command(a->line);
	}
}

/* --swap LINK=TARGET */
static void at_swap(void)
{
	const char *eq = S->c.swap ? strchr(S->c.swap, '=') : NULL;
	char link[4096];
	int r;

	if (!eq)
		return;
	fmt_buf(link, sizeof(link), "%.*s", (int)(eq - S->c.swap), S->c.swap);
	r = symlink_set(link, eq + 1);
	log_line("event swap %s -> %s%s%s", link, eq + 1, r ? ": " : "", r ? strerror(-r) : "");
	if (r)
		msg_perr(r, "--swap %s", link);
}

/* The reboot, in two steps: the port goes away (the fake sysfs tree swapped on the way: the
 * re-enumeration), then --reset-ms later a new pty appears at PATH. */
static void at_reset_timer(struct loop_timer *t)
{
	int r;

	if (S->master >= 0) {
		log_line("event reset");
		at_swap();
		port_close();
		if (S->c.exit_on_reset)
			loop_quit();
		else
			loop_timer_set(t, S->c.reset_ms);
		return;
	}
	r = pty_open();
	if (!r)
		r = link_make();
	if (r) {
		msg_perr(r, "reset: pty at %s", S->c.link);
		S->status = 1;
		loop_quit();
		return;
	}
	S->at.llen = 0;
	log_line("event back %s -> %s", S->c.link, S->pts);
}

/* "PATTERN RESPONSE [ ; ACTION]...", cut in place; blank lines and # comments are skipped */
static int at_rule(char *p)
{
	struct at_rule *r;
	char *act, *next;
	uint64_t v;

	p[strcspn(p, "\r")] = 0;
	p += strspn(p, " \t");
	if (!*p || *p == '#')
		return 0;
	if (S->at.nrules == AT_RULES)
		return -ENOSPC;
	r = &S->at.rules[S->at.nrules++];
	r->pattern = p;
	p += strcspn(p, " \t");
	if (*p)
		*p++ = 0;
	p += strspn(p, " \t");
	act = at_find(p, " ; ");
	if (act)
		*act = 0;
	r->response = *p && strcmp(p, "-") ? p : NULL;
	for (; act; act = next) {
		char *a = act + 3, *eq = strchr(a, '=');

		next = at_find(a, " ; ");
		if (next)
			*next = 0;
		if (!strncmp(a, "set ", 4) && eq && eq > a + 4) {
			*eq = 0;
			r->set_var = a + 4;
			r->set_val = eq + 1;
		} else if (!strcmp(a, "reset")) {
			r->reset = true;
		} else if (!strncmp(a, "delay ", 6) && !parse_uint(a + 6, 0, 3600000, &v)) {
			r->delay_ms = (unsigned)v;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

static int at_load(const char *path)
{
	char *p = S->at.text, *nl;
	size_t len = 0;
	ssize_t n = 0;
	unsigned line = 1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return msg_perr(errno, "open %s", path), -1;
	while (len < sizeof(S->at.text) &&
	       (n = read(fd, p + len, sizeof(S->at.text) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0)
		return msg_perr(errno, "read %s", path), -1;
	if (len == sizeof(S->at.text))
		return msg_perr(-EFBIG, "%s", path), -1;
	p[len] = 0;
	for (; p; p = nl, line++) {
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = 0;
		if (at_rule(p))
			return msg_err("%s:%u: bad rule", path, line), -1;
	}
	return 0;
}

static void at_start(void)
{
	S->at.echo = S->c.echo;
	S->at.seed = S->c.seed_set ? S->c.seed : (unsigned)getpid();
	for (unsigned i = 0; i < S->c.nsets; i++) {
		const char *v = S->c.sets[i];
		size_t n = strcspn(v, "=");

		at_set(v, n, v + n + 1);
	}
	S->at.thold.cb = at_hold_timer;
	S->at.turc.cb = at_urc_timer;
	S->at.treset.cb = at_reset_timer;
	if (S->c.urc_every)
		at_urc_next();
}

static bool at_ctl(const char *cmd, const char *arg)
{
	if (!strcmp(cmd, "urc") && arg && S->master >= 0)
		at_line("urc", arg);
	else if (!strcmp(cmd, "reset") && S->master >= 0)
		at_reset_arm();
	else
		return false;
	return true;
}

/* ==================== data path ==================== */

static int tun_open(const char *name)
{
	struct ifreq ifr;
	int fd;

	if (strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI; /* raw IP, as qmi_wwan in raw-ip mode */
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static bool carried(const uint8_t *pkt, ssize_t len)
{
	unsigned ver = len > 0 ? pkt[0] >> 4 : 0;

	if (S->fmt.llp != QMI_WDA_LLP_RAW_IP || (ver != 4 && ver != 6))
		return false;
	for (unsigned cid = 1; cid <= SIM_MAX_CIDS; cid++)
		if (S->cl[SLOT_WDS][cid].up && S->cl[SLOT_WDS][cid].call_family == ver)
			return true;
	return false;
}

/* Forward between the UE TUN and the operator TUN; at most 64 packets per wakeup. */
static void tun_io(struct loop_fd *f, short revents)
{
	uint8_t *pkt = S->pkt;
	bool up = f == &S->ltun; /* uplink: UE -> network */
	int from = up ? S->tun : S->pgw, to = up ? S->pgw : S->tun;

	(void)revents;
	for (int i = 0; i < 64; i++) {
		ssize_t n = read(from, pkt, sizeof(S->pkt));

		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				loop_fd_del(f); /* the TUN is gone: do not spin */
			return;
		}
		if (to < 0 || !carried(pkt, n) || write(to, pkt, (size_t)n) != n)
			S->dropped[!up]++;
		else
			S->fwd[!up]++;
	}
}

static int tun_setup(void)
{
	if (!S->c.tun)
		return 0;
	S->tun = tun_open(S->c.tun);
	if (S->tun < 0)
		return msg_perr(S->tun, "TUN %s", S->c.tun), -1;
	S->ltun = (struct loop_fd){.fd = S->tun, .events = POLLIN, .cb = tun_io};
	if (S->c.pgw) {
		S->pgw = tun_open(S->c.pgw);
		if (S->pgw < 0)
			return msg_perr(S->pgw, "TUN %s", S->c.pgw), -1;
		S->lpgw = (struct loop_fd){.fd = S->pgw, .events = POLLIN, .cb = tun_io};
		loop_fd_add(&S->lpgw);
	}
	loop_fd_add(&S->ltun);
	return 0;
}

/* ==================== control FIFO ==================== */

static void log_stats(void)
{
	if (S->c.at) {
		log_line("stats commands %u", S->nreq);
		return;
	}
	log_line("stats requests %u uplink %lu dropped-uplink %lu downlink %lu dropped-downlink %lu "
		 "garbage %lu",
		 S->nreq, S->fwd[0], S->dropped[0], S->fwd[1], S->dropped[1],
		 S->garbage + S->w.stats.garbage);
}

static int parse_word(const char *s, const char *const *words, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(s, words[i]))
			return (int)i;
	return -1;
}

static const char *const reg_words[] = {"home", "roaming", "searching", "denied"};
static const char *const sim_words[] = {"absent", "not-ready-for", "pin", "puk", "ready"};

static void net_drop(int cause)
{
	log_line("event network drop, 3GPP cause %d", cause);
	calls_drop(end_reason_of(cause), QMI_WDS_END_3GPP, (int16_t)cause);
}

static bool qmi_ctl(const char *line, const char *arg)
{
	uint64_t v;
	int i;

	if (!strcmp(line, "drop")) {
		net_drop(arg && !parse_uint(arg, 1, 255, &v) ? (int)v : CAUSE_REGULAR_DEACT);
	} else if (!strcmp(line, "reg") && arg && (i = parse_word(arg, reg_words, 4)) >= 0) {
		S->c.reg = i;
		reg_kick();
	} else if (!strcmp(line, "sim") && arg && (i = parse_word(arg, sim_words, 5)) >= 0 &&
		   i != SIM_INIT) {
		sim_set(i);
	} else if (!strcmp(line, "sync")) {
		sync_indication();
	} else {
		return false;
	}
	return true;
}

static void ctl_command(char *line)
{
	char *arg = strchr(line, ' ');

	if (arg)
		*arg++ = 0;
	log_line("event ctl %s%s%s", line, arg ? " " : "", arg ? arg : "");
	if (!strcmp(line, "quit"))
		loop_quit();
	else if (!strcmp(line, "vanish"))
		vanish();
	else if (!strcmp(line, "stats"))
		log_stats();
	else if (!(S->c.at ? at_ctl(line, arg) : qmi_ctl(line, arg)))
		log_line("event ctl: unknown command");
}

static void ctl_io(struct loop_fd *f, short revents)
{
	ssize_t n = read(S->ctl, S->ctlbuf + S->ctllen, sizeof(S->ctlbuf) - 1 - S->ctllen);
	char *nl;

	(void)f;
	(void)revents;
	if (n <= 0)
		return; /* we hold a write end ourselves: no EOF, no hang-up */
	S->ctllen += (size_t)n;
	S->ctlbuf[S->ctllen] = 0;
	while ((nl = strchr(S->ctlbuf, '\n'))) {
		size_t used = (size_t)(nl - S->ctlbuf) + 1;

		*nl = 0;
		if (nl > S->ctlbuf && nl[-1] == '\r')
			nl[-1] = 0;
		if (S->ctlbuf[0])
			ctl_command(S->ctlbuf);
		memmove(S->ctlbuf, S->ctlbuf + used, S->ctllen - used + 1);
		S->ctllen -= used;
	}
	if (S->ctllen == sizeof(S->ctlbuf) - 1)
		S->ctllen = 0; /* a line longer than any command: forget it */
}

static int ctl_setup(void)
{
	struct stat st;

	if (!S->c.ctl)
		return 0;
	if (lstat(S->c.ctl, &st) == 0) {
		if (!S_ISFIFO(st.st_mode))
			return msg_err("--ctl %s: exists and is not a FIFO", S->c.ctl), -1;
	} else if (mkfifo(S->c.ctl, 0600) < 0) {
		return msg_perr(errno, "mkfifo %s", S->c.ctl), -1;
	} else {
		S->ctl_made = true;
	}
	/* O_RDWR: we are a writer too, so the FIFO never reports EOF/POLLHUP between writers */
	S->ctl = open(S->c.ctl, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (S->ctl < 0)
		return msg_perr(errno, "open %s", S->c.ctl), -1;
	S->lctl = (struct loop_fd){.fd = S->ctl, .events = POLLIN, .cb = ctl_io};
	return loop_fd_add(&S->lctl);
}

/* ==================== timers ==================== */

static void drop_timer(struct loop_timer *t)
{
	(void)t;
	net_drop(CAUSE_REGULAR_DEACT);
}

/* --indications: unrelated broadcasts (client id 0xFF), alternating NAS Signal Info
 * (0x0051) and WDS Event Report (0x0001) with the packet counters */
static void ind_timer(struct loop_timer *t)
{
	uint8_t buf[128];
	struct qmi_builder b;

	loop_timer_set(t, IND_PERIOD_MS);
	if (S->ind_round++ & 1) {
		qmi_build(&b, buf, sizeof(buf), QMI_SVC_WDS, 0xFF, 0, QMI_WDS_EVENT_REPORT, QMI_IND);
		qmi_put_u32(&b, 0x10, (uint32_t)S->fwd[0]); /* "Tx Packets Ok" */
		qmi_put_u32(&b, 0x11, (uint32_t)S->fwd[1]); /* "Rx Packets Ok" */
	} else {
		qmi_build(&b, buf, sizeof(buf), QMI_SVC_NAS, 0xFF, 0, QMI_NAS_SIGNAL_INFO_IND,
			  QMI_IND);
		put_signal(&b);
	}
	send_ind(&b, true);
}

static void timeout_timer(struct loop_timer *t)
{
	(void)t;
	log_line("event timeout");
	loop_quit();
}

static void on_signal(int sig)
{
	log_line("event signal %d", sig);
	loop_quit();
}

/* ==================== options ==================== */

/* Options of both personalities, then --qmi's (O_TUN..O_VANISH), then --at's (O_RULES..). */
enum {
	O_QMI = 256, O_AT, O_LINK, O_READY, O_CTL, O_LOG, O_TIMEOUT, O_TUN, O_PGW, O_MAXCIDS,
	O_IMEI, O_MODEL,
	O_MANUF, O_REV, O_OPMODE, O_SIM, O_PIN, O_PINRETRIES, O_REG, O_REGDELAY, O_REJECT, O_MCC,
	O_MNC, O_OPER, O_RAT, O_RSSI, O_RSRP, O_RSRQ, O_SNR, O_APN, O_USER, O_PASSWORD, O_IPTYPES,
	O_IP4, O_GW4, O_DNS4, O_IP6, O_GW6, O_DNS6, O_MTU, O_FORMAT, O_CALLFAIL, O_LATENCY, O_DROP,
	O_DROPMSG, O_LATE, O_LATENTH, O_LATEMSG, O_DUP, O_IGNFIRST, O_UNKTLV, O_DUPTLV, O_INDS,
	O_SYNCIND, O_GARBAGE, O_NETDROP, O_VANISH, O_RULES, O_SET, O_ECHO, O_MUTE, O_URC,
	O_URCEVERY, O_URCRATE, O_SEED, O_SWAP, O_RESETMS, O_EXITRESET,
};

static const struct option long_opts[] = {
	{"qmi", no_argument, NULL, O_QMI}, {"link", required_argument, NULL, O_LINK},
	{"tun", required_argument, NULL, O_TUN}, {"pgw", required_argument, NULL, O_PGW},
	{"ready-fd", required_argument, NULL, O_READY}, {"ctl", required_argument, NULL, O_CTL},
	{"log", required_argument, NULL, O_LOG}, {"max-cids", required_argument, NULL, O_MAXCIDS},
	{"imei", required_argument, NULL, O_IMEI}, {"model", required_argument, NULL, O_MODEL},
	{"manufacturer", required_argument, NULL, O_MANUF},
	{"revision", required_argument, NULL, O_REV}, {"opmode", required_argument, NULL, O_OPMODE},
	{"sim", required_argument, NULL, O_SIM}, {"pin", required_argument, NULL, O_PIN},
	{"pin-retries", required_argument, NULL, O_PINRETRIES},
	{"reg", required_argument, NULL, O_REG}, {"reg-delay", required_argument, NULL, O_REGDELAY},
	{"reject-cause", required_argument, NULL, O_REJECT},
	{"mcc", required_argument, NULL, O_MCC}, {"mnc", required_argument, NULL, O_MNC},
	{"operator", required_argument, NULL, O_OPER}, {"rat", required_argument, NULL, O_RAT},
	{"rssi", required_argument, NULL, O_RSSI}, {"rsrp", required_argument, NULL, O_RSRP},
	{"rsrq", required_argument, NULL, O_RSRQ}, {"snr", required_argument, NULL, O_SNR},
	{"apn", required_argument, NULL, O_APN}, {"user", required_argument, NULL, O_USER},
	{"password", required_argument, NULL, O_PASSWORD},
	{"ip-types", required_argument, NULL, O_IPTYPES}, {"ip4", required_argument, NULL, O_IP4},
	{"gw4", required_argument, NULL, O_GW4}, {"dns4", required_argument, NULL, O_DNS4},
	{"ip6", required_argument, NULL, O_IP6}, {"gw6", required_argument, NULL, O_GW6},
	{"dns6", required_argument, NULL, O_DNS6}, {"mtu", required_argument, NULL, O_MTU},
	{"data-format", required_argument, NULL, O_FORMAT},
	{"call-fail", required_argument, NULL, O_CALLFAIL},
	{"latency", required_argument, NULL, O_LATENCY}, {"drop", required_argument, NULL, O_DROP},
	{"drop-msg", required_argument, NULL, O_DROPMSG}, {"late", required_argument, NULL, O_LATE},
	{"late-nth", required_argument, NULL, O_LATENTH},
	{"late-msg", required_argument, NULL, O_LATEMSG}, {"dup", no_argument, NULL, O_DUP},
	{"ignore-first", no_argument, NULL, O_IGNFIRST},
	{"unknown-tlvs", no_argument, NULL, O_UNKTLV}, {"dup-tlvs", no_argument, NULL, O_DUPTLV},
	{"indications", no_argument, NULL, O_INDS}, {"sync-ind", required_argument, NULL, O_SYNCIND},
	{"garbage", no_argument, NULL, O_GARBAGE},
	{"net-drop-after", required_argument, NULL, O_NETDROP},
	{"vanish-after", required_argument, NULL, O_VANISH}, {"help", no_argument, NULL, 'h'},
	{"at", no_argument, NULL, O_AT}, {"timeout", required_argument, NULL, O_TIMEOUT},
	{"at-rules", required_argument, NULL, O_RULES}, {"set", required_argument, NULL, O_SET},
	{"echo", required_argument, NULL, O_ECHO}, {"mute", no_argument, NULL, O_MUTE},
	{"urc", required_argument, NULL, O_URC}, {"urc-every", required_argument, NULL, O_URCEVERY},
	{"urc-rate", required_argument, NULL, O_URCRATE}, {"seed", required_argument, NULL, O_SEED},
	{"swap", required_argument, NULL, O_SWAP}, {"reset-ms", required_argument, NULL, O_RESETMS},
	{"exit-on-reset", no_argument, NULL, O_EXITRESET}, {NULL, 0, NULL, 0},
};

/* "[-]digits[.digits]" scaled by 10^decimals (extra decimals are cut), within [min, max] */
static int parse_dec(const char *s, unsigned decimals, long min, long max, long *out)
{
	bool neg = *s == '-';
	long v = 0;
	unsigned frac = 0;
	const char *p = s + neg;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (*p - '0')) > 1000000000L)
			return -ERANGE;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (frac < decimals && ++frac)
				v = v * 10 + (*p - '0');
		if (p[-1] == '.')
			return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	for (; frac < decimals; frac++)
		v *= 10;
	v = neg ? -v : v;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "ADDR[/PREFIX]" */
static int parse_cidr(const char *s, bool v6, uint8_t *addr, uint8_t *prefix)
{
	char buf[ADDR_IP6_STRLEN + 8];
	char *slash;
	uint64_t p;

	if (fmt_buf(buf, sizeof(buf), "%s", s) >= sizeof(buf))
		return -EINVAL;
	slash = strchr(buf, '/');
	if (slash) {
		*slash = 0;
		if (parse_uint(slash + 1, 1, v6 ? 128 : 32, &p))
			return -EINVAL;
		*prefix = (uint8_t)p;
	}
	return v6 ? parse_ip6(buf, addr) : parse_ip4(buf, addr);
}

/* "A[,B]" */
static int parse_pair(const char *s, bool v6, uint8_t *a, size_t stride, uint8_t *n)
{
	char buf[2 * ADDR_IP6_STRLEN + 2];
	char *comma;

	if (fmt_buf(buf, sizeof(buf), "%s", s) >= sizeof(buf))
		return -EINVAL;
	comma = strchr(buf, ',');
	if (comma)
		*comma++ = 0;
	*n = comma ? 2 : 1;
	if (v6 ? parse_ip6(buf, a) : parse_ip4(buf, a))
		return -EINVAL;
	if (comma && (v6 ? parse_ip6(comma, a + stride) : parse_ip4(comma, a + stride)))
		return -EINVAL;
	return 0;
}

/* "SVC:MSG": svc by name or number, msg as 0xHEX or decimal */
static int parse_sel(const char *s, struct msg_sel *sel)
{
	const char *colon = strchr(s, ':'), *m;
	char name[8];
	uint64_t v;
	size_t n;

	if (!colon || (size_t)(colon - s) >= sizeof(name))
		return -EINVAL;
	n = (size_t)(colon - s);
	memcpy(name, s, n);
	name[n] = 0;
	sel->svc = 0xFF;
	if (!strcasecmp(name, "ctl"))
		sel->svc = QMI_SVC_CTL;
	for (unsigned i = 0; i < NSVC; i++)
		if (!strcasecmp(name, svcs[i].name))
			sel->svc = svcs[i].id;
	if (sel->svc == 0xFF) {
		if (parse_uint(name, 0, 254, &v))
			return -EINVAL;
		sel->svc = (uint8_t)v;
	}
	m = colon + 1;
	if (m[0] == '0' && (m[1] == 'x' || m[1] == 'X')) {
		unsigned long x = 0;

		for (m += 2; *m; m++) {
			int d = *m >= '0' && *m <= '9'	 ? *m - '0'
				: (*m | 32) >= 'a' && (*m | 32) <= 'f' ? (*m | 32) - 'a' + 10
								     : -1;
			if (d < 0 || (x = x * 16 + (unsigned)d) > 0xFFFF)
				return -EINVAL;
		}
		sel->msg = (uint16_t)x;
		return m[-1] == 'x' || m[-1] == 'X' ? -EINVAL : 0;
	}
	if (parse_uint(m, 0, 0xFFFF, &v))
		return -EINVAL;
	sel->msg = (uint16_t)v;
	return 0;
}

static void defaults(struct sim_cfg *c)
{
	c->ready_fd = -1;
	c->max_cids = 16;
	c->imei = "863305050123456";
	c->model = "MODEM-SIM";
	c->manufacturer = "wwanbox";
	c->revision = "WWANBOX-SIM-1.0";
	c->pin = "1234";
	c->pin_retries = 3;
	c->sim = SIM_READY;
	c->reg = REG_HOME;
	c->reject_cause = 11; /* TS 24.301 9.9.3.9: PLMN not allowed */
	c->mcc = 1;
	c->mnc = 1;
	c->oper = "wwanbox-sim";
	c->rssi = -65;
	c->rsrp = -95;
	c->rsrq = -9;
	c->snr = 124;
	c->ip_types = 1u << 4 | 1u << 6;
	parse_cidr("10.64.0.2/30", false, c->ip4, &c->prefix4);
	parse_pair("192.0.2.53,192.0.2.54", false, c->dns4[0], 4, &c->ndns4);
	parse_cidr("2001:db8:64::2/64", true, c->ip6, &c->prefix6);
	parse_ip6("2001:db8:64::1", c->gw6);
	parse_pair("2001:db8:64::53,2001:db8:64::54", true, c->dns6[0], 16, &c->ndns6);
	c->mtu = 1500;
	c->llp = QMI_WDA_LLP_802_3;
	c->opmode = QMI_DMS_OPMODE_ONLINE;
	c->net_drop_ms = c->vanish_ms = c->timeout_ms = -1;
	c->reset_ms = 300;
}

/* The gateway when --gw4 is not given: the first other host of the subnet. */
static void default_gw4(struct sim_cfg *c)
{
	uint32_t a = get_be32(c->ip4), mask = c->prefix4 ? ~0u << (32 - c->prefix4) : 0, gw;

	if (c->prefix4 >= 31) {
		gw = a ^ 1;
	} else {
		gw = (a & mask) + 1;
		if (gw == a)
			gw++;
	}
	put_be32(c->gw4, gw);
}

static int bad(const char *opt, const char *arg)
{
	char what[160];

	fmt_buf(what, sizeof(what), "invalid %s '%s'", opt, arg);
	return applet_usage(what);
}

static int parse_drop_list(struct sim_cfg *c, const char *s)
{
	char buf[128], *p, *comma;
	uint64_t v;

	if (fmt_buf(buf, sizeof(buf), "%s", s) >= sizeof(buf))
		return -EINVAL;
	for (p = buf; p; p = comma) {
		comma = strchr(p, ',');
		if (comma)
			*comma++ = 0;
		if (c->ndrop >= ARRAY_SIZE(c->drop_n) || parse_uint(p, 1, UINT32_MAX, &v))
			return -EINVAL;
		c->drop_n[c->ndrop++] = (unsigned)v;
	}
	return 0;
}

/* An --at option; 0, or the usage exit code */
static int at_option(struct sim_cfg *c, int o, const char *a)
{
	static const char *const onoff[] = {"off", "on"};
	uint64_t u;
	int i;

	switch (o) {
	case O_RULES: c->rules = a; return 0;
	case O_MUTE: c->mute = true; return 0;
	case O_EXITRESET: c->exit_on_reset = true; return 0;
	case O_SET:
	case O_SWAP:
		if (!strchr(a, '=') || *a == '=' || (o == O_SET && c->nsets >= AT_VARS))
			return bad(o == O_SET ? "--set" : "--swap", a);
		if (o == O_SET)
			c->sets[c->nsets++] = a;
		else
			c->swap = a;
		return 0;
	case O_ECHO:
		i = parse_word(a, onoff, 2);
		if (i < 0)
			return bad("--echo", a);
		c->echo = i;
		return 0;
	case O_URC:
		if (c->nurcs >= AT_URCS)
			return bad("--urc (one too many)", a);
		c->urcs[c->nurcs++] = a;
		return 0;
	case O_URCEVERY:
	case O_RESETMS:
		if (parse_uint(a, 0, 3600000, &u))
			return bad("milliseconds", a);
		*(o == O_URCEVERY ? &c->urc_every : &c->reset_ms) = (unsigned)u;
		return 0;
	case O_URCRATE:
		if (parse_uint(a, 0, 100, &u))
			return bad("--urc-rate", a);
		c->urc_rate = (unsigned)u;
		return 0;
	case O_SEED:
		if (parse_uint(a, 0, UINT32_MAX, &u))
			return bad("--seed", a);
		c->seed = (unsigned)u;
		c->seed_set = true;
		return 0;
	}
	return applet_usage("unknown option");
}

/* One option; 0, or the usage exit code. --sim not-ready-for takes argv[optind] too. */
static int option(struct sim_cfg *c, int o, const char *a, char **argv, int argc)
{
	static const char *const rats[] = {"lte", "umts", "gsm"};
	static const char *const opmodes[] = {"online", "low-power", "", "offline"};
	long n;
	uint64_t u;
	int i;

	if (o >= O_RULES)
		return at_option(c, o, a);
	switch (o) {
	case O_QMI: return 0;
	case O_AT: c->at = true; return 0;
	case O_LINK: c->link = a; return 0;
	case O_TUN: c->tun = a; return 0;
	case O_PGW: c->pgw = a; return 0;
	case O_CTL: c->ctl = a; return 0;
	case O_LOG: c->log = a; return 0;
	case O_IMEI: c->imei = a; return 0;
	case O_MODEL: c->model = a; return 0;
	case O_MANUF: c->manufacturer = a; return 0;
	case O_REV: c->revision = a; return 0;
	case O_PIN: c->pin = a; return strlen(a) < 4 || strlen(a) > 8 ? bad("--pin", a) : 0;
	case O_OPER: c->oper = a; return strlen(a) > 64 ? bad("--operator", a) : 0;
	case O_APN: c->apn = a; return strlen(a) >= QMI_APN_MAX ? bad("--apn", a) : 0;
	case O_USER: c->user = a; return 0;
	case O_PASSWORD: c->password = a; return 0;
	case O_DUP: c->dup = true; return 0;
	case O_IGNFIRST: c->ignore_first = true; return 0;
	case O_UNKTLV: c->unknown_tlvs = true; return 0;
	case O_DUPTLV: c->dup_tlvs = true; return 0;
	case O_INDS: c->indications = true; return 0;
	case O_GARBAGE: c->garbage = true; return 0;
	case O_READY:
		if (parse_uint(a, 0, 1 << 20, &u))
			return bad("--ready-fd", a);
		c->ready_fd = (int)u;
		return 0;
	case O_MAXCIDS:
		if (parse_uint(a, 1, SIM_MAX_CIDS, &u))
			return bad("--max-cids", a);
		c->max_cids = (unsigned)u;
		return 0;
	case O_OPMODE:
		i = parse_word(a, opmodes, 4);
		if (i < 0 || !*a)
			return bad("--opmode", a);
		c->opmode = (uint8_t)i;
		return 0;
	case O_SIM:
		i = parse_word(a, sim_words, 5);
		if (i < 0)
			return bad("--sim", a);
		c->sim = i;
		if (i != SIM_INIT)
			return 0;
		if (optind >= argc || parse_dec(argv[optind], 3, 0, 86400000, &n))
			return bad("--sim not-ready-for", optind < argc ? argv[optind] : "");
		optind++;
		c->sim_delay_ms = n;
		return 0;
	case O_PINRETRIES:
		if (parse_uint(a, 1, 10, &u))
			return bad("--pin-retries", a);
		c->pin_retries = (unsigned)u;
		return 0;
	case O_REG:
		i = parse_word(a, reg_words, 4);
		if (i < 0)
			return bad("--reg", a);
		c->reg = i;
		return 0;
	case O_REGDELAY:
	case O_LATENCY:
	case O_LATE:
		if (parse_uint(a, 0, 3600000, &u))
			return bad("milliseconds", a);
		*(o == O_REGDELAY ? &c->reg_delay_ms : o == O_LATENCY ? &c->latency_ms : &c->late_ms) =
			(int64_t)u;
		return 0;
	case O_NETDROP:
	case O_VANISH:
	case O_TIMEOUT:
		if (parse_dec(a, 3, 0, 86400000, &n))
			return bad("seconds", a);
		*(o == O_NETDROP ? &c->net_drop_ms : o == O_VANISH ? &c->vanish_ms : &c->timeout_ms) =
			n;
		return 0;
	case O_REJECT:
	case O_CALLFAIL:
		if (parse_uint(a, 1, 255, &u))
			return bad("cause", a);
		*(o == O_REJECT ? &c->reject_cause : &c->call_fail) = (int)u;
		return 0;
	case O_MCC:
		if (strlen(a) != 3 || parse_uint(a, 0, 999, &u))
			return bad("--mcc", a);
		c->mcc = (uint16_t)u;
		return 0;
	case O_MNC:
		if ((strlen(a) != 2 && strlen(a) != 3) || parse_uint(a, 0, 999, &u))
			return bad("--mnc", a);
		c->mnc = (uint16_t)u;
		c->mnc3 = strlen(a) == 3;
		return 0;
	case O_RAT:
		i = parse_word(a, rats, 3);
		if (i < 0)
			return bad("--rat", a);
		c->rat = i;
		return 0;
	case O_RSSI:
	case O_RSRQ:
		if (parse_dec(a, 0, -128, 0, &n))
			return bad("dBm", a);
		*(o == O_RSSI ? &c->rssi : &c->rsrq) = (int)n;
		return 0;
	case O_RSRP:
		if (parse_dec(a, 0, -200, 0, &n))
			return bad("--rsrp", a);
		c->rsrp = (int)n;
		return 0;
	case O_SNR:
		if (parse_dec(a, 1, -300, 500, &n))
			return bad("--snr", a);
		c->snr = (int)n;
		return 0;
	case O_IPTYPES:
		c->ip_types = !strcmp(a, "4") ? 1u << 4 : !strcmp(a, "6") ? 1u << 6
			      : !strcmp(a, "4v6") ? (1u << 4 | 1u << 6) : 0;
		return c->ip_types ? 0 : bad("--ip-types", a);
	case O_IP4: return parse_cidr(a, false, c->ip4, &c->prefix4) ? bad("--ip4", a) : 0;
	case O_IP6: return parse_cidr(a, true, c->ip6, &c->prefix6) ? bad("--ip6", a) : 0;
	case O_GW4:
		c->gw4_set = true;
		return parse_ip4(a, c->gw4) ? bad("--gw4", a) : 0;
	case O_GW6: return parse_ip6(a, c->gw6) ? bad("--gw6", a) : 0;
	case O_DNS4: return parse_pair(a, false, c->dns4[0], 4, &c->ndns4) ? bad("--dns4", a) : 0;
	case O_DNS6: return parse_pair(a, true, c->dns6[0], 16, &c->ndns6) ? bad("--dns6", a) : 0;
	case O_MTU:
		if (parse_uint(a, 576, 65535, &u))
			return bad("--mtu", a);
		c->mtu = (uint32_t)u;
		return 0;
	case O_FORMAT:
		c->llp = !strcmp(a, "802.3") ? QMI_WDA_LLP_802_3
			 : !strcmp(a, "raw-ip") ? QMI_WDA_LLP_RAW_IP : 0;
		return c->llp ? 0 : bad("--data-format", a);
	case O_DROP: return parse_drop_list(c, a) ? bad("--drop", a) : 0;
	case O_LATENTH:
	case O_SYNCIND:
		if (parse_uint(a, 1, UINT32_MAX, &u))
			return bad("N", a);
		*(o == O_LATENTH ? &c->late_nth : &c->sync_ind_n) = (unsigned)u;
		return 0;
	case O_DROPMSG:
		if (c->ndrop_msg >= ARRAY_SIZE(c->drop_msg) || parse_sel(a, &c->drop_msg[c->ndrop_msg]))
			return bad("--drop-msg", a);
		c->ndrop_msg++;
		return 0;
	case O_LATEMSG:
		if (c->nlate_msg >= ARRAY_SIZE(c->late_msg) || parse_sel(a, &c->late_msg[c->nlate_msg]))
			return bad("--late-msg", a);
		c->nlate_msg++;
		return 0;
	}
	return applet_usage("unknown option");
}

/* "--tun needs --qmi" when an option of one personality comes with the other */
static int wrong_mode(const char *opt, const char *mode)
{
	char what[80];

	fmt_buf(what, sizeof(what), "--%s needs --%s", opt, mode);
	return applet_usage(what);
}

static int parse_args(int argc, char **argv, struct sim_cfg *c)
{
	const char *qmi_only = NULL, *at_only = NULL;
	bool qmi = false;
	int o, r, li;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "vh", long_opts, &li)) != -1) {
		if (o == 'v') {
			msg_set_verbose(msg_verbose_level() + 1);
			continue;
		}
		if (o == 'h') {
			applet_help();
			return -1;
		}
		if (o == '?' || o == ':')
			return applet_usage(optopt ? "option needs an argument or is unknown"
						   : "unknown option");
		qmi |= o == O_QMI;
		if (o >= O_TUN && o < O_RULES && !qmi_only)
			qmi_only = long_opts[li].name;
		if (o >= O_RULES && !at_only)
			at_only = long_opts[li].name;
		r = option(c, o, optarg, argv, argc);
		if (r)
			return r;
	}
	if (optind < argc)
		return applet_usage("unexpected argument");
	if (qmi == c->at)
		return applet_usage("one of --qmi and --at is required");
	if (c->at && qmi_only)
		return wrong_mode(qmi_only, "qmi");
	if (!c->at && at_only)
		return wrong_mode(at_only, "at");
	if (!c->link)
		return applet_usage("--link PATH is required");
	if (c->pgw && !c->tun)
		return applet_usage("--pgw needs --tun");
	if (c->late_ms && !c->late_nth && !c->nlate_msg)
		c->late_nth = 1;
	if (!c->gw4_set)
		default_gw4(c);
	return 0;
}

/* ==================== main ==================== */

static void cleanup(void)
{
	log_stats();
	if (!S->vanished)
		link_remove();
	fd_close(&S->tun, &S->ltun);
	fd_close(&S->pgw, &S->lpgw);
	fd_close(&S->ctl, &S->lctl);
	if (S->ctl_made)
		unlink(S->c.ctl);
	log_line("event exit");
}

static int setup(void)
{
	int r;

	if (S->c.log) {
		S->log = open(S->c.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (S->log < 0)
			return msg_perr(errno, "open %s", S->c.log), -1;
	}
	if (S->c.rules && at_load(S->c.rules))
		return -1;
	r = pty_open();
	if (r)
		return msg_perr(r, "pty"), -1;
	r = link_make();
	if (r)
		return msg_perr(r, "link %s -> %s", S->c.link, S->pts), -1;
	if (tun_setup() || ctl_setup())
		return -1;
	if (loop_signal(SIGTERM, on_signal) || loop_signal(SIGINT, on_signal))
		return msg_err("signals"), -1;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void qmi_start(void)
{
	S->sim = S->c.sim;
	S->pin_left = S->sim == SIM_PUK ? 0 : S->c.pin_retries;
	S->puk_left = PUK_RETRIES;
	S->opmode = S->c.opmode;
	S->fmt.llp = S->c.llp;
	S->reg_shown = 0xFF;
	S->next_handle = (uint32_t)getpid() * 0x01000193u;
	S->last_rx = S->t0;
	S->tq.cb = q_fire;
	S->teval.cb = reg_eval;
	S->treg.cb = reg_timer;
	S->tsim.cb = sim_timer;
	S->tdrop.cb = drop_timer;
	S->tvanish.cb = vanish_timer;
	S->tind.cb = ind_timer;
	if (S->sim == SIM_INIT)
		loop_timer_set(&S->tsim, S->c.sim_delay_ms);
	if (S->c.indications)
		loop_timer_set(&S->tind, IND_PERIOD_MS);
	reg_kick();
}

static void start(void)
{
	S->ttimeout.cb = timeout_timer;
	if (S->c.timeout_ms >= 0)
		loop_timer_set(&S->ttimeout, S->c.timeout_ms);
	if (S->c.at)
		at_start();
	else
		qmi_start();
	log_line("event ready %s -> %s", S->c.link, S->pts);
}

int modem_sim_main(int argc, char **argv)
{
	struct sim sim; /* ~210 KB on the stack: nothing of it exists while other applets run */
	int r;

	memset(&sim, 0, sizeof(sim));
	S = &sim;
	S->log = S->master = S->slave = S->ino = S->tun = S->pgw = S->ctl = -1;
	S->t0 = loop_now_ms();
	msg_set_applet("modem-sim");
	defaults(&S->c);
	r = parse_args(argc, argv, &S->c);
	if (r)
		return r < 0 ? 0 : r;
	if (setup()) {
		cleanup();
		return 1;
	}
	start();
	if (S->c.ready_fd >= 0) {
		if (write(S->c.ready_fd, "ready\n", 6) != 6)
			msg_perr(errno, "--ready-fd %d", S->c.ready_fd);
		close(S->c.ready_fd);
	}
	r = loop_run();
	cleanup();
	if (r < 0)
		return msg_perr(r, "event loop"), 1;
	return S->status;
}
