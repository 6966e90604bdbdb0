/* fuzz_out.c - libFuzzer harness for the text code: out.c (JSON, kv, human), fmt.c, addr.c.
 *
 * The first input byte picks a target, the rest is its data:
 *  0  the data as a JSON string value: a strict RFC 8259 parser written here must accept the
 *     document, and the string must decode to the data's code points (invalid UTF-8 bytes as
 *     U+0000..U+00FF, the documented Latin-1 fallback), checked with a decoder written here
 *  1  the data as a human and a kv value: one line, valid UTF-8, no control bytes, and undoing
 *     the escapes (and the kv shell quoting) gives back exactly the data
 *  2  a random document (begin/end/values driven by the data) in JSON: always well-formed
 *  3  parse_ip4/parse_ip6 against inet_pton, and the fmt -> parse round trip
 *  4  parse_uint against strtoull
 *  5  fmt_buf of the data with "%s" / "%.*s" into a buffer of fuzzed size, and one fuzzed
 *     conversion spec against snprintf
 *
 * Build and run (tests/fuzz/README or the Makefile's fuzz target do the same):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I<config dir> \
 *	tests/fuzz/fuzz_out.c core/out.c core/fmt.c core/addr.c -o fuzz_out
 *   ./fuzz_out -max_total_time=20
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, memmem */
#endif
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "addr.h"
#include "fmt.h"
#include "out.h"

#define MUST(c)                                                                              \
	do {                                                                                 \
		if (!(c)) {                                                                  \
			fprintf(stderr, "%s:%d: MUST(%s) failed\n", __FILE__, __LINE__, #c); \
			abort();                                                             \
		}                                                                            \
	} while (0)

static int out_fd = -1;
static char outbuf[1 << 20];

static void out_reset(void)
{
	if (out_fd < 0)
		out_fd = memfd_create("fuzz_out", MFD_CLOEXEC);
	MUST(out_fd >= 0);
	MUST(ftruncate(out_fd, 0) == 0);
	MUST(lseek(out_fd, 0, SEEK_SET) == 0);
}

static size_t out_read(void)
{
	ssize_t n = pread(out_fd, outbuf, sizeof(outbuf) - 1, 0);

	MUST(n >= 0 && (size_t)n < sizeof(outbuf) - 1);
	outbuf[n] = '\0';
	return (size_t)n;
}

/* ---- An independent UTF-8 decoder: decode, then check the value's range ---- */

/* Code point at p and its length, or -1 if p does not start a valid sequence. */
static long utf8_decode(const uint8_t *p, size_t len, size_t *n)
{
	long cp;
	size_t need, i;

	if (p[0] < 0x80) {
		*n = 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0)
		need = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		need = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		need = 4, cp = p[0] & 0x07;
	else
		return -1;
	if (len < need)
		return -1;
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000))
		return -1; /* overlong */
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	*n = need;
	return cp;
}

/* ---- A strict JSON parser (RFC 8259), decoding strings into code points ---- */

struct js {
	const uint8_t *p, *end;
	long *cps; /* if set, the first string value's code points go here */
	size_t ncps, max;
	int depth;
	bool took;
};

static bool js_value(struct js *j);

static void js_ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool js_lit(struct js *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return false;
	j->p += n;
	return true;
}

static int js_hex4(struct js *j)
{
	int v = 0, i;

	if (j->end - j->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = (char)*j->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static bool js_string(struct js *j, bool keep)
{
	if (j->p >= j->end || *j->p++ != '"')
		return false;
	while (j->p < j->end && *j->p != '"') {
		long cp;
		size_t n;

		if (*j->p < 0x20)
			return false;
		if (*j->p == '\\') {
			const char *esc = "\"\"\\\\//b\bf\fn\nr\rt\t", *e;

			if (++j->p >= j->end)
				return false;
			for (e = esc; *e && *e != (char)*j->p; e += 2)
				;
			if (*e) {
				cp = (unsigned char)e[1];
				j->p++;
			} else if (*j->p == 'u') {
				j->p++;
				cp = js_hex4(j);
				if (cp < 0)
					return false;
			} else {
				return false;
			}
		} else {
			cp = utf8_decode(j->p, (size_t)(j->end - j->p), &n);
			if (cp < 0)
				return false;
			j->p += n;
		}
		if (keep && j->ncps < j->max)
			j->cps[j->ncps++] = cp;
	}
	if (j->p >= j->end)
		return false;
	j->p++;
	return true;
}

static bool js_number(struct js *j)
{
	const uint8_t *start;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	start = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	if (j->p == start || (*start == '0' && j->p - start > 1))
		return false;
	return true; /* out writes integers only: no fraction or exponent to accept */
}

static bool js_members(struct js *j, char close, bool object)
{
	js_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		js_ws(j);
		if (object) {
			if (!js_string(j, false))
				return false;
			js_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return false;
		}
		if (!js_value(j))
			return false;
		js_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool js_value(struct js *j)
{
	bool ok;

	js_ws(j);
	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '{':
	case '[':
		if (++j->depth > 64)
			return false;
		ok = js_members(j, *j->p == '{' ? '}' : ']', *j->p++ == '{');
		j->depth--;
		return ok;
	case '"':
		ok = js_string(j, j->cps && !j->took);
		j->took = true;
		return ok;
	case 't':
		return js_lit(j, "true");
	case 'f':
		return js_lit(j, "false");
	case 'n':
		return js_lit(j, "null");
	default:
		return js_number(j);
	}
}

/* The whole of buf is one JSON document followed by a single '\n'. */
static bool json_ok(const char *buf, size_t len, long *cps, size_t max, size_t *ncps)
{
	struct js j = {(const uint8_t *)buf, (const uint8_t *)buf + len, cps, 0, max, 0, false};

	if (!len || buf[len - 1] != '\n')
		return false;
	j.end--;
	if (!js_value(&j))
		return false;
	js_ws(&j);
	if (ncps)
		*ncps = j.ncps;
	return j.p == j.end;
}

/* ---- targets ---- */

static long cps[1 << 16], want_cps[1 << 16];

static void target_json_string(const uint8_t *d, size_t len)
{
	struct out o;
	size_t i, n, nw = 0, ncps = 0, olen;

	out_reset();
	MUST(out_init(&o, out_fd, OUT_JSON) == 0);
	out_strn(&o, "s", d, len, 0);
	MUST(out_finish(&o) == 0);
	olen = out_read();
	MUST(json_ok(outbuf, olen, cps, sizeof(cps) / sizeof(cps[0]), &ncps));
	for (i = 0; i < len; i += n) {
		long cp = utf8_decode(d + i, len - i, &n);

		if (cp < 0) {
			cp = d[i]; /* the documented Latin-1 fallback */
			n = 1;
		}
		want_cps[nw++] = cp;
	}
	MUST(ncps == nw);
	MUST(!memcmp(cps, want_cps, nw * sizeof(want_cps[0])));
}

static int hexval(char c)
{
	const char *hex = "0123456789abcdef", *p = c ? strchr(hex, c) : NULL;

	MUST(p); /* out writes lowercase hex digits only */
	return (int)(p - hex);
}

/* Undo put_text(): \\ \n \r \t \xHH, anything else is itself. */
static size_t unescape(const char *s, size_t len, uint8_t *outb)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned v;

		if (s[i] != '\\') {
			outb[n++] = (uint8_t)s[i];
			continue;
		}
		MUST(i + 1 < len);
		switch (s[++i]) {
		case '\\':
			outb[n++] = '\\';
			break;
		case 'n':
			outb[n++] = '\n';
			break;
		case 'r':
			outb[n++] = '\r';
			break;
		case 't':
			outb[n++] = '\t';
			break;
		case 'x':
			MUST(i + 2 < len);
			v = (unsigned)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			outb[n++] = (uint8_t)v;
			i += 2;
			break;
		default:
			MUST(0);
		}
	}
	return n;
}

static uint8_t back[1 << 20];

static void check_one_line(const char *s, size_t len)
{
	size_t i, n;

	MUST(len && s[len - 1] == '\n');
	for (i = 0; i + 1 < len; i += n) {
		MUST(utf8_decode((const uint8_t *)s + i, len - 1 - i, &n) >= 0);
		MUST(n > 1 ? !((uint8_t)s[i] == 0xc2 && (uint8_t)s[i + 1] < 0xa0)
			   : (s[i] >= 0x20 && s[i] < 0x7f));
	}
}

static void target_text(const uint8_t *d, size_t len)
{
	struct out o;
	size_t olen, n, i;
	char *v, *q;

	out_reset();
	out_init(&o, out_fd, OUT_HUMAN);
	out_strn(&o, "s", d, len, 0);
	MUST(out_finish(&o) == 0);
	olen = out_read();
	check_one_line(outbuf, olen);
	MUST(!strncmp(outbuf, "s: ", 3));
	if (len) {
		n = unescape(outbuf + 3, olen - 4, back);
		MUST(n == len && !memcmp(back, d, len));
	} else {
		MUST(!strcmp(outbuf, "s: \"\"\n"));
	}

	out_reset();
	out_init(&o, out_fd, OUT_KV);
	out_strn(&o, "s", d, len, 0);
	MUST(out_finish(&o) == 0);
	olen = out_read();
	check_one_line(outbuf, olen);
	MUST(!strncmp(outbuf, "s=", 2));
	v = outbuf + 2;
	outbuf[olen - 1] = '\0';
	if (*v != '\'') {
		/* Unquoted: only characters no shell treats specially. */
		MUST(len &&
		     strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789_@%+=:,./-") == len &&
		     !memcmp(v, d, len));
		return;
	}
	/* Quoted: '...' pieces joined by \' ; join them back, then unescape. */
	for (q = v, i = 0; *q;) {
		MUST(*q == '\'');
		for (q++; *q && *q != '\''; q++)
			outbuf[2 + i++] = *q; /* in place: the write index never passes q */
		MUST(*q == '\'');
		q++;
		if (!*q)
			break;
		MUST(q[0] == '\\' && q[1] == '\'');
		outbuf[2 + i++] = '\'';
		q += 2;
	}
	n = unescape(outbuf + 2, i, back);
	MUST(n == len && !memcmp(back, d, len));
}

static void target_document(const uint8_t *d, size_t len)
{
	struct out o;
	size_t i, olen;
	int ret;

	out_reset();
	out_init(&o, out_fd, OUT_JSON);
	static const char *const keys[8] = {"a", "b", "\"", "\\", "\x01", "\xff", "", NULL};

	for (i = 0; i + 1 < len; i += 2) {
		const char *key = keys[d[i + 1] & 7];
		const uint8_t a4[4] = {d[i], d[i + 1], (uint8_t)i, 0};

		switch (d[i] % 12) {
		case 0:
			out_obj_begin(&o, key);
			break;
		case 1:
			out_obj_end(&o);
			break;
		case 2:
			out_arr_begin(&o, key);
			break;
		case 3:
			out_arr_end(&o);
			break;
		case 4:
			out_int(&o, key, (int8_t)d[i + 1] * 1000003LL);
			break;
		case 5:
			out_uint(&o, key, d[i + 1] * 0x0101010101010101ULL);
			break;
		case 6:
			out_bool(&o, key, d[i + 1] & 1);
			break;
		case 7:
			out_null(&o, key);
			break;
		case 8:
			out_strn(&o, key, d + i, MIN(len - i, d[i + 1] % 16u), 0);
			break;
		case 9:
			out_str(&o, key, "S3CR3T", OUT_SECRET);
			break;
		case 10:
			out_ip4(&o, key, a4);
			break;
		default:
			if (i + 16 <= len)
				out_ip6(&o, key, d + i);
		}
	}
	ret = out_finish(&o);
	MUST(ret == 0 || ret == -EINVAL);
	olen = out_read();
	MUST(json_ok(outbuf, olen, NULL, 0, NULL));
	MUST(memmem(d, len, "S3CR3T", 6) || !strstr(outbuf, "S3CR3T"));
}

static void target_addr(const uint8_t *d, size_t len)
{
	char s[128], text[ADDR_IP6_STRLEN];
	uint8_t a[16], ref[16], again[16];
	bool v6 = len && (d[0] & 1);
	int r1, r2;

	if (len)
		d++, len--;
	len = MIN(len, sizeof(s) - 1);
	memcpy(s, d, len);
	s[len] = '\0';
	r1 = v6 ? parse_ip6(s, a) : parse_ip4(s, a);
	r2 = inet_pton(v6 ? AF_INET6 : AF_INET, s, ref);
	MUST(r1 == 0 || r1 == -EINVAL);
	MUST((r1 == 0) == (r2 == 1));
	if (r1)
		return;
	MUST(!memcmp(a, ref, v6 ? 16 : 4));
	if (v6) {
		MUST(fmt_ip6(text, a) < ADDR_IP6_STRLEN);
		MUST(parse_ip6(text, again) == 0 && !memcmp(a, again, 16));
	} else {
		MUST(fmt_ip4(text, a) < ADDR_IP4_STRLEN);
		MUST(parse_ip4(text, again) == 0 && !memcmp(a, again, 4));
	}
}

static char back_digits[64];

static void target_uint(const uint8_t *d, size_t len)
{
	char s[64];
	uint64_t v = 12345, max = len ? (uint64_t)d[0] << (d[0] % 57) : UINT64_MAX;
	unsigned long long ref;
	int r;
	size_t zeros;
	bool digits;

	if (len)
		d++, len--;
	len = MIN(len, sizeof(s) - 1);
	memcpy(s, d, len);
	s[len] = '\0';
	len = strlen(s); /* the string ends at the first NUL of the data */
	r = parse_uint(s, 0, max, &v);
	digits = len && strspn(s, "0123456789") == len;
	if (!digits) {
		MUST(r == -EINVAL && v == 12345);
		return;
	}
	errno = 0;
	ref = strtoull(s, NULL, 10);
	if (errno == ERANGE || ref > max)
		MUST(r == -ERANGE && v == 12345);
	else
		MUST(r == 0 && v == ref);
	if (r)
		return;
	/* Printing the value back gives the digits without their leading zeros. */
	zeros = MIN(strspn(s, "0"), len - 1);
	MUST(fmt_buf(back_digits, sizeof(back_digits), "%llu", (unsigned long long)v) ==
	     len - zeros);
	MUST(!strcmp(back_digits, s + zeros));
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat"
static void target_fmt(const uint8_t *d, size_t len)
{
	static char data[4096], b1[256], b2[256];
	char f[32], *p = f;
	size_t n = len ? d[0] : 0, got, i;
	long long v = 0;
	int want;

	if (len)
		d++, len--;
	len = MIN(len, sizeof(data) - 1);
	memcpy(data, d, len);
	data[len] = '\0';
	n %= sizeof(b1) + 1;
	got = fmt_buf(b1, n, "%s", data);
	MUST(got == strlen(data));
	MUST(!n || (strlen(b1) == MIN(got, n - 1) && !memcmp(b1, data, strlen(b1))));
	got = fmt_buf(b1, n, "<%.*s>", (int)len, d); /* may hold NULs; never read past len */
	MUST(got == 2 + strnlen((const char *)d, len));

	/* One conversion spec from the first data bytes, against the C library. */
	if (len < 12)
		return;
	*p++ = '%';
	for (i = 0; i < 5; i++)
		if (d[i] & 1)
			*p++ = "-0+ #"[i];
	p += d[5] & 1 ? sprintf(p, "%u", d[6] % 40) : 0;
	p += d[5] & 2 ? sprintf(p, ".%u", d[7] % 40) : 0;
	memcpy(&v, d + 4, sizeof(v));
	switch (d[8] % 6) {
	case 0:
		p += sprintf(p, "d");
		break;
	case 1:
		p += sprintf(p, "lld");
		break;
	case 2:
		p += sprintf(p, "x");
		break;
	case 3:
		p += sprintf(p, "llX");
		break;
	case 4:
		p += sprintf(p, "hhu");
		break;
	default:
		p += sprintf(p, "zu");
		break;
	}
	if (strchr(f, '#') && !strchr("xX", p[-1]))
		return; /* '#' with d/u is undefined in C: no reference to compare with */
	n = d[9] % sizeof(b1);
	memset(b1, 'X', sizeof(b1));
	memset(b2, 'X', sizeof(b2));
	switch (d[8] % 6) {
	case 0:
	case 2:
	case 4:
		got = fmt_buf(b1, n, f, (int)v);
		want = snprintf(b2, n, f, (int)v);
		break;
	case 5:
		got = fmt_buf(b1, n, f, (size_t)v);
		want = snprintf(b2, n, f, (size_t)v);
		break;
	default:
		got = fmt_buf(b1, n, f, v);
		want = snprintf(b2, n, f, v);
	}
	MUST(got == (size_t)want && !memcmp(b1, b2, sizeof(b1)));
}
#pragma GCC diagnostic pop

/* The checkers must be able to fail: a few documents they have to reject, and accept. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const bad[] = {
		"{\"a\":1,}\n",
		"{\"a\" 1}\n",
		"{\"a\":\"\x01\"}\n",
		"{\"a\":\"\xc0\xaf\"}\n",
		"{\"a\":\"\xed\xa0\x80\"}\n",
		"{\"a\":\"\\x41\"}\n",
		"{\"a\":01}\n",
		"[1]]\n",
		"{\"a\":\"\\u12\"}\n",
		"{\"a\":tru}\n",
		"{}",
		"{\"a\":[1,]}\n",
		"\"\n",
	};
	static const char *const good[] = {
		"{}\n",
		"{\"a\":[1,-2,true,false,null,{},[]],\"\":\"\\u00ff\xf4\x8f\xbf\xbf\"}\n",
	};
	size_t i;

	(void)argc;
	(void)argv;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		MUST(!json_ok(bad[i], strlen(bad[i]), NULL, 0, NULL));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		MUST(json_ok(good[i], strlen(good[i]), NULL, 0, NULL));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size || size > 65536)
		return 0;
	switch (data[0] % 6) {
	case 0:
		target_json_string(data + 1, size - 1);
		break;
	case 1:
		target_text(data + 1, size - 1);
		break;
	case 2:
		target_document(data + 1, size - 1);
		break;
	case 3:
		target_addr(data + 1, size - 1);
		break;
	case 4:
		target_uint(data + 1, size - 1);
		break;
	default:
		target_fmt(data + 1, size - 1);
		break;
	}
	return 0;
}
