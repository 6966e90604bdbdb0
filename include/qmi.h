/* qmi.h - QMUX/QMI framing and the TLV reader/writer. Pure encode/decode: no I/O, no allocation.
 *
 * Wire format (all little-endian; libqmi qmi-message.c, notes/vectors.md §1):
 *   0x01 marker | u16 length (bytes after the marker) | u8 QMUX flags (0x00 host->modem,
 *   0x80 modem->host; not checked on receive) | u8 service | u8 client id |
 *   CTL SDU:     u8 flags (0 req, 1 rsp, 2 ind) | u8 tid  | u16 msg id | u16 TLV-block length
 *   service SDU: u8 flags (0 req, 2 rsp, 4 ind) | u16 tid | u16 msg id | u16 TLV-block length
 *   TLVs:        u8 type | u16 length | value
 * Responses carry the Result TLV 0x02 (u16 status 0/1, u16 QMI error code).
 */
#ifndef WWANBOX_QMI_H
#define WWANBOX_QMI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Service ids (libqmi qmi-enums.h QmiService). */
#define QMI_SVC_CTL 0x00
#define QMI_SVC_WDS 0x01
#define QMI_SVC_DMS 0x02
#define QMI_SVC_NAS 0x03
#define QMI_SVC_UIM 0x0B
#define QMI_SVC_WDA 0x1A

#define QMI_MARKER 0x01	    /* QRTR-style 0x02 frames (16-bit services) are rejected */
#define QMI_FRAME_MIN 12    /* marker + QMUX header + CTL SDU header, no TLVs */
#define QMI_FRAME_MAX 65536 /* marker + a u16 length */
#define QMI_TLV_RESULT 0x02

enum qmi_type { QMI_REQ, QMI_RSP, QMI_IND };

/* A parsed frame; tlv points into the caller's buffer, which must outlive it. */
struct qmi_msg {
	const uint8_t *tlv; /* TLV block, every TLV inside it already bounds-checked */
	size_t frame_len;   /* bytes of the whole frame, marker included */
	uint16_t tlv_len;
	uint16_t tid; /* CTL transaction ids are 8 bits */
	uint16_t msg_id;
	uint8_t qmux_flags;
	uint8_t service;
	uint8_t client_id;
	uint8_t sdu_flags; /* raw SDU flags byte */
	uint8_t type;	   /* enum qmi_type */
};

/* Framed-reader callback: total frame length once 3 bytes are there, 0 = need more bytes,
 * -EPROTO if buf[0] is not the 0x01 marker or the length cannot hold a QMI header. */
int qmi_frame_len(const uint8_t *buf, size_t have);

/* Parse one frame at buf; len may exceed the frame (back-to-back frames).
 * Returns the frame length, or -EPROTO: bad marker, QMUX length beyond len, TLV-block length
 * beyond the QMUX length, a TLV running past the block. Bytes after the TLV block inside the
 * frame are ignored (libqmi rejects them; no harm in accepting). */
int qmi_parse(const uint8_t *buf, size_t len, struct qmi_msg *out);

/* First TLV of that type (real firmware sends duplicates: the first wins). 0 or -ENOENT. */
int qmi_tlv_find(const struct qmi_msg *m, uint8_t type, const uint8_t **val, uint16_t *len);

/* Walk all TLVs: start with *pos = 0; 1 while there is one, 0 at the end. */
int qmi_tlv_next(const struct qmi_msg *m, size_t *pos, uint8_t *type, const uint8_t **val,
		 uint16_t *len);

/* Copy a string TLV into dst (always NUL-terminated, truncated to fit), stopping at a NUL,
 * dropping trailing TAB/CR/LF/space, control characters replaced by '?'.
 * Returns the string length or -ENOENT. */
int qmi_tlv_str(const struct qmi_msg *m, uint8_t type, char *dst, size_t size);

/* Result TLV 0x02: 0 on success, -EREMOTEIO with *qmi_error set (if not NULL) on failure,
 * -EPROTO if missing or short. */
int qmi_result(const struct qmi_msg *m, uint16_t *qmi_error);

/* Is m a message of that service, id and type? */
bool qmi_is(const struct qmi_msg *m, uint8_t service, uint16_t msg_id, enum qmi_type type);

/* Is m the response to the request (service, client id, tid, msg id)? uqmi matched on service
 * and tid only and took foreign replies (notes/uqmi-umbim.md §6 bug 4). */
bool qmi_matches(const struct qmi_msg *m, uint8_t service, uint8_t cid, uint16_t tid,
		 uint16_t msg_id);

/* For responses that carry only a result: -EBADMSG if m is not the response (service, msg id),
 * else qmi_result(). */
int qmi_check(const struct qmi_msg *m, uint8_t service, uint16_t msg_id, uint16_t *qmi_error);

/* Text for a QMI protocol error code (libqmi qmi-errors.h descriptions, the same words uqmi
 * prints, e.g. 0x1A "No effect"), or NULL for codes not in the table. */
const char *qmi_strerror(uint16_t qmi_error);

/* Builder. Errors are sticky: after an overflow every call is a no-op and qmi_finish() returns
 * -EMSGSIZE, so encoders need not check each step.
 *
 *	struct qmi_builder b;
 *	qmi_build(&b, buf, sizeof(buf), QMI_SVC_WDS, cid, tid, 0x0021, QMI_REQ);
 *	qmi_put_u32(&b, 0x01, handle);
 *	n = qmi_finish(&b);		// frame length or -EMSGSIZE
 */
struct qmi_builder {
	uint8_t *buf;
	size_t size;
	size_t len;
	size_t hdr;    /* QMUX + SDU header length */
	size_t tlv_at; /* offset of the open TLV + 1, 0 = none open */
	int err;
};

int qmi_build(struct qmi_builder *b, uint8_t *buf, size_t size, uint8_t service, uint8_t cid,
	      uint16_t tid, uint16_t msg_id, enum qmi_type type);
void qmi_tlv_begin(struct qmi_builder *b, uint8_t type);
void qmi_add(struct qmi_builder *b, const void *data, size_t len);
void qmi_add_u8(struct qmi_builder *b, uint8_t v);
void qmi_add_u16(struct qmi_builder *b, uint16_t v);
void qmi_add_u32(struct qmi_builder *b, uint32_t v);
void qmi_tlv_end(struct qmi_builder *b);
void qmi_put_tlv(struct qmi_builder *b, uint8_t type, const void *val, size_t len);
void qmi_put_u8(struct qmi_builder *b, uint8_t type, uint8_t v);
void qmi_put_u16(struct qmi_builder *b, uint8_t type, uint16_t v);
void qmi_put_u32(struct qmi_builder *b, uint8_t type, uint32_t v);
void qmi_put_str(struct qmi_builder *b, uint8_t type, const char *s); /* NULL: nothing */
void qmi_put_result(struct qmi_builder *b, uint16_t qmi_error);	      /* 0 = success */
int qmi_finish(struct qmi_builder *b);

/* A request without TLVs (Get IDs, Get Serving System, Get Card Status, Sync, ...). */
int qmi_empty_req(uint8_t *buf, size_t size, uint8_t service, uint8_t cid, uint16_t tid,
		  uint16_t msg_id);

/* Overwrite secrets (WDS password, PIN/PUK values) in a frame with '*' before it is logged or
 * hex-dumped. Works on any frame; returns the number of TLVs masked. */
int qmi_redact(uint8_t *frame, size_t len);

#endif
