/* at.c - the AT command channel, see include/at.h. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "at.h"
#include "addr.h"
#include "fmt.h"

/* ---- small text helpers ---- */

static char up(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* line[len] starts with s (case-insensitive) */
static bool starts(const char *line, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n > len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (up(line[i]) != up(s[i]))
			return false;
	return true;
}

static size_t rtrim(const char *s, size_t len)
{
	while (len && is_blank(s[len - 1]))
		len--;
	return len;
}

/* line[len] is exactly s, ignoring trailing blanks and case */
static bool equals(const char *line, size_t len, const char *s)
{
	len = rtrim(line, len);
	return len == strlen(s) && starts(line, len, s);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left <= 0 ? 0 : (int)MIN(left, (int64_t)INT_MAX);
}

/* ---- final result codes ---- */

static const char *const result_names[] = {
	[AT_RES_NONE] = "",
	[AT_RES_OK] = "OK",
	[AT_RES_CONNECT] = "CONNECT",
	[AT_RES_ERROR] = "ERROR",
	[AT_RES_CME_ERROR] = "+CME ERROR",
	[AT_RES_CMS_ERROR] = "+CMS ERROR",
	[AT_RES_NO_CARRIER] = "NO CARRIER",
	[AT_RES_NO_DIALTONE] = "NO DIALTONE",
	[AT_RES_BUSY] = "BUSY",
	[AT_RES_NO_ANSWER] = "NO ANSWER",
};

const char *at_result_name(enum at_result r)
{
	return (unsigned)r < ARRAY_SIZE(result_names) ? result_names[r] : "";
}

/* The number after "+CME ERROR:" (blanks allowed), or -1 for text (AT+CMEE=2). */
static int error_code(const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < len && is_blank(s[i]))
		i++;
	len = rtrim(s, len);
	if (i == len)
		return -1;
	for (; i < len; i++) {
		if (!is_digit(s[i]) || v > 99999)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return (int)v;
}

enum at_result at_final(const char *line, size_t len, int *code)
{
	static const struct {
		const char *text;
		enum at_result r;
	} exact[] = {
		{"OK", AT_RES_OK},
		{"ERROR", AT_RES_ERROR},
		{"NO CARRIER", AT_RES_NO_CARRIER},
		{"NO DIALTONE", AT_RES_NO_DIALTONE},
		{"NO DIAL TONE", AT_RES_NO_DIALTONE}, /* V.250 spells it both ways */
		{"BUSY", AT_RES_BUSY},
		{"NO ANSWER", AT_RES_NO_ANSWER},
		/* Huawei and ZTE firmware answer unknown commands so, instead of ERROR */
		{"COMMAND NOT SUPPORT", AT_RES_ERROR},
	};
	int dummy;

	if (!code)
		code = &dummy;
	*code = -1;
	for (size_t i = 0; i < ARRAY_SIZE(exact); i++)
		if (equals(line, len, exact[i].text))
			return exact[i].r;
	if (equals(line, len, "CONNECT") || starts(line, len, "CONNECT "))
		return AT_RES_CONNECT;
	if (starts(line, len, "+CME ERROR:")) {
		*code = error_code(line + 11, len - 11);
		return AT_RES_CME_ERROR;
	}
	if (starts(line, len, "+CMS ERROR:")) {
		*code = error_code(line + 11, len - 11);
		return AT_RES_CMS_ERROR;
	}
	return AT_RES_NONE;
}

/* Error texts as one string each: a code byte, the text, its NUL; 0xff ends the list (a table
 * of pointers would cost 16 bytes an entry). */
/* 27.007 9.2.1 general errors and 9.2.2 packet domain errors (the latter are 100 + the
 * 24.008 cause: 126 = #26 insufficient resources, 133 = #33 service option not subscribed). */
/* clang-format off */
static const char cme_texts[] =
	"\x00" "phone failure\0"
	"\x01" "no connection to phone\0"
	"\x02" "phone-adaptor link reserved\0"
	"\x03" "operation not allowed\0"
	"\x04" "operation not supported\0"
	"\x05" "PH-SIM PIN required\0"
	"\x06" "PH-FSIM PIN required\0"
	"\x07" "PH-FSIM PUK required\0"
	"\x0a" "SIM not inserted\0"
	"\x0b" "SIM PIN required\0"
	"\x0c" "SIM PUK required\0"
	"\x0d" "SIM failure\0"
	"\x0e" "SIM busy\0"
	"\x0f" "SIM wrong\0"
	"\x10" "incorrect password\0"
	"\x11" "SIM PIN2 required\0"
	"\x12" "SIM PUK2 required\0"
	"\x14" "memory full\0"
	"\x15" "invalid index\0"
	"\x16" "not found\0"
	"\x17" "memory failure\0"
	"\x18" "text string too long\0"
	"\x19" "invalid characters in text string\0"
	"\x1a" "dial string too long\0"
	"\x1b" "invalid characters in dial string\0"
	"\x1e" "no network service\0"
	"\x1f" "network timeout\0"
	"\x20" "network not allowed - emergency calls only\0"
	"\x28" "network personalization PIN required\0"
	"\x29" "network personalization PUK required\0"
	"\x2a" "network subset personalization PIN required\0"
	"\x2b" "network subset personalization PUK required\0"
	"\x2c" "service provider personalization PIN required\0"
	"\x2d" "service provider personalization PUK required\0"
	"\x2e" "corporate personalization PIN required\0"
	"\x2f" "corporate personalization PUK required\0"
	"\x30" "hidden key required\0"
	"\x31" "EAP method not supported\0"
	"\x32" "incorrect parameters\0"
	"\x33" "command implemented but currently disabled\0"
	"\x34" "command aborted by user\0"
	"\x35" "not attached to network due to MT functionality restrictions\0"
	"\x36" "modem not allowed - MT restricted to emergency calls only\0"
	"\x37" "operation not allowed because of MT functionality restrictions\0"
	"\x38" "fixed dial number only allowed - called number is not a fixed dial number\0"
	"\x39" "temporarily out of service due to other MT usage\0"
	"\x3a" "language/alphabet not supported\0"
	"\x3b" "unexpected data value\0"
	"\x3c" "system failure\0"
	"\x3d" "data missing\0"
	"\x3e" "call barred\0"
	"\x3f" "message waiting indication subscription failure\0"
	"\x64" "unknown\0"
	"\x66" "IMSI unknown in HLR\0"
	"\x67" "illegal MS\0"
	"\x68" "IMSI unknown in VLR\0"
	"\x6a" "illegal ME\0"
	"\x6b" "GPRS services not allowed\0"
	"\x6c" "GPRS services and non-GPRS services not allowed\0"
	"\x6f" "PLMN not allowed\0"
	"\x70" "location area not allowed\0"
	"\x71" "roaming not allowed in this location area\0"
	"\x72" "GPRS services not allowed in this PLMN\0"
	"\x73" "no suitable cells in location area\0"
	"\x75" "network failure\0"
	"\x7a" "congestion\0"
	"\x7d" "not authorized for this CSG\0"
	"\x7e" "insufficient resources\0"
	"\x7f" "missing or unknown APN\0"
	"\x80" "unknown PDP address or PDP type\0"
	"\x81" "user authentication failed\0"
	"\x82" "activation rejected by GGSN, Serving GW or PDN GW\0"
	"\x83" "activation rejected, unspecified\0"
	"\x84" "service option not supported\0"
	"\x85" "requested service option not subscribed\0"
	"\x86" "service option temporarily out of order\0"
	"\x8c" "feature not supported\0"
	"\x8d" "semantic error in the TFT operation\0"
	"\x8e" "syntactical error in the TFT operation\0"
	"\x8f" "unknown PDP context\0"
	"\x90" "semantic errors in packet filter(s)\0"
	"\x91" "syntactical errors in packet filter(s)\0"
	"\x92" "PDP context without TFT already activated\0"
	"\x94" "unspecified GPRS error\0"
	"\x95" "PDP authentication failure\0"
	"\x96" "invalid mobile class\0"
	"\xab" "last PDN disconnection not allowed\0"
	"\xac" "semantically incorrect message\0"
	"\xad" "invalid mandatory information\0"
	"\xae" "message type non-existent or not implemented\0"
	"\xaf" "conditional IE error\0"
	"\xb0" "unspecified protocol error\0"
	"\xb1" "operator determined barring\0"
	"\xb2" "maximum number of PDP contexts reached\0"
	"\xb3" "requested APN not supported in current RAT and PLMN combination\0"
	"\xb4" "request rejected - bearer control mode violation\0"
	"\xff";

/* 27.005 3.2.5 <err> values of the MT/TA, minus 300 (0..255 are 24.011 network causes, not
 * listed). */
static const char cms_texts[] =
	"\x00" "ME failure\0"
	"\x01" "SMS service of ME reserved\0"
	"\x02" "operation not allowed\0"
	"\x03" "operation not supported\0"
	"\x04" "invalid PDU mode parameter\0"
	"\x05" "invalid text mode parameter\0"
	"\x0a" "SIM not inserted\0"
	"\x0b" "SIM PIN required\0"
	"\x0c" "PH-SIM PIN required\0"
	"\x0d" "SIM failure\0"
	"\x0e" "SIM busy\0"
	"\x0f" "SIM wrong\0"
	"\x10" "SIM PUK required\0"
	"\x11" "SIM PIN2 required\0"
	"\x12" "SIM PUK2 required\0"
	"\x14" "memory failure\0"
	"\x15" "invalid memory index\0"
	"\x16" "memory full\0"
	"\x1e" "SMSC address unknown\0"
	"\x1f" "no network service\0"
	"\x20" "network timeout\0"
	"\x28" "no +CNMA acknowledgement expected\0"
	"\xc8" "unknown error\0"
	"\xff";
/* clang-format on */

static const char *code_text(const char *list, int code)
{
	if (code < 0 || code >= 255)
		return NULL;
	while ((uint8_t)*list != 0xff) {
		if ((uint8_t)*list == code)
			return list + 1;
		list += strlen(list + 1) + 2;
	}
	return NULL;
}

const char *at_cme_text(int code)
{
	return code_text(cme_texts, code);
}

const char *at_cms_text(int code)
{
	return code_text(cms_texts, code - 300);
}

/* Unsolicited result codes by their start. 27.007: network registration 7.2/10.1.20/10.1.22
 * (+CREG +CGREG +CEREG +C5GREG), packet domain events 10.1.19 (+CGEV), calls 6/7 (RING +CRING
 * +CLIP +CCWA +CUSD +CSSI +CSSU), time zone 8.41/8.44 (+CTZV +CTZE), indicators 8.9 (+CIEV);
 * 27.005 3.4.1 new messages (+CMTI +CMT +CDS +CDSI +CBM). Vendors: Quectel (+QIND, +QUSIM,
 * +QNETDEVSTATUS, RDY, POWERED DOWN), Huawei (^MODE ^RSSI ^HCSQ ^SYSSTART ^SRVST ^SIMST ^BOOT
 * ^DSFLOWRPT ^NDISSTAT ^CEND ^ORIG ^CONF ^CONN), SIMCom (PB DONE, SMS DONE), Telit #QSS, u-blox
 * +UUPSDA. A line of the pending command's own prefix is its response, not a URC (AT+CREG?). */
static const char *const urc_starts[] = {
	"+CREG:",  "+CGREG:",	      "+CEREG:",    "+C5GREG:", "+CGEV:", "+CRING:", "+CLIP:",
	"+CCWA:",  "+CUSD:",	      "+CSSI:",	    "+CSSU:",	"+CTZV:", "+CTZE:",  "+CIEV:",
	"+CMTI:",  "+CMT:",	      "+CDS:",	    "+CDSI:",	"+CBM:",  "+CPIN:",  "+QIND:",
	"+QUSIM:", "+QNETDEVSTATUS:", "^MODE:",	    "^RSSI:",	"^HCSQ:", "^SRVST:", "^SIMST:",
	"^BOOT:",  "^DSFLOWRPT:",     "^NDISSTAT:", "^CEND:",	"^ORIG:", "^CONF:",  "^CONN:",
	"#QSS:",   "+UUPSDA:",
};
static const char *const urc_lines[] = {
	"RING", "RDY", "POWERED DOWN", "^SYSSTART", "PB DONE", "SMS DONE",
};

bool at_is_urc(const char *line, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(urc_starts); i++)
		if (starts(line, len, urc_starts[i]))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(urc_lines); i++)
		if (equals(line, len, urc_lines[i]))
			return true;
	return false;
}

/* ---- secrets ---- */

/* Commands whose arguments carry a PIN, PUK or password: 27.007 +CPIN (8.3), +CPIN2, +CPWD
 * (7.5), +CLCK (7.4: facility password), +CGAUTH (10.1.31: user, password); vendor PDP
 * credentials: Huawei ^NDISDUP and ^AUTHDATA, Quectel +QICSGP, Qualcomm $QCPDPP, Sierra
 * $QCPDPP too, u-blox +UPSD (param 2/3 are user/password). */
static const char *const secret_cmds[] = {
	"+CPIN=",    "+CPIN2=",	   "+CPWD=",   "+CLCK=",   "+CGAUTH=",
	"^NDISDUP=", "^AUTHDATA=", "+QICSGP=", "$QCPDPP=", "+UPSD=",
};

/* Offset of the argument part of a secret command ("AT+CPIN=" -> after '='), or 0. */
static size_t secret_at(const char *cmd)
{
	size_t len = strlen(cmd), off = starts(cmd, len, "AT") ? 2 : 0;

	for (size_t i = 0; i < ARRAY_SIZE(secret_cmds); i++)
		if (starts(cmd + off, len - off, secret_cmds[i]))
			return off + strlen(secret_cmds[i]);
	return 0;
}

bool at_is_secret(const char *cmd)
{
	return secret_at(cmd) != 0;
}

size_t at_redact(const char *cmd, char *out, size_t cap)
{
	size_t cut = secret_at(cmd);

	if (!cut)
		return MIN(fmt_buf(out, cap, "%s", cmd), cap ? cap - 1 : 0);
	return MIN(fmt_buf(out, cap, "%.*s(hidden)", (int)cut, cmd), cap ? cap - 1 : 0);
}

/* ---- line parser ---- */

const char *at_resp_line(const struct at_resp *r, unsigned i)
{
	return i < r->nlines ? r->text + r->off[i] : NULL;
}

static void resp_reset(struct at_resp *r)
{
	r->result = AT_RES_NONE;
	r->code = -1;
	r->nlines = 0;
	r->used = 0;
	r->truncated = false;
	r->final[0] = 0;
	r->text[0] = 0;
}

static void resp_add(struct at_resp *r, const char *line, size_t len)
{
	if (r->nlines == AT_RESP_LINES || r->used + len + 1 > sizeof(r->text)) {
		r->truncated = true;
		return;
	}
	r->off[r->nlines++] = (uint16_t)r->used;
	memcpy(r->text + r->used, line, len);
	r->used += len;
	r->text[r->used++] = 0;
}

void at_parser_init(struct at_parser *p)
{
	p->result = AT_RES_NONE;
	p->code = -1;
	p->urcs = p->cut = 0;
	p->pending = p->first = false;
	p->resp = NULL;
	p->cmd[0] = p->prefix[0] = 0;
	p->llen = 0;
	p->overlong = false;
}

/* The response prefix of a command: "AT+CREG?" -> "+CREG", "AT^SYSINFO" -> "^SYSINFO",
 * "AT!USBCOMP?" -> "!USBCOMP"; basic commands (ATI, ATE0) have none. */
static void cmd_prefix(const char *cmd, char *prefix, size_t cap)
{
	size_t n = 0;

	if (starts(cmd, strlen(cmd), "AT"))
		cmd += 2;
	if (*cmd && strchr("+^$#!%*&", *cmd)) {
		prefix[n++] = *cmd++;
		while (n + 1 < cap && *cmd && !strchr("=?;", *cmd) && !is_blank(*cmd))
			prefix[n++] = up(*cmd++);
	}
	prefix[n] = 0;
}

void at_parser_begin(struct at_parser *p, const char *cmd, struct at_resp *resp)
{
	fmt_buf(p->cmd, sizeof(p->cmd), "%s", cmd);
	cmd_prefix(cmd, p->prefix, sizeof(p->prefix));
	p->resp = resp;
	if (resp)
		resp_reset(resp);
	p->result = AT_RES_NONE;
	p->code = -1;
	p->pending = p->first = true;
}

enum at_line_kind at_parser_classify(const struct at_parser *p, const char *line, size_t len)
{
	size_t pl = strlen(p->prefix);

	if (!p->pending)
		return AT_LINE_URC;
	/* ATE1: the modem sends the command back before anything else (V.250 6.2.4). */
	if (p->first && equals(line, len, p->cmd))
		return AT_LINE_ECHO;
	if (at_final(line, len, NULL) != AT_RES_NONE)
		return AT_LINE_FINAL;
	if (pl && starts(line, len, p->prefix) && (len == pl || line[pl] == ':'))
		return AT_LINE_INFO;
	return at_is_urc(line, len) ? AT_LINE_URC : AT_LINE_INFO;
}

/* One complete line. Returns 1 when it was the pending command's final result. */
static int parser_line(struct at_parser *p, const char *line, size_t len)
{
	enum at_line_kind kind = at_parser_classify(p, line, len);

	if (p->on_line)
		p->on_line(p->arg, kind, line, len);
	switch (kind) {
	case AT_LINE_ECHO:
		p->first = false;
		return 0;
	case AT_LINE_INFO:
		p->first = false;
		if (p->resp)
			resp_add(p->resp, line, len);
		return 0;
	case AT_LINE_FINAL:
		p->result = at_final(line, len, &p->code);
		p->pending = p->first = false;
		if (p->resp) {
			p->resp->result = p->result;
			p->resp->code = p->code;
			fmt_buf(p->resp->final, sizeof(p->resp->final), "%.*s", (int)len, line);
		}
		return 1;
	case AT_LINE_URC:
	default:
		p->urcs++;
		if (p->on_urc)
			p->on_urc(p->arg, line, len);
		return 0;
	}
}

int at_parser_feed(struct at_parser *p, const void *buf, size_t len)
{
	const char *c = buf;
	int done = 0;

	for (size_t i = 0; i < len; i++) {
		if (c[i] != '\r' && c[i] != '\n') {
			if (p->llen < sizeof(p->line) - 1)
				p->line[p->llen++] = c[i];
			else
				p->overlong = true;
			continue;
		}
		if (!p->llen)
			continue; /* the empty line of "\r\n" framing */
		if (p->overlong)
			p->cut++;
		p->line[p->llen] = 0;
		if (parser_line(p, p->line, p->llen))
			done = 1;
		p->llen = 0;
		p->overlong = false;
	}
	return done;
}

/* ---- fields ---- */

int at_tok_init(struct at_tok *t, const char *line, size_t len, const char *prefix)
{
	const char *end = line + rtrim(line, len);

	if (prefix) {
		size_t n = strlen(prefix);

		if (!starts(line, (size_t)(end - line), prefix))
			return -EPROTO;
		line += n;
		while (line < end && is_blank(*line))
			line++;
		if (line == end || *line != ':')
			return -EPROTO;
		line++;
	}
	while (line < end && is_blank(*line))
		line++;
	t->p = line < end ? line : NULL; /* nothing after the colon: no field at all */
	t->end = end;
	return 0;
}

static void field_set(struct at_field *f, const char *s, const char *e)
{
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	f->quoted = f->group = false;
	if (e - s >= 2 && *s == '"' && e[-1] == '"') {
		s++, e--;
		f->quoted = true;
	} else if (e - s >= 2 && *s == '(' && e[-1] == ')') {
		s++, e--;
		f->group = true;
	}
	f->s = s;
	f->len = (size_t)(e - s);
}

int at_tok_next(struct at_tok *t, struct at_field *f)
{
	const char *s = t->p, *q;
	bool quote = false;
	int depth = 0;

	if (!s)
		return 0;
	for (q = s; q < t->end; q++) {
		if (*q == '"')
			quote = !quote;
		else if (quote)
			continue;
		else if (*q == '(')
			depth++;
		else if (*q == ')' && depth)
			depth--;
		else if (*q == ',' && !depth)
			break;
	}
	field_set(f, s, q);
	t->p = q < t->end ? q + 1 : NULL;
	return 1;
}

int at_tok_field(const char *line, size_t len, const char *prefix, unsigned n, struct at_field *f)
{
	struct at_tok t;
	int r = at_tok_init(&t, line, len, prefix);

	if (r)
		return r;
	do {
		r = at_tok_next(&t, f);
	} while (r == 1 && n--);
	return r;
}

static int hexval(char c)
{
	if (is_digit(c))
		return c - '0';
	c = up(c);
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int parse_u32(const char *s, size_t len, unsigned base, uint32_t *v)
{
	uint64_t x = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int d = base == 16 ? hexval(s[i]) : is_digit(s[i]) ? s[i] - '0' : -1;

		if (d < 0)
			return -EINVAL;
		x = x * base + (unsigned)d;
		if (x > 0xffffffffULL)
			return -ERANGE;
	}
	*v = (uint32_t)x;
	return 0;
}

int at_field_uint(const struct at_field *f, unsigned base, uint32_t *v)
{
	return parse_u32(f->s, f->len, base, v);
}

bool at_field_is(const struct at_field *f, const char *s)
{
	return equals(f->s, f->len, s) && f->len == strlen(s);
}

size_t at_field_copy(const struct at_field *f, char *dst, size_t cap)
{
	fmt_buf(dst, cap, "%.*s", (int)f->len, f->s);
	return f->len;
}

int at_field_range(const struct at_field *f, uint32_t *min, uint32_t *max)
{
	const char *s = f->s, *e = f->s + f->len, *dash, *comma;

	comma = memchr(s, ',', f->len);
	if (comma)
		e = comma;
	dash = memchr(s, '-', (size_t)(e - s));
	if (parse_u32(s, (size_t)((dash ? dash : e) - s), 10, min))
		return -EINVAL;
	if (!dash) {
		*max = *min;
		return 0;
	}
	return parse_u32(dash + 1, (size_t)(e - dash - 1), 10, max) || *max < *min ? -EINVAL : 0;
}

/* Small decimal value of a field, or AT_UNKNOWN. */
static int field_int(const struct at_field *f)
{
	uint32_t v;

	return at_field_uint(f, 10, &v) || v > INT_MAX ? AT_UNKNOWN : (int)v;
}

/* All fields of a line (up to max); returns the count, or -EPROTO. */
static int fields(const char *line, size_t len, const char *prefix, struct at_field *f, int max)
{
	struct at_tok t;
	int n = 0;

	if (at_tok_init(&t, line, len, prefix))
		return -EPROTO;
	while (n < max && at_tok_next(&t, &f[n]) == 1)
		n++;
	return n;
}

/* ---- registration ---- */

static const char *const reg_prefix[] = {
	[AT_CREG] = "+CREG",
	[AT_CGREG] = "+CGREG",
	[AT_CEREG] = "+CEREG",
	[AT_C5GREG] = "+C5GREG",
};

static const char *const reg_state_names[] = {
	"idle",
	"home",
	"searching",
	"denied",
	"unknown",
	"roaming",
	"home_sms_only",
	"roaming_sms_only",
	"emergency_only",
	"home_csfb_not_preferred",
	"roaming_csfb_not_preferred",
};

const char *at_reg_state_name(int state)
{
	return state >= 0 && (unsigned)state < ARRAY_SIZE(reg_state_names) ? reg_state_names[state]
									   : "unknown";
}

const char *at_reg_domain_name(enum at_reg_domain d)
{
	return (unsigned)d < ARRAY_SIZE(reg_prefix) ? reg_prefix[d] + 1 : "";
}

/* 27.007 7.3 <AcT>, named as ModemManager's get_mm_access_tech_from_etsi_access_tech() maps
 * them (8 EC-GSM-IoT is gsm, 9 NB-S1 and 10 E-UTRA/5GCN are lte, 11/12 are 5gnr). */
static const char *const act_names[] = {
	"gsm", "gsm-compact", "umts", "edge", "hsdpa", "hsupa", "hspa",
	"lte", "gsm",	      "lte",  "lte",  "5gnr",  "5gnr",	"lte+5gnr",
};

const char *at_act_name(int act)
{
	return act >= 0 && (unsigned)act < ARRAY_SIZE(act_names) ? act_names[act] : "unknown";
}

static uint32_t hex_or_zero(const struct at_field *f)
{
	uint32_t v;

	return at_field_uint(f, 16, &v) ? 0 : v;
}

/* A 1-2 digit unquoted decimal: the shape of <n>/<stat>, never of a LAC (4 hex digits). */
static bool small_decimal(const struct at_field *f)
{
	return !f->quoted && f->len >= 1 && f->len <= 2 && field_int(f) != AT_UNKNOWN;
}

int at_parse_reg(const char *line, size_t len, bool solicited, struct at_reg *r)
{
	struct at_field f[10];
	const struct at_field *rest;
	int n = -EPROTO, k = 0, nr;
	unsigned d;

	for (d = 0; d < ARRAY_SIZE(reg_prefix) && n < 0; d++)
		n = fields(line, len, reg_prefix[d], f, (int)ARRAY_SIZE(f));
	if (n < 1)
		return -EPROTO;
	r->domain = (enum at_reg_domain)(d - 1);
	r->n = r->act = AT_UNKNOWN;
	r->lac = r->ci = 0;
	/* Solicited: <n>,<stat>,... Unsolicited: <stat>,... except Samsung's "+CREG:
	 * 2,1,000B,2816, B, C2816" (vector A11) which repeats <n>: two small decimals then more. */
	if ((solicited && n >= 2) ||
	    (!solicited && n >= 4 && small_decimal(&f[1]) && f[2].len && small_decimal(&f[0]))) {
		r->n = field_int(&f[k++]);
		if (r->n == AT_UNKNOWN)
			return -EPROTO;
	}
	r->state = field_int(&f[k]);
	if (r->state == AT_UNKNOWN)
		return -EPROTO;
	rest = f + k + 1;
	nr = n - k - 1;
	if (nr >= 1)
		r->lac = hex_or_zero(&rest[0]); /* "  0 5" (Gobi, vector A10) reads as 0, as MM */
	/* Novatel and some CEREG firmware put a 1-byte RAC between TAC and CI ("2CA8, 20
	 * ,B5583D ,7", vectors A17/A18); 27.007's own RAC (+CGREG) comes after <AcT>. */
	if (nr >= 4 && rest[1].len <= 2 && rest[2].len > 2)
		rest++, nr--;
	if (nr >= 2)
		r->ci = hex_or_zero(&rest[1]);
	if (nr >= 3)
		r->act = field_int(&rest[2]);
	return 0;
}

/* ---- operators ---- */

int at_parse_cops(const char *line, size_t len, struct at_oper *o)
{
	struct at_field f[4];
	int n = fields(line, len, "+COPS", f, 4);

	memset(o, 0, sizeof(*o));
	o->stat = o->format = o->act = AT_UNKNOWN;
	if (n < 1 || (o->mode = field_int(&f[0])) == AT_UNKNOWN)
		return -EPROTO;
	if (n >= 2)
		o->format = field_int(&f[1]);
	if (n >= 3) {
		char *dst = o->format == 2   ? o->numeric
			    : o->format == 1 ? o->name_short
					     : o->name_long;
		size_t cap = o->format == 2 ? sizeof(o->numeric) : AT_OPER_MAX;

		at_field_copy(&f[2], dst, cap);
	}
	if (n >= 4)
		o->act = field_int(&f[3]);
	return 0;
}

static void utf8_put(char *dst, size_t cap, size_t *n, uint32_t cp)
{
	uint8_t b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp, k = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6), b[1] = (uint8_t)(0x80 | (cp & 0x3f)), k = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12), b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f)), k = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18), b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f)), b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (*n + k < cap)
		memcpy(dst + *n, b, k);
	*n += k;
}

int at_ucs2_to_utf8(const char *hex, size_t len, char *dst, size_t cap)
{
	size_t n = 0;
	uint32_t hi = 0, u;

	if (len % 4 || !cap)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		if (parse_u32(hex + i, 4, 16, &u))
			return -EINVAL;
		if (u >= 0xd800 && u < 0xdc00) { /* high surrogate: UTF-16 pair (RFC 2781 2.2) */
			if (hi)
				return -EINVAL;
			hi = u;
			continue;
		}
		if (u >= 0xdc00 && u < 0xe000) {
			if (!hi)
				return -EINVAL;
			u = 0x10000 + ((hi - 0xd800) << 10) + (u - 0xdc00);
			hi = 0;
		} else if (hi) {
			return -EINVAL;
		}
		utf8_put(dst, cap, &n, u);
	}
	if (hi)
		return -EINVAL;
	dst[MIN(n, cap - 1)] = 0;
	return (int)MIN(n, (size_t)INT_MAX);
}

static void oper_str(const struct at_field *f, bool ucs2, char *dst, size_t cap)
{
	if (!ucs2 || at_ucs2_to_utf8(f->s, f->len, dst, cap) < 0)
		at_field_copy(f, dst, cap);
}

/* The end of a "(...)" group starting at s[0] == '(' (quotes respected), or NULL. */
static const char *group_end(const char *s, const char *end)
{
	bool quote = false;

	for (const char *q = s + 1; q < end; q++) {
		if (*q == '"')
			quote = !quote;
		else if (*q == ')' && !quote)
			return q;
	}
	return NULL;
}

static bool numeric_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 5)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]) && s[i] != '-')
			return false;
	return true;
}

int at_parse_cops_list(const char *line, size_t len, size_t *pos, bool ucs2, struct at_oper *o)
{
	const char *end = line + rtrim(line, len), *s, *ge;
	struct at_field f[5];
	struct at_tok t;
	int n;

	if (*pos == 0) {
		if (at_tok_init(&t, line, len, "+COPS"))
			return -EPROTO;
		*pos = t.p ? (size_t)(t.p - line) : len;
	}
	for (s = line + *pos; s < end; s = ge + 1) {
		s = memchr(s, '(', (size_t)(end - s));
		if (!s || !(ge = group_end(s, end)))
			break;
		n = 0;
		at_tok_init(&t, s + 1, (size_t)(ge - s - 1), NULL);
		while (n < 5 && at_tok_next(&t, &f[n]) == 1)
			n++;
		if (n < 4 || f[0].len != 1 || !is_digit(f[0].s[0]))
			continue;
		memset(o, 0, sizeof(*o));
		o->mode = o->format = AT_UNKNOWN;
		o->stat = f[0].s[0] - '0';
		oper_str(&f[1], ucs2, o->name_long, sizeof(o->name_long));
		oper_str(&f[2], ucs2, o->name_short, sizeof(o->name_short));
		oper_str(&f[3], ucs2, o->numeric, sizeof(o->numeric));
		o->act = n >= 5 ? field_int(&f[4]) : AT_UNKNOWN;
		/* Sony-Ericsson TM-506 closes the group before the AcT: '"310260"),2)' (A20). */
		if (n == 4 && ge + 2 < end && ge[1] == ',' && is_digit(ge[2])) {
			const char *q = ge + 2;

			while (q < end && is_digit(*q))
				q++;
			if (q < end && *q == ')') {
				struct at_field a = {.s = ge + 2, .len = (size_t)(q - ge - 2)};

				o->act = field_int(&a);
				ge = q;
			}
		}
		if (!numeric_ok(o->numeric))
			continue; /* "(0,1,2,3,4)": the supported modes, not a network */
		*pos = (size_t)(ge + 1 - line);
		return 1;
	}
	*pos = len;
	return 0;
}

/* ---- SIM ---- */

static const char *const sim_lock_codes[] = {
	[AT_SIM_READY] = "READY",
	[AT_SIM_PIN] = "SIM PIN",
	[AT_SIM_PUK] = "SIM PUK",
	[AT_SIM_PIN2] = "SIM PIN2",
	[AT_SIM_PUK2] = "SIM PUK2",
	[AT_PH_SIM_PIN] = "PH-SIM PIN",
	[AT_PH_FSIM_PIN] = "PH-FSIM PIN",
	[AT_PH_FSIM_PUK] = "PH-FSIM PUK",
	[AT_PH_NET_PIN] = "PH-NET PIN",
	[AT_PH_NET_PUK] = "PH-NET PUK",
	[AT_PH_NETSUB_PIN] = "PH-NETSUB PIN",
	[AT_PH_NETSUB_PUK] = "PH-NETSUB PUK",
	[AT_PH_SP_PIN] = "PH-SP PIN",
	[AT_PH_SP_PUK] = "PH-SP PUK",
	[AT_PH_CORP_PIN] = "PH-CORP PIN",
	[AT_PH_CORP_PUK] = "PH-CORP PUK",
};

static const char *const sim_lock_names[] = {
	"none",	      "sim-pin",    "sim-puk",	     "sim-pin2",
	"sim-puk2",   "ph-sim-pin", "ph-fsim-pin",   "ph-fsim-puk",
	"ph-net-pin", "ph-net-puk", "ph-netsub-pin", "ph-netsub-puk",
	"ph-sp-pin",  "ph-sp-puk",  "ph-corp-pin",   "ph-corp-puk",
};

int at_parse_cpin(const char *line, size_t len, enum at_sim_lock *lock)
{
	struct at_field f;

	if (at_tok_field(line, len, "+CPIN", 0, &f) != 1)
		return -EPROTO;
	for (unsigned i = 0; i < ARRAY_SIZE(sim_lock_codes); i++) {
		if (at_field_is(&f, sim_lock_codes[i])) {
			*lock = (enum at_sim_lock)i;
			return 0;
		}
	}
	return -EPROTO;
}

const char *at_sim_lock_name(enum at_sim_lock lock)
{
	return (unsigned)lock < ARRAY_SIZE(sim_lock_names) ? sim_lock_names[lock] : "unknown";
}

/* ---- addresses ---- */

int at_parse_addr(const char *s, size_t len, struct at_addr *a)
{
	uint8_t b[32];
	size_t n = 0, i = 0;

	memset(a, 0, sizeof(*a));
	if (!len)
		return -EINVAL;
	if (memchr(s, ':', len)) { /* +CGPIAF colon notation */
		char text[ADDR_IP6_STRLEN];

		if (len >= sizeof(text))
			return -EINVAL;
		memcpy(text, s, len);
		text[len] = 0;
		if (parse_ip6(text, a->addr))
			return -EINVAL;
		a->family = 6;
		return 0;
	}
	while (i < len) { /* octets: decimal, leading zeros allowed, '.' between */
		unsigned v = 0, d = 0;

		while (i < len && is_digit(s[i]) && d < 3)
			v = v * 10 + (unsigned)(s[i++] - '0'), d++;
		if (!d || v > 255 || n == sizeof(b))
			return -EINVAL;
		b[n++] = (uint8_t)v;
		if (i < len && s[i++] != '.')
			return -EINVAL;
		if (i == len && s[len - 1] == '.')
			return -EINVAL;
	}
	if (n != 4 && n != 8 && n != 16 && n != 32)
		return -EINVAL;
	a->family = n % 16 ? 4 : 6;
	a->has_mask = n == 8 || n == 32;
	memcpy(a->addr, b, a->family == 4 ? 4 : 16);
	if (a->has_mask)
		memcpy(a->mask, b + n / 2, n / 2);
	return 0;
}

int at_parse_hex_ip4(const char *s, size_t len, uint8_t out[4])
{
	uint32_t v;

	if (len > 2 && s[0] == '0' && up(s[1]) == 'X')
		s += 2, len -= 2;
	if (len > 8 || parse_u32(s, len, 16, &v))
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(v >> (8 * i));
	return 0;
}

int at_mask_prefix(const uint8_t *mask, size_t nbytes)
{
	int bits = 0;
	bool zero = false;

	for (size_t i = 0; i < nbytes; i++) {
		for (int b = 7; b >= 0; b--) {
			if (mask[i] >> b & 1) {
				if (zero)
					return -EINVAL;
				bits++;
			} else {
				zero = true;
			}
		}
	}
	return bits;
}

static void addr_field(const struct at_field *f, struct at_addr *a)
{
	if (at_parse_addr(f->s, f->len, a))
		memset(a, 0, sizeof(*a));
}

int at_parse_cgcontrdp(const char *line, size_t len, struct at_cgcontrdp *c)
{
	struct at_field f[10];
	struct at_addr m;
	int n = fields(line, len, "+CGCONTRDP", f, 10), k = 4;

	memset(c, 0, sizeof(*c));
	if (n < 2)
		return -EPROTO;
	c->cid = field_int(&f[0]);
	c->bearer = field_int(&f[1]);
	if (c->cid == AT_UNKNOWN)
		return -EPROTO;
	if (n > 2)
		at_field_copy(&f[2], c->apn, sizeof(c->apn));
	if (n > 3)
		addr_field(&f[3], &c->addr);
	/* Before 27.007 v9.4 the subnet mask had its own field after the address (vector A38);
	 * since then it is part of the address field (A37). A gateway is never a netmask. */
	if (c->addr.family == 4 && !c->addr.has_mask && n > 4 &&
	    !at_parse_addr(f[4].s, f[4].len, &m) && m.family == 4 && !m.has_mask &&
	    at_mask_prefix(m.addr, 4) >= 0) {
		memcpy(c->addr.mask, m.addr, 4);
		c->addr.has_mask = true;
		k = 5;
	}
	if (n > k)
		addr_field(&f[k], &c->gw);
	if (n > k + 1)
		addr_field(&f[k + 1], &c->dns1);
	if (n > k + 2)
		addr_field(&f[k + 2], &c->dns2);
	return 0;
}

/* ---- signal ---- */

int at_parse_csq(const char *line, size_t len, struct at_csq *q)
{
	struct at_field f[2];

	if (fields(line, len, "+CSQ", f, 2) != 2)
		return -EPROTO;
	q->rssi = field_int(&f[0]);
	q->ber = field_int(&f[1]);
	if (q->rssi == 99)
		q->rssi = AT_UNKNOWN;
	if (q->ber == 99)
		q->ber = AT_UNKNOWN;
	q->dbm = q->rssi >= 0 && q->rssi <= 31 ? -113 + 2 * q->rssi : AT_UNKNOWN;
	return 0;
}

/* raw value v in [0, max], else unknown (99 and 255 mean "not known or not detectable") */
static int level(int v, int max)
{
	return v >= 0 && v <= max ? v : AT_UNKNOWN;
}

int at_parse_cesq(const char *line, size_t len, struct at_cesq *q)
{
	struct at_field f[6];

	if (fields(line, len, "+CESQ", f, 6) != 6)
		return -EPROTO;
	/* 27.007 8.69: rxlev 0 = < -110 dBm, 1 = -110..-109, ... 63; rscp 0 = < -120, ... 96;
	 * ecno 0 = < -24, 1 = -24..-23.5, ... 49; rsrq 0 = < -19.5, 1 = -19.5..-19 ... 34;
	 * rsrp 0 = < -140, 1 = -140..-139, ... 97. The level is the lower bound of the step. */
	q->rxlev = level(field_int(&f[0]), 63);
	q->ber = level(field_int(&f[1]), 7);
	q->rscp = level(field_int(&f[2]), 96);
	q->ecno = level(field_int(&f[3]), 49);
	q->rsrq = level(field_int(&f[4]), 34);
	q->rsrp = level(field_int(&f[5]), 97);
	q->rssi_dbm10 = q->rxlev == AT_UNKNOWN ? AT_UNKNOWN : (q->rxlev - 111) * 10;
	q->rscp_dbm10 = q->rscp == AT_UNKNOWN ? AT_UNKNOWN : (q->rscp - 121) * 10;
	q->ecno_db10 = q->ecno == AT_UNKNOWN ? AT_UNKNOWN : -245 + 5 * q->ecno;
	q->rsrq_db10 = q->rsrq == AT_UNKNOWN ? AT_UNKNOWN : -200 + 5 * q->rsrq;
	q->rsrp_dbm10 = q->rsrp == AT_UNKNOWN ? AT_UNKNOWN : (q->rsrp - 141) * 10;
	return 0;
}

/* ---- UUCP lock files ---- */

/* dev with its symlinks followed (/dev/serial/by-id/usb-...-if02-port0 -> ../../ttyUSB2), at
 * most 8 deep, into out. Only the last component matters, so ".." is left for the kernel.
 * (realpath() would pull malloc into the binary.) */
static void resolve(const char *dev, char *out, size_t cap)
{
	char link[PATH_MAX];

	fmt_buf(out, cap, "%s", dev);
	for (int i = 0; i < 8; i++) {
		ssize_t n = readlink(out, link, sizeof(link) - 1);
		char *slash = strrchr(out, '/');
		size_t dl = slash && link[0] != '/' ? (size_t)(slash - out + 1) : 0;

		if (n <= 0)
			return;
		link[n] = 0;
		if (link[0] == '/')
			dl = 0;
		fmt_buf(out + dl, cap - dl, "%s", link);
	}
}

static int lock_name(const char *dev, const char *dir, char *out, size_t cap)
{
	char real[PATH_MAX];
	const char *base;

	resolve(dev, real, sizeof(real));
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (!*base)
		return -EINVAL;
	return fmt_buf(out, cap, "%s/LCK..%s", dir, base) < cap ? 0 : -ENAMETOOLONG;
}

/* The pid in a lock file: "%10d\n" (HDB UUCP), or a binary int (old UUCP, 4 bytes). > 0,
 * 0 if there is no pid in it, or -errno. */
static pid_t lock_pid(const char *path)
{
	char buf[64];
	uint64_t v = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), i = 0;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	if (n == 4) {
		int32_t bin;

		memcpy(&bin, buf, 4);
		return bin > 0 ? bin : 0;
	}
	buf[n] = 0;
	while (is_blank(buf[i]))
		i++;
	for (; is_digit(buf[i]) && v < INT_MAX; i++)
		v = v * 10 + (uint64_t)(buf[i] - '0');
	return v > 0 && v < INT_MAX ? (pid_t)v : 0;
}

static bool pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

pid_t at_lock_owner(const char *dev_path, const char *dir)
{
	char path[PATH_MAX];
	pid_t pid;
	int r = lock_name(dev_path, dir, path, sizeof(path));

	if (r)
		return r;
	pid = lock_pid(path);
	if (pid == -ENOENT || pid == 0)
		return 0;
	return pid < 0 || pid_alive(pid) ? pid : 0;
}

static int write_tmp_lock(const char *tmp)
{
	char text[16];
	size_t n = fmt_buf(text, sizeof(text), "%10d\n", (int)getpid());
	int fd, r = 0;

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n)
		r = -EIO;
	close(fd);
	if (r)
		unlink(tmp);
	return r;
}

int at_lock(const char *dev_path, const char *dir, char *lock_path, size_t cap, pid_t *owner)
{
	char tmp[PATH_MAX];
	int r = lock_name(dev_path, dir, lock_path, cap);

	*owner = 0;
	if (r)
		return r;
	if (access(dir, W_OK) < 0)
		return 1; /* no /var/lock (initramfs) or read-only: nobody can lock here */
	if (fmt_buf(tmp, sizeof(tmp), "%s/LTMP.%d", dir, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	r = write_tmp_lock(tmp);
	if (r)
		return r == -EROFS || r == -EACCES ? 1 : r;
	for (int tries = 0; tries < 3; tries++) {
		pid_t pid;

		if (link(tmp, lock_path) == 0) {
			unlink(tmp);
			return 0;
		}
		r = -errno;
		if (r != -EEXIST)
			break;
		pid = lock_pid(lock_path);
		if (pid == getpid()) {
			r = 0;
			break;
		}
		if (pid > 0 && pid_alive(pid)) {
			*owner = pid;
			r = -EBUSY;
			break;
		}
		unlink(lock_path); /* stale: its process is gone, or it holds no pid */
	}
	unlink(tmp);
	return r == -EEXIST ? -EBUSY : r;
}

void at_unlock(const char *lock_path)
{
	if (lock_path && *lock_path && lock_pid(lock_path) == getpid())
		unlink(lock_path);
}

/* ---- ports ---- */

static const struct {
	unsigned baud;
	speed_t speed;
} bauds[] = {
	{1200, B1200},	     {2400, B2400},	  {4800, B4800},       {9600, B9600},
	{19200, B19200},     {38400, B38400},	  {57600, B57600},     {115200, B115200},
	{230400, B230400},   {460800, B460800},	  {921600, B921600},   {1000000, B1000000},
	{2000000, B2000000}, {3000000, B3000000}, {4000000, B4000000},
};

static int baud_speed(unsigned baud, speed_t *speed)
{
	for (size_t i = 0; i < ARRAY_SIZE(bauds); i++) {
		if (bauds[i].baud == (baud ? baud : 115200)) {
			*speed = bauds[i].speed;
			return 0;
		}
	}
	return -EINVAL;
}

/* Raw mode as cfmakeraw() plus: no XON/XOFF, ignore modem-control lines (a DCD drop must not
 * hang us up), 8N1 at speed; then drop whatever the port had buffered before we came. */
static int tty_setup(int fd, speed_t speed)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON |
				 IXOFF | IXANY | INPCK | IMAXBEL);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB);
	t.c_cflag |= CS8 | CREAD | CLOCAL;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, speed) < 0 || cfsetospeed(&t, speed) < 0 ||
	    tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	tcflush(fd, TCIFLUSH);
	return 0;
}

static int sock_open(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	int fd, r;

	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static void port_reset(struct at_port *p)
{
	void (*on_urc)(void *, const char *, size_t) = p->parser.on_urc;
	void (*on_line)(void *, enum at_line_kind, const char *, size_t) = p->parser.on_line;
	void *arg = p->parser.arg;

	p->fd = -1;
	p->kind = AT_KIND_NONE;
	p->owner = 0;
	p->locked = false;
	p->lock_path[0] = 0;
	at_parser_init(&p->parser);
	p->parser.on_urc = on_urc;
	p->parser.on_line = on_line;
	p->parser.arg = arg;
}

static int port_lock(struct at_port *p, const char *path, const struct at_opts *o)
{
	int r;

	if (!o || !o->lock_dir)
		return 0;
	r = at_lock(path, o->lock_dir, p->lock_path, sizeof(p->lock_path), &p->owner);
	if (r == 0)
		p->locked = true;
	else
		p->lock_path[0] = 0;
	if (r == -EBUSY && o->force)
		return 0; /* opened anyway; the owner's lock stays as it is */
	return r > 0 ? 0 : r;
}

int at_open(struct at_port *p, const char *path, const struct at_opts *o)
{
	speed_t speed;
	struct stat st;
	int fd, r;

	port_reset(p);
	if (baud_speed(o ? o->baud : 0, &speed))
		return -EINVAL;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISSOCK(st.st_mode)) {
		fd = sock_open(path);
		if (fd < 0)
			return fd;
		p->fd = fd;
		p->kind = AT_KIND_SOCK;
		return 0;
	}
	if (!S_ISCHR(st.st_mode))
		return -ENODEV;
	r = port_lock(p, path, o);
	if (r)
		return r;
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		at_close(p);
		return r;
	}
	p->fd = fd;
	p->kind = isatty(fd) ? AT_KIND_TTY : AT_KIND_CHR;
	r = p->kind == AT_KIND_TTY ? tty_setup(fd, speed) : 0;
	if (r)
		at_close(p);
	return r;
}

int at_open_fd(struct at_port *p, int fd)
{
	int fl;

	port_reset(p);
	if (fd < 0)
		return -EBADF;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	p->fd = fd;
	p->kind = AT_KIND_CHR;
	return 0;
}

void at_close(struct at_port *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->locked)
		at_unlock(p->lock_path);
	p->fd = -1;
	p->kind = AT_KIND_NONE;
	p->locked = false;
	p->lock_path[0] = 0;
}

/* errno of a read/write -> -ENODEV when the device is gone (EIO: pty master closed, USB serial
 * unplugged; ENODEV/ENXIO: cdc-wdm disconnecting; EPIPE/ECONNRESET: socket peer). */
static int gone(int err)
{
	return err == EIO || err == ENODEV || err == ENXIO || err == EPIPE || err == ECONNRESET
		       ? -ENODEV
		       : -err;
}

static int write_all(struct at_port *p, const void *buf, size_t len, int64_t deadline)
{
	const char *c = buf;

	while (len) {
		ssize_t n = p->kind == AT_KIND_SOCK ? send(p->fd, c, len, MSG_NOSIGNAL)
						    : write(p->fd, c, len);
		struct pollfd pfd = {.fd = p->fd, .events = POLLOUT};

		if (n > 0) {
			c += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return gone(errno);
		if (!ms_left(deadline))
			return -ETIMEDOUT;
		if (poll(&pfd, 1, ms_left(deadline)) < 0 && errno != EINTR)
			return -errno;
	}
	return 0;
}

int at_write(struct at_port *p, const void *buf, size_t len, int timeout_ms)
{
	if (p->fd < 0)
		return -EBADF;
	return write_all(p, buf, len, now_ms() + MAX(timeout_ms, 0));
}

/* One read into the parser. 1 = the pending command completed, 0 = not yet / nothing there,
 * -ENODEV gone, -errno. */
static int port_read(struct at_port *p)
{
	char buf[512];
	ssize_t n = read(p->fd, buf, sizeof(buf));

	if (n > 0)
		return at_parser_feed(&p->parser, buf, (size_t)n);
	if (n == 0)
		return -ENODEV; /* EOF: socket peer closed, tty hung up */
	return errno == EAGAIN || errno == EINTR ? 0 : gone(errno);
}

/* Wait for input until the command completes (until_final) or the deadline passes. */
static int port_wait(struct at_port *p, int64_t deadline, bool until_final)
{
	for (;;) {
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		int wait = ms_left(deadline), r;

		r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0) {
			r = port_read(p);
			if (r < 0)
				return r;
			if (r == 1 && until_final)
				return 1;
			if (!r && (pfd.revents & (POLLHUP | POLLERR)) && !(pfd.revents & POLLIN))
				return -ENODEV;
		}
		if (!wait)
			return 0;
	}
}

int at_cmd(struct at_port *p, const char *cmd, int timeout_ms, struct at_resp *r)
{
	int64_t deadline = now_ms() + MAX(timeout_ms, 0);
	char buf[AT_CMD_MAX + 1];
	size_t len = strlen(cmd);
	int ret;

	if (p->fd < 0)
		return -EBADF;
	if (len + 1 > AT_CMD_MAX || memchr(cmd, '\r', len))
		return -EMSGSIZE;
	memcpy(buf, cmd, len);
	buf[len++] = '\r'; /* V.250 5.2.1: S3, the command line termination character */
	at_parser_begin(&p->parser, cmd, r);
	/* One write: a cdc-wdm device sends each write as one encapsulated command. */
	ret = write_all(p, buf, len, deadline);
	if (!ret)
		ret = port_wait(p, deadline, true);
	p->parser.pending = false; /* whatever comes later is unsolicited */
	if (ret < 0)
		return ret;
	if (ret == 0)
		return -ETIMEDOUT;
	return p->parser.result == AT_RES_OK || p->parser.result == AT_RES_CONNECT ? 0 : -EREMOTEIO;
}

int at_listen(struct at_port *p, int timeout_ms)
{
	int r;

	if (p->fd < 0)
		return -EBADF;
	r = port_wait(p, now_ms() + MAX(timeout_ms, 0), false);
	return r < 0 ? r : 0;
}

int at_probe(struct at_port *ports, const char *const *paths, int *result, int n,
	     const struct at_opts *o, int timeout_ms)
{
	int64_t deadline = now_ms() + MAX(timeout_ms, 0);
	struct pollfd pfd[AT_PROBE_MAX];
	int answered = 0, waiting = 0;

	n = MIN(n, AT_PROBE_MAX);
	for (int i = 0; i < n; i++) {
		struct at_opts lo = o ? *o : (struct at_opts){0};

		ports[i].parser.on_urc = NULL;
		ports[i].parser.on_line = NULL;
		lo.force = false; /* a probe never touches a port someone else holds */
		result[i] = at_open(&ports[i], paths[i], &lo);
		if (result[i] == 0) {
			at_parser_begin(&ports[i].parser, "AT", NULL);
			if (write_all(&ports[i], "AT\r", 3, deadline) < 0)
				at_close(&ports[i]);
		}
		waiting += ports[i].fd >= 0;
	}
	while (waiting && ms_left(deadline)) {
		for (int i = 0; i < n; i++) {
			pfd[i].fd = ports[i].parser.pending ? ports[i].fd : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)n, ms_left(deadline)) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (port_read(&ports[i]) != 0 || (pfd[i].revents & POLLIN) == 0) {
				ports[i].parser.pending = false;
				waiting--;
				result[i] = ports[i].parser.result == AT_RES_OK;
				answered += result[i];
			}
		}
	}
	for (int i = 0; i < n; i++)
		at_close(&ports[i]);
	return answered;
}
