/* mbim_msg.c - hand-written encoders/decoders of the Basic Connect messages, the subscribe list
 * and the mbim-proxy configuration.
 *
 * CIDs: libmbim mbim-cid.h. Field order and formats: libmbim data/mbim-service-basic-connect.json
 * and data/mbim-service-proxy-control.json (field names quoted in the comments); "string" is an
 * {offset, size} pair to UTF-16LE data, "ref-struct-array" a count followed by one pair per
 * element, "struct-array"/"ipv4-array" a count and an offset (elements inline, no pair).
 * Enumerations: libmbim mbim-enums.h.
 */
#include "wwanbox.h"
#include "mbim_msg.h"

const uint8_t mbim_context_internet[16] = {0x7e, 0x5e, 0x2a, 0x7e, 0x4e, 0x6f, 0x72, 0x72,
					   0x73, 0x6b, 0x65, 0x6e, 0x7e, 0x5e, 0x2a, 0x7e};

/* ---- decoder skeleton ---- */

typedef int (*parse_fn)(const uint8_t *b, size_t len, void *out);
typedef void (*init_fn)(void *out);

/* A Basic Connect COMMAND_DONE (or, with ind, INDICATE_STATUS) of that CID: 0 or -EREMOTEIO. */
static int ident(const struct mbim_msg *m, uint32_t cid, bool ind, uint32_t *status)
{
	if (status)
		*status = 0;
	if (!m->info || m->service != MBIM_SVC_BASIC_CONNECT || m->cid != cid)
		return -EBADMSG;
	if (m->type == MBIM_INDICATE_STATUS && ind)
		return 0;
	if (m->type != MBIM_COMMAND_DONE)
		return -EBADMSG;
	if (status)
		*status = m->status;
	return m->status ? -EREMOTEIO : 0;
}

/* Failures may carry the InformationBuffer (PIN attempts, NwError): decode it when present. */
static int decode(const struct mbim_msg *m, uint32_t cid, bool ind, parse_fn parse, init_fn init,
		  void *out, uint32_t *status)
{
	int r, p;

	init(out);
	r = ident(m, cid, ind, status);
	if (r == -EBADMSG || (r && !m->info_len))
		return r;
	p = parse(m->info, m->info_len, out);
	if (p)
		init(out);
	return r ? r : p;
}

/* Readers accumulate errors: each returns 0 or -EPROTO, so e |= ... keeps -EPROTO. */
static int u32_at(const uint8_t *b, size_t len, size_t off, uint32_t *v)
{
	return mbim_get_u32(b, len, off, v);
}

static int str_at(const uint8_t *b, size_t len, size_t off, char *dst, size_t size)
{
	return mbim_get_str(b, len, off, dst, size) < 0 ? -EPROTO : 0;
}

/* A Basic Connect COMMAND of that CID with a fixed part of `fixed` bytes. */
static void cmd(struct mbim_builder *b, uint8_t *buf, size_t size, uint32_t tid, uint32_t cid,
		uint32_t cmd_type, size_t fixed)
{
	mbim_build(b, buf, size, MBIM_COMMAND, tid, mbim_uuid(MBIM_SVC_BASIC_CONNECT), cid,
		   cmd_type, fixed);
}

/* A set whose InformationBuffer is n u32 values. */
static int set_u32s(uint8_t *buf, size_t size, uint32_t tid, uint32_t cid, const uint32_t *v,
		    size_t n)
{
	struct mbim_builder b;
	size_t i;

	cmd(&b, buf, size, tid, cid, MBIM_SET, 4 * n);
	for (i = 0; i < n; i++)
		mbim_add_u32(&b, v[i]);
	return mbim_finish(&b);
}

/* ======================================= DEVICE_CAPS ======================================= */

static void caps_init(void *o)
{
	struct mbim_device_caps *c = o;

	c->device_type = c->cellular_class = c->voice_class = c->sim_class = c->data_class =
		c->sms_caps = c->ctrl_caps = c->max_sessions = MBIM_U32_UNKNOWN;
	c->custom_data_class[0] = c->device_id[0] = c->firmware[0] = c->hardware[0] = 0;
}

/* DeviceType, CellularClass, VoiceClass, SimClass, DataClass, SmsCaps, ControlCaps,
 * MaxSessions, then the strings CustomDataClass, DeviceId, FirmwareInfo, HardwareInfo */
static int caps_parse(const uint8_t *b, size_t len, void *o)
{
	struct mbim_device_caps *c = o;
	int e = 0;

	e |= u32_at(b, len, 0, &c->device_type);
	e |= u32_at(b, len, 4, &c->cellular_class);
	e |= u32_at(b, len, 8, &c->voice_class);
	e |= u32_at(b, len, 12, &c->sim_class);
	e |= u32_at(b, len, 16, &c->data_class);
	e |= u32_at(b, len, 20, &c->sms_caps);
	e |= u32_at(b, len, 24, &c->ctrl_caps);
	e |= u32_at(b, len, 28, &c->max_sessions);
	e |= str_at(b, len, 32, c->custom_data_class, sizeof(c->custom_data_class));
	e |= str_at(b, len, 40, c->device_id, sizeof(c->device_id));
	e |= str_at(b, len, 48, c->firmware, sizeof(c->firmware));
	e |= str_at(b, len, 56, c->hardware, sizeof(c->hardware));
	return e;
}

int mbim_device_caps_rsp(const struct mbim_msg *m, struct mbim_device_caps *out, uint32_t *status)
{
	return decode(m, MBIM_CID_DEVICE_CAPS, false, caps_parse, caps_init, out, status);
}

/* ================================ SUBSCRIBER_READY_STATUS ================================ */

static void sub_init(void *o)
{
	struct mbim_subscriber *s = o;
	unsigned i;

	s->ready_state = s->ready_info = MBIM_U32_UNKNOWN;
	s->subscriber_id[0] = s->iccid[0] = 0;
	s->n_numbers = 0;
	for (i = 0; i < MBIM_MAX_NUMBERS; i++)
		s->numbers[i][0] = 0;
}

/* ReadyState, SubscriberId, SimIccId, ReadyInfo, TelephoneNumbersCount, TelephoneNumbers
 * (string-array: one pair per number right behind the count) */
static int sub_parse(const uint8_t *b, size_t len, void *o)
{
	struct mbim_subscriber *s = o;
	char skip[4];
	uint32_t i;
	int e = 0;

	e |= u32_at(b, len, 0, &s->ready_state);
	e |= str_at(b, len, 4, s->subscriber_id, sizeof(s->subscriber_id));
	e |= str_at(b, len, 12, s->iccid, sizeof(s->iccid));
	e |= u32_at(b, len, 20, &s->ready_info);
	e |= u32_at(b, len, 24, &s->n_numbers);
	for (i = 0; !e && i < s->n_numbers; i++) { /* a bogus count fails at the first bad pair */
		if (i < MBIM_MAX_NUMBERS)
			e |= str_at(b, len, 28 + 8 * (size_t)i, s->numbers[i], MBIM_ID_MAX);
		else
			e |= str_at(b, len, 28 + 8 * (size_t)i, skip, sizeof(skip));
	}
	return e;
}

int mbim_subscriber_rsp(const struct mbim_msg *m, struct mbim_subscriber *out, uint32_t *status)
{
	return decode(m, MBIM_CID_SUBSCRIBER_READY_STATUS, true, sub_parse, sub_init, out, status);
}

/* ======================================= RADIO_STATE ======================================= */

int mbim_radio_set(uint8_t *buf, size_t size, uint32_t tid, uint32_t state)
{
	return set_u32s(buf, size, tid, MBIM_CID_RADIO_STATE, &state, 1); /* "RadioState" */
}

static void radio_init(void *o)
{
	struct mbim_radio *r = o;

	r->hw = r->sw = MBIM_U32_UNKNOWN;
}

static int radio_parse(const uint8_t *b, size_t len, void *o) /* HwRadioState, SwRadioState */
{
	struct mbim_radio *r = o;

	return u32_at(b, len, 0, &r->hw) | u32_at(b, len, 4, &r->sw);
}

int mbim_radio_rsp(const struct mbim_msg *m, struct mbim_radio *out, uint32_t *status)
{
	return decode(m, MBIM_CID_RADIO_STATE, true, radio_parse, radio_init, out, status);
}

/* =========================================== PIN =========================================== */

/* PinType, PinOperation, Pin, NewPin */
int mbim_pin_set(uint8_t *buf, size_t size, uint32_t tid, uint32_t pin_type, uint32_t op,
		 const char *pin, const char *new_pin)
{
	struct mbim_builder b;

	cmd(&b, buf, size, tid, MBIM_CID_PIN, MBIM_SET, 24);
	mbim_add_u32(&b, pin_type);
	mbim_add_u32(&b, op);
	mbim_add_str(&b, pin);
	mbim_add_str(&b, new_pin);
	return mbim_finish(&b);
}

static void pin_init(void *o)
{
	struct mbim_pin *p = o;

	p->pin_type = p->pin_state = p->attempts = MBIM_U32_UNKNOWN;
}

static int pin_parse(const uint8_t *b, size_t len, void *o) /* PinType, PinState, Remaining */
{
	struct mbim_pin *p = o;

	return u32_at(b, len, 0, &p->pin_type) | u32_at(b, len, 4, &p->pin_state) |
	       u32_at(b, len, 8, &p->attempts);
}

int mbim_pin_rsp(const struct mbim_msg *m, struct mbim_pin *out, uint32_t *status)
{
	return decode(m, MBIM_CID_PIN, false, pin_parse, pin_init, out, status);
}

/* ======================================== PROVIDERS ======================================== */

static void provider_init(void *o)
{
	struct mbim_provider *p = o;

	p->id[0] = p->name[0] = 0;
	p->state = p->cellular_class = p->rssi = p->error_rate = MBIM_U32_UNKNOWN;
}

/* MbimProvider: ProviderId, ProviderState, ProviderName, CellularClass, Rssi, ErrorRate; its
 * pairs count from the start of the structure (b) */
static int provider_parse(const uint8_t *b, size_t len, void *o)
{
	struct mbim_provider *p = o;
	int e = 0;

	e |= str_at(b, len, 0, p->id, sizeof(p->id));
	e |= u32_at(b, len, 8, &p->state);
	e |= str_at(b, len, 12, p->name, sizeof(p->name));
	e |= u32_at(b, len, 20, &p->cellular_class);
	e |= u32_at(b, len, 24, &p->rssi);
	e |= u32_at(b, len, 28, &p->error_rate);
	return e;
}

int mbim_home_provider_rsp(const struct mbim_msg *m, struct mbim_provider *out, uint32_t *status)
{
	return decode(m, MBIM_CID_HOME_PROVIDER, false, provider_parse, provider_init, out, status);
}

int mbim_visible_providers_query(uint8_t *buf, size_t size, uint32_t tid, uint32_t action)
{
	struct mbim_builder b;

	cmd(&b, buf, size, tid, MBIM_CID_VISIBLE_PROVIDERS, MBIM_QUERY, 4);
	mbim_add_u32(&b, action); /* "Action" */
	return mbim_finish(&b);
}

/* ProvidersCount, Providers (ref-struct-array of MbimProvider) */
static int providers_parse(const uint8_t *b, size_t len, struct mbim_provider *out, size_t max,
			   uint32_t *count)
{
	struct mbim_provider skip;
	const uint8_t *p;
	uint32_t i, n;

	if (u32_at(b, len, 0, count))
		return -EPROTO;
	for (i = 0; i < *count; i++) {
		if (mbim_get_ol(b, len, 4 + 8 * (size_t)i, &p, &n) || !p)
			return -EPROTO;
		if (provider_parse(p, len - (size_t)(p - b), i < max ? &out[i] : &skip))
			return -EPROTO;
	}
	return 0;
}

int mbim_visible_providers_rsp(const struct mbim_msg *m, struct mbim_provider *out, size_t max,
			       uint32_t *count, uint32_t *status)
{
	size_t i;
	int r;

	for (i = 0; i < max; i++)
		provider_init(&out[i]);
	*count = 0;
	r = ident(m, MBIM_CID_VISIBLE_PROVIDERS, false, status);
	if (r)
		return r;
	r = providers_parse(m->info, m->info_len, out, max, count);
	if (r) {
		for (i = 0; i < max; i++)
			provider_init(&out[i]);
		*count = 0;
	}
	return r;
}

/* ====================================== REGISTER_STATE ====================================== */

/* ProviderId, RegisterAction, DataClass: automatic registration names no provider */
int mbim_register_set_auto(uint8_t *buf, size_t size, uint32_t tid)
{
	struct mbim_builder b;

	cmd(&b, buf, size, tid, MBIM_CID_REGISTER_STATE, MBIM_SET, 16);
	mbim_add_str(&b, NULL);
	mbim_add_u32(&b, MBIM_REGISTER_ACTION_AUTOMATIC);
	mbim_add_u32(&b, 0);
	return mbim_finish(&b);
}

static void reg_init(void *o)
{
	struct mbim_register *r = o;

	r->nw_error = r->state = r->mode = r->data_classes = r->cellular_class = r->flags =
		MBIM_U32_UNKNOWN;
	r->provider_id[0] = r->provider_name[0] = r->roaming_text[0] = 0;
}

/* NwError, RegisterState, RegisterMode, AvailableDataClasses, CurrentCellularClass,
 * ProviderId, ProviderName, RoamingText, RegistrationFlag */
static int reg_parse(const uint8_t *b, size_t len, void *o)
{
	struct mbim_register *r = o;
	int e = 0;

	e |= u32_at(b, len, 0, &r->nw_error);
	e |= u32_at(b, len, 4, &r->state);
	e |= u32_at(b, len, 8, &r->mode);
	e |= u32_at(b, len, 12, &r->data_classes);
	e |= u32_at(b, len, 16, &r->cellular_class);
	e |= str_at(b, len, 20, r->provider_id, sizeof(r->provider_id));
	e |= str_at(b, len, 28, r->provider_name, sizeof(r->provider_name));
	e |= str_at(b, len, 36, r->roaming_text, sizeof(r->roaming_text));
	e |= u32_at(b, len, 44, &r->flags);
	return e;
}

int mbim_register_rsp(const struct mbim_msg *m, struct mbim_register *out, uint32_t *status)
{
	return decode(m, MBIM_CID_REGISTER_STATE, true, reg_parse, reg_init, out, status);
}

/* ====================================== PACKET_SERVICE ====================================== */

int mbim_packet_service_set(uint8_t *buf, size_t size, uint32_t tid, uint32_t action)
{
	return set_u32s(buf, size, tid, MBIM_CID_PACKET_SERVICE, &action, 1); /* "...Action" */
}

static void ps_init(void *o)
{
	struct mbim_packet_service *p = o;

	p->nw_error = p->state = p->data_class = MBIM_U32_UNKNOWN;
	p->uplink = p->downlink = MBIM_U64_UNKNOWN;
}

/* NwError, PacketServiceState, HighestAvailableDataClass, UplinkSpeed u64, DownlinkSpeed u64 */
static int ps_parse(const uint8_t *b, size_t len, void *o)
{
	struct mbim_packet_service *p = o;

	return u32_at(b, len, 0, &p->nw_error) | u32_at(b, len, 4, &p->state) |
	       u32_at(b, len, 8, &p->data_class) | mbim_get_u64(b, len, 12, &p->uplink) |
	       mbim_get_u64(b, len, 20, &p->downlink);
}

int mbim_packet_service_rsp(const struct mbim_msg *m, struct mbim_packet_service *out,
			    uint32_t *status)
{
	return decode(m, MBIM_CID_PACKET_SERVICE, true, ps_parse, ps_init, out, status);
}

/* ======================================= SIGNAL_STATE ======================================= */

/* SignalStrengthInterval, RssiThreshold, ErrorRateThreshold */
int mbim_signal_set(uint8_t *buf, size_t size, uint32_t tid, uint32_t interval,
		    uint32_t rssi_threshold, uint32_t error_rate_threshold)
{
	const uint32_t v[3] = {interval, rssi_threshold, error_rate_threshold};

	return set_u32s(buf, size, tid, MBIM_CID_SIGNAL_STATE, v, 3);
}

static void sig_init(void *o)
{
	struct mbim_signal *s = o;

	s->rssi = s->error_rate = s->interval = s->rssi_threshold = s->error_rate_threshold =
		MBIM_U32_UNKNOWN;
}

/* Rssi, ErrorRate, SignalStrengthInterval, RssiThreshold, ErrorRateThreshold */
static int sig_parse(const uint8_t *b, size_t len, void *o)
{
	struct mbim_signal *s = o;

	return u32_at(b, len, 0, &s->rssi) | u32_at(b, len, 4, &s->error_rate) |
	       u32_at(b, len, 8, &s->interval) | u32_at(b, len, 12, &s->rssi_threshold) |
	       u32_at(b, len, 16, &s->error_rate_threshold);
}

int mbim_signal_rsp(const struct mbim_msg *m, struct mbim_signal *out, uint32_t *status)
{
	return decode(m, MBIM_CID_SIGNAL_STATE, true, sig_parse, sig_init, out, status);
}

/* ========================================= CONNECT ========================================= */

void mbim_connect_req_init(struct mbim_connect_req *r)
{
	memset(r, 0, sizeof(*r));
	r->command = MBIM_ACTIVATE;
}

/* SessionId, ActivationCommand, AccessString, UserName, Password, Compression, AuthProtocol,
 * IpType, ContextType: libmbim's byte order, strings in that order (vectors M13, M24) */
int mbim_connect_set(uint8_t *buf, size_t size, uint32_t tid, const struct mbim_connect_req *r)
{
	struct mbim_builder b;

	cmd(&b, buf, size, tid, MBIM_CID_CONNECT, MBIM_SET, 60);
	mbim_add_u32(&b, r->session);
	mbim_add_u32(&b, r->command);
	mbim_add_str(&b, r->apn);
	mbim_add_str(&b, r->user);
	mbim_add_str(&b, r->password);
	mbim_add_u32(&b, r->compression);
	mbim_add_u32(&b, r->auth);
	mbim_add_u32(&b, r->ip_type);
	mbim_add_raw(&b, r->context ? r->context : mbim_context_internet, 16);
	return mbim_finish(&b);
}

/* The query has the response's layout: SessionId set, ActivationState unknown, VoiceCallState
 * none, IpType default, ContextType Internet, NwError 0 (what mbimcli --query-connection-state
 * and ModemManager send) */
int mbim_connect_query(uint8_t *buf, size_t size, uint32_t tid, uint32_t session)
{
	struct mbim_builder b;

	cmd(&b, buf, size, tid, MBIM_CID_CONNECT, MBIM_QUERY, 36);
	mbim_add_u32(&b, session);
	mbim_add_u32(&b, MBIM_ACTIVATION_UNKNOWN);
	mbim_add_u32(&b, 0);
	mbim_add_u32(&b, MBIM_IP_DEFAULT);
	mbim_add_raw(&b, mbim_context_internet, 16);
	mbim_add_u32(&b, 0);
	return mbim_finish(&b);
}

static void conn_init(void *o)
{
	struct mbim_connect *c = o;

	c->session = c->activation = c->voice_call = c->ip_type = c->nw_error = MBIM_U32_UNKNOWN;
	memset(c->context, 0, sizeof(c->context));
}

/* SessionId, ActivationState, VoiceCallState, IpType, ContextType, NwError. The MBIMEx v3
 * response starts the same way (M17); what follows is ignored. */
static int conn_parse(const uint8_t *b, size_t len, void *o)
{
	struct mbim_connect *c = o;
	int e = 0;

	e |= u32_at(b, len, 0, &c->session);
	e |= u32_at(b, len, 4, &c->activation);
	e |= u32_at(b, len, 8, &c->voice_call);
	e |= u32_at(b, len, 12, &c->ip_type);
	e |= u32_at(b, len, 32, &c->nw_error);
	if (!e)
		memcpy(c->context, b + 16, 16);
	return e;
}

int mbim_connect_rsp(const struct mbim_msg *m, struct mbim_connect *out, uint32_t *status)
{
	return decode(m, MBIM_CID_CONNECT, true, conn_parse, conn_init, out, status);
}

/* ===================================== IP_CONFIGURATION ===================================== */

/* The query has the response's layout (60 bytes) with only SessionId set. */
int mbim_ip_config_query(uint8_t *buf, size_t size, uint32_t tid, uint32_t session)
{
	struct mbim_builder b;
	static const uint32_t zero[14];

	cmd(&b, buf, size, tid, MBIM_CID_IP_CONFIGURATION, MBIM_QUERY, 60);
	mbim_add_u32(&b, session);
	mbim_add_raw(&b, zero, sizeof(zero));
	return mbim_finish(&b);
}

static void ipc_init(void *o)
{
	struct mbim_ip_config *c = o;

	memset(c, 0, sizeof(*c));
	c->session = c->v4_avail = c->v6_avail = c->v4_mtu = c->v6_mtu = MBIM_U32_UNKNOWN;
}

/* A count at cnt_off and an offset behind it: n elements of elem bytes, MBIM_IP_MAX kept */
static int ip_array(const uint8_t *b, size_t len, size_t cnt_off, size_t elem, const uint8_t **p,
		    uint32_t *kept)
{
	uint32_t n;

	if (u32_at(b, len, cnt_off, &n) || mbim_get_array(b, len, cnt_off + 4, n, elem, p))
		return -EPROTO;
	*kept = MIN(n, MBIM_IP_MAX);
	return 0;
}

/* MbimIPv4Element {u32 OnLinkPrefixLength, ipv4}: 8 bytes each */
static int v4_addrs(const uint8_t *b, size_t len, struct mbim_ip_config *c)
{
	const uint8_t *p;
	uint32_t i;

	if (ip_array(b, len, 12, 8, &p, &c->n_v4))
		return -EPROTO;
	for (i = 0; i < c->n_v4; i++, p += 8) {
		c->v4[i].prefix = get_le32(p);
		memcpy(c->v4[i].addr, p + 4, 4);
	}
	return 0;
}

/* MbimIPv6Element {u32 OnLinkPrefixLength, ipv6}: 20 bytes each */
static int v6_addrs(const uint8_t *b, size_t len, struct mbim_ip_config *c)
{
	const uint8_t *p;
	uint32_t i;

	if (ip_array(b, len, 20, 20, &p, &c->n_v6))
		return -EPROTO;
	for (i = 0; i < c->n_v6; i++, p += 20) {
		c->v6[i].prefix = get_le32(p);
		memcpy(c->v6[i].addr, p + 4, 16);
	}
	return 0;
}

/* ipv4-array / ipv6-array of DNS servers */
static int ip_dns(const uint8_t *b, size_t len, size_t cnt_off, size_t alen, uint8_t *dst,
		  uint32_t *kept)
{
	const uint8_t *p;

	if (ip_array(b, len, cnt_off, alen, &p, kept))
		return -EPROTO;
	if (*kept)
		memcpy(dst, p, *kept * alen);
	return 0;
}

/* A ref-ipv4/ref-ipv6 gateway: an offset, 0 = none */
static int ip_gw(const uint8_t *b, size_t len, size_t off, size_t alen, uint8_t *dst, uint8_t *has)
{
	const uint8_t *p;
	uint32_t o;

	if (u32_at(b, len, off, &o))
		return -EPROTO;
	if (!o)
		return 0;
	if (mbim_get_array(b, len, off, 1, alen, &p))
		return -EPROTO;
	memcpy(dst, p, alen);
	*has = 1;
	return 0;
}

/* SessionId, IPv4ConfigurationAvailable, IPv6ConfigurationAvailable, IPv4AddressCount,
 * IPv4Address (struct-array of MbimIPv4Element, 8 bytes), IPv6AddressCount, IPv6Address (20-byte
 * elements), IPv4Gateway (ref-ipv4), IPv6Gateway (ref-ipv6), IPv4DnsServerCount,
 * IPv4DnsServer (ipv4-array), IPv6DnsServerCount, IPv6DnsServer, IPv4Mtu, IPv6Mtu. Fields whose
 * availability bit is clear are ignored (MBIM 1.0 MBIM_IP_CONFIGURATION_INFO). umbim printed
 * the gateway only with the DNS bit and stepped 4/16 bytes through the addresses (notes/
 * uqmi-umbim.md §6 bug 22). */
static int ipc_parse(const uint8_t *b, size_t len, void *o)
{
	struct mbim_ip_config *c = o;
	uint32_t v4, v6;
	int e = 0;

	e |= u32_at(b, len, 0, &c->session) | u32_at(b, len, 4, &v4) | u32_at(b, len, 8, &v6);
	if (e || len < 60)
		return -EPROTO;
	c->v4_avail = v4;
	c->v6_avail = v6;
	if (v4 & MBIM_IP_AVAIL_ADDRESS)
		e |= v4_addrs(b, len, c);
	if (v6 & MBIM_IP_AVAIL_ADDRESS)
		e |= v6_addrs(b, len, c);
	if (v4 & MBIM_IP_AVAIL_GATEWAY)
		e |= ip_gw(b, len, 28, 4, c->v4_gw, &c->has_v4_gw);
	if (v6 & MBIM_IP_AVAIL_GATEWAY)
		e |= ip_gw(b, len, 32, 16, c->v6_gw, &c->has_v6_gw);
	if (v4 & MBIM_IP_AVAIL_DNS)
		e |= ip_dns(b, len, 36, 4, c->v4_dns[0], &c->n_v4_dns);
	if (v6 & MBIM_IP_AVAIL_DNS)
		e |= ip_dns(b, len, 44, 16, c->v6_dns[0], &c->n_v6_dns);
	if (v4 & MBIM_IP_AVAIL_MTU)
		c->v4_mtu = get_le32(b + 52);
	if (v6 & MBIM_IP_AVAIL_MTU)
		c->v6_mtu = get_le32(b + 56);
	return e;
}

int mbim_ip_config_rsp(const struct mbim_msg *m, struct mbim_ip_config *out, uint32_t *status)
{
	return decode(m, MBIM_CID_IP_CONFIGURATION, true, ipc_parse, ipc_init, out, status);
}

/* ============================== DEVICE_SERVICE_SUBSCRIBE_LIST ============================== */

/* EventsCount, Events (ref-struct-array of MbimEventEntry {DeviceServiceId, CidsCount, Cids}):
 * each entry built in place in the data area (vector M15) */
int mbim_subscribe_set(uint8_t *buf, size_t size, uint32_t tid, const struct mbim_event *ev,
		       size_t n)
{
	uint8_t entry[16 + 4 + 4 * 255];
	struct mbim_builder b;
	size_t i, j;

	cmd(&b, buf, size, tid, MBIM_CID_DEVICE_SERVICE_SUBSCRIBE_LIST, MBIM_SET, 4 + 8 * n);
	mbim_add_u32(&b, (uint32_t)n);
	for (i = 0; i < n; i++) {
		const uint8_t *uuid = mbim_uuid(ev[i].service);

		if (!uuid)
			break; /* its pair stays unwritten: mbim_finish() says -EINVAL */
		memcpy(entry, uuid, 16);
		put_le32(entry + 16, ev[i].n);
		for (j = 0; j < ev[i].n; j++)
			put_le32(entry + 20 + 4 * j, ev[i].cids[j]);
		mbim_add_ref(&b, entry, 20 + 4 * (size_t)ev[i].n);
	}
	return mbim_finish(&b);
}

int mbim_subscribe_dialer(uint8_t *buf, size_t size, uint32_t tid)
{
	static const uint32_t cids[] = {
		MBIM_CID_SUBSCRIBER_READY_STATUS, MBIM_CID_RADIO_STATE,	 MBIM_CID_REGISTER_STATE,
		MBIM_CID_PACKET_SERVICE,	  MBIM_CID_SIGNAL_STATE, MBIM_CID_CONNECT,
		MBIM_CID_IP_CONFIGURATION,
	};
	const struct mbim_event ev = {MBIM_SVC_BASIC_CONNECT, ARRAY_SIZE(cids), cids};

	return mbim_subscribe_set(buf, size, tid, &ev, 1);
}

/* ======================================== mbim-proxy ======================================== */

/* DevicePath (string), Timeout (u32): vector M26 */
int mbim_proxy_config_set(uint8_t *buf, size_t size, uint32_t tid, const char *path,
			  uint32_t timeout)
{
	struct mbim_builder b;

	mbim_build(&b, buf, size, MBIM_COMMAND, tid, mbim_uuid(MBIM_SVC_PROXY_CONTROL),
		   MBIM_CID_PROXY_CONFIGURATION, MBIM_SET, 12);
	mbim_add_str(&b, path);
	mbim_add_u32(&b, timeout);
	return mbim_finish(&b);
}

/* ========================================== names ========================================== */

/* "a\0b\0c\0" -> the i-th string, or "unknown" */
static const char *nth(const char *list, size_t size, uint32_t i)
{
	const char *p = list, *end = list + size - 1;

	for (; p < end; p += strlen(p) + 1)
		if (!i--)
			return p;
	return "unknown";
}

#define NTH(list, i) nth(list, sizeof(list), i)

/* libmbim MbimSubscriberReadyState, MbimRegisterState, MbimPacketServiceState,
 * MbimActivationState, MbimPinType nicks */
static const char ready_states[] = "not-initialized\0initialized\0sim-not-inserted\0bad-sim\0"
				   "failure\0not-activated\0device-locked\0no-esim-profile";
static const char register_states[] = "unknown\0deregistered\0searching\0home\0roaming\0"
				      "partner\0denied";
static const char packet_states[] = "unknown\0attaching\0attached\0detaching\0detached";
static const char activation_states[] = "unknown\0activated\0activating\0deactivated\0"
					"deactivating";
static const char pin_types[] = "unknown\0custom\0pin1\0pin2\0device-sim-pin\0"
				"device-first-sim-pin\0network-pin\0network-subset-pin\0"
				"service-provider-pin\0corporate-pin\0subsidy-pin\0puk1\0puk2\0"
				"device-first-sim-puk\0network-puk\0network-subset-puk\0"
				"service-provider-puk\0corporate-puk";
/* MbimDataClass bits 0-7 (3GPP), 16-22 (3GPP2) */
/* clang-format off */
static const char classes_3gpp[] = "gprs\0edge\0umts\0hsdpa\0hsupa\0lte\0" "5g-nsa\0" "5g-sa";
static const char classes_3gpp2[] = "1xrtt\0" "1xevdo\0" "1xevdo-reva\0" "1xevdv\0" "3xrtt\0"
				    "1xevdo-revb\0umb";
/* clang-format on */

const char *mbim_ready_state_name(uint32_t state)
{
	return NTH(ready_states, state);
}

const char *mbim_register_state_name(uint32_t state)
{
	return NTH(register_states, state);
}

const char *mbim_packet_state_name(uint32_t state)
{
	return NTH(packet_states, state);
}

const char *mbim_activation_state_name(uint32_t state)
{
	return NTH(activation_states, state);
}

const char *mbim_pin_type_name(uint32_t type)
{
	return NTH(pin_types, type);
}

static int top_bit(uint32_t v)
{
	return v ? 31 - __builtin_clz(v) : -1;
}

const char *mbim_data_class_name(uint32_t classes)
{
	int bit;

	if (classes == MBIM_U32_UNKNOWN)
		return "unknown";
	bit = top_bit(classes & 0xff);
	if (bit >= 0)
		return NTH(classes_3gpp, (uint32_t)bit);
	bit = top_bit(classes & 0x7f0000);
	if (bit >= 0)
		return NTH(classes_3gpp2, (uint32_t)bit - 16);
	return classes & MBIM_DATA_CLASS_CUSTOM ? "custom" : "none";
}

/* 3GPP TS 24.008 §10.5.3.6 (MM), §10.5.5.14 (GMM) and §10.5.6.6 (SM) causes as MBIM reports
 * them in NwError (libmbim MbimNwError); the ones a dial meets. <code byte><text>\0 */
/* clang-format off */
static const char nw_errors[] =
	"\x02" "IMSI unknown in HLR\0" "\x03" "illegal MS\0" "\x05" "IMEI not accepted\0"
	"\x06" "illegal ME\0" "\x07" "GPRS services not allowed\0"
	"\x08" "GPRS and non-GPRS services not allowed\0" "\x0a" "implicitly detached\0"
	"\x0b" "PLMN not allowed\0" "\x0c" "location area not allowed\0"
	"\x0d" "roaming not allowed in this location area\0"
	"\x0e" "GPRS services not allowed in this PLMN\0"
	"\x0f" "no suitable cells in location area\0" "\x11" "network failure\0"
	"\x16" "congestion\0" "\x1a" "insufficient resources\0" "\x1b" "missing or unknown APN\0"
	"\x1c" "unknown PDP address or PDP type\0" "\x1d" "user authentication failed\0"
	"\x1e" "activation rejected by GGSN, Serving GW or PDN GW\0"
	"\x1f" "activation rejected, unspecified\0" "\x20" "service option not supported\0"
	"\x21" "requested service option not subscribed\0"
	"\x22" "service option temporarily out of order\0"
	"\x32" "PDP type IPv4 only allowed\0" "\x33" "PDP type IPv6 only allowed\0"
	"\x41" "maximum number of PDP contexts reached\0"
	"\x42" "requested APN not supported in current RAT and PLMN combination\0"
	"\x6f" "protocol error, unspecified\0"
	"\x70" "APN restriction value incompatible with active PDP context\0";
/* clang-format on */

const char *mbim_nw_error_str(uint32_t nw_error)
{
	const char *p = nw_errors;

	while (*p) {
		if ((uint8_t)*p == nw_error)
			return p + 1;
		p += strlen(p) + 1;
	}
	return NULL;
}
