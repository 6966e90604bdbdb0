/* test_mbim_msg.c - the Basic Connect, subscribe-list and mbim-proxy encoders and decoders.
 *
 * Decoders: every vector of ../shared/vectors/mbim_vectors.txt (parsed at run time; a missing
 * file fails) goes through its decoder at alignment offsets 0..7 and the values of its
 * "expect:" line are checked (M08 is the corrected subscriber-ready vector; M07, whose header
 * is shorter than its strings, must be refused as mbimcli refuses it); every decoder refuses
 * every other vector; every cut of an InformationBuffer into its data is refused and every
 * offset/size pair moved outside is refused. Encoders: byte for byte against the libmbim- and
 * mbimcli-encoded vectors. Responses no vector covers are built here the way a modem would send
 * them.
 *
 * MBIM_DUMP=FILE writes every message built here, one per line
 * "KIND<TAB>SERVICE<TAB>CID<TAB>HEX[<TAB>Field=value...]" (KIND query, set, done, ind; Field as
 * libmbim prints it), for tests/tools/mbim_gi_check.py (libmbim decodes them independently;
 * tests/mbim_gi.test) and tests/mbim_tshark.test (Wireshark's dissector). Lines starting with
 * '!' are messages corrupted on purpose: the independent decoders must refuse them too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "wwanbox.h"
#include "mbim_msg.h"
#include "t.h"
#include "vectors.h"

/* ---- vectors (same loader as test_mbim.c) ---- */

static struct vec vecs[40];
static int nvecs;

static int load_vectors(void)
{
	nvecs = vec_load("MBIM_VECTORS", "../shared/vectors/mbim_vectors.txt", 'M',
			 "libmbim-1.28.2:", vecs, (int)ARRAY_SIZE(vecs));
	if (nvecs < 0)
		return -1;
	return nvecs == 27 ? 0 : -1;
}

static const struct vec *vec(const char *id)
{
	const struct vec *v = vec_find(vecs, nvecs, id);

	if (v)
		return v;
	fprintf(stderr, "vector %s missing\n", id);
	abort();
}

/* ---- MBIM_DUMP ---- */

static FILE *dump;

static const char *kind_of(const struct mbim_msg *m)
{
	switch (m->type) {
	case MBIM_COMMAND:
		return m->cmd_type == MBIM_SET ? "set" : "query";
	case MBIM_COMMAND_DONE:
		return "done";
	case MBIM_INDICATE_STATUS:
		return "ind";
	}
	return "other";
}

/* fields: "Name=value" strings separated by '\t' (libmbim's printable names and values) */
static void dump_line(const uint8_t *b, int n, bool bad, const char *fields)
{
	static const char *svcs[] = {"?", "basic-connect", "sms", "ms-basic-connect-extensions",
				     "proxy-control", "qmi"};
	struct mbim_msg m;
	int i;

	if (!dump || n <= 0 || mbim_parse(b, (size_t)n, &m) != n || !m.info)
		return;
	fprintf(dump, "%s%s\t%s\t%u\t", bad ? "!" : "", kind_of(&m), svcs[m.service],
		(unsigned)m.cid);
	for (i = 0; i < n; i++)
		fprintf(dump, "%02x", b[i]);
	if (fields && *fields)
		fprintf(dump, "\t%s", fields);
	fputc('\n', dump);
}

/* ---- helpers ---- */

static uint8_t fb[2048];
static struct mbim_builder fbld;
static struct mbim_msg fm;

/* A Basic Connect response or indication, built the way a modem would send it. */
static struct mbim_builder *frame(uint32_t type, uint32_t cid, uint32_t status, size_t fixed)
{
	mbim_build(&fbld, fb, sizeof(fb), type, type == MBIM_INDICATE_STATUS ? 0 : 7,
		   mbim_uuid(MBIM_SVC_BASIC_CONNECT), cid, status, fixed);
	return &fbld;
}

/* Finish the frame, dump it with the fields libmbim must show, parse it into fm. */
static const struct mbim_msg *finish(const char *fields)
{
	int n = mbim_finish(&fbld);

	CHECK(n > 0);
	dump_line(fb, n, false, fields);
	CHECK_EQ(mbim_parse(fb, (size_t)n, &fm), n);
	return &fm;
}

/* The same for a frame a modem should not send: not dumped. */
static const struct mbim_msg *finish_quiet(void)
{
	int n = mbim_finish(&fbld);

	CHECK(n > 0);
	CHECK_EQ(mbim_parse(fb, (size_t)n, &fm), n);
	return &fm;
}

/* An encoder's output against a libmbim/mbimcli-encoded vector, byte for byte. */
static void check_encoded(const uint8_t *buf, int n, const char *id, const char *fields)
{
	const struct vec *v = vec(id);

	dump_line(buf, n, false, fields);
	CHECK_EQ(n, (int)v->len);
	if (n == (int)v->len)
		CHECK_MEM(buf, v->b, v->len);
}

static struct mbim_msg parse_at(const struct vec *v, uint8_t *buf, int k)
{
	struct mbim_msg m;

	memset(buf, 0xa5, 600);
	memcpy(buf + k, v->b, v->len);
	if (mbim_parse(buf + k, v->len, &m) <= 0)
		fprintf(stderr, "%s does not parse\n", v->id);
	return m;
}

static void ip4(const uint8_t *a, const char *want)
{
	char s[20];

	snprintf(s, sizeof(s), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	CHECK_STR(s, want);
}

static void ip6(const uint8_t *a, const char *want_hex)
{
	uint8_t w[16];

	CHECK_EQ(vec_unhex(want_hex, w, 16), 16);
	CHECK_MEM(a, w, 16);
}

/* The decoders behind one signature, for the table-driven tests. */
union out {
	struct mbim_device_caps caps;
	struct mbim_subscriber sub;
	struct mbim_radio radio;
	struct mbim_pin pin;
	struct mbim_provider prov[4];
	struct mbim_register reg;
	struct mbim_packet_service ps;
	struct mbim_signal sig;
	struct mbim_connect conn;
	struct mbim_ip_config ipc;
};

static int dec_caps(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	return mbim_device_caps_rsp(m, &o->caps, st);
}
static int dec_sub(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	return mbim_subscriber_rsp(m, &o->sub, st);
}
static int dec_radio(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	return mbim_radio_rsp(m, &o->radio, st);
}
static int dec_pin(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	return mbim_pin_rsp(m, &o->pin, st);
}
static int dec_home(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	return mbim_home_provider_rsp(m, &o->prov[0], st);
}
static int dec_visible(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	uint32_t count;

	return mbim_visible_providers_rsp(m, o->prov, 4, &count, st);
}
static int dec_reg(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	return mbim_register_rsp(m, &o->reg, st);
}
static int dec_ps(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	return mbim_packet_service_rsp(m, &o->ps, st);
}
static int dec_sig(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	return mbim_signal_rsp(m, &o->sig, st);
}
static int dec_conn(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	return mbim_connect_rsp(m, &o->conn, st);
}
static int dec_ipc(const struct mbim_msg *m, union out *o, uint32_t *st)
{
	return mbim_ip_config_rsp(m, &o->ipc, st);
}

typedef int (*dec_fn)(const struct mbim_msg *m, union out *o, uint32_t *st);

static const struct {
	uint32_t cid;
	dec_fn dec;
} decoders[] = {
	{MBIM_CID_DEVICE_CAPS, dec_caps},
	{MBIM_CID_SUBSCRIBER_READY_STATUS, dec_sub},
	{MBIM_CID_RADIO_STATE, dec_radio},
	{MBIM_CID_PIN, dec_pin},
	{MBIM_CID_HOME_PROVIDER, dec_home},
	{MBIM_CID_VISIBLE_PROVIDERS, dec_visible},
	{MBIM_CID_REGISTER_STATE, dec_reg},
	{MBIM_CID_PACKET_SERVICE, dec_ps},
	{MBIM_CID_SIGNAL_STATE, dec_sig},
	{MBIM_CID_CONNECT, dec_conn},
	{MBIM_CID_IP_CONFIGURATION, dec_ipc},
};

static dec_fn decoder_of(uint32_t cid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(decoders); i++)
		if (decoders[i].cid == cid)
			return decoders[i].dec;
	return NULL;
}

/* Vectors with a decoder, and how far into the InformationBuffer their data reaches (a cut
 * shorter than that must fail; a cut into trailing padding must not). */
static const struct {
	const char *id;
	size_t needed;
} decodable[] = {
	{"M06", 158}, {"M08", 164}, {"M09", 58}, {"M10", 132}, {"M11", 80}, {"M12", 148},
	{"M17", 36},  {"M21", 20},  {"M22", 28}, {"M25", 36},
};

/* ========================================= decoders ========================================= */

static void test_device_caps_m06(void)
{
	static uint8_t buf[600];
	struct mbim_device_caps c;
	uint32_t st = 99;
	int k;

	for (k = 0; k < 8; k++) {
		struct mbim_msg m = parse_at(vec("M06"), buf, k);

		CHECK_EQ(mbim_device_caps_rsp(&m, &c, &st), 0);
		CHECK_EQ(st, 0);
		CHECK_EQ(c.device_type, 2); /* removable */
		CHECK_EQ(c.cellular_class, 1);
		CHECK_EQ(c.voice_class, 1);
		CHECK_EQ(c.sim_class, 2);
		CHECK_EQ(c.data_class, 0x8000001F);
		CHECK_EQ(c.sms_caps, 3);
		CHECK_EQ(c.ctrl_caps, 1);
		CHECK_EQ(c.max_sessions, 1);
		CHECK_STR(c.custom_data_class, "HSPA+");
		CHECK_STR(c.device_id, "353613048804622");
		CHECK_STR(c.firmware, "11.810.09.00.00");
		CHECK_STR(c.hardware, "CP1E367UM");
	}
	CHECK_STR(mbim_data_class_name(c.data_class), "hsupa");
}

static void test_subscriber_m08(void)
{
	static uint8_t buf[600];
	struct mbim_subscriber s;
	int k;

	for (k = 0; k < 8; k++) {
		struct mbim_msg m = parse_at(vec("M08"), buf, k);

		CHECK_EQ(mbim_subscriber_rsp(&m, &s, NULL), 0);
		CHECK_EQ(s.ready_state, MBIM_READY_INITIALIZED);
		CHECK_STR(s.subscriber_id, "310410000110761");
		CHECK_STR(s.iccid, "89010104054601100612");
		CHECK_EQ(s.ready_info, 0);
		CHECK_EQ(s.n_numbers, 2);
		CHECK_STR(s.numbers[0], "11111111111");
		CHECK_STR(s.numbers[1], "00000000000");
		CHECK_STR(s.numbers[2], "");
	}
	CHECK_STR(mbim_ready_state_name(s.ready_state), "initialized");
}

/* M07 is libmbim's test as it is: the strings lie beyond its MessageLength. A reader that goes
 * by the header (mbimcli over a pty) refuses it; so do we, leaving everything UNKNOWN. */
static void test_subscriber_m07_refused(void)
{
	struct mbim_msg m;
	struct mbim_subscriber s;
	uint32_t st = 99;

	CHECK_EQ(mbim_parse(vec("M07")->b, vec("M07")->len, &m), 180);
	CHECK_EQ(mbim_subscriber_rsp(&m, &s, &st), -EPROTO);
	CHECK_EQ(st, 0);
	CHECK_EQ(s.ready_state, MBIM_U32_UNKNOWN);
	CHECK_STR(s.subscriber_id, "");
	CHECK_EQ(s.n_numbers, 0);
}

static void test_register_m09(void)
{
	static uint8_t buf[600];
	struct mbim_register r;
	int k;

	for (k = 0; k < 8; k++) {
		struct mbim_msg m = parse_at(vec("M09"), buf, k);

		CHECK_EQ(mbim_register_rsp(&m, &r, NULL), 0);
		CHECK_EQ(r.nw_error, 0);
		CHECK_EQ(r.state, MBIM_REGISTER_HOME);
		CHECK_EQ(r.mode, 1);
		CHECK_EQ(r.data_classes, 0x1C);
		CHECK_EQ(r.cellular_class, 1);
		CHECK_STR(r.provider_id, "26006");
		CHECK_STR(r.provider_name, "");
		CHECK_STR(r.roaming_text, "");
		CHECK_EQ(r.flags, 2);
	}
	CHECK_STR(mbim_register_state_name(r.state), "home");
	CHECK_STR(mbim_data_class_name(r.data_classes), "hsupa");
}

static void test_visible_providers_m10(void)
{
	static uint8_t buf[600];
	struct mbim_provider p[3];
	uint32_t count;
	int k, i;

	for (k = 0; k < 8; k++) {
		struct mbim_msg m = parse_at(vec("M10"), buf, k);

		CHECK_EQ(mbim_visible_providers_rsp(&m, p, 3, &count, NULL), 0);
		CHECK_EQ(count, 2);
		for (i = 0; i < 2; i++) {
			CHECK_STR(p[i].id, "21403");
			CHECK_STR(p[i].name, "Orange");
			CHECK_EQ(p[i].state, i ? 0x19u : 0x08u);
			CHECK_EQ(p[i].cellular_class, 1);
			CHECK_EQ(p[i].rssi, 11);
			CHECK_EQ(p[i].error_rate, 0);
		}
		CHECK_STR(p[2].id, "");
		CHECK_EQ(p[2].state, MBIM_U32_UNKNOWN);
		/* room for one: the second is still checked, not kept */
		CHECK_EQ(mbim_visible_providers_rsp(&m, p, 1, &count, NULL), 0);
		CHECK_EQ(count, 2);
		CHECK_EQ(p[0].state, 0x08);
	}
}

static void test_ip_config_m11(void)
{
	static uint8_t buf[600];
	struct mbim_ip_config c;
	int k;

	for (k = 0; k < 8; k++) {
		struct mbim_msg m = parse_at(vec("M11"), buf, k);

		CHECK_EQ(mbim_ip_config_rsp(&m, &c, NULL), 0);
		CHECK_EQ(c.session, 0);
		CHECK_EQ(c.v4_avail, 0x0F);
		CHECK_EQ(c.v6_avail, 0);
		CHECK_EQ(c.n_v4, 1);
		ip4(c.v4[0].addr, "212.73.34.248"); /* not the test comment's 212.166.228.x */
		CHECK_EQ(c.v4[0].prefix, 28);
		CHECK_EQ(c.has_v4_gw, 1);
		ip4(c.v4_gw, "212.73.34.241");
		CHECK_EQ(c.n_v4_dns, 2);
		ip4(c.v4_dns[0], "212.166.210.80");
		ip4(c.v4_dns[1], "212.73.32.67");
		CHECK_EQ(c.v4_mtu, 1500);
		CHECK_EQ(c.n_v6, 0);
		CHECK_EQ(c.n_v6_dns, 0);
		CHECK_EQ(c.has_v6_gw, 0);
		CHECK_EQ(c.v6_mtu, MBIM_U32_UNKNOWN);
	}
}

static void test_ip_config_m12(void)
{
	static uint8_t buf[600];
	struct mbim_ip_config c;
	int k;

	for (k = 0; k < 8; k++) {
		struct mbim_msg m = parse_at(vec("M12"), buf, k);

		CHECK_EQ(mbim_ip_config_rsp(&m, &c, NULL), 0);
		CHECK_EQ(c.v4_avail, 0x0F);
		CHECK_EQ(c.v6_avail, 0x0F);
		CHECK_EQ(c.n_v4, 1);
		ip4(c.v4[0].addr, "28.246.201.219");
		CHECK_EQ(c.v4[0].prefix, 29);
		ip4(c.v4_gw, "28.246.201.220");
		CHECK_EQ(c.n_v4_dns, 2);
		ip4(c.v4_dns[0], "10.177.0.34");
		ip4(c.v4_dns[1], "10.177.0.210");
		CHECK_EQ(c.v4_mtu, 1500);
		CHECK_EQ(c.n_v6, 1);
		CHECK_EQ(c.v6[0].prefix, 64);
		ip6(c.v6[0].addr, "2607fb90643b281f1dffbf3dc5c848ad");
		CHECK_EQ(c.has_v6_gw, 1);
		ip6(c.v6_gw, "2607fb90643b281ffdf780f4e399984a");
		CHECK_EQ(c.n_v6_dns, 2);
		ip6(c.v6_dns[0], "fd00976a000000000000000000000009");
		ip6(c.v6_dns[1], "fd00976a000000000000000000000010");
		CHECK_EQ(c.v6_mtu, 1500);
	}
}

static void test_connect_vectors(void)
{
	static uint8_t buf[600];
	struct mbim_connect c;
	uint32_t st;
	int k;

	for (k = 0; k < 8; k++) {
		struct mbim_msg m = parse_at(vec("M25"), buf, k);

		CHECK_EQ(mbim_connect_rsp(&m, &c, &st), 0);
		CHECK_EQ(c.session, 0);
		CHECK_EQ(c.activation, MBIM_ACTIVATED);
		CHECK_EQ(c.voice_call, 0);
		CHECK_EQ(c.ip_type, MBIM_IP_V4V6);
		CHECK_MEM(c.context, mbim_context_internet, 16);
		CHECK_EQ(c.nw_error, 0);

		m = parse_at(vec("M17"), buf, k); /* MBIMEx v3 layout: the v1 fields lead */
		CHECK_EQ(mbim_connect_rsp(&m, &c, &st), 0);
		CHECK_EQ(c.session, 1);
		CHECK_EQ(c.activation, MBIM_ACTIVATED);
		CHECK_EQ(c.ip_type, MBIM_IP_V4);
		CHECK_MEM(c.context, mbim_context_internet, 16);
		CHECK_EQ(c.nw_error, 0);

		/* M16: status FAILURE without an InformationBuffer */
		m = parse_at(vec("M16"), buf, k);
		st = 0;
		CHECK_EQ(mbim_connect_rsp(&m, &c, &st), -EREMOTEIO);
		CHECK_EQ(st, 2);
		CHECK_STR(mbim_strerror(st), "Failure");
		CHECK_EQ(c.session, MBIM_U32_UNKNOWN);
		CHECK_EQ(c.activation, MBIM_U32_UNKNOWN);
		CHECK_EQ(c.nw_error, MBIM_U32_UNKNOWN);
	}
	CHECK_STR(mbim_activation_state_name(MBIM_ACTIVATED), "activated");
}

static void test_signal_m21(void)
{
	static uint8_t buf[600];
	struct mbim_signal s;
	int k;

	for (k = 0; k < 8; k++) {
		struct mbim_msg m = parse_at(vec("M21"), buf, k);

		CHECK_EQ(mbim_signal_rsp(&m, &s, NULL), 0);
		CHECK_EQ(s.rssi, 20);
		CHECK_EQ(mbim_rssi_dbm(s.rssi), -73);
		CHECK_EQ(s.error_rate, 99);
		CHECK_EQ(s.interval, 5);
		CHECK_EQ(s.rssi_threshold, 0);
		CHECK_EQ(s.error_rate_threshold, 0);
	}
	CHECK_EQ(mbim_rssi_dbm(0), -113);
	CHECK_EQ(mbim_rssi_dbm(31), -51);
	CHECK_EQ(mbim_rssi_dbm(32), MBIM_DBM_UNKNOWN);
	CHECK_EQ(mbim_rssi_dbm(99), MBIM_DBM_UNKNOWN);
}

static void test_packet_service_m22(void)
{
	static uint8_t buf[600];
	struct mbim_packet_service p;
	int k;

	for (k = 0; k < 8; k++) {
		struct mbim_msg m = parse_at(vec("M22"), buf, k);

		CHECK_EQ(mbim_packet_service_rsp(&m, &p, NULL), 0);
		CHECK_EQ(p.nw_error, 0);
		CHECK_EQ(p.state, MBIM_PACKET_ATTACHED);
		CHECK_EQ(p.data_class, MBIM_DATA_CLASS_LTE);
		CHECK_EQ(p.uplink, 50000000);
		CHECK_EQ(p.downlink, 150000000);
	}
	CHECK_STR(mbim_packet_state_name(p.state), "attached");
	CHECK_STR(mbim_data_class_name(p.data_class), "lte");
}

/* M27: PIN query answered NoDeviceSupport, no InformationBuffer. M18: service activation (no
 * decoder of ours) read with the generic readers: NwError 6, then the raw buffer. */
static void test_failures_and_generic(void)
{
	static const uint8_t raw[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static uint8_t buf[600];
	struct mbim_pin p;
	uint32_t st, nw;
	int k;

	for (k = 0; k < 8; k++) {
		struct mbim_msg m = parse_at(vec("M27"), buf, k);

		st = 0;
		CHECK_EQ(mbim_pin_rsp(&m, &p, &st), -EREMOTEIO);
		CHECK_EQ(st, 9);
		CHECK_STR(mbim_strerror(st), "NoDeviceSupport");
		CHECK_EQ(p.pin_type, MBIM_U32_UNKNOWN);
		CHECK_EQ(p.attempts, MBIM_U32_UNKNOWN);

		m = parse_at(vec("M18"), buf, k);
		CHECK(mbim_is(&m, MBIM_COMMAND_DONE, MBIM_SVC_BASIC_CONNECT,
			      MBIM_CID_SERVICE_ACTIVATION));
		CHECK_EQ(mbim_get_u32(m.info, m.info_len, 0, &nw), 0);
		CHECK_EQ(nw, 6);
		CHECK_STR(mbim_nw_error_str(nw), "illegal ME");
		CHECK_EQ(m.info_len, 12);
		CHECK_MEM(m.info + 4, raw, 8);
	}
}

/* Every decoder refuses every message that is not its own. */
static void test_decoders_refuse_other_messages(void)
{
	static union out o;
	struct mbim_msg m;
	size_t d;
	int i, own = 0;

	for (i = 0; i < nvecs; i++) {
		if (mbim_parse(vecs[i].b, vecs[i].len, &m) <= 0)
			continue;
		for (d = 0; d < ARRAY_SIZE(decoders); d++) {
			int r = decoders[d].dec(&m, &o, NULL);
			bool mine = m.info && m.type != MBIM_COMMAND &&
				    m.service == MBIM_SVC_BASIC_CONNECT && m.cid == decoders[d].cid;

			CHECK(mine ? r != -EBADMSG : r == -EBADMSG);
			own += mine;
		}
	}
	CHECK_EQ(own, 13); /* M06-M12, M16, M17, M21, M22, M25, M27 (M18 has no decoder) */
	/* a request is not a response */
	CHECK_EQ(mbim_parse(vec("M20")->b, vec("M20")->len, &m), 48);
	CHECK_EQ(mbim_signal_rsp(&m, &o.sig, NULL), -EBADMSG);
	CHECK_EQ(o.sig.rssi, MBIM_U32_UNKNOWN);
}

/* Cut each InformationBuffer short: a cut into its data fails, a cut into trailing padding only
 * decodes the same values. */
static void test_every_cut(void)
{
	static uint8_t b[600];
	static union out full, cut;
	size_t i, len;
	uint32_t il;

	for (i = 0; i < ARRAY_SIZE(decodable); i++) {
		const struct vec *v = vec(decodable[i].id);
		struct mbim_msg m;
		dec_fn dec;

		CHECK(mbim_parse(v->b, v->len, &m) > 0);
		dec = decoder_of(m.cid);
		memset(&full, 0x11, sizeof(full));
		CHECK_EQ(dec(&m, &full, NULL), 0);
		for (il = 0; il < m.info_len; il++) {
			len = 48 + il;
			memcpy(b, v->b, len);
			put_le32(b + 4, (uint32_t)len);
			put_le32(b + 44, il);
			CHECK_EQ(mbim_parse(b, len, &m), (int)len);
			memset(&cut, 0x11, sizeof(cut));
			if (il < decodable[i].needed) {
				CHECK_EQ(dec(&m, &cut, NULL), -EPROTO);
			} else {
				CHECK_EQ(dec(&m, &cut, NULL), 0);
				CHECK_MEM(&cut, &full, sizeof(full));
			}
		}
	}
}

/* The {offset, size} pairs in the InformationBuffers of M06, M08, M09 and M10: where each
 * sits, the start of the structure its offset counts from, and whether it is a string. */
static const struct {
	const char *id;
	uint16_t at, base;
	bool str;
} pairs[] = {
	{"M06", 32, 0, true},	 {"M06", 40, 0, true},	  {"M06", 48, 0, true},
	{"M06", 56, 0, true},	 {"M08", 4, 0, true},	  {"M08", 12, 0, true},
	{"M08", 28, 0, true},	 {"M08", 36, 0, true},	  {"M09", 20, 0, true},
	{"M10", 4, 0, false},	 {"M10", 12, 0, false},	  {"M10", 0x14, 0x14, true},
	{"M10", 0x20, 0x14, true}, {"M10", 0x4c, 0x4c, true}, {"M10", 0x58, 0x4c, true},
};

static int decode_patched(const uint8_t *b, size_t len)
{
	static union out o;
	struct mbim_msg m;

	if (mbim_parse(b, len, &m) != (int)len)
		return -999;
	return decoder_of(m.cid)(&m, &o, NULL);
}

/* Move every pair (partly) outside the InformationBuffer, or make a string's size odd:
 * refused; put back: accepted. */
static void test_pairs_outside(void)
{
	static uint8_t b[600];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		const struct vec *v = vec(pairs[i].id);
		uint32_t end = get_le32(v->b + 44) - pairs[i].base; /* the buffer end, relative */
		uint8_t *p = b + 48 + pairs[i].at;
		uint32_t off, size;

		memcpy(b, v->b, v->len);
		off = get_le32(p);
		size = get_le32(p + 4);
		CHECK(size > 0 && off + size <= end);
		CHECK_EQ(decode_patched(b, v->len), 0);
		put_le32(p, end - size + 2); /* the data runs 2 bytes past the end */
		CHECK_EQ(decode_patched(b, v->len), -EPROTO);
		put_le32(p, end - size);
		put_le32(p + 4, size + 2);
		CHECK_EQ(decode_patched(b, v->len), -EPROTO);
		put_le32(p, 0xfffffffc); /* offset + size wraps */
		put_le32(p + 4, 8);
		CHECK_EQ(decode_patched(b, v->len), -EPROTO);
		put_le32(p, 0x10000); /* far outside */
		CHECK_EQ(decode_patched(b, v->len), -EPROTO);
		put_le32(p, off);
		put_le32(p + 4, 0x7fffffff);
		CHECK_EQ(decode_patched(b, v->len), -EPROTO);
		put_le32(p + 4, size - 1); /* odd UTF-16 size */
		if (pairs[i].str)
			CHECK_EQ(decode_patched(b, v->len), -EPROTO);
		put_le32(p + 4, size);
		CHECK_EQ(decode_patched(b, v->len), 0);
	}
}

/* IP_CONFIGURATION arrays: counts and offsets pointing outside are refused. */
static void test_ip_config_arrays_outside(void)
{
	static const size_t fields[] = {12, 16, 20, 24, 28, 32, 36, 40, 44, 48};
	static uint8_t b[600];
	const struct vec *v = vec("M12");
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		uint8_t *p = b + 48 + fields[i];
		uint32_t keep;

		memcpy(b, v->b, v->len);
		keep = get_le32(p);
		put_le32(p, keep + 0x80); /* counts: 129 elements and more; offsets: past 148 */
		CHECK_EQ(decode_patched(b, v->len), -EPROTO);
		put_le32(p, 0xffffffff);
		CHECK_EQ(decode_patched(b, v->len), -EPROTO);
		put_le32(p, keep);
		CHECK_EQ(decode_patched(b, v->len), 0);
	}
	/* without its availability bit a field is not read, wherever it points */
	memcpy(b, v->b, v->len);
	put_le32(b + 48 + 8, 0); /* IPv6 nothing available */
	put_le32(b + 48 + 24, 0xffffffff);
	put_le32(b + 48 + 32, 0xffffffff);
	put_le32(b + 48 + 48, 0xffffffff);
	CHECK_EQ(decode_patched(b, v->len), 0);
	/* a fixed part shorter than 60 bytes */
	memcpy(b, v->b, v->len);
	put_le32(b + 4, 48 + 56);
	put_le32(b + 44, 56);
	CHECK_EQ(decode_patched(b, 48 + 56), -EPROTO);
}

/* ========================================= encoders ========================================= */

#define CONNECT_FIELDS(s, act, apn, auth, ip) \
	"SessionId=" s "\tActivationCommand=" act "\tAccessString=" apn		\
	"\tCompression=none\tAuthProtocol=" auth "\tIpType=" ip			\
	"\tContextType=7e5e2a7e-4e6f-7272-736b-656e7e5e2a7e"

static void test_connect_set_golden(void)
{
	struct mbim_connect_req r;
	uint8_t buf[256];
	struct mbim_msg m;
	char s[32];
	int n;

	mbim_connect_req_init(&r);
	r.session = 1;
	r.apn = "internet";
	r.auth = MBIM_AUTH_PAP;
	r.ip_type = MBIM_IP_V4;
	n = mbim_connect_set(buf, sizeof(buf), 1, &r); /* libmbim's own test (M13) */
	check_encoded(buf, n, "M13", CONNECT_FIELDS("1", "activate", "internet", "pap", "ipv4"));

	mbim_connect_req_init(&r); /* what mbimcli sends (M24) */
	r.apn = "internet";
	r.user = "user";
	r.password = "pass";
	r.auth = MBIM_AUTH_PAP;
	r.ip_type = MBIM_IP_V4V6;
	r.context = mbim_context_internet;
	n = mbim_connect_set(buf, sizeof(buf), 2, &r);
	check_encoded(buf, n, "M24", CONNECT_FIELDS("0", "activate", "internet", "pap", "ipv4v6"));

	/* a non-ASCII access string, CHAP, IPv6 */
	r.apn = "apn.\xc3\xa9x";
	r.auth = MBIM_AUTH_CHAP;
	r.ip_type = MBIM_IP_V6;
	r.session = 3;
	n = mbim_connect_set(buf, sizeof(buf), 9, &r);
	dump_line(buf, n, false, CONNECT_FIELDS("3", "activate", "apn.\xc3\xa9x", "chap", "ipv6"));
	CHECK_EQ(mbim_parse(buf, (size_t)n, &m), n);
	CHECK_EQ(mbim_get_str(m.info, m.info_len, 8, s, sizeof(s)), 7);
	CHECK_STR(s, "apn.\xc3\xa9x");
	CHECK_EQ(get_le32(m.info), 3);
	CHECK_EQ(get_le32(m.info + 36), MBIM_AUTH_CHAP);

	/* deactivation: no strings */
	mbim_connect_req_init(&r);
	r.command = MBIM_DEACTIVATE;
	n = mbim_connect_set(buf, sizeof(buf), 10, &r);
	CHECK_EQ(n, 48 + 60);
	dump_line(buf, n, false, CONNECT_FIELDS("0", "deactivate", "(null)", "none", "default"));

	r.apn = "a\xff";
	CHECK_EQ(mbim_connect_set(buf, sizeof(buf), 10, &r), -EINVAL);
	r.apn = "internet";
	CHECK_EQ(mbim_connect_set(buf, 48 + 60 + 15, 10, &r), -EMSGSIZE);
	CHECK_EQ(mbim_connect_set(buf, 48 + 60 + 16, 10, &r), 48 + 60 + 16);
}

static void test_pin_set_golden(void)
{
	uint8_t buf[128];
	struct mbim_msg m;
	char s[16];
	int n;

	n = mbim_pin_set(buf, sizeof(buf), 1, MBIM_PIN_TYPE_PIN1, MBIM_PIN_OP_ENTER, "1111", NULL);
	check_encoded(buf, n, "M14", "PinType=pin1\tPinOperation=enter\tPin=1111");
	n = mbim_pin_set(buf, sizeof(buf), 4, MBIM_PIN_TYPE_PUK1, MBIM_PIN_OP_ENTER, "12345678",
			 "0000");
	dump_line(buf, n, false, "PinType=puk1\tPinOperation=enter\tPin=12345678\tNewPin=0000");
	CHECK_EQ(mbim_parse(buf, (size_t)n, &m), n);
	CHECK_EQ(mbim_get_str(m.info, m.info_len, 16, s, sizeof(s)), 4);
	CHECK_STR(s, "0000");
	CHECK_EQ(mbim_redact(buf, (size_t)n), 2);
	CHECK_EQ(mbim_get_str(m.info, m.info_len, 8, s, sizeof(s)), 8);
	CHECK_STR(s, "********");
}

static void test_subscribe_set_golden(void)
{
	static const uint32_t bc[] = {MBIM_CID_SIGNAL_STATE, MBIM_CID_REGISTER_STATE};
	static const uint32_t sms[] = {2}; /* SMS READ */
	const struct mbim_event ev[] = {{MBIM_SVC_BASIC_CONNECT, 2, bc}, {MBIM_SVC_SMS, 1, sms}};
	const struct mbim_event bad = {MBIM_SVC_UNKNOWN, 1, sms};
	uint8_t buf[256];
	struct mbim_msg m;
	const uint8_t *p;
	uint32_t n32;
	int n, i;

	n = mbim_subscribe_set(buf, sizeof(buf), 1, ev, 2);
	check_encoded(buf, n, "M15", "EventsCount=2");
	CHECK_EQ(mbim_subscribe_set(buf, sizeof(buf), 1, &bad, 1), -EINVAL);

	n = mbim_subscribe_dialer(buf, sizeof(buf), 5);
	dump_line(buf, n, false, "EventsCount=1\tCidsCount=7");
	CHECK_EQ(mbim_parse(buf, (size_t)n, &m), n);
	CHECK(mbim_is(&m, MBIM_COMMAND, MBIM_SVC_BASIC_CONNECT,
		      MBIM_CID_DEVICE_SERVICE_SUBSCRIBE_LIST));
	CHECK_EQ(get_le32(m.info), 1);
	CHECK_EQ(mbim_get_ol(m.info, m.info_len, 4, &p, &n32), 0);
	CHECK_EQ(n32, 16 + 4 + 7 * 4);
	CHECK_MEM(p, mbim_uuid(MBIM_SVC_BASIC_CONNECT), 16);
	CHECK_EQ(get_le32(p + 16), 7);
	for (i = 0; i < 7; i++) {
		static const uint32_t want[] = {2, 3, 9, 10, 11, 12, 15};

		CHECK_EQ(get_le32(p + 20 + 4 * i), want[i]);
	}
}

static void test_small_sets_golden(void)
{
	uint8_t buf[128];
	struct mbim_msg m;
	int n;

	n = mbim_packet_service_set(buf, sizeof(buf), 2, MBIM_PACKET_ATTACH);
	check_encoded(buf, n, "M23", "PacketServiceAction=attach");
	n = mbim_packet_service_set(buf, sizeof(buf), 3, MBIM_PACKET_DETACH);
	dump_line(buf, n, false, "PacketServiceAction=detach");
	CHECK_EQ(get_le32(buf + 48), 1);
	n = mbim_command(buf, sizeof(buf), 2, MBIM_SVC_BASIC_CONNECT, MBIM_CID_DEVICE_CAPS,
			 MBIM_QUERY);
	check_encoded(buf, n, "M05", NULL);
	n = mbim_command(buf, sizeof(buf), 2, MBIM_SVC_BASIC_CONNECT, MBIM_CID_SIGNAL_STATE,
			 MBIM_QUERY);
	check_encoded(buf, n, "M20", NULL);
	n = mbim_proxy_config_set(buf, sizeof(buf), 1, "/dev/null", 30);
	check_encoded(buf, n, "M26", "DevicePath=/dev/null\tTimeout=30");
	n = mbim_proxy_config_set(buf, sizeof(buf), 1, "/dev/cdc-wdm0", 300);
	dump_line(buf, n, false, "DevicePath=/dev/cdc-wdm0\tTimeout=300");

	/* encoders without a vector: layout checked here, meaning by libmbim (MBIM_DUMP) */
	n = mbim_radio_set(buf, sizeof(buf), 4, MBIM_RADIO_ON);
	dump_line(buf, n, false, "RadioState=on");
	CHECK_EQ(n, 52);
	CHECK_EQ(mbim_parse(buf, (size_t)n, &m), 52);
	CHECK(mbim_is(&m, MBIM_COMMAND, MBIM_SVC_BASIC_CONNECT, MBIM_CID_RADIO_STATE));
	CHECK(m.cmd_type == MBIM_SET && get_le32(m.info) == 1);
	n = mbim_register_set_auto(buf, sizeof(buf), 5);
	dump_line(buf, n, false, "ProviderId=(null)\tRegisterAction=automatic\tDataClass=(null)");
	CHECK_EQ(n, 48 + 16);
	n = mbim_signal_set(buf, sizeof(buf), 6, 5, 2, 1);
	dump_line(buf, n, false, "SignalStrengthInterval=5\tRssiThreshold=2\tErrorRateThreshold=1");
	CHECK_EQ(n, 48 + 12);
	CHECK_EQ(get_le32(buf + 56), 1);
	n = mbim_connect_query(buf, sizeof(buf), 7, 2);
	dump_line(buf, n, false, "SessionId=2");
	CHECK_EQ(n, 48 + 36);
	CHECK_EQ(mbim_parse(buf, (size_t)n, &m), n);
	CHECK(m.cmd_type == MBIM_QUERY && get_le32(m.info) == 2);
	n = mbim_ip_config_query(buf, sizeof(buf), 8, 1);
	dump_line(buf, n, false, "SessionId=1\tIPv4AddressCount=0");
	CHECK_EQ(n, 48 + 60);
	CHECK_EQ(get_le32(buf + 48), 1);
	n = mbim_visible_providers_query(buf, sizeof(buf), 9, 0);
	dump_line(buf, n, false, "Action=full-scan");
	CHECK_EQ(n, 52);
	for (n = 0; n < 52; n++) /* every encoder fails cleanly on a short buffer */
		CHECK_EQ(mbim_visible_providers_query(buf, (size_t)n, 9, 0), -EMSGSIZE);
	CHECK_EQ(mbim_proxy_config_set(buf, 79, 1, "/dev/null", 30), -EMSGSIZE);
	CHECK_EQ(mbim_ip_config_query(buf, 107, 8, 1), -EMSGSIZE);
	CHECK_EQ(mbim_subscribe_dialer(buf, 48 + 12 + 47, 5), -EMSGSIZE);
}

/* ============================ responses built as a modem sends them ============================ */

static void test_built_device_caps(void)
{
	struct mbim_builder *b = frame(MBIM_COMMAND_DONE, MBIM_CID_DEVICE_CAPS, 0, 64);
	struct mbim_device_caps c;

	mbim_add_u32(b, 1);			      /* embedded */
	mbim_add_u32(b, 1);			      /* gsm */
	mbim_add_u32(b, 1);			      /* no voice */
	mbim_add_u32(b, 2);			      /* removable SIM */
	mbim_add_u32(b, MBIM_DATA_CLASS_LTE | 0x1c); /* umts, hsdpa, hsupa, lte */
	mbim_add_u32(b, 3);
	mbim_add_u32(b, 1);
	mbim_add_u32(b, 8);
	mbim_add_str(b, NULL);
	mbim_add_str(b, "866123456789012");
	mbim_add_str(b, "SWI9X50C_01.14.13.00 r8349"); /* 30 characters at most (60 bytes) */
	mbim_add_str(b, "EM7565");
	CHECK_EQ(mbim_device_caps_rsp(finish("MaxSessions=8\tDeviceId=866123456789012\t"
					     "HardwareInfo=EM7565\tDeviceType=embedded"),
				      &c, NULL),
		 0);
	CHECK_EQ(c.max_sessions, 8);
	CHECK_STR(c.device_id, "866123456789012");
	CHECK_STR(c.firmware, "SWI9X50C_01.14.13.00 r8349");
	CHECK_STR(c.hardware, "EM7565");
	CHECK_STR(c.custom_data_class, "");
	CHECK_STR(mbim_data_class_name(c.data_class), "lte");
}

static void test_built_subscriber(void)
{
	struct mbim_builder *b = frame(MBIM_INDICATE_STATUS, MBIM_CID_SUBSCRIBER_READY_STATUS, 0,
				       28 + 4 * 8);
	struct mbim_subscriber s;
	uint32_t st = 5;

	mbim_add_u32(b, MBIM_READY_DEVICE_LOCKED);
	mbim_add_str(b, "262011234567890");
	mbim_add_str(b, "8949020000000000001");
	mbim_add_u32(b, 0);
	mbim_add_u32(b, 4);
	mbim_add_str(b, "+491701234567");
	mbim_add_str(b, "+491701234568");
	mbim_add_str(b, "");
	mbim_add_str(b, "+491701234569");
	CHECK_EQ(mbim_subscriber_rsp(finish("ReadyState=device-locked\tSubscriberId=262011234567890"
					    "\tSimIccId=8949020000000000001"
					    "\tTelephoneNumbersCount=4"),
				     &s, &st),
		 0);
	CHECK_EQ(st, 0); /* an indication has no status */
	CHECK_EQ(s.ready_state, MBIM_READY_DEVICE_LOCKED);
	CHECK_STR(mbim_ready_state_name(s.ready_state), "device-locked");
	CHECK_STR(s.iccid, "8949020000000000001");
	CHECK_EQ(s.n_numbers, 4);
	CHECK_STR(s.numbers[0], "+491701234567");
	CHECK_STR(s.numbers[2], "");
}

static void test_built_radio_pin_home(void)
{
	struct mbim_builder *b = frame(MBIM_COMMAND_DONE, MBIM_CID_RADIO_STATE, 0, 8);
	struct mbim_radio r;
	struct mbim_pin p;
	struct mbim_provider h;
	uint32_t st;

	mbim_add_u32(b, MBIM_RADIO_ON);
	mbim_add_u32(b, MBIM_RADIO_OFF);
	CHECK_EQ(mbim_radio_rsp(finish("HwRadioState=on\tSwRadioState=off"), &r, NULL), 0);
	CHECK(r.hw == MBIM_RADIO_ON && r.sw == MBIM_RADIO_OFF);

	b = frame(MBIM_COMMAND_DONE, MBIM_CID_PIN, 0, 12);
	mbim_add_u32(b, MBIM_PIN_TYPE_PIN1);
	mbim_add_u32(b, MBIM_PIN_STATE_LOCKED);
	mbim_add_u32(b, 3);
	CHECK_EQ(mbim_pin_rsp(finish("PinType=pin1\tPinState=locked\tRemainingAttempts=3"), &p,
			      &st),
		 0);
	CHECK(p.pin_type == MBIM_PIN_TYPE_PIN1 && p.pin_state == 1 && p.attempts == 3);
	CHECK_STR(mbim_pin_type_name(p.pin_type), "pin1");

	/* a wrong PIN: status Failure, and the InformationBuffer says what is left */
	b = frame(MBIM_COMMAND_DONE, MBIM_CID_PIN, 2, 12);
	mbim_add_u32(b, MBIM_PIN_TYPE_PIN1);
	mbim_add_u32(b, MBIM_PIN_STATE_LOCKED);
	mbim_add_u32(b, 2);
	st = 0;
	CHECK_EQ(mbim_pin_rsp(finish(NULL), &p, &st), -EREMOTEIO);
	CHECK_EQ(st, 2);
	CHECK_EQ(p.attempts, 2);
	/* ... or a failure whose buffer is garbage: still -EREMOTEIO, fields UNKNOWN */
	b = frame(MBIM_COMMAND_DONE, MBIM_CID_PIN, 2, 4);
	mbim_add_u32(b, MBIM_PIN_TYPE_PIN1);
	CHECK_EQ(mbim_pin_rsp(finish_quiet(), &p, &st), -EREMOTEIO);
	CHECK_EQ(p.pin_type, MBIM_U32_UNKNOWN);
	/* PIN has no indication (a negative control for libmbim too) */
	b = frame(MBIM_INDICATE_STATUS, MBIM_CID_PIN, 0, 12);
	mbim_add_raw(b, "\2\0\0\0\1\0\0\0\3\0\0\0", 12);
	CHECK_EQ(mbim_finish(b), 56);
	dump_line(fb, 56, true, NULL);
	CHECK_EQ(mbim_parse(fb, 56, &fm), 56);
	CHECK_EQ(mbim_pin_rsp(&fm, &p, &st), -EBADMSG);

	b = frame(MBIM_COMMAND_DONE, MBIM_CID_HOME_PROVIDER, 0, 32);
	mbim_add_str(b, "26201");
	mbim_add_u32(b, 1); /* home */
	mbim_add_str(b, "Telekom.de");
	mbim_add_u32(b, 1);
	mbim_add_u32(b, 20);
	mbim_add_u32(b, 0);
	CHECK_EQ(mbim_home_provider_rsp(finish("ProviderId=26201\tProviderName=Telekom.de\tRssi=20"),
					&h, NULL),
		 0);
	CHECK_STR(h.id, "26201");
	CHECK_STR(h.name, "Telekom.de");
	CHECK(h.state == 1 && h.rssi == 20 && h.error_rate == 0);
}

static void test_built_register_packet_signal(void)
{
	struct mbim_builder *b = frame(MBIM_INDICATE_STATUS, MBIM_CID_REGISTER_STATE, 0, 48);
	struct mbim_register r;
	struct mbim_packet_service p;
	struct mbim_signal s;

	mbim_add_u32(b, 0);
	mbim_add_u32(b, MBIM_REGISTER_ROAMING);
	mbim_add_u32(b, 1);
	mbim_add_u32(b, MBIM_DATA_CLASS_LTE | MBIM_DATA_CLASS_5G_NSA);
	mbim_add_u32(b, 1);
	mbim_add_str(b, "23415");
	mbim_add_str(b, "Vodafone \xc3\xa9\xe2\x82\xac");
	mbim_add_str(b, "Roaming");
	mbim_add_u32(b, 0);
	CHECK_EQ(mbim_register_rsp(finish("RegisterState=roaming\tProviderId=23415\t"
					  "ProviderName=Vodafone \xc3\xa9\xe2\x82\xac\t"
					  "RoamingText=Roaming"),
				   &r, NULL),
		 0);
	CHECK_EQ(r.state, MBIM_REGISTER_ROAMING);
	CHECK_STR(r.provider_name, "Vodafone \xc3\xa9\xe2\x82\xac");
	CHECK_STR(r.roaming_text, "Roaming");
	CHECK_STR(mbim_data_class_name(r.data_classes), "5g-nsa");

	b = frame(MBIM_INDICATE_STATUS, MBIM_CID_PACKET_SERVICE, 0, 28);
	mbim_add_u32(b, 7); /* GPRS services not allowed */
	mbim_add_u32(b, MBIM_PACKET_DETACHED);
	mbim_add_u32(b, 0);
	mbim_add_u64(b, 0);
	mbim_add_u64(b, 0x123456789aULL);
	CHECK_EQ(mbim_packet_service_rsp(finish("PacketServiceState=detached\tNwError=7\t"
						"DownlinkSpeed=78187493530"),
					 &p, NULL),
		 0);
	CHECK_EQ(p.state, MBIM_PACKET_DETACHED);
	CHECK_EQ(p.nw_error, 7);
	CHECK_STR(mbim_nw_error_str(p.nw_error), "GPRS services not allowed");
	CHECK_EQ(p.downlink, 0x123456789aULL);
	CHECK_STR(mbim_data_class_name(p.data_class), "none");

	b = frame(MBIM_INDICATE_STATUS, MBIM_CID_SIGNAL_STATE, 0, 20);
	mbim_add_u32(b, 31);
	mbim_add_u32(b, 0);
	mbim_add_u32(b, 5);
	mbim_add_u32(b, 0);
	mbim_add_u32(b, 0);
	CHECK_EQ(mbim_signal_rsp(finish("Rssi=31\tErrorRate=0\tSignalStrengthInterval=5"), &s,
				 NULL),
		 0);
	CHECK_EQ(mbim_rssi_dbm(s.rssi), -51);
}

static void test_built_connect(void)
{
	struct mbim_builder *b = frame(MBIM_INDICATE_STATUS, MBIM_CID_CONNECT, 0, 36);
	struct mbim_connect c;
	uint32_t st;

	mbim_add_u32(b, 0);
	mbim_add_u32(b, MBIM_DEACTIVATED);
	mbim_add_u32(b, 0);
	mbim_add_u32(b, MBIM_IP_V4V6);
	mbim_add_raw(b, mbim_context_internet, 16);
	mbim_add_u32(b, 33);
	CHECK_EQ(mbim_connect_rsp(finish("SessionId=0\tActivationState=deactivated\tIpType=ipv4v6"
					 "\tNwError=33"),
				  &c, &st),
		 0);
	CHECK_EQ(c.activation, MBIM_DEACTIVATED);
	CHECK_EQ(c.nw_error, 33);
	CHECK_STR(mbim_nw_error_str(c.nw_error), "requested service option not subscribed");
	CHECK(mbim_nw_error_str(0) == NULL);
	CHECK(mbim_nw_error_str(0x121) == NULL);

	/* activation refused: status Failure with the NwError in the buffer (ModemManager reads
	 * it the same way) */
	b = frame(MBIM_COMMAND_DONE, MBIM_CID_CONNECT, 2, 36);
	mbim_add_u32(b, 0);
	mbim_add_u32(b, MBIM_DEACTIVATED);
	mbim_add_u32(b, 0);
	mbim_add_u32(b, MBIM_IP_DEFAULT);
	mbim_add_raw(b, mbim_context_internet, 16);
	mbim_add_u32(b, 27);
	CHECK_EQ(mbim_connect_rsp(finish(NULL), &c, &st), -EREMOTEIO);
	CHECK_EQ(st, 2);
	CHECK_EQ(c.nw_error, 27);
	CHECK_STR(mbim_nw_error_str(c.nw_error), "missing or unknown APN");
}

static void test_built_ip_config(void)
{
	static const uint8_t v4[2][8] = {{24, 0, 0, 0, 100, 64, 1, 23}, {32, 0, 0, 0, 100, 64, 2, 1}};
	static const uint8_t gw[4] = {100, 64, 1, 24};
	static const uint8_t dns[5][4] = {{10, 0, 0, 53}, {10, 0, 0, 54}, {9, 9, 9, 9},
					   {1, 1, 1, 1},   {8, 8, 8, 8}};
	uint8_t v6[20] = {64, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1};
	uint8_t dns6[16] = {0x20, 0x01, 0x0d, 0xb8};
	struct mbim_builder *b = frame(MBIM_INDICATE_STATUS, MBIM_CID_IP_CONFIGURATION, 0, 60);
	struct mbim_ip_config c;

	v6[19] = 0x23;
	dns6[15] = 0x53;
	mbim_add_u32(b, 0);
	mbim_add_u32(b, 0x0F);
	mbim_add_u32(b, MBIM_IP_AVAIL_ADDRESS | MBIM_IP_AVAIL_DNS);
	mbim_add_u32(b, 2);
	mbim_add_off(b, v4, sizeof(v4));
	mbim_add_u32(b, 1);
	mbim_add_off(b, v6, sizeof(v6));
	mbim_add_off(b, gw, 4);
	mbim_add_off(b, NULL, 0); /* no IPv6 gateway */
	mbim_add_u32(b, 5);
	mbim_add_off(b, dns, sizeof(dns));
	mbim_add_u32(b, 1);
	mbim_add_off(b, dns6, 16);
	mbim_add_u32(b, 1400);
	mbim_add_u32(b, 0);
	CHECK_EQ(mbim_ip_config_rsp(finish("IPv4AddressCount=2\tIPv4Address=100.64.1.23\t"
					   "IPv4Address=100.64.2.1\tIPv4Gateway=100.64.1.24\t"
					   "IPv4DnsServerCount=5\tIPv4Mtu=1400\t"
					   "IPv6Address=2001:db8:0:1::23\tIPv6DnsServerCount=1"),
				    &c, NULL),
		 0);
	CHECK_EQ(c.n_v4, 2);
	ip4(c.v4[0].addr, "100.64.1.23");
	CHECK_EQ(c.v4[0].prefix, 24);
	ip4(c.v4[1].addr, "100.64.2.1");
	CHECK_EQ(c.v4[1].prefix, 32);
	CHECK_EQ(c.has_v4_gw, 1);
	ip4(c.v4_gw, "100.64.1.24");
	CHECK_EQ(c.n_v4_dns, MBIM_IP_MAX); /* 5 sent, 4 kept */
	ip4(c.v4_dns[3], "1.1.1.1");
	CHECK_EQ(c.v4_mtu, 1400);
	CHECK_EQ(c.n_v6, 1);
	CHECK_EQ(c.v6[0].prefix, 64);
	ip6(c.v6[0].addr, "20010db8000000010000000000000023");
	CHECK_EQ(c.has_v6_gw, 0); /* no gateway bit */
	CHECK_EQ(c.n_v6_dns, 1);
	ip6(c.v6_dns[0], "20010db8000000000000000000000053");
	CHECK_EQ(c.v6_mtu, MBIM_U32_UNKNOWN);
}

/* Frames corrupted on purpose, for the independent decoders (negative controls): a string
 * running past the buffer, an address array beyond it. We refuse both as well. */
static void test_bad_frames_for_dump(void)
{
	uint8_t buf[256];
	struct mbim_msg m;
	union out o;
	int n;

	n = mbim_proxy_config_set(buf, sizeof(buf), 1, "/dev/null", 30);
	put_le32(buf + 48 + 4, 0x22); /* size 34: past the end */
	dump_line(buf, n, true, NULL);
	CHECK_EQ(mbim_parse(buf, (size_t)n, &m), n);
	CHECK_EQ(mbim_get_str(m.info, m.info_len, 0, (char *)buf + 200, 32), -EPROTO);

	memcpy(buf, vec("M11")->b, vec("M11")->len);
	put_le32(buf + 48 + 12, 9); /* nine IPv4 addresses in 80 bytes */
	dump_line(buf, (int)vec("M11")->len, true, NULL);
	CHECK_EQ(decode_patched(buf, vec("M11")->len), -EPROTO);

	memcpy(buf, vec("M09")->b, vec("M09")->len);
	put_le32(buf + 48 + 20, 0x40); /* ProviderId beyond the 60-byte buffer */
	dump_line(buf, (int)vec("M09")->len, true, NULL);
	CHECK_EQ(mbim_parse(buf, vec("M09")->len, &m), (int)vec("M09")->len);
	CHECK_EQ(mbim_register_rsp(&m, &o.reg, NULL), -EPROTO);
}

/* The vectors themselves go to the dump too, with their expected values: libmbim, tshark and
 * we then agree on the same bytes. */
static void test_dump_vectors(void)
{
	static const struct {
		const char *id, *fields;
	} v[] = {
		{"M06", "DeviceId=353613048804622\tFirmwareInfo=11.810.09.00.00\t"
			"HardwareInfo=CP1E367UM\tCustomDataClass=HSPA+\tMaxSessions=1"},
		{"M08", "SubscriberId=310410000110761\tSimIccId=89010104054601100612"},
		{"M09", "RegisterState=home\tProviderId=26006"},
		{"M11", "IPv4Address=212.73.34.248\tIPv4Gateway=212.73.34.241\tIPv4Mtu=1500"},
		{"M21", "Rssi=20\tErrorRate=99"},
		{"M22", "PacketServiceState=attached\tUplinkSpeed=50000000\tDownlinkSpeed=150000000"},
		{"M25", "ActivationState=activated\tIpType=ipv4v6"},
		{"M27", NULL},
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++)
		dump_line(vec(v[i].id)->b, (int)vec(v[i].id)->len, false, v[i].fields);
	CHECK(i == ARRAY_SIZE(v));
}

int main(void)
{
	const char *path = getenv("MBIM_DUMP");

	if (load_vectors()) {
		printf("FAIL mbim_vectors_file\n");
		return 1;
	}
	if (path && !(dump = fopen(path, "w"))) {
		perror(path);
		return 1;
	}
	RUN(test_device_caps_m06);
	RUN(test_subscriber_m08);
	RUN(test_subscriber_m07_refused);
	RUN(test_register_m09);
	RUN(test_visible_providers_m10);
	RUN(test_ip_config_m11);
	RUN(test_ip_config_m12);
	RUN(test_connect_vectors);
	RUN(test_signal_m21);
	RUN(test_packet_service_m22);
	RUN(test_failures_and_generic);
	RUN(test_decoders_refuse_other_messages);
	RUN(test_every_cut);
	RUN(test_pairs_outside);
	RUN(test_ip_config_arrays_outside);
	RUN(test_connect_set_golden);
	RUN(test_pin_set_golden);
	RUN(test_subscribe_set_golden);
	RUN(test_small_sets_golden);
	RUN(test_built_device_caps);
	RUN(test_built_subscriber);
	RUN(test_built_radio_pin_home);
	RUN(test_built_register_packet_signal);
	RUN(test_built_connect);
	RUN(test_built_ip_config);
	RUN(test_bad_frames_for_dump);
	RUN(test_dump_vectors);
	if (dump)
		fclose(dump);
	return t_done();
}
