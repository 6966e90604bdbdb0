/* out.c - human, key=value and JSON output with one writer, see include/out.h. */
#include "out.h"

#include <unistd.h>

#include "addr.h"
#include "fmt.h"

#define HIDDEN "(hidden)"

static bool is_json(const struct out *o)
{
	return CFG_FEATURE_JSON && o->mode == OUT_JSON;
}

static void flush(struct out *o)
{
	size_t off = 0;

	while (off < o->len && !o->err) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);

		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EINTR)
			o->err = -errno;
		else if (n == 0)
			o->err = -EIO;
	}
	o->len = 0;
}

static void put_n(struct out *o, const void *p, size_t len)
{
	const char *c = p;

	while (len && !o->err) {
		size_t n = MIN(len, sizeof(o->buf) - o->len);

		memcpy(o->buf + o->len, c, n);
		o->len += n;
		c += n;
		len -= n;
		if (o->len == sizeof(o->buf))
			flush(o);
	}
}

static void put_s(struct out *o, const char *s)
{
	put_n(o, s, strlen(s));
}

static void put_c(struct out *o, char c)
{
	put_n(o, &c, 1);
}

static void put_hex_byte(struct out *o, const char *prefix, uint8_t b)
{
	char hex[2] = {"0123456789abcdef"[b >> 4], "0123456789abcdef"[b & 15]};

	put_s(o, prefix);
	put_n(o, hex, 2);
}

/* Length of the valid UTF-8 sequence at p (1-4), 0 if p[0] does not start one. Unicode 15
 * table 3-7: no overlongs (C0, C1, E0 80-9F, F0 80-8F), no surrogates (ED A0-BF), nothing
 * above U+10FFFF (F4 90-BF, F5-FF). */
static size_t utf8_len(const uint8_t *p, size_t len)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (len < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static const char *c_escape(uint8_t c)
{
	switch (c) {
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	default:
		return NULL;
	}
}

/* A JSON string (RFC 8259 7) of any bytes; invalid UTF-8 bytes as Latin-1 (\u00XX). */
static void put_json_str(struct out *o, const uint8_t *s, size_t len)
{
	size_t i = 0, n;

	put_c(o, '"');
	while (i < len) {
		n = utf8_len(s + i, len - i);
		if (n > 1 || (n == 1 && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')) {
			put_n(o, s + i, n);
			i += n;
			continue;
		}
		if (n == 1 && c_escape(s[i]))
			put_s(o, c_escape(s[i]));
		else
			put_hex_byte(o, "\\u00", s[i]);
		i++;
	}
	put_c(o, '"');
}

/* Text for a terminal or a shell variable: one line, no control characters. */
static void put_text(struct out *o, const uint8_t *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = utf8_len(s + i, len - i);
		/* U+0080..U+009F (C2 80..C2 9F) are C1 controls: 9B is CSI on some terminals. */
		if ((n == 1 && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') ||
		    (n > 1 && !(s[i] == 0xc2 && s[i + 1] < 0xa0))) {
			put_n(o, s + i, n);
			i += n;
		} else if (s[i] == '\\' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
			put_s(o, c_escape(s[i++]));
		} else {
			put_hex_byte(o, "\\x", s[i++]);
		}
	}
}

static bool shell_safe(const uint8_t *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("_@%+=:,./-", s[i])) ||
		    !s[i])
			return false;
	return true;
}

/* kv: '...' around put_text() unless nothing needs it; a quote becomes '\''. */
static void put_shell(struct out *o, const uint8_t *s, size_t len)
{
	size_t i, start = 0;

	if (shell_safe(s, len)) {
		put_n(o, s, len);
		return;
	}
	put_c(o, '\'');
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\'')
			continue;
		put_text(o, s + start, i - start);
		if (i < len)
			put_s(o, "'\\''");
		start = i + 1;
	}
	put_c(o, '\'');
}

/* Keys are the caller's constants; still, nothing in a kv key may need shell quoting. */
static char kv_key_char(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '-' || c == '.')
		return c;
	return '_';
}

static void put_kv_key(struct out *o, const char *key)
{
	for (; *key; key++)
		put_c(o, kv_key_char(*key));
}

static bool in_array(const struct out *o)
{
	return o->is_arr >> o->depth & 1;
}

static void put_indent(struct out *o)
{
	unsigned i;

	for (i = 0; i < o->depth; i++)
		put_s(o, "  ");
}

/* The name of the next member of the current level, as text (array items are numbered). */
static const char *member_name(struct out *o, const char *key, char num[12])
{
	if (in_array(o)) {
		fmt_buf(num, 12, "%u", (unsigned)o->index[o->depth]++);
		return num;
	}
	return key ? key : "";
}

/* kv: the full dotted key of a member. */
static void put_kv_path(struct out *o, const char *name)
{
	put_n(o, o->key, o->key_len[o->depth]);
	if (o->key_len[o->depth])
		put_c(o, '.');
	put_kv_key(o, name);
}

/* Whatever comes before a member's value; container: a '{' or '[' follows (not in kv mode). */
static bool member(struct out *o, const char *key, bool container)
{
	char num[12];
	const char *name;

	if (o->err || o->skip)
		return false;
	name = member_name(o, key, num);
	if (is_json(o)) {
		if (o->has_items >> o->depth & 1)
			put_c(o, ',');
		if (!in_array(o)) {
			put_json_str(o, (const uint8_t *)name, strlen(name));
			put_c(o, ':');
		}
	} else if (o->mode == OUT_KV) {
		put_kv_path(o, name);
		put_c(o, '=');
	} else {
		put_indent(o);
		if (in_array(o)) {
			put_s(o, container ? "-\n" : "- ");
		} else {
			put_text(o, (const uint8_t *)name, strlen(name));
			put_s(o, container ? ":\n" : ": ");
		}
	}
	o->has_items |= 1U << o->depth;
	return true;
}

static void end_scalar(struct out *o)
{
	if (!is_json(o))
		put_c(o, '\n');
}

/* kv: the path of the level being opened = parent path + "." + name. */
static void push_kv_path(struct out *o, const char *name)
{
	size_t len = o->key_len[o->depth - 1];

	if (len)
		o->key[len++] = '.';
	for (; *name && len < sizeof(o->key); name++)
		o->key[len++] = kv_key_char(*name);
	if (*name || len == sizeof(o->key))
		o->misuse = true; /* OUT_KEY_MAX is too small: the path is cut */
	o->key_len[o->depth] = (uint16_t)MIN(len, sizeof(o->key) - 1);
}

static void begin(struct out *o, const char *key, bool arr)
{
	char num[12];

	if (o->err)
		return;
	if (o->skip || o->depth == OUT_DEPTH_MAX) {
		o->skip++; /* its contents are dropped, its end ignored */
		o->misuse = true;
		return;
	}
	if (o->mode == OUT_KV) {
		/* Nothing is printed for a container: its name becomes part of the keys. */
		const char *name = member_name(o, key, num);

		o->depth++;
		push_kv_path(o, name);
	} else {
		member(o, key, true);
		if (is_json(o))
			put_c(o, arr ? '[' : '{');
		o->depth++;
	}
	o->is_arr = (o->is_arr & ~(1U << o->depth)) | (uint32_t)arr << o->depth;
	o->has_items &= ~(1U << o->depth);
	o->index[o->depth] = 0;
}

static void end(struct out *o, bool arr)
{
	if (o->err)
		return;
	if (o->skip) {
		o->skip--;
		return;
	}
	if (!o->depth || in_array(o) != arr) {
		o->misuse = true; /* unbalanced: ignored, out_finish() closes what is open */
		return;
	}
	if (is_json(o))
		put_c(o, arr ? ']' : '}');
	o->depth--;
}

int out_init(struct out *o, int fd, enum out_mode mode)
{
	int ret = 0;

	memset(o, 0, offsetof(struct out, buf));
	o->fd = fd;
	o->mode = mode;
	if (mode == OUT_JSON && !CFG_FEATURE_JSON) {
		o->mode = OUT_KV;
		ret = -EOPNOTSUPP;
	}
	if (is_json(o))
		put_c(o, '{');
	return ret;
}

void out_obj_begin(struct out *o, const char *key)
{
	begin(o, key, false);
}

void out_obj_end(struct out *o)
{
	end(o, false);
}

void out_arr_begin(struct out *o, const char *key)
{
	begin(o, key, true);
}

void out_arr_end(struct out *o)
{
	end(o, true);
}

void out_strn(struct out *o, const char *key, const void *s, size_t len, unsigned flags)
{
	if (!s) {
		out_null(o, key);
		return;
	}
	if (flags & OUT_SECRET) {
		s = HIDDEN;
		len = sizeof(HIDDEN) - 1;
	}
	if (!member(o, key, false))
		return;
	if (is_json(o))
		put_json_str(o, s, len);
	else if (o->mode == OUT_KV)
		put_shell(o, s, len);
	else if (!len)
		put_s(o, "\"\"");
	else
		put_text(o, s, len);
	end_scalar(o);
}

void out_str(struct out *o, const char *key, const char *s, unsigned flags)
{
	out_strn(o, key, s, s && !(flags & OUT_SECRET) ? strlen(s) : 0, flags);
}

/* A value written as it is in every mode (numbers, true/false, addresses). */
static void put_raw(struct out *o, const char *key, const char *text, bool quote)
{
	if (!member(o, key, false))
		return;
	if (quote && is_json(o))
		put_json_str(o, (const uint8_t *)text, strlen(text));
	else
		put_s(o, text);
	end_scalar(o);
}

void out_int(struct out *o, const char *key, long long v)
{
	char num[24];

	fmt_buf(num, sizeof(num), "%lld", v);
	put_raw(o, key, num, false);
}

void out_uint(struct out *o, const char *key, unsigned long long v)
{
	char num[24];

	fmt_buf(num, sizeof(num), "%llu", v);
	put_raw(o, key, num, false);
}

void out_bool(struct out *o, const char *key, bool v)
{
	put_raw(o, key, o->mode == OUT_HUMAN ? (v ? "yes" : "no") : (v ? "true" : "false"), false);
}

void out_null(struct out *o, const char *key)
{
	put_raw(o, key, is_json(o) ? "null" : o->mode == OUT_KV ? "" : "(none)", false);
}

void out_ip4(struct out *o, const char *key, const void *a4)
{
	char text[ADDR_IP4_STRLEN];

	fmt_ip4(text, a4);
	put_raw(o, key, text, true);
}

void out_ip6(struct out *o, const char *key, const void *a16)
{
	char text[ADDR_IP6_STRLEN];

	fmt_ip6(text, a16);
	put_raw(o, key, text, true);
}

int out_finish(struct out *o)
{
	int err;

	o->skip = 0;
	while (o->depth && !o->err)
		end(o, in_array(o));
	if (is_json(o))
		put_s(o, "}\n");
	flush(o);
	err = o->err ? o->err : o->misuse ? -EINVAL : 0;
	o->err = err ? err : -EALREADY; /* the document is closed: ignore further calls */
	return err;
}
