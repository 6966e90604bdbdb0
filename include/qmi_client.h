/* qmi_client.h - a QMI client over one control channel (struct wdm), driven by the loop:
 * transactions with timeouts and retries, indication dispatch, client ids, qmi-proxy.
 *
 * Requests are caller-owned structs (struct qmic_req) linked into the client while pending; the
 * client allocates nothing. The caller builds the request frame with any qmi_msg.h encoder,
 * passing tid 0: the client writes a fresh transaction id into the frame for every attempt.
 *
 * Matching: a response completes a request only if service, client id, message id and one of
 * that request's transaction ids all match (uqmi matched service + tid and took foreign replies,
 * notes/uqmi-umbim.md §6 bug 4). Anything else that arrives as a response (a duplicate, a late
 * answer to a request that already timed out or completed, a reply meant for another process on
 * the same cdc-wdm) is counted in stats.dropped and otherwise ignored.
 *
 * Retries: after timeout_ms without an answer the request is sent again, up to `retries` more
 * times, each time with a NEW transaction id, as libqmi/ModemManager do: the qmi-proxy refuses
 * a second request with a (service, cid, tid) that is still in flight, and a modem that
 * processed the first copy would otherwise answer twice with the same tid. The ids of earlier
 * attempts stay valid for the request, so when the first copy was only answered late (a slow
 * Start Network), that answer is taken and the answer to the retry is dropped as a duplicate;
 * this is what makes retrying a non-idempotent request safe. A modem that ignores the first
 * request after idle (Quectel EM12, SIM7600; notes/uqmi-umbim.md §6 bug 2) is handled so.
 *
 * CTL Sync: not sent by default, and never through qmi-proxy. Sync makes the modem release ALL
 * client ids of ALL users of the port (ModemManager's, another qmi-dial's), which is why
 * uqmi and libqmi send it only on explicit request (qmi.sh's unconditional `uqmi --sync` is the
 * reason two users of one modem break each other). qmic_sync() exists for an owner that knows it
 * is alone. When the modem sends a Sync *indication* (it reset its clients), every pending
 * service request fails with -ECONNRESET, the client-id table is emptied (the ids no longer
 * exist: releasing them would be wrong) and on_reset() tells the owner. Pending CTL requests
 * are not affected (CTL has no client id).
 *
 * Indications go to every registered handler with the same service and message id whose client
 * id equals the indication's, or whose cid is QMIC_CID_ANY; broadcast indications (client id
 * 0xFF) go to every handler of that service and message id.
 *
 * Synchronous helpers (qmic_open with a proxy, qmic_call, qmic_wait, qmic_cids_alloc,
 * qmic_release_all, qmic_sync, qmic_proxy_open) run loop_run_once() until they are done. They
 * are for top-level sequential code only: never call them from a loop callback (the loop is
 * not re-entrant; a nested call returns -EDEADLK when it can tell). Other fds, timers and
 * signals keep being served while they wait; a signal callback may end the wait early with
 * qmic_cancel_all(cl, -EINTR).
 *
 * Errors: 0 or -errno. -ETIMEDOUT: no answer after all attempts. -ECONNRESET: the modem reset
 * its clients (Sync indication). -ENODEV: the device or proxy went away. -ECANCELED / the
 * caller's error: cancelled. -EREMOTEIO: the modem answered with a QMI error (qmi_error out
 * parameter). Nothing here prints or exits.
 */
#ifndef WWANBOX_QMI_CLIENT_H
#define WWANBOX_QMI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "qmi.h"
#include "wdm.h"

#define QMIC_MAX_TRIES 4	       /* attempts per request: 1 + at most 3 retries */
#define QMIC_MAX_CIDS 8		       /* client ids held at once (DMS NAS UIM WDA WDS WDS + 2) */
#define QMIC_CID_ANY 0xFF	       /* indication handler: any client id of ours */
#define QMIC_NO_CID 0xFF	       /* "no client id" in qmic_cids_alloc results */
#define QMIC_PROXY_SOCKET "@qmi-proxy" /* libqmi QMI_PROXY_SOCKET_PATH, abstract */
#define QMIC_PENDING 1		       /* qmic_req.err while in flight */

enum {
	QMIC_F_PROXY = 1U << 0, /* qmic_open: talk through libqmi's qmi-proxy */
};

enum qmic_trace {
	QMIC_TRACE_TX,	 /* a request (or a retry of it) went out */
	QMIC_TRACE_RSP,	 /* a response that completes a request */
	QMIC_TRACE_IND,	 /* an indication */
	QMIC_TRACE_DROP, /* a frame nobody takes: stale, duplicate, foreign, malformed */
};

struct qmic;

struct qmic_req {
	/* set by the owner before qmic_send() */
	uint8_t *frame; /* request frame (any tid); rewritten with each attempt's tid */
	size_t len;
	int timeout_ms;	     /* per attempt (> 0) */
	uint8_t retries;     /* further attempts after a timeout; clamped to QMIC_MAX_TRIES - 1 */
	uint8_t *rsp;	     /* optional: the response is copied here ... */
	size_t rsp_size;     /* (longer: err = -EMSGSIZE) ... */
	struct qmi_msg *msg; /* ... and parsed into *msg (points into rsp) */
	/* optional: called once, from the loop or from qmic_cancel*, when err is final; rsp is the
	 * response frame (valid during the call only) when err == 0, else NULL. The request is no
	 * longer pending then and may be sent again or reused. */
	void (*done)(struct qmic_req *r, const struct qmi_msg *rsp);
	/* result: QMIC_PENDING while in flight, then 0 (a response arrived; it may still carry a
	 * QMI error: the decoders say) or -errno */
	int err;
	/* private */
	struct qmic *cl;
	struct qmic_req *next;
	struct loop_timer timer;
	uint16_t tids[QMIC_MAX_TRIES];
	uint16_t msg_id;
	uint8_t service, cid, tries;
};

struct qmic_ind {
	/* set by the owner before qmic_ind_add() */
	uint8_t service;
	uint8_t cid; /* a client id, or QMIC_CID_ANY */
	uint16_t msg_id;
	void (*cb)(struct qmic_ind *h, const struct qmi_msg *m); /* m valid during the call */
	/* private */
	struct qmic_ind *next;
};

struct qmic_stats {
	unsigned long tx;	/* request frames written, retries included */
	unsigned long retries;	/* of which retries */
	unsigned long rsp;	/* responses that completed a request */
	unsigned long ind;	/* indications received */
	unsigned long dropped;	/* frames nobody took */
	unsigned long timeouts; /* requests that ran out of attempts */
};

struct qmic {
	/* set by the owner (any time) */
	void (*on_reset)(struct qmic *cl);	    /* Sync indication: all client ids gone */
	void (*on_error)(struct qmic *cl, int err); /* device/proxy gone (-ENODEV) */
	void (*trace)(struct qmic *cl, enum qmic_trace what, const uint8_t *frame, size_t len);
	void *priv; /* the owner's */
	/* read-only for the owner */
	struct qmic_stats stats;
	bool proxy;  /* opened through qmi-proxy */
	int dev_err; /* 0, or the error that closed the channel (-ENODEV) */
	uint8_t n_cids;
	struct {
		uint8_t service, cid;
	} cids[QMIC_MAX_CIDS]; /* client ids we hold (allocated or adopted) */
	/* private */
	struct qmic_req *pending;
	struct qmic_ind *inds;
	struct qmic_ind *ind_cursor; /* next handler of the dispatch in progress */
	uint16_t next_tid;
	uint8_t next_ctl_tid;
	uint8_t waiting;
	struct wdm w; /* the channel (last: its RX buffer is big); read-only for the owner */
};

/* Reset everything but the owner's callbacks and priv, without a channel. Only on a zeroed or
 * closed client. */
void qmic_init(struct qmic *cl);

/* Open dev (cdc-wdm, pty, unix socket path or "@abstract"); with QMIC_F_PROXY connect to
 * qmi-proxy instead and do the Internal Proxy Open handshake for dev (synchronous, at most
 * timeout_ms). 0 or -errno (wdm_open's; -ECONNREFUSED: no proxy; -ENODEV: the proxy closed
 * the connection, it serves root only; -EREMOTEIO: it refused the device). */
int qmic_open(struct qmic *cl, const char *dev, unsigned flags, int timeout_ms);
/* Use an fd the caller has (socketpair in tests, an inherited fd). Like wdm_open_fd. */
int qmic_open_fd(struct qmic *cl, int fd);
/* CTL 0xFF00 Internal Proxy Open with the device path on an open channel (qmic_open does it). */
int qmic_proxy_open(struct qmic *cl, const char *dev, int timeout_ms);
/* Complete every pending request with -ECANCELED and close. Does not release client ids
 * (qmic_release_all first); the table is kept so the owner can record or release them. */
void qmic_close(struct qmic *cl);

/* Queue r and write its first attempt. 0, -EBUSY (r is pending), -EINVAL (not a request frame,
 * no timeout), -EBADF/-ENODEV (no channel), or wdm_write's error (then r is not pending). */
int qmic_send(struct qmic *cl, struct qmic_req *r);
/* Complete r now with err (< 0); no-op unless r is pending. */
void qmic_cancel(struct qmic_req *r, int err);
void qmic_cancel_all(struct qmic *cl, int err);

/* Run the loop until none of reqs[0..n) is pending, or until deadline_ms (loop_now_ms() time;
 * < 0: none), when those still pending are completed with -ETIMEDOUT. 0, -EDEADLK (called from
 * inside a wait), or a loop_run_once() error. */
int qmic_wait(struct qmic *cl, struct qmic_req *const *reqs, size_t n, int64_t deadline_ms);

/* Send frame, wait for its response, copy it to rsp[rsp_size] and parse it into *out.
 * 0 (the response may carry a QMI error: decode it), or -errno as above. */
int qmic_call(struct qmic *cl, uint8_t *frame, size_t len, int timeout_ms, int retries,
	      uint8_t *rsp, size_t rsp_size, struct qmi_msg *out);

/* Allocate a client id for each of services[0..n) (n <= QMIC_MAX_CIDS - n_cids), all requests
 * in flight at once. cids[i] gets the id or QMIC_NO_CID. 0 if all succeeded, else the first
 * error (-EREMOTEIO with *qmi_error set, e.g. 0x05 "Client IDs exhausted"; -ENOSPC: table
 * full); the ids that were allocated are in the table either way. */
int qmic_cids_alloc(struct qmic *cl, const uint8_t *services, uint8_t *cids, size_t n,
		    int timeout_ms, int retries, uint16_t *qmi_error);
/* Put an id obtained elsewhere (a state file) into the table / take one out without releasing
 * it (it is kept on purpose: qmi-dial --once). 0, -ENOSPC, -ENOENT. */
int qmic_cid_adopt(struct qmic *cl, uint8_t service, uint8_t cid);
int qmic_cid_forget(struct qmic *cl, uint8_t service, uint8_t cid);
/* Release one id (no retry, at most timeout_ms). It leaves the table whatever the modem says. */
int qmic_cid_release(struct qmic *cl, uint8_t service, uint8_t cid, int timeout_ms);
/* Release every id in the table, all in flight at once, no retry, bounded by timeout_ms in
 * total: a wedged modem never hangs the exit path. The table is empty afterwards. Returns the
 * number of releases the modem confirmed, or -errno if none could even be sent. */
int qmic_release_all(struct qmic *cl, int timeout_ms);

/* CTL Sync (see the top: only when alone on the modem). -EPERM through qmi-proxy. On success
 * the table is emptied. */
int qmic_sync(struct qmic *cl, int timeout_ms);

void qmic_ind_add(struct qmic *cl, struct qmic_ind *h); /* no-op if already added */
void qmic_ind_del(struct qmic *cl, struct qmic_ind *h); /* safe from any callback */

/* Feed received bytes as if read from the channel (tests, fuzzing). */
void qmic_feed(struct qmic *cl, const uint8_t *buf, size_t len);

#endif
