/* fmt.c - a small snprintf and a strict decimal parser, see include/fmt.h.
 *
 * The integer rules follow C11 7.21.6.1: a precision is the minimum number of digits ("%.0d" of
 * 0 prints nothing), '0' is ignored with '-' or with a precision, '+' beats ' ', '#' prefixes a
 * non-zero %x with 0x, a negative '*' width means '-', a negative '*' precision means none.
 * tests/unit/test_fmt.c compares the output with the C library's snprintf.
 */
#include "fmt.h"

enum {
	F_LEFT = 1U << 0,  /* '-' */
	F_ZERO = 1U << 1,  /* '0' */
	F_PLUS = 1U << 2,  /* '+' */
	F_SPACE = 1U << 3, /* ' ' */
	F_ALT = 1U << 4,   /* '#' */
};

struct sink {
	char *dst;
	size_t n;   /* room in dst, NUL included */
	size_t len; /* bytes the output has so far, written or not */
};

struct spec {
	unsigned flags;
	size_t width;
	long prec; /* -1: none */
	char size; /* 'H' hh, 'h', 0 int, 'l', 'L' ll, 'z', 'j', 't' */
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->n)
		s->dst[s->len] = c;
	s->len++;
}

static void put_n(struct sink *s, const char *p, size_t len)
{
	while (len--)
		put(s, *p++);
}

static void put_pad(struct sink *s, char c, size_t count)
{
	while (count--)
		put(s, c);
}

/* Digits of a decimal number at *f, clamped; *f is moved past them. */
static size_t take_num(const char **f)
{
	size_t v = 0;

	for (; **f >= '0' && **f <= '9'; (*f)++)
		v = MIN(v * 10 + (size_t)(**f - '0'), (size_t)FMT_MAX_WIDTH);
	return v;
}

/* Flags, width, precision and length of a conversion; *f is left on the conversion letter. */
static void take_spec(const char **f, struct spec *sp, va_list *ap)
{
	static const char flag_chars[] = "-0+ #"; /* in the order of F_LEFT.. */
	const char *p;

	sp->flags = 0;
	for (; **f && (p = strchr(flag_chars, **f)); (*f)++)
		sp->flags |= 1U << (p - flag_chars);
	if (**f == '*') {
		int w = va_arg(*ap, int);

		(*f)++;
		if (w < 0)
			sp->flags |= F_LEFT;
		sp->width = MIN(w < 0 ? -(size_t)w : (size_t)w, (size_t)FMT_MAX_WIDTH);
	} else {
		sp->width = take_num(f);
	}
	sp->prec = -1;
	if (**f == '.') {
		(*f)++;
		if (**f == '*') {
			int pr = va_arg(*ap, int);

			(*f)++;
			sp->prec = pr < 0 ? -1 : MIN(pr, FMT_MAX_WIDTH);
		} else {
			sp->prec = (long)take_num(f);
		}
	}
	sp->size = 0;
	if (**f && strchr("hlzjt", **f)) {
		sp->size = *(*f)++;
		if ((sp->size == 'h' || sp->size == 'l') && **f == sp->size) {
			sp->size = sp->size == 'h' ? 'H' : 'L';
			(*f)++;
		}
	}
}

static long long arg_signed(char size, va_list *ap)
{
	switch (size) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
		return (ptrdiff_t)va_arg(*ap, size_t); /* same width on every Linux ABI */
	case 'j':
		return va_arg(*ap, intmax_t);
	case 't':
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static unsigned long long arg_unsigned(char size, va_list *ap)
{
	switch (size) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
		return va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	case 't':
		return (size_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

/* Sign or 0x prefix, zeros up to the precision, digits, padded to the width. */
static void put_num(struct sink *s, const struct spec *sp, unsigned long long u, char sign,
		    unsigned base, bool upper)
{
	const char *digit = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24], prefix[2];
	size_t nd = 0, np = 0, zeros, body, pad;

	for (; u; u /= base)
		rev[nd++] = digit[u % base];
	if (sign)
		prefix[np++] = sign;
	if ((sp->flags & F_ALT) && base == 16 && nd) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}
	if (sp->prec >= 0)
		zeros = (size_t)sp->prec > nd ? (size_t)sp->prec - nd : 0;
	else
		zeros = nd ? 0 : 1;
	body = np + zeros + nd;
	pad = sp->width > body ? sp->width - body : 0;
	if (!(sp->flags & F_LEFT) && (sp->flags & F_ZERO) && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(sp->flags & F_LEFT))
		put_pad(s, ' ', pad);
	put_n(s, prefix, np);
	put_pad(s, '0', zeros);
	while (nd)
		put(s, rev[--nd]);
	if (sp->flags & F_LEFT)
		put_pad(s, ' ', pad);
}

static void put_padded(struct sink *s, const struct spec *sp, const char *p, size_t len)
{
	size_t pad = sp->width > len ? sp->width - len : 0;

	if (!(sp->flags & F_LEFT))
		put_pad(s, ' ', pad);
	put_n(s, p, len);
	if (sp->flags & F_LEFT)
		put_pad(s, ' ', pad);
}

static void put_str(struct sink *s, const struct spec *sp, const char *str)
{
	size_t len = 0;

	if (!str)
		str = "(null)";
	/* Never look past the precision: "%.*s" may point at an unterminated buffer. */
	while ((sp->prec < 0 || len < (size_t)sp->prec) && str[len])
		len++;
	put_padded(s, sp, str, len);
}

/* One conversion at f (just past '%'); returns the format after it, or NULL to stop. */
static const char *convert(struct sink *s, const char *f, va_list *ap)
{
	const char *start = f - 1;
	struct spec sp;
	long long v;
	char c;

	take_spec(&f, &sp, ap);
	switch (*f) {
	case 'd':
	case 'i':
		v = arg_signed(sp.size, ap);
		c = v < 0 ? '-' : sp.flags & F_PLUS ? '+' : sp.flags & F_SPACE ? ' ' : 0;
		put_num(s, &sp, v < 0 ? -(unsigned long long)v : (unsigned long long)v, c, 10, 0);
		break;
	case 'u':
	case 'x':
	case 'X':
		put_num(s, &sp, arg_unsigned(sp.size, ap), 0, *f == 'u' ? 10 : 16, *f == 'X');
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_padded(s, &sp, &c, 1);
		break;
	case 's':
		put_str(s, &sp, va_arg(*ap, const char *));
		break;
	case '%':
		put(s, '%');
		break;
	default:
		put_n(s, start, strlen(start));
		return NULL;
	}
	return f + 1;
}

size_t fmt_vbuf(char *dst, size_t n, const char *f, va_list ap)
{
	struct sink s = {dst, n, 0};
	va_list aq;

	va_copy(aq, ap);
	while (f && *f) {
		if (*f != '%')
			put(&s, *f++);
		else
			f = convert(&s, f + 1, &aq);
	}
	va_end(aq);
	if (n)
		dst[MIN(s.len, n - 1)] = '\0';
	return s.len;
}

size_t fmt_buf(char *dst, size_t n, const char *f, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, f);
	len = fmt_vbuf(dst, n, f, ap);
	va_end(ap);
	return len;
}

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool too_big = false;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d = (unsigned)(unsigned char)*s - '0';

		if (d > 9)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / 10)
			too_big = true; /* keep going: "99999999999999999999x" is -EINVAL */
		else
			v = v * 10 + d;
	}
	if (too_big || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}
