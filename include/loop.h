/* loop.h - the one poll() loop of the process: fd watchers, monotonic timers, signals.
 *
 * There is exactly one loop per process, so its state is file-static in core/loop.c and no
 * handle is passed around (every module would otherwise need a loop pointer only to reach the
 * same single object). Nothing else in the program sleeps: a module that waits arms a timer
 * or watches an fd and returns.
 *
 * Watchers and timers are caller-owned, intrusively linked and never allocated. Zero-initialise
 * them before first use (static storage, or `struct loop_timer t = { .cb = f };`); the fields
 * under "private" belong to the loop. The loop is not re-entrant: do not call loop_run() or
 * loop_run_once() from a callback.
 *
 * Idle cost: poll() sleeps exactly until the earliest timer (rounded up to a whole millisecond),
 * or forever when there is no timer. There is no periodic tick.
 */
#ifndef WWANBOX_LOOP_H
#define WWANBOX_LOOP_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

/* Upper bound on watched fds (the poll set is a fixed array): one control device, a netlink
 * socket, a packet socket, the signal pipe, a child's pipe... 32 leaves ample room. */
#define LOOP_MAX_FDS 32

struct loop_fd {
	int fd;
	short events;	/* POLLIN / POLLOUT / POLLPRI; 0 = paused: not polled, not even for HUP */
	/* revents is masked to events | POLLERR | POLLHUP | POLLNVAL. After a POLLNVAL callback
	 * (fd closed behind the loop's back) the watcher is removed, so the loop cannot spin. */
	void (*cb)(struct loop_fd *f, short revents);
	/* private */
	struct loop_fd *next;
	bool added;
};

struct loop_timer {
	void (*cb)(struct loop_timer *t);
	/* private */
	struct loop_timer *next, **pprev;	/* pprev != NULL <=> pending */
	int64_t due_ns;
};

/* 0, -EEXIST (already added), -EBADF (fd < 0), -EINVAL (no cb), -ENOSPC (LOOP_MAX_FDS). */
int loop_fd_add(struct loop_fd *f);
/* Safe at any time, also from any callback during dispatch (also for the fd whose callback is
 * running): a removed watcher gets no further callback, not even for this iteration. No-op when
 * not added. Does not close the fd. */
void loop_fd_del(struct loop_fd *f);
void loop_fd_set_events(struct loop_fd *f, short events);

/* Arm (or re-arm: moves it) to fire once, ms >= 0 milliseconds from now; negative = 0. The
 * callback runs no earlier than ms after this call. Timers due at the same time fire in the order
 * they were set. A timer set from a callback, even with 0 ms, fires in a later iteration, so a
 * self-re-arming timer cannot starve fds. */
void loop_timer_set(struct loop_timer *t, int64_t ms);
/* Safe from any callback, also for a timer that is due in the current dispatch (it then does
 * not fire). No-op when not pending. */
void loop_timer_cancel(struct loop_timer *t);
bool loop_timer_pending(const struct loop_timer *t);
/* Milliseconds until it fires (rounded up, 0 when due), or -1 when not pending. */
int64_t loop_timer_remaining(const struct loop_timer *t);

/* Deliver signal sig (1..31) as cb(sig) from the loop, never from the handler (which only sets a
 * flag and writes one byte to a self-pipe). The handler is installed without SA_RESTART: a
 * blocking call elsewhere sees EINTR instead of sleeping on. Several deliveries before the loop
 * runs coalesce into one callback (as the kernel coalesces them too). cb NULL restores SIG_DFL.
 * 0 or -errno (-EINVAL for an out-of-range sig, pipe/sigaction errors). */
int loop_signal(int sig, void (*cb)(int sig));

/* CLOCK_MONOTONIC in milliseconds (arbitrary origin). */
int64_t loop_now_ms(void);

/* One iteration: wait up to max_ms (-1: no bound other than timers and fds), then dispatch ready
 * fds, delivered signals and due timers. Returns the number of callbacks run (0 when the wait
 * elapsed with nothing to do), -EDEADLK when max_ms < 0 and nothing at all could ever wake the
 * loop, or -errno from poll(). */
int loop_run_once(int max_ms);
/* Iterate until loop_quit() is called from a callback. 0, or a negative loop_run_once() error. */
int loop_run(void);
void loop_quit(void);

/* Number of times poll() has returned since start: a test or a --debug status can prove that an
 * idle process does not wake up. */
unsigned long loop_wakeups(void);

#endif
