/* test_align.c - byte order and alignment, for every codec: each vector of ../shared/vectors
 * and each captured packet of tests/data/dhcp is decoded from a buffer at alignment offsets
 * 0..7 and must decode identically at every offset, agree with the reference library's verdict
 * the file lists, and give the text x86_64 gives (its digests are in digests[] below).
 * `make check-cross` runs it under qemu-user on big-endian MIPS and ARMv7, where a struct cast
 * onto a buffer reads garbage (uqmi printed "mtu 263644" on ARMv5) or faults (qemu-mips raises
 * SIGBUS on an unaligned lw), and where a field read in host order differs from the
 * little-endian x86 result.
 *
 * The codecs:
 *  - qmi: qmi_vectors.txt (libqmi's verdicts): framing, the TLV walk, the result TLV.
 *  - mbim: mbim_vectors.txt (libmbim's verdicts): every message of a vector (M19 is four
 *    fragments back to back), mbim_frame_len, mbim_result, fragment reassembly, the Basic
 *    Connect decoder of the CID where mbim_msg.h has one, mbim_redact on a copy at the same
 *    alignment, and every u32, u64, {offset, size} pair and string readable at each 4-byte
 *    position of the InformationBuffer (which covers the requests no decoder reads).
 *  - dhcp: every .hex file of tests/data/dhcp (busybox udhcpc <-> dnsmasq, provenance in each
 *    file): dhcp_ip_udp_parse, the IP and UDP checksums, dhcp_msg_parse, dhcp_lease_parse for
 *    OFFER and ACK, dhcp_env.
 *  - qmap: no codec yet. When core/qmap.c lands, its decode function (qmap_parse and the
 *    de-aggregation walk over each frame) and a line in codecs[] go here, reading QMAP frames
 *    from ../shared/vectors/qmap_vectors.txt or golden captures in tests/data/qmap/ (a
 *    directory of .hex files loads as the dhcp entry does).
 *
 * The per-codec tests go deeper (test_qmi.c: framing of each QMI vector at offsets 0..7 against
 * libqmi's header; test_qmi_msg.c and test_mbim_msg.c: every message decoder at offsets 0..7
 * against the expected values); this file is the one place that walks every codec the same
 * way, so a new codec gets the check by adding a decode function and one line to codecs[]
 * below. A vectors file with byte vectors ("hex:" lines) that no codec claims is reported as
 * SKIP, naming the file. Each codec also has a "sees every byte" case: flipping a bit in any
 * byte of one frame changes its text, so the comparison across offsets cannot pass by decoding
 * nothing.
 *
 * A decode function turns a frame into canonical text: every field the codec decodes, integers
 * as numbers, return values through ret() (errno names: the numbers differ on MIPS), in a fixed
 * order. The first line must be the file's verdict line when the codec
 * can express it (QMI: "libqmi: OK (wds response cid=1 tid=1 msg=0x0020 len=24)"; MBIM: "OK"
 * or "REJECTED").
 */
#include <dirent.h>
#include <stdarg.h>

#include "wwanbox.h"
#include "bytes.h"
#include "dhcp.h"
#include "mbim_msg.h"
#include "qmi.h"
#include "t.h"
#include "vectors.h"

#define VECTORS_DIR "../shared/vectors" /* cwd is the repo root, as for the other tests */
#define DHCP_DIR "tests/data/dhcp"
#define MAX_VECS 96
#define TEXT_MAX 16384

/* A canonical-text buffer; output past its end is dropped (check_codec fails on a full one). */
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

/* A return value: errno numbers differ between architectures (EBADMSG is 74 on x86 and ARM, 77
 * on MIPS; EREMOTEIO 121 and 140), so the text names them. */
static const char *ret(long r)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{EPROTO, "-EPROTO"},	 {EBADMSG, "-EBADMSG"}, {EREMOTEIO, "-EREMOTEIO"},
		{ECOMM, "-ECOMM"},	 {ENOMSG, "-ENOMSG"},	{EINVAL, "-EINVAL"},
		{EMSGSIZE, "-EMSGSIZE"}, {ENOBUFS, "-ENOBUFS"}, {ENOENT, "-ENOENT"},
	};
	static char buf[4][32];
	static int next;
	char *b = buf[next++ % 4];

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (r == -names[i].e)
			return names[i].name;
	snprintf(b, sizeof(buf[0]), "%s%ld", r < 0 ? "-errno " : "", r < 0 ? -r : r);
	return b;
}

static void text_hex(struct text *t, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		text_add(t, "%02x", p[i]);
}

static void text_ip4(struct text *t, const char *name, const uint8_t *a)
{
	text_add(t, " %s%s%u.%u.%u.%u", name, *name ? "=" : "", a[0], a[1], a[2], a[3]);
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
	text_add(t, "result %s error 0x%04x\n", ret(r), err);
	return 0;
}

/* ---- MBIM: each message of the frame, reassembly, the Basic Connect decoders, and every
 * field readable from each InformationBuffer ---- */

union mbim_out {
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

static void text_provider(struct text *t, const struct mbim_provider *p)
{
	text_add(t, " id=\"%s\" state=%u name=\"%s\" class=%u rssi=%u error_rate=%u\n", p->id,
		 p->state, p->name, p->cellular_class, p->rssi, p->error_rate);
}

static void text_caps(struct text *t, const struct mbim_device_caps *c)
{
	text_add(t, " device_type=%u cellular=%u voice=%u sim=%u data=0x%08x sms=%u ctrl=%u",
		 c->device_type, c->cellular_class, c->voice_class, c->sim_class, c->data_class,
		 c->sms_caps, c->ctrl_caps);
	text_add(t, " sessions=%u custom=\"%s\" device_id=\"%s\" fw=\"%s\" hw=\"%s\"\n",
		 c->max_sessions, c->custom_data_class, c->device_id, c->firmware, c->hardware);
}

static void text_sub(struct text *t, const struct mbim_subscriber *s)
{
	text_add(t, " ready=%u info=%u imsi=\"%s\" iccid=\"%s\" numbers=%u", s->ready_state,
		 s->ready_info, s->subscriber_id, s->iccid, s->n_numbers);
	for (int i = 0; i < MBIM_MAX_NUMBERS; i++)
		text_add(t, " \"%s\"", s->numbers[i]);
	text_add(t, "\n");
}

static void text_reg(struct text *t, const struct mbim_register *r)
{
	text_add(t, " nw_error=%u state=%u mode=%u classes=0x%08x class=%u flags=%u", r->nw_error,
		 r->state, r->mode, r->data_classes, r->cellular_class, r->flags);
	text_add(t, " provider=\"%s\" name=\"%s\" roaming=\"%s\"\n", r->provider_id,
		 r->provider_name, r->roaming_text);
}

static void text_ipc(struct text *t, const struct mbim_ip_config *c)
{
	int i;

	text_add(t, " session=%u v4_avail=0x%x v6_avail=0x%x n_v4=%u n_v6=%u dns=%u/%u mtu=%u/%u",
		 c->session, c->v4_avail, c->v6_avail, c->n_v4, c->n_v6, c->n_v4_dns, c->n_v6_dns,
		 c->v4_mtu, c->v6_mtu);
	text_add(t, " gw=%u/%u\n v4_gw=", c->has_v4_gw, c->has_v6_gw);
	text_hex(t, c->v4_gw, 4);
	text_add(t, " v6_gw=");
	text_hex(t, c->v6_gw, 16);
	for (i = 0; i < MBIM_IP_MAX; i++) {
		text_add(t, "\n v4[%d]=/%u ", i, c->v4[i].prefix);
		text_hex(t, c->v4[i].addr, 4);
		text_add(t, " v6[%d]=/%u ", i, c->v6[i].prefix);
		text_hex(t, c->v6[i].addr, 16);
		text_add(t, " dns4=");
		text_hex(t, c->v4_dns[i], 4);
		text_add(t, " dns6=");
		text_hex(t, c->v6_dns[i], 16);
	}
	text_add(t, "\n");
}

/* The decoder of m's Basic Connect CID, if mbim_msg.h has one; its return, status and every
 * field of its output. */
static void mbim_text_decoder(const struct mbim_msg *m, struct text *t)
{
	static union mbim_out o;
	uint32_t st = 0xdeadbeef, count = 0;
	int r;

	if (m->service != MBIM_SVC_BASIC_CONNECT)
		return;
	memset(&o, 0, sizeof(o));
	switch (m->cid) {
	case MBIM_CID_DEVICE_CAPS:
		r = mbim_device_caps_rsp(m, &o.caps, &st);
		break;
	case MBIM_CID_SUBSCRIBER_READY_STATUS:
		r = mbim_subscriber_rsp(m, &o.sub, &st);
		break;
	case MBIM_CID_RADIO_STATE:
		r = mbim_radio_rsp(m, &o.radio, &st);
		break;
	case MBIM_CID_PIN:
		r = mbim_pin_rsp(m, &o.pin, &st);
		break;
	case MBIM_CID_HOME_PROVIDER:
		r = mbim_home_provider_rsp(m, &o.prov[0], &st);
		break;
	case MBIM_CID_VISIBLE_PROVIDERS:
		r = mbim_visible_providers_rsp(m, o.prov, ARRAY_SIZE(o.prov), &count, &st);
		break;
	case MBIM_CID_REGISTER_STATE:
		r = mbim_register_rsp(m, &o.reg, &st);
		break;
	case MBIM_CID_PACKET_SERVICE:
		r = mbim_packet_service_rsp(m, &o.ps, &st);
		break;
	case MBIM_CID_SIGNAL_STATE:
		r = mbim_signal_rsp(m, &o.sig, &st);
		break;
	case MBIM_CID_CONNECT:
		r = mbim_connect_rsp(m, &o.conn, &st);
		break;
	case MBIM_CID_IP_CONFIGURATION:
		r = mbim_ip_config_rsp(m, &o.ipc, &st);
		break;
	default:
		return;
	}
	text_add(t, "decoder cid %u: %s status 0x%08x\n", m->cid, ret(r), st);
	switch (m->cid) {
	case MBIM_CID_DEVICE_CAPS:
		text_caps(t, &o.caps);
		break;
	case MBIM_CID_SUBSCRIBER_READY_STATUS:
		text_sub(t, &o.sub);
		break;
	case MBIM_CID_RADIO_STATE:
		text_add(t, " hw=%u sw=%u\n", o.radio.hw, o.radio.sw);
		break;
	case MBIM_CID_PIN:
		text_add(t, " type=%u state=%u attempts=%u\n", o.pin.pin_type, o.pin.pin_state,
			 o.pin.attempts);
		break;
	case MBIM_CID_HOME_PROVIDER:
		text_provider(t, &o.prov[0]);
		break;
	case MBIM_CID_VISIBLE_PROVIDERS:
		text_add(t, " count=%u\n", count);
		for (size_t i = 0; i < ARRAY_SIZE(o.prov); i++)
			text_provider(t, &o.prov[i]);
		break;
	case MBIM_CID_REGISTER_STATE:
		text_reg(t, &o.reg);
		break;
	case MBIM_CID_PACKET_SERVICE:
		text_add(t, " nw_error=%u state=%u class=0x%08x up=%llu down=%llu\n", o.ps.nw_error,
			 o.ps.state, o.ps.data_class, (unsigned long long)o.ps.uplink,
			 (unsigned long long)o.ps.downlink);
		break;
	case MBIM_CID_SIGNAL_STATE:
		text_add(t, " rssi=%u error_rate=%u interval=%u thresholds=%u/%u\n", o.sig.rssi,
			 o.sig.error_rate, o.sig.interval, o.sig.rssi_threshold,
			 o.sig.error_rate_threshold);
		break;
	case MBIM_CID_CONNECT:
		text_add(t, " session=%u activation=%u voice=%u ip_type=%u nw_error=%u context=",
			 o.conn.session, o.conn.activation, o.conn.voice_call, o.conn.ip_type,
			 o.conn.nw_error);
		text_hex(t, o.conn.context, 16);
		text_add(t, "\n");
		break;
	case MBIM_CID_IP_CONFIGURATION:
		text_ipc(t, &o.ipc);
		break;
	}
}

/* Every u32, u64, {offset, size} pair and string at each 4-byte position of the
 * InformationBuffer (the reads fail where they would run past it), then any 1-3 byte tail. */
static void mbim_text_info(const struct mbim_msg *m, struct text *t)
{
	char s[128];
	const uint8_t *p;
	uint32_t v, n;
	uint64_t w;
	size_t off;
	int r;

	for (off = 0; off < m->info_len; off += 4) {
		text_add(t, " info@%zu", off);
		r = mbim_get_u32(m->info, m->info_len, off, &v);
		if (r)
			text_add(t, " u32 %s", ret(r));
		else
			text_add(t, " u32=%u", v);
		r = mbim_get_u64(m->info, m->info_len, off, &w);
		if (!r)
			text_add(t, " u64=%llu", (unsigned long long)w);
		r = mbim_get_ol(m->info, m->info_len, off, &p, &n);
		if (!r && p)
			text_add(t, " ol=%td+%u", p - m->info, n);
		r = mbim_get_str(m->info, m->info_len, off, s, sizeof(s));
		if (r > 0)
			text_add(t, " str=\"%s\"", s);
		text_add(t, "\n");
	}
	if (m->info_len % 4) {
		text_add(t, " info tail ");
		text_hex(t, m->info + m->info_len / 4 * 4, m->info_len % 4);
		text_add(t, "\n");
	}
}

/* mbim_redact writes: run it on a copy at the same alignment as msg and list what changed. */
static void mbim_text_redact(const uint8_t *msg, size_t len, struct text *t)
{
	static uint8_t copy[sizeof(((struct vec *)0)->b) + 8];
	uint8_t *c = copy + ((uintptr_t)msg & 7);
	int r;

	if (len > sizeof(copy) - 8)
		return;
	memcpy(c, msg, len);
	r = mbim_redact(c, len);
	text_add(t, "redact %d:", r);
	for (size_t i = 0; i < len; i++)
		if (c[i] != msg[i])
			text_add(t, " %zu", i);
	text_add(t, "\n");
}

static void mbim_text_msg(const uint8_t *b, size_t have, const struct mbim_msg *m, struct text *t)
{
	uint32_t st = 0xdeadbeef;
	int r;

	text_add(t, "len=%u type=0x%08x tid=%u frag=%u/%u frame_len=%s\n", m->len, m->type, m->tid,
		 m->current, m->total, ret(mbim_frame_len(b, have)));
	text_add(t, "service=%u uuid=", m->service);
	if (m->uuid)
		text_hex(t, m->uuid, 16);
	text_add(t, " cid=%u cmd_type=%u status=%u max_xfer=%u info_len=%u info_at=%td\n", m->cid,
		 m->cmd_type, m->status, m->max_xfer, m->info_len, m->info ? m->info - b : -1);
	r = mbim_result(m, &st);
	text_add(t, "result %s status 0x%08x\n", ret(r), st);
	if (m->info) {
		mbim_text_decoder(m, t);
		mbim_text_info(m, t);
	}
}

static int decode_mbim(const uint8_t *buf, size_t len, struct text *t)
{
	static uint8_t fbuf[MBIM_MSG_MAX];
	static struct mbim_frag f;
	const uint8_t *whole;
	struct mbim_msg m, w;
	size_t pos = 0;
	int r, first = 0;

	mbim_frag_init(&f, fbuf, sizeof(fbuf));
	while (pos < len) {
		r = mbim_parse(buf + pos, len - pos, &m);
		if (!pos) {
			first = r < 0 ? r : 0;
			text_add(t, "%s\n", r < 0 ? "REJECTED" : "OK");
		}
		text_add(t, "msg@%zu parse %s\n", pos, ret(r));
		if (r < 0) {
			text_add(t, "rest ");
			text_hex(t, buf + pos, len - pos);
			text_add(t, "\n");
			break;
		}
		mbim_text_msg(buf + pos, len - pos, &m, t);
		mbim_text_redact(buf + pos, (size_t)r, t);
		r = mbim_frag_add(&f, buf + pos, len - pos, &whole);
		text_add(t, "frag_add %s%s dropped %lu\n", ret(r), whole == buf + pos ? " (itself)" : "",
			 f.dropped);
		if (r > 0 && whole == fbuf && mbim_parse(fbuf, (size_t)r, &w) == r) {
			text_add(t, "reassembled:\n");
			mbim_text_msg(fbuf, (size_t)r, &w, t);
		}
		pos += m.len;
	}
	return first;
}

/* ---- DHCP: IP/UDP checks and checksums, the BOOTP fields, every option, the lease, udhcpc's
 * script environment ---- */

static void text_lease(struct text *t, const struct dhcp_lease *l)
{
	text_ip4(t, "addr", l->addr);
	text_ip4(t, "mask", l->mask);
	text_ip4(t, "server", l->server);
	text_ip4(t, "siaddr", l->siaddr);
	text_add(t, " prefix=%u router=%d brd=%d classless=%d", l->prefix, l->has_router,
		 l->has_brd, l->has_classless);
	text_ip4(t, "router", l->router);
	text_ip4(t, "brd", l->brd);
	text_add(t, "\n mtu=%u lease=%u t1=%llu t2=%llu warn=0x%x domain=\"%s\" dns=%u:", l->mtu,
		 l->lease_s, (unsigned long long)l->t1_ms, (unsigned long long)l->t2_ms, l->warn,
		 l->domain, l->n_dns);
	for (int i = 0; i < DHCP_MAX_DNS; i++)
		text_ip4(t, "", l->dns[i]);
	text_add(t, "\n routes=%u:", l->n_routes);
	for (int i = 0; i < DHCP_MAX_ROUTES; i++) {
		text_ip4(t, "", l->routes[i].dst);
		text_add(t, "/%u", l->routes[i].prefix);
		text_ip4(t, "via", l->routes[i].gw);
	}
	text_add(t, "\n");
}

static void text_bootp(struct text *t, const struct dhcp_msg *m)
{
	size_t n;
	const uint8_t *v;

	text_add(t, "op=%u htype=%u hlen=%u type=%u xid=0x%08x secs=%u flags=0x%04x", m->op,
		 m->htype, m->hlen, m->type, m->xid, m->secs, m->flags);
	text_ip4(t, "ciaddr", m->ciaddr);
	text_ip4(t, "yiaddr", m->yiaddr);
	text_ip4(t, "siaddr", m->siaddr);
	text_ip4(t, "giaddr", m->giaddr);
	text_add(t, "\nchaddr=");
	text_hex(t, m->chaddr, sizeof(m->chaddr));
	text_add(t, "\nsname=");
	text_hex(t, m->sname, sizeof(m->sname));
	text_add(t, "\nfile=");
	text_hex(t, m->file, sizeof(m->file));
	text_add(t, "\noverload=%u\n", m->opts.overload);
	for (unsigned int c = 0; c < 256; c++) {
		if (!dhcp_opt_has(&m->opts, (uint8_t)c))
			continue;
		v = dhcp_opt(&m->opts, (uint8_t)c, &n);
		text_add(t, "opt %u len %zu ", c, n);
		if (v)
			text_hex(t, v, n);
		text_add(t, "\n");
	}
}

static int decode_dhcp(const uint8_t *buf, size_t len, struct text *t)
{
	static struct dhcp_msg m;
	static struct dhcp_lease l;
	static char env[DHCP_ENV_MAX];
	static char *envp[DHCP_ENV_VARS];
	uint8_t src[4] = {0};
	size_t ihl, ulen, plen = 0;
	uint32_t pseudo;
	int r, n, reason = -1;

	r = dhcp_ip_udp_parse(buf, len, false, src, &plen);
	text_add(t, "ip_udp %s plen %zu", ret(r), plen);
	text_ip4(t, "src", src);
	r = dhcp_ip_udp_parse(buf, len, true, src, &plen);
	text_add(t, "\nip_udp skipping the udp checksum %s plen %zu", ret(r), plen);
	text_ip4(t, "src", src);
	text_add(t, "\n");
	if (len < DHCP_IPUDP_LEN || buf[0] >> 4 != 4) {
		text_add(t, "not an IPv4 datagram\n");
		return -EPROTO;
	}
	/* Client messages (68 -> 67) are not replies, and dhcp_ip_udp_parse says -ENOMSG: find
	 * their payload here (IPv4 IHL, UDP length: RFC 791, RFC 768). */
	ihl = (size_t)(buf[0] & 15) * 4;
	if (ihl < 20 || ihl + 8 > len) {
		text_add(t, "bad ihl %zu\n", ihl);
		return -EPROTO;
	}
	ulen = MIN((size_t)get_be16(buf + ihl + 4), len - ihl);
	/* the UDP pseudo-header: source, destination, zero, protocol 17, UDP length (RFC 768) */
	pseudo = dhcp_csum_add(0, buf + 12, 8) + 17 + (uint32_t)ulen;
	text_add(t, "ip csum 0x%04x udp csum 0x%04x (ulen %zu)\n", dhcp_csum(0, buf, ihl),
		 dhcp_csum(pseudo, buf + ihl, ulen), ulen);
	if (ulen < 8) {
		text_add(t, "bad udp length\n");
		return -EPROTO;
	}
	memset(&m, 0, sizeof(m));
	r = dhcp_msg_parse(&m, buf + ihl + 8, ulen - 8);
	memcpy(m.src, buf + 12, 4);
	text_add(t, "msg %s\n", ret(r));
	text_bootp(t, &m);
	if (!r && (m.type == DHCPOFFER || m.type == DHCPACK)) {
		text_add(t, "lease %s", ret(dhcp_lease_parse(&m, &l, &reason)));
		text_add(t, " reason %d\n", reason);
		text_lease(t, &l);
	}
	n = dhcp_env(r ? NULL : &m, "wwan0", env, sizeof(env), envp, ARRAY_SIZE(envp));
	text_add(t, "env %s\n", ret(n));
	for (size_t i = 0; i < ARRAY_SIZE(envp) && envp[i]; i++)
		text_add(t, " %s\n", envp[i]);
	return r;
}

/* ---- the codecs ---- */

struct codec;
static int load_vectors_file(const struct codec *c, struct vec *v, int max);
static int load_hex_dir(const struct codec *c, struct vec *v, int max);

/* A new codec: its decode function above, then one line here (its first text line is compared
 * with the verdict line when the file has one: libqmi's "OK (...)", libmbim's "OK"). */
static const struct codec {
	const char *name;
	const char *file;	 /* in VECTORS_DIR; for load_hex_dir a directory of .hex files */
	const char *env;	 /* overrides the path, as in the codec's own test */
	char prefix;		 /* record ids: [Q01] */
	const char *verdict_key; /* the reference library's verdict line */
	int count;		 /* records (files) there are: fewer is a failure */
	bool enabled;		 /* the codec's CFG_CORE_X */
	int (*decode)(const uint8_t *buf, size_t len, struct text *t);
	int (*load)(const struct codec *c, struct vec *v, int max);
	const char *probe; /* the frame of the sees-every-byte case, */
	int probe_from;	   /* and the first byte it flips */
} codecs[] = {
	{"qmi", "qmi_vectors.txt", "QMI_VECTORS", 'Q', "libqmi-1.32.2:", 42, CFG_CORE_QMI,
	 CFG_CORE_QMI ? decode_qmi : NULL, load_vectors_file, "Q04", 1},
	{"mbim", "mbim_vectors.txt", "MBIM_VECTORS", 'M', "libmbim-1.28.2:", 27, CFG_CORE_MBIM,
	 CFG_CORE_MBIM ? decode_mbim : NULL, load_vectors_file, "M06", 0},
	{"dhcp", DHCP_DIR, "DHCP_CAPTURES", 0, NULL, 4, CFG_CORE_DHCP,
	 CFG_CORE_DHCP ? decode_dhcp : NULL, load_hex_dir, "udhcpc-dnsmasq-4-ack.hex", 0},
};

static struct vec vecs[MAX_VECS];
static char names[MAX_VECS][256]; /* vecs[i]'s id, or its file name */

static int load_vectors_file(const struct codec *c, struct vec *v, int max)
{
	char path[512];
	int n;

	snprintf(path, sizeof(path), "%s/%s", VECTORS_DIR, c->file);
	n = vec_load(c->env, path, c->prefix, c->verdict_key, v, max);
	for (int i = 0; i < n; i++)
		snprintf(names[i], sizeof(names[i]), "%s", v[i].id);
	return n;
}

/* One capture: '#' lines are comments (the provenance; one states "N bytes"), the rest hex
 * bytes separated by blanks. Returns the length, -1 if unreadable or not the stated size. */
static long load_hex_file(const char *path, struct vec *v)
{
	char line[4096];
	long stated = -1;
	FILE *f = fopen(path, "r");

	memset(v, 0, sizeof(*v));
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " bytes");

		if (line[0] == '#') {
			while (p && p > line && p[-1] >= '0' && p[-1] <= '9')
				p--;
			if (p && stated < 0 && *p != ' ')
				stated = strtol(p, NULL, 10);
			continue;
		}
		v->len += vec_unhex(line, v->b + v->len, sizeof(v->b) - v->len);
	}
	fclose(f);
	if (stated >= 0 && stated != (long)v->len) {
		fprintf(stderr, "%s: %zu bytes, its comment says %ld\n", path, v->len, stated);
		return -1;
	}
	return (long)v->len;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_hex(const struct dirent *e)
{
	size_t l = strlen(e->d_name);

	return l > 4 && !strcmp(e->d_name + l - 4, ".hex");
}

/* Every .hex file of the directory (or $env), in name order. */
static int load_hex_dir(const struct codec *c, struct vec *v, int max)
{
	const char *dir = getenv(c->env) ? getenv(c->env) : c->file;
	struct dirent **e;
	char path[512];
	int i, n = scandir(dir, &e, is_hex, by_name), got = 0;

	if (n < 0) {
		fprintf(stderr, "cannot read %s (run from the repo root, or set %s)\n", dir, c->env);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (got < max) {
			snprintf(path, sizeof(path), "%s/%s", dir, e[i]->d_name);
			snprintf(names[got], sizeof(names[got]), "%s", e[i]->d_name);
			if (load_hex_file(path, &v[got]) < 0)
				v[got].len = 0; /* check_codec fails on it */
			got++;
		}
		free(e[i]);
	}
	free(e);
	return got;
}

/* The decoded first line against the file's verdict. A rejection may come with the reference
 * library's reason ("libqmi: REJECTED (Marker is incorrect ...)"): a decoded line ending in
 * REJECTED need only start it. */
static bool verdict_matches(const char *verdict, const char *first_line, size_t n)
{
	if (n >= 8 && !strncmp(first_line + n - 8, "REJECTED", 8))
		return !strncmp(verdict, first_line, n);
	return strlen(verdict) == n && !strncmp(verdict, first_line, n);
}

/* Host byte order: the text at offset 0 must be the one x86_64 (little-endian) produced, whose
 * FNV-1a digests are below; the comparison across offsets alone would not see a field read in
 * host order, which is wrong at every offset alike on big-endian MIPS. The values themselves are
 * checked by the codecs' own tests (test_qmi.c, test_mbim_msg.c, test_dhcp.c) on x86_64. When a
 * decoder's output changes on purpose, run ALIGN_DIGESTS=1 build/tests/test_align on x86_64 and
 * paste the lines it prints to stderr. */
static const struct {
	const char *codec, *vec;
	uint64_t digest;
} digests[] = {
	{"qmi", "Q01", 0xa8d2c2d7427bcef5ull},
	{"qmi", "Q02", 0xf21ebc3a52a66fe5ull},
	{"qmi", "Q03", 0xdd1c6290c4ba2f4eull},
	{"qmi", "Q04", 0xb1d0ad44fcc39554ull},
	{"qmi", "Q05", 0xd05effba242a7d2bull},
	{"qmi", "Q06", 0x1ef1093efb18f55dull},
	{"qmi", "Q07", 0x75a87a5d75370217ull},
	{"qmi", "Q08", 0xa2f284a59bb0054dull},
	{"qmi", "Q09", 0xde281e09e271b278ull},
	{"qmi", "Q10", 0x8ae90b04a6994664ull},
	{"qmi", "Q11", 0x38b061e67494c4b0ull},
	{"qmi", "Q12", 0x0352ab76eff7db85ull},
	{"qmi", "Q13", 0xc5619147a7ccbde3ull},
	{"qmi", "Q14", 0x8c4fab4ccb3b4558ull},
	{"qmi", "Q15", 0xf93e45db51e583c5ull},
	{"qmi", "Q16", 0xc9786024642bed58ull},
	{"qmi", "Q17", 0x77eda8f64de7d9feull},
	{"qmi", "Q18", 0x8bac3930255d1fdfull},
	{"qmi", "Q19", 0xb88bb58968ae8cc9ull},
	{"qmi", "Q20", 0x06c2c8c451c57499ull},
	{"qmi", "Q21", 0x1911a612a2bb715bull},
	{"qmi", "Q22", 0xf4bcab82b56374f5ull},
	{"qmi", "Q23", 0xeafe91b4049e7da6ull},
	{"qmi", "Q24", 0x07fd8dccc06da4bdull},
	{"qmi", "Q25", 0x07fd8dccc06da4bdull},
	{"qmi", "Q26", 0x1883a4c3b7a0d433ull},
	{"qmi", "Q27", 0x431d7547002d33acull},
	{"qmi", "Q28", 0xacbdda5a5c1d8ca9ull},
	{"qmi", "Q29", 0x5f6eb535813d8adbull},
	{"qmi", "Q30", 0x2fc9f3fdf41e6e3cull},
	{"qmi", "Q31", 0xa12018ea2d61326eull},
	{"qmi", "Q32", 0x75e3946d5f818e62ull},
	{"qmi", "Q33", 0xc2fdfec3780e5389ull},
	{"qmi", "Q34", 0xb5289548334db3d0ull},
	{"qmi", "Q35", 0xc395830cf5e68454ull},
	{"qmi", "Q36", 0xb9f51d67f454524aull},
	{"qmi", "Q37", 0x7f918753aab1eb4full},
	{"qmi", "Q38", 0x0f9eb23eb9ee1e6eull},
	{"qmi", "Q39", 0x56f882ebba3b57ceull},
	{"qmi", "Q40", 0x365e2d4a83eb8239ull},
	{"qmi", "Q41", 0x74cae016603011b2ull},
	{"qmi", "Q42", 0x997643b7f3895525ull},
	{"mbim", "M01", 0x33f3a4b2032876e7ull},
	{"mbim", "M02", 0x79389c1817202aa8ull},
	{"mbim", "M03", 0xdd62f8fdd80bf5cfull},
	{"mbim", "M04", 0xb6687fb67f22d125ull},
	{"mbim", "M05", 0x1650b1627752ba9eull},
	{"mbim", "M06", 0xb90c2622a46a86b8ull},
	{"mbim", "M07", 0xd53d7a5705577978ull},
	{"mbim", "M08", 0xfbaf18690856ed9aull},
	{"mbim", "M09", 0x7dcf9124aaafb579ull},
	{"mbim", "M10", 0x657e70a6826d5a0aull},
	{"mbim", "M11", 0x11b93bdbf24fa013ull},
	{"mbim", "M12", 0x111968df52d515ffull},
	{"mbim", "M13", 0x25ce604d3818892bull},
	{"mbim", "M14", 0x507f4af74027d7acull},
	{"mbim", "M15", 0x26c92c98629d6f7full},
	{"mbim", "M16", 0x3d059eef7e71ebdcull},
	{"mbim", "M17", 0xed4eb663696af057ull},
	{"mbim", "M18", 0xb1650338b545c8aaull},
	{"mbim", "M19", 0x70384c1f9a4c3a72ull},
	{"mbim", "M20", 0xefbdab621e84d828ull},
	{"mbim", "M21", 0xdd787e6c0b946c8full},
	{"mbim", "M22", 0xfdd8b22bbcefd1c2ull},
	{"mbim", "M23", 0x4d38218266c545b2ull},
	{"mbim", "M24", 0x69d9e4d2af968d30ull},
	{"mbim", "M25", 0x414e0ba10f4c36bcull},
	{"mbim", "M26", 0x60d3126eaf2e1d20ull},
	{"mbim", "M27", 0x6c7d05a3ead121d3ull},
	{"dhcp", "udhcpc-dnsmasq-1-discover.hex", 0x79e02d4274b3c866ull},
	{"dhcp", "udhcpc-dnsmasq-2-offer.hex", 0x008ebe0b7ce0a2c4ull},
	{"dhcp", "udhcpc-dnsmasq-3-request.hex", 0xc02b0b121f9c2404ull},
	{"dhcp", "udhcpc-dnsmasq-4-ack.hex", 0x90ad31f9a90046ddull},
};

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void check_digest(const struct codec *c, const char *vec, const struct text *t)
{
	uint64_t h = fnv1a64(t->s);
	size_t i;

	if (getenv("ALIGN_DIGESTS"))
		fprintf(stderr, "\t{\"%s\", \"%s\", 0x%016llxull},\n", c->name, vec,
			(unsigned long long)h);
	for (i = 0; i < ARRAY_SIZE(digests); i++)
		if (!strcmp(digests[i].codec, c->name) && !strcmp(digests[i].vec, vec))
			break;
	if (i < ARRAY_SIZE(digests) && digests[i].digest == h)
		return;
	fprintf(stderr, "%s %s: %s (digest 0x%016llx); the text:\n%s\n", c->name, vec,
		i < ARRAY_SIZE(digests) ? "decodes differently from x86_64 (host byte order?)"
					: "no x86_64 digest in test_align.c",
		(unsigned long long)h, t->s);
	t_case_failed = 1;
}

static void check_codec(const struct codec *c)
{
	static uint8_t buf[sizeof(vecs[0].b) + 8];
	static struct text t0, tk;
	int i, k, n;

	n = c->load(c, vecs, MAX_VECS);
	CHECK_EQ(n, c->count);
	for (i = 0; i < n; i++) {
		const struct vec *v = &vecs[i];
		int r0, rk;
		size_t line;

		CHECK(v->len > 0);
		memset(&t0, 0, sizeof(t0));
		memcpy(buf, v->b, v->len);
		r0 = c->decode(buf, v->len, &t0);
		if (t0.n >= sizeof(t0.s) - 1) {
			fprintf(stderr, "%s %s: its text outgrows TEXT_MAX\n", c->name, names[i]);
			t_case_failed = 1;
		}
		check_digest(c, names[i], &t0);
		line = strcspn(t0.s, "\n");
		if (v->verdict[0] && !verdict_matches(v->verdict, t0.s, line)) {
			fprintf(stderr, "%s %s: decoded \"%.*s\", the file says \"%s\"\n", c->name,
				names[i], (int)line, t0.s, v->verdict);
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
				names[i], k, rk, r0);
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

/* The decode function sees the frame: flipping a bit in any byte of a real frame (from
 * probe_from on: Q04, CTL Allocate CID response after its marker; M06, a device caps response;
 * the dnsmasq ACK) changes its text, so the comparison across offsets cannot pass by decoding
 * nothing. */
static void test_decode_sees_every_byte(void)
{
	static struct text a, b;
	static uint8_t m[sizeof(vecs[0].b)];
	const struct vec *v = NULL;
	int n, i, changed = 0;

	if (!cur->enabled)
		SKIP("the codec is not part of this configuration");
	n = cur->load(cur, vecs, MAX_VECS);
	for (i = 0; i < n; i++)
		if (!strcmp(names[i], cur->probe))
			v = &vecs[i];
	CHECK(v && v->len > 0);
	if (!v || !v->len)
		return;
	memset(&a, 0, sizeof(a));
	cur->decode(v->b, v->len, &a);
	for (i = cur->probe_from; i < (int)v->len; i++) {
		memcpy(m, v->b, v->len);
		m[i] ^= 0x10;
		memset(&b, 0, sizeof(b));
		cur->decode(m, v->len, &b);
		if (!strcmp(a.s, b.s))
			fprintf(stderr, "%s %s: flipping byte %d changes nothing\n", cur->name,
				cur->probe, i);
		else
			changed++;
	}
	CHECK_EQ(changed, (int)v->len - cur->probe_from);
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
	static char name[64];
	size_t i;

	RUN(test_bytes_every_offset);
	for (i = 0; i < ARRAY_SIZE(codecs); i++) { /* one case per codec */
		cur = &codecs[i];
		snprintf(name, sizeof(name), "%s_every_vector_at_offsets_0_to_7", cur->name);
		t_run(name, test_codec);
	}
	for (i = 0; i < ARRAY_SIZE(codecs); i++) {
		cur = &codecs[i];
		snprintf(name, sizeof(name), "%s_decode_sees_every_byte", cur->name);
		t_run(name, test_decode_sees_every_byte);
	}
	RUN(test_every_vectors_file_has_a_codec);
	return t_done();
}
