/* fuzz_qmi.c - libFuzzer harness for the QMI codec: qmi_frame_len, qmi_parse, the TLV reader,
 * result, redaction, every decoder of qmi_msg (the frame's identity is forced to each decoder's
 * message, so every decoder sees every TLV block, framed or not), a parse -> build -> parse round
 * trip, and the encoders with fuzzed strings into fuzzed buffer sizes.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *         -Iinclude -I<dir with config.h> tests/fuzz/fuzz_qmi.c core/qmi.c core/qmi_msg.c -o
 * fuzz_qmi
 *   ./fuzz_qmi -max_total_time=60 corpus
 *
 * Seeds: an empty corpus directory (the first directory argument) is seeded with the frames of
 * ../shared/vectors/qmi_vectors.txt (relative to the repo root, where tests/fuzz.sh runs;
 * QMI_SEED_VECTORS overrides). -seed_vectors=FILE writes the frames of FILE - a vectors file
 * ("hex:" lines) or a QMI_DUMP file of test_qmi_msg ("SERVICE MSGID KIND HEX" lines, including
 * its hand-built responses) - into the corpus directory and exits. libFuzzer ignores flags it
 * does not know.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "wwanbox.h"
#include "qmi_msg.h"

#define ASSERT(c)                                                                     \
	do {                                                                          \
		if (!(c)) {                                                           \
			fprintf(stderr, "ASSERT %s:%d %s\n", __FILE__, __LINE__, #c); \
			abort();                                                      \
		}                                                                     \
	} while (0)

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

static size_t cstr_ok(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	ASSERT(n < size);
	return n;
}

static void decode_all(const struct qmi_msg *m0)
{
	static const struct {
		uint8_t svc, type;
		uint16_t id;
	} ids[] = {
		{QMI_SVC_CTL, QMI_RSP, QMI_CTL_GET_VERSION},
		{QMI_SVC_CTL, QMI_RSP, QMI_CTL_ALLOC_CID},
		{QMI_SVC_CTL, QMI_RSP, QMI_CTL_RELEASE_CID},
		{QMI_SVC_CTL, QMI_RSP, QMI_CTL_SET_DATA_FORMAT},
		{QMI_SVC_WDS, QMI_RSP, QMI_WDS_START_NETWORK},
		{QMI_SVC_WDS, QMI_RSP, QMI_WDS_PKT_STATUS},
		{QMI_SVC_WDS, QMI_IND, QMI_WDS_PKT_STATUS},
		{QMI_SVC_WDS, QMI_RSP, QMI_WDS_GET_SETTINGS},
		{QMI_SVC_NAS, QMI_RSP, QMI_NAS_SERVING_SYSTEM},
		{QMI_SVC_NAS, QMI_IND, QMI_NAS_SERVING_SYSTEM},
		{QMI_SVC_NAS, QMI_RSP, QMI_NAS_SIGNAL_INFO},
		{QMI_SVC_NAS, QMI_RSP, QMI_NAS_SYSTEM_INFO},
		{QMI_SVC_DMS, QMI_RSP, QMI_DMS_IDS},
		{QMI_SVC_DMS, QMI_RSP, QMI_DMS_MODEL},
		{QMI_SVC_DMS, QMI_RSP, QMI_DMS_GET_OPMODE},
		{QMI_SVC_DMS, QMI_RSP, QMI_DMS_PIN_STATUS},
		{QMI_SVC_DMS, QMI_RSP, QMI_DMS_VERIFY_PIN},
		{QMI_SVC_UIM, QMI_RSP, QMI_UIM_CARD_STATUS},
		{QMI_SVC_UIM, QMI_RSP, QMI_UIM_VERIFY_PIN},
		{QMI_SVC_WDA, QMI_RSP, QMI_WDA_GET_FORMAT},
	};
	static union out o;
	uint16_t e;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		struct qmi_msg m = *m0;

		m.service = ids[i].svc;
		m.type = ids[i].type;
		m.msg_id = ids[i].id;
		memset(&o, 0xa5, sizeof(o));
		switch (i) {
		case 0:
			r = qmi_ctl_get_version_rsp(&m, &o.ver, &e);
			ASSERT(o.ver.count <= QMI_MAX_SERVICES);
			break;
		case 1:
			r = qmi_ctl_alloc_cid_rsp(&m, &o.cid, &e);
			break;
		case 2:
			r = qmi_ctl_release_cid_rsp(&m, &o.cid, &e);
			break;
		case 3:
			r = qmi_ctl_set_data_format_rsp(&m, &o.u16, &e);
			break;
		case 4:
			r = qmi_wds_start_network_rsp(&m, &o.start, &e);
			qmi_wds_end_type_str(o.start.end.verbose_type);
			qmi_wds_end_reason_str(o.start.end.verbose_type,
					       o.start.end.verbose_reason);
			qmi_wds_end_hint(o.start.end.verbose_type, o.start.end.verbose_reason);
			break;
		case 5:
			r = qmi_wds_pkt_status_rsp(&m, &o.pkt, &e);
			break;
		case 6:
			r = qmi_wds_pkt_status_ind(&m, &o.pkt);
			break;
		case 7:
			r = qmi_wds_get_settings_rsp(&m, &o.set, &e);
			cstr_ok(o.set.apn, sizeof(o.set.apn));
			cstr_ok(o.set.domains, sizeof(o.set.domains));
			break;
		case 8:
			r = qmi_nas_get_serving_rsp(&m, &o.srv, &e);
			ASSERT(o.srv.n_rat <= ARRAY_SIZE(o.srv.rat));
			cstr_ok(o.srv.description, sizeof(o.srv.description));
			qmi_nas_reg_state_name(o.srv.reg_state);
			break;
		case 9:
			r = qmi_nas_serving_ind(&m, &o.srv);
			cstr_ok(o.srv.description, sizeof(o.srv.description));
			break;
		case 10:
			r = qmi_nas_get_signal_rsp(&m, &o.sig, &e);
			break;
		case 11:
			r = qmi_nas_get_sysinfo_rsp(&m, &o.sys, &e);
			ASSERT(cstr_ok(o.sys.lte.mcc, sizeof(o.sys.lte.mcc)) <= 3);
			ASSERT(cstr_ok(o.sys.gsm.mnc, sizeof(o.sys.gsm.mnc)) <= 3);
			break;
		case 12:
			r = qmi_dms_ids_rsp(&m, &o.ids, &e);
			cstr_ok(o.ids.imei, sizeof(o.ids.imei));
			break;
		case 13:
			r = qmi_dms_string_rsp(&m, QMI_DMS_MODEL, o.str, sizeof(o.str), &e);
			cstr_ok(o.str, sizeof(o.str));
			break;
		case 14:
			r = qmi_dms_get_opmode_rsp(&m, &o.op, &e);
			break;
		case 15:
			r = qmi_dms_pin_status_rsp(&m, &o.pins, &e);
			qmi_pin_status_name(o.pins.pin1.status);
			break;
		case 16:
			r = qmi_dms_verify_pin_rsp(&m, &o.pin, &e);
			break;
		case 17:
			r = qmi_uim_card_status_rsp(&m, &o.card, &e);
			ASSERT(r != 0 || o.card.slot == QMI_U8_UNKNOWN ||
			       o.card.slot < o.card.n_cards);
			qmi_uim_app_state_name(o.card.app_state);
			break;
		case 18:
			r = qmi_uim_verify_pin_rsp(&m, &o.pin, &e);
			break;
		default:
			r = qmi_wda_format_rsp(&m, &o.wda, &e);
			break;
		}
		ASSERT(r == 0 || r == -EREMOTEIO || r == -EPROTO);
	}
}

/* parse -> rebuild from the TLVs -> parse: the same header and TLVs */
static void round_trip(const struct qmi_msg *m)
{
	static uint8_t buf[QMI_FRAME_MAX];
	struct qmi_builder b;
	struct qmi_msg m2;
	const uint8_t *v, *v2;
	uint16_t len, len2;
	size_t pos = 0, pos2 = 0;
	uint8_t t, t2;
	int n;

	qmi_build(&b, buf, sizeof(buf), m->service, m->client_id, m->tid, m->msg_id, m->type);
	while (qmi_tlv_next(m, &pos, &t, &v, &len))
		qmi_put_tlv(&b, t, v, len);
	n = qmi_finish(&b);
	if (n < 0)
		return; /* a 6-byte CTL header grew to 7: may not fit 64 KiB */
	ASSERT(qmi_parse(buf, (size_t)n, &m2) == n);
	ASSERT(m2.service == m->service && m2.msg_id == m->msg_id && m2.type == m->type);
	ASSERT(m2.client_id == m->client_id && m2.tlv_len == pos);
	for (pos = 0; qmi_tlv_next(m, &pos, &t, &v, &len);) {
		ASSERT(qmi_tlv_next(&m2, &pos2, &t2, &v2, &len2));
		ASSERT(t == t2 && len == len2 && !memcmp(v, v2, len));
	}
}

static void encode_all(const uint8_t *data, size_t size)
{
	static uint8_t buf[512];
	struct qmi_wds_start_req r;
	struct qmi_wda_format_req w;
	char s[80];
	size_t bsize, n;
	struct qmi_msg m;
	int len;

	if (size < 2)
		return;
	bsize = data[0] * 2;
	n = MIN(size - 1, sizeof(s) - 1);
	memcpy(s, data + 1, n);
	s[n] = 0;
	qmi_wds_start_req_init(&r);
	r.apn = r.username = r.password = s;
	r.auth = data[1];
	len = qmi_wds_start_network_req(buf, bsize, data[0], data[1], &r);
	ASSERT(len == -EMSGSIZE || (len > 0 && (size_t)len <= bsize));
	if (len > 0) {
		ASSERT(qmi_parse(buf, (size_t)len, &m) == len);
		ASSERT(qmi_redact(buf, (size_t)len) == (s[0] ? 1 : 0));
	}
	len = qmi_dms_verify_pin_req(buf, bsize, 1, 1, 1, s);
	ASSERT(len == -EMSGSIZE || (len > 0 && (size_t)len <= bsize));
	len = qmi_uim_verify_pin_req(buf, bsize, 1, 1, 0, 1, s);
	ASSERT(len == -EMSGSIZE || (len > 0 && (size_t)len <= bsize));
	len = qmi_ctl_proxy_open_req(buf, bsize, 1, s);
	ASSERT(len == -EMSGSIZE || (len > 0 && (size_t)len <= bsize));
	qmi_wda_format_req_init(&w);
	w.ep_type = data[1];
	len = qmi_wda_set_format_req(buf, bsize, 1, 1, &w);
	ASSERT(len == -EMSGSIZE || (len > 0 && (size_t)len <= bsize));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmi_msg m;
	const uint8_t *v;
	uint16_t len, e;
	size_t pos = 0;
	uint8_t t, *copy;
	char s[16];
	int n, fl;

	fl = qmi_frame_len(data, size);
	n = qmi_parse(data, size, &m);
	if (n > 0) {
		ASSERT(n == fl && (size_t)n <= size && m.frame_len == (size_t)n);
		ASSERT(m.tlv >= data && m.tlv + m.tlv_len <= data + n);
		while (qmi_tlv_next(&m, &pos, &t, &v, &len)) {
			ASSERT(v >= m.tlv && v + len <= m.tlv + m.tlv_len);
			ASSERT(qmi_tlv_find(&m, t, &v, &len) == 0);
		}
		ASSERT(pos == m.tlv_len);
		qmi_result(&m, &e);
		qmi_tlv_str(&m, 0x01, s, sizeof(s));
		cstr_ok(s, sizeof(s));
		copy = malloc((size_t)n);
		memcpy(copy, data, (size_t)n);
		qmi_redact(copy, (size_t)n);
		free(copy);
		round_trip(&m);
		decode_all(&m);
	} else {
		/* an unframed TLV block straight into the decoders: their reader must hold alone */
		memset(&m, 0, sizeof(m));
		m.tlv = data;
		m.tlv_len = (uint16_t)MIN(size, 0xffff);
		decode_all(&m);
	}
	encode_all(data, size);
	return 0;
}

/* -seed_vectors=FILE: write the frames of a vectors or QMI_DUMP file as corpus files */
static int write_seeds(const char *file, const char *dir)
{
	static uint8_t b[QMI_FRAME_MAX];
	char line[8192], path[4096], *p;
	int count = 0;
	FILE *in = fopen(file, "r"), *out;

	if (!in)
		return -1;
	while (fgets(line, sizeof(line), in)) {
		uint32_t h = 2166136261u; /* FNV-1a of the frame names the file */
		size_t n = 0, i;
		unsigned x;

		p = strstr(line, "hex: ");
		if (p)
			p += 5;
		else if (!strncmp(line, "0x", 2) || !strncmp(line, "!0x", 3))
			p = strrchr(line, ' '); /* QMI_DUMP: SERVICE MSGID KIND HEX */
		if (!p)
			continue;
		while (*p == ' ')
			p++;
		while (n < sizeof(b) && sscanf(p, "%2x", &x) == 1 && p[1] && p[1] != '\n') {
			b[n++] = (uint8_t)x;
			p += 2;
		}
		if (n < 3)
			continue;
		for (i = 0; i < n; i++)
			h = (h ^ b[i]) * 16777619u;
		snprintf(path, sizeof(path), "%s/seed-%08x", dir, (unsigned)h);
		out = fopen(path, "wb");
		if (!out || fwrite(b, 1, n, out) != n)
			return -1;
		fclose(out);
		count++;
	}
	fclose(in);
	printf("%d seeds written to %s\n", count, dir);
	return count;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

static bool empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = d != NULL;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			empty = false;
	if (d)
		closedir(d);
	return empty;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = NULL, *file = NULL, *vectors = getenv("QMI_SEED_VECTORS");
	int i;

	for (i = 1; i < *argc; i++) {
		if (!strncmp((*argv)[i], "-seed_vectors=", 14))
			file = (*argv)[i] + 14;
		else if ((*argv)[i][0] != '-' && !dir)
			dir = (*argv)[i];
	}
	if (file)
		exit(dir && write_seeds(file, dir) > 0 ? 0 : 1);
	if (dir && empty_dir(dir))
		write_seeds(vectors ? vectors : "../shared/vectors/qmi_vectors.txt", dir);
	return 0;
}
