/* fmt.h - text formatting without the printf family, and strict number parsing.
 *
 * fmt_buf() is a small snprintf: the binary never links musl's vfprintf (~7 KB with its float
 * code). Conversions: %d %i %u %x %X %c %s %% with flags "-0+ #", a width and a precision
 * (digits or *), and the length modifiers hh h l ll z j t. "%.*s" prints at most that many bytes
 * and never reads past them. No %p %o %n %e %f %g: an unknown conversion is copied literally,
 * and so is the rest of the format, whose arguments are not consumed (their types are unknown,
 * so reading them could be undefined behaviour). The compiler checks formats (-Wformat), but it
 * accepts %f/%p, so do not use them. "%s" of NULL prints "(null)". Widths and precisions
 * above FMT_MAX_WIDTH are clamped to it.
 */
#ifndef WWANBOX_FMT_H
#define WWANBOX_FMT_H

#include <stdarg.h>

#include "wwanbox.h"

#define FMT_MAX_WIDTH 1000000

/* Write at most n-1 bytes and a NUL to dst (nothing if n == 0); return the length the whole
 * output has, so a return value >= n means it was truncated (as snprintf). */
size_t fmt_buf(char *dst, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
size_t fmt_vbuf(char *dst, size_t n, const char *f, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Parse a decimal number: digits only (no sign, space, or base prefix; leading zeros are
 * decimal, "010" is ten), min <= value <= max. 0, -EINVAL if s is not such a number, -ERANGE
 * if it is out of [min, max] or of uint64_t. *out is written only on success. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
