/* test_fmt.c - fmt_buf against the C library's snprintf, parse_uint, and the address text
 * helpers (addr.h) against inet_ntop/inet_pton, plus the RFC 5952 examples.
 */
#include <arpa/inet.h>
#include <limits.h>

#include "addr.h"
#include "fmt.h"
#include "t.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* fmt_buf(f, args) must give exactly `want` and return its length. */
#define CHECK_FMT(want, ...)                                             \
	do {                                                             \
		char t_buf[256];                                         \
		size_t t_n = fmt_buf(t_buf, sizeof(t_buf), __VA_ARGS__); \
		CHECK_STR(t_buf, want);                                  \
		CHECK_EQ(t_n, strlen(want));                             \
	} while (0)

/* volatile: the compiler's format checks would see through constants. */
static const char *volatile null_str;
static volatile int int_min = INT_MIN;

static void test_fmt_basic(void)
{
	CHECK_FMT("", "%s", "");
	CHECK_FMT("plain", "plain");
	CHECK_FMT("qmi-dial: open /dev/cdc-wdm0", "%s: open %s", "qmi-dial", "/dev/cdc-wdm0");
	CHECK_FMT("-42 42 4294967254", "%d %u %u", -42, 42u, (unsigned)-42);
	CHECK_FMT("-9223372036854775808", "%lld", LLONG_MIN);
	CHECK_FMT("18446744073709551615", "%llu", ULLONG_MAX);
	CHECK_FMT("ffffffff FFFFFFFF", "%x %X", UINT_MAX, UINT_MAX);
	CHECK_FMT("0a 00ff 0x1f 0X1F", "%02x %04x %#x %#X", 10u, 255u, 31u, 31u);
	CHECK_FMT("   7|7   |007|+7| 7", "%4d|%-4d|%03d|%+d|% d", 7, 7, 7, 7, 7);
	CHECK_FMT("abc|ab|  ab|ab  ", "%s|%.2s|%4.2s|%-4.*s", "abc", "abc", "abc", 2, "abc");
	CHECK_FMT("x|  y|%", "%c|%3c|%%", 'x', 'y');
	CHECK_FMT("(null)", "%s", null_str);
	CHECK_FMT("12 -3", "%zu %ld", (size_t)12, -3L);
	CHECK_FMT("", "%.0d", 0); /* C11 7.21.6.1p8: no digits for 0 with precision 0 */
	CHECK_FMT("00042", "%.5d", 42);
	CHECK_FMT("   -00042", "%9.5d", -42);
}

static void test_fmt_truncation(void)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(fmt_buf(buf, 0, "%s", "hello"), 5);
	CHECK_EQ(buf[0], 'X'); /* n == 0: nothing written, not even the NUL */
	CHECK_EQ(fmt_buf(NULL, 0, "%d", 12345), 5);
	CHECK_EQ(fmt_buf(buf, 1, "%s", "hello"), 5);
	CHECK_EQ(buf[0], '\0');
	CHECK_EQ(fmt_buf(buf, 4, "%d-%s", 12, "abcdef"), 9);
	CHECK_STR(buf, "12-");
	CHECK_EQ(buf[4], 'X');
	CHECK_EQ(fmt_buf(buf, 6, "hello"), 5);
	CHECK_STR(buf, "hello");
	CHECK_EQ(fmt_buf(buf, 5, "hello"), 5);
	CHECK_STR(buf, "hell");
	/* Clamped widths: the length is reported, the output cut. */
	CHECK_EQ(fmt_buf(buf, sizeof(buf), "%2000000d", 1), FMT_MAX_WIDTH);
	CHECK_STR(buf, "       ");
	CHECK_EQ(fmt_buf(buf, sizeof(buf), "%*d", int_min, 1), FMT_MAX_WIDTH);
	CHECK_STR(buf, "1      ");
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wunknown-warning-option"
#pragma GCC diagnostic ignored "-Wformat-invalid-specifier"
static void test_fmt_unknown_conversion(void)
{
	/* Copied literally with the rest of the format; their arguments are never read. */
	CHECK_FMT("a%qb %d", "a%qb %d", 1, 2);
	CHECK_FMT("1 %f %s", "%d %f %s", 1, 2.0, "x");
	CHECK_FMT("%p", "%p", (void *)&rng);
	CHECK_FMT("%5.3lq", "%5.3lq");
	CHECK_FMT("x %n", "x %n", (int *)NULL);
	CHECK_FMT("abc%", "abc%");
	CHECK_FMT("%-08", "%-08");
}

static void test_fmt_narrowing(void)
{
	/* hh and h convert the promoted int back, as printf does (C11 7.21.6.1p7). */
	CHECK_FMT("255 65535 -1 1", "%hhu %hu %hhd %hd", 255u, 65535u, 255, 65537);
	CHECK_FMT("0 0", "%hhu %hu", 256u, 65536u);
}
#pragma GCC diagnostic pop

static void test_fmt_precision_unterminated(void)
{
	/* "%.*s" must stop at the precision: under ASan a read past `raw` is an error. */
	char raw[3] = {'a', 'b', 'c'};

	CHECK_FMT("abc", "%.*s", 3, raw);
	CHECK_FMT("ab", "%.2s", raw);
	CHECK_FMT("", "%.*s", 0, raw);
	CHECK_FMT("abc", "%.*s", -1, "abc"); /* negative precision: none */
}

/* One random conversion with the argument type it needs, fmt_buf vs snprintf. */
struct rspec {
	char f[48];
	char conv;
	char size[3];
	bool star_w, star_p;
};

static void rnd_spec(struct rspec *r)
{
	static const char convs[] = "diuxXcs";
	static const char *const sizes[] = {"", "hh", "h", "l", "ll", "z", "j", "t"};
	char *p = r->f;
	int i;

	r->conv = convs[rnd_below(sizeof(convs) - 1)];
	strcpy(r->size, strchr("cs", r->conv) ? "" : sizes[rnd_below(ARRAY_SIZE(sizes))]);
	*p++ = '<';
	*p++ = '%';
	for (i = 0; i < 5; i++) {
		char fl = "-0+ #"[i];

		/* Leave out what C11 calls undefined: # on d/i/u/c/s, 0 on c/s. */
		if ((fl == '#' && !strchr("xX", r->conv)) || (fl == '0' && strchr("cs", r->conv)))
			continue;
		if (rnd_below(3) == 0)
			*p++ = fl;
	}
	r->star_w = r->star_p = false;
	switch (rnd_below(3)) {
	case 1:
		p += sprintf(p, "%u", rnd_below(25));
		break;
	case 2:
		*p++ = '*';
		r->star_w = true;
		break;
	}
	if (r->conv != 'c') {
		switch (rnd_below(4)) {
		case 1:
			p += sprintf(p, ".%u", rnd_below(25));
			break;
		case 2:
			*p++ = '.';
			break;
		case 3:
			p += sprintf(p, ".*");
			r->star_p = true;
			break;
		}
	}
	p += sprintf(p, "%s%c>", r->size, r->conv);
	*p = '\0';
}

static long long rnd_int(void)
{
	switch (rnd_below(4)) {
	case 0:
		return (long long)rnd_below(20) - 10;
	case 1:
		return (long long)(int)rnd();
	case 2:
		return (long long)rnd();
	default:
		return rnd_below(2) ? LLONG_MIN : LLONG_MAX;
	}
}

#define BOTH(...)                                    \
	do {                                         \
		got = fmt_buf(b1, n, __VA_ARGS__);   \
		want = snprintf(b2, n, __VA_ARGS__); \
	} while (0)

#define CALL(f, v)                         \
	do {                               \
		if (r.star_w && r.star_p)  \
			BOTH(f, w, pr, v); \
		else if (r.star_w)         \
			BOTH(f, w, v);     \
		else if (r.star_p)         \
			BOTH(f, pr, v);    \
		else                       \
			BOTH(f, v);        \
	} while (0)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat"
static void test_fmt_vs_snprintf(void)
{
	static const char *const strs[] = {"", "a", "hello", "qmi-dial: open", "\x01\xff"};
	char b1[64], b2[64];
	int i, bad = 0;

	for (i = 0; i < 200000; i++) {
		struct rspec r;
		size_t n = rnd_below(4) ? sizeof(b1) : rnd_below(8);
		size_t got = 0;
		int want = 0;
		int w = (int)rnd_below(41) - 20, pr = (int)rnd_below(31) - 5;
		long long v = rnd_int();
		unsigned long long u = (unsigned long long)v;
		const char *str = strs[rnd_below(ARRAY_SIZE(strs))];

		rnd_spec(&r);
		memset(b1, 'X', sizeof(b1));
		memset(b2, 'X', sizeof(b2));
		if (r.conv == 's') {
			CALL(r.f, str);
		} else if (r.conv == 'c') {
			CALL(r.f, (int)(v & 0xff));
		} else if (strchr("di", r.conv)) {
			if (!strcmp(r.size, "l"))
				CALL(r.f, (long)v);
			else if (!strcmp(r.size, "ll"))
				CALL(r.f, v);
			else if (!strcmp(r.size, "z"))
				CALL(r.f, (size_t)v);
			else if (!strcmp(r.size, "j"))
				CALL(r.f, (intmax_t)v);
			else if (!strcmp(r.size, "t"))
				CALL(r.f, (ptrdiff_t)v);
			else
				CALL(r.f, (int)v);
		} else {
			if (!strcmp(r.size, "l"))
				CALL(r.f, (unsigned long)u);
			else if (!strcmp(r.size, "ll"))
				CALL(r.f, u);
			else if (!strcmp(r.size, "z"))
				CALL(r.f, (size_t)u);
			else if (!strcmp(r.size, "j"))
				CALL(r.f, (uintmax_t)u);
			else if (!strcmp(r.size, "t"))
				CALL(r.f, (ptrdiff_t)u);
			else
				CALL(r.f, (unsigned)u);
		}
		if (got != (size_t)want || memcmp(b1, b2, sizeof(b1))) {
			if (bad++ < 5)
				fprintf(stderr,
					"fmt \"%s\" n=%zu w=%d p=%d v=%lld: got %zu \"%.*s\" "
					"want %d \"%.*s\"\n",
					r.f, n, w, pr, v, got, (int)MIN(n, 64), b1, want,
					(int)MIN(n, 64), b2);
		}
	}
	CHECK_EQ(bad, 0);
}
#pragma GCC diagnostic pop

static void test_parse_uint(void)
{
	uint64_t v = 7;

	CHECK_EQ(parse_uint("0", 0, 10, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(parse_uint("010", 0, 100, &v), 0);
	CHECK_EQ(v, 10); /* decimal, not octal */
	CHECK_EQ(parse_uint("18446744073709551615", 0, UINT64_MAX, &v), 0);
	CHECK(v == UINT64_MAX);
	v = 7;
	CHECK_EQ(parse_uint("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	CHECK_EQ(parse_uint("99999999999999999999999", 0, UINT64_MAX, &v), -ERANGE);
	CHECK_EQ(parse_uint("99999999999999999999999x", 0, UINT64_MAX, &v), -EINVAL);
	CHECK_EQ(parse_uint("255", 0, 254, &v), -ERANGE);
	CHECK_EQ(parse_uint("0", 1, 254, &v), -ERANGE);
	CHECK_EQ(v, 7); /* untouched on failure */
	CHECK_EQ(parse_uint("254", 1, 254, &v), 0);
	CHECK_EQ(v, 254);
	CHECK_EQ(parse_uint("", 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_uint(NULL, 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_uint("+1", 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_uint("-1", 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_uint(" 1", 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_uint("1 ", 0, 10, &v), -EINVAL);
	CHECK_EQ(parse_uint("0x10", 0, 100, &v), -EINVAL);
	CHECK_EQ(parse_uint("1a", 0, 100, &v), -EINVAL);
	CHECK_EQ(parse_uint("\xb9", 0, 100, &v), -EINVAL); /* no locale digits */
}

static void test_parse_uint_vs_strtoull(void)
{
	char s[32];
	int i, bad = 0;

	for (i = 0; i < 100000; i++) {
		int len = 1 + (int)rnd_below(22), j;
		uint64_t v = 0, max = rnd_below(2) ? UINT64_MAX : rnd();
		unsigned long long ref;
		int ret, want;

		for (j = 0; j < len; j++)
			s[j] = (char)('0' + rnd_below(10));
		s[len] = '\0';
		errno = 0;
		ref = strtoull(s, NULL, 10);
		want = errno == ERANGE || ref > max ? -ERANGE : 0;
		ret = parse_uint(s, 0, max, &v);
		if (ret != want || (!ret && v != ref))
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static void test_fmt_ip4(void)
{
	static const uint8_t a[][4] = {
		{0, 0, 0, 0}, {10, 0, 0, 2}, {255, 255, 255, 255}, {192, 168, 100, 9}};
	static const char *const want[] = {"0.0.0.0", "10.0.0.2", "255.255.255.255",
					   "192.168.100.9"};
	char buf[ADDR_IP4_STRLEN];
	uint32_t be;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(a); i++) {
		CHECK_EQ(fmt_ip4(buf, a[i]), strlen(want[i]));
		CHECK_STR(buf, want[i]);
	}
	be = htonl(0x0a000001); /* a uint32_t in network order works too */
	fmt_ip4(buf, &be);
	CHECK_STR(buf, "10.0.0.1");
}

static void ip6_from_words(uint8_t b[16], const uint16_t w[8])
{
	int i;

	for (i = 0; i < 8; i++)
		put_be16(b + 2 * i, w[i]);
}

static void test_fmt_ip6_rfc5952(void)
{
	static const struct {
		uint16_t w[8];
		const char *text;
	} v[] = {
		/* RFC 5952 4.1, 4.2.1, 4.2.2, 4.2.3, 4.3 examples */
		{{0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}, "2001:db8::1"},
		{{0x2001, 0xdb8, 0, 0, 0, 0, 2, 1}, "2001:db8::2:1"},
		{{0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}, "2001:db8:0:1:1:1:1:1"},
		{{0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}, "2001:db8::1:0:0:1"},
		{{0x2001, 0, 0, 1, 0, 0, 0, 1}, "2001:0:0:1::1"},
		{{0x2001, 0xdb8, 0xaaaa, 0xbbbb, 0xcccc, 0xdddd, 0xeeee, 0xaaaa},
		 "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"},
		{{0}, "::"},
		{{0, 0, 0, 0, 0, 0, 0, 1}, "::1"},
		{{1, 0, 0, 0, 0, 0, 0, 0}, "1::"},
		{{0xfe80, 0, 0, 0, 0x0200, 0x5eff, 0xfe00, 0x5301}, "fe80::200:5eff:fe00:5301"},
		{{0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0280}, "::ffff:192.0.2.128"},
		{{0, 0, 0, 0, 0, 0xffff, 0, 0}, "::ffff:0.0.0.0"},
		{{0, 0, 0, 0, 0, 0, 0x0102, 0x0304}, "::102:304"}, /* deprecated compat: hex */
		{{0, 0, 0, 0, 0xffff, 0xffff, 1, 2}, "::ffff:ffff:1:2"}, /* not v4-mapped */
		{{1, 0, 2, 0, 3, 0, 4, 0}, "1:0:2:0:3:0:4:0"},
		{{0, 0, 1, 0, 0, 1, 1, 1}, "::1:0:0:1:1:1"}, /* tie: the first run */
		{{1, 1, 1, 0, 0, 1, 0, 0}, "1:1:1::1:0:0"},
		{{0xabcd, 0, 0, 0xabcd, 0, 0, 0, 0xabcd}, "abcd:0:0:abcd::abcd"},
	};
	char buf[ADDR_IP6_STRLEN];
	uint8_t b[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		ip6_from_words(b, v[i].w);
		CHECK_EQ(fmt_ip6(buf, b), strlen(v[i].text));
		CHECK_STR(buf, v[i].text);
	}
	memset(b, 0xff, 16);
	CHECK_EQ(fmt_ip6(buf, b), 39); /* the longest text fmt_ip6 writes */
	memcpy(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xff\xff\xff\xff", 16);
	CHECK_EQ(fmt_ip6(buf, b), 22);
	CHECK_STR(buf, "::ffff:255.255.255.255");
}

/* Where the C libraries differ from RFC 5952 (the vectors above cover these cases): glibc writes
 * ::a.b.c.d for the deprecated IPv4-compatible form, which RFC 5952 5 does not ask for; musl
 * 1.2.3 compresses the second of two equally long runs when the first starts the address,
 * against 4.2.3 ("the first sequence of zero bits MUST be shortened"). */
static bool libc_differs(const uint8_t b[16])
{
	static const uint8_t zero[12];
	int i, len = 0, first = 0, other = 0;

	if (!memcmp(b, zero, 12) && (b[12] || b[13]))
		return true;
	for (i = 0; i < 8 && !get_be16(b + 2 * i); i++)
		first++;
	for (; i < 8; i++) {
		len = get_be16(b + 2 * i) ? 0 : len + 1;
		other = MAX(other, len);
	}
	return first >= 2 && first == other;
}

static void test_fmt_ip6_vs_inet_ntop(void)
{
	char mine[ADDR_IP6_STRLEN], ref[INET6_ADDRSTRLEN];
	uint8_t b[16];
	int i, j, bad = 0;

	for (i = 0; i < 200000; i++) {
		for (j = 0; j < 8; j++)
			put_be16(b + 2 * j, rnd_below(2)   ? 0
					    : rnd_below(3) ? (uint16_t)rnd()
							   : (uint16_t)rnd_below(16));
		if (rnd_below(8) == 0)
			memcpy(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		if (libc_differs(b))
			continue;
		fmt_ip6(mine, b);
		inet_ntop(AF_INET6, b, ref, sizeof(ref));
		if (strcmp(mine, ref) && bad++ < 5)
			fprintf(stderr, "fmt_ip6 %s, inet_ntop %s\n", mine, ref);
	}
	CHECK_EQ(bad, 0);
}

static void test_parse_ip4(void)
{
	static const char *const bad[] = {
		"",	      "1.2.3",	    "1.2.3.4.5",  "1.2.3.256", "01.2.3.4",
		"1.2.3.04",   "1.2.3.4 ",   " 1.2.3.4",	  "1..2.3",    "1.2.3.",
		".1.2.3",     "a.b.c.d",    "1.2.3.4x",	  "0x1.2.3.4", "1.2.3.-4",
		"1.2.3.1000", "1.2.3.0004", "4294967295", "1,2,3,4",   "1.2.3.4/24",
	};
	uint8_t a[4] = {9, 9, 9, 9};
	size_t i;

	CHECK_EQ(parse_ip4("10.0.0.2", a), 0);
	CHECK_MEM(a, "\x0a\x00\x00\x02", 4);
	CHECK_EQ(parse_ip4("255.255.255.255", a), 0);
	CHECK_MEM(a, "\xff\xff\xff\xff", 4);
	CHECK_EQ(parse_ip4("0.0.0.0", a), 0);
	CHECK_MEM(a, "\0\0\0\0", 4);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(a, 9, 4);
		if (parse_ip4(bad[i], a) != -EINVAL) {
			fprintf(stderr, "parse_ip4 accepted \"%s\"\n", bad[i]);
			CHECK(0);
		}
		CHECK_MEM(a, "\x09\x09\x09\x09", 4);
	}
}

static void test_parse_ip6(void)
{
	static const char *const bad[] = {
		"",
		":",
		":::",
		"1:::2",
		":1::",
		"1::2::3",
		"1:2:3:4:5:6:7",
		"1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:7:8::",
		"::1:2:3:4:5:6:7:8",
		"12345::",
		"1:2:3:4:5:6:7:",
		":1:2:3:4:5:6:7",
		"fe80::1%eth0",
		"2001:db8::/32",
		"g::",
		" ::1",
		"::1 ",
		"1.2.3.4",
		"::1.2.3",
		"::1.2.3.4.5",
		"::01.2.3.4",
		"1:2:3:4:5:6:7:1.2.3.4",
		"::1.2.3.4:5",
		"::ffff:256.0.0.0",
		"1:2:3:4:5:6::1.2.3.4",
		"[::1]",
	};
	static const struct {
		const char *text;
		uint16_t w[8];
	} good[] = {
		{"::", {0}},
		{"::1", {0, 0, 0, 0, 0, 0, 0, 1}},
		{"1::", {1}},
		{"2001:DB8::0:1", {0x2001, 0xdb8, 0, 0, 0, 0, 0, 1}},
		{"2001:db8:0:0:1:0:0:1", {0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}},
		{"0001:0002:0003:0004:0005:0006:0007:0008", {1, 2, 3, 4, 5, 6, 7, 8}},
		{"1:2:3:4:5:6:7::", {1, 2, 3, 4, 5, 6, 7, 0}},
		{"::2:3:4:5:6:7:8", {0, 2, 3, 4, 5, 6, 7, 8}},
		{"::ffff:192.0.2.128", {0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0280}},
		{"1:2:3:4:5:6:1.2.3.4", {1, 2, 3, 4, 5, 6, 0x0102, 0x0304}},
		{"1::1.2.3.4", {1, 0, 0, 0, 0, 0, 0x0102, 0x0304}},
		{"::1.2.3.4", {0, 0, 0, 0, 0, 0, 0x0102, 0x0304}},
	};
	uint8_t a[16], want[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ip6_from_words(want, good[i].w);
		memset(a, 9, 16);
		CHECK_EQ(parse_ip6(good[i].text, a), 0);
		CHECK_MEM(a, want, 16);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(a, 9, 16);
		if (parse_ip6(bad[i], a) != -EINVAL) {
			fprintf(stderr, "parse_ip6 accepted \"%s\"\n", bad[i]);
			CHECK(0);
		}
		CHECK(a[0] == 9 && a[15] == 9);
	}
}

/* Random strings near the grammar (and mutated valid addresses) vs inet_pton. */
static void rnd_addr_text(char *s, size_t size, bool v6)
{
	static const char alpha6[] = "0123456789abcdefABCDEF::::...g% ";
	static const char alpha4[] = "0123456789......x -";
	const char *alpha = v6 ? alpha6 : alpha4;
	size_t alen = strlen(alpha), len, i;

	if (rnd_below(2)) {
		uint8_t b[16];

		for (i = 0; i < 16; i++)
			b[i] = rnd_below(2) ? 0 : (uint8_t)rnd();
		len = v6 ? fmt_ip6(s, b) : fmt_ip4(s, b);
		for (i = rnd_below(3); i > 0 && len; i--) { /* mutate */
			size_t at = rnd_below((unsigned)len);

			switch (rnd_below(3)) {
			case 0:
				s[at] = alpha[rnd_below((unsigned)alen)];
				break;
			case 1:
				memmove(s + at, s + at + 1, len - at);
				len--;
				break;
			default:
				if (len + 2 < size) {
					memmove(s + at + 1, s + at, len - at + 1);
					s[at] = alpha[rnd_below((unsigned)alen)];
					len++;
				}
			}
		}
		return;
	}
	len = rnd_below((unsigned)MIN(size - 1, v6 ? 44 : 18));
	for (i = 0; i < len; i++)
		s[i] = alpha[rnd_below((unsigned)alen)];
	s[len] = '\0';
}

static void test_parse_vs_inet_pton(void)
{
	char s[64], back[ADDR_IP6_STRLEN];
	uint8_t mine[16], ref[16], again[16];
	int i, bad = 0, accepted = 0;

	for (i = 0; i < 400000; i++) {
		bool v6 = i & 1;
		int r1, r2;

		rnd_addr_text(s, sizeof(s), v6);
		r1 = v6 ? parse_ip6(s, mine) : parse_ip4(s, mine);
		r2 = inet_pton(v6 ? AF_INET6 : AF_INET, s, ref);
		if ((r1 == 0) != (r2 == 1) || (!r1 && memcmp(mine, ref, v6 ? 16 : 4))) {
			if (bad++ < 5)
				fprintf(stderr, "\"%s\": parse %d, inet_pton %d\n", s, r1, r2);
			continue;
		}
		if (r1)
			continue;
		accepted++;
		/* Round trip: the canonical text parses back to the same bytes. */
		if (v6) {
			fmt_ip6(back, mine);
			r1 = parse_ip6(back, again);
		} else {
			fmt_ip4(back, mine);
			r1 = parse_ip4(back, again);
		}
		if (r1 || memcmp(mine, again, v6 ? 16 : 4))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(accepted > 100000); /* the generator does reach the valid grammar */
}

int main(void)
{
	RUN(test_fmt_basic);
	RUN(test_fmt_truncation);
	RUN(test_fmt_unknown_conversion);
	RUN(test_fmt_narrowing);
	RUN(test_fmt_precision_unterminated);
	RUN(test_fmt_vs_snprintf);
	RUN(test_parse_uint);
	RUN(test_parse_uint_vs_strtoull);
	RUN(test_fmt_ip4);
	RUN(test_fmt_ip6_rfc5952);
	RUN(test_fmt_ip6_vs_inet_ntop);
	RUN(test_parse_ip4);
	RUN(test_parse_ip6);
	RUN(test_parse_vs_inet_pton);
	return t_done();
}
