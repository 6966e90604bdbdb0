/* qmi_msg.h - encoders/decoders of the ~30 QMI messages a dial, a status report and a teardown
 * need (CTL, WDS, NAS, DMS, UIM, WDA). Message/TLV ids: libqmi data/qmi-service-*.json.
 *
 * Conventions:
 * - Encoders: int qmi_<svc>_<msg>_req(buf, size, cid, tid, ...) -> frame length or -EMSGSIZE.
 *   TLVs are written in descending type order, like libqmi, so frames compare byte for byte.
 *   Optional request fields use the UNKNOWN sentinels below (or NULL strings) for "not sent".
 * - Decoders: int qmi_<svc>_<msg>_rsp(const struct qmi_msg *m, T *out, uint16_t *qmi_error):
 *   out is reset to UNKNOWN first, then filled from whatever TLVs are present (failure responses
 *   carry call-end reasons and PIN retries). Returns 0, -EREMOTEIO (modem said no; *qmi_error
 *   set if not NULL), -EPROTO (result TLV or a mandatory TLV missing/short) or -EBADMSG (m is
 *   not that message: service, id or type differ). Optional TLVs that are too short are ignored
 *   (their fields stay UNKNOWN), as libqmi does.
 * - Every decoded value starts at an explicit UNKNOWN: all-ones for unsigned scalars, the type's
 *   minimum for signed ones, "" for strings, valid == 0 for addresses.
 * - Result-only responses (Sync, Proxy Open, Stop Network, Set IP Family, Bind Mux, Set
 *   Operating Mode, Register Indications): qmi_check(m, service, msg id, &qmi_error).
 * - Requests without TLVs: qmi_empty_req(buf, size, service, cid, tid, msg id).
 */
#ifndef WWANBOX_QMI_MSG_H
#define WWANBOX_QMI_MSG_H

#include <stdint.h>
#include "qmi.h"

#define QMI_U8_UNKNOWN 0xFFu
#define QMI_U16_UNKNOWN 0xFFFFu
#define QMI_U32_UNKNOWN 0xFFFFFFFFu
#define QMI_I16_UNKNOWN INT16_MIN

/* Message ids */
#define QMI_CTL_GET_VERSION 0x0021
#define QMI_CTL_ALLOC_CID 0x0022
#define QMI_CTL_RELEASE_CID 0x0023
#define QMI_CTL_SET_DATA_FORMAT 0x0026
#define QMI_CTL_SYNC 0x0027	  /* request; as an indication: all CIDs were dropped */
#define QMI_CTL_PROXY_OPEN 0xFF00 /* libqmi qmi-proxy handshake, the first message */

#define QMI_WDS_START_NETWORK 0x0020
#define QMI_WDS_STOP_NETWORK 0x0021
#define QMI_WDS_PKT_STATUS 0x0022   /* Get Packet Service Status, and its indication */
#define QMI_WDS_GET_SETTINGS 0x002D /* Get Current Settings */
#define QMI_WDS_SET_IP_FAMILY 0x004D
#define QMI_WDS_BIND_MUX 0x00A2 /* Bind Mux Data Port */

#define QMI_NAS_REGISTER_IND 0x0003   /* Register Indications */
#define QMI_NAS_SERVING_SYSTEM 0x0024 /* Get Serving System, and its indication */
#define QMI_NAS_SYSTEM_INFO 0x004D    /* Get System Info */
#define QMI_NAS_SIGNAL_INFO 0x004F    /* Get Signal Info */

#define QMI_DMS_MANUFACTURER 0x0021
#define QMI_DMS_MODEL 0x0022
#define QMI_DMS_REVISION 0x0023
#define QMI_DMS_IDS 0x0025
#define QMI_DMS_VERIFY_PIN 0x0028 /* UIM Verify PIN (DMS fallback for old firmware) */
#define QMI_DMS_PIN_STATUS 0x002B /* UIM Get PIN Status */
#define QMI_DMS_GET_OPMODE 0x002D
#define QMI_DMS_SET_OPMODE 0x002E

#define QMI_UIM_VERIFY_PIN 0x0026
#define QMI_UIM_CARD_STATUS 0x002F

#define QMI_WDA_SET_FORMAT 0x0020
#define QMI_WDA_GET_FORMAT 0x0021

/* Enumerations (libqmi qmi-enums-*.h) */
#define QMI_WDS_AUTH_NONE 0 /* QmiWdsAuthentication flags */
#define QMI_WDS_AUTH_PAP 1
#define QMI_WDS_AUTH_CHAP 2
#define QMI_IP_FAMILY_V4 4 /* QmiWdsIpFamily */
#define QMI_IP_FAMILY_V6 6
#define QMI_IP_FAMILY_UNSPEC 8
#define QMI_WDS_DISCONNECTED 1 /* QmiWdsConnectionStatus */
#define QMI_WDS_CONNECTED 2
#define QMI_WDS_SUSPENDED 3
#define QMI_WDS_AUTHENTICATING 4
#define QMI_WDS_END_MIP 1 /* QmiWdsVerboseCallEndReasonType */
#define QMI_WDS_END_INTERNAL 2
#define QMI_WDS_END_CM 3
#define QMI_WDS_END_3GPP 6
#define QMI_WDS_END_PPP 7
#define QMI_WDS_END_EHRPD 8
#define QMI_WDS_END_IPV6 9
/* Requested Settings: pdp-type|dns|granted-qos|ip|gateway|mtu|domains|family, as uqmi asks */
#define QMI_WDS_SETTINGS_DEFAULT 0xE334

#define QMI_NAS_NOT_REGISTERED 0 /* QmiNasRegistrationState */
#define QMI_NAS_REGISTERED 1
#define QMI_NAS_SEARCHING 2
#define QMI_NAS_DENIED 3
#define QMI_NAS_REG_UNKNOWN 4

#define QMI_DMS_OPMODE_ONLINE 0 /* QmiDmsOperatingMode */
#define QMI_DMS_OPMODE_LOW_POWER 1
#define QMI_DMS_OPMODE_OFFLINE 3

#define QMI_PIN_NOT_INITIALIZED 0 /* QmiDmsUimPinStatus; QmiUimPinState uses 0..5 alike */
#define QMI_PIN_NOT_VERIFIED 1
#define QMI_PIN_VERIFIED 2
#define QMI_PIN_DISABLED 3
#define QMI_PIN_BLOCKED 4
#define QMI_PIN_PERM_BLOCKED 5

#define QMI_UIM_CARD_ABSENT 0 /* QmiUimCardState */
#define QMI_UIM_CARD_PRESENT 1
#define QMI_UIM_CARD_ERROR 2
#define QMI_UIM_APP_PIN_REQUIRED 2 /* QmiUimCardApplicationState */
#define QMI_UIM_APP_PUK_REQUIRED 3
#define QMI_UIM_APP_PIN1_BLOCKED 5
#define QMI_UIM_APP_ILLEGAL 6
#define QMI_UIM_APP_READY 7
#define QMI_UIM_SESSION_PRIMARY_GW 0 /* QmiUimSessionType */
#define QMI_UIM_PIN1 1		     /* QmiUimPinId; QmiDmsUimPinId: 1 = PIN, 2 = PIN2 */
#define QMI_UIM_PIN2 2

#define QMI_WDA_LLP_802_3 1 /* QmiWdaLinkLayerProtocol */
#define QMI_WDA_LLP_RAW_IP 2
#define QMI_WDA_AGG_DISABLED 0 /* QmiWdaDataAggregationProtocol */
#define QMI_WDA_AGG_QMAP 5
#define QMI_WDA_AGG_QMAPV4 8
#define QMI_WDA_AGG_QMAPV5 9
#define QMI_EP_HSUSB 2 /* QmiDataEndpointType */
#define QMI_EP_PCIE 3

#define QMI_CTL_LINK_802_3 1 /* QmiCtlDataLinkProtocol */
#define QMI_CTL_LINK_RAW_IP 2

/* Strings: 3GPP TS 23.003 APN is at most 100 octets; IMEI 15 digits. */
#define QMI_APN_MAX 101
#define QMI_NAME_MAX 64
#define QMI_REV_MAX 128

struct qmi_ipv4 {
	uint8_t valid;
	uint8_t addr[4]; /* network byte order */
};

struct qmi_ipv6 {
	uint8_t valid;
	uint8_t prefix; /* QMI_U8_UNKNOWN if the TLV has none (DNS) */
	uint8_t addr[16];
};

/* ---- CTL ---- */

#define QMI_MAX_SERVICES 64
struct qmi_ctl_versions {
	uint8_t count;
	struct {
		uint8_t service;
		uint16_t major, minor;
	} svc[QMI_MAX_SERVICES];
};

struct qmi_ctl_cid {
	uint8_t service;
	uint8_t cid;
};

int qmi_ctl_get_version_req(uint8_t *buf, size_t size, uint8_t tid);
int qmi_ctl_get_version_rsp(const struct qmi_msg *m, struct qmi_ctl_versions *out,
			    uint16_t *qmi_error);
/* 0 and the version if the modem lists that service, else -ENOENT. */
int qmi_ctl_version_of(const struct qmi_ctl_versions *v, uint8_t service, uint16_t *major,
		       uint16_t *minor);
int qmi_ctl_alloc_cid_req(uint8_t *buf, size_t size, uint8_t tid, uint8_t service);
int qmi_ctl_alloc_cid_rsp(const struct qmi_msg *m, struct qmi_ctl_cid *out, uint16_t *qmi_error);
int qmi_ctl_release_cid_req(uint8_t *buf, size_t size, uint8_t tid, uint8_t service, uint8_t cid);
int qmi_ctl_release_cid_rsp(const struct qmi_msg *m, struct qmi_ctl_cid *out, uint16_t *qmi_error);
/* qos_header: 0 absent / 1 present (QMI_U8_UNKNOWN: not sent); link: QMI_CTL_LINK_* */
int qmi_ctl_set_data_format_req(uint8_t *buf, size_t size, uint8_t tid, uint8_t qos_header,
				uint16_t link);
int qmi_ctl_set_data_format_rsp(const struct qmi_msg *m, uint16_t *link, uint16_t *qmi_error);
int qmi_ctl_sync_req(uint8_t *buf, size_t size, uint8_t tid);
bool qmi_ctl_is_sync_ind(const struct qmi_msg *m);
/* Device path: raw string, no NUL, no length prefix (notes/vectors.md §4) */
int qmi_ctl_proxy_open_req(uint8_t *buf, size_t size, uint8_t tid, const char *path);

/* ---- WDS ---- */

struct qmi_wds_start_req {
	const char *apn; /* NULL: not sent (modem uses the profile) */
	const char *username;
	const char *password; /* secret: never logged (see qmi_redact) */
	uint8_t auth;	      /* QMI_WDS_AUTH_* bits */
	uint8_t ip_family;    /* QMI_IP_FAMILY_* */
	uint8_t profile_3gpp; /* profile index */
	uint8_t autoconnect;  /* 0/1 */
};
void qmi_wds_start_req_init(struct qmi_wds_start_req *r); /* everything "not sent" */
int qmi_wds_start_network_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid,
			      const struct qmi_wds_start_req *r);

struct qmi_wds_call_end {
	uint16_t reason;	/* QmiWdsCallEndReason (TLV 0x10) */
	uint16_t verbose_type;	/* QMI_WDS_END_* (TLV 0x11) */
	int16_t verbose_reason; /* 3GPP: TS 24.008 cause */
};

struct qmi_wds_start_rsp {
	uint32_t handle; /* packet data handle, for Stop Network */
	struct qmi_wds_call_end end;
};
int qmi_wds_start_network_rsp(const struct qmi_msg *m, struct qmi_wds_start_rsp *out,
			      uint16_t *qmi_error);

/* handle 0xFFFFFFFF = global; disable_autoconnect 1 stops autoconnect (QMI_U8_UNKNOWN: not sent) */
int qmi_wds_stop_network_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint32_t handle,
			     uint8_t disable_autoconnect);

struct qmi_wds_pkt_status {
	uint8_t status;		     /* QMI_WDS_CONNECTED ... */
	uint8_t reconfig;	     /* indication only: reconfiguration required */
	uint8_t ip_family;	     /* indication only */
	struct qmi_wds_call_end end; /* indication only */
};
int qmi_wds_pkt_status_rsp(const struct qmi_msg *m, struct qmi_wds_pkt_status *out,
			   uint16_t *qmi_error);
int qmi_wds_pkt_status_ind(const struct qmi_msg *m, struct qmi_wds_pkt_status *out);

int qmi_wds_get_settings_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint32_t mask);

struct qmi_wds_settings {
	char apn[QMI_APN_MAX];
	char domains[128]; /* Domain Name List, space separated (truncated to fit) */
	struct qmi_ipv4 ipv4, gateway4, netmask4, dns4[2];
	struct qmi_ipv6 ipv6, gateway6, dns6[2];
	uint32_t mtu;
	uint8_t ip_family; /* QMI_IP_FAMILY_* */
	uint8_t pdp_type;  /* 0 IPv4, 1 PPP, 2 IPv6, 3 IPv4v6 */
};
int qmi_wds_get_settings_rsp(const struct qmi_msg *m, struct qmi_wds_settings *out,
			     uint16_t *qmi_error);

int qmi_wds_set_ip_family_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint8_t family);
/* client_type QMI_U32_UNKNOWN: not sent (ModemManager does not send it) */
int qmi_wds_bind_mux_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint32_t ep_type,
			 uint32_t ep_iface, uint8_t mux_id, uint32_t client_type);

/* Call-end reasons in words: "Mobile IP", "3GPP", ... or NULL for an unknown type. */
const char *qmi_wds_end_type_str(uint16_t verbose_type);
/* 3GPP (type 6) reasons = TS 24.008 §10.5.6.6 SM causes, e.g. 33 "option not subscribed";
 * NULL for other types or unknown codes. */
const char *qmi_wds_end_reason_str(uint16_t verbose_type, int16_t reason);
/* What a user can do about it ("check the APN"), or NULL. */
const char *qmi_wds_end_hint(uint16_t verbose_type, int16_t reason);

/* ---- NAS ---- */

/* Each flag: 1 enable, 0 disable, QMI_U8_UNKNOWN not sent. Serving System (0x0024) and System
 * Info (0x004E) indications are opt-in: ModemManager enables one of them this way. */
int qmi_nas_register_ind_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid,
			     uint8_t serving_system, uint8_t system_info, uint8_t signal_info);

#define QMI_NAS_DESC_ASCII 1 /* description as sent */
#define QMI_NAS_DESC_GSM7 2  /* unpacked from packed GSM-7 (basic charset; others as '?') */
#define QMI_NAS_DESC_OTHER 3 /* UCS-2 or unknown encoding: description left empty */

struct qmi_nas_serving {
	uint8_t reg_state; /* QMI_NAS_REGISTERED ... */
	uint8_t cs_attach; /* 1 attached, 2 detached */
	uint8_t ps_attach;
	uint8_t network; /* 1 3GPP2, 2 3GPP */
	uint8_t n_rat;
	int8_t rat[4];	 /* QmiNasRadioInterface: 4 gsm, 5 umts, 8 lte, 12 5gnr ... */
	uint8_t roaming; /* 0x10: 0 roaming, 1 home */
	uint16_t mcc, mnc;
	uint8_t desc_enc; /* QMI_NAS_DESC_* */
	char description[QMI_NAME_MAX];
	uint8_t srv_status; /* Detailed Service Status: 0 none, 1 limited, 2 available */
	uint8_t srv_domain; /* 0 none, 1 CS, 2 PS, 3 CS+PS */
	uint16_t lac;
	uint16_t tac;
	uint32_t cell_id;
};
int qmi_nas_get_serving_rsp(const struct qmi_msg *m, struct qmi_nas_serving *out,
			    uint16_t *qmi_error);
int qmi_nas_serving_ind(const struct qmi_msg *m, struct qmi_nas_serving *out);

struct qmi_nas_signal {		      /* dBm unless noted; QMI_I16_UNKNOWN if absent */
	int16_t cdma_rssi, cdma_ecio; /* ecio in -0.5 dB units */
	int16_t hdr_rssi;
	int16_t gsm_rssi;
	int16_t umts_rssi, umts_ecio;		       /* ecio in -0.5 dB units */
	int16_t lte_rssi, lte_rsrq, lte_rsrp, lte_snr; /* rsrq dB, snr 0.1 dB */
	int16_t nr_rsrp, nr_snr, nr_rsrq;	       /* snr 0.1 dB, rsrq dB */
};
int qmi_nas_get_signal_rsp(const struct qmi_msg *m, struct qmi_nas_signal *out,
			   uint16_t *qmi_error);

struct qmi_nas_rat_info {   /* GSM/WCDMA/LTE System Info v2 (0x17/0x18/0x19) + status */
	uint8_t srv_status; /* 0x12/0x13/0x14: 0 none, 1 limited, 2 available */
	uint8_t domain;
	uint8_t roaming; /* QmiNasRoamingStatus: 0 off, 1 on */
	uint8_t forbidden;
	uint8_t reject_cause; /* registration reject cause (TS 24.008 / 24.301) */
	uint16_t lac;
	uint16_t tac; /* LTE only */
	uint32_t cell_id;
	char mcc[4], mnc[4];
};
struct qmi_nas_sysinfo {
	struct qmi_nas_rat_info gsm, umts, lte;
};
int qmi_nas_get_sysinfo_rsp(const struct qmi_msg *m, struct qmi_nas_sysinfo *out,
			    uint16_t *qmi_error);

/* ---- DMS ---- */

struct qmi_dms_ids {
	char esn[16], imei[20], meid[20], imeisv[8];
};
int qmi_dms_ids_rsp(const struct qmi_msg *m, struct qmi_dms_ids *out, uint16_t *qmi_error);
/* Get Manufacturer / Model / Revision (msg_id): TLV 0x01 string */
int qmi_dms_string_rsp(const struct qmi_msg *m, uint16_t msg_id, char *out, size_t size,
		       uint16_t *qmi_error);

struct qmi_dms_opmode {
	uint8_t mode;		 /* QMI_DMS_OPMODE_* */
	uint16_t offline_reason; /* QmiDmsOfflineReason bits */
	uint8_t hw_restricted;
};
int qmi_dms_get_opmode_rsp(const struct qmi_msg *m, struct qmi_dms_opmode *out,
			   uint16_t *qmi_error);
int qmi_dms_set_opmode_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint8_t mode);

struct qmi_pin {
	uint8_t status; /* QMI_PIN_* */
	uint8_t verify_left;
	uint8_t unblock_left;
};
struct qmi_dms_pin_status {
	struct qmi_pin pin1, pin2;
};
int qmi_dms_pin_status_rsp(const struct qmi_msg *m, struct qmi_dms_pin_status *out,
			   uint16_t *qmi_error);
/* pin_id 1 = PIN1, 2 = PIN2; the PIN is a secret */
int qmi_dms_verify_pin_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint8_t pin_id,
			   const char *pin);
/* Retries left come with a failed verification (status = QMI_U8_UNKNOWN). */
int qmi_dms_verify_pin_rsp(const struct qmi_msg *m, struct qmi_pin *retries, uint16_t *qmi_error);

/* ---- UIM ---- */

struct qmi_uim_card_status {
	uint8_t n_cards;
	uint8_t slot;	    /* card the fields below come from, QMI_U8_UNKNOWN: none */
	uint8_t app;	    /* application index on that card */
	uint8_t card_state; /* QMI_UIM_CARD_* */
	uint8_t card_error; /* QmiUimCardError */
	uint8_t app_type;   /* 1 SIM, 2 USIM, 3 RUIM, 4 CSIM, 5 ISIM */
	uint8_t app_state;  /* QMI_UIM_APP_* */
	uint8_t perso_state;
	uint8_t upin;		   /* 1: UPIN replaces PIN1 (pin1 below is the UPIN then) */
	struct qmi_pin pin1, pin2; /* status: QmiUimPinState */
	uint8_t puk1_left;	   /* == pin1.unblock_left; for readability */
};
int qmi_uim_card_status_rsp(const struct qmi_msg *m, struct qmi_uim_card_status *out,
			    uint16_t *qmi_error);
int qmi_uim_verify_pin_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid,
			   uint8_t session_type, uint8_t pin_id, const char *pin);
int qmi_uim_verify_pin_rsp(const struct qmi_msg *m, struct qmi_pin *retries, uint16_t *qmi_error);

/* ---- WDA ---- */

struct qmi_wda_format_req {	    /* QMI_U8/U32_UNKNOWN: not sent */
	uint8_t qos_format;	    /* 0x10: 0 = no QoS header */
	uint32_t link_layer;	    /* 0x11: QMI_WDA_LLP_* */
	uint32_t ul_agg, dl_agg;    /* 0x12/0x13: QMI_WDA_AGG_* */
	uint32_t dl_max_datagrams;  /* 0x15 */
	uint32_t dl_max_size;	    /* 0x16 */
	uint32_t ep_type, ep_iface; /* 0x17 Endpoint Info, both or neither */
	uint32_t ul_max_datagrams;  /* 0x1B */
	uint32_t ul_max_size;	    /* 0x1C */
};
void qmi_wda_format_req_init(struct qmi_wda_format_req *r);
int qmi_wda_set_format_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid,
			   const struct qmi_wda_format_req *r);
/* Endpoint Info TLV 0x10 only if ep_type != QMI_U32_UNKNOWN (Quectel RM500Q needs it) */
int qmi_wda_get_format_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t tid, uint32_t ep_type,
			   uint32_t ep_iface);

struct qmi_wda_format { /* Set and Get Data Format responses */
	uint8_t qos_format;
	uint8_t flow_control;
	uint32_t link_layer;
	uint32_t ul_agg, dl_agg;
	uint32_t ndp_signature;
	uint32_t dl_max_datagrams;
	uint32_t dl_max_size; /* what the modem will use: size buffers and MTU from this */
	uint32_t ul_max_datagrams;
	uint32_t ul_max_size;
	uint32_t dl_min_padding;
};
int qmi_wda_format_rsp(const struct qmi_msg *m, struct qmi_wda_format *out, uint16_t *qmi_error);

/* ---- names (uqmi's spellings where uqmi prints the value) ---- */
const char *qmi_nas_reg_state_name(uint8_t state); /* "registered", "searching", ... */
const char *qmi_nas_rat_name(int8_t rat);	   /* "lte", "umts", "gsm", "5gnr", ... */
const char *qmi_wds_status_name(uint8_t status);   /* "connected", "disconnected", ... */
const char *qmi_pin_status_name(uint8_t status);   /* "not_verified", "disabled", ... */
const char *qmi_uim_app_state_name(uint8_t state); /* "ready", "pin-required", ... */

#endif
