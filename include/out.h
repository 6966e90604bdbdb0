/* out.h - one writer for the three output formats: human text, key=value, JSON.
 *
 * An applet describes its result once, as nested objects and arrays of named values, and the
 * mode decides how it looks. The root is an object; keys are the caller's constant strings and
 * keep the caller's order. Example, for the members ip, dns[0], dns[1] in an object ipv4:
 *
 *   OUT_HUMAN           OUT_KV                 OUT_JSON (one line, then '\n')
 *   ipv4:               ipv4.ip=10.0.0.2       {"ipv4":{"ip":"10.0.0.2",
 *     ip: 10.0.0.2      ipv4.dns.0=8.8.8.8      "dns":["8.8.8.8","9.9.9.9"]}}
 *     dns:              ipv4.dns.1=9.9.9.9
 *       - 8.8.8.8
 *       - 9.9.9.9
 *
 * Values: strings, integers, booleans (human yes/no; kv and JSON true/false), null (human
 * "(none)", kv empty, JSON null). Byte strings may hold anything:
 *  - JSON: '"', '\\' and control characters are escaped (\b \f \n \r \t, else \u00XX); valid
 *    UTF-8 passes through; every byte that is not part of a valid UTF-8 sequence (overlong,
 *    surrogate, above U+10FFFF, truncated, stray continuation) is read as ISO-8859-1 and written
 *    as \u00XX. Modems report operator names in Latin-1 often enough that this reads right
 *    where U+FFFD would not, it loses nothing, and the output is always valid JSON.
 *  - human and kv: one line per value. Valid UTF-8 from U+00A0 and printable ASCII pass through;
 *    '\\' is doubled; \n \r \t are written so; every other byte (controls, C1 controls, invalid
 *    UTF-8) as \xHH, so no value can move the cursor or start a terminal escape sequence.
 *    kv values are single-quoted for the shell unless they consist of [A-Za-z0-9_@%+=:,./-]
 *    only ("'" becomes '\''), so `eval` is safe; keys are dotted paths, array items numbered.
 * OUT_SECRET: the value is written as "(hidden)" in every mode; its bytes are never read.
 *
 * Errors: the first write error is kept and returned by out_finish(); later calls do nothing.
 * Misuse (an end without a begin, nesting deeper than OUT_DEPTH_MAX) is reported as -EINVAL
 * by out_finish() but still yields well-formed output. Nothing is allocated.
 */
#ifndef WWANBOX_OUT_H
#define WWANBOX_OUT_H

#include "wwanbox.h"

enum out_mode {
	OUT_HUMAN,
	OUT_KV,
	OUT_JSON, /* needs FEATURE_JSON */
};

enum {
	OUT_SECRET = 1U << 0, /* PIN, PUK, password: print "(hidden)" instead */
};

#define OUT_BUF_SIZE 1024 /* written to the fd when full and by out_finish() */
#define OUT_DEPTH_MAX 16  /* nesting levels below the root */
#define OUT_KEY_MAX 128	  /* longest dotted key in kv mode */

struct out {
	int fd;
	int err; /* first error, -errno */
	enum out_mode mode;
	unsigned depth;	    /* current level: 0 = the root object */
	unsigned skip;	    /* levels opened beyond OUT_DEPTH_MAX, ignored */
	bool misuse;	    /* unbalanced end, too deep, key too long: out_finish() -EINVAL */
	uint32_t is_arr;    /* bit d: level d is an array */
	uint32_t has_items; /* bit d: level d has a member already */
	uint32_t index[OUT_DEPTH_MAX + 1];   /* next item number of an array level */
	uint16_t key_len[OUT_DEPTH_MAX + 1]; /* kv: length of key[] at each level */
	char key[OUT_KEY_MAX];		     /* kv: dotted path of the current level */
	size_t len;
	char buf[OUT_BUF_SIZE];
};

/* Start a document written to fd. 0, or -EOPNOTSUPP for OUT_JSON without FEATURE_JSON (then
 * the writer falls back to OUT_KV, so the calls that follow stay valid). */
int out_init(struct out *o, int fd, enum out_mode mode);

/* Containers. key names the member in an object and is ignored in an array (pass NULL). */
void out_obj_begin(struct out *o, const char *key);
void out_obj_end(struct out *o);
void out_arr_begin(struct out *o, const char *key);
void out_arr_end(struct out *o);

/* Values. s == NULL is written as null. */
void out_str(struct out *o, const char *key, const char *s, unsigned flags);
void out_strn(struct out *o, const char *key, const void *s, size_t len, unsigned flags);
void out_int(struct out *o, const char *key, long long v);
void out_uint(struct out *o, const char *key, unsigned long long v);
void out_bool(struct out *o, const char *key, bool v);
void out_null(struct out *o, const char *key);
void out_ip4(struct out *o, const char *key, const void *a4);  /* 4 bytes, network order */
void out_ip6(struct out *o, const char *key, const void *a16); /* 16 bytes, RFC 5952 text */

/* Close what is open, end the document (JSON: '}' and '\n'), write everything out.
 * 0 or the first error (-errno of write(2), -EINVAL for misuse). */
int out_finish(struct out *o);

#endif
