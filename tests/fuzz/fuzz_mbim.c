/* fuzz_mbim.c - libFuzzer harness for the MBIM codec: mbim_frame_len against mbim_parse, the
 * reassembler fed the input as a stream of messages, every decoder of mbim_msg (the message's
 * identity is forced to each decoder's CID, so every decoder sees every InformationBuffer,
 * framed or not), the generic readers, redaction, a split -> reassemble round trip, the
 * UTF-16/UTF-8 converters, and the encoders with fuzzed strings into fuzzed buffer sizes.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *         -Iinclude -I<dir with config.h> tests/fuzz/fuzz_mbim.c core/mbim.c core/mbim_msg.c \
 *         -o fuzz_mbim
 *   ./fuzz_mbim -max_total_time=60 corpus
 *
 * Seeds: an empty corpus directory (the first directory argument) is seeded with the messages of
 * ../shared/vectors/mbim_vectors.txt (relative to the repo root, where tests/fuzz.sh runs;
 * MBIM_SEED_VECTORS overrides). -seed_vectors=FILE writes the messages of FILE - a vectors file
 * ("hex:" lines) or an MBIM_DUMP file of test_mbim_msg (HEX in the 4th TAB-separated column) -
 * into the corpus directory and exits. libFuzzer ignores flags it does not know.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "wwanbox.h"
#include "mbim_msg.h"

#define ASSERT(c)                                                                     \
	do {                                                                          \
		if (!(c)) {                                                           \
			fprintf(stderr, "ASSERT %s:%d %s\n", __FILE__, __LINE__, #c); \
			abort();                                                      \
		}                                                                     \
	} while (0)

union out {
	struct mbim_device_caps caps;
	struct mbim_subscriber sub;
	struct mbim_radio radio;
	struct mbim_pin pin;
	struct mbim_provider prov[3];
	struct mbim_register reg;
	struct mbim_packet_service ps;
	struct mbim_signal sig;
	struct mbim_connect conn;
	struct mbim_ip_config ipc;
};

static size_t cstr_ok(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	ASSERT(n < size);
	return n;
}

/* Valid UTF-8 with no control characters: what the decoders promise. */
static void utf8_ok(const char *s, size_t size)
{
	uint8_t b[512];
	size_t n = cstr_ok(s, size), i;

	for (i = 0; i < n; i++)
		ASSERT((uint8_t)s[i] >= 0x20 && s[i] != 0x7f);
	ASSERT(mbim_utf8_to_utf16(s, b, sizeof(b)) >= 0 || n * 2 > sizeof(b));
}

static void check_strings(uint32_t cid, const union out *o)
{
	int i;

	switch (cid) {
	case MBIM_CID_DEVICE_CAPS:
		utf8_ok(o->caps.device_id, sizeof(o->caps.device_id));
		utf8_ok(o->caps.firmware, sizeof(o->caps.firmware));
		utf8_ok(o->caps.hardware, sizeof(o->caps.hardware));
		utf8_ok(o->caps.custom_data_class, sizeof(o->caps.custom_data_class));
		break;
	case MBIM_CID_SUBSCRIBER_READY_STATUS:
		utf8_ok(o->sub.subscriber_id, sizeof(o->sub.subscriber_id));
		utf8_ok(o->sub.iccid, sizeof(o->sub.iccid));
		for (i = 0; i < MBIM_MAX_NUMBERS; i++)
			utf8_ok(o->sub.numbers[i], MBIM_ID_MAX);
		break;
	case MBIM_CID_HOME_PROVIDER:
	case MBIM_CID_VISIBLE_PROVIDERS:
		for (i = 0; i < (cid == MBIM_CID_HOME_PROVIDER ? 1 : 3); i++) {
			utf8_ok(o->prov[i].id, sizeof(o->prov[i].id));
			utf8_ok(o->prov[i].name, sizeof(o->prov[i].name));
		}
		break;
	case MBIM_CID_REGISTER_STATE:
		utf8_ok(o->reg.provider_id, sizeof(o->reg.provider_id));
		utf8_ok(o->reg.provider_name, sizeof(o->reg.provider_name));
		utf8_ok(o->reg.roaming_text, sizeof(o->reg.roaming_text));
		break;
	case MBIM_CID_IP_CONFIGURATION:
		ASSERT(o->ipc.n_v4 <= MBIM_IP_MAX && o->ipc.n_v6 <= MBIM_IP_MAX);
		ASSERT(o->ipc.n_v4_dns <= MBIM_IP_MAX && o->ipc.n_v6_dns <= MBIM_IP_MAX);
		break;
	}
}

static int decode_one(uint32_t cid, const struct mbim_msg *m, union out *o, uint32_t *st)
{
	uint32_t count = 0;
	int r;

	switch (cid) {
	case MBIM_CID_DEVICE_CAPS:
		return mbim_device_caps_rsp(m, &o->caps, st);
	case MBIM_CID_SUBSCRIBER_READY_STATUS:
		return mbim_subscriber_rsp(m, &o->sub, st);
	case MBIM_CID_RADIO_STATE:
		return mbim_radio_rsp(m, &o->radio, st);
	case MBIM_CID_PIN:
		return mbim_pin_rsp(m, &o->pin, st);
	case MBIM_CID_HOME_PROVIDER:
		return mbim_home_provider_rsp(m, &o->prov[0], st);
	case MBIM_CID_VISIBLE_PROVIDERS:
		r = mbim_visible_providers_rsp(m, o->prov, 3, &count, st);
		ASSERT(r != 0 || count <= m->info_len / 8);
		return r;
	case MBIM_CID_REGISTER_STATE:
		return mbim_register_rsp(m, &o->reg, st);
	case MBIM_CID_PACKET_SERVICE:
		return mbim_packet_service_rsp(m, &o->ps, st);
	case MBIM_CID_SIGNAL_STATE:
		return mbim_signal_rsp(m, &o->sig, st);
	case MBIM_CID_CONNECT:
		return mbim_connect_rsp(m, &o->conn, st);
	default:
		return mbim_ip_config_rsp(m, &o->ipc, st);
	}
}

static void decode_all(const struct mbim_msg *m0)
{
	static const uint32_t cids[] = {1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 15};
	static union out o;
	size_t i;
	uint32_t st;
	int r, t;

	for (i = 0; i < ARRAY_SIZE(cids); i++) {
		for (t = 0; t < 2; t++) {
			struct mbim_msg m = *m0;

			m.service = MBIM_SVC_BASIC_CONNECT;
			m.cid = cids[i];
			m.type = t ? MBIM_INDICATE_STATUS : MBIM_COMMAND_DONE;
			memset(&o, 0xa5, sizeof(o));
			r = decode_one(cids[i], &m, &o, &st);
			ASSERT(r == 0 || r == -EREMOTEIO || r == -EPROTO || r == -EBADMSG);
			ASSERT(r != -EBADMSG || t); /* only indications of CIDs without one */
			if (r != -EBADMSG)
				check_strings(cids[i], &o);
		}
	}
	mbim_ready_state_name(o.sub.ready_state);
	mbim_register_state_name(o.reg.state);
	mbim_data_class_name(o.reg.data_classes);
	mbim_nw_error_str(o.conn.nw_error);
}

/* Walk the InformationBuffer with the generic readers at every 4-byte step. */
static void readers(const uint8_t *b, size_t len)
{
	const uint8_t *p;
	uint32_t v, n;
	uint64_t w;
	char s[40];
	size_t off;

	for (off = 0; off < len + 8 && off < 256; off += 4) {
		if (!mbim_get_ol(b, len, off, &p, &n) && n)
			ASSERT(p >= b && p + n <= b + len);
		if (mbim_get_str(b, len, off, s, sizeof(s)) >= 0)
			utf8_ok(s, sizeof(s));
		mbim_get_u32(b, len, off, &v);
		mbim_get_u64(b, len, off, &w);
		if (!mbim_get_array(b, len, off, 3, 20, &p) && p)
			ASSERT(p >= b && p + 60 <= b + len);
	}
}

/* split by a fuzzed max transfer, reassemble: the same message */
static void split_round_trip(const uint8_t *msg, size_t len, uint32_t max)
{
	static uint8_t frag[MBIM_MSG_MAX], whole[MBIM_MSG_MAX];
	struct mbim_frag f;
	const uint8_t *got = NULL;
	uint32_t i, n = mbim_frag_count(len, max);
	int fl, r = 0;

	mbim_frag_init(&f, whole, sizeof(whole));
	for (i = 0; i < n; i++) {
		fl = mbim_fragment(msg, len, max, i, frag, sizeof(frag));
		if (fl == -EINVAL)
			return; /* a type that cannot be fragmented */
		ASSERT(fl > 0 && (uint32_t)fl <= MAX(max, len) && (size_t)fl <= len);
		ASSERT(mbim_frame_len(frag, (size_t)fl) == fl);
		r = mbim_frag_add(&f, frag, (size_t)fl, &got);
		ASSERT(i + 1 < n ? r == 0 : r == (int)len);
	}
	ASSERT(!n || (got && !memcmp(got, msg, len)));
}

/* every message of the input, as a stream, through the reassembler */
static void stream(const uint8_t *data, size_t size)
{
	static uint8_t buf[4096];
	struct mbim_frag f;
	const uint8_t *msg;
	size_t pos = 0;
	long fl;
	int r;

	mbim_frag_init(&f, buf, sizeof(buf));
	while (pos < size) {
		fl = mbim_frame_len(data + pos, size - pos);
		if (fl < 0) {
			pos++; /* resynchronise as wdm does */
			continue;
		}
		if (!fl || (size_t)fl > size - pos)
			break;
		r = mbim_frag_add(&f, data + pos, (size_t)fl, &msg);
		ASSERT(r <= 0 || (msg && r <= MBIM_MSG_MAX));
		if (r > 0) {
			struct mbim_msg m;

			ASSERT(mbim_parse(msg, (size_t)r, &m) == r && m.total == 1);
			ASSERT(m.info || (m.type != MBIM_COMMAND && m.type != MBIM_COMMAND_DONE &&
					  m.type != MBIM_INDICATE_STATUS));
		}
		pos += (size_t)fl;
	}
}

static void strings(const uint8_t *data, size_t size)
{
	static uint8_t u16[1024];
	char s[600], back[600];
	int n, m;

	n = mbim_utf16_to_utf8(data, size & ~(size_t)1, s, sizeof(s));
	ASSERT(n >= 0 && (size_t)n == strlen(s));
	utf8_ok(s, sizeof(s));
	m = mbim_utf8_to_utf16(s, u16, sizeof(u16));
	ASSERT(m >= 0);
	ASSERT(mbim_utf16_to_utf8(u16, (size_t)m, back, sizeof(back)) == n);
	ASSERT(!strcmp(s, back));
}

static void encode_all(const uint8_t *data, size_t size)
{
	static uint8_t buf[1024];
	struct mbim_connect_req r;
	struct mbim_msg m;
	char s[120];
	size_t bsize, n;
	int len;

	if (size < 2)
		return;
	bsize = (size_t)data[0] * 4;
	n = MIN(size - 1, sizeof(s) - 1);
	memcpy(s, data + 1, n);
	s[n] = 0;
	mbim_connect_req_init(&r);
	r.apn = r.user = r.password = s;
	r.auth = data[1];
	len = mbim_connect_set(buf, bsize, data[0], &r);
	ASSERT(len == -EMSGSIZE || len == -EINVAL || (len > 0 && (size_t)len <= bsize));
	if (len > 0) {
		ASSERT(mbim_parse(buf, (size_t)len, &m) == len && m.info);
		ASSERT(mbim_redact(buf, (size_t)len) == (s[0] ? 1 : 0));
	}
	len = mbim_pin_set(buf, bsize, 1, MBIM_PIN_TYPE_PIN1, MBIM_PIN_OP_ENTER, s, s);
	ASSERT(len < 0 || (size_t)len <= bsize);
	len = mbim_proxy_config_set(buf, bsize, 1, s, 30);
	ASSERT(len < 0 || (size_t)len <= bsize);
	len = mbim_subscribe_dialer(buf, bsize, 1);
	ASSERT(len < 0 || (size_t)len <= bsize);
	len = mbim_ip_config_query(buf, bsize, 1, 0);
	ASSERT(len < 0 || (size_t)len <= bsize);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbim_msg m, req;
	uint8_t *copy;
	uint32_t st;
	long fl;
	int n;

	fl = mbim_frame_len(data, size);
	n = mbim_parse(data, size, &m);
	if (n > 0) {
		ASSERT(fl == n);
		ASSERT((size_t)n <= size && m.len == (uint32_t)n && m.buf == data);
		ASSERT(!m.info || (m.info >= data && m.info + m.info_len <= data + n));
		ASSERT(!m.info || m.total == 1);
		mbim_result(&m, &st);
		req = m;
		mbim_matches(&m, &req);
		copy = malloc((size_t)n);
		memcpy(copy, data, (size_t)n);
		mbim_redact(copy, (size_t)n);
		free(copy);
		if (m.info) {
			readers(m.info, m.info_len);
			decode_all(&m);
			split_round_trip(data, (size_t)n, 21 + (size > 20 ? data[19] : 0) * 3u);
		}
	} else {
		/* an unframed InformationBuffer straight into the decoders */
		memset(&m, 0, sizeof(m));
		m.info = data;
		m.info_len = (uint32_t)MIN(size, 0xffff);
		m.total = 1;
		if (data) {
			readers(m.info, m.info_len);
			decode_all(&m);
		}
	}
	stream(data, size);
	strings(data, MIN(size, 512));
	encode_all(data, size);
	return 0;
}

/* -seed_vectors=FILE: write the messages of a vectors or MBIM_DUMP file as corpus files */
static int write_seeds(const char *file, const char *dir)
{
	static uint8_t b[MBIM_MSG_MAX];
	char line[8192], path[4096], *p;
	int count = 0;
	FILE *in = fopen(file, "r"), *out;

	if (!in)
		return -1;
	while (fgets(line, sizeof(line), in)) {
		uint32_t h = 2166136261u; /* FNV-1a of the message names the file */
		size_t n = 0, i;
		unsigned x;

		p = strstr(line, "hex: ");
		if (p) {
			p += 5;
		} else if ((p = strchr(line, '\t')) && (p = strchr(p + 1, '\t')) &&
			   (p = strchr(p + 1, '\t'))) {
			p++; /* MBIM_DUMP: KIND SERVICE CID HEX ... */
		} else {
			continue;
		}
		while (n < sizeof(b) && sscanf(p, "%2x", &x) == 1 && p[1] && p[1] != '\n' &&
		       p[1] != '\t') {
			b[n++] = (uint8_t)x;
			p += 2;
		}
		if (n < 12)
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
	const char *dir = NULL, *file = NULL, *vectors = getenv("MBIM_SEED_VECTORS");
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
		write_seeds(vectors ? vectors : "../shared/vectors/mbim_vectors.txt", dir);
	return 0;
}
