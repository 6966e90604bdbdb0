/* qmi.c - QMUX/QMI framing, TLV reader/writer, result and error names.
 *
 * Facts: libqmi qmi-message.c (header layout, flags), notes/vectors.md §1 (what the vectors pin
 * down: 1-byte CTL tid, lenient QMUX flags, descending TLV order of libqmi's encoder).
 */
#include "wwanbox.h"
#include "qmi.h"

#define QMUX_HDR 6 /* marker, u16 length, flags, service, client id */
#define CTL_HDR 6  /* flags, u8 tid, u16 msg id, u16 TLV-block length */
#define SVC_HDR 7  /* flags, u16 tid, u16 msg id, u16 TLV-block length */
#define TLV_HDR 3

/* SDU flags (libqmi qmi-message.c QMI_CTL_FLAG_* / QMI_SERVICE_FLAG_*) */
#define CTL_FLAG_RSP 0x01
#define CTL_FLAG_IND 0x02
#define SVC_FLAG_RSP 0x02
#define SVC_FLAG_IND 0x04
#define QMUX_FROM_MODEM 0x80

static size_t sdu_hdr(uint8_t service)
{
	return service == QMI_SVC_CTL ? CTL_HDR : SVC_HDR;
}

int qmi_frame_len(const uint8_t *buf, size_t have)
{
	size_t len;

	if (!have)
		return 0;
	if (buf[0] != QMI_MARKER)
		return -EPROTO;
	if (have < 3)
		return 0;
	len = 1 + (size_t)get_le16(buf + 1);
	return len < QMI_FRAME_MIN ? -EPROTO : (int)len;
}

/* Every TLV must lie inside the block: after this, lookups trust the structure. */
static int check_tlvs(const uint8_t *p, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		if (len - pos < TLV_HDR)
			return -EPROTO;
		if (get_le16(p + pos + 1) > len - pos - TLV_HDR)
			return -EPROTO;
		pos += TLV_HDR + get_le16(p + pos + 1);
	}
	return 0;
}

static uint8_t sdu_type(uint8_t service, uint8_t flags)
{
	if (service == QMI_SVC_CTL)
		return flags & CTL_FLAG_IND ? QMI_IND : flags & CTL_FLAG_RSP ? QMI_RSP : QMI_REQ;
	return flags & SVC_FLAG_IND ? QMI_IND : flags & SVC_FLAG_RSP ? QMI_RSP : QMI_REQ;
}

int qmi_parse(const uint8_t *buf, size_t len, struct qmi_msg *m)
{
	int flen = qmi_frame_len(buf, len);
	const uint8_t *sdu = buf + QMUX_HDR;
	size_t hdr, room;

	memset(m, 0, sizeof(*m));
	if (flen <= 0 || (size_t)flen > len)
		return -EPROTO;
	m->qmux_flags = buf[3];
	m->service = buf[4];
	m->client_id = buf[5];
	hdr = sdu_hdr(m->service);
	room = (size_t)flen - QMUX_HDR;
	if (room < hdr)
		return -EPROTO;
	m->sdu_flags = sdu[0];
	m->type = sdu_type(m->service, sdu[0]);
	if (m->service == QMI_SVC_CTL) {
		m->tid = sdu[1];
		m->msg_id = get_le16(sdu + 2);
	} else {
		m->tid = get_le16(sdu + 1);
		m->msg_id = get_le16(sdu + 3);
	}
	m->tlv_len = get_le16(sdu + hdr - 2);
	m->tlv = sdu + hdr;
	if (m->tlv_len > room - hdr || check_tlvs(m->tlv, m->tlv_len))
		return -EPROTO;
	m->frame_len = (size_t)flen;
	return flen;
}

int qmi_tlv_next(const struct qmi_msg *m, size_t *pos, uint8_t *type, const uint8_t **val,
		 uint16_t *len)
{
	size_t p = *pos;
	uint16_t l;

	if (p >= m->tlv_len || m->tlv_len - p < TLV_HDR)
		return 0;
	l = get_le16(m->tlv + p + 1);
	if (l > m->tlv_len - p - TLV_HDR)
		return 0;
	*type = m->tlv[p];
	*val = m->tlv + p + TLV_HDR;
	*len = l;
	*pos = p + TLV_HDR + l;
	return 1;
}

int qmi_tlv_find(const struct qmi_msg *m, uint8_t type, const uint8_t **val, uint16_t *len)
{
	size_t pos = 0;
	uint8_t t;

	while (qmi_tlv_next(m, &pos, &t, val, len))
		if (t == type)
			return 0;
	*val = NULL;
	*len = 0;
	return -ENOENT;
}

int qmi_tlv_str(const struct qmi_msg *m, uint8_t type, char *dst, size_t size)
{
	const uint8_t *v;
	uint16_t len;
	size_t n = 0;

	if (!size)
		return -EINVAL;
	dst[0] = 0;
	if (qmi_tlv_find(m, type, &v, &len))
		return -ENOENT;
	/* real devices append TAB (Quectel EM12), NUL (Sierra) or CR LF (LOC NMEA):
	 * vectors Q11, Q20, Q19 */
	while (n < len && n + 1 < size && v[n]) {
		dst[n] = v[n] < 0x20 || v[n] == 0x7f ? '?' : (char)v[n];
		if (v[n] == '\t' || v[n] == '\r' || v[n] == '\n')
			dst[n] = ' ';
		n++;
	}
	while (n && dst[n - 1] == ' ')
		n--;
	dst[n] = 0;
	return (int)n;
}

int qmi_result(const struct qmi_msg *m, uint16_t *qmi_error)
{
	const uint8_t *v;
	uint16_t len;

	if (qmi_tlv_find(m, QMI_TLV_RESULT, &v, &len) || len < 4)
		return -EPROTO;
	if (qmi_error)
		*qmi_error = get_le16(v + 2);
	return get_le16(v) ? -EREMOTEIO : 0;
}

bool qmi_is(const struct qmi_msg *m, uint8_t service, uint16_t msg_id, enum qmi_type type)
{
	return m->service == service && m->msg_id == msg_id && m->type == type;
}

bool qmi_matches(const struct qmi_msg *m, uint8_t service, uint8_t cid, uint16_t tid,
		 uint16_t msg_id)
{
	return qmi_is(m, service, msg_id, QMI_RSP) && m->client_id == cid && m->tid == tid;
}

int qmi_check(const struct qmi_msg *m, uint8_t service, uint16_t msg_id, uint16_t *qmi_error)
{
	if (!qmi_is(m, service, msg_id, QMI_RSP))
		return -EBADMSG;
	return qmi_result(m, qmi_error);
}

/* Error texts: libqmi qmi-errors.h (QmiProtocolError descriptions; uqmi prints the same words and
 * netifd's qmi.sh greps for "UIM uninitialized", "Not supported", "Invalid QMI command").
 * Packed as <code byte><text>\0 to avoid a pointer per entry. */
/* clang-format off */
static const char qmi_errors[] =
	"\x01" "Malformed message\0" "\x02" "No memory\0" "\x03" "Internal\0"
	"\x04" "Aborted\0" "\x05" "Client IDs exhausted\0" "\x07" "Invalid client ID\0"
	"\x09" "Invalid handle\0" "\x0a" "Invalid profile\0" "\x0b" "Invalid PIN ID\0"
	"\x0c" "Incorrect PIN\0" "\x0d" "No network found\0" "\x0e" "Call failed\0"
	"\x0f" "Out of call\0" "\x10" "Not provisioned\0" "\x11" "Missing argument\0"
	"\x13" "Argument too long\0" "\x16" "Invalid transaction ID\0" "\x17" "Device in use\0"
	"\x18" "Network unsupported\0" "\x19" "Device unsupported\0" "\x1a" "No effect\0"
	"\x1b" "No free profile\0" "\x1c" "Invalid PDP type\0"
	"\x1d" "Invalid technology preference\0" "\x1e" "Invalid profile type\0"
	"\x1f" "Invalid service type\0" "\x20" "Invalid register action\0"
	"\x21" "Invalid PS attach action\0" "\x22" "Authentication failed\0"
	"\x23" "PIN blocked\0" "\x24" "PIN always blocked\0" "\x25" "UIM uninitialized\0"
	"\x2b" "Interface not found\0" "\x2d" "Invalid data format\0" "\x2e" "General error\0"
	"\x2f" "Unknown error\0" "\x30" "Invalid argument\0" "\x31" "Invalid index\0"
	"\x32" "No entry\0" "\x34" "Device not ready\0" "\x35" "Network not ready\0"
	"\x3b" "Authentication lock\0" "\x3c" "Invalid transition\0"
	"\x40" "Invalid IP family preference\0" "\x41" "Session inactive\0"
	"\x42" "Session invalid\0" "\x43" "Session ownership\0" "\x44" "Insufficient resources\0"
	"\x45" "Disabled\0" "\x46" "Invalid operation\0" "\x47" "Invalid QMI command\0"
	"\x4a" "Information unavailable\0" "\x50" "SIM file not found\0"
	"\x51" "Extended internal error\0" "\x52" "Access denied\0" "\x53" "Hardware restricted\0"
	"\x5a" "Incompatible state\0" "\x5d" "No radio\0" "\x5e" "Not supported\0"
	"\x5f" "No subscription\0" "\x64" "Invalid session type\0" "\x66" "No SIM\0"
	"\x68" "PIN restriction\0" "\x69" "PIN2 restriction\0" "\x6a" "PUK restriction\0"
	"\x6b" "PUK2 restriction\0" "\x73" "No permission\0" "\x74" "Too soon\0"
	"\x76" "Operation in progress\0";
/* clang-format on */

const char *qmi_strerror(uint16_t qmi_error)
{
	const char *p = qmi_errors;

	while (*p) {
		if ((uint8_t)*p == qmi_error)
			return p + 1;
		p += strlen(p) + 1;
	}
	return NULL;
}

/* Builder */

static bool room(struct qmi_builder *b, size_t n)
{
	if (b->err)
		return false;
	if (n > b->size - b->len) {
		b->err = -EMSGSIZE;
		return false;
	}
	return true;
}

int qmi_build(struct qmi_builder *b, uint8_t *buf, size_t size, uint8_t service, uint8_t cid,
	      uint16_t tid, uint16_t msg_id, enum qmi_type type)
{
	static const uint8_t flags[2][3] = {{0, SVC_FLAG_RSP, SVC_FLAG_IND},
					    {0, CTL_FLAG_RSP, CTL_FLAG_IND}};
	uint8_t *sdu = buf + QMUX_HDR;
	bool ctl = service == QMI_SVC_CTL;

	b->buf = buf;
	b->size = size;
	b->hdr = b->len = QMUX_HDR + sdu_hdr(service);
	b->tlv_at = 0;
	b->err = 0;
	if (size < b->hdr || type > QMI_IND) {
		b->len = 0;
		return b->err = size < b->hdr ? -EMSGSIZE : -EINVAL;
	}
	buf[0] = QMI_MARKER;
	buf[3] = type == QMI_REQ ? 0 : QMUX_FROM_MODEM;
	buf[4] = service;
	buf[5] = cid;
	sdu[0] = flags[ctl][type];
	if (ctl)
		sdu[1] = (uint8_t)tid;
	else
		put_le16(sdu + 1, tid);
	put_le16(sdu + (ctl ? 2 : 3), msg_id);
	return 0;
}

void qmi_tlv_begin(struct qmi_builder *b, uint8_t type)
{
	if (b->tlv_at && !b->err)
		b->err = -EINVAL;
	if (!room(b, TLV_HDR))
		return;
	b->tlv_at = b->len + 1;
	b->buf[b->len] = type;
	b->len += TLV_HDR;
}

void qmi_add(struct qmi_builder *b, const void *data, size_t len)
{
	if (!room(b, len))
		return;
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
}

void qmi_add_u8(struct qmi_builder *b, uint8_t v)
{
	qmi_add(b, &v, 1);
}

void qmi_add_u16(struct qmi_builder *b, uint16_t v)
{
	uint8_t le[2];

	put_le16(le, v);
	qmi_add(b, le, sizeof(le));
}

void qmi_add_u32(struct qmi_builder *b, uint32_t v)
{
	uint8_t le[4];

	put_le32(le, v);
	qmi_add(b, le, sizeof(le));
}

void qmi_tlv_end(struct qmi_builder *b)
{
	size_t at = b->tlv_at - 1, len;

	if (b->err)
		return;
	if (!b->tlv_at) {
		b->err = -EINVAL;
		return;
	}
	len = b->len - at - TLV_HDR;
	b->tlv_at = 0;
	if (len > 0xffff)
		b->err = -EMSGSIZE;
	else
		put_le16(b->buf + at + 1, (uint16_t)len);
}

void qmi_put_tlv(struct qmi_builder *b, uint8_t type, const void *val, size_t len)
{
	qmi_tlv_begin(b, type);
	qmi_add(b, val, len);
	qmi_tlv_end(b);
}

void qmi_put_u8(struct qmi_builder *b, uint8_t type, uint8_t v)
{
	qmi_put_tlv(b, type, &v, 1);
}

void qmi_put_u16(struct qmi_builder *b, uint8_t type, uint16_t v)
{
	qmi_tlv_begin(b, type);
	qmi_add_u16(b, v);
	qmi_tlv_end(b);
}

void qmi_put_u32(struct qmi_builder *b, uint8_t type, uint32_t v)
{
	qmi_tlv_begin(b, type);
	qmi_add_u32(b, v);
	qmi_tlv_end(b);
}

void qmi_put_str(struct qmi_builder *b, uint8_t type, const char *s)
{
	if (s)
		qmi_put_tlv(b, type, s, strlen(s));
}

void qmi_put_result(struct qmi_builder *b, uint16_t qmi_error)
{
	qmi_tlv_begin(b, QMI_TLV_RESULT);
	qmi_add_u16(b, qmi_error ? 1 : 0); /* status: 0 success, 1 failure */
	qmi_add_u16(b, qmi_error);
	qmi_tlv_end(b);
}

int qmi_finish(struct qmi_builder *b)
{
	if (!b->err && b->tlv_at)
		b->err = -EINVAL;
	if (!b->err && (b->len - 1 > 0xffff || b->len - b->hdr > 0xffff))
		b->err = -EMSGSIZE;
	if (b->err)
		return b->err;
	put_le16(b->buf + 1, (uint16_t)(b->len - 1));
	put_le16(b->buf + b->hdr - 2, (uint16_t)(b->len - b->hdr));
	return (int)b->len;
}

int qmi_empty_req(uint8_t *buf, size_t size, uint8_t service, uint8_t cid, uint16_t tid,
		  uint16_t msg_id)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, service, cid, tid, msg_id, QMI_REQ);
	return qmi_finish(&b);
}

/* Requests whose TLV carries a secret, and where in the value it starts
 * (libqmi data/qmi-service-{wds,dms,uim}.json). */
static const struct {
	uint8_t service, tlv, from;
	uint16_t msg_id;
} secrets[] = {
	{QMI_SVC_WDS, 0x18, 0, 0x0020}, /* Start Network: Password */
	{QMI_SVC_DMS, 0x01, 1, 0x0027}, /* UIM Set PIN Protection: Info {pin id, PIN} */
	{QMI_SVC_DMS, 0x01, 1, 0x0028}, /* UIM Verify PIN: Info {pin id, PIN} */
	{QMI_SVC_DMS, 0x01, 1, 0x0029}, /* UIM Unblock PIN: Info {pin id, PUK, new PIN} */
	{QMI_SVC_DMS, 0x01, 1, 0x002A}, /* UIM Change PIN: Info {pin id, old, new} */
	{QMI_SVC_UIM, 0x02, 1, 0x0025}, /* Set PIN Protection: Info {id, enabled, PIN} */
	{QMI_SVC_UIM, 0x02, 1, 0x0026}, /* Verify PIN: Info {pin id, PIN value} */
	{QMI_SVC_UIM, 0x02, 1, 0x0027}, /* Unblock PIN: Info {pin id, PUK, new PIN} */
	{QMI_SVC_UIM, 0x02, 1, 0x0028}, /* Change PIN: Info {pin id, old, new} */
};

int qmi_redact(uint8_t *frame, size_t len)
{
	struct qmi_msg m;
	const uint8_t *v;
	uint16_t l;
	size_t pos = 0, i;
	uint8_t t;
	int n = 0;

	if (qmi_parse(frame, len, &m) < 0 || m.type != QMI_REQ)
		return 0;
	while (qmi_tlv_next(&m, &pos, &t, &v, &l)) {
		for (i = 0; i < ARRAY_SIZE(secrets); i++) {
			if (secrets[i].service != m.service || secrets[i].msg_id != m.msg_id ||
			    secrets[i].tlv != t || l <= secrets[i].from)
				continue;
			memset(frame + (v - frame) + secrets[i].from, '*', l - secrets[i].from);
			n++;
		}
	}
	return n;
}
