/* test_mbim.c - MBIM framing, header parser, fragments, transaction matching, strings,
 * offset/size readers, builder, status words, redaction.
 *
 * Golden messages: ../shared/vectors/mbim_vectors.txt (27 MBIM control messages from libmbim's
 * tests and from mbimcli 1.28.2, each with provenance and expected values). The file is parsed
 * at run time (cwd is the repo root; MBIM_VECTORS overrides the path) and a missing file is a
 * failure, not a skip. Every message is parsed at alignment offsets 0..7 and checked against the
 * header values its "expect:" line (and its bytes, for the vectors whose line names no header
 * field) give; M19 is a stream of four fragments, reassembled, and reproduced byte for byte by
 * splitting the result again.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wwanbox.h"
#include "mbim.h"
#include "t.h"
#include "vectors.h"

/* ---- vectors ---- */

static struct vec vecs[40];
static int nvecs;

static int load_vectors(void)
{
	nvecs = vec_load("MBIM_VECTORS", "../shared/vectors/mbim_vectors.txt", 'M',
			 "libmbim-1.28.2:", vecs, (int)ARRAY_SIZE(vecs));
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
	abort();
}

/* Parse a copy of exactly len bytes (ASan sees any read past it). */
static int parse_exact(const uint8_t *b, size_t len)
{
	uint8_t *exact = malloc(len ? len : 1);
	struct mbim_msg m;
	int r;

	memcpy(exact, b, len);
	r = mbim_parse(exact, len, &m);
	free(exact);
	return r;
}

/* ---- expected headers (from the vectors' expect lines and provenance) ---- */

#define BC MBIM_SVC_BASIC_CONNECT
#define DONE MBIM_COMMAND_DONE
#define IND MBIM_INDICATE_STATUS
#define NA 0xdeadbeefu /* field not present for the type */

static const struct hdr {
	const char *id;
	uint32_t type, len, tid, total, current;
	uint8_t service;
	uint32_t cid, arg, info_len; /* arg: command type, status, or MaxControlTransfer */
} hdrs[] = {
	{"M01", MBIM_OPEN, 16, 1, 1, 0, 0, NA, 4096, NA},
	{"M02", MBIM_OPEN_DONE, 16, 1, 1, 0, 0, NA, 0, NA},
	{"M03", MBIM_CLOSE, 12, 3, 1, 0, 0, NA, NA, NA},
	{"M04", MBIM_CLOSE_DONE, 16, 1, 1, 0, 0, NA, 0, NA},
	{"M05", MBIM_COMMAND, 48, 2, 1, 0, BC, 1, MBIM_QUERY, 0},
	{"M06", DONE, 208, 2, 1, 0, BC, 1, 0, 160},
	{"M07", DONE, 180, 2, 1, 0, BC, 2, 0, 132}, /* the header libmbim's test carries */
	{"M08", DONE, 212, 2, 1, 0, BC, 2, 0, 164},
	{"M09", DONE, 108, 18, 1, 0, BC, 9, 0, 60},
	{"M10", DONE, 180, 2, 1, 0, BC, 8, 0, 132},
	{"M11", DONE, 128, 26, 1, 0, BC, 15, 0, 80},
	{"M12", DONE, 196, 36, 1, 0, BC, 15, 0, 148},
	{"M13", MBIM_COMMAND, 124, 1, 1, 0, BC, 12, MBIM_SET, 76},
	{"M14", MBIM_COMMAND, 80, 1, 1, 0, BC, 4, MBIM_SET, 32},
	{"M15", MBIM_COMMAND, 120, 1, 1, 0, BC, 19, MBIM_SET, 72},
	{"M16", DONE, 48, 0x0d1a, 1, 0, BC, 12, 2, 0},
	{"M17", DONE, 108, 4, 1, 0, BC, 12, 0, 60}, /* 4 pad bytes beyond MessageLength */
	{"M18", DONE, 60, 2, 1, 0, BC, 14, 0, 12},
	{"M20", MBIM_COMMAND, 48, 2, 1, 0, BC, 11, MBIM_QUERY, 0},
	{"M21", DONE, 68, 2, 1, 0, BC, 11, 0, 20},
	{"M22", DONE, 76, 2, 1, 0, BC, 10, 0, 28},
	{"M23", MBIM_COMMAND, 52, 2, 1, 0, BC, 10, MBIM_SET, 4},
	{"M24", MBIM_COMMAND, 140, 2, 1, 0, BC, 12, MBIM_SET, 92},
	{"M25", DONE, 84, 2, 1, 0, BC, 12, 0, 36},
	{"M26", MBIM_COMMAND, 80, 1, 1, 0, MBIM_SVC_PROXY_CONTROL, 1, MBIM_SET, 32},
	{"M27", DONE, 48, 2, 1, 0, BC, 4, 9, 0},
};

/* M19: four INDICATE_STATUS fragments back to back, tid 1 */
static const uint32_t m19_lens[4] = {0x1c, 0x1c, 0x1c, 0x18};

static void check_hdr(const struct hdr *h, const struct mbim_msg *m, const uint8_t *at)
{
	uint32_t arg = h->type == MBIM_OPEN ? m->max_xfer
		       : h->type == MBIM_COMMAND ? m->cmd_type
		       : h->type == MBIM_CLOSE	  ? NA
						  : m->status;

	CHECK_EQ(m->type, h->type);
	CHECK_EQ(m->len, h->len);
	CHECK_EQ(m->tid, h->tid);
	CHECK_EQ(m->total, h->total);
	CHECK_EQ(m->current, h->current);
	CHECK_EQ(arg, h->arg);
	CHECK(m->buf == at);
	if (h->cid == NA) {
		CHECK(m->uuid == NULL && m->info == NULL);
		return;
	}
	CHECK_EQ(m->service, h->service);
	CHECK_EQ(m->cid, h->cid);
	CHECK_EQ(m->info_len, h->info_len);
	CHECK(m->uuid == at + 20);
	CHECK(m->info == at + (h->type == IND ? 44 : 48));
	if (!m->info)
		return;
	CHECK(m->info + m->info_len <= at + m->len);
	CHECK(mbim_is(m, h->type, (enum mbim_service)h->service, h->cid));
	CHECK(!mbim_is(m, h->type, (enum mbim_service)h->service, h->cid + 1));
}

static void test_vectors_present(void)
{
	char id[16];
	int i;

	CHECK_EQ(nvecs, 27);
	for (i = 1; i <= 27; i++) {
		snprintf(id, sizeof(id), "M%02d", i);
		CHECK(vec(id)->len >= 12);
	}
	CHECK_EQ(ARRAY_SIZE(hdrs), 26); /* all but M19, checked on its own */
}

static void test_parse_every_vector_every_alignment(void)
{
	static uint8_t buf[600];
	size_t i, off;
	int k, f;

	for (i = 0; i < ARRAY_SIZE(hdrs); i++) {
		const struct vec *v = vec(hdrs[i].id);
		struct mbim_msg m;

		for (k = 0; k < 8; k++) {
			memset(buf, 0xa5, sizeof(buf));
			memcpy(buf + k, v->b, v->len);
			CHECK_EQ(mbim_parse(buf + k, v->len, &m), (int)hdrs[i].len);
			CHECK_EQ(mbim_frame_len(buf + k, v->len), (long)hdrs[i].len);
			check_hdr(&hdrs[i], &m, buf + k);
		}
	}
	for (k = 0; k < 8; k++) {
		const struct vec *v = vec("M19");
		struct mbim_msg m;

		memcpy(buf + k, v->b, v->len);
		for (f = 0, off = 0; f < 4; off += m19_lens[f++]) {
			CHECK_EQ(mbim_frame_len(buf + k + off, v->len - off), (long)m19_lens[f]);
			CHECK_EQ(mbim_parse(buf + k + off, v->len - off, &m), (int)m19_lens[f]);
			CHECK_EQ(m.type, IND);
			CHECK_EQ(m.tid, 1);
			CHECK_EQ(m.total, 4);
			CHECK_EQ(m.current, f);
			CHECK(m.info == NULL && m.uuid == NULL); /* a fragment: reassemble first */
			CHECK(!mbim_is(&m, IND, MBIM_SVC_UNKNOWN, m.cid));
		}
		CHECK_EQ(off, v->len);
	}
}

/* The callback answers 0 until it can tell, then the vector's length, at every prefix. */
static void test_frame_len_prefixes(void)
{
	size_t i, have;

	for (i = 0; i < ARRAY_SIZE(hdrs); i++) {
		const struct vec *v = vec(hdrs[i].id);
		long seen = 0;

		for (have = 0; have <= v->len; have++) {
			long r = mbim_frame_len(v->b, have);

			CHECK(r == 0 || r == (long)hdrs[i].len);
			CHECK(seen == 0 || r == seen); /* never changes once known */
			if (r)
				seen = r;
			CHECK(r != 0 || have < 20);
		}
	}
}

static void test_frame_len_garbage(void)
{
	uint8_t b[32];

	memcpy(b, vec("M05")->b, 32);
	b[0] = 0x05; /* no such type */
	CHECK_EQ(mbim_frame_len(b, 4), -EPROTO);
	CHECK_EQ(mbim_frame_len(b, 3), 0);
	put_le32(b, 0x80000005);
	CHECK_EQ(mbim_frame_len(b, 32), -EPROTO);
	put_le32(b, MBIM_COMMAND);
	put_le32(b + 4, 11); /* below any header */
	CHECK_EQ(mbim_frame_len(b, 8), -EPROTO);
	put_le32(b + 4, 19); /* COMMAND below the fragment header */
	CHECK_EQ(mbim_frame_len(b, 8), -EPROTO);
	put_le32(b + 4, 47); /* a single fragment below the command header */
	CHECK_EQ(mbim_frame_len(b, 19), 0);
	CHECK_EQ(mbim_frame_len(b, 20), -EPROTO);
	put_le32(b + 4, MBIM_MSG_MAX + 1);
	CHECK_EQ(mbim_frame_len(b, 8), -EPROTO);
	put_le32(b + 4, MBIM_MSG_MAX);
	CHECK_EQ(mbim_frame_len(b, 20), MBIM_MSG_MAX);
	put_le32(b + 12, 0); /* zero fragments */
	CHECK_EQ(mbim_frame_len(b, 20), -EPROTO);
	put_le32(b + 12, 2);
	put_le32(b + 16, 2); /* current == total */
	CHECK_EQ(mbim_frame_len(b, 20), -EPROTO);
	put_le32(b + 16, 1);
	put_le32(b + 4, 20); /* a continuation fragment may be 20 bytes */
	CHECK_EQ(mbim_frame_len(b, 20), 20);

	memcpy(b, vec("M01")->b, 16);
	put_le32(b + 4, 15); /* OPEN without MaxControlTransfer */
	CHECK_EQ(mbim_frame_len(b, 8), -EPROTO);
	memcpy(b, vec("M03")->b, 12);
	CHECK_EQ(mbim_frame_len(b, 8), 12); /* CLOSE is known from 8 bytes */
	put_le32(b + 4, 11);
	CHECK_EQ(mbim_frame_len(b, 8), -EPROTO);
}

/* Every truncation of every message is refused, never read past. */
static void test_truncated(void)
{
	size_t i, cut;

	for (i = 0; i < ARRAY_SIZE(hdrs); i++) {
		const struct vec *v = vec(hdrs[i].id);

		for (cut = 0; cut < hdrs[i].len; cut++)
			CHECK_EQ(parse_exact(v->b, cut), -EPROTO);
		CHECK_EQ(parse_exact(v->b, hdrs[i].len), (int)hdrs[i].len);
	}
	for (cut = 0; cut < 28; cut++)
		CHECK_EQ(parse_exact(vec("M19")->b, cut), -EPROTO);
}

static void test_bad_lengths(void)
{
	static uint8_t b[600];
	struct mbim_msg m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hdrs); i++) {
		const struct vec *v = vec(hdrs[i].id);
		size_t len = hdrs[i].len, hdr = hdrs[i].type == IND ? 44 : 48;

		memcpy(b, v->b, len);
		put_le32(b + 4, (uint32_t)len + 1); /* MessageLength beyond the buffer */
		CHECK_EQ(parse_exact(b, len), -EPROTO);
		put_le32(b + 4, 11);
		CHECK_EQ(parse_exact(b, len), -EPROTO);
		if (hdrs[i].cid == NA)
			continue;
		memcpy(b, v->b, len);
		put_le32(b + hdr - 4, (uint32_t)(len - hdr + 1)); /* InformationBuffer beyond */
		CHECK_EQ(parse_exact(b, len), -EPROTO);
		put_le32(b + hdr - 4, 0xffffffff);
		CHECK_EQ(parse_exact(b, len), -EPROTO);
		put_le32(b + hdr - 4, 0); /* shorter than the message: tolerated */
		CHECK_EQ(mbim_parse(b, len, &m), (int)len);
		CHECK_EQ(m.info_len, 0);
		put_le32(b + 4, (uint32_t)hdr - 1); /* MessageLength below the header */
		CHECK_EQ(parse_exact(b, len), -EPROTO);
	}
	memcpy(b, vec("M05")->b, 48);
	put_le32(b, 0x80000008); /* unknown type */
	CHECK_EQ(parse_exact(b, 48), -EPROTO);
	put_le32(b, MBIM_COMMAND);
	put_le32(b + 12, 0); /* zero fragments */
	CHECK_EQ(parse_exact(b, 48), -EPROTO);
	put_le32(b + 12, 1);
	put_le32(b + 16, 1); /* fragment 1 of 1 */
	CHECK_EQ(parse_exact(b, 48), -EPROTO);
}

/* M17 carries 4 bytes behind its MessageLength; M07's header is shorter than its strings. */
static void test_trailing_bytes(void)
{
	struct mbim_msg m;

	CHECK_EQ(vec("M17")->len, 112);
	CHECK_EQ(mbim_parse(vec("M17")->b, vec("M17")->len, &m), 108);
	CHECK_EQ(vec("M07")->len, 212);
	CHECK_EQ(mbim_parse(vec("M07")->b, vec("M07")->len, &m), 180);
	CHECK_EQ(m.info_len, 132);
}

/* M19 reassembled: the fragment payloads concatenated behind the first header
 * (libmbim test-fragment.c test_fragment_receive_multiple). */
static const uint8_t m19_whole[48] = {
	0x07, 0x00, 0x00, 0x80, 0x30, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x04, 0x00, 0x00, 0x00, 0x18, 0x19, 0x1a, 0x1b,
};

static const uint8_t *m19_frag(int i)
{
	static const size_t off[4] = {0, 28, 56, 84};

	return vec("M19")->b + off[i];
}

static void test_reassembly_m19(void)
{
	static const uint8_t payload[4] = {0x18, 0x19, 0x1a, 0x1b};
	static uint8_t in[64];
	uint8_t buf[128];
	struct mbim_frag f;
	struct mbim_msg m;
	const uint8_t *msg = (const uint8_t *)"x";
	int i, k;

	for (k = 0; k < 8; k++) {
		mbim_frag_init(&f, buf + k, sizeof(buf) - k);
		for (i = 0; i < 4; i++) {
			memcpy(in + k, m19_frag(i), m19_lens[i]);
			CHECK_EQ(mbim_frag_add(&f, in + k, m19_lens[i], &msg), i < 3 ? 0 : 48);
			CHECK(i == 3 ? msg == buf + k : msg == NULL);
		}
		CHECK_MEM(buf + k, m19_whole, sizeof(m19_whole));
		CHECK_EQ(mbim_parse(msg, 48, &m), 48);
		CHECK_EQ(m.type, IND);
		CHECK_EQ(m.total, 1);
		CHECK_EQ(m.service, MBIM_SVC_UNKNOWN); /* uuid 00 01 .. 0f */
		CHECK_EQ(m.cid, 0x13121110);
		CHECK_EQ(m.info_len, 4);
		CHECK(m.info && !memcmp(m.info, payload, 4));
		CHECK_EQ(f.len, 0);
		CHECK_EQ(f.dropped, 0);
	}
}

static int feed(struct mbim_frag *f, int i)
{
	const uint8_t *msg;

	return mbim_frag_add(f, m19_frag(i), m19_lens[i], &msg);
}

static void test_reassembly_errors(void)
{
	uint8_t buf[128], odd[28];
	struct mbim_frag f;
	const uint8_t *msg;

	mbim_frag_init(&f, buf, sizeof(buf));
	CHECK_EQ(feed(&f, 1), -EPROTO); /* a continuation without a start */
	CHECK_EQ(feed(&f, 0), 0);
	CHECK_EQ(feed(&f, 2), -EPROTO); /* out of sequence: the message is dropped */
	CHECK_EQ(f.dropped, 1);
	CHECK_EQ(feed(&f, 3), -EPROTO);
	CHECK_EQ(feed(&f, 0), 0);
	CHECK_EQ(feed(&f, 1), 0);
	CHECK_EQ(feed(&f, 1), -EPROTO); /* duplicate */
	CHECK_EQ(f.dropped, 2);

	CHECK_EQ(feed(&f, 0), 0); /* a new start drops the partial one */
	CHECK_EQ(feed(&f, 1), 0);
	CHECK_EQ(feed(&f, 0), 0);
	CHECK_EQ(f.dropped, 3);
	CHECK_EQ(feed(&f, 1), 0);
	/* an unfragmented message in between passes through and leaves the partial alone */
	CHECK_EQ(mbim_frag_add(&f, vec("M22")->b, vec("M22")->len, &msg), 76);
	CHECK(msg == vec("M22")->b);
	CHECK_EQ(feed(&f, 2), 0);
	CHECK_EQ(feed(&f, 3), 48);
	CHECK_MEM(buf, m19_whole, 48);
	CHECK_EQ(f.dropped, 3);

	memcpy(odd, m19_frag(1), 28); /* another tid */
	put_le32(odd + 8, 2);
	CHECK_EQ(feed(&f, 0), 0);
	CHECK_EQ(mbim_frag_add(&f, odd, 28, &msg), -EPROTO);
	CHECK_EQ(feed(&f, 0), 0);
	put_le32(odd + 8, 1);
	put_le32(odd + 12, 5); /* another total */
	CHECK_EQ(mbim_frag_add(&f, odd, 28, &msg), -EPROTO);
	CHECK_EQ(feed(&f, 0), 0);
	put_le32(odd + 12, 4);
	put_le32(odd, MBIM_COMMAND_DONE); /* another type */
	CHECK_EQ(mbim_frag_add(&f, odd, 28, &msg), -EPROTO);
	CHECK(msg == NULL);
	CHECK_EQ(mbim_frag_add(&f, odd, 27, &msg), -EPROTO); /* truncated */

	mbim_frag_init(&f, buf, 47); /* one byte short of the whole */
	CHECK_EQ(feed(&f, 0), 0);
	CHECK_EQ(feed(&f, 1), 0);
	CHECK_EQ(feed(&f, 2), 0);
	CHECK_EQ(feed(&f, 3), -EMSGSIZE);
	CHECK_EQ(f.dropped, 1);
	CHECK_EQ(f.len, 0);
	mbim_frag_init(&f, buf, 27);
	CHECK_EQ(feed(&f, 0), -EMSGSIZE);

	/* the assembled message must be valid: an InformationBufferLength of 5 is not */
	mbim_frag_init(&f, buf, sizeof(buf));
	memcpy(odd, m19_frag(2), 28);
	put_le32(odd + 20 + 4, 5);
	CHECK_EQ(feed(&f, 0), 0);
	CHECK_EQ(feed(&f, 1), 0);
	CHECK_EQ(mbim_frag_add(&f, odd, 28, &msg), 0);
	CHECK_EQ(feed(&f, 3), -EPROTO);
	CHECK_EQ(f.dropped, 1);
	mbim_frag_reset(&f);
	CHECK_EQ(f.dropped, 1); /* nothing in progress */
	CHECK_EQ(feed(&f, 0), 0);
	mbim_frag_reset(&f); /* fragment timeout */
	CHECK_EQ(f.dropped, 2);
	CHECK_EQ(feed(&f, 1), -EPROTO);
}

/* Splitting the reassembled M19 by 28 bytes gives libmbim's four fragments back, byte for byte. */
static void test_split_m19(void)
{
	uint8_t out[64];
	uint32_t i;

	CHECK_EQ(mbim_frag_count(48, 28), 4);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(mbim_fragment(m19_whole, 48, 28, i, out, sizeof(out)), (int)m19_lens[i]);
		CHECK_MEM(out, m19_frag((int)i), m19_lens[i]);
	}
	CHECK_EQ(mbim_fragment(m19_whole, 48, 28, 4, out, sizeof(out)), 0);
	CHECK_EQ(mbim_fragment(m19_whole, 48, 28, 0, out, 27), -EMSGSIZE);
	CHECK_EQ(mbim_fragment(m19_whole, 48, 20, 0, out, sizeof(out)), -EINVAL);
	CHECK_EQ(mbim_frag_count(48, 20), 0);
	CHECK_EQ(mbim_frag_count(48, 48), 1);
	CHECK_EQ(mbim_frag_count(49, 48), 2);
	CHECK_EQ(mbim_frag_count(48, 21), 28);
}

/* Split any message by every max transfer from 21 to beyond its length, reassemble: the same. */
static void test_split_round_trip(void)
{
	static uint8_t msg[700], frag[700], whole[800];
	struct mbim_builder b;
	struct mbim_frag f;
	const uint8_t *got;
	uint32_t max, i, n;
	int len, r = 0;

	mbim_build(&b, msg, sizeof(msg), MBIM_COMMAND_DONE, 77, mbim_uuid(MBIM_SVC_BASIC_CONNECT),
		   15, 0, 8);
	for (i = 0; i < 600; i++)
		frag[i] = (uint8_t)(i * 7);
	mbim_add_ref(&b, frag, 600);
	len = mbim_finish(&b);
	CHECK_EQ(len, 48 + 8 + 600);
	if (len < 0)
		return;
	mbim_frag_init(&f, whole, sizeof(whole));
	for (max = 21; max <= (uint32_t)len + 1; max++) {
		n = mbim_frag_count((size_t)len, max);
		CHECK_EQ(n, max >= (uint32_t)len ? 1 : ((uint32_t)len - 20 + max - 21) / (max - 20));
		for (i = 0; i < n; i++) {
			int fl = mbim_fragment(msg, (size_t)len, max, i, frag, sizeof(frag));

			CHECK(fl > 0 && (uint32_t)fl <= max);
			CHECK_EQ(mbim_frame_len(frag, (size_t)fl), fl);
			r = mbim_frag_add(&f, frag, (size_t)fl, &got);
			CHECK_EQ(r, i + 1 < n ? 0 : len);
		}
		CHECK(r == len && !memcmp(got, msg, (size_t)len));
		CHECK_EQ(mbim_fragment(msg, (size_t)len, max, n, frag, sizeof(frag)), 0);
	}
	CHECK_EQ(f.dropped, 0);

	/* OPEN cannot be fragmented */
	CHECK_EQ(mbim_fragment(vec("M01")->b, 16, 21, 0, frag, sizeof(frag)), 16);
	CHECK_EQ(mbim_fragment(vec("M01")->b, 16, 64, 0, frag, sizeof(frag)), 16);
	CHECK_MEM(frag, vec("M01")->b, 16);
	CHECK_EQ(mbim_fragment(vec("M06")->b, 208, 64, 0, frag, sizeof(frag)), 64);
	memcpy(msg, vec("M06")->b, 208);
	put_le32(msg, MBIM_OPEN);
	CHECK_EQ(mbim_fragment(msg, 208, 64, 0, frag, sizeof(frag)), -EINVAL);
}

/* ---- strings ---- */

static int u16s(const char *hex, char *dst, size_t size)
{
	uint8_t b[64];
	size_t n = vec_unhex(hex, b, sizeof(b));

	return mbim_utf16_to_utf8(b, n, dst, size);
}

static void test_utf16_to_utf8(void)
{
	char s[32];

	CHECK_EQ(u16s("69006e007400", s, sizeof(s)), 3);
	CHECK_STR(s, "int");
	CHECK_EQ(u16s("e900ac2000", s, sizeof(s)), -EPROTO); /* odd size */
	CHECK_STR(s, "");
	CHECK_EQ(u16s("e900ac20", s, sizeof(s)), 5); /* U+00E9 U+20AC */
	CHECK_STR(s, "\xc3\xa9\xe2\x82\xac");
	CHECK_EQ(u16s("3dd800de", s, sizeof(s)), 4); /* U+1F600 as a surrogate pair */
	CHECK_STR(s, "\xf0\x9f\x98\x80");
	CHECK_EQ(u16s("3dd84100", s, sizeof(s)), 4); /* high surrogate + 'A' */
	CHECK_STR(s, "\xef\xbf\xbd" "A");
	CHECK_EQ(u16s("00de4100", s, sizeof(s)), 4); /* lone low surrogate */
	CHECK_STR(s, "\xef\xbf\xbd" "A");
	CHECK_EQ(u16s("41003dd8", s, sizeof(s)), 4); /* high surrogate at the end */
	CHECK_STR(s, "A\xef\xbf\xbd");
	CHECK_EQ(u16s("410000004200", s, sizeof(s)), 1); /* stops at U+0000 */
	CHECK_STR(s, "A");
	CHECK_EQ(u16s("41001b005b000a007f0085004200", s, sizeof(s)), 7); /* ESC [ LF DEL NEL */
	CHECK_STR(s, "A?[???B");
	CHECK_EQ(u16s("", s, sizeof(s)), 0);
	/* truncated at a character boundary, always terminated */
	CHECK_EQ(u16s("4100e900", s, 3), 1);
	CHECK_STR(s, "A");
	CHECK_EQ(u16s("4100e900", s, 4), 3);
	CHECK_EQ(u16s("3dd800de", s, 4), 0);
	CHECK_STR(s, "");
	CHECK_EQ(u16s("4100", s, 1), 0);
	CHECK_EQ(u16s("4100", s, 0), -EINVAL);
}

static void test_utf8_to_utf16(void)
{
	static const char *bad[] = {
		"\xc0\x80",	    /* overlong NUL */
		"\xe0\x80\xaf",	    /* overlong '/' */
		"\xed\xa0\x80",	    /* a surrogate */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"\xf8\x88\x80\x80\x80",
		"\xe2\x82",	    /* cut */
		"a\x80",	    /* lone continuation byte */
		"\xff",
	};
	uint8_t b[16];
	char back[16];
	size_t i;

	CHECK_EQ(mbim_utf8_to_utf16("ab", b, sizeof(b)), 4);
	CHECK_MEM(b, "a\0b\0", 4);
	CHECK_EQ(mbim_utf8_to_utf16("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", b, sizeof(b)), 8);
	CHECK_MEM(b, "\xe9\x00\xac\x20\x3d\xd8\x00\xde", 8);
	CHECK_EQ(mbim_utf16_to_utf8(b, 8, back, sizeof(back)), 9);
	CHECK_STR(back, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	CHECK_EQ(mbim_utf8_to_utf16("", b, 0), 0);
	CHECK_EQ(mbim_utf8_to_utf16("ab", b, 3), -EMSGSIZE);
	CHECK_EQ(mbim_utf8_to_utf16("a\xf0\x9f\x98\x80", b, 5), -EMSGSIZE);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_EQ(mbim_utf8_to_utf16(bad[i], b, sizeof(b)), -EINVAL);
}

/* ---- information buffer readers ---- */

static void test_readers(void)
{
	uint8_t b[40];
	const uint8_t *p;
	uint32_t v, n;
	uint64_t w;
	char s[16];

	memset(b, 0, sizeof(b));
	put_le32(b, 16); /* {16, 4} -> "hi" */
	put_le32(b + 4, 4);
	memcpy(b + 16, "h\0i\0", 4);
	CHECK_EQ(mbim_get_ol(b, 20, 0, &p, &n), 0);
	CHECK(p == b + 16 && n == 4);
	CHECK_EQ(mbim_get_str(b, 20, 0, s, sizeof(s)), 2);
	CHECK_STR(s, "hi");
	CHECK_EQ(mbim_get_str(b, 19, 0, s, sizeof(s)), -EPROTO); /* data one byte outside */
	CHECK_STR(s, "");
	CHECK_EQ(mbim_get_ol(b, 19, 0, &p, &n), -EPROTO);
	CHECK(p == NULL && n == 0);
	CHECK_EQ(mbim_get_ol(b, 7, 0, &p, &n), -EPROTO); /* the pair itself outside */
	CHECK_EQ(mbim_get_ol(b, 40, 36, &p, &n), -EPROTO);
	put_le32(b + 4, 3); /* odd size */
	CHECK_EQ(mbim_get_str(b, 20, 0, s, sizeof(s)), -EPROTO);
	put_le32(b, 0xfffffffe); /* offset + size wraps around 32 bits */
	put_le32(b + 4, 4);
	CHECK_EQ(mbim_get_ol(b, 40, 0, &p, &n), -EPROTO);
	put_le32(b, 20);
	put_le32(b + 4, 0xfffffffc);
	CHECK_EQ(mbim_get_ol(b, 40, 0, &p, &n), -EPROTO);
	put_le32(b, 0x12345678); /* an empty field: its offset does not matter */
	put_le32(b + 4, 0);
	CHECK_EQ(mbim_get_ol(b, 8, 0, &p, &n), 0);
	CHECK(p == NULL && n == 0);
	CHECK_EQ(mbim_get_str(b, 8, 0, s, sizeof(s)), 0);
	put_le32(b, 40); /* {len, 0} at the very end: empty */
	CHECK_EQ(mbim_get_ol(b, 40, 0, &p, &n), 0);

	put_le32(b + 8, 0xdeadbeef);
	CHECK_EQ(mbim_get_u32(b, 12, 8, &v), 0);
	CHECK_EQ(v, 0xdeadbeef);
	CHECK_EQ(mbim_get_u32(b, 11, 8, &v), -EPROTO);
	CHECK_EQ(mbim_get_u32(b, 12, SIZE_MAX - 2, &v), -EPROTO);
	CHECK_EQ(mbim_get_u64(b, 16, 8, &w), 0);
	CHECK_EQ(w, 0xdeadbeef);
	CHECK_EQ(mbim_get_u64(b, 15, 8, &w), -EPROTO);

	put_le32(b, 24); /* array: 2 x 8 bytes at 24 */
	CHECK_EQ(mbim_get_array(b, 40, 0, 2, 8, &p), 0);
	CHECK(p == b + 24);
	CHECK_EQ(mbim_get_array(b, 39, 0, 2, 8, &p), -EPROTO);
	CHECK_EQ(mbim_get_array(b, 40, 0, 0x20000001, 8, &p), -EPROTO); /* count * 8 wraps */
	CHECK_EQ(mbim_get_array(b, 40, 0, 0xffffffff, 4, &p), -EPROTO);
	CHECK_EQ(mbim_get_array(b, 40, 0, 0, 8, &p), 0);
	CHECK(p == NULL);
	CHECK_EQ(mbim_get_array(b, 3, 0, 0, 8, &p), -EPROTO); /* the offset field outside */
}

/* ---- builder and simple messages ---- */

static void test_simple_messages_golden(void)
{
	uint8_t b[64];

	CHECK_EQ(mbim_open_req(b, sizeof(b), 1, 4096), 16);
	CHECK_MEM(b, vec("M01")->b, 16);
	CHECK_EQ(mbim_close_req(b, sizeof(b), 3), 12);
	CHECK_MEM(b, vec("M03")->b, 12);
	CHECK_EQ(mbim_status_msg(b, sizeof(b), MBIM_OPEN_DONE, 1, 0), 16);
	CHECK_MEM(b, vec("M02")->b, 16);
	CHECK_EQ(mbim_status_msg(b, sizeof(b), MBIM_CLOSE_DONE, 1, 0), 16);
	CHECK_MEM(b, vec("M04")->b, 16);
	CHECK_EQ(mbim_command(b, sizeof(b), 2, MBIM_SVC_BASIC_CONNECT, 1, MBIM_QUERY), 48);
	CHECK_MEM(b, vec("M05")->b, 48);
	CHECK_EQ(mbim_command(b, sizeof(b), 2, MBIM_SVC_BASIC_CONNECT, 11, MBIM_QUERY), 48);
	CHECK_MEM(b, vec("M20")->b, 48);

	CHECK_EQ(mbim_status_msg(b, sizeof(b), MBIM_COMMAND, 1, 0), -EINVAL);
	CHECK_EQ(mbim_status_msg(b, sizeof(b), MBIM_CLOSE, 1, 0), -EINVAL);
	CHECK_EQ(mbim_status_msg(b, 15, MBIM_FUNCTION_ERROR, 1, 5), -EMSGSIZE);
	CHECK_EQ(mbim_status_msg(b, 16, MBIM_HOST_ERROR, 1, MBIM_ERR_TIMEOUT_FRAGMENT), 16);
	CHECK_EQ(mbim_close_req(b, 11, 1), -EMSGSIZE);
	CHECK_EQ(mbim_open_req(b, 15, 1, 4096), -EMSGSIZE);
	CHECK_EQ(mbim_command(b, 47, 2, MBIM_SVC_BASIC_CONNECT, 1, MBIM_QUERY), -EMSGSIZE);
	CHECK_EQ(mbim_command(b, 48, 2, MBIM_SVC_UNKNOWN, 1, MBIM_QUERY), -EINVAL);
}

static int build_sample(uint8_t *buf, size_t size)
{
	static const uint8_t addr[4] = {10, 0, 0, 1};
	struct mbim_builder b;

	mbim_build(&b, buf, size, MBIM_INDICATE_STATUS, 0, mbim_uuid(MBIM_SVC_BASIC_CONNECT), 15,
		   0, 28);
	mbim_add_u32(&b, 7);
	mbim_add_str(&b, "h\xc3\xa9!"); /* 6 bytes + 2 pad */
	mbim_add_off(&b, addr, 4);	 /* offset only */
	mbim_add_ref(&b, "xyz", 3);	 /* 3 + 1 pad */
	mbim_add_u32(&b, 9);
	return mbim_finish(&b);
}

static void test_builder(void)
{
	static const uint8_t want_info[] = {
		7, 0, 0, 0, 28, 0, 0, 0, 6, 0, 0, 0, 36, 0, 0, 0, 40, 0, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0,
		'h', 0, 0xe9, 0, '!', 0, 0, 0, 10, 0, 0, 1, 'x', 'y', 'z', 0,
	};
	uint8_t buf[128];
	struct mbim_msg m;
	char s[8];
	size_t size;
	int n;

	n = build_sample(buf, sizeof(buf));
	CHECK_EQ(n, 44 + (int)sizeof(want_info));
	CHECK_EQ(mbim_parse(buf, (size_t)n, &m), n);
	CHECK_EQ(m.type, IND);
	CHECK_EQ(m.tid, 0);
	CHECK_EQ(m.service, MBIM_SVC_BASIC_CONNECT);
	CHECK_EQ(m.info_len, sizeof(want_info));
	CHECK(m.info && !memcmp(m.info, want_info, sizeof(want_info)));
	CHECK_EQ(mbim_get_str(m.info, m.info_len, 4, s, sizeof(s)), 4);
	CHECK_STR(s, "h\xc3\xa9!");

	/* every buffer size short of the message fails and writes nothing beyond it */
	for (size = 0; size < (size_t)n; size++) {
		memset(buf, 0x5a, sizeof(buf));
		CHECK_EQ(build_sample(buf, size), -EMSGSIZE);
		CHECK_EQ(buf[size], 0x5a);
	}
	CHECK_EQ(build_sample(buf, (size_t)n), n);

	/* COMMAND_DONE carries the status where COMMAND has the command type */
	struct mbim_builder b;

	mbim_build(&b, buf, sizeof(buf), DONE, 5, mbim_uuid(MBIM_SVC_BASIC_CONNECT), 4, 9, 0);
	CHECK_EQ(mbim_finish(&b), 48);
	CHECK_MEM(buf + 12, vec("M27")->b + 12, 36);
	CHECK_EQ(mbim_parse(buf, 48, &m), 48);
	CHECK_EQ(m.status, 9);
	CHECK_EQ(m.tid, 5);
}

static void test_builder_misuse(void)
{
	const uint8_t *bc = mbim_uuid(MBIM_SVC_BASIC_CONNECT);
	uint8_t buf[128], st[32];
	struct mbim_builder b;

	mbim_build(&b, buf, sizeof(buf), MBIM_COMMAND, 1, bc, 1, 0, 8);
	mbim_add_u32(&b, 1);
	CHECK_EQ(mbim_finish(&b), -EINVAL); /* a field missing */
	mbim_build(&b, buf, sizeof(buf), MBIM_COMMAND, 1, bc, 1, 0, 8);
	mbim_add_u32(&b, 1);
	mbim_add_str(&b, "x"); /* a pair does not fit the 4 bytes left */
	mbim_add_u32(&b, 2);
	CHECK_EQ(mbim_finish(&b), -EINVAL);
	mbim_build(&b, buf, sizeof(buf), MBIM_COMMAND, 1, bc, 1, 0, 4);
	mbim_add_u64(&b, 1);
	CHECK_EQ(mbim_finish(&b), -EINVAL);
	mbim_build(&b, buf, sizeof(buf), MBIM_COMMAND, 1, bc, 1, 0, 8);
	mbim_add_str(&b, "a\xff"); /* invalid UTF-8 */
	CHECK_EQ(mbim_finish(&b), -EINVAL);
	CHECK_EQ(mbim_build(&b, buf, sizeof(buf), MBIM_OPEN, 1, bc, 1, 0, 0), -EINVAL);
	CHECK_EQ(mbim_finish(&b), -EINVAL);
	CHECK_EQ(mbim_build(&b, buf, sizeof(buf), MBIM_COMMAND, 1, NULL, 1, 0, 0), -EINVAL);
	CHECK_EQ(mbim_build(&b, buf, 60, MBIM_COMMAND, 1, bc, 1, 0, 13), -EMSGSIZE);
	CHECK_EQ(mbim_finish(&b), -EMSGSIZE);
	CHECK_EQ(mbim_build(&b, buf, 60, MBIM_COMMAND, 1, bc, 1, 0, 12), 0);
	mbim_add_raw(&b, "abcdefghijkl", 12);
	CHECK_EQ(mbim_finish(&b), 60);

	/* a standalone structure: offsets count from its own start */
	CHECK_EQ(mbim_build_struct(&b, st, sizeof(st), 12), 0);
	mbim_add_str(&b, "ab");
	mbim_add_u32(&b, 3);
	CHECK_EQ(mbim_finish(&b), 16);
	CHECK_EQ(get_le32(st), 12);
	CHECK_EQ(get_le32(st + 4), 4);
	CHECK_EQ(get_le32(st + 8), 3);
	CHECK_MEM(st + 12, "a\0b\0", 4);
	CHECK_EQ(mbim_build_struct(&b, st, 15, 12), 0);
	mbim_add_str(&b, "ab");
	mbim_add_u32(&b, 3);
	CHECK_EQ(mbim_finish(&b), -EMSGSIZE);
}

/* ---- transactions ---- */

static struct mbim_msg parsed(const char *id)
{
	struct mbim_msg m;

	if (mbim_parse(vec(id)->b, vec(id)->len, &m) <= 0)
		fprintf(stderr, "%s does not parse\n", id);
	return m;
}

static void test_matches_and_result(void)
{
	struct mbim_msg caps_q = parsed("M05"), caps = parsed("M06"), sub = parsed("M08");
	struct mbim_msg open = parsed("M01"), open_done = parsed("M02"), close = parsed("M03");
	struct mbim_msg close_done = parsed("M04"), nodev = parsed("M27"), m;
	uint8_t b[64], other[64];
	uint32_t status = 1234;

	CHECK(mbim_matches(&caps, &caps_q));
	CHECK(!mbim_matches(&sub, &caps_q)); /* same tid, another CID */
	CHECK(!mbim_matches(&caps_q, &caps_q));
	CHECK(mbim_matches(&open_done, &open));
	CHECK(!mbim_matches(&open_done, &close));
	CHECK(!mbim_matches(&close_done, &close)); /* tid 1 is not 3 */
	CHECK(!mbim_matches(&caps, &open));
	CHECK_EQ(mbim_result(&caps, &status), 0);
	CHECK_EQ(status, 0);
	CHECK_EQ(mbim_result(&open_done, NULL), 0);
	CHECK_EQ(mbim_result(&nodev, &status), -EREMOTEIO);
	CHECK_EQ(status, 9);
	CHECK_STR(mbim_strerror(status), "NoDeviceSupport");
	CHECK_EQ(mbim_result(&caps_q, NULL), -EBADMSG);
	CHECK_EQ(mbim_result(&open, NULL), -EBADMSG);

	/* the function rejects the request */
	mbim_status_msg(b, sizeof(b), MBIM_FUNCTION_ERROR, 2, MBIM_ERR_NOT_OPENED);
	CHECK_EQ(mbim_parse(b, 16, &m), 16);
	CHECK(mbim_matches(&m, &caps_q));
	CHECK(!mbim_matches(&m, &open));
	CHECK_EQ(mbim_result(&m, &status), -ECOMM);
	CHECK_EQ(status, MBIM_ERR_NOT_OPENED);
	CHECK_STR(mbim_error_str(status), "NotOpened");

	/* another service with the same CID and tid */
	memcpy(b, vec("M06")->b, 48);
	put_le32(b + 4, 48);
	put_le32(b + 44, 0);
	b[20] ^= 1;
	CHECK_EQ(mbim_parse(b, 48, &m), 48);
	CHECK_EQ(m.service, MBIM_SVC_UNKNOWN);
	CHECK(!mbim_matches(&m, &caps_q));
	/* unknown services match by UUID */
	memcpy(other, vec("M05")->b, 48);
	other[20] ^= 1;
	CHECK_EQ(mbim_parse(other, 48, &caps_q), 48);
	CHECK(mbim_matches(&m, &caps_q));
	other[21] ^= 1;
	CHECK(!mbim_matches(&m, &caps_q));
	/* a fragment is not a reply until reassembled */
	memcpy(b, vec("M06")->b, 48);
	put_le32(b + 4, 48);
	put_le32(b + 12, 2);
	caps_q = parsed("M05");
	CHECK_EQ(mbim_parse(b, 48, &m), 48);
	CHECK(!mbim_matches(&m, &caps_q));
}

static void test_next_tid(void)
{
	uint32_t tid = 0;

	CHECK_EQ(mbim_next_tid(&tid), 1);
	CHECK_EQ(tid, 1);
	tid = 0xfffffffe;
	CHECK_EQ(mbim_next_tid(&tid), 0xffffffff);
	CHECK_EQ(mbim_next_tid(&tid), 1); /* 0 is skipped */
}

static void test_strerror(void)
{
	CHECK_STR(mbim_strerror(1), "Busy");
	CHECK_STR(mbim_strerror(2), "Failure");
	CHECK_STR(mbim_strerror(3), "SimNotInserted");
	CHECK_STR(mbim_strerror(4), "BadSim");
	CHECK_STR(mbim_strerror(5), "PinRequired");
	CHECK_STR(mbim_strerror(7), "NotRegistered");
	CHECK_STR(mbim_strerror(14), "NotInitialized");
	CHECK_STR(mbim_strerror(17), "ServiceNotActivated");
	CHECK_STR(mbim_strerror(19), "InvalidUserNamePwd");
	CHECK_STR(mbim_strerror(20), "RadioPowerOff");
	CHECK_STR(mbim_strerror(38), "ContextNotSupported");
	CHECK(mbim_strerror(0) == NULL);
	CHECK(mbim_strerror(24) == NULL); /* reserved */
	CHECK(mbim_strerror(39) == NULL);
	CHECK(mbim_strerror(0x101) == NULL); /* the low byte alone must not match */
	CHECK_STR(mbim_error_str(MBIM_ERR_TIMEOUT_FRAGMENT), "TimeoutFragment");
	CHECK_STR(mbim_error_str(MBIM_ERR_MAX_TRANSFER), "MaxTransfer");
	CHECK(mbim_error_str(0) == NULL);
	CHECK(mbim_error_str(9) == NULL);
}

static void test_uuids(void)
{
	CHECK_MEM(mbim_uuid(MBIM_SVC_BASIC_CONNECT), vec("M05")->b + 20, 16);
	CHECK_MEM(mbim_uuid(MBIM_SVC_PROXY_CONTROL), vec("M26")->b + 20, 16);
	CHECK_MEM(mbim_uuid(MBIM_SVC_SMS), vec("M15")->b + 48 + 0x30, 16);
	CHECK(mbim_uuid(MBIM_SVC_UNKNOWN) == NULL);
	CHECK(mbim_uuid(MBIM_SVC_COUNT) == NULL);
	CHECK(mbim_uuid(MBIM_SVC_QMI) != NULL && mbim_uuid(MBIM_SVC_MS_BASIC_CONNECT_EXT));
}

/* ---- redaction ---- */

static bool has_u16(const uint8_t *b, size_t len, const char *ascii)
{
	uint8_t w[32];
	size_t n = strlen(ascii), i;

	for (i = 0; i < n; i++) {
		w[2 * i] = (uint8_t)ascii[i];
		w[2 * i + 1] = 0;
	}
	for (i = 0; i + 2 * n <= len; i++)
		if (!memcmp(b + i, w, 2 * n))
			return true;
	return false;
}

static void test_redact(void)
{
	uint8_t b[256];
	size_t n;

	n = vec("M24")->len; /* CONNECT set: user "user", password "pass" */
	memcpy(b, vec("M24")->b, n);
	CHECK_EQ(mbim_redact(b, n), 1);
	CHECK(!has_u16(b, n, "pass"));
	CHECK(has_u16(b, n, "****"));
	CHECK(has_u16(b, n, "user"));
	CHECK(has_u16(b, n, "internet"));
	CHECK_MEM(b, vec("M24")->b, n - 8); /* only the last 8 bytes (the password) changed */

	n = vec("M14")->len; /* PIN set "1111" */
	memcpy(b, vec("M14")->b, n);
	CHECK_EQ(mbim_redact(b, n), 1);
	CHECK(!has_u16(b, n, "1111"));
	CHECK(has_u16(b, n, "****"));

	n = vec("M13")->len; /* CONNECT without a password */
	memcpy(b, vec("M13")->b, n);
	CHECK_EQ(mbim_redact(b, n), 0);
	CHECK_MEM(b, vec("M13")->b, n);
	memcpy(b, vec("M24")->b, vec("M24")->len);
	CHECK_EQ(mbim_redact(b, vec("M24")->len - 1), 0); /* truncated: not parsed, not touched */
	CHECK_EQ(mbim_redact(b, 5), 0);
	n = vec("M06")->len; /* responses are left alone */
	memcpy(b, vec("M06")->b, n);
	CHECK_EQ(mbim_redact(b, n), 0);
	CHECK_MEM(b, vec("M06")->b, n);
	n = vec("M26")->len; /* the proxy path is no secret */
	memcpy(b, vec("M26")->b, n);
	CHECK_EQ(mbim_redact(b, n), 0);
}

int main(void)
{
	if (load_vectors()) {
		printf("FAIL mbim_vectors_file\n");
		return 1;
	}
	RUN(test_vectors_present);
	RUN(test_parse_every_vector_every_alignment);
	RUN(test_frame_len_prefixes);
	RUN(test_frame_len_garbage);
	RUN(test_truncated);
	RUN(test_bad_lengths);
	RUN(test_trailing_bytes);
	RUN(test_reassembly_m19);
	RUN(test_reassembly_errors);
	RUN(test_split_m19);
	RUN(test_split_round_trip);
	RUN(test_utf16_to_utf8);
	RUN(test_utf8_to_utf16);
	RUN(test_readers);
	RUN(test_simple_messages_golden);
	RUN(test_builder);
	RUN(test_builder_misuse);
	RUN(test_matches_and_result);
	RUN(test_next_tid);
	RUN(test_strerror);
	RUN(test_uuids);
	RUN(test_redact);
	return t_done();
}
