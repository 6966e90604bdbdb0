/* test_qmi.c - QMUX/QMI framing, TLV reader/writer, result, error names, redaction.
 *
 * Golden frames: ../shared/vectors/qmi_vectors.txt (42 QMUX frames from libqmi's tests and from
 * qmicli 1.32.2, each with provenance and libqmi 1.32.2's verdict "ctl request cid=0 tid=255
 * msg=0xff00 len=35" or "REJECTED"). The file is parsed at run time (one source of truth; cwd is
 * the repo root, QMI_VECTORS overrides the path) and a missing file is a failure, not a skip.
 * Every frame is parsed at alignment offsets 0..7 and must agree with libqmi's verdict.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <stdio.h>
#include <stdlib.h>

#include "wwanbox.h"
#include "qmi.h"
#include "t.h"
#include "vectors.h"

/* ---- vectors ---- */

static struct vec vecs[64];
static int nvecs;

static int load_vectors(void)
{
	nvecs = vec_load("QMI_VECTORS", "../shared/vectors/qmi_vectors.txt", 'Q', "libqmi-1.32.2:",
			 vecs, (int)ARRAY_SIZE(vecs));
	if (nvecs < 0)
		return -1;
	return 0;
}

static const struct vec *vec(const char *id)
{
	const struct vec *v = vec_find(vecs, nvecs, id);

	if (v)
		return v;
	fprintf(stderr, "vector %s missing\n", id);
	return NULL;
}

static bool rejected_by_libqmi(const struct vec *v)
{
	return strstr(v->verdict, "REJECTED") != NULL;
}

/* "libqmi: OK (nas response cid=1 tid=65535 msg=0x0021 len=324)" */
struct verdict {
	int service, type;
	unsigned cid, tid, msg, len;
};

static int parse_verdict(const struct vec *v, struct verdict *d)
{
	static const struct {
		const char *name;
		int id;
	} svcs[] = {{"ctl", 0x00}, {"wds", 0x01}, {"dms", 0x02}, {"nas", 0x03},
		    {"uim", 0x0b}, {"loc", 0x10}, {"wda", 0x1a}};
	char svc[8], kind[16];
	size_t i;

	if (sscanf(v->verdict, "libqmi: OK (%7s %15s cid=%u tid=%u msg=%x len=%u)", svc, kind,
		   &d->cid, &d->tid, &d->msg, &d->len) != 6)
		return -1;
	d->service = -1;
	for (i = 0; i < ARRAY_SIZE(svcs); i++)
		if (!strcmp(svc, svcs[i].name))
			d->service = svcs[i].id;
	d->type = !strcmp(kind, "request")	? QMI_REQ
		  : !strcmp(kind, "response")	? QMI_RSP
		  : !strcmp(kind, "indication") ? QMI_IND
						: -1;
	return d->service < 0 || d->type < 0 ? -1 : 0;
}

/* ---- tests ---- */

static void test_vectors_present(void)
{
	char id[16];
	int i;

	CHECK_EQ(nvecs, 42);
	for (i = 1; i <= 42; i++) {
		snprintf(id, sizeof(id), "Q%02d", i);
		CHECK(vec(id) && vec(id)->len >= 6);
	}
}

/* Every vector libqmi accepts parses to the same header libqmi reports, at any alignment; every
 * vector libqmi rejects is rejected. */
static void test_parse_every_vector_every_alignment(void)
{
	static uint8_t buf[600];
	int i, k, accepted = 0, rejected = 0;

	for (i = 0; i < nvecs; i++) {
		const struct vec *v = &vecs[i];
		struct verdict d;
		struct qmi_msg m, m0 = {0};

		if (rejected_by_libqmi(v)) {
			CHECK(qmi_frame_len(v->b, v->len) < 0);
			CHECK_EQ(qmi_parse(v->b, v->len, &m), -EPROTO);
			rejected++;
			continue;
		}
		CHECK_EQ(parse_verdict(v, &d), 0);
		for (k = 0; k < 8; k++) {
			memset(buf, 0xa5, sizeof(buf));
			memcpy(buf + k, v->b, v->len);
			CHECK_EQ(qmi_frame_len(buf + k, v->len), (int)v->len);
			CHECK_EQ(qmi_parse(buf + k, v->len, &m), (int)v->len);
			CHECK_EQ(m.service, d.service);
			CHECK_EQ(m.type, d.type);
			CHECK_EQ(m.client_id, d.cid);
			CHECK_EQ(m.tid, d.tid);
			CHECK_EQ(m.msg_id, d.msg);
			CHECK_EQ(m.frame_len, d.len);
			CHECK(m.tlv >= buf + k && m.tlv + m.tlv_len <= buf + k + v->len);
			if (k == 0) {
				m0 = m;
				continue;
			}
			CHECK_EQ(m.tlv - (buf + k), m0.tlv - buf);
			CHECK_EQ(m.tlv_len, m0.tlv_len);
			CHECK_EQ(m.qmux_flags, m0.qmux_flags);
			CHECK_EQ(m.sdu_flags, m0.sdu_flags);
		}
		accepted++;
	}
	CHECK_EQ(accepted, 40);
	CHECK_EQ(rejected, 2); /* Q24 QRTR marker 0x02, Q25 marker 0x00 */
}

/* The TLVs of every vector tile its TLV block exactly, and lookups find each TLV's first copy. */
static void test_tlv_walk_every_vector(void)
{
	int i;

	for (i = 0; i < nvecs; i++) {
		const struct vec *v = &vecs[i];
		const uint8_t *val, *fv;
		uint16_t len, flen;
		size_t pos = 0, sum = 0;
		struct qmi_msg m;
		uint8_t t;
		int n = 0;

		if (rejected_by_libqmi(v))
			continue;
		CHECK(qmi_parse(v->b, v->len, &m) > 0);
		while (qmi_tlv_next(&m, &pos, &t, &val, &len)) {
			sum += 3 + len;
			n++;
			CHECK_EQ(qmi_tlv_find(&m, t, &fv, &flen), 0);
			CHECK(fv <= val); /* a duplicate: the first one wins */
		}
		CHECK_EQ(sum, m.tlv_len);
		CHECK_EQ(pos, m.tlv_len);
		CHECK(n > 0 || m.tlv_len == 0);
	}
}

static void test_frame_len(void)
{
	static const uint8_t q25[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x0a};
	static const uint8_t tiny[] = {0x01, 0x0a, 0x00}; /* 11 bytes: no room for a header */
	const struct vec *v = vec("Q26");

	if (!v)
		return;
	CHECK_EQ(qmi_frame_len(v->b, 0), 0);
	CHECK_EQ(qmi_frame_len(v->b, 1), 0);
	CHECK_EQ(qmi_frame_len(v->b, 2), 0);
	CHECK_EQ(qmi_frame_len(v->b, 3), 12);
	CHECK_EQ(qmi_frame_len(q25, 1), -EPROTO);
	CHECK_EQ(qmi_frame_len(tiny, 3), -EPROTO);
	CHECK_EQ(qmi_frame_len(vec("Q24")->b, 1), -EPROTO);
}

/* Every truncation of every frame is refused, never read past. */
static void test_truncated(void)
{
	struct qmi_msg m;
	size_t cut;
	int i;

	for (i = 0; i < nvecs; i++) {
		const struct vec *v = &vecs[i];

		if (rejected_by_libqmi(v))
			continue;
		for (cut = 0; cut < v->len; cut++) {
			uint8_t *exact = malloc(cut ? cut : 1); /* exact size, for ASan */

			memcpy(exact, v->b, cut);
			CHECK_EQ(qmi_parse(exact, cut, &m), -EPROTO);
			CHECK(qmi_frame_len(exact, cut) == 0 ||
			      qmi_frame_len(exact, cut) == (int)v->len);
			free(exact);
		}
	}
}

static int parse_copy(const uint8_t *b, size_t len)
{
	uint8_t *exact = malloc(len);
	struct qmi_msg m;
	int ret;

	memcpy(exact, b, len);
	ret = qmi_parse(exact, len, &m);
	free(exact);
	return ret;
}

/* A wrong QMUX length, TLV-block length or last TLV length is caught. */
static void test_bad_lengths(void)
{
	static uint8_t b[600];
	int i;

	for (i = 0; i < nvecs; i++) {
		const struct vec *v = &vecs[i];
		struct qmi_msg m;
		size_t hdr, pos = 0, last = 0;
		const uint8_t *val;
		uint16_t len;
		uint8_t t;

		if (rejected_by_libqmi(v))
			continue;
		CHECK(qmi_parse(v->b, v->len, &m) > 0);
		hdr = (size_t)(m.tlv - v->b);
		while (qmi_tlv_next(&m, &pos, &t, &val, &len))
			last = (size_t)(val - v->b) - 3;

		memcpy(b, v->b, v->len);
		put_le16(b + 1, get_le16(b + 1) + 1); /* QMUX length beyond the buffer */
		CHECK_EQ(parse_copy(b, v->len), -EPROTO);
		put_le16(b + 1, get_le16(b + 1) - 2); /* QMUX length short of the TLV block */
		CHECK_EQ(parse_copy(b, v->len - 1), -EPROTO);

		memcpy(b, v->b, v->len);
		put_le16(b + hdr - 2, m.tlv_len + 1); /* TLV block beyond the QMUX length */
		CHECK_EQ(parse_copy(b, v->len), -EPROTO);
		if (!m.tlv_len)
			continue;
		memcpy(b, v->b, v->len);
		put_le16(b + hdr - 2, m.tlv_len - 1); /* last TLV crosses the block end */
		CHECK_EQ(parse_copy(b, v->len), -EPROTO);
		memcpy(b, v->b, v->len);
		put_le16(b + last + 1, get_le16(b + last + 1) + 1);
		CHECK_EQ(parse_copy(b, v->len), -EPROTO);
	}
}

/* Garbage inside an otherwise valid frame: whatever the result, never out of bounds (ASan). */
static void test_mutated_tlv_lengths(void)
{
	static uint8_t b[600];
	int i, j, ok = 0, bad = 0;

	for (i = 0; i < nvecs; i++) {
		const struct vec *v = &vecs[i];

		if (rejected_by_libqmi(v))
			continue;
		for (j = 13; j < (int)v->len; j++) {
			memcpy(b, v->b, v->len);
			b[j] ^= 0xff;
			if (parse_copy(b, v->len) > 0)
				ok++;
			else
				bad++;
		}
	}
	CHECK(ok > 0 && bad > 0);
}

static void test_back_to_back(void)
{
	const struct vec *a = vec("Q26"), *c = vec("Q27");
	uint8_t b[128];
	struct qmi_msg m;

	if (!a || !c)
		return;
	memcpy(b, a->b, a->len);
	memcpy(b + a->len, c->b, c->len);
	CHECK_EQ(qmi_parse(b, a->len + c->len, &m), (int)a->len);
	CHECK_EQ(m.type, QMI_REQ);
	CHECK_EQ(qmi_parse(b + a->len, c->len, &m), (int)c->len);
	CHECK_EQ(m.type, QMI_RSP);
	CHECK_EQ(m.msg_id, 0x0021);
}

/* libqmi's own fixture answers with QMUX flags 0x00 (Q02/Q04): the SDU flags decide. */
static void test_qmux_flags_lenient(void)
{
	struct qmi_msg m;

	CHECK(qmi_parse(vec("Q04")->b, vec("Q04")->len, &m) > 0);
	CHECK_EQ(m.qmux_flags, 0x00);
	CHECK_EQ(m.type, QMI_RSP);
	CHECK(qmi_parse(vec("Q19")->b, vec("Q19")->len, &m) > 0);
	CHECK_EQ(m.type, QMI_IND);
	CHECK_EQ(m.tid, 180);
}

/* Bytes after the TLV block inside the frame are ignored (documented leniency). */
static void test_trailing_bytes_in_frame(void)
{
	const struct vec *v = vec("Q31");
	uint8_t b[64];
	struct qmi_msg m;
	const uint8_t *val;
	uint16_t len;

	if (!v)
		return;
	memcpy(b, v->b, v->len);
	b[v->len] = 0xee;
	put_le16(b + 1, get_le16(b + 1) + 1);
	CHECK_EQ(qmi_parse(b, v->len + 1, &m), (int)v->len + 1);
	CHECK_EQ(m.tlv_len, 14);
	CHECK_EQ(qmi_tlv_find(&m, 0xee, &val, &len), -ENOENT);
	CHECK_EQ(qmi_tlv_find(&m, 0x01, &val, &len), 0);
	CHECK_EQ(get_le32(val), 0x8A3B2C10);
}

static void test_duplicates_and_unknown(void)
{
	uint8_t buf[64];
	struct qmi_builder b;
	struct qmi_msg m;
	const uint8_t *val;
	uint16_t len;
	int n;

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_NAS, 1, 7, 0x0024, QMI_IND);
	qmi_put_u8(&b, 0x99, 0xaa);  /* unknown: skipped */
	qmi_put_u16(&b, 0x1c, 1111); /* duplicate: the first wins */
	qmi_put_u16(&b, 0x1c, 2222);
	qmi_put_tlv(&b, 0x50, NULL, 0); /* empty TLV */
	n = qmi_finish(&b);
	CHECK(n > 0);
	CHECK_EQ(qmi_parse(buf, (size_t)n, &m), n);
	CHECK_EQ(qmi_tlv_find(&m, 0x1c, &val, &len), 0);
	CHECK_EQ(len, 2);
	CHECK_EQ(get_le16(val), 1111);
	CHECK_EQ(qmi_tlv_find(&m, 0x50, &val, &len), 0);
	CHECK_EQ(len, 0);
	CHECK_EQ(qmi_tlv_find(&m, 0x02, &val, &len), -ENOENT);
	CHECK(val == NULL && len == 0);
	CHECK_EQ(qmi_result(&m, NULL), -EPROTO); /* indications have no result */
}

static void test_result(void)
{
	struct qmi_msg m;
	uint16_t err = 0xbeef;
	uint8_t b[64];

	CHECK(qmi_parse(vec("Q22")->b, vec("Q22")->len, &m) > 0);
	CHECK_EQ(qmi_result(&m, &err), -EREMOTEIO);
	CHECK_EQ(err, 3);
	CHECK_STR(qmi_strerror(err), "Internal");
	CHECK_EQ(qmi_check(&m, QMI_SVC_DMS, 0xFFFF, NULL), -EREMOTEIO);
	CHECK_EQ(qmi_check(&m, QMI_SVC_DMS, 0x0025, NULL), -EBADMSG);
	CHECK_EQ(qmi_check(&m, QMI_SVC_NAS, 0xFFFF, NULL), -EBADMSG);

	CHECK(qmi_parse(vec("Q42")->b, vec("Q42")->len, &m) > 0);
	CHECK_EQ(qmi_result(&m, &err), -EREMOTEIO);
	CHECK_EQ(err, 0x47);
	CHECK_STR(qmi_strerror(err), "Invalid QMI command");

	err = 0xbeef;
	CHECK(qmi_parse(vec("Q02")->b, vec("Q02")->len, &m) > 0);
	CHECK_EQ(qmi_result(&m, &err), 0);
	CHECK_EQ(err, 0);
	CHECK_EQ(qmi_check(&m, QMI_SVC_CTL, 0xFF00, &err), 0);

	CHECK(qmi_parse(vec("Q01")->b, vec("Q01")->len, &m) > 0); /* a request */
	CHECK_EQ(qmi_result(&m, NULL), -EPROTO);
	CHECK_EQ(qmi_check(&m, QMI_SVC_CTL, 0xFF00, NULL), -EBADMSG);

	/* a result TLV of 2 bytes */
	memcpy(b, vec("Q02")->b, vec("Q02")->len);
	put_le16(b + 13, 2); /* TLV 0x02 length 4 -> 2, frame shrinks by 2 */
	put_le16(b + 1, get_le16(b + 1) - 2);
	put_le16(b + 10, get_le16(b + 10) - 2);
	CHECK(qmi_parse(b, vec("Q02")->len - 2, &m) > 0);
	CHECK_EQ(qmi_result(&m, NULL), -EPROTO);
}

static void test_strerror(void)
{
	CHECK_STR(qmi_strerror(0x1A), "No effect");
	CHECK_STR(qmi_strerror(0x0E), "Call failed");
	CHECK_STR(qmi_strerror(0x0F), "Out of call");
	CHECK_STR(qmi_strerror(0x07), "Invalid client ID");
	CHECK_STR(qmi_strerror(0x05), "Client IDs exhausted");
	CHECK_STR(qmi_strerror(0x0C), "Incorrect PIN");
	CHECK_STR(qmi_strerror(0x23), "PIN blocked");
	CHECK_STR(qmi_strerror(0x25), "UIM uninitialized");
	CHECK_STR(qmi_strerror(0x34), "Device not ready");
	CHECK_STR(qmi_strerror(0x5E), "Not supported");
	CHECK_STR(qmi_strerror(0x68), "PIN restriction");
	CHECK_STR(qmi_strerror(0x76), "Operation in progress");
	CHECK(qmi_strerror(0) == NULL);
	CHECK(qmi_strerror(0x12) == NULL);  /* no such code */
	CHECK(qmi_strerror(0x101) == NULL); /* 0x01 in the low byte must not match */
	CHECK(qmi_strerror(0xF001) == NULL);
}

static void test_tlv_str(void)
{
	struct qmi_msg m;
	char s[64], small[4];

	CHECK(qmi_parse(vec("Q11")->b, vec("Q11")->len, &m) > 0);
	CHECK_EQ(qmi_tlv_str(&m, 0x01, s, sizeof(s)), 7);
	CHECK_STR(s, "EM12-AW"); /* trailing TAB dropped */
	CHECK_EQ(qmi_tlv_str(&m, 0x01, small, sizeof(small)), 3);
	CHECK_STR(small, "EM1");
	CHECK_EQ(qmi_tlv_str(&m, 0x05, s, sizeof(s)), -ENOENT);
	CHECK_STR(s, "");

	CHECK(qmi_parse(vec("Q19")->b, vec("Q19")->len, &m) > 0);
	CHECK(qmi_tlv_str(&m, 0x01, s, sizeof(s)) > 0);
	CHECK_STR(s, "$GPGSA,A,1,,,,,,,,,,,,,,,*1E"); /* CR LF dropped */

	CHECK(qmi_parse(vec("Q20")->b, vec("Q20")->len, &m) > 0);
	CHECK(qmi_tlv_str(&m, 0x10, s, sizeof(s)) > 0);
	CHECK_STR(s, "MC7455"); /* trailing NUL */
	CHECK(qmi_tlv_str(&m, 0x11, s, sizeof(s)) > 0);
	CHECK_STR(s, "SWI9X30C_02.33.03.00");
}

static void test_tlv_str_control_chars(void)
{
	static const char raw[] = "a\x1b[2Jb\x7f"
				  "c";
	uint8_t buf[64];
	struct qmi_builder b;
	struct qmi_msg m;
	char s[32];
	int n;

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_DMS, 1, 1, 0x0022, QMI_RSP);
	qmi_put_tlv(&b, 0x01, raw, sizeof(raw) - 1);
	n = qmi_finish(&b);
	CHECK_EQ(qmi_parse(buf, (size_t)n, &m), n);
	CHECK_EQ(qmi_tlv_str(&m, 0x01, s, sizeof(s)), 8);
	CHECK_STR(s, "a?[2Jb?c");
}

/* The builder reproduces libqmi's bytes: Q03 request, Q31 response, Q22 error response. */
static void test_builder_golden(void)
{
	uint8_t buf[64];
	struct qmi_builder b;
	int n;

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_CTL, 0, 1, 0x0022, QMI_REQ);
	qmi_put_u8(&b, 0x01, QMI_SVC_WDS);
	n = qmi_finish(&b);
	CHECK_EQ(n, (int)vec("Q03")->len);
	CHECK_MEM(buf, vec("Q03")->b, vec("Q03")->len);

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_WDS, 1, 1, 0x0020, QMI_RSP);
	qmi_put_result(&b, 0);
	qmi_put_u32(&b, 0x01, 0x8A3B2C10);
	n = qmi_finish(&b);
	CHECK_EQ(n, (int)vec("Q31")->len);
	CHECK_MEM(buf, vec("Q31")->b, vec("Q31")->len);

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_DMS, 1, 2, 0xFFFF, QMI_RSP);
	qmi_put_result(&b, 3);
	n = qmi_finish(&b);
	CHECK_EQ(n, (int)vec("Q22")->len);
	CHECK_MEM(buf, vec("Q22")->b, vec("Q22")->len);

	/* CTL indication flags 0x02, tid is 8 bits; service indication flags 0x04 */
	qmi_build(&b, buf, sizeof(buf), QMI_SVC_CTL, 0, 0x1234, 0x0027, QMI_IND);
	n = qmi_finish(&b);
	CHECK_EQ(n, 12);
	CHECK_EQ(buf[3], 0x80);
	CHECK_EQ(buf[6], 0x02);
	CHECK_EQ(buf[7], 0x34);
	qmi_build(&b, buf, sizeof(buf), QMI_SVC_WDS, 3, 0x1234, 0x0022, QMI_IND);
	n = qmi_finish(&b);
	CHECK_EQ(n, 13);
	CHECK_EQ(buf[6], 0x04);
	CHECK_EQ(get_le16(buf + 7), 0x1234);
}

/* Every buffer size short of the frame fails with -EMSGSIZE and writes nothing beyond it. */
static void test_builder_overflow(void)
{
	static const char apn[] = "internet.example.com";
	uint8_t buf[128];
	struct qmi_builder b;
	size_t size, full;
	int n;

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_WDS, 1, 1, 0x0020, QMI_REQ);
	qmi_put_u8(&b, 0x19, 4);
	qmi_put_str(&b, 0x14, apn);
	n = qmi_finish(&b);
	CHECK_EQ(n, 13 + 4 + 3 + (int)strlen(apn));
	full = (size_t)n;
	for (size = 0; size < full; size++) {
		memset(buf, 0x5a, sizeof(buf));
		qmi_build(&b, buf, size, QMI_SVC_WDS, 1, 1, 0x0020, QMI_REQ);
		qmi_put_u8(&b, 0x19, 4);
		qmi_put_str(&b, 0x14, apn);
		CHECK_EQ(qmi_finish(&b), -EMSGSIZE);
		CHECK_EQ(buf[size], 0x5a);
	}
	qmi_build(&b, buf, full, QMI_SVC_WDS, 1, 1, 0x0020, QMI_REQ);
	qmi_put_u8(&b, 0x19, 4);
	qmi_put_str(&b, 0x14, apn);
	CHECK_EQ(qmi_finish(&b), (int)full);
}

static void test_builder_misuse(void)
{
	static uint8_t big[QMI_FRAME_MAX + 64], src[0x10000];
	uint8_t buf[64];
	struct qmi_builder b;

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_WDS, 1, 1, 0x20, QMI_REQ);
	qmi_tlv_end(&b);
	CHECK_EQ(qmi_finish(&b), -EINVAL);

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_WDS, 1, 1, 0x20, QMI_REQ);
	qmi_tlv_begin(&b, 1);
	qmi_tlv_begin(&b, 2);
	CHECK_EQ(qmi_finish(&b), -EINVAL);

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_WDS, 1, 1, 0x20, QMI_REQ);
	qmi_tlv_begin(&b, 1);
	CHECK_EQ(qmi_finish(&b), -EINVAL);

	CHECK_EQ(qmi_build(&b, buf, 12, QMI_SVC_WDS, 1, 1, 0x20, QMI_REQ), -EMSGSIZE);
	CHECK_EQ(qmi_finish(&b), -EMSGSIZE);
	CHECK_EQ(qmi_build(&b, buf, 12, QMI_SVC_CTL, 0, 1, 0x20, QMI_REQ), 0);
	CHECK_EQ(qmi_finish(&b), 12);
	CHECK_EQ(qmi_build(&b, buf, sizeof(buf), QMI_SVC_CTL, 0, 1, 0x20, (enum qmi_type)7),
		 -EINVAL);

	/* a TLV value over 65535 bytes, and a frame over the u16 QMUX length */
	qmi_build(&b, big, sizeof(big), QMI_SVC_WDS, 1, 1, 0x20, QMI_REQ);
	qmi_put_tlv(&b, 1, src, 0x10000);
	CHECK_EQ(qmi_finish(&b), -EMSGSIZE);
	qmi_build(&b, big, sizeof(big), QMI_SVC_WDS, 1, 1, 0x20, QMI_REQ);
	qmi_put_tlv(&b, 1, src, 0x7ff8); /* 65539 bytes: over the u16 length */
	qmi_put_tlv(&b, 2, src, 0x7ff8);
	CHECK_EQ(qmi_finish(&b), -EMSGSIZE);
	qmi_build(&b, big, sizeof(big), QMI_SVC_WDS, 1, 1, 0x20, QMI_REQ);
	qmi_put_tlv(&b, 1, src, 0xffff - 13 - 3 + 1); /* QMUX length exactly 0xffff */
	CHECK_EQ(qmi_finish(&b), QMI_FRAME_MAX);
}

static void test_matches(void)
{
	struct qmi_msg m;

	/* Q18: the response says 0x0044 while the request was 0x0043: not ours */
	CHECK(qmi_parse(vec("Q18")->b, vec("Q18")->len, &m) > 0);
	CHECK(!qmi_matches(&m, QMI_SVC_NAS, 1, 1, 0x0043));
	CHECK(qmi_matches(&m, QMI_SVC_NAS, 1, 1, 0x0044));
	CHECK(!qmi_matches(&m, QMI_SVC_NAS, 2, 1, 0x0044));
	CHECK(!qmi_matches(&m, QMI_SVC_NAS, 1, 2, 0x0044));
	CHECK(!qmi_matches(&m, QMI_SVC_WDS, 1, 1, 0x0044));
	CHECK(qmi_parse(vec("Q06")->b, vec("Q06")->len, &m) > 0); /* a request */
	CHECK(!qmi_matches(&m, QMI_SVC_DMS, 1, 0xFFFF, 0x0025));
	CHECK(qmi_is(&m, QMI_SVC_DMS, 0x0025, QMI_REQ));
}

static void test_redact(void)
{
	uint8_t buf[128], copy[128];
	struct qmi_builder b;
	struct qmi_msg m;
	const uint8_t *v;
	uint16_t len;
	int n;

	qmi_build(&b, buf, sizeof(buf), QMI_SVC_WDS, 1, 1, 0x0020, QMI_REQ);
	qmi_put_str(&b, 0x18, "secret");
	qmi_put_str(&b, 0x17, "user");
	qmi_put_str(&b, 0x14, "apn");
	n = qmi_finish(&b);
	CHECK_EQ(qmi_redact(buf, (size_t)n), 1);
	CHECK_EQ(qmi_parse(buf, (size_t)n, &m), n);
	qmi_tlv_find(&m, 0x18, &v, &len);
	CHECK(len == 6 && !memcmp(v, "******", 6));
	qmi_tlv_find(&m, 0x17, &v, &len);
	CHECK(len == 4 && !memcmp(v, "user", 4));
	qmi_tlv_find(&m, 0x14, &v, &len);
	CHECK(len == 3 && !memcmp(v, "apn", 3));

	/* Q09 DMS Verify PIN "1234": pin id kept, the rest masked */
	memcpy(copy, vec("Q09")->b, vec("Q09")->len);
	CHECK_EQ(qmi_redact(copy, vec("Q09")->len), 1);
	CHECK(!memcmp(copy + vec("Q09")->len - 6, "\x01*****", 6));
	CHECK(!memcmp(copy, vec("Q09")->b, vec("Q09")->len - 5));

	/* responses, other messages and garbage are left alone */
	memcpy(copy, vec("Q31")->b, vec("Q31")->len);
	CHECK_EQ(qmi_redact(copy, vec("Q31")->len), 0);
	CHECK_MEM(copy, vec("Q31")->b, vec("Q31")->len);
	memcpy(copy, vec("Q30")->b, vec("Q30")->len);
	CHECK_EQ(qmi_redact(copy, vec("Q30")->len), 1);
	CHECK(memmem(copy, vec("Q30")->len, "pass", 4) == NULL);
	CHECK(memmem(copy, vec("Q30")->len, "user", 4) != NULL);
	CHECK_EQ(qmi_redact(copy, 5), 0);
}

int main(void)
{
	if (load_vectors()) {
		printf("FAIL qmi_vectors_file\n");
		return 1;
	}
	RUN(test_vectors_present);
	RUN(test_parse_every_vector_every_alignment);
	RUN(test_tlv_walk_every_vector);
	RUN(test_frame_len);
	RUN(test_truncated);
	RUN(test_bad_lengths);
	RUN(test_mutated_tlv_lengths);
	RUN(test_back_to_back);
	RUN(test_qmux_flags_lenient);
	RUN(test_trailing_bytes_in_frame);
	RUN(test_duplicates_and_unknown);
	RUN(test_result);
	RUN(test_strerror);
	RUN(test_tlv_str);
	RUN(test_tlv_str_control_chars);
	RUN(test_builder_golden);
	RUN(test_builder_overflow);
	RUN(test_builder_misuse);
	RUN(test_matches);
	RUN(test_redact);
	return t_done();
}
