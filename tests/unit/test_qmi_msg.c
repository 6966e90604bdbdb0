/* test_qmi_msg.c - the CTL/WDS/NAS/DMS/UIM/WDA encoders and decoders.
 *
 * Decoders: every vector of ../shared/vectors/qmi_vectors.txt (parsed at run time; a missing
 * file fails) goes through every decoder, at alignment offsets 0..7, and the values listed in
 * the file's "expect:" lines are checked. Encoders: compared TLV by TLV and byte for byte with
 * the LIBQMI-ENCODED vectors (libqmi writes TLVs in descending type order, so do we).
 * Responses no vector covers are built here the way a modem would send them.
 *
 * QMI_DUMP=FILE writes every frame built here, one per line "SERVICE MSGID KIND HEX", for
 * tests/tools/qmi_gi_check.py (libqmi decodes them independently; tests/qmi_gi.test).
 */
#include <stdio.h>
#include <stdlib.h>

#include "wwanbox.h"
#include "qmi_msg.h"
#include "t.h"
#include "vectors.h"

/* ---- vectors (same loader as test_qmi.c) ---- */

static struct vec vecs[64];
static int nvecs;

static int load_vectors(void)
{
	nvecs = vec_load("QMI_VECTORS", "../shared/vectors/qmi_vectors.txt", 'Q', "libqmi-1.32.2:",
			 vecs, (int)ARRAY_SIZE(vecs));
	if (nvecs < 0)
		return -1;
	return nvecs == 42 ? 0 : -1;
}

static const struct vec *vec(const char *id)
{
	const struct vec *v = vec_find(vecs, nvecs, id);

	if (v)
		return v;
	fprintf(stderr, "vector %s missing\n", id);
	abort();
}

/* Parse a vector; the struct points into the vector's bytes. */
static struct qmi_msg msg(const char *id)
{
	const struct vec *v = vec(id);
	struct qmi_msg m;

	if (qmi_parse(v->b, v->len, &m) != (int)v->len)
		fprintf(stderr, "%s does not parse\n", id);
	return m;
}

/* ---- QMI_DUMP ---- */

static FILE *dump;

/* bad: a frame this test corrupts on purpose, written as a negative control ('!'): libqmi must
 * find it malformed too */
static void dump_line(const uint8_t *b, int n, bool bad)
{
	static const char *kinds[] = {"req", "rsp", "ind"};
	struct qmi_msg m;
	int i;

	if (!dump || n <= 0 || qmi_parse(b, (size_t)n, &m) != n)
		return;
	fprintf(dump, "%s0x%02x 0x%04x %s ", bad ? "!" : "", m.service, m.msg_id, kinds[m.type]);
	for (i = 0; i < n; i++)
		fprintf(dump, "%02x", b[i]);
	fputc('\n', dump);
}

static void dump_frame(const uint8_t *b, int n)
{
	dump_line(b, n, false);
}

/* ---- helpers ---- */

/* Same header, and the same TLV set (type, length, value) regardless of order. */
static bool same_tlvs(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	struct qmi_msg ma, mb;
	const uint8_t *va, *vb;
	uint16_t la, lb;
	size_t pos = 0, na = 0, nb = 0;
	uint8_t t;

	if (qmi_parse(a, alen, &ma) <= 0 || qmi_parse(b, blen, &mb) <= 0)
		return false;
	if (ma.service != mb.service || ma.client_id != mb.client_id || ma.tid != mb.tid ||
	    ma.msg_id != mb.msg_id || ma.type != mb.type || ma.tlv_len != mb.tlv_len)
		return false;
	while (qmi_tlv_next(&ma, &pos, &t, &va, &la)) {
		na++;
		if (qmi_tlv_find(&mb, t, &vb, &lb) || la != lb || memcmp(va, vb, la))
			return false;
	}
	for (pos = 0; qmi_tlv_next(&mb, &pos, &t, &vb, &lb);)
		nb++;
	return na == nb;
}

/* An encoder's output against a libqmi-encoded vector: TLV set, then exact bytes. */
static void check_encoded(const uint8_t *buf, int n, const char *id)
{
	const struct vec *v = vec(id);

	dump_frame(buf, n);
	CHECK_EQ(n, (int)v->len);
	if (n != (int)v->len)
		return;
	if (!same_tlvs(buf, (size_t)n, v->b, v->len))
		fprintf(stderr, "%s: TLV sets differ\n", id);
	CHECK(same_tlvs(buf, (size_t)n, v->b, v->len));
	CHECK_MEM(buf, v->b, v->len);
}

static const uint8_t *tlv(const struct qmi_msg *m, uint8_t type, uint16_t *len)
{
	const uint8_t *v;

	return qmi_tlv_find(m, type, &v, len) ? NULL : v;
}

/* Build a response or indication the way a modem would send it. */
static uint8_t fb[2048];
static struct qmi_builder fbld;
static struct qmi_msg fm;

static struct qmi_builder *frame(uint8_t svc, uint16_t msg_id, enum qmi_type type)
{
	qmi_build(&fbld, fb, sizeof(fb), svc, 1, 1, msg_id, type);
	return &fbld;
}

static struct qmi_builder *rsp(uint8_t svc, uint16_t msg_id, uint16_t qmi_error)
{
	frame(svc, msg_id, QMI_RSP);
	qmi_put_result(&fbld, qmi_error);
	return &fbld;
}

static const struct qmi_msg *finish(bool bad)
{
	int n = qmi_finish(&fbld);

	dump_line(fb, n, bad);
	if (n <= 0 || qmi_parse(fb, (size_t)n, &fm) != n)
		fprintf(stderr, "built frame does not parse\n");
	return &fm;
}

static const struct qmi_msg *done(void)
{
	return finish(false);
}

/* a frame whose TLV contents are malformed on purpose */
static const struct qmi_msg *done_bad(void)
{
	return finish(true);
}

/* ================================ every vector, every decoder ================================ */

union out {
	struct qmi_ctl_versions ver;
	struct qmi_ctl_cid cid;
	uint16_t u16;
	struct qmi_wds_start_rsp start;
	struct qmi_wds_pkt_status pkt;
	struct qmi_wds_settings set;
	struct qmi_nas_serving srv;
	struct qmi_nas_signal sig;
	struct qmi_nas_sysinfo sys;
	struct qmi_dms_ids ids;
	char str[QMI_REV_MAX];
	struct qmi_dms_opmode op;
	struct qmi_dms_pin_status pins;
	struct qmi_pin pin;
	struct qmi_uim_card_status card;
	struct qmi_wda_format wda;
};

#define DEC(name, fn, field)                                                \
	static int name(const struct qmi_msg *m, union out *o, uint16_t *e) \
	{                                                                   \
		return fn(m, &o->field, e);                                 \
	}
DEC(d_ver, qmi_ctl_get_version_rsp, ver)
DEC(d_alloc, qmi_ctl_alloc_cid_rsp, cid)
DEC(d_rel, qmi_ctl_release_cid_rsp, cid)
DEC(d_fmt, qmi_ctl_set_data_format_rsp, u16)
DEC(d_start, qmi_wds_start_network_rsp, start)
DEC(d_pkt, qmi_wds_pkt_status_rsp, pkt)
DEC(d_set, qmi_wds_get_settings_rsp, set)
DEC(d_srv, qmi_nas_get_serving_rsp, srv)
DEC(d_sig, qmi_nas_get_signal_rsp, sig)
DEC(d_sys, qmi_nas_get_sysinfo_rsp, sys)
DEC(d_ids, qmi_dms_ids_rsp, ids)
DEC(d_op, qmi_dms_get_opmode_rsp, op)
DEC(d_pins, qmi_dms_pin_status_rsp, pins)
DEC(d_dpin, qmi_dms_verify_pin_rsp, pin)
DEC(d_card, qmi_uim_card_status_rsp, card)
DEC(d_upin, qmi_uim_verify_pin_rsp, pin)
DEC(d_wda, qmi_wda_format_rsp, wda)
#undef DEC

static int d_pkti(const struct qmi_msg *m, union out *o, uint16_t *e)
{
	(void)e;
	return qmi_wds_pkt_status_ind(m, &o->pkt);
}

static int d_srvi(const struct qmi_msg *m, union out *o, uint16_t *e)
{
	(void)e;
	return qmi_nas_serving_ind(m, &o->srv);
}

static int d_model(const struct qmi_msg *m, union out *o, uint16_t *e)
{
	return qmi_dms_string_rsp(m, QMI_DMS_MODEL, o->str, sizeof(o->str), e);
}

static const struct decoder {
	const char *name;
	int (*fn)(const struct qmi_msg *, union out *, uint16_t *);
	uint8_t service, type;
	uint16_t msg_id, msg_id2;
} decoders[] = {
	{"ctl version", d_ver, QMI_SVC_CTL, QMI_RSP, QMI_CTL_GET_VERSION, 0},
	{"ctl alloc", d_alloc, QMI_SVC_CTL, QMI_RSP, QMI_CTL_ALLOC_CID, 0},
	{"ctl release", d_rel, QMI_SVC_CTL, QMI_RSP, QMI_CTL_RELEASE_CID, 0},
	{"ctl format", d_fmt, QMI_SVC_CTL, QMI_RSP, QMI_CTL_SET_DATA_FORMAT, 0},
	{"wds start", d_start, QMI_SVC_WDS, QMI_RSP, QMI_WDS_START_NETWORK, 0},
	{"wds pkt", d_pkt, QMI_SVC_WDS, QMI_RSP, QMI_WDS_PKT_STATUS, 0},
	{"wds pkt ind", d_pkti, QMI_SVC_WDS, QMI_IND, QMI_WDS_PKT_STATUS, 0},
	{"wds settings", d_set, QMI_SVC_WDS, QMI_RSP, QMI_WDS_GET_SETTINGS, 0},
	{"nas serving", d_srv, QMI_SVC_NAS, QMI_RSP, QMI_NAS_SERVING_SYSTEM, 0},
	{"nas serving ind", d_srvi, QMI_SVC_NAS, QMI_IND, QMI_NAS_SERVING_SYSTEM, 0},
	{"nas signal", d_sig, QMI_SVC_NAS, QMI_RSP, QMI_NAS_SIGNAL_INFO, 0},
	{"nas sysinfo", d_sys, QMI_SVC_NAS, QMI_RSP, QMI_NAS_SYSTEM_INFO, 0},
	{"dms ids", d_ids, QMI_SVC_DMS, QMI_RSP, QMI_DMS_IDS, 0},
	{"dms model", d_model, QMI_SVC_DMS, QMI_RSP, QMI_DMS_MODEL, 0},
	{"dms opmode", d_op, QMI_SVC_DMS, QMI_RSP, QMI_DMS_GET_OPMODE, 0},
	{"dms pins", d_pins, QMI_SVC_DMS, QMI_RSP, QMI_DMS_PIN_STATUS, 0},
	{"dms verify", d_dpin, QMI_SVC_DMS, QMI_RSP, QMI_DMS_VERIFY_PIN, 0},
	{"uim card", d_card, QMI_SVC_UIM, QMI_RSP, QMI_UIM_CARD_STATUS, 0},
	{"uim verify", d_upin, QMI_SVC_UIM, QMI_RSP, QMI_UIM_VERIFY_PIN, 0},
	{"wda format", d_wda, QMI_SVC_WDA, QMI_RSP, QMI_WDA_SET_FORMAT, QMI_WDA_GET_FORMAT},
};

static bool decoder_for(const struct decoder *d, const struct qmi_msg *m)
{
	return m->service == d->service && m->type == d->type &&
	       (m->msg_id == d->msg_id || (d->msg_id2 && m->msg_id == d->msg_id2));
}

/* Each decoder takes only its own message (-EBADMSG otherwise: Q18's wrong message id, Q22's
 * 0xFFFF, requests), and decodes the same at every alignment offset. */
static void test_every_vector_every_decoder(void)
{
	static uint8_t buf[600];
	static union out o0, o;
	int i, k, taken = 0;
	size_t d;

	for (i = 0; i < nvecs; i++) {
		const struct vec *v = &vecs[i];
		struct qmi_msg m;

		if (qmi_parse(v->b, v->len, &m) <= 0)
			continue; /* Q24, Q25: framing rejects them (test_qmi) */
		for (d = 0; d < ARRAY_SIZE(decoders); d++) {
			uint16_t e0 = 0x5555, e = 0x5555;
			int r0;

			memset(&o0, 0x3c, sizeof(o0));
			r0 = decoders[d].fn(&m, &o0, &e0);
			if (!decoder_for(&decoders[d], &m)) {
				if (r0 != -EBADMSG)
					fprintf(stderr, "%s took %s\n", decoders[d].name, v->id);
				CHECK_EQ(r0, -EBADMSG);
				continue;
			}
			taken++;
			CHECK(r0 != -EBADMSG); /* Q14 has no result TLV: -EPROTO */
			for (k = 1; k < 8; k++) {
				struct qmi_msg mk;

				memcpy(buf + k, v->b, v->len);
				CHECK(qmi_parse(buf + k, v->len, &mk) > 0);
				memset(&o, 0x3c, sizeof(o));
				CHECK_EQ(decoders[d].fn(&mk, &o, &e), r0);
				CHECK_EQ(e, e0);
				CHECK(!memcmp(&o, &o0, sizeof(o)));
			}
		}
	}
	CHECK_EQ(taken, 15); /* Q02 has no decoder: a result-only response (qmi_check) */
}

/* ================================ CTL ================================ */

static void test_ctl_encoders(void)
{
	uint8_t buf[64];
	/* qmicli's Internal Proxy Open for /dev/null, seen by a fake proxy (notes/vectors.md §4) */
	static const uint8_t proxy_open[] = {0x01, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
					     0x00, 0xff, 0x0c, 0x00, 0x01, 0x09, 0x00, '/',
					     'd',  'e',	 'v',  '/',  'n',  'u',	 'l',  'l'};
	int n;

	check_encoded(buf, qmi_ctl_alloc_cid_req(buf, sizeof(buf), 1, QMI_SVC_WDS), "Q03");
	check_encoded(buf, qmi_ctl_alloc_cid_req(buf, sizeof(buf), 0xFF, QMI_SVC_WDS), "Q05");
	check_encoded(buf, qmi_ctl_get_version_req(buf, sizeof(buf), 1), "Q26");
	check_encoded(buf, qmi_ctl_sync_req(buf, sizeof(buf), 1), "Q28");
	check_encoded(buf, qmi_ctl_set_data_format_req(buf, sizeof(buf), 1, 0, QMI_CTL_LINK_RAW_IP),
		      "Q40");
	n = qmi_ctl_proxy_open_req(buf, sizeof(buf), 1, "/dev/null");
	dump_frame(buf, n);
	CHECK_EQ(n, (int)sizeof(proxy_open));
	CHECK_MEM(buf, proxy_open, sizeof(proxy_open));

	n = qmi_ctl_release_cid_req(buf, sizeof(buf), 9, QMI_SVC_NAS, 7);
	dump_frame(buf, n);
	CHECK_EQ(n, 17);
	CHECK(!memcmp(buf + 12, "\x01\x02\x00\x03\x07", 5)); /* Release Info {nas, 7} */
	CHECK_EQ(qmi_ctl_alloc_cid_req(buf, 15, 1, QMI_SVC_WDS), -EMSGSIZE);
}

static void test_ctl_decoders(void)
{
	struct qmi_msg m = msg("Q27");
	struct qmi_ctl_versions v;
	struct qmi_ctl_cid c;
	uint16_t major = 0, minor = 0, link, e = 0x5555;

	CHECK_EQ(qmi_ctl_get_version_rsp(&m, &v, &e), 0);
	CHECK_EQ(e, 0);
	CHECK_EQ(v.count, 6);
	CHECK(v.svc[0].service == QMI_SVC_CTL && v.svc[0].major == 1 && v.svc[0].minor == 5);
	CHECK(v.svc[1].service == QMI_SVC_WDS && v.svc[1].major == 1 && v.svc[1].minor == 67);
	CHECK_EQ(qmi_ctl_version_of(&v, QMI_SVC_DMS, &major, &minor), 0);
	CHECK(major == 1 && minor == 14);
	CHECK_EQ(qmi_ctl_version_of(&v, QMI_SVC_NAS, &major, &minor), 0);
	CHECK(major == 1 && minor == 25);
	CHECK_EQ(qmi_ctl_version_of(&v, QMI_SVC_UIM, &major, &minor), 0);
	CHECK(major == 1 && minor == 46);
	CHECK_EQ(qmi_ctl_version_of(&v, QMI_SVC_WDA, &major, &minor), 0);
	CHECK(major == 1 && minor == 16);
	CHECK_EQ(qmi_ctl_version_of(&v, 0x10, &major, &minor), -ENOENT);

	m = msg("Q04");
	CHECK_EQ(qmi_ctl_alloc_cid_rsp(&m, &c, NULL), 0);
	CHECK(c.service == QMI_SVC_WDS && c.cid == 1);
	CHECK_EQ(qmi_ctl_release_cid_rsp(&m, &c, NULL), -EBADMSG);
	CHECK(c.service == QMI_U8_UNKNOWN && c.cid == QMI_U8_UNKNOWN);

	m = msg("Q41");
	CHECK_EQ(qmi_ctl_set_data_format_rsp(&m, &link, NULL), 0);
	CHECK_EQ(link, QMI_CTL_LINK_RAW_IP);

	m = msg("Q02");
	CHECK_EQ(qmi_check(&m, QMI_SVC_CTL, QMI_CTL_PROXY_OPEN, &e), 0);
	CHECK(!qmi_ctl_is_sync_ind(&m));
}

static void test_ctl_synthetic(void)
{
	struct qmi_builder *b;
	struct qmi_ctl_versions v;
	struct qmi_ctl_cid c;
	uint16_t link, e;
	int i;

	/* more services than we store: the first 64 are kept */
	b = rsp(QMI_SVC_CTL, QMI_CTL_GET_VERSION, 0);
	qmi_tlv_begin(b, 0x01);
	qmi_add_u8(b, 70);
	for (i = 0; i < 70; i++) {
		qmi_add_u8(b, (uint8_t)i);
		qmi_add_u16(b, 1);
		qmi_add_u16(b, (uint16_t)i);
	}
	qmi_tlv_end(b);
	CHECK_EQ(qmi_ctl_get_version_rsp(done(), &v, NULL), 0);
	CHECK_EQ(v.count, QMI_MAX_SERVICES);
	CHECK_EQ(v.svc[63].minor, 63);

	/* a count beyond the TLV: malformed */
	b = rsp(QMI_SVC_CTL, QMI_CTL_GET_VERSION, 0);
	qmi_put_tlv(b, 0x01, "\x03\x01\x01\x00\x05\x00", 6);
	CHECK_EQ(qmi_ctl_get_version_rsp(done_bad(), &v, NULL), -EPROTO);
	CHECK_EQ(v.count, 0);

	/* success without the mandatory TLV; failure without it is fine */
	rsp(QMI_SVC_CTL, QMI_CTL_ALLOC_CID, 0);
	CHECK_EQ(qmi_ctl_alloc_cid_rsp(done(), &c, NULL), -EPROTO);
	rsp(QMI_SVC_CTL, QMI_CTL_ALLOC_CID, 0x05);
	CHECK_EQ(qmi_ctl_alloc_cid_rsp(done(), &c, &e), -EREMOTEIO);
	CHECK_EQ(e, 0x05);
	CHECK_STR(qmi_strerror(e), "Client IDs exhausted");
	rsp(QMI_SVC_CTL, QMI_CTL_SET_DATA_FORMAT, 0);
	CHECK_EQ(qmi_ctl_set_data_format_rsp(done(), &link, NULL), -EPROTO);
	/* no result TLV at all */
	frame(QMI_SVC_CTL, QMI_CTL_RELEASE_CID, QMI_RSP);
	qmi_put_tlv(&fbld, 0x01, "\x01\x02", 2);
	CHECK_EQ(qmi_ctl_release_cid_rsp(done(), &c, NULL), -EPROTO);

	frame(QMI_SVC_CTL, QMI_CTL_SYNC, QMI_IND);
	CHECK(qmi_ctl_is_sync_ind(done()));
	rsp(QMI_SVC_CTL, QMI_CTL_SYNC, 0);
	CHECK(!qmi_ctl_is_sync_ind(done()));
	CHECK_EQ(qmi_check(&fm, QMI_SVC_CTL, QMI_CTL_SYNC, NULL), 0);
}

/* ================================ WDS ================================ */

static void test_wds_encoders(void)
{
	struct qmi_wds_start_req r;
	uint8_t buf[128];
	struct qmi_msg m;
	const uint8_t *v;
	uint16_t len;
	int n;

	qmi_wds_start_req_init(&r);
	r.apn = "internet";
	r.ip_family = QMI_IP_FAMILY_V4;
	check_encoded(buf, qmi_wds_start_network_req(buf, sizeof(buf), 1, 1, &r), "Q29");

	qmi_wds_start_req_init(&r);
	r.apn = "ims.example";
	r.ip_family = QMI_IP_FAMILY_V6;
	r.auth = QMI_WDS_AUTH_CHAP;
	r.username = "user";
	r.password = "pass";
	r.profile_3gpp = 2;
	check_encoded(buf, qmi_wds_start_network_req(buf, sizeof(buf), 1, 1, &r), "Q30");

	/* uqmi's --autoconnect sends 0x33 = 1 (notes/uqmi-umbim.md §2.8) */
	r.autoconnect = 1;
	n = qmi_wds_start_network_req(buf, sizeof(buf), 1, 2, &r);
	dump_frame(buf, n);
	CHECK_EQ(qmi_parse(buf, (size_t)n, &m), n);
	CHECK((v = tlv(&m, 0x33, &len)) && len == 1 && v[0] == 1);
	CHECK_EQ(n, (int)vec("Q30")->len + 4);
	qmi_wds_start_req_init(&r); /* nothing set: nothing sent */
	CHECK_EQ(qmi_wds_start_network_req(buf, sizeof(buf), 1, 1, &r), 13);

	check_encoded(buf,
		      qmi_wds_stop_network_req(buf, sizeof(buf), 1, 1, 0x8A3B2C10, QMI_U8_UNKNOWN),
		      "Q32");
	/* qmi.sh teardown: --stop-network 0xffffffff --autoconnect -> 01=ffffffff 10=01 */
	n = qmi_wds_stop_network_req(buf, sizeof(buf), 4, 3, 0xFFFFFFFF, 1);
	dump_frame(buf, n);
	CHECK_EQ(qmi_parse(buf, (size_t)n, &m), n);
	CHECK((v = tlv(&m, 0x01, &len)) && len == 4 && get_le32(v) == 0xFFFFFFFF);
	CHECK((v = tlv(&m, 0x10, &len)) && len == 1 && v[0] == 1);

	check_encoded(buf, qmi_wds_get_settings_req(buf, sizeof(buf), 1, 1, 0xE330), "Q33");
	n = qmi_wds_get_settings_req(buf, sizeof(buf), 1, 1, QMI_WDS_SETTINGS_DEFAULT);
	dump_frame(buf, n);
	CHECK(!memcmp(buf + 13, "\x10\x04\x00\x34\xe3\x00\x00", 7)); /* uqmi's 10=34e30000 */

	check_encoded(buf, qmi_wds_bind_mux_req(buf, sizeof(buf), 1, 1, QMI_EP_HSUSB, 4, 1, 1),
		      "Q38");
	n = qmi_wds_bind_mux_req(buf, sizeof(buf), 1, 1, QMI_EP_HSUSB, 4, 1, QMI_U32_UNKNOWN);
	dump_frame(buf, n);
	CHECK_EQ(n, (int)vec("Q38")->len - 7); /* ModemManager sends no Client Type */

	n = qmi_wds_set_ip_family_req(buf, sizeof(buf), 5, 0x1234, QMI_IP_FAMILY_V6);
	dump_frame(buf, n);
	CHECK_EQ(n, 17);
	CHECK(!memcmp(buf + 13, "\x01\x01\x00\x06", 4)); /* uqmi: --set-ip-family ipv6 01=06 */
	CHECK_EQ(get_le16(buf + 7), 0x1234);
	CHECK_EQ(buf[5], 5);
}

static void test_wds_start_rsp(void)
{
	struct qmi_msg m = msg("Q31");
	struct qmi_wds_start_rsp s;
	struct qmi_builder *b;
	uint16_t e = 0x5555;

	CHECK_EQ(qmi_wds_start_network_rsp(&m, &s, &e), 0);
	CHECK_EQ(s.handle, 0x8A3B2C10);
	CHECK_EQ(s.end.reason, QMI_U16_UNKNOWN);
	CHECK_EQ(s.end.verbose_type, QMI_U16_UNKNOWN);
	CHECK_EQ(s.end.verbose_reason, QMI_I16_UNKNOWN);

	/* call failed, 3GPP cause 33 */
	b = rsp(QMI_SVC_WDS, QMI_WDS_START_NETWORK, 0x0E);
	qmi_put_u16(b, 0x10, 1018); /* gsm-wcdma-option-unsubscribed */
	qmi_tlv_begin(b, 0x11);
	qmi_add_u16(b, QMI_WDS_END_3GPP);
	qmi_add_u16(b, 33);
	qmi_tlv_end(b);
	CHECK_EQ(qmi_wds_start_network_rsp(done(), &s, &e), -EREMOTEIO);
	CHECK_EQ(e, 0x0E);
	CHECK_STR(qmi_strerror(e), "Call failed");
	CHECK_EQ(s.handle, QMI_U32_UNKNOWN);
	CHECK_EQ(s.end.reason, 1018);
	CHECK_EQ(s.end.verbose_type, QMI_WDS_END_3GPP);
	CHECK_EQ(s.end.verbose_reason, 33);
	CHECK_STR(qmi_wds_end_type_str(s.end.verbose_type), "3GPP");
	CHECK_STR(qmi_wds_end_reason_str(s.end.verbose_type, s.end.verbose_reason),
		  "option not subscribed");
	CHECK_STR(qmi_wds_end_hint(s.end.verbose_type, s.end.verbose_reason), "check the APN");

	/* Mobile IP reason -1 is signed */
	b = rsp(QMI_SVC_WDS, QMI_WDS_START_NETWORK, 0x0E);
	qmi_put_tlv(b, 0x11, "\x01\x00\xff\xff", 4);
	CHECK_EQ(qmi_wds_start_network_rsp(done(), &s, NULL), -EREMOTEIO);
	CHECK_EQ(s.end.verbose_reason, -1);
	CHECK_STR(qmi_wds_end_type_str(s.end.verbose_type), "Mobile IP");
	CHECK(qmi_wds_end_reason_str(s.end.verbose_type, s.end.verbose_reason) == NULL);

	/* "No effect": already connected, no handle */
	rsp(QMI_SVC_WDS, QMI_WDS_START_NETWORK, 0x1A);
	CHECK_EQ(qmi_wds_start_network_rsp(done(), &s, &e), -EREMOTEIO);
	CHECK_STR(qmi_strerror(e), "No effect");

	/* success without a handle, and a short handle: malformed */
	rsp(QMI_SVC_WDS, QMI_WDS_START_NETWORK, 0);
	CHECK_EQ(qmi_wds_start_network_rsp(done(), &s, NULL), -EPROTO);
	b = rsp(QMI_SVC_WDS, QMI_WDS_START_NETWORK, 0);
	qmi_put_tlv(b, 0x01, "\x10\x2c\x3b", 3);
	CHECK_EQ(qmi_wds_start_network_rsp(done_bad(), &s, NULL), -EPROTO);
	CHECK_EQ(s.handle, QMI_U32_UNKNOWN);
	/* a short verbose reason is ignored, not misread */
	b = rsp(QMI_SVC_WDS, QMI_WDS_START_NETWORK, 0x0E);
	qmi_put_tlv(b, 0x11, "\x06\x00\x21", 3);
	CHECK_EQ(qmi_wds_start_network_rsp(done_bad(), &s, NULL), -EREMOTEIO);
	CHECK_EQ(s.end.verbose_type, QMI_U16_UNKNOWN);
}

static void test_wds_end_words(void)
{
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 8), "operator determined barring");
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 26), "insufficient resources");
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 27), "missing or unknown APN");
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 29), "user authentication failed");
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 30), "activation rejected by GGSN");
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 31), "activation rejected");
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 32), "option not supported");
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 36), "regular deactivation");
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 50), "PDP type IPv4 only allowed");
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 51), "PDP type IPv6 only allowed");
	CHECK_STR(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 112),
		  "APN restriction value incompatible");
	CHECK(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 9) == NULL);
	CHECK(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 0) == NULL);
	CHECK(qmi_wds_end_reason_str(QMI_WDS_END_3GPP, 256 + 27) == NULL);
	CHECK(qmi_wds_end_reason_str(QMI_WDS_END_INTERNAL, 27) == NULL);
	CHECK_STR(qmi_wds_end_hint(QMI_WDS_END_3GPP, 29),
		  "check the username, password and authentication type");
	CHECK_STR(qmi_wds_end_hint(QMI_WDS_END_3GPP, 50),
		  "the network allows IPv4 only: request IPv4");
	CHECK(qmi_wds_end_hint(QMI_WDS_END_3GPP, 36) == NULL);
	CHECK_STR(qmi_wds_end_type_str(QMI_WDS_END_INTERNAL), "internal");
	CHECK_STR(qmi_wds_end_type_str(QMI_WDS_END_CM), "call manager");
	CHECK_STR(qmi_wds_end_type_str(QMI_WDS_END_PPP), "PPP");
	CHECK_STR(qmi_wds_end_type_str(QMI_WDS_END_EHRPD), "EHRPD");
	CHECK_STR(qmi_wds_end_type_str(QMI_WDS_END_IPV6), "IPv6");
	CHECK(qmi_wds_end_type_str(0) == NULL);
	CHECK(qmi_wds_end_type_str(4) == NULL);
	CHECK(qmi_wds_end_type_str(10) == NULL);
	CHECK(qmi_wds_end_type_str(0xFFFF) == NULL);
}

static void test_wds_pkt_status(void)
{
	struct qmi_wds_pkt_status s;
	struct qmi_builder *b;

	b = rsp(QMI_SVC_WDS, QMI_WDS_PKT_STATUS, 0);
	qmi_put_u8(b, 0x01, QMI_WDS_CONNECTED);
	CHECK_EQ(qmi_wds_pkt_status_rsp(done(), &s, NULL), 0);
	CHECK_EQ(s.status, QMI_WDS_CONNECTED);
	CHECK_STR(qmi_wds_status_name(s.status), "connected");
	CHECK_EQ(s.ip_family, QMI_U8_UNKNOWN);
	rsp(QMI_SVC_WDS, QMI_WDS_PKT_STATUS, 0);
	CHECK_EQ(qmi_wds_pkt_status_rsp(done(), &s, NULL), -EPROTO);

	/* the network dropped the call */
	b = frame(QMI_SVC_WDS, QMI_WDS_PKT_STATUS, QMI_IND);
	qmi_put_tlv(b, 0x01, "\x01\x00", 2);
	qmi_put_u16(b, 0x10, 1008);		     /* gsm-wcdma-regular-deactivation */
	qmi_put_tlv(b, 0x11, "\x06\x00\x24\x00", 4); /* 3GPP 36 */
	qmi_put_u8(b, 0x12, QMI_IP_FAMILY_V4);
	CHECK_EQ(qmi_wds_pkt_status_ind(done(), &s), 0);
	CHECK_EQ(s.status, QMI_WDS_DISCONNECTED);
	CHECK_STR(qmi_wds_status_name(s.status), "disconnected");
	CHECK_EQ(s.reconfig, 0);
	CHECK_EQ(s.end.reason, 1008);
	CHECK_EQ(s.end.verbose_type, QMI_WDS_END_3GPP);
	CHECK_STR(qmi_wds_end_reason_str(s.end.verbose_type, s.end.verbose_reason),
		  "regular deactivation");
	CHECK_EQ(s.ip_family, QMI_IP_FAMILY_V4);
	CHECK_EQ(qmi_wds_pkt_status_rsp(&fm, &s, NULL), -EBADMSG); /* an indication */

	b = frame(QMI_SVC_WDS, QMI_WDS_PKT_STATUS, QMI_IND);
	qmi_put_u8(b, 0x01, QMI_WDS_DISCONNECTED); /* 1 byte: malformed */
	CHECK_EQ(qmi_wds_pkt_status_ind(done_bad(), &s), -EPROTO);
	CHECK_EQ(s.status, QMI_U8_UNKNOWN);
	CHECK_STR(qmi_wds_status_name(s.status), "unknown");
}

static void test_wds_settings_ipv4(void)
{
	struct qmi_msg m = msg("Q34");
	struct qmi_wds_settings s;
	uint16_t e = 0x5555;

	CHECK_EQ(qmi_wds_get_settings_rsp(&m, &s, &e), 0);
	CHECK_EQ(e, 0);
	CHECK_STR(s.apn, "internet");
	CHECK(s.ipv4.valid && !memcmp(s.ipv4.addr, "\x0a\x40\x0c\x22", 4)); /* 10.64.12.34 */
	CHECK(s.gateway4.valid && !memcmp(s.gateway4.addr, "\x0a\x40\x0c\x21", 4));
	CHECK(s.netmask4.valid && !memcmp(s.netmask4.addr, "\xff\xff\xff\xfc", 4));
	CHECK(s.dns4[0].valid && !memcmp(s.dns4[0].addr, "\x08\x08\x08\x08", 4));
	CHECK(s.dns4[1].valid && !memcmp(s.dns4[1].addr, "\x08\x08\x04\x04", 4));
	CHECK_EQ(s.mtu, 1500);
	CHECK_EQ(s.ip_family, QMI_IP_FAMILY_V4);
	CHECK_EQ(s.pdp_type, QMI_U8_UNKNOWN);
	CHECK(!s.ipv6.valid && !s.gateway6.valid && !s.dns6[0].valid && !s.dns6[1].valid);
	CHECK_EQ(s.ipv6.prefix, QMI_U8_UNKNOWN);
	CHECK_STR(s.domains, "");
}

static const uint8_t v6addr[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x23};

static void test_wds_settings_ipv6(void)
{
	static const uint8_t gw[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
				       0,    0,	   0,	 0,    0, 0, 0, 0x24};
	static const uint8_t dns[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x53};
	struct qmi_wds_settings s;
	struct qmi_builder *b;

	b = rsp(QMI_SVC_WDS, QMI_WDS_GET_SETTINGS, 0);
	qmi_put_u8(b, 0x11, 3); /* PDP type IPv4v6 */
	qmi_tlv_begin(b, 0x25);
	qmi_add(b, v6addr, 16);
	qmi_add_u8(b, 64);
	qmi_tlv_end(b);
	qmi_tlv_begin(b, 0x26);
	qmi_add(b, gw, 16);
	qmi_add_u8(b, 64);
	qmi_tlv_end(b);
	qmi_put_tlv(b, 0x27, dns, 16);
	qmi_put_u32(b, 0x29, 1420);
	qmi_put_tlv(b, 0x2A,
		    "\x02\x0b\x00"
		    "example.com"
		    "\x03\x00"
		    "lan",
		    19);
	qmi_put_u8(b, 0x2B, QMI_IP_FAMILY_V6);
	CHECK_EQ(qmi_wds_get_settings_rsp(done(), &s, NULL), 0);
	CHECK(s.ipv6.valid && s.ipv6.prefix == 64 && !memcmp(s.ipv6.addr, v6addr, 16));
	CHECK(s.gateway6.valid && s.gateway6.prefix == 64 && !memcmp(s.gateway6.addr, gw, 16));
	CHECK(s.dns6[0].valid && !memcmp(s.dns6[0].addr, dns, 16));
	CHECK_EQ(s.dns6[0].prefix, QMI_U8_UNKNOWN);
	CHECK(!s.dns6[1].valid);
	CHECK_EQ(s.mtu, 1420);
	CHECK_EQ(s.pdp_type, 3);
	CHECK_EQ(s.ip_family, QMI_IP_FAMILY_V6);
	CHECK_STR(s.domains, "example.com lan");
	CHECK(!s.ipv4.valid);
	CHECK_STR(s.apn, "");

	/* short address TLVs are ignored; a domain list claiming more than it has keeps what fits
	 */
	b = rsp(QMI_SVC_WDS, QMI_WDS_GET_SETTINGS, 0);
	qmi_put_tlv(b, 0x25, v6addr, 16); /* no prefix byte */
	qmi_put_tlv(b, 0x1E, "\x22\x0c\x40", 3);
	qmi_put_tlv(b, 0x2A,
		    "\x05\x03\x00"
		    "a b"
		    "\xff\x00",
		    8);
	CHECK_EQ(qmi_wds_get_settings_rsp(done_bad(), &s, NULL), 0);
	CHECK(!s.ipv6.valid && !s.ipv4.valid);
	CHECK_STR(s.domains, "a?b");

	rsp(QMI_SVC_WDS, QMI_WDS_GET_SETTINGS, 0x0F); /* Out of call */
	CHECK_EQ(qmi_wds_get_settings_rsp(done(), &s, NULL), -EREMOTEIO);
}

/* ================================ NAS ================================ */

static void test_nas_encoders(void)
{
	uint8_t buf[64];
	struct qmi_msg m;
	const uint8_t *v;
	uint16_t len;
	int n;

	n = qmi_nas_register_ind_req(buf, sizeof(buf), 2, 3, 1, 0, QMI_U8_UNKNOWN);
	dump_frame(buf, n);
	CHECK_EQ(qmi_parse(buf, (size_t)n, &m), n);
	CHECK(qmi_is(&m, QMI_SVC_NAS, QMI_NAS_REGISTER_IND, QMI_REQ));
	CHECK((v = tlv(&m, 0x13, &len)) && len == 1 && v[0] == 1); /* Serving System Events */
	CHECK((v = tlv(&m, 0x18, &len)) && len == 1 && v[0] == 0); /* System Info */
	CHECK(!tlv(&m, 0x19, &len));
	CHECK_EQ(m.tlv_len, 8);
	n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_NAS, 2, 4, QMI_NAS_SERVING_SYSTEM);
	dump_frame(buf, n);
	n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_NAS, 2, 5, QMI_NAS_SIGNAL_INFO);
	dump_frame(buf, n);
	n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_NAS, 2, 6, QMI_NAS_SYSTEM_INFO);
	dump_frame(buf, n);
	CHECK_EQ(n, 13);
}

static void test_nas_serving_q12(void)
{
	struct qmi_msg m = msg("Q12");
	struct qmi_nas_serving s;

	CHECK_EQ(qmi_nas_get_serving_rsp(&m, &s, NULL), 0);
	CHECK_EQ(s.reg_state, QMI_NAS_REGISTERED);
	CHECK_STR(qmi_nas_reg_state_name(s.reg_state), "registered");
	CHECK_EQ(s.cs_attach, 1);
	CHECK_EQ(s.ps_attach, 1);
	CHECK_EQ(s.network, 2); /* 3GPP */
	CHECK_EQ(s.n_rat, 1);
	CHECK_EQ(s.rat[0], 5);
	CHECK_STR(qmi_nas_rat_name(s.rat[0]), "umts");
	CHECK_EQ(s.roaming, 1); /* off */
	CHECK_EQ(s.mcc, 222);
	CHECK_EQ(s.mnc, 50);
	CHECK_EQ(s.desc_enc, QMI_NAS_DESC_GSM7);
	CHECK_STR(s.description, "Iliad"); /* packed GSM-7 49 76 3A 4C 06 */
	CHECK_EQ(s.srv_status, 2);	   /* available */
	CHECK_EQ(s.srv_domain, 3);	   /* CS+PS */
	CHECK_EQ(s.lac, 24500);
	CHECK_EQ(s.cell_id, 18045647);
	CHECK_EQ(s.tac, QMI_U16_UNKNOWN);
	CHECK_EQ(qmi_nas_serving_ind(&m, &s), -EBADMSG); /* a response */
}

/* Q23: valid framing, Detailed Service Status (0x21) is 4 bytes where 5 are defined: that TLV is
 * ignored, the rest decodes. */
static void test_nas_serving_q23(void)
{
	struct qmi_msg m = msg("Q23");
	struct qmi_nas_serving s;
	uint16_t len;

	CHECK(tlv(&m, 0x21, &len) && len == 4);
	CHECK_EQ(qmi_nas_get_serving_rsp(&m, &s, NULL), 0);
	CHECK_EQ(s.srv_status, QMI_U8_UNKNOWN);
	CHECK_EQ(s.srv_domain, QMI_U8_UNKNOWN);
	CHECK_EQ(s.reg_state, QMI_NAS_REGISTERED);
	CHECK_EQ(s.mcc, 310);
	CHECK_EQ(s.mnc, 260);
	CHECK_EQ(s.desc_enc, QMI_NAS_DESC_ASCII);
	CHECK_STR(s.description, " T-Mobile");
	CHECK_EQ(s.lac, 0);
	CHECK_EQ(s.cell_id, 0);
}

/* Q18: the modem answered another message id */
static void test_nas_wrong_message_q18(void)
{
	struct qmi_msg m = msg("Q18");
	struct qmi_nas_serving s;
	struct qmi_nas_sysinfo si;

	CHECK_EQ(qmi_nas_get_serving_rsp(&m, &s, NULL), -EBADMSG);
	CHECK_EQ(s.reg_state, QMI_U8_UNKNOWN);
	CHECK_EQ(qmi_nas_get_sysinfo_rsp(&m, &si, NULL), -EBADMSG);
	CHECK(!qmi_matches(&m, QMI_SVC_NAS, 1, 1, 0x0043));
}

static void test_nas_serving_synthetic(void)
{
	static const uint8_t ucs2[] = {'F', 0, 'a', 0, 0xe9, 0};
	struct qmi_nas_serving s;
	struct qmi_builder *b;

	/* indication, ASCII name, LTE with TAC, roaming, two RATs; from LAC on the indication's
	 * TLV ids are one above the response's (0x24 is "HDR Personality" there, a u8) */
	b = frame(QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, QMI_IND);
	qmi_put_tlv(b, 0x01, "\x01\x00\x01\x02\x02\x08\x0c", 7);
	qmi_put_u8(b, 0x10, 0);
	qmi_put_tlv(b, 0x12,
		    "\xde\x00\x01\x00\x07"
		    "FakeNet",
		    12);
	qmi_put_u16(b, 0x1D, 0x4321);			 /* "LAC 3GPP" */
	qmi_put_u32(b, 0x1E, 0x01020304);		 /* "CID 3GPP" */
	qmi_put_tlv(b, 0x22, "\x02\x02\x00\x00\x00", 5); /* "Detailed Service Status" */
	qmi_put_u8(b, 0x24, 0);				 /* "HDR Personality" */
	qmi_put_u16(b, 0x25, 0x1234);			 /* "LTE TAC" */
	CHECK_EQ(qmi_nas_serving_ind(done(), &s), 0);
	CHECK_EQ(s.n_rat, 2);
	CHECK(s.rat[0] == 8 && s.rat[1] == 12);
	CHECK_STR(qmi_nas_rat_name(s.rat[1]), "5gnr");
	CHECK_EQ(s.roaming, 0);
	CHECK_EQ(s.mcc, 222);
	CHECK_EQ(s.mnc, 1);
	CHECK_STR(s.description, "FakeNet");
	CHECK_EQ(s.desc_enc, QMI_NAS_DESC_ASCII);
	CHECK_EQ(s.tac, 0x1234);
	CHECK_EQ(s.lac, 0x4321);
	CHECK_EQ(s.cell_id, 0x01020304);
	CHECK_EQ(s.srv_status, 2);
	CHECK_EQ(s.srv_domain, 2);
	/* the same TLVs in a response mean something else: TAC 0x24 is only one byte there */
	fb[6] = 0x02; /* SDU flags: response */
	CHECK(qmi_parse(fb, fm.frame_len, &fm) > 0);
	CHECK_EQ(qmi_nas_get_serving_rsp(&fm, &s, NULL), -EPROTO); /* and no result TLV */
	CHECK_EQ(s.tac, QMI_U16_UNKNOWN);
	CHECK_EQ(s.lac, QMI_U16_UNKNOWN);
	CHECK_EQ(s.cell_id, QMI_U32_UNKNOWN); /* 0x1D: the indication's 2-byte LAC */
	CHECK_EQ(s.srv_status, QMI_U8_UNKNOWN);

	/* UCS-2 name: flagged, not guessed */
	b = frame(QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, QMI_IND);
	qmi_put_tlv(b, 0x01, "\x02\x00\x00\x02\x00", 5);
	qmi_tlv_begin(b, 0x12);
	qmi_add(b, "\x06\x01\x0a\x00\x06", 5);
	qmi_add(b, ucs2, sizeof(ucs2));
	qmi_tlv_end(b);
	CHECK_EQ(qmi_nas_serving_ind(done(), &s), 0);
	CHECK_EQ(s.reg_state, QMI_NAS_SEARCHING);
	CHECK_STR(qmi_nas_reg_state_name(s.reg_state), "searching");
	CHECK_EQ(s.n_rat, 0);
	CHECK_EQ(s.mcc, 262);
	CHECK_EQ(s.mnc, 10);
	CHECK_EQ(s.desc_enc, QMI_NAS_DESC_OTHER);
	CHECK_STR(s.description, "");

	/* a description longer than its TLV: the PLMN TLV is ignored */
	b = frame(QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, QMI_IND);
	qmi_put_tlv(b, 0x01, "\x01\x01\x01\x02\x00", 5);
	qmi_put_tlv(b, 0x12,
		    "\xde\x00\x01\x00\x09"
		    "FakeNet",
		    12);
	CHECK_EQ(qmi_nas_serving_ind(done_bad(), &s), 0);
	CHECK_EQ(s.mcc, QMI_U16_UNKNOWN);
	CHECK_EQ(s.desc_enc, QMI_U8_UNKNOWN);

	/* radio interface count beyond the TLV: the mandatory TLV is malformed */
	b = frame(QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, QMI_IND);
	qmi_put_tlv(b, 0x01, "\x01\x01\x01\x02\x03\x08", 6);
	CHECK_EQ(qmi_nas_serving_ind(done_bad(), &s), -EPROTO);
	CHECK_EQ(s.reg_state, QMI_U8_UNKNOWN);
	b = rsp(QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, 0);
	qmi_put_tlv(b, 0x01, "\x01\x01\x01\x02", 4);
	CHECK_EQ(qmi_nas_get_serving_rsp(done_bad(), &s, NULL), -EPROTO);
	rsp(QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, 0x34); /* Device not ready */
	CHECK_EQ(qmi_nas_get_serving_rsp(done(), &s, NULL), -EREMOTEIO);

	/* more RATs than we keep */
	b = rsp(QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, 0);
	qmi_put_tlv(b, 0x01, "\x01\x01\x01\x02\x06\x04\x05\x08\x09\x0c\x01", 11);
	CHECK_EQ(qmi_nas_get_serving_rsp(done(), &s, NULL), 0);
	CHECK_EQ(s.n_rat, 4);
	CHECK_EQ(s.rat[3], 9);
}

static void test_nas_gsm7(void)
{
	/* "hello world" in packed GSM-7 (11 septets in 10 bytes) and "1234567" (7 septets,
	 * 7 bytes: 7 spare bits padded with CR per TS 23.038) */
	static const uint8_t hello[] = {0xe8, 0x32, 0x9b, 0xfd, 0x06, 0xdd, 0xdf, 0x72, 0x36, 0x19};
	static const uint8_t digits[] = {0x31, 0xd9, 0x8c, 0x56, 0xb3, 0xdd, 0x1a};
	struct qmi_nas_serving s;
	struct qmi_builder *b;

	b = frame(QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, QMI_IND);
	qmi_put_tlv(b, 0x01, "\x01\x01\x01\x02\x00", 5);
	qmi_tlv_begin(b, 0x12);
	qmi_add(b, "\x01\x00\x01\x00\x0a", 5);
	qmi_add(b, hello, sizeof(hello));
	qmi_tlv_end(b);
	CHECK_EQ(qmi_nas_serving_ind(done(), &s), 0);
	CHECK_EQ(s.desc_enc, QMI_NAS_DESC_GSM7);
	CHECK_STR(s.description, "hello world");

	b = frame(QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, QMI_IND);
	qmi_put_tlv(b, 0x01, "\x01\x01\x01\x02\x00", 5);
	qmi_tlv_begin(b, 0x12);
	qmi_add(b, "\x01\x00\x01\x00\x07", 5);
	qmi_add(b, digits, sizeof(digits));
	qmi_tlv_end(b);
	CHECK_EQ(qmi_nas_serving_ind(done(), &s), 0);
	CHECK_EQ(s.desc_enc, QMI_NAS_DESC_GSM7);
	CHECK_STR(s.description, "1234567");
}

static void test_nas_signal(void)
{
	struct qmi_msg m = msg("Q37");
	struct qmi_nas_signal s;
	struct qmi_builder *b;

	CHECK_EQ(qmi_nas_get_signal_rsp(&m, &s, NULL), 0);
	CHECK_EQ(s.lte_rssi, -65);
	CHECK_EQ(s.lte_rsrq, -9);
	CHECK_EQ(s.lte_rsrp, -95);
	CHECK_EQ(s.lte_snr, 124); /* 12.4 dB */
	CHECK_EQ(s.gsm_rssi, QMI_I16_UNKNOWN);
	CHECK_EQ(s.umts_rssi, QMI_I16_UNKNOWN);
	CHECK_EQ(s.nr_rsrp, QMI_I16_UNKNOWN);

	b = rsp(QMI_SVC_NAS, QMI_NAS_SIGNAL_INFO, 0);
	qmi_put_tlv(b, 0x10, "\xb0\x14\x00", 3);
	qmi_put_tlv(b, 0x11, "\xb1\x00\x00\x00\x00\x00\x00\x00", 8);
	qmi_put_tlv(b, 0x12, "\xa6", 1);
	qmi_put_tlv(b, 0x13, "\xb5\xf6\xff", 3);
	qmi_put_tlv(b, 0x17, "\xa0\xff\x96\x00", 4);
	qmi_put_tlv(b, 0x18, "\xf5\xff", 2);
	qmi_put_tlv(b, 0x14, "\xbf\xf7\xa1", 3); /* short: ignored */
	CHECK_EQ(qmi_nas_get_signal_rsp(done_bad(), &s, NULL), 0);
	CHECK_EQ(s.cdma_rssi, -80);
	CHECK_EQ(s.cdma_ecio, 20);
	CHECK_EQ(s.hdr_rssi, -79);
	CHECK_EQ(s.gsm_rssi, -90);
	CHECK_EQ(s.umts_rssi, -75);
	CHECK_EQ(s.umts_ecio, -10);
	CHECK_EQ(s.nr_rsrp, -96);
	CHECK_EQ(s.nr_snr, 150);
	CHECK_EQ(s.nr_rsrq, -11);
	CHECK_EQ(s.lte_rssi, QMI_I16_UNKNOWN);
	CHECK_EQ(s.lte_rsrp, QMI_I16_UNKNOWN);
}

static void test_nas_sysinfo(void)
{
	struct qmi_msg m = msg("Q13");
	struct qmi_nas_sysinfo s;

	CHECK_EQ(qmi_nas_get_sysinfo_rsp(&m, &s, NULL), 0);
	CHECK_EQ(s.lte.srv_status, 2);
	CHECK_EQ(s.lte.domain, 3);
	CHECK_EQ(s.lte.roaming, 0);
	CHECK_EQ(s.lte.forbidden, 0);
	CHECK_EQ(s.lte.lac, QMI_U16_UNKNOWN); /* lac_valid = no */
	CHECK_EQ(s.lte.cell_id, 1616133);
	CHECK_STR(s.lte.mcc, "530");
	CHECK_STR(s.lte.mnc, "24"); /* "24" + 0xFF padding */
	CHECK_EQ(s.lte.tac, 63001);
	CHECK_EQ(s.lte.reject_cause, QMI_U8_UNKNOWN);
	CHECK_EQ(s.gsm.srv_status, 0);
	CHECK_EQ(s.umts.srv_status, 0);
	CHECK_STR(s.gsm.mcc, "");
	CHECK_EQ(s.umts.cell_id, QMI_U32_UNKNOWN);

	/* Q14: network id not valid, MCC/MNC all zeros */
	m = msg("Q14");
	CHECK_EQ(qmi_nas_get_sysinfo_rsp(&m, &s, NULL), -EPROTO); /* it has no result TLV */
	CHECK_EQ(s.lte.cell_id, 48756236);
	CHECK_EQ(s.lte.tac, 48717);
	CHECK_STR(s.lte.mcc, "");
	CHECK_STR(s.lte.mnc, "");
	CHECK_EQ(s.lte.domain, 4);
	CHECK_EQ(s.lte.reject_cause, 0x0f);
	CHECK_EQ(s.lte.lac, QMI_U16_UNKNOWN);
}

static void test_nas_sysinfo_synthetic(void)
{
	/* WCDMA v2 with the HS fields after the common part; GSM v2 one byte short */
	static const uint8_t umts[] = {1,   3,	  1,	3,    1,    1, 1, 0, 1, 0x34, 0x12,
				       1,   0x78, 0x56, 0x34, 0x12, 0, 0, 0, 1, '2',  '6',
				       '2', '0',  '1',	'1',  1,    0, 1, 0, 1, 0x22, 0x01};
	struct qmi_nas_sysinfo s;
	struct qmi_builder *b;

	b = rsp(QMI_SVC_NAS, QMI_NAS_SYSTEM_INFO, 0);
	qmi_put_tlv(b, 0x13, "\x02\x02\x00", 3);
	qmi_put_tlv(b, 0x18, umts, sizeof(umts));
	qmi_put_tlv(b, 0x17, umts, 25);
	CHECK_EQ(qmi_nas_get_sysinfo_rsp(done_bad(), &s, NULL), 0);
	CHECK_EQ(s.umts.srv_status, 2);
	CHECK_EQ(s.umts.roaming, 1);
	CHECK_EQ(s.umts.lac, 0x1234);
	CHECK_EQ(s.umts.cell_id, 0x12345678);
	CHECK_STR(s.umts.mcc, "262");
	CHECK_STR(s.umts.mnc, "011");
	CHECK_EQ(s.umts.tac, QMI_U16_UNKNOWN);
	CHECK_EQ(s.gsm.cell_id, QMI_U32_UNKNOWN);
	CHECK_STR(s.gsm.mcc, "");
}

/* ================================ DMS ================================ */

static void test_dms(void)
{
	struct qmi_msg m = msg("Q07");
	struct qmi_dms_ids ids;
	struct qmi_dms_pin_status ps;
	struct qmi_dms_opmode op;
	struct qmi_pin pin;
	struct qmi_builder *b;
	char model[QMI_NAME_MAX];
	uint8_t buf[64];
	uint16_t e;
	int n;

	CHECK_EQ(qmi_dms_ids_rsp(&m, &ids, NULL), 0);
	CHECK_STR(ids.esn, "80997874");
	CHECK_STR(ids.imei, "359225050039973");
	CHECK_STR(ids.meid, "35922505003997");
	CHECK_STR(ids.imeisv, "B");

	m = msg("Q08");
	CHECK_EQ(qmi_dms_pin_status_rsp(&m, &ps, NULL), 0);
	CHECK(ps.pin1.status == QMI_PIN_NOT_VERIFIED && ps.pin1.verify_left == 3 &&
	      ps.pin1.unblock_left == 10);
	CHECK(ps.pin2.status == QMI_PIN_NOT_VERIFIED && ps.pin2.verify_left == 2 &&
	      ps.pin2.unblock_left == 10);
	CHECK_STR(qmi_pin_status_name(ps.pin1.status), "not_verified");

	m = msg("Q11");
	CHECK_EQ(qmi_dms_string_rsp(&m, QMI_DMS_MODEL, model, sizeof(model), NULL), 0);
	CHECK_STR(model, "EM12-AW");
	CHECK_EQ(qmi_dms_string_rsp(&m, QMI_DMS_REVISION, model, sizeof(model), NULL), -EBADMSG);
	CHECK_STR(model, "");

	m = msg("Q22"); /* msg 0xFFFF, error Internal */
	CHECK_EQ(qmi_dms_string_rsp(&m, 0xFFFF, model, sizeof(model), NULL), -EBADMSG);
	CHECK_EQ(qmi_check(&m, QMI_SVC_DMS, 0xFFFF, &e), -EREMOTEIO);
	CHECK_EQ(e, 3);

	m = msg("Q06"); /* a request is no response */
	CHECK_EQ(qmi_dms_ids_rsp(&m, &ids, NULL), -EBADMSG);
	check_encoded(buf, qmi_empty_req(buf, sizeof(buf), QMI_SVC_DMS, 1, 0xFFFF, QMI_DMS_IDS),
		      "Q06");
	check_encoded(buf, qmi_dms_verify_pin_req(buf, sizeof(buf), 1, 1, 1, "1234"), "Q09");

	n = qmi_dms_set_opmode_req(buf, sizeof(buf), 1, 1, QMI_DMS_OPMODE_ONLINE);
	dump_frame(buf, n);
	CHECK_EQ(n, 17);
	CHECK(!memcmp(buf + 13, "\x01\x01\x00\x00", 4)); /* uqmi: online -> 01=00 */

	b = rsp(QMI_SVC_DMS, QMI_DMS_GET_OPMODE, 0);
	qmi_put_u8(b, 0x01, QMI_DMS_OPMODE_LOW_POWER);
	qmi_put_u8(b, 0x11, 0);
	CHECK_EQ(qmi_dms_get_opmode_rsp(done(), &op, NULL), 0);
	CHECK_EQ(op.mode, QMI_DMS_OPMODE_LOW_POWER);
	CHECK_EQ(op.offline_reason, QMI_U16_UNKNOWN);
	CHECK_EQ(op.hw_restricted, 0);
	b = rsp(QMI_SVC_DMS, QMI_DMS_GET_OPMODE, 0);
	qmi_put_u8(b, 0x01, QMI_DMS_OPMODE_OFFLINE);
	qmi_put_u16(b, 0x10, 0x0001);
	CHECK_EQ(qmi_dms_get_opmode_rsp(done(), &op, NULL), 0);
	CHECK_EQ(op.offline_reason, 1);
	rsp(QMI_SVC_DMS, QMI_DMS_GET_OPMODE, 0);
	CHECK_EQ(qmi_dms_get_opmode_rsp(done(), &op, NULL), -EPROTO);

	b = rsp(QMI_SVC_DMS, QMI_DMS_VERIFY_PIN, 0x0C); /* Incorrect PIN */
	qmi_put_tlv(b, 0x10, "\x02\x0a", 2);
	CHECK_EQ(qmi_dms_verify_pin_rsp(done(), &pin, &e), -EREMOTEIO);
	CHECK_STR(qmi_strerror(e), "Incorrect PIN");
	CHECK(pin.verify_left == 2 && pin.unblock_left == 10 && pin.status == QMI_U8_UNKNOWN);

	/* the PIN length is a u8 */
	{
		char pin300[301];

		memset(pin300, '1', 300);
		pin300[300] = 0;
		CHECK_EQ(qmi_dms_verify_pin_req(buf, sizeof(buf), 1, 1, 1, pin300), -EMSGSIZE);
	}
	n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_DMS, 1, 2, QMI_DMS_PIN_STATUS);
	dump_frame(buf, n);
	n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_DMS, 1, 3, QMI_DMS_GET_OPMODE);
	dump_frame(buf, n);
	n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_DMS, 1, 4, QMI_DMS_REVISION);
	dump_frame(buf, n);
	n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_DMS, 1, 5, QMI_DMS_MANUFACTURER);
	dump_frame(buf, n);
}

/* ================================ UIM ================================ */

/* One application record: type, state, perso state/feature/retries/unblock, AID, UPIN flag,
 * PIN1 state/retries/PUK1 retries, PIN2 state/retries/PUK2 retries. */
static void uim_app(struct qmi_builder *b, uint8_t type, uint8_t state, uint8_t upin, uint8_t pin1,
		    uint8_t pin1_left, uint8_t puk1_left)
{
	static const uint8_t aid[] = {0xa0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xff,
				      0x49, 0xff, 0x05, 0x89, 0x04, 0x0b, 0x00, 0xff};

	qmi_add_u8(b, type);
	qmi_add_u8(b, state);
	qmi_add(b, "\x03\x00\x00\x00", 4); /* perso ready, feature, retries x2 */
	qmi_add_u8(b, sizeof(aid));
	qmi_add(b, aid, sizeof(aid));
	qmi_add_u8(b, upin);
	qmi_add_u8(b, pin1);
	qmi_add_u8(b, pin1_left);
	qmi_add_u8(b, puk1_left);
	qmi_add(b, "\x01\x03\x0a", 3); /* PIN2 enabled-not-verified, 3, 10 */
}

static void uim_card(struct qmi_builder *b, uint8_t state, uint8_t n_apps)
{
	qmi_add_u8(b, state);
	qmi_add(b, "\x02\x03\x0a\x00", 4); /* UPIN verified 3/10, error 0 */
	qmi_add_u8(b, n_apps);
}

static void test_uim(void)
{
	struct qmi_uim_card_status c;
	struct qmi_builder *b;
	struct qmi_pin pin;
	struct qmi_msg m;
	uint8_t buf[64], value[256];
	const uint8_t *v;
	uint16_t e, len, cut;
	int n;

	check_encoded(buf, qmi_empty_req(buf, sizeof(buf), QMI_SVC_UIM, 1, 1, QMI_UIM_CARD_STATUS),
		      "Q39");
	m = msg("Q42"); /* InvalidQmiCommand: old firmware, use DMS */
	CHECK_EQ(qmi_uim_card_status_rsp(&m, &c, &e), -EREMOTEIO);
	CHECK_EQ(e, 0x47);
	CHECK_EQ(c.n_cards, 0);
	CHECK_EQ(c.card_state, QMI_U8_UNKNOWN);

	/* one card, a USIM waiting for its PIN */
	b = rsp(QMI_SVC_UIM, QMI_UIM_CARD_STATUS, 0);
	qmi_tlv_begin(b, 0x10);
	qmi_add(b, "\x00\x00\xff\xff\xff\xff\xff\xff", 8); /* GW primary = card 0 app 0 */
	qmi_add_u8(b, 1);
	uim_card(b, QMI_UIM_CARD_PRESENT, 1);
	uim_app(b, 2, QMI_UIM_APP_PIN_REQUIRED, 0, QMI_PIN_NOT_VERIFIED, 3, 10);
	qmi_tlv_end(b);
	CHECK_EQ(qmi_uim_card_status_rsp(done(), &c, NULL), 0);
	CHECK_EQ(c.n_cards, 1);
	CHECK(c.slot == 0 && c.app == 0);
	CHECK_EQ(c.card_state, QMI_UIM_CARD_PRESENT);
	CHECK_EQ(c.card_error, 0);
	CHECK_EQ(c.app_type, 2);
	CHECK_EQ(c.app_state, QMI_UIM_APP_PIN_REQUIRED);
	CHECK_STR(qmi_uim_app_state_name(c.app_state), "pin-required");
	CHECK_EQ(c.perso_state, 3);
	CHECK(c.pin1.status == QMI_PIN_NOT_VERIFIED && c.pin1.verify_left == 3);
	CHECK(c.pin1.unblock_left == 10 && c.puk1_left == 10);
	CHECK(c.pin2.status == QMI_PIN_NOT_VERIFIED && c.pin2.verify_left == 3);
	CHECK_EQ(c.upin, 0);

	/* every truncation of that TLV is malformed, never read past */
	CHECK((v = tlv(&fm, 0x10, &len)) && len < sizeof(value));
	memcpy(value, v, len);
	for (cut = 0; cut < len; cut++) {
		b = rsp(QMI_SVC_UIM, QMI_UIM_CARD_STATUS, 0);
		qmi_put_tlv(b, 0x10, value, cut);
		CHECK_EQ(qmi_uim_card_status_rsp(done_bad(), &c, NULL), -EPROTO);
		CHECK_EQ(c.n_cards, 0);
		CHECK_EQ(c.app_state, QMI_U8_UNKNOWN);
	}

	/* two cards; the primary index (card << 8 | app) points at card 1 app 0, whose PIN1 is
	 * replaced by the UPIN; card 0 app 1 (what a swapped index would pick) is locked */
	b = rsp(QMI_SVC_UIM, QMI_UIM_CARD_STATUS, 0);
	qmi_tlv_begin(b, 0x10);
	qmi_add(b, "\x00\x01\xff\xff\xff\xff\xff\xff", 8);
	qmi_add_u8(b, 2);
	uim_card(b, QMI_UIM_CARD_PRESENT, 2);
	uim_app(b, 5, QMI_UIM_APP_READY, 0, QMI_PIN_DISABLED, 3, 10); /* ISIM */
	uim_app(b, 2, QMI_UIM_APP_PIN_REQUIRED, 0, QMI_PIN_NOT_VERIFIED, 3, 10);
	uim_card(b, QMI_UIM_CARD_PRESENT, 1);
	uim_app(b, 2, QMI_UIM_APP_READY, 1, QMI_PIN_DISABLED, 3, 10); /* USIM, UPIN */
	qmi_tlv_end(b);
	CHECK_EQ(qmi_uim_card_status_rsp(done(), &c, NULL), 0);
	CHECK_EQ(c.n_cards, 2);
	CHECK(c.slot == 1 && c.app == 0);
	CHECK_EQ(c.card_state, QMI_UIM_CARD_PRESENT);
	CHECK_EQ(c.app_state, QMI_UIM_APP_READY);
	CHECK_STR(qmi_uim_app_state_name(c.app_state), "ready");
	CHECK_EQ(c.upin, 1);
	CHECK(c.pin1.status == QMI_PIN_VERIFIED && c.pin1.verify_left == 3); /* the UPIN */

	/* no primary index: the first SIM/USIM of a present card */
	b = rsp(QMI_SVC_UIM, QMI_UIM_CARD_STATUS, 0);
	qmi_tlv_begin(b, 0x10);
	qmi_add(b, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	qmi_add_u8(b, 1);
	uim_card(b, QMI_UIM_CARD_PRESENT, 2);
	uim_app(b, 5, QMI_UIM_APP_READY, 0, QMI_PIN_DISABLED, 3, 10);
	uim_app(b, 1, QMI_UIM_APP_PUK_REQUIRED, 0, QMI_PIN_BLOCKED, 0, 7);
	qmi_tlv_end(b);
	CHECK_EQ(qmi_uim_card_status_rsp(done(), &c, NULL), 0);
	CHECK(c.slot == 0 && c.app == 1);
	CHECK_EQ(c.app_type, 1);
	CHECK_EQ(c.app_state, QMI_UIM_APP_PUK_REQUIRED);
	CHECK(c.pin1.status == QMI_PIN_BLOCKED && c.pin1.verify_left == 0 && c.puk1_left == 7);
	CHECK_STR(qmi_pin_status_name(c.pin1.status), "blocked");

	/* card absent, no applications */
	b = rsp(QMI_SVC_UIM, QMI_UIM_CARD_STATUS, 0);
	qmi_tlv_begin(b, 0x10);
	qmi_add(b, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	qmi_add_u8(b, 1);
	qmi_add(b, "\x00\x00\x00\x00\x06\x00", 6); /* absent, error "possibly removed" */
	qmi_tlv_end(b);
	CHECK_EQ(qmi_uim_card_status_rsp(done(), &c, NULL), 0);
	CHECK_EQ(c.card_state, QMI_UIM_CARD_ABSENT);
	CHECK_EQ(c.card_error, 6);
	CHECK_EQ(c.slot, QMI_U8_UNKNOWN);
	CHECK_EQ(c.app_state, QMI_U8_UNKNOWN);

	/* Verify PIN: UIM puts Info (0x02) before Session (0x01), descending like libqmi */
	n = qmi_uim_verify_pin_req(buf, sizeof(buf), 1, 1, QMI_UIM_SESSION_PRIMARY_GW, QMI_UIM_PIN1,
				   "1234");
	dump_frame(buf, n);
	CHECK_EQ(n, 13 + 3 + 6 + 3 + 2);
	CHECK(!memcmp(buf + 13,
		      "\x02\x06\x00\x01\x04"
		      "1234"
		      "\x01\x02\x00\x00\x00",
		      14));
	b = rsp(QMI_SVC_UIM, QMI_UIM_VERIFY_PIN, 0x0C);
	qmi_put_tlv(b, 0x10, "\x01\x0a", 2);
	qmi_put_tlv(b, 0x13, "\x63\xc1", 2);
	CHECK_EQ(qmi_uim_verify_pin_rsp(done(), &pin, &e), -EREMOTEIO);
	CHECK(pin.verify_left == 1 && pin.unblock_left == 10);
	rsp(QMI_SVC_UIM, QMI_UIM_VERIFY_PIN, 0);
	CHECK_EQ(qmi_uim_verify_pin_rsp(done(), &pin, &e), 0);
	CHECK_EQ(pin.verify_left, QMI_U8_UNKNOWN);
	CHECK_EQ(qmi_dms_verify_pin_rsp(&fm, &pin, &e), -EBADMSG);
}

/* ================================ WDA ================================ */

static void test_wda(void)
{
	struct qmi_msg m = msg("Q36");
	struct qmi_wda_format_req r;
	struct qmi_wda_format f;
	struct qmi_builder *b;
	uint8_t buf[128];
	int n;

	qmi_wda_format_req_init(&r);
	r.link_layer = QMI_WDA_LLP_RAW_IP;
	r.ul_agg = r.dl_agg = QMI_WDA_AGG_QMAP;
	r.dl_max_datagrams = 32;
	r.dl_max_size = 32768;
	r.ep_type = QMI_EP_HSUSB;
	r.ep_iface = 4;
	check_encoded(buf, qmi_wda_set_format_req(buf, sizeof(buf), 1, 1, &r), "Q35");

	/* qmap.md §4.2's ModemManager request for qmi_wwan+rmnet: QoS off, 16 KiB */
	r.qos_format = 0;
	r.dl_max_size = 16384;
	n = qmi_wda_set_format_req(buf, sizeof(buf), 1, 1, &r);
	dump_frame(buf, n);
	CHECK_EQ(n, 0x3e + 1);
	CHECK(!memcmp(buf + n - 4, "\x10\x01\x00\x00", 4));
	r.ul_max_datagrams = 11;
	r.ul_max_size = 8192;
	n = qmi_wda_set_format_req(buf, sizeof(buf), 1, 1, &r);
	dump_frame(buf, n);
	CHECK_EQ(n, 0x3e + 1 + 14);
	CHECK(!memcmp(buf + 13, "\x1c\x04\x00\x00\x20\x00\x00\x1b\x04\x00\x0b\x00\x00\x00", 14));

	n = qmi_wda_get_format_req(buf, sizeof(buf), 1, 2, QMI_U32_UNKNOWN, 0);
	dump_frame(buf, n);
	CHECK_EQ(n, 13);
	n = qmi_wda_get_format_req(buf, sizeof(buf), 1, 3, QMI_EP_HSUSB, 4);
	dump_frame(buf, n);
	CHECK(n == 24 && !memcmp(buf + 13, "\x10\x08\x00\x02\x00\x00\x00\x04\x00\x00\x00", 11));

	CHECK_EQ(qmi_wda_format_rsp(&m, &f, NULL), 0);
	CHECK_EQ(f.qos_format, 0);
	CHECK_EQ(f.link_layer, QMI_WDA_LLP_RAW_IP);
	CHECK_EQ(f.ul_agg, QMI_WDA_AGG_QMAPV5);
	CHECK_EQ(f.dl_agg, QMI_WDA_AGG_QMAPV5);
	CHECK_EQ(f.dl_max_datagrams, 32);
	CHECK_EQ(f.dl_max_size, 32768);
	CHECK_EQ(f.ul_max_datagrams, 1);
	CHECK_EQ(f.ul_max_size, 8192);
	CHECK_EQ(f.ndp_signature, QMI_U32_UNKNOWN);
	CHECK_EQ(f.dl_min_padding, QMI_U32_UNKNOWN);
	CHECK_EQ(f.flow_control, QMI_U8_UNKNOWN);

	b = rsp(QMI_SVC_WDA, QMI_WDA_GET_FORMAT, 0);
	qmi_put_u32(b, 0x11, QMI_WDA_LLP_802_3);
	qmi_put_u32(b, 0x1A, 0);
	qmi_put_u8(b, 0x1B, 0);
	CHECK_EQ(qmi_wda_format_rsp(done(), &f, NULL), 0);
	CHECK_EQ(f.link_layer, QMI_WDA_LLP_802_3);
	CHECK_EQ(f.dl_min_padding, 0);
	CHECK_EQ(f.flow_control, 0);
	CHECK_EQ(f.dl_agg, QMI_U32_UNKNOWN);
	rsp(QMI_SVC_WDA, QMI_WDA_GET_FORMAT, 0x11); /* Missing argument: retry with EP info */
	CHECK_EQ(qmi_wda_format_rsp(done(), &f, NULL), -EREMOTEIO);
}

static void test_names(void)
{
	CHECK_STR(qmi_nas_reg_state_name(QMI_NAS_NOT_REGISTERED), "not_registered");
	CHECK_STR(qmi_nas_reg_state_name(QMI_NAS_DENIED), "registering_denied");
	CHECK_STR(qmi_nas_reg_state_name(QMI_NAS_REG_UNKNOWN), "unknown");
	CHECK_STR(qmi_nas_reg_state_name(200), "unknown");
	CHECK_STR(qmi_nas_rat_name(4), "gsm");
	CHECK_STR(qmi_nas_rat_name(8), "lte");
	CHECK_STR(qmi_nas_rat_name(9), "td-scdma");
	CHECK_STR(qmi_nas_rat_name(6), "unknown");
	CHECK_STR(qmi_nas_rat_name(-1), "unknown");
	CHECK_STR(qmi_nas_rat_name(13), "unknown");
	CHECK_STR(qmi_wds_status_name(QMI_WDS_AUTHENTICATING), "authenticating");
	CHECK_STR(qmi_wds_status_name(QMI_WDS_SUSPENDED), "suspended");
	CHECK_STR(qmi_pin_status_name(QMI_PIN_DISABLED), "disabled");
	CHECK_STR(qmi_pin_status_name(QMI_PIN_PERM_BLOCKED), "permanently_blocked");
	CHECK_STR(qmi_pin_status_name(QMI_PIN_NOT_INITIALIZED), "not_initialized");
	CHECK_STR(qmi_pin_status_name(7), "changed");
	CHECK_STR(qmi_pin_status_name(8), "unknown");
	CHECK_STR(qmi_uim_app_state_name(QMI_UIM_APP_ILLEGAL), "illegal");
	CHECK_STR(qmi_uim_app_state_name(QMI_UIM_APP_PIN1_BLOCKED), "pin1-blocked");
	CHECK_STR(qmi_uim_app_state_name(0xFF), "unknown");
}

/* Every encoder refuses a buffer one byte short and never writes past it. */
static void test_encoders_short_buffers(void)
{
	struct qmi_wds_start_req r;
	struct qmi_wda_format_req w;
	uint8_t buf[128];
	int full, n;
	size_t i;

	qmi_wds_start_req_init(&r);
	r.apn = "internet";
	r.username = "u";
	r.password = "p";
	r.auth = 3;
	qmi_wda_format_req_init(&w);
	w.link_layer = 2;
	w.ep_type = 2;
	w.ep_iface = 4;
#define SHORT(call)                                  \
	do {                                         \
		size_t size = sizeof(buf);           \
		full = (call);                       \
		CHECK(full > 0);                     \
		size = (size_t)full - 1;             \
		memset(buf, 0x77, sizeof(buf));      \
		n = (call);                          \
		CHECK_EQ(n, -EMSGSIZE);              \
		for (i = size; i < sizeof(buf); i++) \
			CHECK_EQ(buf[i], 0x77);      \
	} while (0)
	SHORT(qmi_ctl_get_version_req(buf, size, 1));
	SHORT(qmi_ctl_alloc_cid_req(buf, size, 1, 1));
	SHORT(qmi_ctl_release_cid_req(buf, size, 1, 1, 2));
	SHORT(qmi_ctl_set_data_format_req(buf, size, 1, 0, 2));
	SHORT(qmi_ctl_sync_req(buf, size, 1));
	SHORT(qmi_ctl_proxy_open_req(buf, size, 1, "/dev/cdc-wdm0"));
	SHORT(qmi_wds_start_network_req(buf, size, 1, 1, &r));
	SHORT(qmi_wds_stop_network_req(buf, size, 1, 1, 5, 1));
	SHORT(qmi_wds_get_settings_req(buf, size, 1, 1, 0xE334));
	SHORT(qmi_wds_set_ip_family_req(buf, size, 1, 1, 4));
	SHORT(qmi_wds_bind_mux_req(buf, size, 1, 1, 2, 4, 1, 1));
	SHORT(qmi_nas_register_ind_req(buf, size, 1, 1, 1, 1, 1));
	SHORT(qmi_dms_set_opmode_req(buf, size, 1, 1, 0));
	SHORT(qmi_dms_verify_pin_req(buf, size, 1, 1, 1, "0000"));
	SHORT(qmi_uim_verify_pin_req(buf, size, 1, 1, 0, 1, "0000"));
	SHORT(qmi_wda_set_format_req(buf, size, 1, 1, &w));
	SHORT(qmi_wda_get_format_req(buf, size, 1, 1, 2, 4));
	SHORT(qmi_empty_req(buf, size, QMI_SVC_NAS, 1, 1, 0x24));
#undef SHORT
}

int main(void)
{
	const char *path = getenv("QMI_DUMP");

	if (load_vectors()) {
		printf("FAIL qmi_vectors_file\n");
		return 1;
	}
	if (path && !(dump = fopen(path, "w"))) {
		perror(path);
		return 1;
	}
	RUN(test_every_vector_every_decoder);
	RUN(test_ctl_encoders);
	RUN(test_ctl_decoders);
	RUN(test_ctl_synthetic);
	RUN(test_wds_encoders);
	RUN(test_wds_start_rsp);
	RUN(test_wds_end_words);
	RUN(test_wds_pkt_status);
	RUN(test_wds_settings_ipv4);
	RUN(test_wds_settings_ipv6);
	RUN(test_nas_encoders);
	RUN(test_nas_serving_q12);
	RUN(test_nas_serving_q23);
	RUN(test_nas_wrong_message_q18);
	RUN(test_nas_serving_synthetic);
	RUN(test_nas_gsm7);
	RUN(test_nas_signal);
	RUN(test_nas_sysinfo);
	RUN(test_nas_sysinfo_synthetic);
	RUN(test_dms);
	RUN(test_uim);
	RUN(test_wda);
	RUN(test_names);
	RUN(test_encoders_short_buffers);
	if (dump)
		fclose(dump);
	return t_done();
}
