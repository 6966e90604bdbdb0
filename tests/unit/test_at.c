/* test_at.c - the AT core: every response of ../shared/vectors/at_vectors.txt through the line
 * parser and the value parsers with the expected values (a missing file is a FAIL), final
 * result codes, URC separation, echo, limits, redaction, fields, UUCP locks, and real I/O on
 * ptys, a socketpair (a char device without termios, like cdc-wdm) and a unix socket.
 *
 * at_vectors.txt records differ from the byte-vector files of vectors.h: "[Axx] title" then
 * indented "src:", "cmd:", "c:", "json:" (the response as a JSON string) and "expect:" lines,
 * so this file has its own small loader.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "wwanbox.h"
#include "at.h"
#include "addr.h"
#include "t.h"

/* ---- the vector file ---- */

#define MAX_VECS 100

struct atv {
	char id[8];
	char cmd[64];
	char text[1400];
	size_t len;
	char c_text[1400];
	size_t c_len;
	char expect[512];
};

static struct atv vecs[MAX_VECS];
static int nvecs;
static const struct atv *cur;

/* A quoted string with \r \n \t \" \\ escapes (both the c: and json: forms use only these). */
static size_t unquote(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	const char *end = strrchr(s, '"');

	if (*s != '"' || !end || end == s)
		return 0;
	for (s++; s < end && n + 1 < cap; s++) {
		char c = *s;

		if (c == '\\' && s + 1 < end) {
			c = *++s;
			c = c == 'r' ? '\r' : c == 'n' ? '\n' : c == 't' ? '\t' : c;
		}
		out[n++] = c;
	}
	out[n] = 0;
	return n;
}

static int load_vectors(void)
{
	const char *path = getenv("AT_VECTORS");
	char line[4096];
	struct atv *v = NULL;
	FILE *f;

	if (!path)
		path = "../shared/vectors/at_vectors.txt";
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s (run from the repo root, or set AT_VECTORS)\n",
			path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == '[') {
			if (nvecs == MAX_VECS)
				break;
			v = &vecs[nvecs++];
			memset(v, 0, sizeof(*v));
			snprintf(v->id, sizeof(v->id), "%.*s", (int)strcspn(line + 1, "]"),
				 line + 1);
			continue;
		}
		if (!v)
			continue;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "cmd:", 4))
			snprintf(v->cmd, sizeof(v->cmd), "%s", p + 4 + strspn(p + 4, " "));
		else if (!strncmp(p, "json:", 5))
			v->len = unquote(p + 5 + strspn(p + 5, " "), v->text, sizeof(v->text));
		else if (!strncmp(p, "c:", 2))
			v->c_len =
				unquote(p + 2 + strspn(p + 2, " "), v->c_text, sizeof(v->c_text));
		else if (!strncmp(p, "expect:", 7))
			snprintf(v->expect, sizeof(v->expect), "%s", p + 7 + strspn(p + 7, " "));
	}
	fclose(f);
	return nvecs;
}

/* ---- the response as the parser sees it ---- */

#define MAX_EV 32

struct run {
	struct at_parser p;
	struct at_resp r;
	int done;
	int nurc, necho;
	char urc[MAX_EV][AT_LINE_MAX];
};

static void on_urc(void *arg, const char *line, size_t len)
{
	struct run *run = arg;

	if (run->nurc < MAX_EV)
		snprintf(run->urc[run->nurc++], AT_LINE_MAX, "%.*s", (int)len, line);
}

static void on_line(void *arg, enum at_line_kind kind, const char *line, size_t len)
{
	struct run *run = arg;

	(void)line;
	(void)len;
	if (kind == AT_LINE_ECHO)
		run->necho++;
}

/* The command a vector's response answers: "(unsolicited URC)" none, "(any)" plain AT. */
static const char *vec_cmd(const struct atv *v)
{
	if (!strcmp(v->cmd, "(unsolicited URC)"))
		return NULL;
	if (!strcmp(v->cmd, "(any)"))
		return "AT";
	if (!strcmp(v->cmd, "(echo)"))
		return "echo echo";
	return v->cmd;
}

/* Feed the vector with its command pending. The vectors are cut from ModemManager's tests
 * without the line end a modem always sends; append CR LF so the last line completes. */
static void run_vector(struct run *run, const struct atv *v, bool terminate)
{
	const char *cmd = vec_cmd(v);

	memset(run, 0, sizeof(*run));
	at_parser_init(&run->p);
	run->p.on_urc = on_urc;
	run->p.on_line = on_line;
	run->p.arg = run;
	if (cmd)
		at_parser_begin(&run->p, cmd, &run->r);
	run->done = at_parser_feed(&run->p, v->text, v->len);
	if (terminate && v->len && v->text[v->len - 1] != '\n')
		run->done |= at_parser_feed(&run->p, "\r\n", 2);
}

/* The first line the vector is about: its first info line, or its first URC. */
static const char *first_line(const struct run *run)
{
	if (run->r.nlines)
		return at_resp_line(&run->r, 0);
	return run->nurc ? run->urc[0] : "";
}

/* ---- registration: expected values read from the vector's own expect: line ---- */

static const char *expect_val(const char *key, char *buf, size_t cap)
{
	const char *p = strstr(cur->expect, key);

	if (!p)
		return NULL;
	p += strlen(key);
	snprintf(buf, cap, "%.*s", (int)strcspn(p, " "), p);
	return buf;
}

static void check_reg(void)
{
	char buf[64], a[64], st[64], lac[32], ci[32];
	bool solicited = vec_cmd(cur) != NULL;
	struct run run;
	struct at_reg r;

	run_vector(&run, cur, true);
	/* A solicited registration answer is the command's info text; an unsolicited one a URC */
	CHECK_EQ(solicited ? run.r.nlines : (unsigned)run.nurc, solicited ? 1 : run.nurc);
	CHECK(solicited ? run.nurc == 0 : run.r.nlines == 0 && run.nurc >= 1);
	CHECK_EQ(at_parse_reg(first_line(&run), strlen(first_line(&run)), solicited, &r), 0);
	CHECK_STR(at_reg_state_name(r.state), expect_val("state=", st, sizeof(st)));
	CHECK_EQ(r.lac, strtoul(expect_val("lac/tac=", lac, sizeof(lac)), NULL, 16));
	CHECK_EQ(r.ci, strtoul(expect_val("ci=", ci, sizeof(ci)), NULL, 16));
	CHECK_STR(at_act_name(r.act), expect_val("act=", a, sizeof(a)));
	CHECK_STR(at_reg_domain_name(r.domain), expect_val("domain=", buf, sizeof(buf)));
	if (!strcmp(cur->id, "A12")) { /* two URCs in one buffer: the second is +CGREG: 0 */
		CHECK_EQ(run.nurc, 2);
		CHECK_EQ(at_parse_reg(run.urc[1], strlen(run.urc[1]), false, &r), 0);
		CHECK_EQ(r.domain, AT_CGREG);
		CHECK_EQ(r.state, AT_REG_IDLE);
	}
	if (!strcmp(cur->id, "A11")) /* Samsung repeats <n> in its URC */
		CHECK_EQ(r.n, 2);
}

/* ---- operators ---- */

struct net {
	int stat;
	const char *l, *s, *num;
	int act;
};

static void check_cops_list(const struct net *want, int n, bool ucs2)
{
	struct run run;
	struct at_oper o;
	size_t pos = 0;
	const char *line;
	int i = 0;

	run_vector(&run, cur, true);
	CHECK_EQ(run.r.nlines, 1);
	line = first_line(&run);
	while (at_parse_cops_list(line, strlen(line), &pos, ucs2, &o) == 1) {
		if (i < n) {
			CHECK_EQ(o.stat, want[i].stat);
			CHECK_STR(o.name_long, want[i].l);
			CHECK_STR(o.name_short, want[i].s);
			CHECK_STR(o.numeric, want[i].num);
			CHECK_EQ(o.act, want[i].act);
		}
		i++;
	}
	CHECK_EQ(i, n);
}

static void check_cops(void)
{
	static const struct net a20[] = {
		{2, "", "T-Mobile", "31026", 0},
		{2, "T - Mobile", "T - Mobile", "310260", 2}, /* AcT after the stray ')' */
		{1, "AT&T", "AT&T", "310410", 0},
	};
	static const struct net a21[] = {
		{2, "T-Mobile", "T-Mobile", "31026", 0},
		{1, "AT&T", "AT&T", "310410", 2},
		{1, "AT&T", "AT&T", "310410", 0},
	};
	static const struct net a22[] = {
		{1, "T-Mobile USA, In", "T-Mobile", "310260", 0},
		{1, "AT&T", "AT&T", "310410", 0},
	};
	/* no AcT given: AT_UNKNOWN (ModemManager then assumes gsm) */
	static const struct net a23[] = {
		{2, "blau", "", "26203", AT_UNKNOWN}, {2, "blau", "", "26203", AT_UNKNOWN},
		{3, "", "", "26201", AT_UNKNOWN},     {3, "", "", "26202", AT_UNKNOWN},
		{3, "", "", "26207", AT_UNKNOWN},     {3, "", "", "26201", AT_UNKNOWN},
		{3, "", "", "26207", AT_UNKNOWN},
	};
	static const struct net a24[] = {
		{1, "Telekom.de", "TDG", "26201", 12},
		{1, "Telekom.de", "Telekom.", "26201", 7},
		{1, "o2 - de", "o2 - de", "26203", 7},
		{1, "vodafone.de", "Vodafone", "26202", 7},
	};
	static const struct net a25[] = {
		{2, "Movistar", "Movistar", "21407", 7},   {1, "YOIGO", "YOIGO", "21404", 7},
		{1, "vodafone ES", "voda ES", "21401", 7}, {1, "Orange SP", "ESPRT", "21403", 0},
		{1, "vodafone ES", "voda ES", "21401", 0}, {1, "Orange SP", "ESPRT", "21403", 7},
	};
	struct run run;
	struct at_oper o;

	if (!strcmp(cur->id, "A20"))
		check_cops_list(a20, 3, false);
	else if (!strcmp(cur->id, "A21"))
		check_cops_list(a21, 3, false);
	else if (!strcmp(cur->id, "A22"))
		check_cops_list(a22, 2, false);
	else if (!strcmp(cur->id, "A23"))
		check_cops_list(a23, 7, false);
	else if (!strcmp(cur->id, "A24")) {
		check_cops_list(a24, 4, false);
		CHECK_STR(at_act_name(12), "5gnr");
		CHECK_STR(at_act_name(7), "lte");
	} else if (!strcmp(cur->id, "A25"))
		check_cops_list(a25, 6, true);
	else {
		run_vector(&run, cur, true);
		CHECK_EQ(at_parse_cops(first_line(&run), strlen(first_line(&run)), &o), 0);
		CHECK_EQ(o.mode, 1);
		if (!strcmp(cur->id, "A26")) {
			CHECK_EQ(o.format, 0);
			CHECK_STR(o.name_long, "CHINA MOBILE");
			CHECK_STR(at_act_name(o.act), "lte");
		} else {
			CHECK_EQ(o.format, 2);
			CHECK_STR(o.numeric, "46000");
			CHECK_EQ(o.act, AT_UNKNOWN);
		}
	}
}

static void check_cpin(void)
{
	struct run run;
	enum at_sim_lock lock;
	char want[32];

	run_vector(&run, cur, true);
	if (!strcmp(cur->id, "A31")) { /* +CME ERROR: 100 is the final result, no +CPIN line */
		CHECK_EQ(run.done, 1);
		CHECK_EQ(run.r.result, AT_RES_CME_ERROR);
		CHECK_EQ(run.r.code, 100);
		CHECK_STR(at_cme_text(100), "unknown");
		CHECK_EQ(run.r.nlines, 0);
		CHECK(at_parse_cpin(run.r.final, strlen(run.r.final), &lock) < 0);
		return;
	}
	CHECK_EQ(at_parse_cpin(first_line(&run), strlen(first_line(&run)), &lock), 0);
	CHECK_STR(at_sim_lock_name(lock), expect_val("lock=", want, sizeof(want)));
}

/* ---- PDP contexts ---- */

static void field(const char *line, const char *pfx, unsigned n, struct at_field *f)
{
	memset(f, 0, sizeof(*f));
	CHECK_EQ(at_tok_field(line, strlen(line), pfx, n, f), 1);
}

static bool fis(const struct at_field *f, const char *s)
{
	return f->len == strlen(s) && !memcmp(f->s, s, f->len);
}

static void check_cgdcont(void)
{
	static const char *const types[] = {"IP", "PPP", "IPV6"};
	static const char *const apns[] = {"nate.sktelecom.com", "epc.tmobile.com", "MAXROAM.com"};
	struct at_field f;
	struct run run;
	uint32_t lo, hi;

	run_vector(&run, cur, true);
	if (!strcmp(cur->id, "A32") || !strcmp(cur->id, "A33")) {
		unsigned n = !strcmp(cur->id, "A32") ? 3 : 1;

		CHECK_EQ(run.r.nlines, n);
		for (unsigned i = 0; i < run.r.nlines && i < n; i++) {
			field(at_resp_line(&run.r, i), "+CGDCONT", 0, &f);
			CHECK(f.group);
			CHECK_EQ(at_field_range(&f, &lo, &hi), 0);
			CHECK_EQ(lo, 1);
			CHECK_EQ(hi, n == 3 ? 16 : 17);
			field(at_resp_line(&run.r, i), "+CGDCONT", 1, &f);
			CHECK(f.quoted && fis(&f, types[i]));
		}
		return;
	}
	CHECK_EQ(run.r.nlines, !strcmp(cur->id, "A34") ? 3 : 1);
	for (unsigned i = 0; i < run.r.nlines; i++) {
		uint32_t cid;

		field(at_resp_line(&run.r, i), "+CGDCONT", 0, &f);
		CHECK(at_field_uint(&f, 10, &cid) == 0 && cid == i + 1);
		field(at_resp_line(&run.r, i), "+CGDCONT", 1, &f);
		CHECK(fis(&f, "IP"));
		field(at_resp_line(&run.r, i), "+CGDCONT", 2, &f);
		CHECK(fis(&f, !strcmp(cur->id, "A35") ? "" : apns[i]));
	}
}

static void check_cgact(void)
{
	static const uint32_t want[3][2] = {{1, 0}, {4, 1}, {5, 0}};
	struct at_field f;
	struct run run;
	uint32_t v;

	run_vector(&run, cur, true);
	CHECK_EQ(run.r.nlines, 3);
	for (unsigned i = 0; i < 3 && i < run.r.nlines; i++)
		for (unsigned k = 0; k < 2; k++) {
			field(at_resp_line(&run.r, i), "+CGACT", k, &f);
			CHECK(at_field_uint(&f, 10, &v) == 0 && v == want[i][k]);
		}
}

static void check_addr(const struct at_addr *a, const char *want)
{
	char text[ADDR_IP6_STRLEN];

	if (!want) {
		CHECK_EQ(a->family, 0);
		return;
	}
	if (a->family == 4)
		fmt_ip4(text, a->addr);
	else if (a->family == 6)
		fmt_ip6(text, a->addr);
	else
		text[0] = 0;
	CHECK_STR(text, want);
}

static void check_cgcontrdp(void)
{
	static const struct {
		const char *id;
		int cid, bearer;
		const char *apn, *addr;
		int prefix; /* -1: no mask */
		const char *gw, *dns1, *dns2;
	} want[] = {
		{"A37", 4, 5, "ibox.tim.it.mnc001.mcc222.gprs", "2.197.17.49", 32, "2.197.17.49",
		 "10.207.43.46", "10.206.56.132"},
		{"A38", 4, 5, "ibox.tim.it.mnc001.mcc222.gprs", "2.197.17.49", 32, "2.197.17.49",
		 "10.207.43.46", "10.206.56.132"},
		{"A39", 1, 5, "internetipv6.mnc003.mcc260.gprs", "fe80::25:5888:f801", -1, NULL,
		 "2a01:1700:2:ffff::9f01", "2a01:1700:3:ffff::9822"},
		{"A40", 2, 6, "fast.t-mobile.com", "2607:fb90:9a25:c078:ac39:bd11:b0ab:8af5", -1,
		 NULL, "fd00:976a::9", "fd00:976a::10"},
		{"A41", 1, 0, "fast.t-mobile.com", "2607:fb90:b59a:2c1:ad3:1b57:4fd4:21f4", -1,
		 "fe80::b46d:57ff:fe45:4545", "fd00:976a::9", "fd00:976a::10"},
	};
	struct at_cgcontrdp c;
	struct run run;

	run_vector(&run, cur, true);
	CHECK_EQ(run.r.nlines, 1);
	CHECK_EQ(at_parse_cgcontrdp(first_line(&run), strlen(first_line(&run)), &c), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		if (strcmp(want[i].id, cur->id))
			continue;
		CHECK_EQ(c.cid, want[i].cid);
		CHECK_EQ(c.bearer, want[i].bearer);
		CHECK_STR(c.apn, want[i].apn);
		check_addr(&c.addr, want[i].addr);
		CHECK_EQ(c.addr.has_mask, want[i].prefix >= 0);
		if (want[i].prefix >= 0)
			CHECK_EQ(at_mask_prefix(c.addr.mask, 4), want[i].prefix);
		check_addr(&c.gw, want[i].gw);
		check_addr(&c.dns1, want[i].dns1);
		check_addr(&c.dns2, want[i].dns2);
	}
}

static void check_cesq(void)
{
	struct at_cesq q;
	struct run run;

	run_vector(&run, cur, true);
	CHECK_EQ(at_parse_cesq(first_line(&run), strlen(first_line(&run)), &q), 0);
	if (!strcmp(cur->id, "A42")) { /* rsrq 20 -> -10.0 dB, rsrp 80 -> -61 dBm, LTE only */
		CHECK_EQ(q.rxlev, AT_UNKNOWN);
		CHECK_EQ(q.ber, AT_UNKNOWN);
		CHECK_EQ(q.rscp, AT_UNKNOWN);
		CHECK_EQ(q.ecno, AT_UNKNOWN);
		CHECK_EQ(q.rsrq, 20);
		CHECK_EQ(q.rsrq_db10, -100);
		CHECK_EQ(q.rsrp, 80);
		CHECK_EQ(q.rsrp_dbm10, -610);
	} else { /* rxlev 10 -> -101 dBm, ber 6, GSM only */
		CHECK_EQ(q.rxlev, 10);
		CHECK_EQ(q.rssi_dbm10, -1010);
		CHECK_EQ(q.ber, 6);
		CHECK_EQ(q.rsrq, AT_UNKNOWN);
		CHECK_EQ(q.rsrp, AT_UNKNOWN);
		CHECK_EQ(q.rsrp_dbm10, AT_UNKNOWN);
	}
}

/* Fields of line (after pfx) as "a|b|c" with quotes/parens removed. */
static void joined(const char *line, const char *pfx, char *out, size_t cap)
{
	struct at_tok t;
	struct at_field f;
	size_t n = 0;

	out[0] = 0;
	CHECK_EQ(at_tok_init(&t, line, strlen(line), pfx), 0);
	while (at_tok_next(&t, &f) == 1 && n < cap)
		n += (size_t)snprintf(out + n, cap - n, "%s%.*s", n ? "|" : "", (int)f.len, f.s);
}

/* Vendor lines: ModemManager's plugin parsers split these into the fields checked here. */
static void check_fields(void)
{
	static const struct {
		const char *id, *pfx, *line0, *line1;
	} want[] = {
		{"A44", "+CFUN", "19|0", NULL},
		{"A45", "^SYSINFO", "2|4|5|3|1||6", NULL},
		{"A46", "^SYSINFO", "2|4|5|3|1|0|6", NULL},
		{"A47", "^SYSINFOEX", "2|4|5|1||3|WCDMA|41|HSPA+", NULL},
		{"A48", "^NDISSTATQRY", "1|||IPV4|0|||IPV6", NULL},
		{"A49", "^NDISSTAT", "0|||IPV4", NULL},
		{"A51", "^HCSQ", "LTE|30|19|66|0", NULL},
		{"A52", "^HCSQ", "NOSERVICE", NULL},
		{"A53", "!SCACT", "1|0", NULL},
		{"A54", "#QSS", "0|3", NULL},
		{"A55", "#QSS", "0|5", NULL},
		{"A56", "^SWWAN", "2|1|3", "3|1|1"},
		{"A57", "+UIPADDR", "1|ccinet0|5.168.120.13|255.255.255.0||", NULL},
		{"A58", "+CTZU", "0,1,3", NULL},
	};
	char got[256];
	struct run run;

	run_vector(&run, cur, true);
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		if (strcmp(want[i].id, cur->id))
			continue;
		if (!strcmp(cur->id, "A49")) /* a URC: nothing was pending */
			CHECK(run.nurc == 1 && run.r.nlines == 0);
		else
			CHECK_EQ(run.r.nlines, want[i].line1 ? 2 : 1);
		joined(first_line(&run), want[i].pfx, got, sizeof(got));
		CHECK_STR(got, want[i].line0);
		if (want[i].line1 && run.r.nlines > 1) {
			joined(at_resp_line(&run.r, 1), want[i].pfx, got, sizeof(got));
			CHECK_STR(got, want[i].line1);
		}
	}
	if (!strcmp(cur->id, "A55")) { /* Telit #QSS <status> is 0..3; 5 is the error case */
		struct at_field f;
		uint32_t v;

		field(first_line(&run), "#QSS", 1, &f);
		CHECK(at_field_uint(&f, 10, &v) == 0 && v > 3);
	}
	if (!strcmp(cur->id, "A58")) { /* a group: the supported values inside */
		struct at_field f;

		field(first_line(&run), "+CTZU", 0, &f);
		CHECK(f.group);
		joined(f.s, NULL, got, MIN(sizeof(got), f.len + 1));
		CHECK_STR(got, "0|1|3");
	}
	if (!strcmp(cur->id, "A57")) {
		struct at_field f;
		struct at_addr a, m;

		field(first_line(&run), "+UIPADDR", 2, &f);
		CHECK_EQ(at_parse_addr(f.s, f.len, &a), 0);
		check_addr(&a, "5.168.120.13");
		field(first_line(&run), "+UIPADDR", 3, &f);
		CHECK_EQ(at_parse_addr(f.s, f.len, &m), 0);
		CHECK_EQ(at_mask_prefix(m.addr, 4), 24);
	}
}

static void check_dhcp(void)
{
	static const char *const want[] = {"10.8.219.204",   NULL,
					   "10.8.219.201",   "10.8.219.201",
					   "192.89.123.230", "192.89.123.231"};
	char text[ADDR_IP4_STRLEN];
	struct at_field f;
	struct run run;
	uint8_t a[4];
	uint32_t v;

	run_vector(&run, cur, true);
	CHECK_EQ(run.r.nlines, 1);
	for (unsigned i = 0; i < 6; i++) {
		field(first_line(&run), "^DHCP", i, &f);
		CHECK_EQ(at_parse_hex_ip4(f.s, f.len, a), 0);
		if (want[i]) {
			fmt_ip4(text, a);
			CHECK_STR(text, want[i]);
		} else {
			CHECK_EQ(at_mask_prefix(a, 4), 29); /* F8FFFFFF = 255.255.255.248 */
		}
	}
	for (unsigned i = 6; i < 8; i++) {
		field(first_line(&run), "^DHCP", i, &f);
		CHECK(at_field_uint(&f, 10, &v) == 0 && v == 85600);
	}
}

/* AT framing vectors of test-at-serial-port.c. */
static void check_framing(void)
{
	struct run run;

	if (!strcmp(cur->id, "A59")) {
		run_vector(&run, cur, false);
		CHECK_EQ(run.done, 1);
		CHECK_EQ(run.r.result, AT_RES_OK);
		CHECK_EQ(run.nurc, 1); /* the +CMTI after OK goes to the URC path */
		CHECK_STR(run.urc[0], "+CMTI: \"ME\",1");
	} else if (!strcmp(cur->id, "A60")) {
		run_vector(&run, cur, false);
		CHECK_EQ(run.r.result, AT_RES_CME_ERROR);
		CHECK_EQ(run.r.code, 123);
		CHECK_STR(run.r.final, "+CME ERROR: 123");
	} else if (!strcmp(cur->id, "A61")) {
		run_vector(&run, cur, false);
		CHECK_EQ(run.r.result, AT_RES_NO_CARRIER);
		CHECK_STR(at_result_name(run.r.result), "NO CARRIER");
	} else { /* A62: echo removed; the unterminated last line waits for its line end */
		run_vector(&run, cur, false);
		CHECK_EQ(run.necho, 1);
		CHECK_EQ(run.r.nlines, 1);
		CHECK_STR(at_resp_line(&run.r, 0), "this is valid");
		at_parser_feed(&run.p, "\r\n", 2);
		CHECK_EQ(run.r.nlines, 2);
		CHECK_STR(at_resp_line(&run.r, 1), "and so is this");
		CHECK_EQ(run.done, 0);
	}
}

static const struct {
	const char *first, *last;
	void (*fn)(void);
} checkers[] = {
	{"A01", "A19", check_reg},     {"A20", "A27", check_cops},
	{"A28", "A31", check_cpin},    {"A32", "A35", check_cgdcont},
	{"A36", "A36", check_cgact},   {"A37", "A41", check_cgcontrdp},
	{"A42", "A43", check_cesq},    {"A44", "A49", check_fields},
	{"A50", "A50", check_dhcp},    {"A51", "A58", check_fields},
	{"A59", "A62", check_framing},
};

static void test_vector_file(void)
{
	CHECK(nvecs >= 62);
	for (int i = 0; i < nvecs; i++) {
		/* the C literal and the JSON string are the same bytes */
		CHECK_EQ(vecs[i].len, vecs[i].c_len);
		CHECK(!memcmp(vecs[i].text, vecs[i].c_text, vecs[i].len));
		CHECK(vecs[i].len > 0);
	}
}

static void run_vectors(void)
{
	for (int i = 0; i < nvecs; i++) {
		char name[64];
		void (*fn)(void) = NULL;

		cur = &vecs[i];
		for (unsigned k = 0; k < ARRAY_SIZE(checkers); k++)
			if (strcmp(cur->id, checkers[k].first) >= 0 &&
			    strcmp(cur->id, checkers[k].last) <= 0)
				fn = checkers[k].fn;
		snprintf(name, sizeof(name), "vector_%.8s", cur->id);
		if (!fn) { /* a vector nobody checks is a failure: add a checker for it */
			printf("FAIL %s: no checker\n", name);
			t_failures++;
			continue;
		}
		t_run(name, fn);
	}
}

/* ---- final results, URCs, echo ---- */

static void test_final(void)
{
	int code;

	CHECK_EQ(at_final("OK", 2, NULL), AT_RES_OK);
	CHECK_EQ(at_final("OK  ", 4, NULL), AT_RES_OK);
	CHECK_EQ(at_final("OKAY", 4, NULL), AT_RES_NONE);
	CHECK_EQ(at_final("ERROR", 5, NULL), AT_RES_ERROR);
	CHECK_EQ(at_final("CONNECT", 7, NULL), AT_RES_CONNECT);
	CHECK_EQ(at_final("CONNECT 150000000", 17, NULL), AT_RES_CONNECT);
	CHECK_EQ(at_final("CONNECTED", 9, NULL), AT_RES_NONE);
	CHECK_EQ(at_final("NO DIALTONE", 11, NULL), AT_RES_NO_DIALTONE);
	CHECK_EQ(at_final("BUSY", 4, NULL), AT_RES_BUSY);
	CHECK_EQ(at_final("NO ANSWER", 9, NULL), AT_RES_NO_ANSWER);
	CHECK_EQ(at_final("COMMAND NOT SUPPORT", 19, NULL), AT_RES_ERROR);
	CHECK_EQ(at_final("+CME ERROR: 10", 14, &code), AT_RES_CME_ERROR);
	CHECK_EQ(code, 10);
	CHECK_EQ(at_final("+CME ERROR: SIM not inserted", 28, &code), AT_RES_CME_ERROR);
	CHECK_EQ(code, -1); /* AT+CMEE=2: text, no number */
	CHECK_EQ(at_final("+CME ERROR:", 11, &code), AT_RES_CME_ERROR);
	CHECK_EQ(code, -1);
	CHECK_EQ(at_final("+CMS ERROR: 310", 15, &code), AT_RES_CMS_ERROR);
	CHECK_EQ(code, 310);
	CHECK_EQ(at_final("+CME ERROR: 99999999999", 23, &code), AT_RES_CME_ERROR);
	CHECK_EQ(code, -1);
	CHECK_EQ(at_final("", 0, NULL), AT_RES_NONE);
	CHECK_STR(at_cme_text(10), "SIM not inserted");
	CHECK_STR(at_cme_text(133), "requested service option not subscribed");
	CHECK_STR(at_cme_text(127), "missing or unknown APN");
	CHECK(at_cme_text(999) == NULL && at_cme_text(-1) == NULL);
	CHECK_STR(at_cms_text(310), "SIM not inserted");
	CHECK(at_cms_text(10) == NULL);
}

static void test_classify(void)
{
	struct at_parser p;

	at_parser_init(&p);
	CHECK_EQ(at_parser_classify(&p, "+CREG: 1", 8), AT_LINE_URC); /* nothing pending */
	CHECK_EQ(at_parser_classify(&p, "Quectel", 7), AT_LINE_URC);
	at_parser_begin(&p, "AT+CREG?", NULL);
	CHECK_EQ(at_parser_classify(&p, "AT+CREG?", 8), AT_LINE_ECHO);
	CHECK_EQ(at_parser_classify(&p, "at+creg?", 8), AT_LINE_ECHO);
	CHECK_EQ(at_parser_classify(&p, "+CREG: 2,1", 10), AT_LINE_INFO);
	CHECK_EQ(at_parser_classify(&p, "+CGREG: 1", 9), AT_LINE_URC);
	CHECK_EQ(at_parser_classify(&p, "+CREGX: 1", 9), AT_LINE_INFO); /* unknown line */
	CHECK_EQ(at_parser_classify(&p, "RING", 4), AT_LINE_URC);
	CHECK_EQ(at_parser_classify(&p, "+QIND: \"csq\",20,99", 19), AT_LINE_URC);
	CHECK_EQ(at_parser_classify(&p, "^MODE: 5,4", 10), AT_LINE_URC);
	CHECK_EQ(at_parser_classify(&p, "OK", 2), AT_LINE_FINAL);
	at_parser_begin(&p, "ATI", NULL);
	CHECK_EQ(at_parser_classify(&p, "Quectel", 7), AT_LINE_INFO);
	at_parser_begin(&p, "AT+CPIN?", NULL); /* +CPIN: is a URC, except as the answer */
	CHECK_EQ(at_parser_classify(&p, "+CPIN: READY", 12), AT_LINE_INFO);
	at_parser_begin(&p, "AT+COPS?", NULL);
	CHECK_EQ(at_parser_classify(&p, "+CPIN: READY", 12), AT_LINE_URC);
	CHECK(at_is_urc("+CEREG: 1", 9) && at_is_urc("RDY", 3) && !at_is_urc("RINGO", 5));
}

static void test_parser_sequence(void)
{
	/* echo, a URC before the answer, info, a URC after the final result */
	static const char in[] =
		"AT+CSQ\r\r\n+CREG: 5\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n\r\nRING\r\n";
	struct run a, b;
	struct atv v = {.cmd = "AT+CSQ"};

	memcpy(v.text, in, sizeof(in) - 1);
	v.len = sizeof(in) - 1;
	run_vector(&a, &v, false);
	CHECK_EQ(a.done, 1);
	CHECK_EQ(a.necho, 1);
	CHECK_EQ(a.r.result, AT_RES_OK);
	CHECK_EQ(a.r.nlines, 1);
	CHECK_STR(at_resp_line(&a.r, 0), "+CSQ: 20,99");
	CHECK_EQ(a.nurc, 2);
	CHECK_STR(a.urc[0], "+CREG: 5");
	CHECK_STR(a.urc[1], "RING");
	/* byte by byte: the same result */
	memset(&b, 0, sizeof(b));
	at_parser_init(&b.p);
	b.p.on_urc = on_urc;
	b.p.arg = &b;
	at_parser_begin(&b.p, "AT+CSQ", &b.r);
	for (size_t i = 0; i < v.len; i++)
		b.done |= at_parser_feed(&b.p, v.text + i, 1);
	CHECK_EQ(b.done, 1);
	CHECK_EQ(b.nurc, 2);
	CHECK_STR(at_resp_line(&b.r, 0), "+CSQ: 20,99");
	/* an echo that is not the first line is text: "AT+CSQ" answered by info "AT+CSQ" */
	at_parser_begin(&b.p, "AT+CSQ", &b.r);
	at_parser_feed(&b.p, "+CSQ: 1,1\r\nAT+CSQ\r\nOK\r\n", 23);
	CHECK_EQ(b.r.nlines, 2);
}

static void test_parser_limits(void)
{
	struct run run;
	char big[AT_LINE_MAX + 500];

	memset(&run, 0, sizeof(run));
	at_parser_init(&run.p);
	at_parser_begin(&run.p, "AT+X", &run.r);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 2] = '\r';
	big[sizeof(big) - 1] = '\n';
	at_parser_feed(&run.p, big, sizeof(big));
	CHECK_EQ(run.p.cut, 1);
	CHECK_EQ(run.r.nlines, 1);
	CHECK_EQ(strlen(at_resp_line(&run.r, 0)), AT_LINE_MAX - 1);
	for (int i = 0; i < 100; i++)
		at_parser_feed(&run.p, "line\r\n", 6);
	CHECK(run.r.truncated);
	CHECK_EQ(run.r.nlines, AT_RESP_LINES);
	CHECK_EQ(at_parser_feed(&run.p, "OK\r", 3), 1); /* still completes */
	CHECK(at_resp_line(&run.r, AT_RESP_LINES) == NULL);
	/* NUL bytes and bare LF line ends */
	at_parser_begin(&run.p, "AT", &run.r);
	at_parser_feed(&run.p, "a\0b\nOK\n", 7);
	CHECK_EQ(run.r.result, AT_RES_OK);
	CHECK_EQ(run.r.nlines, 1);
}

static void test_redact(void)
{
	char out[64];

	at_redact("AT+CPIN=\"1234\"", out, sizeof(out));
	CHECK_STR(out, "AT+CPIN=(hidden)");
	at_redact("at+cpin=1234", out, sizeof(out));
	CHECK_STR(out, "at+cpin=(hidden)");
	at_redact("AT+CPIN?", out, sizeof(out));
	CHECK_STR(out, "AT+CPIN?");
	at_redact("AT+CGAUTH=1,1,\"user\",\"secret\"", out, sizeof(out));
	CHECK_STR(out, "AT+CGAUTH=(hidden)");
	at_redact("AT^NDISDUP=1,1,\"apn\",\"u\",\"p\",2", out, sizeof(out));
	CHECK_STR(out, "AT^NDISDUP=(hidden)");
	at_redact("+CPWD=\"SC\",\"1111\",\"2222\"", out, sizeof(out));
	CHECK_STR(out, "+CPWD=(hidden)");
	CHECK(at_is_secret("AT+CLCK=\"SC\",0,\"1234\"") && !at_is_secret("AT+CSQ"));
	CHECK_EQ(at_redact("AT+CPIN=\"1234\"", out, 5), 4);
	CHECK_STR(out, "AT+C");
}

/* ---- fields and values ---- */

static void test_tokens(void)
{
	static const char line[] = "+X: 1, \"a,b\" ,(2,(3,\"4)\")),,\"\",  ";
	struct at_tok t;
	struct at_field f;

	CHECK_EQ(at_tok_init(&t, line, strlen(line), "+x"), 0);
	CHECK(at_tok_next(&t, &f) == 1 && fis(&f, "1") && !f.quoted);
	CHECK(at_tok_next(&t, &f) == 1 && fis(&f, "a,b") && f.quoted);
	CHECK(at_tok_next(&t, &f) == 1 && fis(&f, "2,(3,\"4)\")") && f.group);
	CHECK(at_tok_next(&t, &f) == 1 && f.len == 0 && !f.quoted);
	CHECK(at_tok_next(&t, &f) == 1 && f.len == 0 && f.quoted);
	CHECK(at_tok_next(&t, &f) == 1 && f.len == 0); /* trailing comma: one more empty field */
	CHECK_EQ(at_tok_next(&t, &f), 0);
	CHECK_EQ(at_tok_init(&t, "+X:", 3, "+X"), 0);
	CHECK_EQ(at_tok_next(&t, &f), 0); /* nothing after the colon: no field */
	CHECK_EQ(at_tok_init(&t, "+XY: 1", 6, "+X"), -EPROTO);
	CHECK_EQ(at_tok_init(&t, "+X 1", 4, "+X"), -EPROTO);
	CHECK_EQ(at_tok_init(&t, "+", 1, "+X"), -EPROTO);
	CHECK_EQ(at_tok_init(&t, "\"abc", 4, NULL), 0); /* unterminated quote: one raw field */
	CHECK(at_tok_next(&t, &f) == 1 && fis(&f, "\"abc") && !f.quoted);
	CHECK_EQ(at_tok_field("+X: a,b,c", 9, "+X", 2, &f), 1);
	CHECK(fis(&f, "c"));
	CHECK_EQ(at_tok_field("+X: a,b,c", 9, "+X", 3, &f), 0);
}

static void test_values(void)
{
	struct at_field f = {0};
	struct at_addr a;
	struct at_csq q;
	struct at_reg r;
	uint32_t v, lo, hi;
	uint8_t b[4];
	char u[32];

	f.s = "ffffffff", f.len = 8;
	CHECK(at_field_uint(&f, 16, &v) == 0 && v == 0xffffffff);
	f.s = "100000000", f.len = 9;
	CHECK_EQ(at_field_uint(&f, 16, &v), -ERANGE);
	f.s = "12a", f.len = 3;
	CHECK_EQ(at_field_uint(&f, 10, &v), -EINVAL);
	f.s = "", f.len = 0;
	CHECK_EQ(at_field_uint(&f, 10, &v), -EINVAL);
	f.s = "5-3", f.len = 3;
	CHECK_EQ(at_field_range(&f, &lo, &hi), -EINVAL);
	f.s = "0,1,3", f.len = 5;
	CHECK(at_field_range(&f, &lo, &hi) == 0 && lo == 0 && hi == 0);
	CHECK_EQ(at_parse_addr("1.2.3", 5, &a), -EINVAL);
	CHECK_EQ(at_parse_addr("256.1.1.1", 9, &a), -EINVAL);
	CHECK_EQ(at_parse_addr("1.2.3.4.", 8, &a), -EINVAL);
	CHECK_EQ(at_parse_addr("1.2..4", 6, &a), -EINVAL);
	CHECK_EQ(at_parse_addr("1234.2.3.4", 10, &a), -EINVAL);
	CHECK_EQ(at_parse_addr("", 0, &a), -EINVAL);
	CHECK_EQ(at_parse_addr("::1%eth0", 8, &a), -EINVAL);
	CHECK(at_parse_addr("010.000.000.001", 15, &a) == 0 && a.family == 4 && a.addr[0] == 10);
	CHECK_EQ(at_parse_hex_ip4("0x0100007F", 10, b), 0);
	CHECK(b[0] == 127 && b[3] == 1);
	CHECK_EQ(at_parse_hex_ip4("1FFFFFFFF", 9, b), -EINVAL);
	CHECK_EQ(at_parse_hex_ip4("xyz", 3, b), -EINVAL);
	b[0] = 255, b[1] = 0, b[2] = 255, b[3] = 0;
	CHECK_EQ(at_mask_prefix(b, 4), -EINVAL);
	CHECK_EQ(at_ucs2_to_utf8("D83DDE00", 8, u, sizeof(u)), 4); /* U+1F600 */
	CHECK(!memcmp(u, "\xf0\x9f\x98\x80", 5));
	CHECK_EQ(at_ucs2_to_utf8("00E9", 4, u, sizeof(u)), 2);
	CHECK_EQ(at_ucs2_to_utf8("DE00", 4, u, sizeof(u)), -EINVAL); /* lone low surrogate */
	CHECK_EQ(at_ucs2_to_utf8("D83D0041", 8, u, sizeof(u)), -EINVAL);
	CHECK_EQ(at_ucs2_to_utf8("004", 3, u, sizeof(u)), -EINVAL);
	CHECK_EQ(at_ucs2_to_utf8("0041004200430044", 16, u, 3), 4); /* cut, still terminated */
	CHECK_STR(u, "AB");
	CHECK(at_parse_csq("+CSQ: 99,99", 11, &q) == 0 && q.rssi == AT_UNKNOWN &&
	      q.dbm == AT_UNKNOWN);
	CHECK(at_parse_csq("+CSQ: 20,0", 10, &q) == 0 && q.dbm == -73 && q.ber == 0);
	CHECK_EQ(at_parse_csq("+CSQ: 20", 8, &q), -EPROTO);
	CHECK_EQ(at_parse_reg("+CREG: x,1", 10, true, &r), -EPROTO);
	CHECK_EQ(at_parse_reg("+CREG:", 6, false, &r), -EPROTO);
	CHECK_EQ(at_parse_reg("+COPS: 1", 8, false, &r), -EPROTO);
	CHECK_STR(at_reg_state_name(42), "unknown");
	CHECK_STR(at_act_name(14), "unknown");
	CHECK_STR(at_act_name(AT_UNKNOWN), "unknown");
	CHECK_EQ(at_parse_cpin("+CPIN: WHATEVER", 15, (enum at_sim_lock *)&v), -EPROTO);
}

/* ---- locks ---- */

static char tmpdir[64];

static void mk_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_at.XXXXXX");
	if (!mkdtemp(tmpdir))
		tmpdir[0] = 0;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, buf, len) != (ssize_t)len)
			perror("write");
		close(fd);
	}
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n > 0 ? (size_t)n : 0;
}

static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void test_lock(void)
{
	char dev[128], lock[256], lp[256], buf[128], want[16];
	pid_t owner;
	int32_t bin;

	snprintf(dev, sizeof(dev), "%s/ttyUSB2", tmpdir);
	write_file(dev, "", 0);
	snprintf(lock, sizeof(lock), "%s/LCK..ttyUSB2", tmpdir);
	/* free port: locked, HDB format "%10d\n" */
	CHECK_EQ(at_lock(dev, tmpdir, lp, sizeof(lp), &owner), 0);
	CHECK_STR(lp, lock);
	snprintf(want, sizeof(want), "%10d\n", (int)getpid());
	CHECK_EQ(read_file(lock, buf, sizeof(buf)), 11);
	CHECK_STR(buf, want);
	CHECK_EQ(at_lock_owner(dev, tmpdir), getpid());
	CHECK_EQ(at_lock(dev, tmpdir, lp, sizeof(lp), &owner), 0); /* ours already */
	at_unlock(lp);
	CHECK(access(lock, F_OK) < 0);
	/* a live process holds it (pid 1 always lives; kill(1, 0) is EPERM for others) */
	write_file(lock, "         1\n", 11);
	CHECK_EQ(at_lock(dev, tmpdir, lp, sizeof(lp), &owner), -EBUSY);
	CHECK_EQ(owner, 1);
	CHECK_EQ(at_lock_owner(dev, tmpdir), 1);
	at_unlock(lock); /* not ours: stays */
	CHECK_EQ(access(lock, F_OK), 0);
	/* stale: dead pid, garbage, binary (old UUCP) dead pid */
	snprintf(buf, sizeof(buf), "%10d\n", (int)dead_pid());
	write_file(lock, buf, strlen(buf));
	CHECK_EQ(at_lock_owner(dev, tmpdir), 0);
	CHECK_EQ(at_lock(dev, tmpdir, lp, sizeof(lp), &owner), 0);
	at_unlock(lp);
	write_file(lock, "garbage\n", 8);
	CHECK_EQ(at_lock(dev, tmpdir, lp, sizeof(lp), &owner), 0);
	at_unlock(lp);
	bin = dead_pid();
	write_file(lock, &bin, 4);
	CHECK_EQ(at_lock(dev, tmpdir, lp, sizeof(lp), &owner), 0);
	at_unlock(lp);
	bin = 1; /* binary live pid */
	write_file(lock, &bin, 4);
	CHECK_EQ(at_lock(dev, tmpdir, lp, sizeof(lp), &owner), -EBUSY);
	unlink(lock);
	/* a symlink to the device locks the device's own name */
	snprintf(buf, sizeof(buf), "%s/by-id", tmpdir);
	CHECK_EQ(symlink(dev, buf), 0);
	CHECK_EQ(at_lock(buf, tmpdir, lp, sizeof(lp), &owner), 0);
	CHECK_STR(lp, lock);
	at_unlock(lp);
	unlink(buf);
	/* no lock directory: no locking, go on */
	CHECK_EQ(at_lock(dev, "/nonexistent/lock", lp, sizeof(lp), &owner), 1);
	CHECK(access(lock, F_OK) < 0);
	unlink(dev);
}

/* ---- ports ---- */

static int open_pty(char *slave, size_t cap)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	if (m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m)) {
		if (m >= 0)
			close(m);
		return -1;
	}
	snprintf(slave, cap, "%s", ptsname(m));
	return m;
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		perror("write");
}

static size_t get(int fd, char *buf, size_t cap)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n = poll(&p, 1, 500) == 1 ? read(fd, buf, cap - 1) : 0;

	buf[n > 0 ? n : 0] = 0;
	return n > 0 ? (size_t)n : 0;
}

static struct run urcs; /* URCs seen by the port tests */

static void test_pty_cmd(void)
{
	static struct at_port p;
	static struct at_resp r;
	struct at_opts o = {.baud = 115200, .lock_dir = tmpdir};
	struct termios t;
	char slave[64], buf[128], lock[256];
	int64_t t0;
	int m = open_pty(slave, sizeof(slave));

	if (m < 0)
		SKIP("no pty");
	memset(&urcs, 0, sizeof(urcs));
	p.parser.on_urc = on_urc;
	p.parser.arg = &urcs;
	CHECK_EQ(at_open(&p, slave, &o), 0);
	CHECK_EQ(p.kind, AT_KIND_TTY);
	CHECK(p.locked);
	snprintf(lock, sizeof(lock), "%s/LCK..%s", tmpdir, strrchr(slave, '/') + 1);
	CHECK_EQ(access(lock, F_OK), 0);
	CHECK(tcgetattr(p.fd, &t) == 0 && !(t.c_lflag & (ICANON | ECHO | ISIG)) &&
	      !(t.c_iflag & (ICRNL | IXON)) && cfgetospeed(&t) == B115200);
	/* echo on, a URC in the middle, then the answer */
	put(m, "AT+CSQ\r\r\n+CEREG: 1\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n");
	CHECK_EQ(at_cmd(&p, "AT+CSQ", 1000, &r), 0);
	CHECK_EQ(r.result, AT_RES_OK);
	CHECK_EQ(r.nlines, 1);
	CHECK_STR(at_resp_line(&r, 0), "+CSQ: 20,99");
	CHECK_EQ(urcs.nurc, 1);
	get(m, buf, sizeof(buf));
	CHECK_STR(buf, "AT+CSQ\r"); /* one write, CR terminated */
	/* an error result */
	put(m, "\r\n+CME ERROR: 10\r\n");
	CHECK_EQ(at_cmd(&p, "AT+CPIN?", 1000, &r), -EREMOTEIO);
	CHECK_EQ(r.result, AT_RES_CME_ERROR);
	CHECK_EQ(r.code, 10);
	get(m, buf, sizeof(buf));
	/* no answer: bounded */
	t0 = ms_now();
	CHECK_EQ(at_cmd(&p, "AT+COPS=?", 300, &r), -ETIMEDOUT);
	CHECK(ms_now() - t0 >= 290 && ms_now() - t0 < 1500);
	get(m, buf, sizeof(buf));
	/* lines after a timeout are unsolicited */
	put(m, "\r\nRING\r\n");
	CHECK_EQ(at_listen(&p, 100), 0);
	CHECK_EQ(urcs.nurc, 2);
	CHECK_STR(urcs.urc[1], "RING");
	/* too long, CR inside */
	memset(buf, 'A', sizeof(buf));
	buf[sizeof(buf) - 1] = 0;
	CHECK_EQ(at_cmd(&p, "AT\rAT", 100, &r), -EMSGSIZE);
	/* the modem goes away */
	close(m);
	CHECK_EQ(at_cmd(&p, "AT", 1000, &r), -ENODEV);
	at_close(&p);
	CHECK(access(lock, F_OK) < 0); /* unlocked on close */
	at_close(&p);		       /* idempotent */
	CHECK_EQ(at_cmd(&p, "AT", 10, &r), -EBADF);
}

static void test_open_errors(void)
{
	static struct at_port p;
	struct at_opts o = {.baud = 115201};
	char slave[64], path[128], lock[256];
	int m = open_pty(slave, sizeof(slave));

	CHECK_EQ(at_open(&p, "/nonexistent/ttyUSB9", NULL), -ENOENT);
	snprintf(path, sizeof(path), "%s/file", tmpdir);
	write_file(path, "", 0);
	CHECK_EQ(at_open(&p, path, NULL), -ENODEV);
	unlink(path);
	if (m < 0)
		SKIP("no pty");
	CHECK_EQ(at_open(&p, slave, &o), -EINVAL);
	/* locked by a live process: refused, or opened with force leaving the lock alone */
	snprintf(lock, sizeof(lock), "%s/LCK..%s", tmpdir, strrchr(slave, '/') + 1);
	write_file(lock, "         1\n", 11);
	o.baud = 0;
	o.lock_dir = tmpdir;
	CHECK_EQ(at_open(&p, slave, &o), -EBUSY);
	CHECK_EQ(p.owner, 1);
	CHECK_EQ(p.fd, -1);
	o.force = true;
	CHECK_EQ(at_open(&p, slave, &o), 0);
	CHECK(!p.locked && p.owner == 1);
	at_close(&p);
	CHECK_EQ(access(lock, F_OK), 0);
	unlink(lock);
	close(m);
}

/* A char device without termios (cdc-wdm carrying AT): one write per command, reads of whole
 * responses; here a socketpair stands in for it. */
static void test_chardev(void)
{
	static struct at_port p;
	static struct at_resp r;
	char buf[64];
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_EQ(at_open_fd(&p, sv[0]), 0);
	CHECK_EQ(p.kind, AT_KIND_CHR);
	put(sv[1], "\r\n^NDISSTATQRY: 1,,,\"IPV4\",0,,,\"IPV6\"\r\n\r\nOK\r\n");
	CHECK_EQ(at_cmd(&p, "AT^NDISSTATQRY?", 500, &r), 0);
	CHECK_EQ(r.nlines, 1);
	get(sv[1], buf, sizeof(buf));
	CHECK_STR(buf, "AT^NDISSTATQRY?\r");
	close(sv[1]);
	CHECK_EQ(at_cmd(&p, "AT", 500, &r), -ENODEV); /* EPIPE or EOF: gone */
	at_close(&p);
}

static void test_socket(void)
{
	static struct at_port p;
	static struct at_resp r;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int ls = socket(AF_UNIX, SOCK_STREAM, 0), c;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", tmpdir);
	CHECK_EQ(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(ls, 1), 0);
	CHECK_EQ(at_open(&p, sa.sun_path, NULL), 0);
	CHECK_EQ(p.kind, AT_KIND_SOCK);
	c = accept(ls, NULL, NULL);
	put(c, "OK\r\n");
	CHECK_EQ(at_cmd(&p, "AT", 500, &r), 0);
	close(c);
	close(ls);
	at_close(&p);
	unlink(sa.sun_path);
}

/* A child answering "AT" with OK on a pty master, or reading and never answering. */
static pid_t responder(int m, bool answer)
{
	pid_t pid = fork();
	char buf[64];

	if (pid)
		return pid;
	for (;;) {
		ssize_t n = read(m, buf, sizeof(buf));

		if (n <= 0)
			_exit(0);
		if (answer && memmem(buf, (size_t)n, "AT\r", 3))
			put(m, "\r\nOK\r\n");
	}
}

static void test_probe(void)
{
	static struct at_port ports[4];
	char s[4][64], lock[256];
	const char *paths[4];
	int m[3], res[4];
	pid_t kids[2];
	struct at_opts o = {.lock_dir = tmpdir};
	int64_t t0;

	for (int i = 0; i < 3; i++) {
		m[i] = open_pty(s[i], sizeof(s[i]));
		if (m[i] < 0)
			SKIP("no pty");
		paths[i] = s[i];
	}
	paths[3] = "/nonexistent/ttyUSB7";
	kids[0] = responder(m[0], true);
	kids[1] = responder(m[1], false); /* a port that never answers */
	snprintf(lock, sizeof(lock), "%s/LCK..%s", tmpdir, strrchr(s[2], '/') + 1);
	write_file(lock, "         1\n", 11); /* held by someone else */
	t0 = ms_now();
	CHECK_EQ(at_probe(ports, paths, res, 4, &o, 400), 1);
	CHECK(ms_now() - t0 >= 390 && ms_now() - t0 < 2000);
	CHECK_EQ(res[0], 1);
	CHECK_EQ(res[1], 0);
	CHECK_EQ(res[2], -EBUSY);
	CHECK_EQ(res[3], -ENOENT);
	CHECK_EQ(access(lock, F_OK), 0); /* the other's lock is untouched */
	for (int i = 0; i < 4; i++)
		CHECK_EQ(ports[i].fd, -1);
	unlink(lock);
	/* ours were released */
	snprintf(lock, sizeof(lock), "%s/LCK..%s", tmpdir, strrchr(s[0], '/') + 1);
	CHECK(access(lock, F_OK) < 0);
	for (int i = 0; i < 2; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	for (int i = 0; i < 3; i++)
		close(m[i]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	mk_tmpdir();
	if (load_vectors() < 0) {
		printf("FAIL at_vectors.txt: missing (see ../shared/vectors)\n");
		return 1;
	}
	RUN(test_vector_file);
	run_vectors();
	RUN(test_final);
	RUN(test_classify);
	RUN(test_parser_sequence);
	RUN(test_parser_limits);
	RUN(test_redact);
	RUN(test_tokens);
	RUN(test_values);
	RUN(test_lock);
	RUN(test_pty_cmd);
	RUN(test_open_errors);
	RUN(test_chardev);
	RUN(test_socket);
	RUN(test_probe);
	rmdir(tmpdir);
	return t_done();
}
