/* mbim.c - MBIM message header, fragments, transaction matching, strings, offset/size pairs,
 * the InformationBuffer builder, status words and redaction.
 *
 * Facts: USB-IF MBIM 1.0 §9 (message layouts, fragmentation), libmbim mbim-message.c (the
 * layouts as libmbim reads and writes them), libmbim mbim-uuid.c (service UUIDs),
 * libmbim mbim-errors.h (status and protocol error codes and their nicks),
 * notes/vectors.md §2 (what the vectors pin down).
 */
#include "wwanbox.h"
#include "mbim.h"

/* Service UUIDs as they appear on the wire (libmbim mbim-uuid.c uuid_basic_connect, uuid_sms,
 * uuid_ms_basic_connect_extensions, uuid_proxy_control, uuid_qmi) */
static const uint8_t uuids[MBIM_SVC_COUNT - 1][16] = {
	{0xa2, 0x89, 0xcc, 0x33, 0xbc, 0xbb, 0x8b, 0x4f, 0xb6, 0xb0, 0x13, 0x3e, 0xc2, 0xaa, 0xe6,
	 0xdf},
	{0x53, 0x3f, 0xbe, 0xeb, 0x14, 0xfe, 0x44, 0x67, 0x9f, 0x90, 0x33, 0xa2, 0x23, 0xe5, 0x6c,
	 0x3f},
	{0x3d, 0x01, 0xdc, 0xc5, 0xfe, 0xf5, 0x4d, 0x05, 0x0d, 0x3a, 0xbe, 0xf7, 0x05, 0x8e, 0x9a,
	 0xaf},
	{0x83, 0x8c, 0xf7, 0xfb, 0x8d, 0x0d, 0x4d, 0x7f, 0x87, 0x1e, 0xd7, 0x1d, 0xbe, 0xfb, 0xb3,
	 0x9b},
	{0xd1, 0xa3, 0x0b, 0xc2, 0xf9, 0x7a, 0x6e, 0x43, 0xbf, 0x65, 0xc7, 0xe2, 0x4f, 0xb0, 0xf0,
	 0xd3},
};

const uint8_t *mbim_uuid(enum mbim_service svc)
{
	return svc > MBIM_SVC_UNKNOWN && svc < MBIM_SVC_COUNT ? uuids[svc - 1] : NULL;
}

static uint8_t service_of(const uint8_t *uuid)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(uuids); i++)
		if (!memcmp(uuid, uuids[i], 16))
			return (uint8_t)(i + 1);
	return MBIM_SVC_UNKNOWN;
}

/* ---- header ---- */

static bool fragmentable(uint32_t type)
{
	return type == MBIM_COMMAND || type == MBIM_COMMAND_DONE || type == MBIM_INDICATE_STATUS;
}

/* Shortest valid message of a type: 12 for CLOSE, 16 for the ones with one u32 after the
 * header, the full command header for fragmentable ones; 0 = unknown type. */
static size_t type_min(uint32_t type)
{
	switch (type) {
	case MBIM_CLOSE:
		return MBIM_HDR;
	case MBIM_OPEN:
	case MBIM_HOST_ERROR:
	case MBIM_OPEN_DONE:
	case MBIM_CLOSE_DONE:
	case MBIM_FUNCTION_ERROR:
		return MBIM_HDR + 4;
	case MBIM_COMMAND:
	case MBIM_COMMAND_DONE:
		return MBIM_CMD_HDR;
	case MBIM_INDICATE_STATUS:
		return MBIM_IND_HDR;
	}
	return 0;
}

/* total/current sane; the full header is needed only in a single-fragment message: libmbim's
 * own fragment vector (M19) carries 8 payload bytes in its first fragment */
static int frag_min(uint32_t type, uint32_t total, uint32_t current)
{
	if (!total || current >= total)
		return -EPROTO;
	return total > 1 ? MBIM_FRAG_HDR : (int)type_min(type);
}

long mbim_frame_len(const uint8_t *buf, size_t have)
{
	uint32_t type, len;
	int min;

	if (have < 4)
		return 0;
	type = get_le32(buf);
	if (!type_min(type))
		return -EPROTO;
	if (have < 8)
		return 0;
	len = get_le32(buf + 4);
	if (len < MBIM_HDR || len > MBIM_MSG_MAX)
		return -EPROTO;
	if (!fragmentable(type))
		return len < type_min(type) ? -EPROTO : (long)len;
	if (have < MBIM_FRAG_HDR)
		return len < MBIM_FRAG_HDR ? -EPROTO : 0;
	min = frag_min(type, get_le32(buf + 12), get_le32(buf + 16));
	return min < 0 || len < (uint32_t)min ? -EPROTO : (long)len;
}

static int parse_command(const uint8_t *buf, struct mbim_msg *m)
{
	size_t hdr = m->type == MBIM_INDICATE_STATUS ? MBIM_IND_HDR : MBIM_CMD_HDR;
	int min = frag_min(m->type, m->total, m->current);

	if (min < 0 || m->len < (uint32_t)min)
		return -EPROTO;
	if (m->total > 1 && (m->current || m->len < hdr))
		return (int)m->len; /* a fragment: identity only when the first one holds it */
	m->uuid = buf + MBIM_FRAG_HDR;
	m->service = service_of(m->uuid);
	m->cid = get_le32(buf + 36);
	if (m->type == MBIM_COMMAND)
		m->cmd_type = get_le32(buf + 40);
	else if (m->type == MBIM_COMMAND_DONE)
		m->status = get_le32(buf + 40);
	m->info_len = get_le32(buf + hdr - 4);
	if (m->total > 1)
		return (int)m->len;
	/* trailing bytes inside MessageLength are tolerated, as bytes after it are */
	if (m->info_len > m->len - hdr)
		return -EPROTO;
	m->info = buf + hdr;
	return (int)m->len;
}

int mbim_parse(const uint8_t *buf, size_t len, struct mbim_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len < MBIM_HDR)
		return -EPROTO;
	m->buf = buf;
	m->type = get_le32(buf);
	m->len = get_le32(buf + 4);
	m->tid = get_le32(buf + 8);
	m->total = 1;
	if (!type_min(m->type) || m->len > len || m->len < MBIM_HDR || m->len > MBIM_MSG_MAX)
		return -EPROTO;
	if (fragmentable(m->type)) {
		if (m->len < MBIM_FRAG_HDR)
			return -EPROTO;
		m->total = get_le32(buf + 12);
		m->current = get_le32(buf + 16);
		return parse_command(buf, m);
	}
	if (m->len < type_min(m->type))
		return -EPROTO;
	if (m->type == MBIM_OPEN)
		m->max_xfer = get_le32(buf + 12);
	else if (m->type != MBIM_CLOSE)
		m->status = get_le32(buf + 12);
	return (int)m->len;
}

bool mbim_is(const struct mbim_msg *m, uint32_t type, enum mbim_service svc, uint32_t cid)
{
	return m->info && m->type == type && m->service == svc && m->cid == cid;
}

bool mbim_matches(const struct mbim_msg *m, const struct mbim_msg *req)
{
	if (m->tid != req->tid || m->total != 1)
		return false;
	if (m->type == MBIM_FUNCTION_ERROR)
		return true;
	switch (req->type) {
	case MBIM_OPEN:
		return m->type == MBIM_OPEN_DONE;
	case MBIM_CLOSE:
		return m->type == MBIM_CLOSE_DONE;
	case MBIM_COMMAND:
		/* known services by id: req->uuid may point into a reused TX buffer */
		return m->info && m->type == MBIM_COMMAND_DONE && m->cid == req->cid &&
		       m->service == req->service &&
		       (m->service || (req->uuid && !memcmp(m->uuid, req->uuid, 16)));
	}
	return false;
}

int mbim_result(const struct mbim_msg *m, uint32_t *status)
{
	if (status)
		*status = m->status;
	switch (m->type) {
	case MBIM_FUNCTION_ERROR:
		return -ECOMM;
	case MBIM_OPEN_DONE:
	case MBIM_CLOSE_DONE:
	case MBIM_COMMAND_DONE:
		return m->status ? -EREMOTEIO : 0;
	}
	return -EBADMSG;
}

uint32_t mbim_next_tid(uint32_t *tid)
{
	if (!++*tid)
		++*tid;
	return *tid;
}

/* Packed as <code byte><nick>\0: libmbim mbim-errors.h MbimStatusError (0-38; 24 reserved) and
 * MbimProtocolError nicks, which mbimcli prints ("operation failed: NoDeviceSupport"). */
/* clang-format off */
static const char status_words[] =
	"\x01" "Busy\0" "\x02" "Failure\0" "\x03" "SimNotInserted\0" "\x04" "BadSim\0"
	"\x05" "PinRequired\0" "\x06" "PinDisabled\0" "\x07" "NotRegistered\0"
	"\x08" "ProvidersNotFound\0" "\x09" "NoDeviceSupport\0" "\x0a" "ProviderNotVisible\0"
	"\x0b" "DataClassNotAvailable\0" "\x0c" "PacketServiceDetached\0"
	"\x0d" "MaxActivatedContexts\0" "\x0e" "NotInitialized\0" "\x0f" "VoiceCallInProgress\0"
	"\x10" "ContextNotActivated\0" "\x11" "ServiceNotActivated\0"
	"\x12" "InvalidAccessString\0" "\x13" "InvalidUserNamePwd\0" "\x14" "RadioPowerOff\0"
	"\x15" "InvalidParameters\0" "\x16" "ReadFailure\0" "\x17" "WriteFailure\0"
	"\x19" "NoPhonebook\0" "\x1a" "ParameterTooLong\0" "\x1b" "StkBusy\0"
	"\x1c" "OperationNotAllowed\0" "\x1d" "MemoryFailure\0" "\x1e" "InvalidMemoryIndex\0"
	"\x1f" "MemoryFull\0" "\x20" "FilterNotSupported\0" "\x21" "DssInstanceLimit\0"
	"\x22" "InvalidDeviceServiceOperation\0" "\x23" "AuthIncorrectAuth\0"
	"\x24" "AuthSyncFailure\0" "\x25" "AuthAmfNotSet\0" "\x26" "ContextNotSupported\0";

static const char error_words[] =
	"\x01" "TimeoutFragment\0" "\x02" "FragmentOutOfSequence\0" "\x03" "LengthMismatch\0"
	"\x04" "DuplicatedTid\0" "\x05" "NotOpened\0" "\x06" "Unknown\0" "\x07" "Cancel\0"
	"\x08" "MaxTransfer\0";
/* clang-format on */

static const char *word(const char *table, uint32_t code)
{
	const char *p = table;

	while (*p) {
		if ((uint8_t)*p == code)
			return p + 1;
		p += strlen(p) + 1;
	}
	return NULL;
}

const char *mbim_strerror(uint32_t status)
{
	return word(status_words, status);
}

const char *mbim_error_str(uint32_t code)
{
	return word(error_words, code);
}

/* ---- fragments ---- */

void mbim_frag_init(struct mbim_frag *f, uint8_t *buf, size_t size)
{
	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->size = size;
}

void mbim_frag_reset(struct mbim_frag *f)
{
	if (f->len)
		f->dropped++;
	f->len = 0;
}

static int frag_fail(struct mbim_frag *f, int err)
{
	mbim_frag_reset(f);
	return err;
}

/* A first fragment starts a message (dropping one in progress); later ones must continue it in
 * order (MBIM 1.0 §9.2: out of sequence -> discard the whole message). */
static int frag_collect(struct mbim_frag *f, const struct mbim_msg *m, const uint8_t *in)
{
	size_t add = m->current ? m->len - MBIM_FRAG_HDR : m->len;

	if (!m->current) {
		mbim_frag_reset(f);
		f->type = m->type;
		f->tid = m->tid;
		f->total = m->total;
		f->next = 0;
	} else if (!f->len || m->type != f->type || m->tid != f->tid || m->total != f->total ||
		   m->current != f->next) {
		return frag_fail(f, -EPROTO);
	}
	if (add > f->size - f->len || f->len + add > MBIM_MSG_MAX)
		return frag_fail(f, -EMSGSIZE);
	memcpy(f->buf + f->len, m->current ? in + MBIM_FRAG_HDR : in, add);
	f->len += add;
	f->next++;
	return 0;
}

int mbim_frag_add(struct mbim_frag *f, const uint8_t *in, size_t len, const uint8_t **msg)
{
	struct mbim_msg m;
	int n = mbim_parse(in, len, &m), ret;

	*msg = NULL;
	if (n < 0)
		return n;
	if (m.total == 1) {
		*msg = in;
		return n;
	}
	ret = frag_collect(f, &m, in);
	if (ret || f->next < f->total)
		return ret;
	put_le32(f->buf + 4, (uint32_t)f->len);
	put_le32(f->buf + 12, 1);
	put_le32(f->buf + 16, 0);
	n = (int)f->len;
	f->len = 0;
	if (mbim_parse(f->buf, (size_t)n, &m) != n || !m.info) {
		f->dropped++;
		return -EPROTO;
	}
	*msg = f->buf;
	return n;
}

uint32_t mbim_frag_count(size_t len, uint32_t max_xfer)
{
	size_t room = max_xfer > MBIM_FRAG_HDR ? max_xfer - MBIM_FRAG_HDR : 0;

	if (!room)
		return 0;
	if (len <= max_xfer)
		return 1;
	return (uint32_t)((len - MBIM_FRAG_HDR + room - 1) / room);
}

int mbim_fragment(const uint8_t *msg, size_t len, uint32_t max_xfer, uint32_t i, uint8_t *out,
		  size_t size)
{
	uint32_t n = mbim_frag_count(len, max_xfer);
	size_t room = (size_t)max_xfer - MBIM_FRAG_HDR, from, chunk;

	if (!n || len < MBIM_HDR)
		return -EINVAL;
	if (i >= n)
		return 0;
	if (n > 1 && (len < MBIM_FRAG_HDR || !fragmentable(get_le32(msg))))
		return -EINVAL;
	from = MBIM_FRAG_HDR + (size_t)i * room;
	chunk = n == 1 ? len : MIN(room, len - from);
	if (size < (n == 1 ? len : MBIM_FRAG_HDR + chunk))
		return -EMSGSIZE;
	if (n == 1) {
		memcpy(out, msg, len);
		return (int)len;
	}
	memcpy(out, msg, MBIM_FRAG_HDR);
	memcpy(out + MBIM_FRAG_HDR, msg + from, chunk);
	put_le32(out + 4, (uint32_t)(MBIM_FRAG_HDR + chunk));
	put_le32(out + 12, n);
	put_le32(out + 16, i);
	return (int)(MBIM_FRAG_HDR + chunk);
}

/* ---- strings ---- */

/* Append code point c as UTF-8 if it fits with the NUL; false when full. */
static bool put_utf8(char *dst, size_t size, size_t *at, uint32_t c)
{
	uint8_t u[4];
	size_t n, i;

	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		c = '?';
	if (c < 0x80) {
		u[0] = (uint8_t)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (uint8_t)(0xc0 | c >> 6);
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (uint8_t)(0xe0 | c >> 12);
		n = 3;
	} else {
		u[0] = (uint8_t)(0xf0 | c >> 18);
		n = 4;
	}
	for (i = 1; i < n; i++)
		u[i] = (uint8_t)(0x80 | ((c >> (6 * (n - 1 - i))) & 0x3f));
	if (n >= size - *at)
		return false;
	memcpy(dst + *at, u, n);
	*at += n;
	return true;
}

int mbim_utf16_to_utf8(const uint8_t *src, size_t n, char *dst, size_t size)
{
	size_t i = 0, at = 0;

	if (!size)
		return -EINVAL;
	dst[0] = 0;
	if (n & 1)
		return -EPROTO;
	while (i < n) {
		uint32_t c = get_le16(src + i), lo;

		i += 2;
		if (!c)
			break;
		if (c >= 0xd800 && c < 0xdc00 && i < n) {
			lo = get_le16(src + i);
			if (lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (c >= 0xd800 && c < 0xe000)
			c = 0xfffd; /* unpaired surrogate */
		if (!put_utf8(dst, size, &at, c))
			break;
	}
	dst[at] = 0;
	return (int)at;
}

/* One code point from UTF-8 at s; its length in *n; -1 if invalid. */
static int32_t get_utf8(const uint8_t *s, size_t *n)
{
	static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
	uint32_t c = s[0];
	size_t len, i;

	if (c < 0x80)
		len = 1;
	else if (c >= 0xc0 && c < 0xe0)
		len = 2;
	else if (c >= 0xe0 && c < 0xf0)
		len = 3;
	else if (c >= 0xf0 && c < 0xf8)
		len = 4;
	else
		len = 0;
	if (!len)
		return -1;
	c &= len == 1 ? 0x7f : 0x3f >> (len - 1);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL of a cut sequence */
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[len - 1] || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
		return -1;
	*n = len;
	return (int32_t)c;
}

int mbim_utf8_to_utf16(const char *s, uint8_t *dst, size_t size)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t at = 0, n;
	int32_t c;

	while (*p) {
		c = get_utf8(p, &n);
		if (c < 0)
			return -EINVAL;
		p += n;
		if (size - at < (c > 0xffff ? 4u : 2u))
			return -EMSGSIZE;
		if (c > 0xffff) {
			c -= 0x10000;
			put_le16(dst + at, (uint16_t)(0xd800 | c >> 10));
			put_le16(dst + at + 2, (uint16_t)(0xdc00 | (c & 0x3ff)));
			at += 4;
		} else {
			put_le16(dst + at, (uint16_t)c);
			at += 2;
		}
	}
	return (int)at;
}

/* ---- information buffer readers ---- */

static bool inside(size_t len, size_t off, size_t n)
{
	return off <= len && n <= len - off;
}

int mbim_get_u32(const uint8_t *b, size_t len, size_t off, uint32_t *v)
{
	if (!inside(len, off, 4))
		return -EPROTO;
	*v = get_le32(b + off);
	return 0;
}

int mbim_get_u64(const uint8_t *b, size_t len, size_t off, uint64_t *v)
{
	if (!inside(len, off, 8))
		return -EPROTO;
	*v = get_le64(b + off);
	return 0;
}

int mbim_get_ol(const uint8_t *b, size_t len, size_t off, const uint8_t **data, uint32_t *size)
{
	uint32_t o, n;

	*data = NULL;
	*size = 0;
	if (!inside(len, off, 8))
		return -EPROTO;
	o = get_le32(b + off);
	n = get_le32(b + off + 4);
	if (!n)
		return 0; /* {0, 0}; libmbim also ignores the offset of an empty field */
	if (!inside(len, o, n))
		return -EPROTO;
	*data = b + o;
	*size = n;
	return 0;
}

int mbim_get_str(const uint8_t *b, size_t len, size_t off, char *dst, size_t size)
{
	const uint8_t *p;
	uint32_t n;
	int r;

	if (!size)
		return -EINVAL;
	dst[0] = 0;
	if (mbim_get_ol(b, len, off, &p, &n))
		return -EPROTO;
	r = mbim_utf16_to_utf8(p, n, dst, size);
	return r < 0 ? -EPROTO : r;
}

int mbim_get_array(const uint8_t *b, size_t len, size_t off, uint32_t count, size_t elem,
		   const uint8_t **data)
{
	uint32_t o;

	*data = NULL;
	if (mbim_get_u32(b, len, off, &o))
		return -EPROTO;
	if (!count)
		return 0;
	if (elem && count > len / elem)
		return -EPROTO;
	if (!inside(len, o, (size_t)count * elem))
		return -EPROTO;
	*data = b + o;
	return 0;
}

/* ---- builder ---- */

static bool fail(struct mbim_builder *b, int err)
{
	if (!b->err)
		b->err = err;
	return false;
}

/* Room for n more bytes in the data area (and within MBIM_MSG_MAX). */
static bool data_room(struct mbim_builder *b, size_t n)
{
	if (b->err)
		return false;
	if (n > b->size - b->hdr - b->len || b->hdr + b->len + n > MBIM_MSG_MAX)
		return fail(b, -EMSGSIZE);
	return true;
}

/* The next n bytes of the fixed part, or NULL. */
static uint8_t *field(struct mbim_builder *b, size_t n)
{
	uint8_t *p;

	if (b->err)
		return NULL;
	if (n > b->fixed - b->pos) {
		fail(b, -EINVAL);
		return NULL;
	}
	p = b->buf + b->hdr + b->pos;
	b->pos += n;
	return p;
}

static int start(struct mbim_builder *b, uint8_t *buf, size_t size, size_t hdr, size_t fixed)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->size = size;
	b->hdr = hdr;
	b->fixed = fixed;
	if (size < hdr || fixed > size - hdr || hdr + fixed > MBIM_MSG_MAX)
		return b->err = -EMSGSIZE;
	memset(buf + hdr, 0, fixed);
	b->len = fixed;
	return 0;
}

int mbim_build(struct mbim_builder *b, uint8_t *buf, size_t size, uint32_t type, uint32_t tid,
	       const uint8_t *uuid, uint32_t cid, uint32_t arg, size_t fixed)
{
	size_t hdr = type == MBIM_INDICATE_STATUS ? MBIM_IND_HDR : MBIM_CMD_HDR;

	if (!fragmentable(type) || !uuid) {
		memset(b, 0, sizeof(*b));
		return b->err = -EINVAL;
	}
	if (start(b, buf, size, hdr, fixed))
		return b->err;
	put_le32(buf, type);
	put_le32(buf + 8, tid);
	put_le32(buf + 12, 1); /* one fragment; mbim_fragment() splits */
	put_le32(buf + 16, 0);
	memcpy(buf + MBIM_FRAG_HDR, uuid, 16);
	put_le32(buf + 36, cid);
	if (type != MBIM_INDICATE_STATUS)
		put_le32(buf + 40, arg);
	return 0;
}

int mbim_build_struct(struct mbim_builder *b, uint8_t *buf, size_t size, size_t fixed)
{
	return start(b, buf, size, 0, fixed);
}

void mbim_add_raw(struct mbim_builder *b, const void *p, size_t n)
{
	uint8_t *f = field(b, n);

	if (f && n)
		memcpy(f, p, n);
}

void mbim_add_u32(struct mbim_builder *b, uint32_t v)
{
	uint8_t *f = field(b, 4);

	if (f)
		put_le32(f, v);
}

void mbim_add_u64(struct mbim_builder *b, uint64_t v)
{
	uint8_t *f = field(b, 8);

	if (f)
		put_le64(f, v);
}

/* Reserve the field (offset, plus size when with_size), then n bytes of data padded to 4.
 * Returns the data, or NULL (nothing to write when n is 0: the field stays {0, 0}). */
static uint8_t *add_data(struct mbim_builder *b, size_t n, bool with_size)
{
	uint8_t *f = field(b, with_size ? 8 : 4), *d;
	size_t padded = (n + 3) & ~(size_t)3;

	if (!f || !n || !data_room(b, padded))
		return NULL;
	d = b->buf + b->hdr + b->len;
	memset(d + n, 0, padded - n);
	put_le32(f, (uint32_t)b->len);
	if (with_size)
		put_le32(f + 4, (uint32_t)n);
	b->len += padded;
	return d;
}

void mbim_add_ref(struct mbim_builder *b, const void *p, size_t n)
{
	uint8_t *d = add_data(b, n, true);

	if (d)
		memcpy(d, p, n);
}

void mbim_add_off(struct mbim_builder *b, const void *p, size_t n)
{
	uint8_t *d = add_data(b, n, false);

	if (d)
		memcpy(d, p, n);
}

void mbim_add_str(struct mbim_builder *b, const char *utf8)
{
	uint8_t *d;
	int n;

	if (!utf8 || !*utf8 || b->err) {
		mbim_add_ref(b, NULL, 0);
		return;
	}
	/* convert straight into the data area, then reserve exactly that much */
	d = b->buf + b->hdr + b->len;
	n = mbim_utf8_to_utf16(utf8, d, b->size - b->hdr - b->len);
	if (n < 0)
		fail(b, n);
	else
		add_data(b, (size_t)n, true);
}

int mbim_finish(struct mbim_builder *b)
{
	if (!b->err && b->pos != b->fixed)
		b->err = -EINVAL;
	if (b->err)
		return b->err;
	if (b->hdr) {
		put_le32(b->buf + 4, (uint32_t)(b->hdr + b->len));
		put_le32(b->buf + b->hdr - 4, (uint32_t)b->len);
	}
	return (int)(b->hdr + b->len);
}

int mbim_status_msg(uint8_t *buf, size_t size, uint32_t type, uint32_t tid, uint32_t value)
{
	if (type_min(type) != MBIM_HDR + 4)
		return -EINVAL;
	if (size < MBIM_HDR + 4)
		return -EMSGSIZE;
	put_le32(buf, type);
	put_le32(buf + 4, MBIM_HDR + 4);
	put_le32(buf + 8, tid);
	put_le32(buf + 12, value);
	return MBIM_HDR + 4;
}

int mbim_open_req(uint8_t *buf, size_t size, uint32_t tid, uint32_t max_xfer)
{
	return mbim_status_msg(buf, size, MBIM_OPEN, tid, max_xfer);
}

int mbim_close_req(uint8_t *buf, size_t size, uint32_t tid)
{
	if (size < MBIM_HDR)
		return -EMSGSIZE;
	put_le32(buf, MBIM_CLOSE);
	put_le32(buf + 4, MBIM_HDR);
	put_le32(buf + 8, tid);
	return MBIM_HDR;
}

int mbim_command(uint8_t *buf, size_t size, uint32_t tid, enum mbim_service svc, uint32_t cid,
		 uint32_t cmd_type)
{
	struct mbim_builder b;

	mbim_build(&b, buf, size, MBIM_COMMAND, tid, mbim_uuid(svc), cid, cmd_type, 0);
	return mbim_finish(&b);
}

/* ---- redaction ---- */

/* Basic Connect sets whose InformationBuffer holds secrets, and where their {offset, size}
 * pairs sit (libmbim data/mbim-service-basic-connect.json) */
static const struct {
	uint8_t cid, off;
} secrets[] = {
	{4, 8},	  /* PIN: Pin */
	{4, 16},  /* PIN: NewPin */
	{12, 24}, /* CONNECT: Password */
	{13, 36}, /* PROVISIONED_CONTEXTS: Password */
};

int mbim_redact(uint8_t *msg, size_t len)
{
	struct mbim_msg m;
	const uint8_t *p;
	uint32_t n, j;
	size_t i;
	int count = 0;

	if (mbim_parse(msg, len, &m) < 0 || !m.info || m.type != MBIM_COMMAND ||
	    m.service != MBIM_SVC_BASIC_CONNECT || m.cmd_type != MBIM_SET)
		return 0;
	for (i = 0; i < ARRAY_SIZE(secrets); i++) {
		if (secrets[i].cid != m.cid ||
		    mbim_get_ol(m.info, m.info_len, secrets[i].off, &p, &n) || !n)
			continue;
		for (j = 0; j + 1 < n; j += 2)
			put_le16(msg + (p - msg) + j, '*');
		count++;
	}
	return count;
}
