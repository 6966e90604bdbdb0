/* vectors.h - loader for the byte-vector files in ../shared/vectors (qmi_vectors.txt,
 * mbim_vectors.txt): records "[ID] TAG | description" followed by indented "key: value" lines,
 * of which "hex:" is the frame, "expect:" the expected values and the line naming the reference
 * library's version ("libqmi-1.32.2:", "libmbim-1.28.2:") its verdict. The file is read at run
 * time, so the vectors exist once; cwd is the repo root, and an environment variable may point
 * elsewhere. A missing file is a failure of the caller's test, never a skip.
 */
#ifndef WWANBOX_VECTORS_H
#define WWANBOX_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vec {
	char id[16];
	char verdict[128];	/* the reference library's line, after the colon */
	char expect[512];
	uint8_t b[1024];
	size_t len;
};

static inline int vec_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits (spaces allowed between bytes) into out; returns the byte count. */
static inline size_t vec_unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		int hi, lo;

		while (*s == ' ')
			s++;
		hi = vec_hexval(s[0]);
		lo = hi < 0 ? -1 : vec_hexval(s[1]);
		if (lo < 0)
			break;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n;
}

static inline void vec_copy_value(char *dst, size_t size, const char *s)
{
	size_t n = strcspn(s, "\r\n");

	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

/* Load the records whose id starts with prefix ('Q', 'M') from $env or path into vecs[max].
 * verdict_key is the reference library's line key ("libqmi-1.32.2:"). Returns the count, or -1
 * (with a message on stderr) when the file cannot be read. */
static inline int vec_load(const char *env, const char *path, char prefix, const char *verdict_key,
		    struct vec *vecs, int max)
{
	const char *p, *override = getenv(env);
	char line[4096];
	struct vec *v = NULL;
	int n = 0;
	FILE *f;

	if (override)
		path = override;
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s (run from the repo root, or set %s)\n", path, env);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '[' && line[1] == prefix && n < max) {
			v = &vecs[n++];
			memset(v, 0, sizeof(*v));
			sscanf(line, "[%15[^]]]", v->id);
		} else if (!v) {
			continue;
		} else if ((p = strstr(line, verdict_key))) {
			p += strlen(verdict_key);
			vec_copy_value(v->verdict, sizeof(v->verdict), p + (*p == ' '));
		} else if ((p = strstr(line, "hex: "))) {
			v->len = vec_unhex(p + 5, v->b, sizeof(v->b));
		} else if ((p = strstr(line, "expect: "))) {
			vec_copy_value(v->expect, sizeof(v->expect), p + 8);
		}
	}
	fclose(f);
	return n;
}

static inline const struct vec *vec_find(const struct vec *vecs, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(vecs[i].id, id))
			return &vecs[i];
	return NULL;
}

#endif
