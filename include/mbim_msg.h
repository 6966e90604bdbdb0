/* mbim_msg.h - the Basic Connect messages a dial, a status report and a teardown need, the
 * subscribe list, and the mbim-proxy configuration. CIDs and layouts: libmbim
 * data/mbim-service-basic-connect.json and mbim-service-proxy-control.json, mbim-cid.h;
 * enumerations: libmbim mbim-enums.h.
 *
 * Conventions (as qmi_msg.h):
 * - Encoders: int mbim_<msg>_{query,set}(buf, size, tid, ...) -> message length or -errno
 *   (-EMSGSIZE, -EINVAL for invalid UTF-8). They match libmbim's encoder byte for byte
 *   (the vectors, and tests/mbim_gi.test has libmbim build each request again).
 *   Empty queries: mbim_command(buf, size, tid, MBIM_SVC_BASIC_CONNECT, cid, MBIM_QUERY).
 * - Decoders: int mbim_<msg>_rsp(const struct mbim_msg *m, T *out, uint32_t *status) take the
 *   COMMAND_DONE, or the INDICATE_STATUS for CIDs that have notifications (status 0 then).
 *   out is reset to UNKNOWN first. Returns 0; -EREMOTEIO when the status is not 0 (*status set if
 *   not NULL; fields a failure carries, such as NwError or PIN attempts, are decoded when the
 *   InformationBuffer holds them); -EPROTO when the InformationBuffer is short or an
 *   offset/size pair points outside it (out is UNKNOWN again); -EBADMSG when m is not that
 *   message (type, service or CID differ, or it is an unassembled fragment).
 * - UNKNOWN: MBIM_U32_UNKNOWN / MBIM_U64_UNKNOWN for numbers, "" for strings, counts 0, an
 *   all-zero UUID.
 * - Result-only responses (subscribe list, proxy configuration, attach/radio sets when the
 *   caller ignores the state): mbim_result(m, &status) after mbim_matches().
 */
#ifndef WWANBOX_MBIM_MSG_H
#define WWANBOX_MBIM_MSG_H

#include <limits.h>
#include <stdint.h>
#include "mbim.h"

#define MBIM_U32_UNKNOWN 0xFFFFFFFFu
#define MBIM_U64_UNKNOWN UINT64_MAX

/* Basic Connect CIDs (libmbim mbim-cid.h MbimCidBasicConnect) */
#define MBIM_CID_DEVICE_CAPS 1
#define MBIM_CID_SUBSCRIBER_READY_STATUS 2
#define MBIM_CID_RADIO_STATE 3
#define MBIM_CID_PIN 4
#define MBIM_CID_HOME_PROVIDER 6
#define MBIM_CID_VISIBLE_PROVIDERS 8
#define MBIM_CID_REGISTER_STATE 9
#define MBIM_CID_PACKET_SERVICE 10
#define MBIM_CID_SIGNAL_STATE 11
#define MBIM_CID_CONNECT 12
#define MBIM_CID_PROVISIONED_CONTEXTS 13
#define MBIM_CID_SERVICE_ACTIVATION 14
#define MBIM_CID_IP_CONFIGURATION 15
#define MBIM_CID_DEVICE_SERVICES 16
#define MBIM_CID_DEVICE_SERVICE_SUBSCRIBE_LIST 19
/* Proxy Control CIDs (libmbim MbimCidProxyControl) */
#define MBIM_CID_PROXY_CONFIGURATION 1
#define MBIM_CID_PROXY_VERSION 2

/* Enumerations (libmbim mbim-enums.h) */
#define MBIM_READY_NOT_INITIALIZED 0 /* MbimSubscriberReadyState */
#define MBIM_READY_INITIALIZED 1
#define MBIM_READY_SIM_NOT_INSERTED 2
#define MBIM_READY_BAD_SIM 3
#define MBIM_READY_FAILURE 4
#define MBIM_READY_NOT_ACTIVATED 5
#define MBIM_READY_DEVICE_LOCKED 6
#define MBIM_READY_NO_ESIM_PROFILE 7

#define MBIM_RADIO_OFF 0 /* MbimRadioSwitchState */
#define MBIM_RADIO_ON 1

#define MBIM_PIN_TYPE_UNKNOWN 0 /* MbimPinType */
#define MBIM_PIN_TYPE_PIN1 2
#define MBIM_PIN_TYPE_PIN2 3
#define MBIM_PIN_TYPE_PUK1 11
#define MBIM_PIN_STATE_UNLOCKED 0 /* MbimPinState */
#define MBIM_PIN_STATE_LOCKED 1
#define MBIM_PIN_OP_ENTER 0 /* MbimPinOperation */
#define MBIM_PIN_OP_ENABLE 1
#define MBIM_PIN_OP_DISABLE 2
#define MBIM_PIN_OP_CHANGE 3

#define MBIM_REGISTER_UNKNOWN 0 /* MbimRegisterState */
#define MBIM_REGISTER_DEREGISTERED 1
#define MBIM_REGISTER_SEARCHING 2
#define MBIM_REGISTER_HOME 3
#define MBIM_REGISTER_ROAMING 4
#define MBIM_REGISTER_PARTNER 5
#define MBIM_REGISTER_DENIED 6
#define MBIM_REGISTER_ACTION_AUTOMATIC 0 /* MbimRegisterAction */
#define MBIM_REGISTER_ACTION_MANUAL 1

#define MBIM_PACKET_ATTACH 0 /* MbimPacketServiceAction */
#define MBIM_PACKET_DETACH 1
#define MBIM_PACKET_UNKNOWN 0 /* MbimPacketServiceState */
#define MBIM_PACKET_ATTACHING 1
#define MBIM_PACKET_ATTACHED 2
#define MBIM_PACKET_DETACHING 3
#define MBIM_PACKET_DETACHED 4

#define MBIM_DATA_CLASS_UMTS (1U << 2) /* MbimDataClass bits (a few; see mbim_data_class_name) */
#define MBIM_DATA_CLASS_LTE (1U << 5)
#define MBIM_DATA_CLASS_5G_NSA (1U << 6)
#define MBIM_DATA_CLASS_5G_SA (1U << 7)
#define MBIM_DATA_CLASS_CUSTOM (1U << 31)

#define MBIM_DEACTIVATE 0 /* MbimActivationCommand */
#define MBIM_ACTIVATE 1
#define MBIM_ACTIVATION_UNKNOWN 0 /* MbimActivationState */
#define MBIM_ACTIVATED 1
#define MBIM_ACTIVATING 2
#define MBIM_DEACTIVATED 3
#define MBIM_DEACTIVATING 4
#define MBIM_COMPRESSION_NONE 0 /* MbimCompression */
#define MBIM_AUTH_NONE 0	/* MbimAuthProtocol */
#define MBIM_AUTH_PAP 1
#define MBIM_AUTH_CHAP 2
#define MBIM_AUTH_MSCHAPV2 3
#define MBIM_IP_DEFAULT 0 /* MbimContextIpType */
#define MBIM_IP_V4 1
#define MBIM_IP_V6 2
#define MBIM_IP_V4V6 3
#define MBIM_IP_V4_AND_V6 4

#define MBIM_IP_AVAIL_ADDRESS (1U << 0) /* MbimIPConfigurationAvailableFlag */
#define MBIM_IP_AVAIL_GATEWAY (1U << 1)
#define MBIM_IP_AVAIL_DNS (1U << 2)
#define MBIM_IP_AVAIL_MTU (1U << 3)

/* Context type Internet 7e5e2a7e-4e6f-7272-736b-656e7e5e2a7e (libmbim mbim-uuid.c), the
 * default of mbim_connect_set() */
extern const uint8_t mbim_context_internet[16];

/* String buffers: IMSI 15 digits, ICCID 19-20, MSISDN up to 15 + '+', PLMN id 5-6 digits;
 * names as long as libmbim's max-size hints (60 characters) allow in ASCII. */
#define MBIM_ID_MAX 40
#define MBIM_NAME_MAX 64
#define MBIM_PLMN_MAX 8
#define MBIM_MAX_NUMBERS 3
#define MBIM_IP_MAX 4 /* addresses and DNS servers kept per family */

/* ---- DEVICE_CAPS (query: mbim_command) ---- */
struct mbim_device_caps {
	uint32_t device_type, cellular_class, voice_class, sim_class, data_class, sms_caps,
		ctrl_caps, max_sessions;
	char custom_data_class[MBIM_ID_MAX];
	char device_id[MBIM_ID_MAX]; /* IMEI */
	char firmware[MBIM_NAME_MAX];
	char hardware[MBIM_NAME_MAX];
};
int mbim_device_caps_rsp(const struct mbim_msg *m, struct mbim_device_caps *out, uint32_t *status);

/* ---- SUBSCRIBER_READY_STATUS (query: mbim_command; also an indication) ---- */
struct mbim_subscriber {
	uint32_t ready_state; /* MBIM_READY_* */
	uint32_t ready_info;
	char subscriber_id[MBIM_ID_MAX]; /* IMSI */
	char iccid[MBIM_ID_MAX];
	uint32_t n_numbers; /* as the modem sent; the first MBIM_MAX_NUMBERS are kept */
	char numbers[MBIM_MAX_NUMBERS][MBIM_ID_MAX];
};
int mbim_subscriber_rsp(const struct mbim_msg *m, struct mbim_subscriber *out, uint32_t *status);

/* ---- RADIO_STATE (query: mbim_command; also an indication) ---- */
struct mbim_radio {
	uint32_t hw, sw; /* MBIM_RADIO_* */
};
int mbim_radio_set(uint8_t *buf, size_t size, uint32_t tid, uint32_t state);
int mbim_radio_rsp(const struct mbim_msg *m, struct mbim_radio *out, uint32_t *status);

/* ---- PIN (query: mbim_command) ---- */
struct mbim_pin {
	uint32_t pin_type;  /* MBIM_PIN_TYPE_*: the PIN the SIM waits for (PIN1, PUK1, ...) */
	uint32_t pin_state; /* MBIM_PIN_STATE_* */
	uint32_t attempts;  /* remaining; also in a failed PIN set */
};
/* pin and new_pin are secrets (mbim_redact); new_pin NULL unless op is CHANGE or a PUK */
int mbim_pin_set(uint8_t *buf, size_t size, uint32_t tid, uint32_t pin_type, uint32_t op,
		 const char *pin, const char *new_pin);
int mbim_pin_rsp(const struct mbim_msg *m, struct mbim_pin *out, uint32_t *status);

/* ---- HOME_PROVIDER (query: mbim_command), VISIBLE_PROVIDERS ---- */
struct mbim_provider {
	char id[MBIM_PLMN_MAX]; /* MCC + MNC, "26006" */
	uint32_t state;		/* MbimProviderState bits */
	char name[MBIM_NAME_MAX];
	uint32_t cellular_class, rssi, error_rate;
};
int mbim_home_provider_rsp(const struct mbim_msg *m, struct mbim_provider *out, uint32_t *status);
/* action 0 full scan, 1 restricted */
int mbim_visible_providers_query(uint8_t *buf, size_t size, uint32_t tid, uint32_t action);
/* Fills up to max providers; *count = what the modem listed. */
int mbim_visible_providers_rsp(const struct mbim_msg *m, struct mbim_provider *out, size_t max,
			       uint32_t *count, uint32_t *status);

/* ---- REGISTER_STATE (query: mbim_command; also an indication) ---- */
struct mbim_register {
	uint32_t nw_error;	 /* 3GPP TS 24.008 cause, mbim_nw_error_str() */
	uint32_t state;		 /* MBIM_REGISTER_* */
	uint32_t mode;		 /* 1 automatic, 2 manual */
	uint32_t data_classes;	 /* available: MbimDataClass bits */
	uint32_t cellular_class; /* 1 GSM (3GPP), 2 CDMA */
	uint32_t flags;		 /* MbimRegistrationFlag */
	char provider_id[MBIM_PLMN_MAX];
	char provider_name[MBIM_NAME_MAX];
	char roaming_text[MBIM_NAME_MAX];
};
/* Register with the home network automatically (umbim "registration x") */
int mbim_register_set_auto(uint8_t *buf, size_t size, uint32_t tid);
int mbim_register_rsp(const struct mbim_msg *m, struct mbim_register *out, uint32_t *status);

/* ---- PACKET_SERVICE (query: mbim_command; also an indication) ---- */
struct mbim_packet_service {
	uint32_t nw_error;
	uint32_t state;		   /* MBIM_PACKET_ATTACHED ... */
	uint32_t data_class;	   /* highest available */
	uint64_t uplink, downlink; /* bits/s */
};
int mbim_packet_service_set(uint8_t *buf, size_t size, uint32_t tid, uint32_t action);
int mbim_packet_service_rsp(const struct mbim_msg *m, struct mbim_packet_service *out,
			    uint32_t *status);

/* ---- SIGNAL_STATE (query: mbim_command; also an indication) ---- */
struct mbim_signal {
	uint32_t rssi;	     /* 0-31 (see mbim_rssi_dbm), 99 unknown */
	uint32_t error_rate; /* 0-7, 99 unknown */
	uint32_t interval, rssi_threshold, error_rate_threshold;
};
/* interval in seconds between indications (0 = modem default), thresholds (0 = default) */
int mbim_signal_set(uint8_t *buf, size_t size, uint32_t tid, uint32_t interval,
		    uint32_t rssi_threshold, uint32_t error_rate_threshold);
int mbim_signal_rsp(const struct mbim_msg *m, struct mbim_signal *out, uint32_t *status);

#define MBIM_DBM_UNKNOWN INT_MIN
/* MBIM_SIGNAL_STATE_INFO Rssi uses the 3GPP TS 27.007 +CSQ scale: 0 = -113 dBm or less,
 * 31 = -51 dBm or more, 2 dB steps, 99 unknown (vector M21: 20 -> -73 dBm) */
static inline int mbim_rssi_dbm(uint32_t rssi)
{
	return rssi <= 31 ? -113 + 2 * (int)rssi : MBIM_DBM_UNKNOWN;
}

/* ---- CONNECT ---- */
struct mbim_connect_req {
	uint32_t session;	/* 0 .. max_sessions - 1 */
	uint32_t command;	/* MBIM_ACTIVATE / MBIM_DEACTIVATE */
	const char *apn;	/* access string; NULL: empty */
	const char *user;	/* NULL: empty */
	const char *password;	/* secret: never logged (mbim_redact) */
	uint32_t compression;	/* MBIM_COMPRESSION_NONE */
	uint32_t auth;		/* MBIM_AUTH_* */
	uint32_t ip_type;	/* MBIM_IP_* */
	const uint8_t *context; /* context type UUID; NULL: mbim_context_internet */
};
void mbim_connect_req_init(struct mbim_connect_req *r); /* session 0, activate, rest empty */
int mbim_connect_set(uint8_t *buf, size_t size, uint32_t tid, const struct mbim_connect_req *r);
/* The activation state of a session: the query carries the session id (and context type
 * Internet, as mbimcli and ModemManager send it). */
int mbim_connect_query(uint8_t *buf, size_t size, uint32_t tid, uint32_t session);

struct mbim_connect {
	uint32_t session;
	uint32_t activation; /* MBIM_ACTIVATED ... */
	uint32_t voice_call;
	uint32_t ip_type;  /* MBIM_IP_* granted */
	uint32_t nw_error; /* why an activation failed: 3GPP TS 24.008 cause */
	uint8_t context[16];
};
int mbim_connect_rsp(const struct mbim_msg *m, struct mbim_connect *out, uint32_t *status);

/* ---- IP_CONFIGURATION (also an indication) ---- */
struct mbim_ipv4 {
	uint32_t prefix;
	uint8_t addr[4]; /* network byte order */
};
struct mbim_ipv6 {
	uint32_t prefix;
	uint8_t addr[16];
};
struct mbim_ip_config {
	uint32_t session;
	uint32_t v4_avail, v6_avail; /* MBIM_IP_AVAIL_*; fields without their bit are ignored */
	uint32_t n_v4, n_v6;	     /* addresses kept (the modem may list more) */
	uint32_t n_v4_dns, n_v6_dns; /* DNS servers kept */
	struct mbim_ipv4 v4[MBIM_IP_MAX];
	struct mbim_ipv6 v6[MBIM_IP_MAX];
	uint8_t has_v4_gw, has_v6_gw;
	uint8_t v4_gw[4], v6_gw[16];
	uint8_t v4_dns[MBIM_IP_MAX][4];
	uint8_t v6_dns[MBIM_IP_MAX][16];
	uint32_t v4_mtu, v6_mtu; /* MBIM_U32_UNKNOWN without the MTU bit */
};
int mbim_ip_config_query(uint8_t *buf, size_t size, uint32_t tid, uint32_t session);
int mbim_ip_config_rsp(const struct mbim_msg *m, struct mbim_ip_config *out, uint32_t *status);

/* ---- DEVICE_SERVICE_SUBSCRIBE_LIST (set; the response echoes the list) ---- */
struct mbim_event {
	uint8_t service; /* enum mbim_service */
	uint8_t n;	 /* CIDs; 0 = every notification of the service */
	const uint32_t *cids;
};
int mbim_subscribe_set(uint8_t *buf, size_t size, uint32_t tid, const struct mbim_event *ev,
		       size_t n);
/* What a dialer needs: Basic Connect subscriber ready, radio, register state, packet service,
 * signal, connect, IP configuration. */
int mbim_subscribe_dialer(uint8_t *buf, size_t size, uint32_t tid);

/* ---- mbim-proxy (libmbim data/mbim-service-proxy-control.json) ---- */
/* The first message on the "\0mbim-proxy" socket: DevicePath (UTF-16LE), Timeout (seconds, the
 * proxy's per-request timeout). The proxy answers COMMAND_DONE with status 0. */
int mbim_proxy_config_set(uint8_t *buf, size_t size, uint32_t tid, const char *path,
			  uint32_t timeout);

/* ---- names: libmbim's nicks, as mbimcli prints them ---- */
const char *mbim_ready_state_name(uint32_t state);	/* "initialized", "device-locked" */
const char *mbim_register_state_name(uint32_t state);	/* "home", "roaming", ... */
const char *mbim_packet_state_name(uint32_t state);	/* "attached", ... */
const char *mbim_activation_state_name(uint32_t state); /* "activated", ... */
const char *mbim_pin_type_name(uint32_t type);		/* "pin1", "puk1", ... */
const char *mbim_data_class_name(uint32_t classes);	/* the best of the set: "lte" */
/* 3GPP TS 24.008 cause in words ("requested service option not subscribed"), or NULL */
const char *mbim_nw_error_str(uint32_t nw_error);

#endif
