/* wdm.h - the control channel to a modem: a cdc-wdm (or WWAN port) character device, a pty, or
 * a unix stream socket (a path, or "@name" for an abstract socket such as qmi-proxy/mbim-proxy).
 *
 * Reads are framed by length, never by read() boundaries: the protocol module supplies a
 * frame_len callback, wdm reassembles partial frames, splits coalesced ones, drops garbage one
 * byte at a time until the callback recognises a header, and skips frames too long for the RX
 * buffer whole. Frames are handed to on_frame() from the loop; a vanished device (EOF, EIO,
 * ENODEV, ECONNRESET, EPIPE) is reported once through on_error(w, -ENODEV), after which wdm has
 * stopped watching the fd and the owner calls wdm_close() (from on_error or later).
 *
 * The struct is caller-owned (static in the applet: it holds the RX buffer) and allocates
 * nothing. Frames passed to on_frame point into the RX buffer, at any alignment (use bytes.h),
 * and are valid only until on_frame returns. on_frame may call wdm_write() and wdm_close(), but
 * not wdm_feed() or wdm_poll() on the same wdm.
 */
#ifndef WWANBOX_WDM_H
#define WWANBOX_WDM_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

/* RX buffer: must hold the longest frame we accept plus what follows it in the same read.
 * MBIM: messages are fragmented to wMaxControlMessage, 4096 on common modems (its field is 16
 * bits, so 64 KiB is the theoretical bound). QMUX: le16 length, so up to 64 KiB per libqmi, but
 * real modems stay under 8 KiB (qmi_wwan registers cdc-wdm with a 4096-byte buffer; long NAS/UIM
 * responses are the largest). 16 KiB holds every real frame with room to spare and keeps the
 * struct small for routers; anything longer is skipped whole and counted in stats.oversize. */
#define WDM_RX_SIZE 16384

/* Look at the bytes at the start of the stream (have >= 1) and return the total length of the
 * frame that starts there, 0 if more bytes are needed to tell, or < 0 if buf[0] cannot start a
 * frame (wdm drops one byte and asks again). The answer must only depend on the bytes seen, so
 * it does not change once non-zero. Return < 0 for implausible lengths (a length the callback
 * accepts but that exceeds WDM_RX_SIZE is skipped byte for byte, however long). */
typedef long (*wdm_frame_len_fn)(const uint8_t *buf, size_t have);

enum wdm_kind {
	WDM_NONE,
	WDM_CHR,	/* character device: cdc-wdm, /dev/wwan*qmi* / *mbim* */
	WDM_TTY,	/* tty (pty or serial), put in raw mode */
	WDM_SOCK,	/* unix stream socket (proxy, modem-sim) */
};

struct wdm_stats {
	unsigned long bytes;	/* bytes received */
	unsigned long frames;	/* frames delivered */
	unsigned long garbage;	/* bytes dropped while resynchronising */
	unsigned long oversize;	/* frames longer than WDM_RX_SIZE, skipped */
	unsigned long lost;	/* cdc-wdm reported lost data (read -ENOBUFS): partial frame dropped */
	unsigned long tx_errors; /* cdc-wdm reported a failed earlier write URB */
};

struct wdm {
	/* set by the owner (before wdm_open, or any time) */
	void (*on_frame)(struct wdm *w, const uint8_t *frame, size_t len);
	void (*on_error)(struct wdm *w, int err);
	/* read-only for the owner */
	int fd;			/* -1 when closed */
	enum wdm_kind kind;
	uint16_t max_cmd;	/* cdc-wdm wMaxCommand (longest write the driver sends whole); 0 unknown */
	struct wdm_stats stats;
	/* private */
	wdm_frame_len_fn frame_len;
	struct loop_fd lfd;
	unsigned int err_wakeups;
	size_t rx_off, rx_len, skip;
	uint8_t rx[WDM_RX_SIZE];
};

/* Reset everything but on_frame/on_error, without an fd: enough for wdm_feed() (tests, fuzzing).
 * Only on a zeroed or closed struct (a zeroed struct is a valid closed one). */
void wdm_init(struct wdm *w, wdm_frame_len_fn frame_len);

/* Open path (see top), non-blocking and close-on-exec, and start watching it in the loop.
 * 0 or -errno: -ENOENT, -EACCES, -EBUSY (port taken by the WWAN framework), -ECONNREFUSED (no
 * proxy listening), -ENAMETOOLONG (socket path), -ENODEV (not a device, socket or tty),
 * -EINVAL (no frame_len), -ENOSPC (loop full). */
int wdm_open(struct wdm *w, const char *path, wdm_frame_len_fn frame_len);
/* The same for an fd the caller already has (socketpair, inherited fd); wdm owns it from here
 * on, and closes it itself when this fails. */
int wdm_open_fd(struct wdm *w, int fd, wdm_frame_len_fn frame_len);

/* Push bytes through the framer as if read from the device; returns frames delivered. */
int wdm_feed(struct wdm *w, const uint8_t *buf, size_t len);

/* Bounded synchronous wait, outside the loop: read until at least one frame was delivered to
 * on_frame. Returns the number of frames, -ETIMEDOUT, -ENODEV, or -errno. Does not call
 * on_error. timeout_ms < 0 waits without bound. */
int wdm_poll(struct wdm *w, int timeout_ms);

/* Write the whole of buf within timeout_ms (< 0: no bound), continuing short writes and waiting
 * for POLLOUT. 0, -ETIMEDOUT, -ENODEV (device or peer gone), -EMSGSIZE (longer than a cdc-wdm
 * device accepts in one control transfer: the driver would silently truncate it), -errno.
 * After -ETIMEDOUT part of the frame may have gone out on a stream socket or tty: the peer's
 * framing is then off and the owner should reopen. Never raises SIGPIPE. */
int wdm_write(struct wdm *w, const void *buf, size_t len, int timeout_ms);

/* Stop watching, close, drop buffered bytes. Idempotent; safe from on_frame and on_error. */
void wdm_close(struct wdm *w);

#endif
