/* at.h - the AT command channel: a tty (raw, at a baud rate), a cdc-wdm character device that
 * carries AT (huawei_cdc_ncm), or a unix stream socket (a simulator); commands with a bounded
 * wait for the final result code, echo tolerated, unsolicited result codes kept apart; UUCP lock
 * files; a parallel "AT" probe; and small parsers for the responses a dialer reads.
 *
 * Three layers, each usable alone:
 *  - the line parser (struct at_parser): bytes in, lines classified as echo, information text,
 *    final result or URC. Pure, no fds (unit tests and the fuzzer drive it directly);
 *  - the port (struct at_port): open/lock/raw mode, at_cmd() = write + bounded read until the
 *    final result, at_listen() for URCs, at_probe() for several ports at once;
 *  - value parsers over one line (at_tok_*, at_parse_*): fields with quotes and parentheses,
 *    registration (+CREG/+CGREG/+CEREG/+C5GREG), operators (+COPS), SIM lock (+CPIN), bearer
 *    addresses (+CGCONTRDP, Huawei ^DHCP), signal (+CSQ, +CESQ).
 * Nothing here prints, exits or allocates.
 *
 * Sources: 3GPP TS 27.007 (result codes 9.2, +CREG 7.2, +COPS 7.3, +CPIN 8.3, +CESQ 8.69,
 * +CGREG 10.1.20, +CEREG 10.1.22, +CGCONTRDP 10.1.23), ITU-T V.250 5.7 (final result codes),
 * TS 27.005 3.2.5 (+CMS ERROR). Parsing quirks follow ModemManager's tests
 * (../shared/vectors/at_vectors.txt, one vector per quirk, cited where handled).
 */
#ifndef WWANBOX_AT_H
#define WWANBOX_AT_H

#include <sys/types.h>

#include "wwanbox.h"

#define AT_LINE_MAX 2048	/* longest line kept whole (a UCS-2 +COPS=? list runs past 1 KB) */
#define AT_FINAL_MAX 128	/* final result line kept ("+CME ERROR: <verbose text>") */
#define AT_RESP_MAX 4096	/* information text of one command (all lines, NUL-separated) */
#define AT_RESP_LINES 64	/* information lines of one command */
#define AT_CMD_MAX 512		/* longest command sent (V.250 5.2.1 asks for >= 40 chars) */
#define AT_LOCK_DIR "/var/lock" /* FHS 3.0 5.9: LCK..<device> with the pid as 10 ASCII digits */
#define AT_PROBE_MAX 16
#define AT_PROBE_TIMEOUT_MS 1500

/* Final result codes (V.250 5.7.1, 27.007 9.2, 27.005 3.2.5). */
enum at_result {
	AT_RES_NONE = 0, /* no final result (yet) */
	AT_RES_OK,
	AT_RES_CONNECT, /* "CONNECT" or "CONNECT <text>": data mode follows */
	AT_RES_ERROR,
	AT_RES_CME_ERROR,
	AT_RES_CMS_ERROR,
	AT_RES_NO_CARRIER,
	AT_RES_NO_DIALTONE,
	AT_RES_BUSY,
	AT_RES_NO_ANSWER,
};

enum at_line_kind {
	AT_LINE_INFO,  /* information text of the pending command */
	AT_LINE_FINAL, /* its final result code */
	AT_LINE_URC,   /* unsolicited result code (or anything while no command is pending) */
	AT_LINE_ECHO,  /* the command echoed back (ATE1) */
};

/* "OK", "ERROR", "+CME ERROR", ...; "" for AT_RES_NONE. */
const char *at_result_name(enum at_result r);
/* The final result code at line[len] (no CR/LF), or AT_RES_NONE. For +CME/+CMS ERROR, *code is
 * the number, or -1 when the modem reports text (AT+CMEE=2); code may be NULL. */
enum at_result at_final(const char *line, size_t len, int *code);
/* 27.007 9.2 / 27.005 3.2.5 text of an error number; NULL when the number is not standard. */
const char *at_cme_text(int code);
const char *at_cms_text(int code);
/* Does line start like one of the unsolicited result codes we know (+CREG:, RING, ^MODE:...)? */
bool at_is_urc(const char *line, size_t len);

/* A copy of cmd for logs and JSON with the arguments of secret-carrying commands (+CPIN=,
 * +CPWD=, +CLCK=, +CGAUTH=, ^NDISDUP=, +QICSGP=, ...) replaced by "(hidden)". Returns the
 * length written (out is always NUL-terminated when cap > 0). */
size_t at_redact(const char *cmd, char *out, size_t cap);
bool at_is_secret(const char *cmd);

/* ---- line parser ---- */

/* The information text and final result of one command. */
struct at_resp {
	enum at_result result;
	int code; /* +CME/+CMS ERROR number; -1 for verbose text or no error */
	unsigned nlines;
	bool truncated; /* lines or bytes beyond AT_RESP_LINES / AT_RESP_MAX were dropped */
	size_t used;
	uint16_t off[AT_RESP_LINES];
	char final[AT_FINAL_MAX]; /* the final result line as received ("+CME ERROR: 10") */
	char text[AT_RESP_MAX];
};

const char *at_resp_line(const struct at_resp *r, unsigned i); /* NUL-terminated; NULL past end */

struct at_parser {
	/* Set by the owner (any time). Lines point into the parser and are valid during the call.
	 */
	void (*on_urc)(void *arg, const char *line, size_t len);
	void (*on_line)(void *arg, enum at_line_kind kind, const char *line,
			size_t len); /* trace */
	void *arg;
	/* read-only */
	enum at_result result; /* final result of the pending/last command */
	int code;
	unsigned long urcs, cut; /* URCs seen; lines longer than AT_LINE_MAX */
	/* private */
	bool pending, first;
	struct at_resp *resp;
	char cmd[AT_CMD_MAX];
	char prefix[24];
	size_t llen;
	bool overlong;
	char line[AT_LINE_MAX];
};

/* Zero everything but the callbacks: no command pending. */
void at_parser_init(struct at_parser *p);
/* cmd (without CR) was sent; resp (may be NULL) receives its text, result and code. */
void at_parser_begin(struct at_parser *p, const char *cmd, struct at_resp *resp);
/* Feed received bytes. 1 when this feed completed the pending command (p->result set; the rest
 * of buf was consumed too, as URCs), else 0. Lines end at CR or LF; empty lines are skipped. */
int at_parser_feed(struct at_parser *p, const void *buf, size_t len);
/* Classify one complete line as the parser would (no state change). */
enum at_line_kind at_parser_classify(const struct at_parser *p, const char *line, size_t len);

/* ---- UUCP lock files ---- */

/* Lock dev_path (symlinks resolved; the lock is dir/LCK..<basename>) by creating a temporary
 * file with our pid ("%10d\n", the HDB UUCP format minicom, lockdev and pppd use) and linking it
 * into place, so no reader sees a half-written file. A lock whose pid is dead (kill(pid, 0) =
 * ESRCH), or whose content is no pid at all, is stale and removed. Returns 0 and fills
 * lock_path, 1 when dir does not exist or is not writable (no locking on this system: go on
 * unlocked), -EBUSY when a live process holds it (*owner = its pid), or -errno. */
int at_lock(const char *dev_path, const char *dir, char *lock_path, size_t cap, pid_t *owner);
/* The live owner's pid of dev_path's lock, 0 if none (or stale), < 0 on error. */
pid_t at_lock_owner(const char *dev_path, const char *dir);
void at_unlock(const char *lock_path); /* removes it if it is still ours */

/* ---- ports ---- */

enum at_kind {
	AT_KIND_NONE,
	AT_KIND_TTY,  /* serial port or pty: raw mode at the baud rate */
	AT_KIND_CHR,  /* other char device: cdc-wdm carrying AT (no termios there) */
	AT_KIND_SOCK, /* unix stream socket */
};

struct at_opts {
	unsigned baud;	      /* 0 = 115200 */
	const char *lock_dir; /* NULL: do not lock */
	bool force; /* a port locked by a live process is opened anyway (lock left alone) */
};

struct at_port {
	int fd; /* -1 when closed */
	enum at_kind kind;
	pid_t owner; /* after -EBUSY from at_open: the lock's owner */
	bool locked;
	char lock_path[256];
	struct at_parser parser; /* set parser.on_urc / on_line to see URCs and lines */
};

/* Open path (tty, char device or unix socket), lock it, put a tty in raw mode at o->baud and
 * drop stale input. 0 or -errno: -ENOENT, -EACCES, -EBUSY (locked by p->owner), -EINVAL (baud
 * rate not supported), -ENODEV (not a device or socket). */
int at_open(struct at_port *p, const char *path, const struct at_opts *o);
/* Take over an fd the caller has (socketpair, pty master for tests); no lock, no termios. */
int at_open_fd(struct at_port *p, int fd);
void at_close(struct at_port *p); /* closes and unlocks; idempotent */

/* Send cmd + CR and read until its final result, within timeout_ms in total. 0 for OK and
 * CONNECT, -EREMOTEIO for an error result (r->result and r->code say which), -ETIMEDOUT (no final
 * result: r holds what came), -ENODEV (port gone), -EMSGSIZE (cmd too long), -errno. URCs that
 * arrive meanwhile go to parser.on_urc. r may be NULL. */
int at_cmd(struct at_port *p, const char *cmd, int timeout_ms, struct at_resp *r);
/* Read for timeout_ms, delivering URCs; 0 at the end, -ENODEV, -errno. */
int at_listen(struct at_port *p, int timeout_ms);
/* Write raw bytes within timeout_ms (interactive use): 0, -ETIMEDOUT, -ENODEV, -errno. */
int at_write(struct at_port *p, const void *buf, size_t len, int timeout_ms);

/* Probe n ports in parallel: open each (skipping and reporting locked ones), send "AT", wait up
 * to timeout_ms in total for all, close. ports[] is caller storage (n <= AT_PROBE_MAX). For each
 * i, result[i] = 1 answered OK, 0 no (valid) answer, -EBUSY locked by another process, -errno
 * open failed. Returns the number that answered. */
int at_probe(struct at_port *ports, const char *const *paths, int *result, int n,
	     const struct at_opts *o, int timeout_ms);

/* ---- fields of one response line ---- */

struct at_tok {
	const char *p, *end;
};

struct at_field {
	const char *s; /* quotes/parentheses and surrounding blanks removed */
	size_t len;
	bool quoted; /* was "..." */
	bool group;  /* was (...) */
};

/* Start after "prefix:" (case-insensitive; blanks after the colon skipped). prefix NULL: start
 * at the beginning. -EPROTO if the line does not start with prefix. */
int at_tok_init(struct at_tok *t, const char *line, size_t len, const char *prefix);
/* Next comma-separated field: 1, or 0 at the end. Commas inside "..." and (...) (nested, with
 * quotes inside) do not split. "a,,b" has an empty middle field; "" has none. */
int at_tok_next(struct at_tok *t, struct at_field *f);
/* The n-th field (0-based) of line after prefix: 1, 0 if there is none, -EPROTO. */
int at_tok_field(const char *line, size_t len, const char *prefix, unsigned n, struct at_field *f);
/* Decimal (base 10) or hex (base 16) unsigned value of a whole field, blanks already trimmed;
 * -EINVAL for an empty or malformed field, -ERANGE above 0xffffffff. */
int at_field_uint(const struct at_field *f, unsigned base, uint32_t *v);
bool at_field_is(const struct at_field *f, const char *s); /* exact, case-insensitive */
/* Copy a field as a C string (cut to cap-1). Returns its full length. */
size_t at_field_copy(const struct at_field *f, char *dst, size_t cap);
/* First range of a "(a-b,c-d)" or "(a,b,c)" group field: *min, *max. -EINVAL if none. */
int at_field_range(const struct at_field *f, uint32_t *min, uint32_t *max);

/* ---- values ---- */

/* 27.007 <stat> of +CREG/+CGREG/+CEREG/+C5GREG */
enum at_reg_state {
	AT_REG_IDLE = 0, /* not registered, not searching */
	AT_REG_HOME = 1,
	AT_REG_SEARCHING = 2,
	AT_REG_DENIED = 3,
	AT_REG_UNKNOWN = 4,
	AT_REG_ROAMING = 5,
	AT_REG_HOME_SMS_ONLY = 6,
	AT_REG_ROAMING_SMS_ONLY = 7,
	AT_REG_EMERGENCY_ONLY = 8,
	AT_REG_HOME_CSFB_NOT_PREFERRED = 9,
	AT_REG_ROAMING_CSFB_NOT_PREFERRED = 10,
};

enum at_reg_domain { AT_CREG, AT_CGREG, AT_CEREG, AT_C5GREG };

#define AT_UNKNOWN (-1) /* sentinel for every int value not reported */

struct at_reg {
	enum at_reg_domain domain;
	int n;	      /* <n> of a solicited response (and of Samsung's URCs), else AT_UNKNOWN */
	int state;    /* enum at_reg_state, or AT_UNKNOWN */
	uint32_t lac; /* LAC or TAC; 0 when absent or unreadable (as ModemManager) */
	uint32_t ci;
	int act; /* 27.007 <AcT> 0..13, AT_UNKNOWN */
};

/* Parse +CREG/+CGREG/+CEREG/+C5GREG, solicited (response to AT+CxREG?: starts with <n>) or
 * unsolicited (starts with <stat>). 0, or -EPROTO for another line or no valid <stat>. */
int at_parse_reg(const char *line, size_t len, bool solicited, struct at_reg *r);
const char *at_reg_state_name(int state); /* "home", "roaming_csfb_not_preferred", ... "unknown" */
const char *at_reg_domain_name(enum at_reg_domain d); /* "CREG" ... */
/* 27.007 7.3 <AcT> as ModemManager names it: "gsm", "umts", "edge", "lte", "5gnr", ...;
 * "unknown" for AT_UNKNOWN or an undefined value. */
const char *at_act_name(int act);

#define AT_OPER_MAX 64

/* One network of AT+COPS=? or the current one of AT+COPS?. */
struct at_oper {
	int stat;   /* 0 unknown, 1 available, 2 current, 3 forbidden; AT_UNKNOWN for +COPS? */
	int mode;   /* +COPS?: <mode>, else AT_UNKNOWN */
	int format; /* +COPS?: <format> (0 long, 1 short, 2 numeric), else AT_UNKNOWN */
	int act;    /* AT_UNKNOWN if not given (+COPS=? without AcT: ModemManager assumes gsm) */
	char name_long[AT_OPER_MAX];
	char name_short[AT_OPER_MAX];
	char numeric[16];
};

/* AT+COPS? : 0 or -EPROTO. */
int at_parse_cops(const char *line, size_t len, struct at_oper *o);
/* AT+COPS=? : walk the networks. Start with *pos = 0; each call returns 1 and the next network,
 * 0 at the end. Entries whose numeric code is not at least 5 digits are skipped (the trailing
 * lists of supported modes, as ModemManager does). ucs2: strings are hex UCS-2 (AT+CSCS="UCS2")
 * and are decoded to UTF-8. */
int at_parse_cops_list(const char *line, size_t len, size_t *pos, bool ucs2, struct at_oper *o);
/* Hex UCS-2 ("004D006F") to UTF-8 in dst (NUL-terminated). Returns the UTF-8 length or -EINVAL. */
int at_ucs2_to_utf8(const char *hex, size_t len, char *dst, size_t cap);

/* +CPIN: <code>: the lock the SIM waits for. */
enum at_sim_lock {
	AT_SIM_READY,
	AT_SIM_PIN,
	AT_SIM_PUK,
	AT_SIM_PIN2,
	AT_SIM_PUK2,
	AT_PH_SIM_PIN,
	AT_PH_FSIM_PIN,
	AT_PH_FSIM_PUK,
	AT_PH_NET_PIN,
	AT_PH_NET_PUK,
	AT_PH_NETSUB_PIN,
	AT_PH_NETSUB_PUK,
	AT_PH_SP_PIN,
	AT_PH_SP_PUK,
	AT_PH_CORP_PIN,
	AT_PH_CORP_PUK,
};
/* 0 and *lock, -EPROTO (not +CPIN: or an unknown code). */
int at_parse_cpin(const char *line, size_t len, enum at_sim_lock *lock);
const char *at_sim_lock_name(enum at_sim_lock lock); /* "none", "sim-pin", "ph-net-pin", ... */

/* An address field of +CGCONTRDP and friends: 4 or 16 dotted decimal octets, the same followed
 * by a mask (8 or 32 octets: 27.007 >= 9.4 puts address and mask in one field), or IPv6 text
 * (+CGPIAF). 0, -EINVAL. */
struct at_addr {
	int family; /* 4 or 6 */
	bool has_mask;
	uint8_t addr[16];
	uint8_t mask[16];
};
int at_parse_addr(const char *s, size_t len, struct at_addr *a);
/* Huawei ^DHCP IPv4 as a hex u32 whose bytes are the address reversed ("CCDB080A" =
 * 10.8.219.204), with an optional 0x prefix. 0 or -EINVAL. */
int at_parse_hex_ip4(const char *s, size_t len, uint8_t out[4]);
/* Prefix length of a contiguous netmask of nbytes bytes, or -EINVAL. */
int at_mask_prefix(const uint8_t *mask, size_t nbytes);

/* +CGCONTRDP: <cid>,<bearer>,<apn>,<addr[.mask]>,[<mask>,]<gw>,<dns1>,<dns2>,... */
struct at_cgcontrdp {
	int cid, bearer;
	char apn[101];
	struct at_addr addr, gw, dns1, dns2; /* family 0 = absent */
};
int at_parse_cgcontrdp(const char *line, size_t len, struct at_cgcontrdp *c);

/* +CSQ: <rssi>,<ber> (27.007 8.5): rssi 0..31 (99 unknown) -> dBm = -113 + 2 * rssi. */
struct at_csq {
	int rssi, ber; /* raw; AT_UNKNOWN for 99 */
	int dbm;       /* AT_UNKNOWN if rssi unknown */
};
int at_parse_csq(const char *line, size_t len, struct at_csq *q);

/* +CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp> (27.007 8.69); raw values, 99/255 =
 * AT_UNKNOWN, and the derived levels in tenths (dBm or dB) or AT_UNKNOWN. */
struct at_cesq {
	int rxlev, ber, rscp, ecno, rsrq, rsrp;
	int rssi_dbm10, rscp_dbm10, ecno_db10, rsrq_db10, rsrp_dbm10;
};
int at_parse_cesq(const char *line, size_t len, struct at_cesq *q);

#endif
