/* qmi_msg.c - hand-written encoders/decoders of the CTL, WDS, NAS, DMS, UIM and WDA messages.
 *
 * Message and TLV ids, TLV layouts: libqmi data/qmi-service-{ctl,wds,nas,dms,uim,wda}.json
 * (TLV names quoted in the comments). Enumerations: libqmi qmi-enums-*.h. Strings inside a
 * TLV "sequence" carry a u8 length prefix; a string that is the whole TLV has none.
 */
#include "wwanbox.h"
#include "qmi_msg.h"

/* ---- bounded reader over one TLV value: every read checks the remaining length ---- */

struct rd {
	const uint8_t *p;
	size_t n;
	bool bad;
};

static const uint8_t *rd_take(struct rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (r->bad || n > r->n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->n -= n;
	return p;
}

static uint8_t rd_u8(struct rd *r)
{
	const uint8_t *p = rd_take(r, 1);

	return p ? p[0] : 0;
}

static uint16_t rd_u16(struct rd *r)
{
	const uint8_t *p = rd_take(r, 2);

	return p ? get_le16(p) : 0;
}

static uint32_t rd_u32(struct rd *r)
{
	const uint8_t *p = rd_take(r, 4);

	return p ? get_le32(p) : 0;
}

/* The first TLV of that type if it holds at least min bytes. */
static bool tlv_rd(const struct qmi_msg *m, uint8_t type, size_t min, struct rd *r)
{
	uint16_t len;

	r->bad = false;
	if (qmi_tlv_find(m, type, &r->p, &len) || len < min)
		return false;
	r->n = len;
	return true;
}

static bool has(const struct qmi_msg *m, uint8_t type, size_t min)
{
	struct rd r;

	return tlv_rd(m, type, min, &r);
}

static void get_u8(const struct qmi_msg *m, uint8_t type, uint8_t *dst)
{
	struct rd r;

	if (tlv_rd(m, type, 1, &r))
		*dst = rd_u8(&r);
}

static void get_u16(const struct qmi_msg *m, uint8_t type, uint16_t *dst)
{
	struct rd r;

	if (tlv_rd(m, type, 2, &r))
		*dst = rd_u16(&r);
}

static void get_u32(const struct qmi_msg *m, uint8_t type, uint32_t *dst)
{
	struct rd r;

	if (tlv_rd(m, type, 4, &r))
		*dst = rd_u32(&r);
}

/* Response skeleton: identity first, then the Result TLV; mandatory TLVs are checked by the
 * callers only when the result is success (libqmi "prerequisites: Success"). */
static int rsp_result(const struct qmi_msg *m, uint16_t *qmi_error, bool complete)
{
	int ret = qmi_result(m, qmi_error);

	return ret == 0 && !complete ? -EPROTO : ret;
}

static void pin_init(struct qmi_pin *p)
{
	p->status = p->verify_left = p->unblock_left = QMI_U8_UNKNOWN;
}

/* "a\0b\0c\0" -> the i-th string, or NULL */
static const char *nth(const char *list, size_t size, unsigned i)
{
	const char *p = list, *end = list + size - 1;

	for (; p < end; p += strlen(p) + 1)
		if (!i--)
			return p;
	return NULL;
}

#define NTH(list, i) nth(list, sizeof(list), i)

/* ======================================== CTL ======================================== */

int qmi_ctl_get_version_req(uint8_t *buf, size_t size, uint8_t tid)
{
	return qmi_empty_req(buf, size, QMI_SVC_CTL, 0, tid, QMI_CTL_GET_VERSION);
}

/* "Service list" 0x01: u8 count, then {u8 service, u16 major, u16 minor} */
int qmi_ctl_get_version_rsp(const struct qmi_msg *m, struct qmi_ctl_versions *out,
			    uint16_t *qmi_error)
{
	struct rd r;
	unsigned n, i;
	bool ok = false;

	out->count = 0;
	if (!qmi_is(m, QMI_SVC_CTL, QMI_CTL_GET_VERSION, QMI_RSP))
		return -EBADMSG;
	if (tlv_rd(m, 0x01, 1, &r)) {
		n = rd_u8(&r);
		for (i = 0; i < n && !r.bad; i++) {
			uint8_t svc = rd_u8(&r);
			uint16_t major = rd_u16(&r), minor = rd_u16(&r);

			if (r.bad || out->count >= QMI_MAX_SERVICES)
				continue;
			out->svc[out->count].service = svc;
			out->svc[out->count].major = major;
			out->svc[out->count++].minor = minor;
		}
		ok = !r.bad;
		if (!ok)
			out->count = 0;
	}
	return rsp_result(m, qmi_error, ok);
}

int qmi_ctl_version_of(const struct qmi_ctl_versions *v, uint8_t service, uint16_t *major,
		       uint16_t *minor)
{
	unsigned i;

	for (i = 0; i < v->count; i++) {
		if (v->svc[i].service != service)
			continue;
		*major = v->svc[i].major;
		*minor = v->svc[i].minor;
		return 0;
	}
	return -ENOENT;
}

static int cid_req(uint8_t *buf, size_t size, uint8_t tid, uint16_t msg_id, uint8_t service,
		   const uint8_t *cid)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_CTL, 0, tid, msg_id, QMI_REQ);
	qmi_tlv_begin(&b, 0x01); /* "Service" u8, or "Release Info" {service, cid} */
	qmi_add_u8(&b, service);
	if (cid)
		qmi_add_u8(&b, *cid);
	qmi_tlv_end(&b);
	return qmi_finish(&b);
}

static int cid_rsp(const struct qmi_msg *m, uint16_t msg_id, struct qmi_ctl_cid *out,
		   uint16_t *qmi_error)
{
	struct rd r;
	bool ok;

	out->service = out->cid = QMI_U8_UNKNOWN;
	if (!qmi_is(m, QMI_SVC_CTL, msg_id, QMI_RSP))
		return -EBADMSG;
	ok = tlv_rd(m, 0x01, 2, &r); /* "Allocation Info" / "Release Info" {service, cid} */
	if (ok) {
		out->service = rd_u8(&r);
		out->cid = rd_u8(&r);
	}
	return rsp_result(m, qmi_error, ok);
}

int qmi_ctl_alloc_cid_req(uint8_t *buf, size_t size, uint8_t tid, uint8_t service)
{
	return cid_req(buf, size, tid, QMI_CTL_ALLOC_CID, service, NULL);
}

int qmi_ctl_alloc_cid_rsp(const struct qmi_msg *m, struct qmi_ctl_cid *out, uint16_t *qmi_error)
{
	return cid_rsp(m, QMI_CTL_ALLOC_CID, out, qmi_error);
}

int qmi_ctl_release_cid_req(uint8_t *buf, size_t size, uint8_t tid, uint8_t service, uint8_t cid)
{
	return cid_req(buf, size, tid, QMI_CTL_RELEASE_CID, service, &cid);
}

int qmi_ctl_release_cid_rsp(const struct qmi_msg *m, struct qmi_ctl_cid *out, uint16_t *qmi_error)
{
	return cid_rsp(m, QMI_CTL_RELEASE_CID, out, qmi_error);
}

int qmi_ctl_set_data_format_req(uint8_t *buf, size_t size, uint8_t tid, uint8_t qos_header,
				uint16_t link)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_CTL, 0, tid, QMI_CTL_SET_DATA_FORMAT, QMI_REQ);
	if (link != QMI_U16_UNKNOWN)
		qmi_put_u16(&b, 0x10, link); /* "Protocol" */
	if (qos_header != QMI_U8_UNKNOWN)
		qmi_put_u8(&b, 0x01, qos_header); /* "Format" */
	return qmi_finish(&b);
}

int qmi_ctl_set_data_format_rsp(const struct qmi_msg *m, uint16_t *link, uint16_t *qmi_error)
{
	*link = QMI_U16_UNKNOWN;
	if (!qmi_is(m, QMI_SVC_CTL, QMI_CTL_SET_DATA_FORMAT, QMI_RSP))
		return -EBADMSG;
	get_u16(m, 0x10, link); /* "Protocol", mandatory */
	return rsp_result(m, qmi_error, *link != QMI_U16_UNKNOWN);
}

int qmi_ctl_sync_req(uint8_t *buf, size_t size, uint8_t tid)
{
	return qmi_empty_req(buf, size, QMI_SVC_CTL, 0, tid, QMI_CTL_SYNC);
}

bool qmi_ctl_is_sync_ind(const struct qmi_msg *m)
{
	return qmi_is(m, QMI_SVC_CTL, QMI_CTL_SYNC, QMI_IND);
}

int qmi_ctl_proxy_open_req(uint8_t *buf, size_t size, uint8_t tid, const char *path)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_CTL, 0, tid, QMI_CTL_PROXY_OPEN, QMI_REQ);
	qmi_put_str(&b, 0x01, path); /* "Device Path" */
	return qmi_finish(&b);
}

/* ======================================== WDS ======================================== */

void qmi_wds_start_req_init(struct qmi_wds_start_req *r)
{
	r->apn = r->username = r->password = NULL;
	r->auth = r->ip_family = r->profile_3gpp = r->autoconnect = QMI_U8_UNKNOWN;
}

static void put_opt_u8(struct qmi_builder *b, uint8_t type, uint8_t v)
{
	if (v != QMI_U8_UNKNOWN)
		qmi_put_u8(b, type, v);
}

static void put_opt_u32(struct qmi_builder *b, uint8_t type, uint32_t v)
{
	if (v != QMI_U32_UNKNOWN)
		qmi_put_u32(b, type, v);
}

int qmi_wds_start_network_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid,
			      const struct qmi_wds_start_req *r)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_WDS, cid, tid, QMI_WDS_START_NETWORK, QMI_REQ);
	put_opt_u8(&b, 0x33, r->autoconnect);  /* "Enable Autoconnect" */
	put_opt_u8(&b, 0x31, r->profile_3gpp); /* "Profile Index 3GPP" */
	put_opt_u8(&b, 0x19, r->ip_family);    /* "IP Family Preference" */
	qmi_put_str(&b, 0x18, r->password);    /* "Password" */
	qmi_put_str(&b, 0x17, r->username);    /* "Username" */
	put_opt_u8(&b, 0x16, r->auth);	       /* "Authentication Preference" */
	qmi_put_str(&b, 0x14, r->apn);	       /* "APN" */
	return qmi_finish(&b);
}

static void call_end_init(struct qmi_wds_call_end *e)
{
	e->reason = e->verbose_type = QMI_U16_UNKNOWN;
	e->verbose_reason = QMI_I16_UNKNOWN;
}

/* "Call End Reason" 0x10 u16, "Verbose Call End Reason" 0x11 {u16 type, i16 reason} */
static void call_end(const struct qmi_msg *m, struct qmi_wds_call_end *e)
{
	struct rd r;

	get_u16(m, 0x10, &e->reason);
	if (tlv_rd(m, 0x11, 4, &r)) {
		e->verbose_type = rd_u16(&r);
		e->verbose_reason = (int16_t)rd_u16(&r);
	}
}

int qmi_wds_start_network_rsp(const struct qmi_msg *m, struct qmi_wds_start_rsp *out,
			      uint16_t *qmi_error)
{
	out->handle = QMI_U32_UNKNOWN;
	call_end_init(&out->end);
	if (!qmi_is(m, QMI_SVC_WDS, QMI_WDS_START_NETWORK, QMI_RSP))
		return -EBADMSG;
	get_u32(m, 0x01, &out->handle); /* "Packet Data Handle" */
	call_end(m, &out->end);
	return rsp_result(m, qmi_error, has(m, 0x01, 4));
}

int qmi_wds_stop_network_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint32_t handle,
			     uint8_t disable_autoconnect)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_WDS, cid, tid, QMI_WDS_STOP_NETWORK, QMI_REQ);
	put_opt_u8(&b, 0x10, disable_autoconnect); /* "Disable Autoconnect" */
	qmi_put_u32(&b, 0x01, handle);		   /* "Packet Data Handle" */
	return qmi_finish(&b);
}

static void pkt_status_init(struct qmi_wds_pkt_status *s)
{
	s->status = s->reconfig = s->ip_family = QMI_U8_UNKNOWN;
	call_end_init(&s->end);
}

int qmi_wds_pkt_status_rsp(const struct qmi_msg *m, struct qmi_wds_pkt_status *out,
			   uint16_t *qmi_error)
{
	pkt_status_init(out);
	if (!qmi_is(m, QMI_SVC_WDS, QMI_WDS_PKT_STATUS, QMI_RSP))
		return -EBADMSG;
	get_u8(m, 0x01, &out->status); /* "Connection Status" */
	return rsp_result(m, qmi_error, out->status != QMI_U8_UNKNOWN);
}

int qmi_wds_pkt_status_ind(const struct qmi_msg *m, struct qmi_wds_pkt_status *out)
{
	struct rd r;

	pkt_status_init(out);
	if (!qmi_is(m, QMI_SVC_WDS, QMI_WDS_PKT_STATUS, QMI_IND))
		return -EBADMSG;
	if (!tlv_rd(m, 0x01, 2, &r)) /* "Connection Status" {status, reconfig required} */
		return -EPROTO;
	out->status = rd_u8(&r);
	out->reconfig = rd_u8(&r);
	call_end(m, &out->end);
	get_u8(m, 0x12, &out->ip_family); /* "IP Family" */
	return 0;
}

int qmi_wds_get_settings_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint32_t mask)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_WDS, cid, tid, QMI_WDS_GET_SETTINGS, QMI_REQ);
	qmi_put_u32(&b, 0x10, mask); /* "Requested Settings" */
	return qmi_finish(&b);
}

/* IPv4 TLVs are a u32 LE holding the host-order address: 10.64.12.34 -> 22 0C 40 0A (Q34) */
static void get_ipv4(const struct qmi_msg *m, uint8_t type, struct qmi_ipv4 *a)
{
	struct rd r;

	if (!tlv_rd(m, type, 4, &r))
		return;
	put_be32(a->addr, rd_u32(&r));
	a->valid = 1;
}

/* IPv6 TLVs: 16 bytes network order ("array of 8 guint16, endian network"), + u8 prefix */
static void get_ipv6(const struct qmi_msg *m, uint8_t type, bool prefix, struct qmi_ipv6 *a)
{
	struct rd r;

	if (!tlv_rd(m, type, prefix ? 17 : 16, &r))
		return;
	memcpy(a->addr, rd_take(&r, 16), 16);
	a->prefix = prefix ? rd_u8(&r) : QMI_U8_UNKNOWN;
	a->valid = 1;
}

static bool domain_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

/* "Domain Name List" 0x2A: u8 count, then {u16 length, string}; whole names only */
static void get_domains(const struct qmi_msg *m, char *dst, size_t size)
{
	size_t at = 0, i, len;
	const uint8_t *s;
	unsigned n;
	struct rd r;

	if (!tlv_rd(m, 0x2A, 1, &r))
		return;
	for (n = rd_u8(&r); n--;) {
		len = rd_u16(&r);
		s = rd_take(&r, len);
		if (!s || !len || at + len + (at ? 1 : 0) >= size)
			return;
		if (at)
			dst[at++] = ' ';
		for (i = 0; i < len; i++)
			dst[at++] = domain_char(s[i]) ? (char)s[i] : '?';
		dst[at] = 0;
	}
}

int qmi_wds_get_settings_rsp(const struct qmi_msg *m, struct qmi_wds_settings *out,
			     uint16_t *qmi_error)
{
	memset(out, 0, sizeof(*out));
	out->ipv6.prefix = out->gateway6.prefix = QMI_U8_UNKNOWN;
	out->dns6[0].prefix = out->dns6[1].prefix = QMI_U8_UNKNOWN;
	out->mtu = QMI_U32_UNKNOWN;
	out->ip_family = out->pdp_type = QMI_U8_UNKNOWN;
	if (!qmi_is(m, QMI_SVC_WDS, QMI_WDS_GET_SETTINGS, QMI_RSP))
		return -EBADMSG;
	get_u8(m, 0x11, &out->pdp_type);		  /* "PDP Type" */
	qmi_tlv_str(m, 0x14, out->apn, sizeof(out->apn)); /* "APN Name" */
	get_ipv4(m, 0x15, &out->dns4[0]);		  /* "Primary IPv4 DNS Address" */
	get_ipv4(m, 0x16, &out->dns4[1]);		  /* "Secondary IPv4 DNS Address" */
	get_ipv4(m, 0x1E, &out->ipv4);			  /* "IPv4 Address" */
	get_ipv4(m, 0x20, &out->gateway4);		  /* "IPv4 Gateway Address" */
	get_ipv4(m, 0x21, &out->netmask4);		  /* "IPv4 Gateway Subnet Mask" */
	get_ipv6(m, 0x25, true, &out->ipv6);		  /* "IPv6 Address" */
	get_ipv6(m, 0x26, true, &out->gateway6);	  /* "IPv6 Gateway Address" */
	get_ipv6(m, 0x27, false, &out->dns6[0]);	  /* "IPv6 Primary DNS Address" */
	get_ipv6(m, 0x28, false, &out->dns6[1]);	  /* "IPv6 Secondary DNS Address" */
	get_u32(m, 0x29, &out->mtu);			  /* "MTU" */
	get_domains(m, out->domains, sizeof(out->domains));
	get_u8(m, 0x2B, &out->ip_family); /* "IP Family" */
	return qmi_result(m, qmi_error);
}

int qmi_wds_set_ip_family_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint8_t family)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_WDS, cid, tid, QMI_WDS_SET_IP_FAMILY, QMI_REQ);
	qmi_put_u8(&b, 0x01, family); /* "Preference" */
	return qmi_finish(&b);
}

int qmi_wds_bind_mux_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint32_t ep_type,
			 uint32_t ep_iface, uint8_t mux_id, uint32_t client_type)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_WDS, cid, tid, QMI_WDS_BIND_MUX, QMI_REQ);
	put_opt_u32(&b, 0x13, client_type); /* "Client Type" */
	qmi_put_u8(&b, 0x11, mux_id);	    /* "Mux ID" */
	qmi_tlv_begin(&b, 0x10);	    /* "Endpoint Info" {type, interface} */
	qmi_add_u32(&b, ep_type);
	qmi_add_u32(&b, ep_iface);
	qmi_tlv_end(&b);
	return qmi_finish(&b);
}

/* QmiWdsVerboseCallEndReasonType: index = type */
/* clang-format off */
static const char end_types[] =
	"\0Mobile IP\0internal\0call manager\0\0\0" "3GPP\0PPP\0EHRPD\0IPv6";
/* clang-format on */

const char *qmi_wds_end_type_str(uint16_t verbose_type)
{
	const char *s = NTH(end_types, verbose_type);

	return s && *s ? s : NULL;
}

/* 3GPP TS 24.008 §10.5.6.6 session management causes, as the verbose reason of type 3GPP
 * (libqmi QmiWdsVerboseCallEndReason3gpp). Packed <code><text>\0. */
/* clang-format off */
static const char reasons_3gpp[] =
	"\x08" "operator determined barring\0" "\x19" "LLC or SNDCP failure\0"
	"\x1a" "insufficient resources\0" "\x1b" "missing or unknown APN\0"
	"\x1c" "unknown PDP address or type\0" "\x1d" "user authentication failed\0"
	"\x1e" "activation rejected by GGSN\0" "\x1f" "activation rejected\0"
	"\x20" "option not supported\0" "\x21" "option not subscribed\0"
	"\x22" "option temporarily out of order\0" "\x23" "NSAPI already used\0"
	"\x24" "regular deactivation\0" "\x25" "QoS not accepted\0" "\x26" "network failure\0"
	"\x27" "reactivation requested\0" "\x28" "feature not supported\0"
	"\x29" "semantic error in the TFT operation\0"
	"\x2a" "syntactical error in the TFT operation\0" "\x2b" "unknown PDP context\0"
	"\x2c" "semantic errors in packet filters\0"
	"\x2d" "syntactical errors in packet filters\0"
	"\x2e" "PDP context without TFT already activated\0"
	"\x32" "PDP type IPv4 only allowed\0" "\x33" "PDP type IPv6 only allowed\0"
	"\x34" "single address bearers only allowed\0" "\x35" "ESM information not received\0"
	"\x36" "PDN connection does not exist\0"
	"\x37" "multiple PDN connections to one APN not allowed\0"
	"\x51" "invalid transaction identifier\0" "\x5f" "semantically incorrect message\0"
	"\x60" "invalid mandatory information\0" "\x61" "message type not implemented\0"
	"\x62" "message type not compatible with the protocol state\0"
	"\x63" "information element not implemented\0" "\x64" "conditional IE error\0"
	"\x65" "message not compatible with the protocol state\0"
	"\x6f" "protocol error, unspecified\0" "\x70" "APN restriction value incompatible\0";
/* clang-format on */

static const char *coded(const char *tab, int code)
{
	const char *p = tab;

	for (; *p; p += strlen(p) + 1)
		if ((uint8_t)*p == code)
			return p + 1;
	return NULL;
}

const char *qmi_wds_end_reason_str(uint16_t verbose_type, int16_t reason)
{
	if (verbose_type != QMI_WDS_END_3GPP || reason <= 0 || reason > 0xff)
		return NULL;
	return coded(reasons_3gpp, reason);
}

/* clang-format off */
static const char hints_3gpp[] =
	"\x08" "the operator has barred data for this SIM\0"
	"\x1a" "the network is busy: try again later\0"
	"\x1b" "check the APN\0" "\x1d" "check the username, password and authentication type\0"
	"\x20" "check the APN\0" "\x21" "check the APN\0"
	"\x32" "the network allows IPv4 only: request IPv4\0"
	"\x33" "the network allows IPv6 only: request IPv6\0"
	"\x34" "the network refuses dual stack: request IPv4 and IPv6 separately\0"
	"\x37" "this APN is already connected\0";
/* clang-format on */

const char *qmi_wds_end_hint(uint16_t verbose_type, int16_t reason)
{
	if (verbose_type != QMI_WDS_END_3GPP || reason <= 0 || reason > 0xff)
		return NULL;
	return coded(hints_3gpp, reason);
}

/* ======================================== NAS ======================================== */

int qmi_nas_register_ind_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid,
			     uint8_t serving_system, uint8_t system_info, uint8_t signal_info)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_NAS, cid, tid, QMI_NAS_REGISTER_IND, QMI_REQ);
	put_opt_u8(&b, 0x19, signal_info);    /* "Signal Info" */
	put_opt_u8(&b, 0x18, system_info);    /* "System Info" */
	put_opt_u8(&b, 0x13, serving_system); /* "Serving System Events" */
	return qmi_finish(&b);
}

/* GSM 03.38 default alphabet -> ASCII for the code points ASCII shares; 0 = no ASCII form */
static char gsm7_ascii(uint8_t c)
{
	if (c == 0x00)
		return '@';
	if (c == 0x02)
		return '$';
	if (c == 0x11)
		return '_';
	if ((c >= 0x20 && c <= 0x5a && c != 0x24 && c != 0x40) || (c >= 0x61 && c <= 0x7a))
		return (char)c;
	return 0;
}

/* Packed GSM-7 (TS 23.038 §6.1.2.1) into ASCII; false if a septet has no ASCII form. */
static bool gsm7_unpack(const uint8_t *s, size_t len, char *dst, size_t size)
{
	size_t n = len * 8 / 7, i, o = 0;

	/* 7 spare bits at the end are padding (CR or zeros), not a character */
	if (n && (len * 8) % 7 == 0) {
		unsigned last = (s[len - 1] >> 1) & 0x7f;

		if (last == 0x0d || last == 0)
			n--;
	}
	for (i = 0; i < n && o + 1 < size; i++) {
		size_t bit = i * 7, byte = bit / 8, sh = bit % 8;
		unsigned v = s[byte] >> sh;
		char c;

		if (sh > 1 && byte + 1 < len)
			v |= (unsigned)s[byte + 1] << (8 - sh);
		c = gsm7_ascii(v & 0x7f);
		if (!c)
			return false;
		dst[o++] = c;
	}
	dst[o] = 0;
	return true;
}

/* The Current PLMN description has no encoding field: plain ASCII as is, else try packed GSM-7
 * (Q12: "Iliad" = 49 76 3A 4C 06), else give up (UCS-2, other). */
static void plmn_desc(const uint8_t *s, size_t len, struct qmi_nas_serving *out)
{
	size_t i;

	for (i = 0; i < len && s[i] >= 0x20 && s[i] < 0x7f; i++)
		;
	if (i == len) {
		len = MIN(len, sizeof(out->description) - 1);
		memcpy(out->description, s, len);
		out->description[len] = 0;
		out->desc_enc = QMI_NAS_DESC_ASCII;
	} else if (gsm7_unpack(s, len, out->description, sizeof(out->description))) {
		out->desc_enc = QMI_NAS_DESC_GSM7;
	} else {
		out->description[0] = 0;
		out->desc_enc = QMI_NAS_DESC_OTHER;
	}
}

/* "Serving System" 0x01: {reg state, CS attach, PS attach, selected network,
 * radio interfaces: u8 count + i8 each}. Committed only if complete. */
static bool serving_tlv(const struct qmi_msg *m, struct qmi_nas_serving *out)
{
	uint8_t v[4], n, i;
	int8_t rat[4];
	struct rd r;

	if (!tlv_rd(m, 0x01, 5, &r))
		return false;
	for (i = 0; i < 4; i++)
		v[i] = rd_u8(&r);
	n = rd_u8(&r);
	for (i = 0; i < n; i++) {
		int8_t x = (int8_t)rd_u8(&r);

		if (i < ARRAY_SIZE(rat))
			rat[i] = x;
	}
	if (r.bad)
		return false;
	out->reg_state = v[0];
	out->cs_attach = v[1];
	out->ps_attach = v[2];
	out->network = v[3];
	out->n_rat = MIN(n, ARRAY_SIZE(rat));
	memcpy(out->rat, rat, out->n_rat);
	return true;
}

/* The indication inserts "PLMN Name Flag 3GPP" (0x19) and "Universal Time and Local Time Zone
 * 3GPP" (0x1C), so from LAC on its TLV ids are one above the response's: LAC 0x1C/0x1D,
 * CID 0x1D/0x1E, Detailed Service Status 0x21/0x22, LTE TAC 0x24/0x25. */
static void serving_decode(const struct qmi_msg *m, bool ind, struct qmi_nas_serving *out)
{
	const uint8_t *desc;
	struct rd r;
	uint8_t len;

	get_u8(m, 0x10, &out->roaming); /* "Roaming Indicator" */
	if (tlv_rd(m, 0x12, 5, &r)) {	/* "Current PLMN" {mcc, mnc, string} */
		uint16_t mcc = rd_u16(&r), mnc = rd_u16(&r);

		len = rd_u8(&r);
		desc = rd_take(&r, len);
		if (desc) {
			out->mcc = mcc;
			out->mnc = mnc;
			plmn_desc(desc, len, out);
		}
	}
	if (tlv_rd(m, 0x21 + ind, 5, &r)) { /* "Detailed Service Status" */
		out->srv_status = rd_u8(&r);
		out->srv_domain = rd_u8(&r);
	}
	get_u16(m, 0x1C + ind, &out->lac);     /* "LAC 3GPP" */
	get_u32(m, 0x1D + ind, &out->cell_id); /* "CID 3GPP" */
	get_u16(m, 0x24 + ind, &out->tac);     /* "LTE TAC" */
}

static void serving_init(struct qmi_nas_serving *s)
{
	memset(s, 0xff, sizeof(*s));
	s->n_rat = 0;
	s->description[0] = 0;
}

int qmi_nas_get_serving_rsp(const struct qmi_msg *m, struct qmi_nas_serving *out,
			    uint16_t *qmi_error)
{
	serving_init(out);
	if (!qmi_is(m, QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, QMI_RSP))
		return -EBADMSG;
	serving_decode(m, false, out);
	return rsp_result(m, qmi_error, serving_tlv(m, out));
}

int qmi_nas_serving_ind(const struct qmi_msg *m, struct qmi_nas_serving *out)
{
	serving_init(out);
	if (!qmi_is(m, QMI_SVC_NAS, QMI_NAS_SERVING_SYSTEM, QMI_IND))
		return -EBADMSG;
	serving_decode(m, true, out);
	return serving_tlv(m, out) ? 0 : -EPROTO;
}

static void get_i8(const struct qmi_msg *m, uint8_t type, int16_t *dst)
{
	struct rd r;

	if (tlv_rd(m, type, 1, &r))
		*dst = (int8_t)rd_u8(&r);
}

int qmi_nas_get_signal_rsp(const struct qmi_msg *m, struct qmi_nas_signal *out, uint16_t *qmi_error)
{
	struct rd r;

	out->cdma_rssi = out->cdma_ecio = out->hdr_rssi = out->gsm_rssi = QMI_I16_UNKNOWN;
	out->umts_rssi = out->umts_ecio = out->lte_rssi = out->lte_rsrq = QMI_I16_UNKNOWN;
	out->lte_rsrp = out->lte_snr = out->nr_rsrp = out->nr_snr = QMI_I16_UNKNOWN;
	out->nr_rsrq = QMI_I16_UNKNOWN;
	if (!qmi_is(m, QMI_SVC_NAS, QMI_NAS_SIGNAL_INFO, QMI_RSP))
		return -EBADMSG;
	if (tlv_rd(m, 0x10, 3, &r)) { /* "CDMA Signal Strength" {i8, i16} */
		out->cdma_rssi = (int8_t)rd_u8(&r);
		out->cdma_ecio = (int16_t)rd_u16(&r);
	}
	get_i8(m, 0x11, &out->hdr_rssi); /* "HDR Signal Strength" {i8 rssi, ...} */
	get_i8(m, 0x12, &out->gsm_rssi); /* "GSM Signal Strength" */
	if (tlv_rd(m, 0x13, 3, &r)) {	 /* "WCDMA Signal Strength" {i8, i16} */
		out->umts_rssi = (int8_t)rd_u8(&r);
		out->umts_ecio = (int16_t)rd_u16(&r);
	}
	if (tlv_rd(m, 0x14, 6, &r)) { /* "LTE Signal Strength" {i8, i8, i16, i16} */
		out->lte_rssi = (int8_t)rd_u8(&r);
		out->lte_rsrq = (int8_t)rd_u8(&r);
		out->lte_rsrp = (int16_t)rd_u16(&r);
		out->lte_snr = (int16_t)rd_u16(&r);
	}
	if (tlv_rd(m, 0x17, 4, &r)) { /* "5G Signal Strength" {i16 rsrp, i16 snr} */
		out->nr_rsrp = (int16_t)rd_u16(&r);
		out->nr_snr = (int16_t)rd_u16(&r);
	}
	if (tlv_rd(m, 0x18, 2, &r)) /* "5G Signal Strength Extended" (RSRQ) */
		out->nr_rsrq = (int16_t)rd_u16(&r);
	return qmi_result(m, qmi_error);
}

/* 3 ASCII digits, MNC padded with 0xFF when it has 2 (Q13) */
static void plmn_digits(const uint8_t *s, char *dst)
{
	int i;

	for (i = 0; i < 3 && s[i] >= '0' && s[i] <= '9'; i++)
		dst[i] = (char)s[i];
	dst[i] = 0;
}

/* "GSM/WCDMA/LTE System Info v2" 0x17/0x18/0x19 share this prefix: domain, service capability,
 * roaming, forbidden (each {valid, value}), {valid, u16 LAC}, {valid, u32 CID},
 * {valid, reject domain, reject cause}, {valid, MCC[3], MNC[3]}; LTE then has {valid, u16 TAC}. */
static void rat_info(const struct qmi_msg *m, uint8_t type, bool lte, struct qmi_nas_rat_info *o)
{
	uint8_t f[8], valid, c3[3], rej[2], tac_valid = 0;
	const uint8_t *plmn;
	uint16_t lac, tac = 0;
	uint32_t cid;
	struct rd r;
	int i;

	if (!tlv_rd(m, type, lte ? 29 : 26, &r))
		return;
	for (i = 0; i < 8; i++)
		f[i] = rd_u8(&r);
	c3[0] = rd_u8(&r);
	lac = rd_u16(&r);
	c3[1] = rd_u8(&r);
	cid = rd_u32(&r);
	c3[2] = rd_u8(&r);
	rej[0] = rd_u8(&r);
	rej[1] = rd_u8(&r);
	valid = rd_u8(&r);
	plmn = rd_take(&r, 6);
	if (lte) {
		tac_valid = rd_u8(&r);
		tac = rd_u16(&r);
	}
	if (r.bad)
		return;
	if (f[0])
		o->domain = f[1];
	if (f[4])
		o->roaming = f[5];
	if (f[6])
		o->forbidden = f[7];
	if (c3[0])
		o->lac = lac;
	if (c3[1])
		o->cell_id = cid;
	if (c3[2])
		o->reject_cause = rej[1];
	if (valid) {
		plmn_digits(plmn, o->mcc);
		plmn_digits(plmn + 3, o->mnc);
	}
	if (tac_valid)
		o->tac = tac;
}

static void rat_init(struct qmi_nas_rat_info *o)
{
	memset(o, 0xff, sizeof(*o));
	o->mcc[0] = o->mnc[0] = 0;
}

int qmi_nas_get_sysinfo_rsp(const struct qmi_msg *m, struct qmi_nas_sysinfo *out,
			    uint16_t *qmi_error)
{
	rat_init(&out->gsm);
	rat_init(&out->umts);
	rat_init(&out->lte);
	if (!qmi_is(m, QMI_SVC_NAS, QMI_NAS_SYSTEM_INFO, QMI_RSP))
		return -EBADMSG;
	get_u8(m, 0x12, &out->gsm.srv_status);	/* "GSM Service Status" {status,...} */
	get_u8(m, 0x13, &out->umts.srv_status); /* "WCDMA Service Status" */
	get_u8(m, 0x14, &out->lte.srv_status);	/* "LTE Service Status" */
	rat_info(m, 0x17, false, &out->gsm);	/* "GSM System Info v2" */
	rat_info(m, 0x18, false, &out->umts);	/* "WCDMA System Info v2" */
	rat_info(m, 0x19, true, &out->lte);	/* "LTE System Info v2" */
	return qmi_result(m, qmi_error);
}

/* ======================================== DMS ======================================== */

int qmi_dms_ids_rsp(const struct qmi_msg *m, struct qmi_dms_ids *out, uint16_t *qmi_error)
{
	out->esn[0] = out->imei[0] = out->meid[0] = out->imeisv[0] = 0;
	if (!qmi_is(m, QMI_SVC_DMS, QMI_DMS_IDS, QMI_RSP))
		return -EBADMSG;
	qmi_tlv_str(m, 0x10, out->esn, sizeof(out->esn));	/* "Esn" */
	qmi_tlv_str(m, 0x11, out->imei, sizeof(out->imei));	/* "Imei" */
	qmi_tlv_str(m, 0x12, out->meid, sizeof(out->meid));	/* "Meid" */
	qmi_tlv_str(m, 0x13, out->imeisv, sizeof(out->imeisv)); /* "Imei Software Version" */
	return qmi_result(m, qmi_error);
}

int qmi_dms_string_rsp(const struct qmi_msg *m, uint16_t msg_id, char *out, size_t size,
		       uint16_t *qmi_error)
{
	if (size)
		out[0] = 0;
	if (!qmi_is(m, QMI_SVC_DMS, msg_id, QMI_RSP) || msg_id < QMI_DMS_MANUFACTURER ||
	    msg_id > QMI_DMS_REVISION)
		return -EBADMSG;
	/* "Manufacturer" / "Model" / "Revision" 0x01 */
	return rsp_result(m, qmi_error, qmi_tlv_str(m, 0x01, out, size) >= 0);
}

int qmi_dms_get_opmode_rsp(const struct qmi_msg *m, struct qmi_dms_opmode *out, uint16_t *qmi_error)
{
	out->mode = out->hw_restricted = QMI_U8_UNKNOWN;
	out->offline_reason = QMI_U16_UNKNOWN;
	if (!qmi_is(m, QMI_SVC_DMS, QMI_DMS_GET_OPMODE, QMI_RSP))
		return -EBADMSG;
	get_u8(m, 0x01, &out->mode);		/* "Mode" */
	get_u16(m, 0x10, &out->offline_reason); /* "Offline Reason" */
	get_u8(m, 0x11, &out->hw_restricted);	/* "Hardware Restricted Mode" */
	return rsp_result(m, qmi_error, out->mode != QMI_U8_UNKNOWN);
}

int qmi_dms_set_opmode_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint8_t mode)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_DMS, cid, tid, QMI_DMS_SET_OPMODE, QMI_REQ);
	qmi_put_u8(&b, 0x01, mode); /* "Mode" */
	return qmi_finish(&b);
}

static void get_pin(const struct qmi_msg *m, uint8_t type, struct qmi_pin *p)
{
	struct rd r;

	if (!tlv_rd(m, type, 3, &r))
		return;
	p->status = rd_u8(&r);
	p->verify_left = rd_u8(&r);
	p->unblock_left = rd_u8(&r);
}

int qmi_dms_pin_status_rsp(const struct qmi_msg *m, struct qmi_dms_pin_status *out,
			   uint16_t *qmi_error)
{
	pin_init(&out->pin1);
	pin_init(&out->pin2);
	if (!qmi_is(m, QMI_SVC_DMS, QMI_DMS_PIN_STATUS, QMI_RSP))
		return -EBADMSG;
	get_pin(m, 0x11, &out->pin1); /* "PIN1 Status" {status, verify left, unblock left} */
	get_pin(m, 0x12, &out->pin2); /* "PIN2 Status" */
	return qmi_result(m, qmi_error);
}

/* {u8 pin id, u8 length, PIN} */
static void put_pin_info(struct qmi_builder *b, uint8_t type, uint8_t pin_id, const char *pin)
{
	size_t len = strlen(pin);

	if (len > 0xff) {
		b->err = b->err ? b->err : -EMSGSIZE;
		return;
	}
	qmi_tlv_begin(b, type);
	qmi_add_u8(b, pin_id);
	qmi_add_u8(b, (uint8_t)len);
	qmi_add(b, pin, len);
	qmi_tlv_end(b);
}

int qmi_dms_verify_pin_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint8_t pin_id,
			   const char *pin)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_DMS, cid, tid, QMI_DMS_VERIFY_PIN, QMI_REQ);
	put_pin_info(&b, 0x01, pin_id, pin); /* "Info" {pin id, PIN} */
	return qmi_finish(&b);
}

/* "Pin Retries Status" / "Retries Remaining" 0x10 {verify left, unblock left} */
static int retries_rsp(const struct qmi_msg *m, uint8_t service, uint16_t msg_id, struct qmi_pin *p,
		       uint16_t *qmi_error)
{
	struct rd r;

	pin_init(p);
	if (!qmi_is(m, service, msg_id, QMI_RSP))
		return -EBADMSG;
	if (tlv_rd(m, 0x10, 2, &r)) {
		p->verify_left = rd_u8(&r);
		p->unblock_left = rd_u8(&r);
	}
	return qmi_result(m, qmi_error);
}

int qmi_dms_verify_pin_rsp(const struct qmi_msg *m, struct qmi_pin *retries, uint16_t *qmi_error)
{
	return retries_rsp(m, QMI_SVC_DMS, QMI_DMS_VERIFY_PIN, retries, qmi_error);
}

/* ======================================== UIM ======================================== */

struct uim_app {
	uint8_t type, state, perso, upin, pin1[3], pin2[3];
};

static void uim_app_read(struct rd *r, struct uim_app *a)
{
	a->type = rd_u8(r);
	a->state = rd_u8(r);
	a->perso = rd_u8(r);
	rd_take(r, 3);	      /* perso feature, retries, unblock retries */
	rd_take(r, rd_u8(r)); /* "Application Identifier Value" */
	a->upin = rd_u8(r);
	a->pin1[0] = rd_u8(r); /* PIN1 state, retries, PUK1 retries */
	a->pin1[1] = rd_u8(r);
	a->pin1[2] = rd_u8(r);
	a->pin2[0] = rd_u8(r);
	a->pin2[1] = rd_u8(r);
	a->pin2[2] = rd_u8(r);
}

static void uim_pick(struct qmi_uim_card_status *o, unsigned card, unsigned app, const uint8_t *c,
		     const struct uim_app *a)
{
	const uint8_t *pin1 = a->upin == 1 ? c + 1 : a->pin1; /* UPIN replaces PIN1 */

	o->slot = (uint8_t)card;
	o->app = (uint8_t)app;
	o->card_state = c[0];
	o->card_error = c[4];
	o->app_type = a->type;
	o->app_state = a->state;
	o->perso_state = a->perso;
	o->upin = a->upin;
	o->pin1.status = pin1[0];
	o->pin1.verify_left = pin1[1];
	o->pin1.unblock_left = o->puk1_left = pin1[2];
	o->pin2.status = a->pin2[0];
	o->pin2.verify_left = a->pin2[1];
	o->pin2.unblock_left = a->pin2[2];
}

/* "Card Status" 0x10: {u16 index GW primary, 3 more u16 indexes, u8 n cards,
 * cards: {state, UPIN state, UPIN retries, UPUK retries, error, u8 n apps, apps}} with apps
 * {type, state, perso state, perso feature, perso retries, perso unblock retries, u8 AID length,
 * AID, UPIN replaces PIN1, PIN1 state, PIN1 retries, PUK1 retries, PIN2 state/retries/PUK2}.
 * The GW primary index is card << 8 | app, 0xFFFF none (ModemManager mm-shared-qmi.c reads it
 * so); without it the first SIM/USIM application of a present card is used. */
static bool uim_cards(struct rd *r, struct qmi_uim_card_status *o)
{
	uint16_t primary = rd_u16(r);
	const uint8_t *c, *fb_card = NULL;
	unsigned card, app, n_apps, fb_c = 0, fb_a = 0;
	struct uim_app a, fb_app;

	rd_take(r, 6); /* 1x primary, GW and 1x secondary indexes */
	o->n_cards = rd_u8(r);
	for (card = 0; card < o->n_cards && !r->bad; card++) {
		c = rd_take(r, 5);
		n_apps = rd_u8(r);
		if (c && card == 0) { /* a card without applications has a state too */
			o->card_state = c[0];
			o->card_error = c[4];
		}
		for (app = 0; app < n_apps && !r->bad; app++) {
			uim_app_read(r, &a);
			if (r->bad)
				break;
			if (primary == (card << 8 | app)) {
				uim_pick(o, card, app, c, &a);
			} else if (!fb_card && c[0] == QMI_UIM_CARD_PRESENT &&
				   (a.type == 1 || a.type == 2)) {
				fb_card = c;
				fb_app = a;
				fb_c = card;
				fb_a = app;
			}
		}
	}
	if (r->bad)
		return false;
	if (o->slot == QMI_U8_UNKNOWN && fb_card)
		uim_pick(o, fb_c, fb_a, fb_card, &fb_app);
	return true;
}

int qmi_uim_card_status_rsp(const struct qmi_msg *m, struct qmi_uim_card_status *out,
			    uint16_t *qmi_error)
{
	struct rd r;
	bool ok = false;

	memset(out, 0xff, sizeof(*out));
	out->n_cards = 0;
	if (!qmi_is(m, QMI_SVC_UIM, QMI_UIM_CARD_STATUS, QMI_RSP))
		return -EBADMSG;
	if (tlv_rd(m, 0x10, 9, &r)) {
		ok = uim_cards(&r, out);
		if (!ok) {
			memset(out, 0xff, sizeof(*out));
			out->n_cards = 0;
		}
	}
	return rsp_result(m, qmi_error, ok);
}

int qmi_uim_verify_pin_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid,
			   uint8_t session_type, uint8_t pin_id, const char *pin)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_UIM, cid, tid, QMI_UIM_VERIFY_PIN, QMI_REQ);
	put_pin_info(&b, 0x02, pin_id, pin); /* "Info" {PIN ID, PIN Value} */
	qmi_tlv_begin(&b, 0x01);	     /* "Session" {type, u8 AID length} */
	qmi_add_u8(&b, session_type);
	qmi_add_u8(&b, 0); /* no AID: the provisioning session */
	qmi_tlv_end(&b);
	return qmi_finish(&b);
}

int qmi_uim_verify_pin_rsp(const struct qmi_msg *m, struct qmi_pin *retries, uint16_t *qmi_error)
{
	return retries_rsp(m, QMI_SVC_UIM, QMI_UIM_VERIFY_PIN, retries, qmi_error);
}

/* ======================================== WDA ======================================== */

void qmi_wda_format_req_init(struct qmi_wda_format_req *r)
{
	memset(r, 0xff, sizeof(*r));
}

/* Request TLVs (qmap.md §4.2): 0x17 is Endpoint Info here but UL max datagrams in the response */
int qmi_wda_set_format_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid,
			   const struct qmi_wda_format_req *r)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_WDA, cid, tid, QMI_WDA_SET_FORMAT, QMI_REQ);
	put_opt_u32(&b, 0x1C, r->ul_max_size);	    /* "Uplink ... Max Size" */
	put_opt_u32(&b, 0x1B, r->ul_max_datagrams); /* "Uplink ... Max Datagrams" */
	if (r->ep_type != QMI_U32_UNKNOWN) {
		qmi_tlv_begin(&b, 0x17); /* "Endpoint Info" {type, interface} */
		qmi_add_u32(&b, r->ep_type);
		qmi_add_u32(&b, r->ep_iface);
		qmi_tlv_end(&b);
	}
	put_opt_u32(&b, 0x16, r->dl_max_size);	    /* "Downlink ... Max Size" */
	put_opt_u32(&b, 0x15, r->dl_max_datagrams); /* "Downlink ... Max Datagrams" */
	put_opt_u32(&b, 0x13, r->dl_agg);	    /* "Downlink Data Aggregation Protocol" */
	put_opt_u32(&b, 0x12, r->ul_agg);	    /* "Uplink Data Aggregation Protocol" */
	put_opt_u32(&b, 0x11, r->link_layer);	    /* "Link Layer Protocol" */
	put_opt_u8(&b, 0x10, r->qos_format);	    /* "QoS Format" */
	return qmi_finish(&b);
}

int qmi_wda_get_format_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint32_t ep_type,
			   uint32_t ep_iface)
{
	struct qmi_builder b;

	qmi_build(&b, buf, size, QMI_SVC_WDA, cid, tid, QMI_WDA_GET_FORMAT, QMI_REQ);
	if (ep_type != QMI_U32_UNKNOWN) {
		qmi_tlv_begin(&b, 0x10); /* "Endpoint Info" {type, interface} */
		qmi_add_u32(&b, ep_type);
		qmi_add_u32(&b, ep_iface);
		qmi_tlv_end(&b);
	}
	return qmi_finish(&b);
}

int qmi_wda_format_rsp(const struct qmi_msg *m, struct qmi_wda_format *out, uint16_t *qmi_error)
{
	memset(out, 0xff, sizeof(*out));
	if (!qmi_is(m, QMI_SVC_WDA, QMI_WDA_SET_FORMAT, QMI_RSP) &&
	    !qmi_is(m, QMI_SVC_WDA, QMI_WDA_GET_FORMAT, QMI_RSP))
		return -EBADMSG;
	get_u8(m, 0x10, &out->qos_format);	  /* "QoS Format" */
	get_u32(m, 0x11, &out->link_layer);	  /* "Link Layer Protocol" */
	get_u32(m, 0x12, &out->ul_agg);		  /* "Uplink ... Protocol" */
	get_u32(m, 0x13, &out->dl_agg);		  /* "Downlink ... Protocol" */
	get_u32(m, 0x14, &out->ndp_signature);	  /* "NDP Signature" */
	get_u32(m, 0x15, &out->dl_max_datagrams); /* "Downlink ... Max Datagrams" */
	get_u32(m, 0x16, &out->dl_max_size);	  /* "Downlink ... Max Size" */
	get_u32(m, 0x17, &out->ul_max_datagrams); /* "Uplink ... Max Datagrams" */
	get_u32(m, 0x18, &out->ul_max_size);	  /* "Uplink ... Max Size" */
	get_u32(m, 0x1A, &out->dl_min_padding);	  /* "Download Minimum Padding" */
	get_u8(m, 0x1B, &out->flow_control);	  /* "Flow Control" */
	return qmi_result(m, qmi_error);
}

/* ======================================== names ======================================== */

/* clang-format off */
static const char reg_states[] =
	"not_registered\0registered\0searching\0registering_denied\0unknown";
static const char rats[] =
	"none\0cdma-1x\0cdma-1xevdo\0amps\0gsm\0umts\0\0\0lte\0td-scdma\0\0\0" "5gnr";
static const char wds_states[] = "unknown\0disconnected\0connected\0suspended\0authenticating";
static const char pin_states[] = "not_initialized\0not_verified\0verified\0disabled\0blocked\0"
				 "permanently_blocked\0unblocked\0changed";
static const char app_states[] = "unknown\0detected\0pin-required\0puk-required\0"
				 "check-personalization-state\0pin1-blocked\0illegal\0ready";
/* clang-format on */

static const char *name_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

const char *qmi_nas_reg_state_name(uint8_t state)
{
	return name_or(NTH(reg_states, state), "unknown");
}

const char *qmi_nas_rat_name(int8_t rat)
{
	return name_or(rat < 0 ? NULL : NTH(rats, (unsigned)rat), "unknown");
}

const char *qmi_wds_status_name(uint8_t status)
{
	return name_or(NTH(wds_states, status), "unknown");
}

const char *qmi_pin_status_name(uint8_t status)
{
	return name_or(NTH(pin_states, status), "unknown");
}

const char *qmi_uim_app_state_name(uint8_t state)
{
	return name_or(NTH(app_states, state), "unknown");
}
