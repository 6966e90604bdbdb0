/* addr.c - address text, see include/addr.h. */
#include "addr.h"

static char *put_dec8(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *put_ip4(char *p, const uint8_t *b)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_dec8(p, b[i]);
	}
	*p = '\0';
	return p;
}

size_t fmt_ip4(char buf[ADDR_IP4_STRLEN], const void *a4)
{
	return (size_t)(put_ip4(buf, a4) - buf);
}

static char *put_hex16(char *p, unsigned v)
{
	int shift;

	for (shift = 12; shift > 0 && !(v >> shift); shift -= 4)
		;
	for (; shift >= 0; shift -= 4)
		*p++ = "0123456789abcdef"[v >> shift & 15];
	return p;
}

/* RFC 5952 4.2: the longest run of zero groups, the first one on a tie, none shorter than 2. */
static void zero_run(const uint16_t w[8], int *best, int *best_len)
{
	int i, len = 0;

	*best = -1;
	*best_len = 0;
	for (i = 0; i < 8; i++) {
		len = w[i] ? 0 : len + 1;
		if (len > *best_len) {
			*best_len = len;
			*best = i - len + 1;
		}
	}
	if (*best_len < 2) {
		*best = -1;
		*best_len = 0;
	}
}

size_t fmt_ip6(char buf[ADDR_IP6_STRLEN], const void *a16)
{
	/* RFC 5952 5: IPv4-mapped addresses (RFC 4291 2.5.5.2) end in dotted decimal. */
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	const uint8_t *b = a16;
	uint16_t w[8];
	int i, best, best_len;
	char *p = buf;

	if (!memcmp(b, mapped, sizeof(mapped))) {
		memcpy(p, "::ffff:", 7);
		return (size_t)(put_ip4(p + 7, b + 12) - buf);
	}
	for (i = 0; i < 8; i++)
		w[i] = get_be16(b + 2 * i);
	zero_run(w, &best, &best_len);
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			*p++ = ':';
		p = put_hex16(p, w[i]);
	}
	*p = '\0';
	return (size_t)(p - buf);
}

int parse_ip4(const char *s, uint8_t out[4])
{
	uint8_t b[4];
	int i;

	for (i = 0; i < 4; i++) {
		unsigned v = 0, nd = 0;

		if (i && *s++ != '.')
			return -EINVAL;
		for (; *s >= '0' && *s <= '9' && nd < 4; s++, nd++)
			v = v * 10 + (unsigned)(*s - '0');
		if (!nd || nd > 3 || v > 255 || (nd > 1 && s[-(int)nd] == '0'))
			return -EINVAL;
		b[i] = (uint8_t)v;
	}
	if (*s)
		return -EINVAL;
	memcpy(out, b, 4);
	return 0;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Groups from s into w[]; *gap = index of the "::" (or -1). Returns the group count or -EINVAL. */
static int parse_groups(const char *s, uint16_t w[8], int *gap)
{
	int n = 0;

	*gap = -1;
	if (s[0] == ':') {
		if (s[1] != ':')
			return -EINVAL;
		*gap = 0;
		s += 2;
		if (!*s)
			return 0;
	}
	for (;;) {
		const char *g = s;
		unsigned v = 0, nd = 0;
		uint8_t b4[4];

		for (; hex_val(*s) >= 0 && nd < 5; s++, nd++)
			v = v << 4 | (unsigned)hex_val(*s);
		if (*s == '.') {
			/* RFC 4291 2.2 (3): a dotted quad, only as the last two groups. */
			if (n > 6 || parse_ip4(g, b4))
				return -EINVAL;
			w[n++] = get_be16(b4);
			w[n++] = get_be16(b4 + 2);
			return n;
		}
		if (!nd || nd > 4 || n == 8)
			return -EINVAL;
		w[n++] = (uint16_t)v;
		if (!*s)
			return n;
		if (*s++ != ':')
			return -EINVAL;
		if (*s == ':') {
			if (*gap >= 0)
				return -EINVAL;
			*gap = n;
			if (!*++s)
				return n;
		}
	}
}

int parse_ip6(const char *s, uint8_t out[16])
{
	uint16_t w[8];
	uint8_t b[16] = {0};
	int i, n, gap, tail;

	n = parse_groups(s, w, &gap);
	if (n < 0)
		return n;
	/* "::" stands for at least one group (RFC 4291 2.2 (2)). */
	if (gap < 0 ? n != 8 : n > 7)
		return -EINVAL;
	if (gap < 0)
		gap = n;
	tail = n - gap;
	for (i = 0; i < gap; i++)
		put_be16(b + 2 * i, w[i]);
	for (i = 0; i < tail; i++)
		put_be16(b + 2 * (8 - tail + i), w[gap + i]);
	memcpy(out, b, 16);
	return 0;
}
