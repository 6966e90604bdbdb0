/* qmi_send.c - a small scripted QMI client for tests of modem-sim (not part of the product).
 *
 *	qmi_send [-t MS] DEV CMD...
 *
 * Opens DEV (pty, cdc-wdm or unix socket, through core/wdm), then runs the commands in order.
 * A request command sends one request and waits up to -t MS (default 2000) for its response,
 * matched on service, client id, transaction id and message id; every frame that arrives
 * meanwhile is printed too. Commands:
 *	version | alloc SVC | release SVC CID | sync
 *	ids CID | opmode CID | serving CID | sysinfo CID | signal CID | card CID
 *	pin CID CODE (UIM Verify PIN1) | dmspin CID | dmsverify CID CODE
 *	start CID [apn=A] [ip=4|6] [user=U] [pass=P] [auth=N] | stop CID HANDLE|last (that
 *	CID's last handle)
 *	settings CID | status CID | family CID 4|6 | wda-get CID | wda-set CID 802.3|raw-ip
 *	req SVC CID 0xMSG [0xTT=HEX ...]	any request, TLVs given in hex
 *	raw HEX					send bytes as they are, no wait
 *	listen MS				print what arrives during MS
 *	sleep MS				wait without reading
 *	gone MS					expect the device to vanish within MS
 * Output, one line per frame: "rsp|ind SVC 0xMSG cid N tid N [ms N] [result 0xE] tlvs T,T..
 * [decoded values]", "timeout SVC 0xMSG", "gone", and at the end "garbage N" (bytes the framer
 * dropped). Exit 0, 1 on an I/O error or an unexpected vanish, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "wwanbox.h"
#include "addr.h"
#include "qmi.h"
#include "qmi_msg.h"
#include "wdm.h"

static struct wdm w;
static int timeout_ms = 2000;
static uint8_t ctl_tid, want_svc, want_cid;
static uint16_t svc_tid = 0x100, want_tid, want_msg;
static bool waiting, matched;
static long long sent_at;
static uint32_t handles[256]; /* the last packet data handle per WDS client id */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void)
{
	fprintf(stderr, "usage: qmi_send [-t MS] DEV CMD... (see tests/tools/qmi_send.c)\n");
	exit(2);
}

static int svc_of(const char *s)
{
	static const char *const names[] = {"ctl", "wds", "dms", "nas", "uim", "wda"};
	static const uint8_t ids[] = {QMI_SVC_CTL, QMI_SVC_WDS, QMI_SVC_DMS, QMI_SVC_NAS,
				      QMI_SVC_UIM, QMI_SVC_WDA};

	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i]))
			return ids[i];
	return (int)strtol(s, NULL, 0);
}

static const char *svc_name(uint8_t svc)
{
	switch (svc) {
	case QMI_SVC_CTL: return "CTL";
	case QMI_SVC_WDS: return "WDS";
	case QMI_SVC_DMS: return "DMS";
	case QMI_SVC_NAS: return "NAS";
	case QMI_SVC_UIM: return "UIM";
	case QMI_SVC_WDA: return "WDA";
	}
	return "?";
}

static void ip4(const char *key, const struct qmi_ipv4 *a)
{
	char buf[ADDR_IP4_STRLEN];

	if (!a->valid)
		return;
	fmt_ip4(buf, a->addr);
	printf(" %s=%s", key, buf);
}

static void ip6(const char *key, const struct qmi_ipv6 *a)
{
	char buf[ADDR_IP6_STRLEN];

	if (!a->valid)
		return;
	fmt_ip6(buf, a->addr);
	printf(" %s=%s", key, buf);
	if (a->prefix != QMI_U8_UNKNOWN)
		printf("/%u", a->prefix);
}

static void decode_settings(const struct qmi_msg *m)
{
	struct qmi_wds_settings s;

	qmi_wds_get_settings_rsp(m, &s, NULL);
	ip4("ip4", &s.ipv4);
	ip4("gw4", &s.gateway4);
	ip4("mask4", &s.netmask4);
	ip4("dns4a", &s.dns4[0]);
	ip4("dns4b", &s.dns4[1]);
	ip6("ip6", &s.ipv6);
	ip6("gw6", &s.gateway6);
	ip6("dns6a", &s.dns6[0]);
	ip6("dns6b", &s.dns6[1]);
	if (s.mtu != QMI_U32_UNKNOWN)
		printf(" mtu=%u", s.mtu);
	if (s.ip_family != QMI_U8_UNKNOWN)
		printf(" family=%u", s.ip_family);
	if (s.apn[0])
		printf(" apn=%s", s.apn);
}

static void decode_end(const struct qmi_wds_call_end *e)
{
	if (e->verbose_type != QMI_U16_UNKNOWN)
		printf(" end=%u/%u/%d", e->reason, e->verbose_type, e->verbose_reason);
}

/* The values tests compare; everything else is shown as TLV ids only. */
static void decode(const struct qmi_msg *m)
{
	union {
		struct qmi_ctl_cid cid;
		struct qmi_wds_start_rsp start;
		struct qmi_wds_pkt_status pkt;
		struct qmi_dms_ids ids;
		struct qmi_nas_serving srv;
		struct qmi_nas_signal sig;
		struct qmi_uim_card_status card;
		struct qmi_wda_format fmt;
		struct qmi_dms_opmode op;
		struct qmi_dms_pin_status pin;
		struct qmi_pin retries;
	} u;

	if (qmi_ctl_alloc_cid_rsp(m, &u.cid, NULL) == 0)
		printf(" cid=%u", u.cid.cid);
	if (qmi_is(m, QMI_SVC_WDS, QMI_WDS_START_NETWORK, QMI_RSP)) {
		qmi_wds_start_network_rsp(m, &u.start, NULL);
		if (u.start.handle != QMI_U32_UNKNOWN) {
			handles[m->client_id] = u.start.handle;
			printf(" handle=0x%08x", u.start.handle);
		}
		decode_end(&u.start.end);
	}
	if (qmi_wds_pkt_status_ind(m, &u.pkt) == 0 || qmi_wds_pkt_status_rsp(m, &u.pkt, NULL) >= 0) {
		if (u.pkt.status != QMI_U8_UNKNOWN)
			printf(" status=%s", qmi_wds_status_name(u.pkt.status));
		decode_end(&u.pkt.end);
	}
	if (qmi_is(m, QMI_SVC_WDS, QMI_WDS_GET_SETTINGS, QMI_RSP))
		decode_settings(m);
	if (qmi_dms_ids_rsp(m, &u.ids, NULL) == 0)
		printf(" imei=%s", u.ids.imei);
	if (qmi_dms_get_opmode_rsp(m, &u.op, NULL) == 0)
		printf(" opmode=%u", u.op.mode);
	if (qmi_dms_pin_status_rsp(m, &u.pin, NULL) == 0)
		printf(" pin1=%s left=%u", qmi_pin_status_name(u.pin.pin1.status),
		       u.pin.pin1.verify_left);
	if (qmi_is(m, QMI_SVC_UIM, QMI_UIM_VERIFY_PIN, QMI_RSP) ||
	    qmi_is(m, QMI_SVC_DMS, QMI_DMS_VERIFY_PIN, QMI_RSP)) {
		if (qmi_uim_verify_pin_rsp(m, &u.retries, NULL) == -EBADMSG)
			qmi_dms_verify_pin_rsp(m, &u.retries, NULL);
		if (u.retries.verify_left != QMI_U8_UNKNOWN)
			printf(" left=%u puk=%u", u.retries.verify_left, u.retries.unblock_left);
	}
	if (qmi_nas_get_serving_rsp(m, &u.srv, NULL) == 0 || qmi_nas_serving_ind(m, &u.srv) == 0) {
		printf(" reg=%s", qmi_nas_reg_state_name(u.srv.reg_state));
		if (u.srv.mcc != QMI_U16_UNKNOWN)
			printf(" mcc=%u mnc=%u name=%s roaming=%u", u.srv.mcc, u.srv.mnc,
			       u.srv.description, u.srv.roaming);
		if (u.srv.n_rat)
			printf(" rat=%s", qmi_nas_rat_name(u.srv.rat[0]));
	}
	if (qmi_nas_get_signal_rsp(m, &u.sig, NULL) == 0 && u.sig.lte_rssi != QMI_I16_UNKNOWN)
		printf(" rssi=%d rsrq=%d rsrp=%d snr=%d", u.sig.lte_rssi, u.sig.lte_rsrq,
		       u.sig.lte_rsrp, u.sig.lte_snr);
	if (qmi_uim_card_status_rsp(m, &u.card, NULL) == 0)
		printf(" card=%u app=%s pin1=%s left=%u", u.card.card_state,
		       qmi_uim_app_state_name(u.card.app_state),
		       qmi_pin_status_name(u.card.pin1.status), u.card.pin1.verify_left);
	if (qmi_wda_format_rsp(m, &u.fmt, NULL) == 0)
		printf(" llp=%u", u.fmt.link_layer);
}

static void on_frame(struct wdm *wd, const uint8_t *f, size_t len)
{
	static const char *const types[] = {"req", "rsp", "ind"};
	struct qmi_msg m;
	uint16_t err = 0;
	size_t pos = 0;
	const uint8_t *v;
	uint16_t l;
	uint8_t t;
	const char *sep = " tlvs ";

	(void)wd;
	if (qmi_parse(f, len, &m) < 0) {
		printf("malformed len %zu\n", len);
		return;
	}
	printf("%s %s 0x%04x cid %u tid %u", types[m.type], svc_name(m.service), m.msg_id,
	       m.client_id, m.tid);
	if (waiting && qmi_matches(&m, want_svc, want_cid, want_tid, want_msg)) {
		matched = true;
		printf(" ms %lld", now_ms() - sent_at);
	}
	if (m.type == QMI_RSP && qmi_result(&m, &err) != -EPROTO)
		printf(" result 0x%04x", err);
	while (qmi_tlv_next(&m, &pos, &t, &v, &l)) {
		printf("%s%02x", sep, t);
		sep = ",";
	}
	decode(&m);
	printf("\n");
	fflush(stdout);
}

/* Read frames until the response arrives (or, without one pending, until ms passed). */
static int pump(int ms)
{
	long long end = now_ms() + ms;
	int r;

	for (;;) {
		long long left = end - now_ms();

		if (waiting && matched)
			return 0;
		if (left <= 0)
			return -ETIMEDOUT;
		r = wdm_poll(&w, (int)left);
		if (r == -ENODEV) {
			printf("gone\n");
			fflush(stdout);
			return r;
		}
		if (r < 0 && r != -ETIMEDOUT)
			return r;
	}
}

static int send_wait(const uint8_t *buf, int n)
{
	struct qmi_msg m;
	int r;

	if (n < 0 || qmi_parse(buf, (size_t)n, &m) < 0) {
		fprintf(stderr, "qmi_send: cannot build the request\n");
		exit(1);
	}
	want_svc = m.service;
	want_cid = m.client_id;
	want_tid = m.tid;
	want_msg = m.msg_id;
	matched = false;
	waiting = true;
	sent_at = now_ms();
	r = wdm_write(&w, buf, (size_t)n, 1000);
	if (r == 0)
		r = pump(timeout_ms);
	waiting = false;
	if (r == -ETIMEDOUT) {
		printf("timeout %s 0x%04x tid %u\n", svc_name(want_svc), want_msg, want_tid);
		return 0;
	}
	return r;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 32);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static long frame_len(const uint8_t *buf, size_t have)
{
	return qmi_frame_len(buf, have);
}

static size_t unhex(const char *s, uint8_t *out, size_t size)
{
	size_t n = 0;

	for (; s[0] && s[1] && n < size; s += 2) {
		int hi = hexval(s[0]), lo = hexval(s[1]);

		if (hi < 0 || lo < 0)
			break;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	if (*s) {
		fprintf(stderr, "qmi_send: bad hex '%s'\n", s);
		exit(2);
	}
	return n;
}

static const char *need(char **argv, int i, int argc)
{
	if (i >= argc)
		usage();
	return argv[i];
}

static int cid_arg(char **argv, int i, int argc)
{
	return atoi(need(argv, i, argc));
}

/* One command at argv[i]; returns how many arguments it used, or exits. */
static int command(char **argv, int i, int argc, int *ret)
{
	const char *cmd = argv[i];
	uint8_t buf[2048];
	int n = -1, used = 1, cid = 0;

	if (strcmp(cmd, "version") && strcmp(cmd, "sync") && strcmp(cmd, "raw") &&
	    strcmp(cmd, "listen") && strcmp(cmd, "sleep") && strcmp(cmd, "gone") &&
	    strcmp(cmd, "alloc") && strcmp(cmd, "release") && strcmp(cmd, "req"))
		cid = cid_arg(argv, i + used++, argc);
	if (!strcmp(cmd, "version")) {
		n = qmi_ctl_get_version_req(buf, sizeof(buf), ++ctl_tid);
	} else if (!strcmp(cmd, "sync")) {
		n = qmi_ctl_sync_req(buf, sizeof(buf), ++ctl_tid);
	} else if (!strcmp(cmd, "alloc")) {
		n = qmi_ctl_alloc_cid_req(buf, sizeof(buf), ++ctl_tid,
					  (uint8_t)svc_of(need(argv, i + used++, argc)));
	} else if (!strcmp(cmd, "release")) {
		int svc = svc_of(need(argv, i + used++, argc));

		n = qmi_ctl_release_cid_req(buf, sizeof(buf), ++ctl_tid, (uint8_t)svc,
					    (uint8_t)cid_arg(argv, i + used++, argc));
	} else if (!strcmp(cmd, "ids")) {
		n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_DMS, (uint8_t)cid, ++svc_tid, QMI_DMS_IDS);
	} else if (!strcmp(cmd, "opmode")) {
		n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_DMS, (uint8_t)cid, ++svc_tid,
				  QMI_DMS_GET_OPMODE);
	} else if (!strcmp(cmd, "dmspin")) {
		n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_DMS, (uint8_t)cid, ++svc_tid,
				  QMI_DMS_PIN_STATUS);
	} else if (!strcmp(cmd, "dmsverify")) {
		n = qmi_dms_verify_pin_req(buf, sizeof(buf), (uint8_t)cid, ++svc_tid, 1,
					   need(argv, i + used++, argc));
	} else if (!strcmp(cmd, "serving")) {
		n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_NAS, (uint8_t)cid, ++svc_tid,
				  QMI_NAS_SERVING_SYSTEM);
	} else if (!strcmp(cmd, "sysinfo")) {
		n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_NAS, (uint8_t)cid, ++svc_tid,
				  QMI_NAS_SYSTEM_INFO);
	} else if (!strcmp(cmd, "signal")) {
		n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_NAS, (uint8_t)cid, ++svc_tid,
				  QMI_NAS_SIGNAL_INFO);
	} else if (!strcmp(cmd, "card")) {
		n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_UIM, (uint8_t)cid, ++svc_tid,
				  QMI_UIM_CARD_STATUS);
	} else if (!strcmp(cmd, "pin")) {
		n = qmi_uim_verify_pin_req(buf, sizeof(buf), (uint8_t)cid, ++svc_tid,
					   QMI_UIM_SESSION_PRIMARY_GW, QMI_UIM_PIN1,
					   need(argv, i + used++, argc));
	} else if (!strcmp(cmd, "start")) {
		struct qmi_wds_start_req s;

		qmi_wds_start_req_init(&s);
		for (; i + used < argc && strchr(argv[i + used], '='); used++) {
			const char *a = argv[i + used], *v = strchr(a, '=') + 1;

			if (!strncmp(a, "apn=", 4))
				s.apn = v;
			else if (!strncmp(a, "ip=", 3))
				s.ip_family = (uint8_t)atoi(v);
			else if (!strncmp(a, "user=", 5))
				s.username = v;
			else if (!strncmp(a, "pass=", 5))
				s.password = v;
			else if (!strncmp(a, "auth=", 5))
				s.auth = (uint8_t)atoi(v);
			else
				usage();
		}
		n = qmi_wds_start_network_req(buf, sizeof(buf), (uint8_t)cid, ++svc_tid, &s);
	} else if (!strcmp(cmd, "stop")) {
		const char *h = need(argv, i + used++, argc);

		n = qmi_wds_stop_network_req(buf, sizeof(buf), (uint8_t)cid, ++svc_tid,
					     !strcmp(h, "last") ? handles[cid & 0xff]
								: (uint32_t)strtoul(h, NULL, 0),
					     QMI_U8_UNKNOWN);
	} else if (!strcmp(cmd, "settings")) {
		n = qmi_wds_get_settings_req(buf, sizeof(buf), (uint8_t)cid, ++svc_tid,
					     QMI_WDS_SETTINGS_DEFAULT);
	} else if (!strcmp(cmd, "status")) {
		n = qmi_empty_req(buf, sizeof(buf), QMI_SVC_WDS, (uint8_t)cid, ++svc_tid,
				  QMI_WDS_PKT_STATUS);
	} else if (!strcmp(cmd, "family")) {
		n = qmi_wds_set_ip_family_req(buf, sizeof(buf), (uint8_t)cid, ++svc_tid,
					      (uint8_t)atoi(need(argv, i + used++, argc)));
	} else if (!strcmp(cmd, "wda-get")) {
		n = qmi_wda_get_format_req(buf, sizeof(buf), (uint8_t)cid, ++svc_tid,
					   QMI_U32_UNKNOWN, 0);
	} else if (!strcmp(cmd, "wda-set")) {
		struct qmi_wda_format_req f;

		qmi_wda_format_req_init(&f);
		f.link_layer = !strcmp(need(argv, i + used++, argc), "raw-ip") ? QMI_WDA_LLP_RAW_IP
										: QMI_WDA_LLP_802_3;
		n = qmi_wda_set_format_req(buf, sizeof(buf), (uint8_t)cid, ++svc_tid, &f);
	} else if (!strcmp(cmd, "req")) {
		struct qmi_builder b;
		int svc = svc_of(need(argv, i + used++, argc));

		cid = cid_arg(argv, i + used++, argc);
		qmi_build(&b, buf, sizeof(buf), (uint8_t)svc, (uint8_t)cid,
			  svc == QMI_SVC_CTL ? ++ctl_tid : ++svc_tid,
			  (uint16_t)strtoul(need(argv, i + used++, argc), NULL, 0), QMI_REQ);
		for (; i + used < argc && strchr(argv[i + used], '='); used++) {
			uint8_t val[512];
			const char *a = argv[i + used];

			qmi_put_tlv(&b, (uint8_t)strtoul(a, NULL, 0), val,
				    unhex(strchr(a, '=') + 1, val, sizeof(val)));
		}
		n = qmi_finish(&b);
	} else if (!strcmp(cmd, "raw")) {
		size_t len = unhex(need(argv, i + used++, argc), buf, sizeof(buf));

		*ret = wdm_write(&w, buf, len, 1000);
		return used;
	} else if (!strcmp(cmd, "listen")) {
		*ret = pump(atoi(need(argv, i + used++, argc)));
		if (*ret == -ETIMEDOUT)
			*ret = 0;
		return used;
	} else if (!strcmp(cmd, "sleep")) {
		usleep((useconds_t)atoi(need(argv, i + used++, argc)) * 1000);
		return used;
	} else if (!strcmp(cmd, "gone")) {
		*ret = pump(atoi(need(argv, i + used++, argc)));
		if (*ret == -ENODEV)
			*ret = 0;
		else
			printf("still there\n");
		return used;
	} else {
		usage();
	}
	*ret = send_wait(buf, n);
	return used;
}

int main(int argc, char **argv)
{
	int i = 1, r = 0;

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		timeout_ms = atoi(argv[2]);
		i = 3;
	}
	if (i >= argc)
		usage();
	w.on_frame = on_frame;
	r = wdm_open(&w, argv[i], frame_len);
	if (r) {
		fprintf(stderr, "qmi_send: open %s: %s\n", argv[i], strerror(-r));
		return 1;
	}
	for (i++; i < argc && r == 0;)
		i += command(argv, i, argc, &r);
	printf("garbage %lu\n", w.stats.garbage);
	if (r) {
		fprintf(stderr, "qmi_send: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
