/* mbim.h - MBIM control messages: header, OPEN/CLOSE, COMMAND/COMMAND_DONE, INDICATE_STATUS,
 * FUNCTION_ERROR/HOST_ERROR, fragments (reassembly and splitting), transaction matching,
 * UTF-16LE strings and offset/size pairs. Pure encode/decode: no I/O, no allocation.
 *
 * Wire format (all little-endian; USB-IF MBIM 1.0 §9.1-9.5, libmbim mbim-message.c,
 * notes/qmap.md §5.2):
 *   u32 MessageType | u32 MessageLength (whole message) | u32 TransactionId
 *   COMMAND, COMMAND_DONE, INDICATE_STATUS add the fragment header
 *     u32 TotalFragments | u32 CurrentFragment
 *   and, in the first fragment, u8 DeviceServiceId[16] | u32 CID |
 *     COMMAND: u32 CommandType (0 query, 1 set)  COMMAND_DONE: u32 Status  (INDICATE: nothing) |
 *     u32 InformationBufferLength | InformationBuffer
 *   OPEN: + u32 MaxControlTransfer; OPEN_DONE, CLOSE_DONE: + u32 Status;
 *   HOST_ERROR, FUNCTION_ERROR: + u32 ErrorStatusCode; CLOSE: header only.
 * Variable-size fields of an InformationBuffer are {u32 offset, u32 size} pairs whose offset
 * counts from the start of the InformationBuffer (or of the structure that holds them); the data
 * follows the fixed part, each item padded to 4 bytes; {0, 0} is an empty field. Strings are
 * UTF-16LE without a terminator.
 */
#ifndef WWANBOX_MBIM_H
#define WWANBOX_MBIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* MessageType (MBIM 1.0 Table 9-3; libmbim MbimMessageType) */
#define MBIM_OPEN 0x00000001u
#define MBIM_CLOSE 0x00000002u
#define MBIM_COMMAND 0x00000003u
#define MBIM_HOST_ERROR 0x00000004u
#define MBIM_OPEN_DONE 0x80000001u
#define MBIM_CLOSE_DONE 0x80000002u
#define MBIM_COMMAND_DONE 0x80000003u
#define MBIM_FUNCTION_ERROR 0x80000004u
#define MBIM_INDICATE_STATUS 0x80000007u

#define MBIM_HDR 12	 /* type, length, tid */
#define MBIM_FRAG_HDR 20 /* + total fragments, current fragment */
#define MBIM_CMD_HDR 48	 /* COMMAND / COMMAND_DONE up to the InformationBuffer */
#define MBIM_IND_HDR 44	 /* INDICATE_STATUS up to the InformationBuffer */
/* Longest message we frame or reassemble. MaxControlTransfer is what one fragment may carry
 * (cdc-wdm wMaxControlMessage, a u16; 4096 on most modems); 64 KiB bounds a whole message. */
#define MBIM_MSG_MAX 65536
#define MBIM_MAX_XFER_DEFAULT 4096 /* libmbim's fallback when the descriptor is unreadable */

#define MBIM_QUERY 0 /* CommandType */
#define MBIM_SET 1

/* ErrorStatusCode of HOST_ERROR / FUNCTION_ERROR (MBIM 1.0 Table 9-7; libmbim
 * MbimProtocolError) */
#define MBIM_ERR_TIMEOUT_FRAGMENT 1
#define MBIM_ERR_FRAGMENT_OUT_OF_SEQUENCE 2
#define MBIM_ERR_LENGTH_MISMATCH 3
#define MBIM_ERR_DUPLICATED_TID 4
#define MBIM_ERR_NOT_OPENED 5
#define MBIM_ERR_UNKNOWN 6
#define MBIM_ERR_CANCEL 7
#define MBIM_ERR_MAX_TRANSFER 8

/* Device services we know by name; others parse with service == MBIM_SVC_UNKNOWN and their
 * UUID in mbim_msg.uuid. */
enum mbim_service {
	MBIM_SVC_UNKNOWN,
	MBIM_SVC_BASIC_CONNECT,	       /* a289cc33-bcbb-8b4f-b6b0-133ec2aae6df */
	MBIM_SVC_SMS,		       /* 533fbeeb-14fe-4467-9f90-33a223e56c3f */
	MBIM_SVC_MS_BASIC_CONNECT_EXT, /* 3d01dcc5-fef5-4d05-0d3a-bef7058e9aaf */
	MBIM_SVC_PROXY_CONTROL, /* 838cf7fb-8d0d-4d7f-871e-d71dbefbb39b (libmbim mbim-proxy) */
	MBIM_SVC_QMI,		/* d1a30bc2-f97a-6e43-bf65-c7e24fb0f0d3 (QMI over MBIM) */
	MBIM_SVC_COUNT
};

/* The 16 UUID bytes of a known service (as they appear on the wire), NULL for others. */
const uint8_t *mbim_uuid(enum mbim_service svc);

/* A parsed message; pointers go into the caller's buffer, which must outlive it. */
struct mbim_msg {
	const uint8_t *buf;  /* the message */
	const uint8_t *uuid; /* DeviceServiceId; NULL: no such field, or a continuation fragment */
	const uint8_t *info; /* InformationBuffer of a complete (unfragmented) message, else NULL */
	uint32_t len;	     /* MessageLength */
	uint32_t type;	     /* MBIM_OPEN ... MBIM_INDICATE_STATUS */
	uint32_t tid;
	uint32_t total, current; /* fragment header; 1/0 for types that have none */
	uint32_t cid;
	uint32_t cmd_type; /* COMMAND: MBIM_QUERY / MBIM_SET */
	uint32_t status;   /* *_DONE: MBIM status; HOST_/FUNCTION_ERROR: MBIM_ERR_* code */
	uint32_t max_xfer; /* OPEN: MaxControlTransfer */
	uint32_t info_len;
	uint8_t service; /* enum mbim_service of uuid */
};

/* wdm framer callback (wdm_frame_len_fn): the MessageLength of the message at buf once 8 bytes
 * (20 for COMMAND/COMMAND_DONE/INDICATE_STATUS, to see the fragment header) are there, 0 while
 * fewer, -EPROTO when buf cannot start a message: unknown type, a length below the type's
 * minimum or above MBIM_MSG_MAX, a fragment header with 0 fragments or current >= total. */
long mbim_frame_len(const uint8_t *buf, size_t have);

/* Parse one message at buf; len may exceed it (bytes after MessageLength are ignored).
 * Returns MessageLength, or -EPROTO: shorter than its type needs, MessageLength beyond len (or
 * MBIM_MSG_MAX),
 * unknown type, bad fragment header, InformationBufferLength beyond MessageLength.
 * A fragment of a multi-fragment message (total > 1) parses with info == NULL: feed it to
 * mbim_frag_add(). */
int mbim_parse(const uint8_t *buf, size_t len, struct mbim_msg *m);

/* Is m a complete message of that type, service and CID? */
bool mbim_is(const struct mbim_msg *m, uint32_t type, enum mbim_service svc, uint32_t cid);

/* Is m the reply to req (a request we parsed back from our TX buffer)? COMMAND -> COMMAND_DONE
 * with the same tid, service and CID; OPEN -> OPEN_DONE, CLOSE -> CLOSE_DONE with the same
 * tid; any of them -> FUNCTION_ERROR with the same tid. umbim matched on the type only
 * (notes/uqmi-umbim.md §6 bug 21). */
bool mbim_matches(const struct mbim_msg *m, const struct mbim_msg *req);

/* Outcome of a reply: 0 success; -EREMOTEIO with *status = the MBIM status (OPEN_DONE,
 * CLOSE_DONE, COMMAND_DONE); -ECOMM with *status = the MBIM_ERR_* code (FUNCTION_ERROR: the
 * function rejected the message, e.g. NOT_OPENED: send OPEN again); -EBADMSG for other types.
 * status may be NULL. */
int mbim_result(const struct mbim_msg *m, uint32_t *status);

/* The next transaction id after *tid, skipping 0 (indications carry 0). */
uint32_t mbim_next_tid(uint32_t *tid);

/* Status words: libmbim's MbimStatusError nicks, the words mbimcli prints ("NoDeviceSupport",
 * "PinRequired", "SimNotInserted", "NotInitialized", ...); NULL for codes not in the table. */
const char *mbim_strerror(uint32_t status);
/* MBIM_ERR_* words ("NotOpened", "FragmentOutOfSequence", ...), NULL if unknown. */
const char *mbim_error_str(uint32_t code);

/* ---- fragments ---- */

/* Reassembly of COMMAND_DONE / INDICATE_STATUS (or COMMAND, for a simulator) fragments into a
 * caller-owned buffer (MBIM 1.0 §9.2). One message is collected at a time; unfragmented messages
 * pass through without disturbing it. */
struct mbim_frag {
	uint8_t *buf;
	size_t size;
	size_t len; /* bytes collected; 0 = idle */
	uint32_t type, tid, total, next;
	unsigned long dropped; /* partial messages given up (out of sequence, restarted, too big) */
};

void mbim_frag_init(struct mbim_frag *f, uint8_t *buf, size_t size);
void mbim_frag_reset(struct mbim_frag *f); /* drop a partial message (fragment timeout) */
/* Feed one received message. Returns the length of a complete message and points *msg at it
 * (at in itself when it was not fragmented, else at f->buf; rewritten as a single fragment,
 * TotalFragments 1), 0 when more fragments are needed, -EPROTO for a malformed message or a
 * fragment out of sequence (wrong tid, type, total or index: the partial message is dropped),
 * -EMSGSIZE when the message outgrows the buffer (dropped). */
int mbim_frag_add(struct mbim_frag *f, const uint8_t *in, size_t len, const uint8_t **msg);

/* Splitting for sending, by the negotiated max control transfer (OPEN's MaxControlTransfer, at
 * most the device's wMaxControlMessage): fragment 0 is the first max_xfer bytes of the message,
 * each later one a 20-byte header + the next max_xfer - 20 bytes; every fragment's
 * MessageLength is its own length, TotalFragments/CurrentFragment set (libmbim does the same). */
uint32_t mbim_frag_count(size_t len, uint32_t max_xfer); /* 0 if max_xfer <= 20 */
/* Write fragment i of the message msg (len bytes) to out. Returns its length, 0 when i is past
 * the last one, -EINVAL (max_xfer <= 20, or a type that cannot be fragmented but does not fit),
 * -EMSGSIZE (out too small). */
int mbim_fragment(const uint8_t *msg, size_t len, uint32_t max_xfer, uint32_t i, uint8_t *out,
		  size_t size);

/* ---- strings and the information buffer ---- */

/* UTF-16LE (n bytes) to UTF-8 in dst, always NUL-terminated and cut at a character boundary.
 * Stops at a U+0000; unpaired surrogates become U+FFFD; control characters (C0, DEL, C1)
 * become '?'. Returns the UTF-8 length, -EPROTO for an odd n, -EINVAL for size 0. */
int mbim_utf16_to_utf8(const uint8_t *src, size_t n, char *dst, size_t size);
/* UTF-8 to UTF-16LE (surrogate pairs above U+FFFF). Returns bytes written, -EINVAL for
 * invalid UTF-8 (overlong, surrogates, > U+10FFFF, truncated), -EMSGSIZE if it does not fit. */
int mbim_utf8_to_utf16(const char *s, uint8_t *dst, size_t size);

/* Readers over an information buffer (or a structure inside it: b = its start, len = bytes from
 * there to the end of the information buffer). All return 0 or -EPROTO, never read outside. */
int mbim_get_u32(const uint8_t *b, size_t len, size_t off, uint32_t *v);
int mbim_get_u64(const uint8_t *b, size_t len, size_t off, uint64_t *v);
/* The {offset, size} pair at off: *data and *size describe bytes inside b; {0, 0} gives size 0 and
 * *data NULL. -EPROTO if the pair or the data lie outside. */
int mbim_get_ol(const uint8_t *b, size_t len, size_t off, const uint8_t **data, uint32_t *size);
/* The string whose {offset, size} pair is at off, as UTF-8 in dst ("" when empty). Returns its
 * length or -EPROTO (pair outside, odd size); dst is "" on error. */
int mbim_get_str(const uint8_t *b, size_t len, size_t off, char *dst, size_t size);
/* count elements of elem bytes at the offset stored at off (an offset-only field with a separate
 * count, as in IP_CONFIGURATION). 0 with *data NULL when count is 0, -EPROTO if outside. */
int mbim_get_array(const uint8_t *b, size_t len, size_t off, uint32_t count, size_t elem,
		   const uint8_t **data);

/* ---- builder ---- */

/* Errors are sticky: after one, every call is a no-op and mbim_finish() returns it (-EMSGSIZE
 * buffer too small, -EINVAL a field beyond the declared fixed part, or missing at the end, or
 * bad UTF-8). The fixed part of the InformationBuffer has a size known up front; the add calls
 * fill it in order, strings and referenced data go to the data area behind it:
 *
 *	struct mbim_builder b;
 *	mbim_build(&b, buf, sizeof(buf), MBIM_COMMAND, tid, mbim_uuid(MBIM_SVC_BASIC_CONNECT),
 *		   MBIM_CID_PIN, MBIM_SET, 24);
 *	mbim_add_u32(&b, pin_type);
 *	mbim_add_u32(&b, MBIM_PIN_OP_ENTER);
 *	mbim_add_str(&b, pin);
 *	mbim_add_str(&b, NULL);
 *	n = mbim_finish(&b);		// message length or -errno
 */
struct mbim_builder {
	uint8_t *buf;
	size_t size;
	size_t hdr;   /* bytes before the InformationBuffer: 48, 44, or 0 for a structure */
	size_t fixed; /* fixed-part size, from the InformationBuffer start */
	size_t pos;   /* next fixed-part field */
	size_t len;   /* end of the data area */
	int err;
};

/* type: MBIM_COMMAND (arg = command type), MBIM_COMMAND_DONE (arg = status) or
 * MBIM_INDICATE_STATUS (arg unused); uuid: 16 bytes, e.g. mbim_uuid(MBIM_SVC_BASIC_CONNECT). */
int mbim_build(struct mbim_builder *b, uint8_t *buf, size_t size, uint32_t type, uint32_t tid,
	       const uint8_t *uuid, uint32_t cid, uint32_t arg, size_t fixed);
/* A standalone structure (an element of a ref-struct-array): offsets relative to buf. */
int mbim_build_struct(struct mbim_builder *b, uint8_t *buf, size_t size, size_t fixed);
void mbim_add_u32(struct mbim_builder *b, uint32_t v);
void mbim_add_u64(struct mbim_builder *b, uint64_t v);
void mbim_add_raw(struct mbim_builder *b, const void *p, size_t n); /* inline: UUID, address */
void mbim_add_str(struct mbim_builder *b, const char *utf8);	    /* NULL or "": {0, 0} */
void mbim_add_ref(struct mbim_builder *b, const void *p, size_t n); /* {offset, size} + data */
void mbim_add_off(struct mbim_builder *b, const void *p, size_t n); /* offset only + data */
/* Message (or structure) length, or the sticky error. */
int mbim_finish(struct mbim_builder *b);

/* Messages without an InformationBuffer */
int mbim_open_req(uint8_t *buf, size_t size, uint32_t tid, uint32_t max_xfer);
int mbim_close_req(uint8_t *buf, size_t size, uint32_t tid);
/* OPEN_DONE / CLOSE_DONE (value = status), HOST_ERROR / FUNCTION_ERROR (value = MBIM_ERR_*):
 * 16 bytes. -EINVAL for other types. */
int mbim_status_msg(uint8_t *buf, size_t size, uint32_t type, uint32_t tid, uint32_t value);
/* A COMMAND with an empty InformationBuffer (most queries). */
int mbim_command(uint8_t *buf, size_t size, uint32_t tid, enum mbim_service svc, uint32_t cid,
		 uint32_t cmd_type);

/* Overwrite secrets in a complete COMMAND with '*' (UTF-16) before it is logged or hex-dumped:
 * the Password of Basic Connect CONNECT and PROVISIONED_CONTEXTS sets, the PIN and new PIN of
 * PIN sets. Redact the whole message before splitting it: a continuation fragment cannot be
 * told apart. Returns the number of strings masked. */
int mbim_redact(uint8_t *msg, size_t len);

#endif
