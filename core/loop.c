/* loop.c - the one poll() loop of the process: fd watchers, monotonic timers, signals.
 *
 * Signals use a self-pipe rather than signalfd: signalfd only works while the signal is blocked
 * in every thread, and a blocked mask survives fork() and execve(), so hook scripts and other
 * children would start with SIGTERM/SIGINT blocked unless every spawn path restored the mask.
 * The self-pipe needs no mask juggling, behaves the same under every libc and under qemu-user
 * (used for the big-endian MIPS tests), and the handler is three async-signal-safe statements.
 * Same pattern as busybox udhcp/signalpipe.c.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "wwanbox.h"
#include "loop.h"

#define NS_PER_MS 1000000LL
/* Far enough never to matter, small enough that now + ms * NS_PER_MS cannot overflow. */
#define LOOP_MS_MAX (INT64_MAX / NS_PER_MS / 4)
/* Standard signals only (SIGHUP..SIGSYS are all below 32, also on MIPS). */
#define LOOP_NSIG 32

static struct loop_fd *fds;
static unsigned int nfds_added;
static struct loop_timer *timers;	/* pending, sorted by due_ns; FIFO among equal due_ns */
static struct loop_timer *firing;	/* expired in this iteration, not yet dispatched */
static bool quit;
static unsigned long wakeups;

/* The poll set of the current iteration. loop_fd_del() clears a watcher's pwatch entry, so a
 * watcher deleted by an earlier callback of the same iteration is not called. */
static struct pollfd pfd[LOOP_MAX_FDS];
static struct loop_fd *pwatch[LOOP_MAX_FDS];
static unsigned int npoll;

static volatile sig_atomic_t sig_pending[LOOP_NSIG];
static volatile sig_atomic_t sig_any;
static void (*sig_cb[LOOP_NSIG])(int sig);
static int sig_pipe[2] = { -1, -1 };
static struct loop_fd sig_watch;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 * NS_PER_MS + ts.tv_nsec;
}

int64_t loop_now_ms(void)
{
	return now_ns() / NS_PER_MS;
}

unsigned long loop_wakeups(void)
{
	return wakeups;
}

void loop_quit(void)
{
	quit = true;
}

/* ---- fd watchers ---- */

int loop_fd_add(struct loop_fd *f)
{
	if (f->added)
		return -EEXIST;
	if (f->fd < 0)
		return -EBADF;
	if (!f->cb)
		return -EINVAL;
	if (nfds_added >= LOOP_MAX_FDS)
		return -ENOSPC;
	f->next = fds;
	fds = f;
	f->added = true;
	nfds_added++;
	return 0;
}

void loop_fd_del(struct loop_fd *f)
{
	struct loop_fd **pp;
	unsigned int i;

	if (!f->added)
		return;
	for (pp = &fds; *pp != f; pp = &(*pp)->next)
		;
	*pp = f->next;
	f->next = NULL;
	f->added = false;
	nfds_added--;
	for (i = 0; i < npoll; i++)
		if (pwatch[i] == f)
			pwatch[i] = NULL;
}

void loop_fd_set_events(struct loop_fd *f, short events)
{
	f->events = events;
}

/* Fill pfd/pwatch from the watcher list; *active counts the watchers that can wake poll(). */
static unsigned int build_pollset(unsigned int *active)
{
	struct loop_fd *f;
	unsigned int n = 0;

	*active = 0;
	for (f = fds; f; f = f->next) {
		/* poll() ignores a negative fd: that is how a paused watcher stays quiet. */
		pfd[n].fd = f->events ? f->fd : -1;
		pfd[n].events = f->events;
		pfd[n].revents = 0;
		pwatch[n++] = f;
		if (f->events)
			(*active)++;
	}
	return n;
}

static int dispatch_fds(void)
{
	unsigned int i;
	int done = 0;

	for (i = 0; i < npoll; i++) {
		struct loop_fd *f = pwatch[i];
		short rev = pfd[i].revents;

		if (!f || !rev || !f->events)
			continue;
		rev &= f->events | POLLERR | POLLHUP | POLLNVAL;
		if (!rev)
			continue;
		f->cb(f, rev);
		if (f != &sig_watch)
			done++;
		/* POLLNVAL: the fd was closed without loop_fd_del(); it would fire forever. */
		if ((rev & POLLNVAL) && pwatch[i] == f)
			loop_fd_del(f);
	}
	return done;
}

/* ---- timers ---- */

static void timer_unlink(struct loop_timer *t)
{
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

void loop_timer_set(struct loop_timer *t, int64_t ms)
{
	struct loop_timer **pp = &timers;

	ms = MAX(ms, 0);
	ms = MIN(ms, LOOP_MS_MAX);
	if (t->pprev)
		timer_unlink(t);
	t->due_ns = now_ns() + ms * NS_PER_MS;
	while (*pp && (*pp)->due_ns <= t->due_ns)
		pp = &(*pp)->next;
	t->next = *pp;
	t->pprev = pp;
	if (*pp)
		(*pp)->pprev = &t->next;
	*pp = t;
}

void loop_timer_cancel(struct loop_timer *t)
{
	if (t->pprev)
		timer_unlink(t);
}

bool loop_timer_pending(const struct loop_timer *t)
{
	return t->pprev != NULL;
}

static int64_t ns_to_ms_up(int64_t ns)
{
	return ns <= 0 ? 0 : (ns + NS_PER_MS - 1) / NS_PER_MS;
}

int64_t loop_timer_remaining(const struct loop_timer *t)
{
	if (!t->pprev)
		return -1;
	return ns_to_ms_up(t->due_ns - now_ns());
}

/* poll() timeout until the earliest timer, rounded up so that one wakeup suffices; -1: none. */
static int next_timeout(void)
{
	int64_t ms;

	if (!timers)
		return -1;
	ms = ns_to_ms_up(timers->due_ns - now_ns());
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Move the expired prefix of the sorted list to `firing` first, then call them one by one: a
 * timer re-armed by a callback lands in `timers` and waits for the next iteration, and a timer
 * cancelled by a callback simply leaves `firing` (pprev works in either list). */
static int dispatch_timers(void)
{
	int64_t now = now_ns();
	struct loop_timer **end = &timers, *t;
	int done = 0;

	while (*end && (*end)->due_ns <= now)
		end = &(*end)->next;
	if (end == &timers)
		return 0;
	firing = timers;
	firing->pprev = &firing;
	timers = *end;
	if (timers)
		timers->pprev = &timers;
	*end = NULL;
	while ((t = firing)) {
		timer_unlink(t);
		t->cb(t);
		done++;
	}
	return done;
}

/* ---- signals ---- */

static void sig_handler(int sig)
{
	int saved = errno;
	ssize_t r;

	sig_pending[sig] = 1;
	sig_any = 1;
	/* Non-blocking: when the pipe is full a wakeup byte is already there. */
	r = write(sig_pipe[1], "", 1);
	(void)r;
	errno = saved;
}

static void sig_drain(struct loop_fd *f, short revents)
{
	char buf[64];

	(void)revents;
	while (read(f->fd, buf, sizeof(buf)) > 0)
		;
}

/* Runs after poll() whatever it returned: a signal that interrupted poll() (EINTR) has set its
 * flag, and the pipe byte it wrote is drained in a later iteration. Clearing sig_any before the
 * scan means a signal landing mid-scan is seen next time, never lost. */
static int dispatch_signals(void)
{
	int sig, done = 0;

	if (!sig_any)
		return 0;
	sig_any = 0;
	for (sig = 1; sig < LOOP_NSIG; sig++) {
		if (!sig_pending[sig])
			continue;
		sig_pending[sig] = 0;
		if (sig_cb[sig]) {
			sig_cb[sig](sig);
			done++;
		}
	}
	return done;
}

static int sig_watch_start(void)
{
	if (sig_pipe[0] < 0) {
		if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
			return -errno;
		sig_watch.fd = sig_pipe[0];
		sig_watch.events = POLLIN;
		sig_watch.cb = sig_drain;
	}
	if (sig_watch.added)
		return 0;
	return loop_fd_add(&sig_watch);
}

/* Without any signal callback the pipe leaves the poll set (the pipe itself stays open). */
static void sig_watch_stop_if_unused(void)
{
	int sig;

	for (sig = 1; sig < LOOP_NSIG; sig++)
		if (sig_cb[sig])
			return;
	loop_fd_del(&sig_watch);
}

int loop_signal(int sig, void (*cb)(int sig))
{
	struct sigaction sa;
	sigset_t set;
	int r;

	if (sig <= 0 || sig >= LOOP_NSIG || sig == SIGKILL || sig == SIGSTOP)
		return -EINVAL;
	if (cb) {
		r = sig_watch_start();
		if (r)
			return r;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cb ? sig_handler : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART (see loop.h). SA_NOCLDSTOP: SIGCHLD for exits, not for stop/continue. */
	sa.sa_flags = sig == SIGCHLD ? SA_NOCLDSTOP : 0;
	if (sigaction(sig, &sa, NULL) < 0) {
		r = -errno;
		sig_watch_stop_if_unused();
		return r;
	}
	sig_cb[sig] = cb;
	if (!cb) {
		sig_pending[sig] = 0;
		sig_watch_stop_if_unused();
		return 0;
	}
	/* The signal mask is inherited across execve(): a parent that blocked SIGTERM would make
	 * our handler unreachable. */
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return 0;
}

/* ---- the loop ---- */

int loop_run_once(int max_ms)
{
	unsigned int active;
	int timeout, n, err, done;

	timeout = next_timeout();
	if (max_ms >= 0 && (timeout < 0 || timeout > max_ms))
		timeout = max_ms;
	npoll = build_pollset(&active);
	if (timeout < 0 && !active) {
		npoll = 0;
		return -EDEADLK;
	}
	n = poll(pfd, npoll, timeout);
	err = errno;
	wakeups++;
	if (n < 0 && err != EINTR) {
		npoll = 0;
		return -err;
	}
	done = n > 0 ? dispatch_fds() : 0;
	npoll = 0;
	done += dispatch_signals();
	done += dispatch_timers();
	return done;
}

int loop_run(void)
{
	int r;

	quit = false;
	while (!quit) {
		r = loop_run_once(-1);
		if (r < 0)
			return r;
	}
	return 0;
}
