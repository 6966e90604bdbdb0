/* test_align.c - byte order and alignment, for every codec: each vector of ../shared/vectors
 * is decoded from a buffer at alignment offsets 0..7 and must decode identically at every
 * offset, and agree with the reference library's values the file lists. `make check-cross` runs
 * it under qemu-user on big-endian MIPS and ARMv7, where a struct cast onto a buffer reads
 * garbage (uqmi printed "mtu 263644" on ARMv5) or faults (qemu-mips raises SIGBUS on an
 * unaligned lw).
 *
 * The per-codec tests go deeper (test_qmi.c: framing of each QMI vector at offsets 0..7 against
 * libqmi's header; test_qmi_msg.c: every QMI message decoder at offsets 0..7); this file is the
 * one place that walks every codec the same way, so a new codec gets the check by adding a
 * decode function and one line to codecs[] below. A vectors file with byte vectors ("hex:"
 * lines) that no codec claims is reported as SKIP, naming the file.
 *
 * A decode function turns a frame into canonical text: every field the codec decodes, integers
 * as numbers, in a fixed order. The first line must be the file's verdict line when the codec
 * can express it (QMI: "libqmi: OK (wds response cid=1 tid=1 msg=0x0020 len=24)").
 */
#include <dirent.h>
#include <stdarg.h>

#include "wwanbox.h"
#include "bytes.h"
#include "qmi.h"
#include "t.h"
#include "vectors.h"

#define VECTORS_DIR "../shared/vectors" /* cwd is the repo root, as for the other tests */
#define MAX_VECS 96
#define TEXT_MAX 8192

/* A canonical-text buffer; output past its end is dropped. */
struct text {
	char s[TEXT_MAX];
	size_t n;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (t->n >= sizeof(t->s) - 1)
		return;
	va_start(ap, fmt);
	r = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		t->n = MIN(t->n + (size_t)r, sizeof(t->s) - 1);
}

/* ---- QMI: framing, the TLV walk, the result TLV, each TLV's integers ---- */

static const char *qmi_svc_name(uint8_t svc)
{
	switch (svc) {
	case QMI_SVC_CTL: return "ctl";
	case QMI_SVC_WDS: return "wds";
	case QMI_SVC_DMS: return "dms";
	case QMI_SVC_NAS: return "nas";
	case QMI_SVC_UIM: return "uim";
	case 0x10: return "loc";
	case QMI_SVC_WDA: return "wda";
	}
	return "?";
}

static int decode_qmi(const uint8_t *buf, size_t len, struct text *t)
{
	static const char *kinds[] = {"request", "response", "indication"};
	const uint8_t *val;
	struct qmi_msg m;
	uint16_t vlen, err = 0;
	size_t pos = 0;
	uint8_t type;
	int r = qmi_parse(buf, len, &m);

	if (r < 0) {
		text_add(t, "libqmi: REJECTED\n");
		return r;
	}
	text_add(t, "libqmi: OK (%s %s cid=%u tid=%u msg=0x%04x len=%zu)\n",
		 qmi_svc_name(m.service), kinds[m.type], m.client_id, m.tid, m.msg_id, m.frame_len);
	text_add(t, "qmux_flags=0x%02x sdu_flags=0x%02x tlv_len=%u\n", m.qmux_flags, m.sdu_flags,
		 m.tlv_len);
	while (qmi_tlv_next(&m, &pos, &type, &val, &vlen) > 0) {
		text_add(t, "tlv 0x%02x len %u at %td:", type, vlen, val - buf);
		if (vlen >= 2)
			text_add(t, " le16=%u", get_le16(val));
		if (vlen >= 4)
			text_add(t, " le32=%u le16@2=%u", get_le32(val), get_le16(val + 2));
		if (vlen >= 8)
			text_add(t, " le64=%llu", (unsigned long long)get_le64(val));
		text_add(t, "\n");
	}
	r = qmi_result(&m, &err);
	text_add(t, "result %d error 0x%04x\n", r, err);
	return 0;
}

/* ---- the codecs ---- */

/* A new codec: its decode function above, then one line here, e.g. for MBIM
 *	{"mbim", "mbim_vectors.txt", "MBIM_VECTORS", 'M', "libmbim-1.28.2:", 27, CFG_CORE_MBIM,
 *	 CFG_CORE_MBIM ? decode_mbim : NULL},
 * (its first text line is compared with the verdict line: libmbim's "OK" or "REJECTED..."). */
static const struct codec {
	const char *name;
	const char *file;	 /* in VECTORS_DIR */
	const char *env;	 /* overrides the path, as in the codec's own test */
	char prefix;		 /* record ids: [Q01] */
	const char *verdict_key; /* the reference library's verdict line */
	int count;		 /* records the file holds: a shorter file is a failure */
	bool enabled;		 /* the codec's CFG_CORE_X */
	int (*decode)(const uint8_t *buf, size_t len, struct text *t);
} codecs[] = {
	{"qmi", "qmi_vectors.txt", "QMI_VECTORS", 'Q', "libqmi-1.32.2:", 42, CFG_CORE_QMI,
	 CFG_CORE_QMI ? decode_qmi : NULL},
};

static struct vec vecs[MAX_VECS];

/* The decoded first line against the file's verdict. A rejection may come with the reference
 * library's reason ("libqmi: REJECTED (Marker is incorrect ...)"): a decoded line ending in
 * REJECTED need only start it. */
static bool verdict_matches(const char *verdict, const char *first_line, size_t n)
{
	if (n >= 8 && !strncmp(first_line + n - 8, "REJECTED", 8))
		return !strncmp(verdict, first_line, n);
	return strlen(verdict) == n && !strncmp(verdict, first_line, n);
}

static void check_codec(const struct codec *c)
{
	static uint8_t buf[sizeof(vecs[0].b) + 8];
	static struct text t0, tk;
	char path[512];
	int i, k, n;

	snprintf(path, sizeof(path), "%s/%s", VECTORS_DIR, c->file);
	n = vec_load(c->env, path, c->prefix, c->verdict_key, vecs, MAX_VECS);
	CHECK_EQ(n, c->count);
	for (i = 0; i < n; i++) {
		const struct vec *v = &vecs[i];
		int r0, rk;
		size_t line;

		CHECK(v->len > 0);
		memset(&t0, 0, sizeof(t0));
		memcpy(buf, v->b, v->len);
		r0 = c->decode(buf, v->len, &t0);
		line = strcspn(t0.s, "\n");
		if (v->verdict[0] && !verdict_matches(v->verdict, t0.s, line)) {
			fprintf(stderr, "%s %s: decoded \"%.*s\", the file says \"%s\"\n", c->name,
				v->id, (int)line, t0.s, v->verdict);
			t_case_failed = 1;
		}
		for (k = 1; k < 8; k++) {
			memset(buf, 0xa5, sizeof(buf));
			memcpy(buf + k, v->b, v->len);
			memset(&tk, 0, sizeof(tk));
			rk = c->decode(buf + k, v->len, &tk);
			if (rk == r0 && !strcmp(tk.s, t0.s))
				continue;
			fprintf(stderr, "%s %s at offset %d: returned %d (%d at offset 0)\n", c->name,
				v->id, k, rk, r0);
			if (!t_case_failed) /* the first one in full */
				fprintf(stderr, "%s\nat offset 0:\n%s\n", tk.s, t0.s);
			t_case_failed = 1;
		}
	}
}

static const struct codec *codec_of(const char *file)
{
	for (size_t i = 0; i < ARRAY_SIZE(codecs); i++)
		if (!strcmp(codecs[i].file, file))
			return &codecs[i];
	return NULL;
}

static bool has_byte_vectors(const char *file)
{
	char path[512], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", VECTORS_DIR, file);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "  hex: ") != NULL;
	fclose(f);
	return found;
}

/* ---- tests ---- */

/* The byte-order helpers every codec reads through, at every offset, against fixed bytes. */
static void test_bytes_every_offset(void)
{
	static const uint8_t pat[8] = {0x01, 0x82, 0x03, 0x84, 0x05, 0x86, 0x07, 0x88};
	uint8_t b[16], w[16];
	uint16_t h16;
	uint32_t h32;
	int k;

	for (k = 0; k < 8; k++) {
		memset(b, 0xee, sizeof(b));
		memcpy(b + k, pat, sizeof(pat));
		CHECK_EQ(get_le16(b + k), 0x8201);
		CHECK_EQ(get_be16(b + k), 0x0182);
		CHECK_EQ(get_le32(b + k), 0x84038201u);
		CHECK_EQ(get_be32(b + k), 0x01820384u);
		CHECK(get_le64(b + k) == 0x8807860584038201ull);
		memcpy(&h16, pat, 2);
		memcpy(&h32, pat, 4);
		CHECK_EQ(get_h16(b + k), h16);
		CHECK_EQ(get_h32(b + k), h32);

		memset(w, 0xee, sizeof(w));
		put_le16(w + k, 0x8201);
		put_be16(w + k + 2, 0x0384);
		CHECK_MEM(w + k, pat, 4);
		memset(w, 0xee, sizeof(w));
		put_le32(w + k, 0x84038201u);
		put_be32(w + k + 4, 0x05860788u);
		CHECK_MEM(w + k, pat, 8);
		CHECK_EQ(w[k + 8], 0xee); /* nothing written past the field */
		if (k)
			CHECK_EQ(w[k - 1], 0xee);
		memset(w, 0xee, sizeof(w));
		put_le64(w + k, 0x8807860584038201ull);
		CHECK_MEM(w + k, pat, 8);
		put_h16(w + k, h16);
		put_h32(w + k + 2, h32);
		CHECK_EQ(get_h16(w + k), h16);
		CHECK_EQ(get_h32(w + k + 2), h32);
	}
}

static const struct codec *cur;

static void test_codec(void)
{
	if (!cur->enabled)
		SKIP("the codec is not part of this configuration");
	check_codec(cur);
}

/* The decode function sees the frame: flipping a bit in any byte after the marker of a real
 * frame (Q04, CTL Allocate CID response) changes its text, so the comparison across offsets
 * cannot pass by decoding nothing. */
static void test_qmi_decode_sees_every_byte(void)
{
	static struct text a, b;
	const struct vec *v;
	uint8_t m[64];
	int n, i, changed = 0;

	if (!CFG_CORE_QMI)
		SKIP("CORE_QMI is off in this configuration");
	n = vec_load("QMI_VECTORS", VECTORS_DIR "/qmi_vectors.txt", 'Q', "libqmi-1.32.2:", vecs,
		     MAX_VECS);
	v = vec_find(vecs, n, "Q04");
	CHECK(v && v->len <= sizeof(m));
	if (!v || v->len > sizeof(m))
		return;
	memset(&a, 0, sizeof(a));
	decode_qmi(v->b, v->len, &a);
	for (i = 1; i < (int)v->len; i++) {
		memcpy(m, v->b, v->len);
		m[i] ^= 0x10;
		memset(&b, 0, sizeof(b));
		decode_qmi(m, v->len, &b);
		changed += strcmp(a.s, b.s) != 0;
	}
	CHECK_EQ(changed, (int)v->len - 1);
}

/* Byte vectors of a codec this file does not know yet are reported, not silently ignored. */
static void test_every_vectors_file_has_a_codec(void)
{
	static struct text missing, reason;
	struct dirent *e;
	DIR *d = opendir(VECTORS_DIR);

	CHECK(d != NULL);
	if (!d)
		return;
	memset(&missing, 0, sizeof(missing));
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 12 || strcmp(e->d_name + l - 12, "_vectors.txt"))
			continue;
		if (!codec_of(e->d_name) && has_byte_vectors(e->d_name))
			text_add(&missing, "%s%s", missing.n ? ", " : "", e->d_name);
	}
	closedir(d);
	if (missing.n) {
		memset(&reason, 0, sizeof(reason));
		text_add(&reason, "no decode function in test_align.c yet for %s", missing.s);
		SKIP(reason.s);
	}
}

int main(void)
{
	RUN(test_bytes_every_offset);
	for (size_t i = 0; i < ARRAY_SIZE(codecs); i++) {	/* one case per codec */
		static char name[64];

		cur = &codecs[i];
		snprintf(name, sizeof(name), "%s_every_vector_at_offsets_0_to_7", cur->name);
		t_run(name, test_codec);
	}
	RUN(test_qmi_decode_sees_every_byte);
	RUN(test_every_vectors_file_has_a_codec);
	return t_done();
}
