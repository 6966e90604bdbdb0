/* qmi_client.c - QMI transactions over one control channel: see include/qmi_client.h.
 *
 * Facts used: the transaction id sits right after the SDU flags byte, one byte for CTL and two
 * (little-endian) for services (libqmi qmi-message.c, include/qmi.h); CTL Allocate/Release
 * Client ID, Sync and qmi-proxy's Internal Proxy Open (notes/vectors.md §4); a Sync indication
 * means the modem dropped every client id (libqmi qmi-device.c resets its client table on it;
 * uqmi c3488b8 cancels its requests).
 */
#include <unistd.h>

#include "wwanbox.h"
#include "qmi_client.h"
#include "qmi_msg.h"

#define TID_OFF 7	 /* marker, u16 length, QMUX flags, service, client id, SDU flags */
#define CID_FRAME_MAX 32 /* Allocate/Release Client ID request */
#define CTL_RSP_MAX 64	 /* Sync, Proxy Open, Allocate/Release responses */

#define container_of(p, type, member) ((type *)(void *)((char *)(p)-offsetof(type, member)))

static long frame_len(const uint8_t *buf, size_t have)
{
	return qmi_frame_len(buf, have);
}

static void trace(struct qmic *cl, enum qmic_trace what, const uint8_t *f, size_t len)
{
	if (cl->trace)
		cl->trace(cl, what, f, len);
}

/* ---- the pending list ---- */

static void unlink_req(struct qmic_req *r)
{
	struct qmic_req **pp;

	for (pp = &r->cl->pending; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	r->next = NULL;
	loop_timer_cancel(&r->timer);
}

/* Final: the request leaves the list before done() runs, so done() may send it again. frame is
 * the response (err == 0) or NULL. */
static void complete(struct qmic_req *r, int err, const uint8_t *frame, const struct qmi_msg *m)
{
	unlink_req(r);
	if (!err && r->rsp) {
		if (m->frame_len > r->rsp_size) {
			err = -EMSGSIZE;
		} else {
			memcpy(r->rsp, frame, m->frame_len);
			if (r->msg && qmi_parse(r->rsp, m->frame_len, r->msg) < 0)
				err = -EPROTO; /* cannot happen: it parsed before */
		}
	}
	r->err = err;
	if (r->done)
		r->done(r, err ? NULL : m);
}

/* Complete every pending request that pred() selects with err. The selection is detached
 * first, so requests that done() callbacks send meanwhile are not touched. */
static void fail_matching(struct qmic *cl, int err, bool (*pred)(const struct qmic_req *r))
{
	struct qmic_req *sel = NULL, **tail = &sel, **pp = &cl->pending, *r;

	while ((r = *pp)) {
		if (pred && !pred(r)) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		r->next = NULL;
		*tail = r;
		tail = &r->next;
	}
	while ((r = sel)) {
		sel = r->next;
		r->next = NULL;
		loop_timer_cancel(&r->timer);
		r->err = err;
		if (r->done)
			r->done(r, NULL);
	}
}

/* ---- sending ---- */

static bool tid_in_use(const struct qmic *cl, const struct qmic_req *self, uint16_t tid)
{
	for (const struct qmic_req *r = cl->pending; r; r = r->next) {
		if (r == self || r->service != self->service || r->cid != self->cid)
			continue;
		for (unsigned i = 0; i < r->tries; i++)
			if (r->tids[i] == tid)
				return true;
	}
	return false;
}

/* A fresh id, never 0 (libqmi skips 0 too), unique among this client id's pending requests. */
static uint16_t new_tid(struct qmic *cl, const struct qmic_req *r)
{
	uint16_t tid;

	do {
		if (r->service == QMI_SVC_CTL) {
			tid = ++cl->next_ctl_tid;
			if (!tid)
				tid = cl->next_ctl_tid = 1;
		} else {
			tid = ++cl->next_tid;
			if (!tid)
				tid = cl->next_tid = 1;
		}
	} while (tid_in_use(cl, r, tid));
	return tid;
}

static int transmit(struct qmic *cl, struct qmic_req *r)
{
	uint16_t tid = new_tid(cl, r);
	int err;

	if (r->service == QMI_SVC_CTL)
		r->frame[TID_OFF] = (uint8_t)tid;
	else
		put_le16(r->frame + TID_OFF, tid);
	trace(cl, QMIC_TRACE_TX, r->frame, r->len);
	err = wdm_write(&cl->w, r->frame, r->len, r->timeout_ms);
	if (err)
		return err;
	r->tids[r->tries++] = tid;
	cl->stats.tx++;
	loop_timer_set(&r->timer, r->timeout_ms);
	return 0;
}

static void on_timeout(struct loop_timer *t)
{
	struct qmic_req *r = container_of(t, struct qmic_req, timer);
	struct qmic *cl = r->cl;
	int err;

	if (r->tries > r->retries) {
		cl->stats.timeouts++;
		complete(r, -ETIMEDOUT, NULL, NULL);
		return;
	}
	cl->stats.retries++;
	err = transmit(cl, r);
	if (err)
		complete(r, err, NULL, NULL);
}

int qmic_send(struct qmic *cl, struct qmic_req *r)
{
	struct qmi_msg m;
	int err;

	for (struct qmic_req *p = cl->pending; p; p = p->next)
		if (p == r)
			return -EBUSY;
	if (r->timeout_ms <= 0 || qmi_parse(r->frame, r->len, &m) < 0 || m.type != QMI_REQ ||
	    m.frame_len != r->len)
		return -EINVAL;
	if (cl->dev_err)
		return cl->dev_err;
	if (cl->w.kind == WDM_NONE)
		return -EBADF;
	r->cl = cl;
	r->service = m.service;
	r->cid = m.client_id;
	r->msg_id = m.msg_id;
	r->tries = 0;
	r->retries = MIN(r->retries, QMIC_MAX_TRIES - 1);
	r->timer.cb = on_timeout;
	r->next = cl->pending;
	cl->pending = r;
	r->err = QMIC_PENDING;
	err = transmit(cl, r);
	if (err) {
		unlink_req(r);
		r->err = err;
	}
	return err;
}

void qmic_cancel(struct qmic_req *r, int err)
{
	if (r->cl && r->err == QMIC_PENDING)
		complete(r, err, NULL, NULL);
}

void qmic_cancel_all(struct qmic *cl, int err)
{
	fail_matching(cl, err, NULL);
}

/* ---- receiving ---- */

static struct qmic_req *find_req(struct qmic *cl, const struct qmi_msg *m)
{
	for (struct qmic_req *r = cl->pending; r; r = r->next) {
		if (!qmi_matches(m, r->service, r->cid, m->tid, r->msg_id))
			continue;
		for (unsigned i = 0; i < r->tries; i++)
			if (r->tids[i] == m->tid)
				return r;
	}
	return NULL;
}

static bool is_service_req(const struct qmic_req *r)
{
	return r->service != QMI_SVC_CTL;
}

/* The modem reset its clients: their ids and everything pending on them are gone. */
static void on_sync_ind(struct qmic *cl)
{
	cl->n_cids = 0;
	fail_matching(cl, -ECONNRESET, is_service_req);
	if (cl->on_reset)
		cl->on_reset(cl);
}

static void dispatch_ind(struct qmic *cl, const struct qmi_msg *m)
{
	struct qmic_ind *h;

	for (h = cl->inds; h; h = cl->ind_cursor) {
		cl->ind_cursor = h->next;
		if (h->service != m->service || h->msg_id != m->msg_id)
			continue;
		if (h->cid == QMIC_CID_ANY || m->client_id == 0xFF || m->client_id == h->cid)
			h->cb(h, m);
	}
	cl->ind_cursor = NULL;
}

static void on_frame(struct wdm *w, const uint8_t *frame, size_t len)
{
	struct qmic *cl = container_of(w, struct qmic, w);
	struct qmic_req *r;
	struct qmi_msg m;

	if (qmi_parse(frame, len, &m) < 0 || m.type == QMI_REQ) {
		cl->stats.dropped++;
		trace(cl, QMIC_TRACE_DROP, frame, len);
		return;
	}
	if (m.type == QMI_IND) {
		cl->stats.ind++;
		trace(cl, QMIC_TRACE_IND, frame, len);
		if (qmi_ctl_is_sync_ind(&m))
			on_sync_ind(cl);
		else
			dispatch_ind(cl, &m);
		return;
	}
	r = find_req(cl, &m);
	if (!r) {
		cl->stats.dropped++;
		trace(cl, QMIC_TRACE_DROP, frame, len);
		return;
	}
	cl->stats.rsp++;
	trace(cl, QMIC_TRACE_RSP, frame, len);
	complete(r, 0, frame, &m);
}

static void on_error(struct wdm *w, int err)
{
	struct qmic *cl = container_of(w, struct qmic, w);

	cl->dev_err = err < 0 ? err : -ENODEV;
	fail_matching(cl, cl->dev_err, NULL);
	if (cl->on_error)
		cl->on_error(cl, cl->dev_err);
}

void qmic_feed(struct qmic *cl, const uint8_t *buf, size_t len)
{
	wdm_feed(&cl->w, buf, len);
}

/* ---- set-up ---- */

void qmic_init(struct qmic *cl)
{
	void (*on_reset)(struct qmic *) = cl->on_reset;
	void (*on_err)(struct qmic *, int) = cl->on_error;
	void (*tr)(struct qmic *, enum qmic_trace, const uint8_t *, size_t) = cl->trace;
	void *priv = cl->priv;
	/* Start somewhere else than 1 each run, so a late answer to a previous process's request
	 * (same client ids are handed out again) is unlikely to carry a tid we are waiting for. */
	uint32_t seed = (uint32_t)getpid() * 2654435761u ^ (uint32_t)loop_now_ms();

	memset(cl, 0, offsetof(struct qmic, w));
	cl->on_reset = on_reset;
	cl->on_error = on_err;
	cl->trace = tr;
	cl->priv = priv;
	cl->next_tid = (uint16_t)seed;
	cl->next_ctl_tid = (uint8_t)(seed >> 16);
	cl->w.on_frame = on_frame;
	cl->w.on_error = on_error;
	wdm_init(&cl->w, frame_len);
}

static void reopen_prep(struct qmic *cl)
{
	qmic_close(cl);
	cl->dev_err = 0;
	cl->proxy = false;
	cl->w.on_frame = on_frame;
	cl->w.on_error = on_error;
}

int qmic_open_fd(struct qmic *cl, int fd)
{
	reopen_prep(cl);
	return wdm_open_fd(&cl->w, fd, frame_len);
}

int qmic_proxy_open(struct qmic *cl, const char *dev, int timeout_ms)
{
	uint8_t req[16 + 256], rsp[CTL_RSP_MAX];
	struct qmi_msg m;
	uint16_t qerr;
	int n, err;

	n = qmi_ctl_proxy_open_req(req, sizeof(req), 0, dev);
	if (n < 0)
		return n == -EMSGSIZE ? -ENAMETOOLONG : n;
	err = qmic_call(cl, req, (size_t)n, timeout_ms, 0, rsp, sizeof(rsp), &m);
	if (err)
		return err;
	err = qmi_check(&m, QMI_SVC_CTL, QMI_CTL_PROXY_OPEN, &qerr);
	if (!err)
		cl->proxy = true;
	return err == -EBADMSG ? -EPROTO : err;
}

int qmic_open(struct qmic *cl, const char *dev, unsigned flags, int timeout_ms)
{
	int err;

	reopen_prep(cl);
	err = wdm_open(&cl->w, flags & QMIC_F_PROXY ? QMIC_PROXY_SOCKET : dev, frame_len);
	if (err || !(flags & QMIC_F_PROXY))
		return err;
	err = qmic_proxy_open(cl, dev, timeout_ms);
	if (err)
		qmic_close(cl);
	return err;
}

void qmic_close(struct qmic *cl)
{
	fail_matching(cl, -ECANCELED, NULL);
	wdm_close(&cl->w);
}

/* ---- waiting ---- */

static bool any_pending(struct qmic_req *const *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (reqs[i]->err == QMIC_PENDING)
			return true;
	return false;
}

int qmic_wait(struct qmic *cl, struct qmic_req *const *reqs, size_t n, int64_t deadline_ms)
{
	int64_t left;
	int r = 0;

	if (cl->waiting)
		return -EDEADLK;
	cl->waiting++;
	while (any_pending(reqs, n)) {
		left = -1;
		if (deadline_ms >= 0) {
			left = deadline_ms - loop_now_ms();
			if (left <= 0)
				break;
		}
		r = loop_run_once((int)MIN(left, (int64_t)INT32_MAX));
		if (r < 0)
			break;
		r = 0;
	}
	cl->waiting--;
	/* Deadline or loop error: nothing may stay linked (the requests may live on the stack). */
	for (size_t i = 0; i < n; i++)
		qmic_cancel(reqs[i], r < 0 ? r : -ETIMEDOUT);
	return r;
}

int qmic_call(struct qmic *cl, uint8_t *frame, size_t len, int timeout_ms, int retries,
	      uint8_t *rsp, size_t rsp_size, struct qmi_msg *out)
{
	struct qmic_req r = {
		.frame = frame,
		.len = len,
		.timeout_ms = timeout_ms,
		.retries = (uint8_t)MAX(0, MIN(retries, QMIC_MAX_TRIES - 1)),
		.rsp = rsp,
		.rsp_size = rsp_size,
		.msg = out,
	};
	struct qmic_req *list[1] = {&r};
	int err;

	if (cl->waiting)
		return -EDEADLK;
	err = qmic_send(cl, &r);
	if (err)
		return err;
	err = qmic_wait(cl, list, 1, -1);
	return err ? err : r.err;
}

/* ---- client ids ---- */

static int cid_find(const struct qmic *cl, uint8_t service, uint8_t cid)
{
	for (unsigned i = 0; i < cl->n_cids; i++)
		if (cl->cids[i].service == service && cl->cids[i].cid == cid)
			return (int)i;
	return -ENOENT;
}

int qmic_cid_adopt(struct qmic *cl, uint8_t service, uint8_t cid)
{
	if (cid_find(cl, service, cid) >= 0)
		return 0;
	if (cl->n_cids >= QMIC_MAX_CIDS)
		return -ENOSPC;
	cl->cids[cl->n_cids].service = service;
	cl->cids[cl->n_cids].cid = cid;
	cl->n_cids++;
	return 0;
}

int qmic_cid_forget(struct qmic *cl, uint8_t service, uint8_t cid)
{
	int i = cid_find(cl, service, cid);

	if (i < 0)
		return i;
	cl->cids[i] = cl->cids[--cl->n_cids];
	return 0;
}

struct cid_op {
	struct qmic_req r;
	uint8_t frame[CID_FRAME_MAX];
	uint8_t rsp[CTL_RSP_MAX];
	struct qmi_msg m;
};

static void cid_op_init(struct cid_op *op, int n, int timeout_ms, int retries)
{
	memset(&op->r, 0, sizeof(op->r));
	op->r.frame = op->frame;
	op->r.len = (size_t)n;
	op->r.timeout_ms = timeout_ms;
	op->r.retries = (uint8_t)MAX(0, MIN(retries, QMIC_MAX_TRIES - 1));
	op->r.rsp = op->rsp;
	op->r.rsp_size = sizeof(op->rsp);
	op->r.msg = &op->m;
}

/* The outcome of an Allocate/Release: the id, or -errno. */
static int cid_result(struct cid_op *op, bool alloc, uint8_t service, uint16_t *qmi_error)
{
	struct qmi_ctl_cid c;
	int err = op->r.err;

	if (err)
		return err;
	err = alloc ? qmi_ctl_alloc_cid_rsp(&op->m, &c, qmi_error)
		    : qmi_ctl_release_cid_rsp(&op->m, &c, qmi_error);
	if (err)
		return err == -EBADMSG ? -EPROTO : err;
	return c.service == service ? c.cid : -EPROTO;
}

int qmic_cids_alloc(struct qmic *cl, const uint8_t *services, uint8_t *cids, size_t n,
		    int timeout_ms, int retries, uint16_t *qmi_error)
{
	struct cid_op ops[QMIC_MAX_CIDS];
	struct qmic_req *list[QMIC_MAX_CIDS] = {0};
	uint16_t qerr = 0;
	int err = 0, r;
	size_t i, sent = 0;

	for (i = 0; i < n; i++)
		cids[i] = QMIC_NO_CID;
	if (n > (size_t)(QMIC_MAX_CIDS - cl->n_cids))
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		r = qmi_ctl_alloc_cid_req(ops[i].frame, sizeof(ops[i].frame), 0, services[i]);
		cid_op_init(&ops[i], r, timeout_ms, retries);
		r = r < 0 ? r : qmic_send(cl, &ops[i].r);
		if (r < 0) {
			err = r;
			break;
		}
		list[sent++] = &ops[i].r;
	}
	r = qmic_wait(cl, list, sent, -1);
	if (r && !err)
		err = r;
	for (i = 0; i < sent; i++) {
		r = cid_result(&ops[i], true, services[i], &qerr);
		if (r >= 0 && qmic_cid_adopt(cl, services[i], (uint8_t)r) == 0) {
			cids[i] = (uint8_t)r;
		} else if (!err) {
			err = r < 0 ? r : -ENOSPC;
			if (qmi_error)
				*qmi_error = qerr;
		}
	}
	return err;
}

/* Send a Release for each (service, cid) and wait until the deadline; the table forgets them
 * all, answered or not. The number of confirmed releases, or -errno if none could be sent. */
static int release(struct qmic *cl, const uint8_t *svc, const uint8_t *cid, size_t n,
		   int timeout_ms)
{
	struct cid_op ops[QMIC_MAX_CIDS];
	struct qmic_req *list[QMIC_MAX_CIDS] = {0};
	uint8_t sent_svc[QMIC_MAX_CIDS];
	int64_t deadline = loop_now_ms() + MAX(timeout_ms, 0);
	int first_err = 0, r, ok = 0;
	size_t i, sent = 0;

	for (i = 0; i < n && i < QMIC_MAX_CIDS; i++) {
		struct cid_op *op = &ops[sent];

		qmic_cid_forget(cl, svc[i], cid[i]);
		r = qmi_ctl_release_cid_req(op->frame, sizeof(op->frame), 0, svc[i], cid[i]);
		cid_op_init(op, r, MAX(timeout_ms, 1), 0);
		r = r < 0 ? r : qmic_send(cl, &op->r);
		if (r < 0) {
			if (!first_err)
				first_err = r;
			continue;
		}
		sent_svc[sent] = svc[i];
		list[sent++] = &op->r;
	}
	if (!sent)
		return first_err;
	r = qmic_wait(cl, list, sent, deadline);
	if (r < 0)
		return r;
	for (i = 0; i < sent; i++)
		if (cid_result(&ops[i], false, sent_svc[i], NULL) >= 0)
			ok++;
	return ok;
}

int qmic_cid_release(struct qmic *cl, uint8_t service, uint8_t cid, int timeout_ms)
{
	int r = release(cl, &service, &cid, 1, timeout_ms);

	return r == 1 ? 0 : r < 0 ? r : -ETIMEDOUT;
}

int qmic_release_all(struct qmic *cl, int timeout_ms)
{
	uint8_t svc[QMIC_MAX_CIDS], cid[QMIC_MAX_CIDS];
	size_t n = cl->n_cids;

	for (size_t i = 0; i < n; i++) {
		svc[i] = cl->cids[i].service;
		cid[i] = cl->cids[i].cid;
	}
	cl->n_cids = 0;
	if (!n)
		return 0;
	return release(cl, svc, cid, n, timeout_ms);
}

int qmic_sync(struct qmic *cl, int timeout_ms)
{
	uint8_t req[16], rsp[CTL_RSP_MAX];
	struct qmi_msg m;
	int err, n;

	if (cl->proxy)
		return -EPERM;
	n = qmi_ctl_sync_req(req, sizeof(req), 0);
	if (n < 0)
		return n;
	err = qmic_call(cl, req, (size_t)n, timeout_ms, 0, rsp, sizeof(rsp), &m);
	if (err)
		return err;
	err = qmi_check(&m, QMI_SVC_CTL, QMI_CTL_SYNC, NULL);
	if (!err)
		cl->n_cids = 0;
	return err == -EBADMSG ? -EPROTO : err;
}

/* ---- indications ---- */

void qmic_ind_add(struct qmic *cl, struct qmic_ind *h)
{
	for (struct qmic_ind *p = cl->inds; p; p = p->next)
		if (p == h)
			return;
	h->next = cl->inds;
	cl->inds = h;
}

void qmic_ind_del(struct qmic *cl, struct qmic_ind *h)
{
	struct qmic_ind **pp;

	for (pp = &cl->inds; *pp; pp = &(*pp)->next) {
		if (*pp == h) {
			if (cl->ind_cursor == h)
				cl->ind_cursor = h->next;
			*pp = h->next;
			h->next = NULL;
			return;
		}
	}
}
