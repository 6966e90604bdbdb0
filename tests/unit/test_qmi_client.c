/* test_qmi_client.c - the QMI client against a fake modem on a socketpair, in-process: the fake
 * is a second struct wdm on the other end, served by the same loop, that answers (or drops,
 * duplicates, delays, misaddresses) each request as the test case says.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "wwanbox.h"
#include "loop.h"
#include "qmi.h"
#include "qmi_client.h"
#include "qmi_msg.h"
#include "wdm.h"

static struct qmic CL;
static struct wdm M; /* the fake modem's end */

/* ---- the fake modem ---- */

#define MAX_SEEN 32
#define MAX_LATE 8

enum act { ANSWER, DROP, DUP, LATE, CUSTOM };

struct seen {
	uint8_t service, cid;
	uint16_t tid, msg_id;
	size_t len;
	uint8_t frame[300];
};

static struct seen seen[MAX_SEEN];
static unsigned n_seen;
static enum act (*policy)(const struct qmi_msg *req, unsigned nth); /* NULL: ANSWER */
static void (*custom)(const struct qmi_msg *req);
static int late_ms = 100;
static uint8_t next_cid = 5;
static uint16_t alloc_error; /* answer Allocate Client ID with this QMI error */

struct late {
	struct loop_timer t;
	size_t len;
	uint8_t f[300];
};
static struct late lates[MAX_LATE];

static void modem_send(const uint8_t *f, size_t len)
{
	CHECK_EQ(wdm_write(&M, f, len, 1000), 0);
}

static void late_fire(struct loop_timer *t)
{
	struct late *l = (struct late *)(void *)t;

	modem_send(l->f, l->len);
}

/* A response to req with result qerr and a marker TLV 0x10 = marker. */
static size_t make_rsp(uint8_t *buf, size_t size, const struct qmi_msg *req, uint8_t cid,
		       uint16_t tid, uint16_t msg_id, uint16_t qerr, uint32_t marker)
{
	struct qmi_builder b;
	int n;

	qmi_build(&b, buf, size, req->service, cid, tid, msg_id, QMI_RSP);
	qmi_put_result(&b, qerr);
	if (req->service == QMI_SVC_CTL &&
	    (msg_id == QMI_CTL_ALLOC_CID || msg_id == QMI_CTL_RELEASE_CID)) {
		const uint8_t *v;
		uint16_t l;
		uint8_t sc[2] = {0, 0};

		if (!qmi_tlv_find(req, 0x01, &v, &l) && l >= 1)
			sc[0] = v[0];
		sc[1] = msg_id == QMI_CTL_ALLOC_CID ? next_cid++ : (l >= 2 ? v[1] : 0);
		if (!qerr)
			qmi_put_tlv(&b, 0x01, sc, 2);
	}
	qmi_put_u32(&b, 0x10, marker);
	n = qmi_finish(&b);
	CHECK(n > 0);
	return n > 0 ? (size_t)n : 0;
}

static void answer(const struct qmi_msg *req, uint32_t marker)
{
	uint8_t f[128];
	uint16_t qerr =
		req->msg_id == QMI_CTL_ALLOC_CID && req->service == QMI_SVC_CTL ? alloc_error : 0;
	size_t n = make_rsp(f, sizeof(f), req, req->client_id, req->tid, req->msg_id, qerr, marker);

	modem_send(f, n);
}

static void modem_frame(struct wdm *w, const uint8_t *frame, size_t len)
{
	struct qmi_msg req;
	unsigned nth = n_seen;
	enum act a;

	(void)w;
	CHECK_EQ(qmi_parse(frame, len, &req), (int)len);
	CHECK_EQ(req.type, QMI_REQ);
	if (n_seen < MAX_SEEN) {
		struct seen *s = &seen[n_seen];

		s->service = req.service;
		s->cid = req.client_id;
		s->tid = req.tid;
		s->msg_id = req.msg_id;
		s->len = MIN(len, sizeof(s->frame));
		memcpy(s->frame, frame, s->len);
	}
	n_seen++;
	a = policy ? policy(&req, nth) : ANSWER;
	switch (a) {
	case ANSWER:
		answer(&req, nth);
		break;
	case DUP:
		answer(&req, nth);
		answer(&req, nth);
		break;
	case LATE:
		for (unsigned i = 0; i < MAX_LATE; i++) {
			struct late *l = &lates[i];

			if (loop_timer_pending(&l->t))
				continue;
			l->t.cb = late_fire;
			l->len = make_rsp(l->f, sizeof(l->f), &req, req.client_id, req.tid,
					  req.msg_id, 0, nth);
			loop_timer_set(&l->t, late_ms);
			break;
		}
		break;
	case CUSTOM:
		custom(&req);
		break;
	case DROP:
		break;
	}
}

static void modem_error(struct wdm *w, int err)
{
	(void)w;
	(void)err;
}

static int resets, dev_errors, last_dev_err;
static void on_reset(struct qmic *cl)
{
	(void)cl;
	resets++;
}
static void on_dev_error(struct qmic *cl, int err)
{
	(void)cl;
	dev_errors++;
	last_dev_err = err;
}

static long qmux_len(const uint8_t *b, size_t have)
{
	return qmi_frame_len(b, have);
}

/* Fresh client and modem connected by a socketpair. */
static void setup_ok(void)
{
	int sv[2];

	for (unsigned i = 0; i < MAX_LATE; i++)
		loop_timer_cancel(&lates[i].t);
	qmic_close(&CL);
	wdm_close(&M);
	memset(&CL, 0, offsetof(struct qmic, w));
	CL.on_reset = on_reset;
	CL.on_error = on_dev_error;
	qmic_init(&CL);
	n_seen = 0;
	policy = NULL;
	custom = NULL;
	late_ms = 100;
	next_cid = 5;
	alloc_error = 0;
	resets = dev_errors = last_dev_err = 0;
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(qmic_open_fd(&CL, sv[0]), 0);
	M.on_frame = modem_frame;
	M.on_error = modem_error;
	CHECK_EQ(wdm_open_fd(&M, sv[1], qmux_len), 0);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Let the loop run for ms (deliver late frames, drain). */
static void spin(int ms)
{
	double end = now_ms() + ms;

	while (now_ms() < end)
		loop_run_once((int)(end - now_ms()) + 1);
}

static int nas_req(uint8_t *buf, size_t size, uint8_t cid, uint16_t msg_id)
{
	return qmi_empty_req(buf, size, QMI_SVC_NAS, cid, 0, msg_id);
}

static uint32_t marker_of(const struct qmi_msg *m)
{
	const uint8_t *v;
	uint16_t l;

	if (qmi_tlv_find(m, 0x10, &v, &l) || l != 4)
		return 0xDEADBEEF;
	return get_le32(v);
}

/* ---- cases ---- */

static void test_call_roundtrip_and_tid_stamping(void)
{
	uint8_t req[32], rsp[128];
	struct qmi_msg m;
	int n;

	setup_ok();
	n = nas_req(req, sizeof(req), 7, QMI_NAS_SERVING_SYSTEM);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 500, 0, rsp, sizeof(rsp), &m), 0);
	CHECK_EQ(n_seen, 1);
	CHECK(seen[0].tid != 0);
	CHECK_EQ(m.service, QMI_SVC_NAS);
	CHECK_EQ(m.client_id, 7);
	CHECK_EQ(m.tid, seen[0].tid);
	CHECK_EQ(qmi_result(&m, NULL), 0);
	CHECK_EQ(marker_of(&m), 0);
	/* a second call gets a different tid */
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 500, 0, rsp, sizeof(rsp), &m), 0);
	CHECK_EQ(n_seen, 2);
	CHECK(seen[1].tid != seen[0].tid);
	CHECK_EQ(marker_of(&m), 1);
	CHECK_EQ(CL.stats.tx, 2);
	CHECK_EQ(CL.stats.rsp, 2);
	CHECK_EQ(CL.stats.dropped, 0);
	/* a CTL request gets a one-byte tid, never 0 */
	n = qmi_ctl_get_version_req(req, sizeof(req), 0);
	for (int i = 0; i < 300; i++) {
		CHECK_EQ(qmic_call(&CL, req, (size_t)n, 500, 0, rsp, sizeof(rsp), &m), 0);
		CHECK(m.tid != 0 && m.tid <= 0xFF);
	}
}

/* Right tid, but the wrong client id, message id, service or type: not taken (uqmi took them). */
static void misaddressed(const struct qmi_msg *req)
{
	uint8_t f[128];
	struct qmi_msg other = *req;
	size_t n;

	n = make_rsp(f, sizeof(f), req, (uint8_t)(req->client_id + 1), req->tid, req->msg_id, 0,
		     101);
	modem_send(f, n); /* other client */
	n = make_rsp(f, sizeof(f), req, req->client_id, req->tid, QMI_NAS_SIGNAL_INFO, 0, 102);
	modem_send(f, n); /* other message */
	other.service = QMI_SVC_WDS;
	n = make_rsp(f, sizeof(f), &other, req->client_id, req->tid, req->msg_id, 0, 103);
	modem_send(f, n); /* other service */
	n = make_rsp(f, sizeof(f), req, req->client_id, (uint16_t)(req->tid + 1), req->msg_id, 0,
		     104);
	modem_send(f, n); /* other tid */
	{
		struct qmi_builder b;
		int k;

		qmi_build(&b, f, sizeof(f), req->service, req->client_id, req->tid, req->msg_id,
			  QMI_IND);
		qmi_put_u32(&b, 0x10, 105);
		k = qmi_finish(&b);
		modem_send(f, (size_t)k); /* an indication with the same ids */
	}
	n = make_rsp(f, sizeof(f), req, req->client_id, req->tid, req->msg_id, 0, 42);
	modem_send(f, n); /* the real one */
}

static enum act pol_custom(const struct qmi_msg *req, unsigned nth)
{
	(void)req;
	(void)nth;
	return CUSTOM;
}

static void test_match_needs_service_cid_tid_msg(void)
{
	uint8_t req[32], rsp[128];
	struct qmi_msg m;
	int n;

	setup_ok();
	policy = pol_custom;
	custom = misaddressed;
	n = nas_req(req, sizeof(req), 9, QMI_NAS_SERVING_SYSTEM);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 500, 0, rsp, sizeof(rsp), &m), 0);
	CHECK_EQ(marker_of(&m), 42);
	CHECK_EQ(m.client_id, 9);
	CHECK_EQ(m.msg_id, QMI_NAS_SERVING_SYSTEM);
	CHECK_EQ(CL.stats.dropped, 4);
	CHECK_EQ(CL.stats.ind, 1);
	CHECK_EQ(CL.stats.rsp, 1);
}

static enum act pol_drop_first(const struct qmi_msg *req, unsigned nth)
{
	(void)req;
	return nth == 0 ? DROP : ANSWER;
}

static enum act pol_drop_all(const struct qmi_msg *req, unsigned nth)
{
	(void)req;
	(void)nth;
	return DROP;
}

static void test_timeout_then_retry_with_new_tid(void)
{
	uint8_t req[32], rsp[128];
	struct qmi_msg m;
	double t0;
	int n;

	setup_ok();
	policy = pol_drop_first; /* "first request after idle ignored" */
	n = nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);
	t0 = now_ms();
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 80, 2, rsp, sizeof(rsp), &m), 0);
	CHECK(now_ms() - t0 >= 79);
	CHECK_EQ(n_seen, 2);
	CHECK(seen[1].tid != seen[0].tid);
	CHECK_EQ(m.tid, seen[1].tid);
	CHECK_EQ(marker_of(&m), 1);
	CHECK_EQ(CL.stats.retries, 1);
	CHECK_EQ(CL.stats.tx, 2);
	CHECK_EQ(CL.stats.timeouts, 0);
}

static void test_retries_exhausted_is_etimedout(void)
{
	uint8_t req[32], rsp[128];
	struct qmi_msg m;
	double t0, dt;
	int n;

	setup_ok();
	policy = pol_drop_all;
	n = nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);
	t0 = now_ms();
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 50, 2, rsp, sizeof(rsp), &m), -ETIMEDOUT);
	dt = now_ms() - t0;
	CHECK(dt >= 149 && dt < 400);
	CHECK_EQ(n_seen, 3);
	CHECK_EQ(CL.stats.timeouts, 1);
	CHECK(CL.pending == NULL);
	/* retries are capped at QMIC_MAX_TRIES attempts */
	n_seen = 0;
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 20, 50, rsp, sizeof(rsp), &m), -ETIMEDOUT);
	CHECK_EQ(n_seen, QMIC_MAX_TRIES);
}

static enum act pol_dup(const struct qmi_msg *req, unsigned nth)
{
	(void)req;
	(void)nth;
	return DUP;
}

static void test_duplicate_response_dropped(void)
{
	uint8_t req[32], rsp[128];
	struct qmi_msg m;
	int n;

	setup_ok();
	policy = pol_dup;
	n = nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 300, 0, rsp, sizeof(rsp), &m), 0);
	/* the duplicate may arrive in the same read or later: let it in, then ask again */
	spin(30);
	CHECK_EQ(CL.stats.dropped, 1);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 300, 0, rsp, sizeof(rsp), &m), 0);
	CHECK_EQ(marker_of(&m), 1); /* its own answer, not the first one's twin */
	spin(30);
	CHECK_EQ(CL.stats.dropped, 2);
	CHECK_EQ(CL.stats.rsp, 2);
}

static enum act pol_late_first(const struct qmi_msg *req, unsigned nth)
{
	(void)req;
	return nth == 0 ? LATE : ANSWER;
}

/* A request that timed out for good; its answer comes later and must not be taken by the next
 * request with the same service, client and message. */
static void test_late_response_after_timeout_dropped(void)
{
	uint8_t req[32], rsp[128];
	struct qmi_msg m;
	int n;

	setup_ok();
	policy = pol_late_first;
	late_ms = 150;
	n = nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 50, 0, rsp, sizeof(rsp), &m), -ETIMEDOUT);
	policy = pol_late_first; /* nth 1 answers at once, but only after the late one arrives */
	spin(150);
	CHECK_EQ(CL.stats.dropped, 1);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 300, 0, rsp, sizeof(rsp), &m), 0);
	CHECK_EQ(marker_of(&m), 1);
	CHECK_EQ(m.tid, seen[1].tid);
}

static enum act pol_late_then_drop(const struct qmi_msg *req, unsigned nth)
{
	(void)req;
	return nth == 0 ? LATE : DROP;
}

/* The first attempt is answered late, after the retry went out (and the retry is never
 * answered): the late answer completes the request although the current tid is the retry's.
 * This is what makes retrying a non-idempotent request (Start Network) safe. */
static void test_late_answer_to_earlier_attempt_accepted(void)
{
	uint8_t req[32], rsp[128];
	struct qmi_msg m;
	int n;

	setup_ok();
	policy = pol_late_then_drop;
	late_ms = 120; /* the retry goes out at 80 ms */
	n = nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 80, 2, rsp, sizeof(rsp), &m), 0);
	CHECK_EQ(n_seen, 2);
	CHECK_EQ(m.tid, seen[0].tid);
	CHECK(seen[1].tid != seen[0].tid);
	CHECK_EQ(marker_of(&m), 0);
	CHECK_EQ(CL.stats.retries, 1);
}

/* ---- indications ---- */

static unsigned ind_hits[4];
static uint32_t ind_last[4];

static void ind_cb(struct qmic_ind *h, const struct qmi_msg *m);

static struct qmic_ind IND[4] = {
	{.service = QMI_SVC_WDS, .cid = 5, .msg_id = QMI_WDS_PKT_STATUS, .cb = ind_cb},
	{.service = QMI_SVC_WDS, .cid = 6, .msg_id = QMI_WDS_PKT_STATUS, .cb = ind_cb},
	{.service = QMI_SVC_NAS,
	 .cid = QMIC_CID_ANY,
	 .msg_id = QMI_NAS_SERVING_SYSTEM,
	 .cb = ind_cb},
	{.service = QMI_SVC_WDS, .cid = 5, .msg_id = QMI_WDS_PKT_STATUS, .cb = ind_cb},
};

static void ind_cb(struct qmic_ind *h, const struct qmi_msg *m)
{
	int i = (int)(h - IND);

	ind_hits[i]++;
	ind_last[i] = marker_of(m);
	if (i == 0 && ind_last[i] == 77)
		qmic_ind_del(&CL, &IND[3]); /* deleting another handler during dispatch */
}

static void send_ind(uint8_t svc, uint8_t cid, uint16_t msg_id, uint32_t marker)
{
	uint8_t f[64];
	struct qmi_builder b;
	int n;

	qmi_build(&b, f, sizeof(f), svc, cid, 0, msg_id, QMI_IND);
	qmi_put_u32(&b, 0x10, marker);
	n = qmi_finish(&b);
	modem_send(f, (size_t)n);
}

static void test_indications_dispatched(void)
{
	setup_ok();
	memset(ind_hits, 0, sizeof(ind_hits));
	for (int i = 0; i < 4; i++)
		qmic_ind_add(&CL, &IND[i]);
	qmic_ind_add(&CL, &IND[0]); /* twice: no-op */
	send_ind(QMI_SVC_WDS, 5, QMI_WDS_PKT_STATUS, 1);
	spin(20);
	CHECK_EQ(ind_hits[0], 1);
	CHECK_EQ(ind_hits[1], 0);
	CHECK_EQ(ind_hits[3], 1);
	send_ind(QMI_SVC_WDS, 0xFF, QMI_WDS_PKT_STATUS, 2); /* broadcast */
	spin(20);
	CHECK_EQ(ind_hits[0], 2);
	CHECK_EQ(ind_hits[1], 1);
	CHECK_EQ(ind_last[1], 2);
	send_ind(QMI_SVC_WDS, 7, QMI_WDS_PKT_STATUS, 3);   /* someone else's client */
	send_ind(QMI_SVC_WDS, 5, QMI_WDS_GET_SETTINGS, 4); /* other message */
	send_ind(QMI_SVC_DMS, 5, QMI_WDS_PKT_STATUS, 5);   /* other service */
	spin(20);
	CHECK_EQ(ind_hits[0], 2);
	CHECK_EQ(ind_hits[1], 1);
	send_ind(QMI_SVC_NAS, 12, QMI_NAS_SERVING_SYSTEM, 6); /* CID_ANY handler */
	spin(20);
	CHECK_EQ(ind_hits[2], 1);
	CHECK_EQ(ind_last[2], 6);
	/* handler 0 deletes handler 3 while the same indication is being dispatched */
	send_ind(QMI_SVC_WDS, 5, QMI_WDS_PKT_STATUS, 77);
	spin(20);
	CHECK_EQ(ind_hits[0], 3);
	CHECK(ind_hits[3] == 2 || ind_hits[3] == 3); /* 3 runs before 0 (LIFO) or not at all */
	send_ind(QMI_SVC_WDS, 5, QMI_WDS_PKT_STATUS, 8);
	spin(20);
	CHECK_EQ(ind_hits[0], 4);
	CHECK(ind_hits[3] <= 3);
	qmic_ind_del(&CL, &IND[0]);
	send_ind(QMI_SVC_WDS, 5, QMI_WDS_PKT_STATUS, 9);
	spin(20);
	CHECK_EQ(ind_hits[0], 4);
	CHECK_EQ(CL.stats.ind, 9);
	for (int i = 0; i < 4; i++)
		qmic_ind_del(&CL, &IND[i]);
}

/* ---- sync indication ---- */

static int wds_done_err = 1, ctl_done_err = 1;
static void wds_done(struct qmic_req *r, const struct qmi_msg *m)
{
	(void)m;
	wds_done_err = r->err;
}
static void ctl_done(struct qmic_req *r, const struct qmi_msg *m)
{
	(void)m;
	ctl_done_err = r->err;
}

static enum act pol_sync_on_wds(const struct qmi_msg *req, unsigned nth)
{
	(void)nth;
	if (req->service == QMI_SVC_WDS) {
		send_ind(QMI_SVC_CTL, 0, QMI_CTL_SYNC, 0);
		return DROP;
	}
	return req->service == QMI_SVC_CTL && req->msg_id == QMI_CTL_GET_VERSION ? LATE : ANSWER;
}

static void test_sync_indication_fails_pending(void)
{
	uint8_t wf[32], cf[32];
	struct qmic_req w = {0}, c = {0};
	struct qmic_req *list[2] = {&c, &w};
	uint8_t svc[2] = {QMI_SVC_WDS, QMI_SVC_NAS}, cids[2];

	setup_ok();
	CHECK_EQ(qmic_cids_alloc(&CL, svc, cids, 2, 300, 0, NULL), 0);
	CHECK_EQ(CL.n_cids, 2);
	policy = pol_sync_on_wds;
	late_ms = 60;
	c.frame = cf;
	c.len = (size_t)qmi_ctl_get_version_req(cf, sizeof(cf), 0);
	c.timeout_ms = 500;
	c.done = ctl_done;
	w.frame = wf;
	w.len = (size_t)qmi_empty_req(wf, sizeof(wf), QMI_SVC_WDS, cids[0], 0, QMI_WDS_PKT_STATUS);
	w.timeout_ms = 5000;
	w.done = wds_done;
	CHECK_EQ(qmic_send(&CL, &c), 0);
	CHECK_EQ(qmic_send(&CL, &w), 0);
	CHECK_EQ(qmic_send(&CL, &w), -EBUSY);
	double t0 = now_ms();
	CHECK_EQ(qmic_wait(&CL, list, 2, -1), 0);
	CHECK(now_ms() - t0 < 1000); /* not the 5 s timeout */
	CHECK_EQ(wds_done_err, -ECONNRESET);
	CHECK_EQ(w.err, -ECONNRESET);
	CHECK_EQ(ctl_done_err, 0); /* CTL has no client id: unaffected */
	CHECK_EQ(resets, 1);
	CHECK_EQ(CL.n_cids, 0); /* nothing left to release */
	CHECK_EQ(qmic_release_all(&CL, 100), 0);
}

/* ---- client ids ---- */

static void test_cid_alloc_release(void)
{
	uint8_t svc[3] = {QMI_SVC_WDS, QMI_SVC_NAS, QMI_SVC_WDS}, cids[3];
	uint16_t qerr = 0;

	setup_ok();
	CHECK_EQ(qmic_cids_alloc(&CL, svc, cids, 3, 300, 1, &qerr), 0);
	CHECK_EQ(n_seen, 3); /* all in flight at once, one request each */
	CHECK_EQ(cids[0], 5);
	CHECK_EQ(cids[1], 6);
	CHECK_EQ(cids[2], 7);
	CHECK_EQ(CL.n_cids, 3);
	CHECK_EQ(qmic_cid_release(&CL, QMI_SVC_NAS, 6, 300), 0);
	CHECK_EQ(CL.n_cids, 2);
	CHECK_EQ(seen[3].msg_id, QMI_CTL_RELEASE_CID);
	CHECK_EQ(qmic_cid_forget(&CL, QMI_SVC_WDS, 7), 0);
	CHECK_EQ(qmic_cid_forget(&CL, QMI_SVC_WDS, 7), -ENOENT);
	CHECK_EQ(qmic_cid_adopt(&CL, QMI_SVC_WDS, 12), 0);
	CHECK_EQ(qmic_cid_adopt(&CL, QMI_SVC_WDS, 12), 0);
	CHECK_EQ(CL.n_cids, 2);
	n_seen = 0;
	CHECK_EQ(qmic_release_all(&CL, 300), 2);
	CHECK_EQ(n_seen, 2);
	CHECK_EQ(CL.n_cids, 0);
	/* exhausted */
	alloc_error = 0x05;
	CHECK_EQ(qmic_cids_alloc(&CL, svc, cids, 1, 300, 0, &qerr), -EREMOTEIO);
	CHECK_EQ(qerr, 0x05);
	CHECK_STR(qmi_strerror(qerr), "Client IDs exhausted");
	CHECK_EQ(cids[0], QMIC_NO_CID);
	CHECK_EQ(CL.n_cids, 0);
	/* table full */
	alloc_error = 0;
	uint8_t many[QMIC_MAX_CIDS + 1], mc[QMIC_MAX_CIDS + 1];
	memset(many, QMI_SVC_NAS, sizeof(many));
	CHECK_EQ(qmic_cids_alloc(&CL, many, mc, QMIC_MAX_CIDS + 1, 300, 0, NULL), -ENOSPC);
	CHECK_EQ(qmic_cids_alloc(&CL, many, mc, QMIC_MAX_CIDS, 300, 0, NULL), 0);
	CHECK_EQ(CL.n_cids, QMIC_MAX_CIDS);
	CHECK_EQ(qmic_cid_adopt(&CL, QMI_SVC_DMS, 1), -ENOSPC);
	CHECK_EQ(qmic_release_all(&CL, 300), QMIC_MAX_CIDS);
}

/* Wrong service in the Allocate answer: not our id. */
static void wrong_alloc(const struct qmi_msg *req)
{
	struct qmi_builder b;
	uint8_t f[64], sc[2] = {QMI_SVC_DMS, 9};
	int n;

	qmi_build(&b, f, sizeof(f), QMI_SVC_CTL, 0, req->tid, req->msg_id, QMI_RSP);
	qmi_put_result(&b, 0);
	qmi_put_tlv(&b, 0x01, sc, 2);
	n = qmi_finish(&b);
	modem_send(f, (size_t)n);
}

static void test_cid_alloc_wrong_service_is_eproto(void)
{
	uint8_t svc = QMI_SVC_WDS, cid;

	setup_ok();
	policy = pol_custom;
	custom = wrong_alloc;
	CHECK_EQ(qmic_cids_alloc(&CL, &svc, &cid, 1, 300, 0, NULL), -EPROTO);
	CHECK_EQ(cid, QMIC_NO_CID);
	CHECK_EQ(CL.n_cids, 0);
}

static void test_release_bounded_when_modem_silent(void)
{
	uint8_t svc[4] = {QMI_SVC_WDS, QMI_SVC_NAS, QMI_SVC_DMS, QMI_SVC_UIM}, cids[4];
	double t0, dt;

	setup_ok();
	CHECK_EQ(qmic_cids_alloc(&CL, svc, cids, 4, 300, 0, NULL), 0);
	policy = pol_drop_all;
	n_seen = 0;
	t0 = now_ms();
	CHECK_EQ(qmic_release_all(&CL, 150), 0);
	dt = now_ms() - t0;
	CHECK(dt >= 140 && dt < 400); /* the budget for all, not per id */
	CHECK_EQ(n_seen, 4);	      /* one each, no retries */
	CHECK_EQ(CL.n_cids, 0);
	CHECK(CL.pending == NULL);
	/* and a single release */
	CHECK_EQ(qmic_cid_adopt(&CL, QMI_SVC_WDS, 3), 0);
	t0 = now_ms();
	CHECK_EQ(qmic_cid_release(&CL, QMI_SVC_WDS, 3, 100), -ETIMEDOUT);
	CHECK(now_ms() - t0 < 300);
	CHECK_EQ(CL.n_cids, 0);
}

/* ---- proxy, sync ---- */

static void proxy_answer(const struct qmi_msg *req)
{
	uint8_t f[64];
	struct qmi_builder b;
	int n;

	qmi_build(&b, f, sizeof(f), QMI_SVC_CTL, 0, req->tid, req->msg_id, QMI_RSP);
	qmi_put_result(&b, n_seen == 1 ? 0 : 0x30);
	n = qmi_finish(&b);
	modem_send(f, (size_t)n);
}

static void test_proxy_open_frame(void)
{
	/* qmicli's bytes captured against the proxy (notes/vectors.md §4), tid 1 */
	static const uint8_t want[] = {0x01, 0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
				       0x00, 0xff, 0x0c, 0x00, 0x01, 0x09, 0x00, '/',
				       'd',  'e',  'v',	 '/',  'n',  'u',  'l',	 'l'};
	uint8_t got[sizeof(want)];

	setup_ok();
	policy = pol_custom;
	custom = proxy_answer;
	CHECK_EQ(qmic_proxy_open(&CL, "/dev/null", 300), 0);
	CHECK_EQ(n_seen, 1);
	CHECK_EQ(seen[0].len, sizeof(want));
	memcpy(got, seen[0].frame, sizeof(got));
	CHECK(got[7] != 0);
	got[7] = 0x01; /* our tid is not qmicli's */
	CHECK_MEM(got, want, sizeof(want));
	CHECK(CL.proxy);
	/* never Sync through the proxy: refused, nothing written */
	CHECK_EQ(qmic_sync(&CL, 100), -EPERM);
	spin(20);
	CHECK_EQ(n_seen, 1);
	/* a refusal is -EREMOTEIO */
	CHECK_EQ(qmic_proxy_open(&CL, "/dev/cdc-wdm9", 300), -EREMOTEIO);
	/* a path that cannot fit in a frame */
	char longp[400];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	CHECK_EQ(qmic_proxy_open(&CL, longp, 300), -ENAMETOOLONG);
}

static void test_proxy_open_no_proxy(void)
{
	int r;

	setup_ok();
	/* Nothing listens on this abstract name in a test (qmi-proxy is root-only; if one runs
	 * here, it answers or refuses, also fine). */
	r = qmic_open(&CL, "/dev/cdc-wdm0", QMIC_F_PROXY, 300);
	CHECK(r == -ECONNREFUSED || r == 0 || r == -EREMOTEIO || r == -ENODEV);
	qmic_close(&CL);
}

static void test_sync_direct(void)
{
	uint8_t svc = QMI_SVC_NAS, cid;

	setup_ok();
	CHECK_EQ(qmic_cids_alloc(&CL, &svc, &cid, 1, 300, 0, NULL), 0);
	CHECK_EQ(qmic_sync(&CL, 300), 0);
	CHECK_EQ(seen[1].service, QMI_SVC_CTL);
	CHECK_EQ(seen[1].msg_id, QMI_CTL_SYNC);
	CHECK_EQ(CL.n_cids, 0);
}

/* ---- device gone, cancel, sizes, misuse ---- */

static void close_modem(struct loop_timer *t)
{
	(void)t;
	wdm_close(&M);
}

static void test_device_gone_fails_pending(void)
{
	uint8_t req[32], rsp[128];
	struct qmi_msg m;
	struct loop_timer t = {.cb = close_modem};
	int n;

	setup_ok();
	policy = pol_drop_all;
	n = nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);
	loop_timer_set(&t, 30);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 2000, 0, rsp, sizeof(rsp), &m), -ENODEV);
	CHECK_EQ(dev_errors, 1);
	CHECK_EQ(last_dev_err, -ENODEV);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 2000, 0, rsp, sizeof(rsp), &m), -ENODEV);
	qmic_close(&CL);
}

static void cancel_cb(struct loop_timer *t)
{
	(void)t;
	qmic_cancel_all(&CL, -EINTR);
}

static void test_cancel_all_ends_call(void)
{
	uint8_t req[32], rsp[128];
	struct qmi_msg m;
	struct loop_timer t = {.cb = cancel_cb};
	double t0;
	int n;

	setup_ok();
	policy = pol_drop_all;
	n = nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);
	loop_timer_set(&t, 30);
	t0 = now_ms();
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 5000, 0, rsp, sizeof(rsp), &m), -EINTR);
	CHECK(now_ms() - t0 < 1000);
	CHECK(CL.pending == NULL);
}

static void test_small_rsp_buffer_and_bad_frames(void)
{
	uint8_t req[32], rsp[8];
	struct qmi_msg m;
	int n;

	setup_ok();
	n = nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 300, 0, rsp, sizeof(rsp), &m), -EMSGSIZE);
	/* not a request / truncated / no timeout */
	CHECK_EQ(qmic_call(&CL, req, (size_t)n - 1, 300, 0, rsp, sizeof(rsp), &m), -EINVAL);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 0, 0, rsp, sizeof(rsp), &m), -EINVAL);
	{
		uint8_t f[64];
		struct qmi_builder b;

		qmi_build(&b, f, sizeof(f), QMI_SVC_NAS, 3, 0, 0x24, QMI_RSP);
		qmi_put_result(&b, 0);
		n = qmi_finish(&b);
		CHECK_EQ(qmic_call(&CL, f, (size_t)n, 300, 0, rsp, sizeof(rsp), &m), -EINVAL);
	}
	/* garbage and malformed frames from the modem are dropped */
	{
		static const uint8_t junk[] = {0x01, 0x0c, 0x00, 0x80, 0x03, 0x03, 0x02,
					       0x01, 0x00, 0x24, 0x00, 0x09, 0x00};
		unsigned long d = CL.stats.dropped;

		qmic_feed(&CL, junk, sizeof(junk)); /* TLV block longer than the frame */
		CHECK_EQ(CL.stats.dropped, d + 1);
	}
	/* a request arriving from the modem side is not a response */
	{
		uint8_t f[32];

		n = nas_req(f, sizeof(f), 3, QMI_NAS_SERVING_SYSTEM);
		unsigned long d = CL.stats.dropped;
		qmic_feed(&CL, f, (size_t)n);
		CHECK_EQ(CL.stats.dropped, d + 1);
	}
}

static void nested_cb(struct loop_timer *t)
{
	uint8_t req[32], rsp[64];
	struct qmi_msg m;
	int n = nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);

	(void)t;
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 100, 0, rsp, sizeof(rsp), &m), -EDEADLK);
}

static void test_nested_wait_refused(void)
{
	uint8_t req[32], rsp[128];
	struct qmi_msg m;
	struct loop_timer t = {.cb = nested_cb};
	int n;

	setup_ok();
	policy = pol_late_first;
	late_ms = 80;
	n = nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);
	loop_timer_set(&t, 10);
	CHECK_EQ(qmic_call(&CL, req, (size_t)n, 500, 0, rsp, sizeof(rsp), &m), 0);
	CHECK_EQ(n_seen, 1);
}

/* qmic_wait with a deadline before the request's own timeout */
static void test_wait_deadline(void)
{
	uint8_t req[32];
	struct qmic_req r = {0};
	struct qmic_req *list[1] = {&r};
	double t0;

	setup_ok();
	policy = pol_drop_all;
	r.frame = req;
	r.len = (size_t)nas_req(req, sizeof(req), 3, QMI_NAS_SERVING_SYSTEM);
	r.timeout_ms = 5000;
	CHECK_EQ(qmic_send(&CL, &r), 0);
	t0 = now_ms();
	CHECK_EQ(qmic_wait(&CL, list, 1, loop_now_ms() + 60), 0);
	CHECK(now_ms() - t0 < 1000);
	CHECK_EQ(r.err, -ETIMEDOUT);
	CHECK(CL.pending == NULL);
	/* send on a closed client */
	qmic_close(&CL);
	CHECK_EQ(qmic_send(&CL, &r), -EBADF);
}

int main(void)
{
	RUN(test_call_roundtrip_and_tid_stamping);
	RUN(test_match_needs_service_cid_tid_msg);
	RUN(test_timeout_then_retry_with_new_tid);
	RUN(test_retries_exhausted_is_etimedout);
	RUN(test_duplicate_response_dropped);
	RUN(test_late_response_after_timeout_dropped);
	RUN(test_late_answer_to_earlier_attempt_accepted);
	RUN(test_indications_dispatched);
	RUN(test_sync_indication_fails_pending);
	RUN(test_cid_alloc_release);
	RUN(test_cid_alloc_wrong_service_is_eproto);
	RUN(test_release_bounded_when_modem_silent);
	RUN(test_proxy_open_frame);
	RUN(test_proxy_open_no_proxy);
	RUN(test_sync_direct);
	RUN(test_device_gone_fails_pending);
	RUN(test_cancel_all_ends_call);
	RUN(test_small_rsp_buffer_and_bad_frames);
	RUN(test_nested_wait_refused);
	RUN(test_wait_deadline);
	qmic_close(&CL);
	wdm_close(&M);
	return t_done();
}
