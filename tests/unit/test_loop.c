/* test_loop.c - the poll loop through its public API: timers, fds, signals, idle wakeups. */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wwanbox.h"
#include "loop.h"
#include "t.h"

/* An independent clock for measuring the loop (nanosecond resolution). */
static double t_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct ttimer {
	struct loop_timer t;	/* first member: the callback casts back */
	int id, count, rearm_left;
	int64_t rearm_ms;
	struct ttimer *cancel;	/* cancelled on first fire */
	struct ttimer *start;	/* armed with 0 ms on first fire */
	struct loop_fd *del_fd;	/* removed on fire */
	bool quit;
};

static int order[64], norder;

static void ttimer_cb(struct loop_timer *lt)
{
	struct ttimer *x = (struct ttimer *)lt;

	x->count++;
	if (norder < (int)ARRAY_SIZE(order))
		order[norder++] = x->id;
	if (x->count == 1 && x->cancel)
		loop_timer_cancel(&x->cancel->t);
	if (x->count == 1 && x->start)
		loop_timer_set(&x->start->t, 0);
	if (x->del_fd)
		loop_fd_del(x->del_fd);
	if (x->rearm_left > 0) {
		x->rearm_left--;
		loop_timer_set(&x->t, x->rearm_ms);
	}
	if (x->quit)
		loop_quit();
}

static struct ttimer mk_timer(int id)
{
	struct ttimer x = { .t = { .cb = ttimer_cb }, .id = id };

	return x;
}

struct tfd {
	struct loop_fd f;	/* first member */
	int count;
	short last_rev;
	bool drain, del_self;
	struct loop_fd *del_other;
	struct ttimer *cancel;
};

static void tfd_cb(struct loop_fd *lf, short rev)
{
	struct tfd *x = (struct tfd *)lf;
	char c;

	x->count++;
	x->last_rev = rev;
	if (x->drain && read(lf->fd, &c, 1) < 0)
		CHECK(!"read");
	if (x->del_self)
		loop_fd_del(lf);
	if (x->del_other)
		loop_fd_del(x->del_other);
	if (x->cancel)
		loop_timer_cancel(&x->cancel->t);
}

static struct tfd mk_fd(int fd, short events)
{
	struct tfd x = { .f = { .fd = fd, .events = events, .cb = tfd_cb } };

	return x;
}

static void mk_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		perror("pipe2");
		exit(1);
	}
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		CHECK(!"write");
}

/* ---- nothing registered: must run before any other test adds a watcher or signal ---- */

static void test_nothing_to_wait_is_an_error_not_a_hang(void)
{
	double t0 = t_ms();

	CHECK_EQ(loop_run_once(-1), -EDEADLK);
	CHECK_EQ(loop_run(), -EDEADLK);
	CHECK(t_ms() - t0 < 50);
}

static void test_run_once_returns_after_timeout_with_no_work(void)
{
	unsigned long w0 = loop_wakeups();
	double t0 = t_ms(), dt;

	CHECK_EQ(loop_run_once(100), 0);
	dt = t_ms() - t0;
	CHECK(dt >= 100);
	CHECK(dt < 200);
	CHECK_EQ(loop_wakeups() - w0, 1);
	CHECK_EQ(loop_run_once(0), 0);
}

static void test_fd_add_errors_and_capacity(void)
{
	static struct tfd many[LOOP_MAX_FDS + 1];
	struct tfd bad, nocb;
	int p[2], i, added = 0;

	mk_pipe(p);
	for (i = 0; i <= LOOP_MAX_FDS; i++) {
		many[i] = mk_fd(p[0], POLLIN);
		if (loop_fd_add(&many[i].f) == 0)
			added++;
		else
			CHECK_EQ(loop_fd_add(&many[i].f), -ENOSPC);
	}
	CHECK_EQ(added, LOOP_MAX_FDS);
	CHECK_EQ(loop_fd_add(&many[0].f), -EEXIST);
	for (i = 0; i <= LOOP_MAX_FDS; i++)
		loop_fd_del(&many[i].f);
	loop_fd_del(&many[0].f);	/* twice: no-op */

	bad = mk_fd(-1, POLLIN);
	nocb = mk_fd(p[0], POLLIN);
	nocb.f.cb = NULL;
	CHECK_EQ(loop_fd_add(&bad.f), -EBADF);
	CHECK_EQ(loop_fd_add(&nocb.f), -EINVAL);
	/* all removed again: nothing left that could wake the loop */
	CHECK_EQ(loop_run_once(-1), -EDEADLK);
	close(p[0]);
	close(p[1]);
}

/* ---- timers ---- */

static void test_timers_fire_in_due_order(void)
{
	struct ttimer a = mk_timer(30), b = mk_timer(10), c = mk_timer(20), d = mk_timer(0);
	struct ttimer e = mk_timer(15), f = mk_timer(16);
	int i, want[] = { 0, 10, 15, 16, 20, 30 };

	norder = 0;
	loop_timer_set(&a.t, 30);
	loop_timer_set(&b.t, 10);
	loop_timer_set(&c.t, 20);
	loop_timer_set(&d.t, 0);
	loop_timer_set(&e.t, 15);
	loop_timer_set(&f.t, 15);	/* same delay, set later: fires after e */
	for (i = 0; i < 20 && norder < 6; i++)
		CHECK(loop_run_once(1000) >= 1);
	CHECK_EQ(norder, 6);
	for (i = 0; i < 6; i++)
		CHECK_EQ(order[i], want[i]);
	CHECK(!loop_timer_pending(&a.t) && !loop_timer_pending(&f.t));
}

/* Pseudo-random delays: the firing order must follow the due times. */
static void test_many_timers_sorted(void)
{
	static struct ttimer x[40];
	int delay[40], i, n;
	unsigned int seed = 12345;

	norder = 0;
	for (i = 0; i < 40; i++) {
		seed = seed * 1103515245 + 12345;
		delay[i] = (int)(seed >> 16) % 40;
		x[i] = mk_timer(i);
		loop_timer_set(&x[i].t, delay[i]);
	}
	/* re-arming moves: the last one is set again, further out */
	delay[39] = 45;
	loop_timer_set(&x[39].t, 45);
	for (n = 0; n < 100 && norder < 40; n++)
		CHECK(loop_run_once(1000) >= 0);
	CHECK_EQ(norder, 40);
	for (i = 1; i < norder; i++)
		CHECK(delay[order[i - 1]] <= delay[order[i]]);
	for (i = 0; i < 40; i++)
		CHECK_EQ(x[i].count, 1);
}

static void test_rearm_and_cancel_inside_callbacks(void)
{
	struct ttimer a = mk_timer(1), b = mk_timer(2), c = mk_timer(3);
	int i, r;

	a.cancel = &b;		/* b is due in the same dispatch, after a: must not fire */
	a.start = &c;		/* c armed with 0 ms from a callback: next iteration, not this one */
	a.rearm_left = 2;	/* a fires 3 times */
	a.rearm_ms = 5;
	norder = 0;
	loop_timer_set(&a.t, 0);
	loop_timer_set(&b.t, 0);
	r = loop_run_once(1000);
	CHECK_EQ(r, 1);
	CHECK_EQ(a.count, 1);
	CHECK_EQ(b.count, 0);
	CHECK_EQ(c.count, 0);
	CHECK(!loop_timer_pending(&b.t));
	CHECK(loop_timer_pending(&c.t));
	CHECK(loop_timer_pending(&a.t));
	CHECK_EQ(loop_run_once(1000), 1);	/* c, at once */
	CHECK_EQ(c.count, 1);
	for (i = 0; i < 10 && a.count < 3; i++)
		loop_run_once(1000);
	CHECK_EQ(a.count, 3);
	CHECK_EQ(b.count, 0);
	CHECK(!loop_timer_pending(&a.t));
	CHECK_EQ(loop_run_once(30), 0);
	CHECK_EQ(a.count, 3);
}

static void test_timer_50ms_fires_not_early_not_late(void)
{
	struct ttimer a = mk_timer(1);
	double worst = 0, best = 1e9;
	int i;

	for (i = 0; i < 5; i++) {
		unsigned long w0 = loop_wakeups();
		double t0 = t_ms(), dt;

		loop_timer_set(&a.t, 50);
		CHECK_EQ(loop_run_once(1000), 1);
		dt = t_ms() - t0;
		worst = MAX(worst, dt);
		best = MIN(best, dt);
		CHECK_EQ(loop_wakeups() - w0, 1);
	}
	CHECK_EQ(a.count, 5);
	CHECK(best >= 50.0);
	CHECK(worst < 50.0 + 40.0);	/* slack for loaded CI machines */
	fprintf(stderr, "timer 50 ms: fired after %.2f..%.2f ms\n", best, worst);
}

static void test_zero_timeout_when_timer_already_due(void)
{
	struct ttimer a = mk_timer(1);
	double t0;

	loop_timer_set(&a.t, 0);
	t0 = t_ms();
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK(t_ms() - t0 < 20);

	loop_timer_set(&a.t, 20);
	t0 = t_ms();
	while (t_ms() - t0 < 30)
		;	/* busy: the timer becomes overdue while the loop is not running */
	CHECK_EQ(loop_timer_remaining(&a.t), 0);
	t0 = t_ms();
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK(t_ms() - t0 < 20);
	CHECK_EQ(a.count, 2);
}

static void test_pending_and_remaining(void)
{
	struct ttimer a = mk_timer(1);
	int64_t r;

	CHECK(!loop_timer_pending(&a.t));
	CHECK_EQ(loop_timer_remaining(&a.t), -1);
	loop_timer_set(&a.t, 1000);
	CHECK(loop_timer_pending(&a.t));
	r = loop_timer_remaining(&a.t);
	CHECK(r >= 990 && r <= 1000);
	loop_timer_set(&a.t, 50);	/* re-arm moves it */
	r = loop_timer_remaining(&a.t);
	CHECK(r > 40 && r <= 50);
	loop_timer_set(&a.t, -5);	/* negative = now */
	CHECK_EQ(loop_timer_remaining(&a.t), 0);
	loop_timer_cancel(&a.t);
	loop_timer_cancel(&a.t);
	CHECK(!loop_timer_pending(&a.t));
	CHECK_EQ(loop_timer_remaining(&a.t), -1);
	CHECK_EQ(loop_run_once(20), 0);
	CHECK_EQ(a.count, 0);
}

/* With one timer 300 ms away and an idle fd, the loop sleeps once and wakes once. */
static void test_idle_makes_no_wakeups(void)
{
	struct ttimer a = mk_timer(1);
	struct tfd idle;
	unsigned long w0;
	double t0, dt;
	int p[2];

	mk_pipe(p);
	idle = mk_fd(p[0], POLLIN);
	CHECK_EQ(loop_fd_add(&idle.f), 0);

	w0 = loop_wakeups();
	t0 = t_ms();
	loop_timer_set(&a.t, 300);
	CHECK_EQ(loop_run_once(1000), 1);
	dt = t_ms() - t0;
	CHECK_EQ(loop_wakeups() - w0, 1);
	CHECK(dt >= 300 && dt < 360);

	/* the same through loop_run(): the timer quits the loop */
	a.quit = true;
	w0 = loop_wakeups();
	t0 = t_ms();
	loop_timer_set(&a.t, 300);
	CHECK_EQ(loop_run(), 0);
	dt = t_ms() - t0;
	CHECK_EQ(loop_wakeups() - w0, 1);
	CHECK(dt >= 300 && dt < 360);
	CHECK_EQ(idle.count, 0);
	fprintf(stderr, "idle 300 ms: 1 wakeup, %.2f ms\n", dt);
	loop_fd_del(&idle.f);
	close(p[0]);
	close(p[1]);
}

static void test_run_until_quit(void)
{
	struct ttimer a = mk_timer(1);

	a.rearm_left = 3;
	a.rearm_ms = 10;
	loop_timer_set(&a.t, 10);
	/* quit only on the last firing: rearm_left reaches 0 on the 4th */
	while (loop_timer_pending(&a.t) && a.rearm_left > 0)
		CHECK(loop_run_once(1000) >= 0);
	a.quit = true;
	CHECK_EQ(loop_run(), 0);
	CHECK_EQ(a.count, 4);
	CHECK(!loop_timer_pending(&a.t));
}

/* ---- fds ---- */

static void test_fd_readable_via_pipe(void)
{
	struct tfd r;
	int p[2];

	mk_pipe(p);
	r = mk_fd(p[0], POLLIN);
	r.drain = true;
	CHECK_EQ(loop_fd_add(&r.f), 0);
	CHECK_EQ(loop_run_once(30), 0);
	CHECK_EQ(r.count, 0);
	put(p[1], "x");
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(r.count, 1);
	CHECK(r.last_rev & POLLIN);
	CHECK_EQ(loop_run_once(30), 0);	/* drained: level-triggered, nothing more */
	/* writer closed: POLLHUP is delivered even though only POLLIN was asked for */
	close(p[1]);
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK(r.last_rev & POLLHUP);
	loop_fd_del(&r.f);
	close(p[0]);
}

static void test_fd_removed_inside_own_callback(void)
{
	struct tfd r;
	int p[2];

	mk_pipe(p);
	r = mk_fd(p[0], POLLIN);
	r.del_self = true;	/* and does not read: data stays readable */
	CHECK_EQ(loop_fd_add(&r.f), 0);
	put(p[1], "abc");
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(loop_run_once(30), 0);
	CHECK_EQ(r.count, 1);
	/* it can be added again */
	CHECK_EQ(loop_fd_add(&r.f), 0);
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(r.count, 2);
	close(p[0]);
	close(p[1]);
}

/* Two fds ready in the same poll(); whichever runs first removes the other: it must not run. */
static void test_fd_removing_another_ready_fd(void)
{
	struct tfd a, b;
	int p[2], q[2];

	mk_pipe(p);
	mk_pipe(q);
	a = mk_fd(p[0], POLLIN);
	b = mk_fd(q[0], POLLIN);
	a.del_other = &b.f;
	b.del_other = &a.f;
	a.del_self = b.del_self = true;
	CHECK_EQ(loop_fd_add(&a.f), 0);
	CHECK_EQ(loop_fd_add(&b.f), 0);
	put(p[1], "1");
	put(q[1], "2");
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(a.count + b.count, 1);
	CHECK_EQ(loop_run_once(30), 0);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void test_fd_set_events_pauses_and_resumes(void)
{
	struct tfd w;
	double t0;
	int p[2];

	mk_pipe(p);
	w = mk_fd(p[1], POLLOUT);
	CHECK_EQ(loop_fd_add(&w.f), 0);
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK(w.last_rev & POLLOUT);
	loop_fd_set_events(&w.f, 0);
	close(p[0]);	/* would raise POLLERR on the write end: paused means not even that */
	t0 = t_ms();
	CHECK_EQ(loop_run_once(50), 0);
	CHECK(t_ms() - t0 >= 50);
	CHECK_EQ(w.count, 1);
	loop_fd_set_events(&w.f, POLLOUT);
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK(w.last_rev & POLLERR);
	loop_fd_del(&w.f);
	close(p[1]);
}

/* An fd closed behind the loop's back reports POLLNVAL once, then the watcher is gone. */
static void test_pollnval_removes_watcher(void)
{
	struct tfd r;
	int p[2];

	mk_pipe(p);
	r = mk_fd(p[0], POLLIN);
	CHECK_EQ(loop_fd_add(&r.f), 0);
	close(p[0]);
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK(r.last_rev & POLLNVAL);
	CHECK_EQ(loop_run_once(30), 0);
	CHECK_EQ(r.count, 1);
	CHECK(!r.f.added);
	close(p[1]);
}

/* A timer that re-arms itself with 0 ms fires once per iteration; fds still get their turn. */
static void test_zero_ms_rearm_does_not_starve_fds(void)
{
	struct ttimer a = mk_timer(1);
	struct tfd r;
	int p[2], i;

	mk_pipe(p);
	r = mk_fd(p[0], POLLIN);
	r.drain = true;
	CHECK_EQ(loop_fd_add(&r.f), 0);
	a.rearm_left = 1000;
	a.rearm_ms = 0;
	loop_timer_set(&a.t, 0);
	for (i = 0; i < 5; i++) {
		put(p[1], "z");
		CHECK_EQ(loop_run_once(1000), 2);
	}
	CHECK_EQ(a.count, 5);
	CHECK_EQ(r.count, 5);
	loop_timer_cancel(&a.t);
	loop_fd_del(&r.f);
	close(p[0]);
	close(p[1]);
}

/* fd callbacks run before timers: an fd callback may cancel a due timer; a timer callback may
 * remove a ready fd. */
static void test_cross_cancel_between_fds_and_timers(void)
{
	struct ttimer a = mk_timer(1), b = mk_timer(2);
	struct tfd r;
	int p[2];

	mk_pipe(p);
	r = mk_fd(p[0], POLLIN);
	r.drain = true;
	r.cancel = &a;
	CHECK_EQ(loop_fd_add(&r.f), 0);
	loop_timer_set(&a.t, 0);
	put(p[1], "x");
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(r.count, 1);
	CHECK_EQ(a.count, 0);
	CHECK(!loop_timer_pending(&a.t));

	r.cancel = NULL;
	b.del_fd = &r.f;
	loop_timer_set(&b.t, 0);
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(b.count, 1);
	put(p[1], "y");
	CHECK_EQ(loop_run_once(30), 0);
	CHECK_EQ(r.count, 1);
	close(p[0]);
	close(p[1]);
}

/* ---- signals (last: they leave the signal pipe in the poll set) ---- */

static int sig_count[32], sig_last;

static void sig_cb(int sig)
{
	sig_count[sig]++;
	sig_last = sig;
}

static void test_signal_invalid(void)
{
	CHECK_EQ(loop_signal(0, sig_cb), -EINVAL);
	CHECK_EQ(loop_signal(32, sig_cb), -EINVAL);
	CHECK_EQ(loop_signal(-1, sig_cb), -EINVAL);
	CHECK_EQ(loop_signal(SIGKILL, sig_cb), -EINVAL);
	CHECK_EQ(loop_signal(SIGSTOP, sig_cb), -EINVAL);
}

static void test_signal_raise_delivered_from_loop(void)
{
	CHECK_EQ(loop_signal(SIGUSR1, sig_cb), 0);
	memset(sig_count, 0, sizeof(sig_count));
	raise(SIGUSR1);
	CHECK_EQ(sig_count[SIGUSR1], 0);	/* not from the handler */
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(sig_count[SIGUSR1], 1);
	CHECK_EQ(sig_last, SIGUSR1);
	/* two deliveries before the loop runs coalesce; the pipe is drained in one go */
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	CHECK_EQ(loop_run_once(1000), 1);
	CHECK_EQ(sig_count[SIGUSR1], 2);
	CHECK_EQ(loop_run_once(30), 0);
}

static void test_termination_signals_and_restore(void)
{
	int sigs[] = { SIGTERM, SIGINT, SIGHUP }, i;
	struct sigaction sa;

	memset(sig_count, 0, sizeof(sig_count));
	for (i = 0; i < 3; i++) {
		CHECK_EQ(loop_signal(sigs[i], sig_cb), 0);
		sigaction(sigs[i], NULL, &sa);
		CHECK(!(sa.sa_flags & SA_RESTART));
		kill(getpid(), sigs[i]);
	}
	CHECK_EQ(loop_run_once(1000), 3);
	for (i = 0; i < 3; i++) {
		CHECK_EQ(sig_count[sigs[i]], 1);
		CHECK_EQ(loop_signal(sigs[i], NULL), 0);
		sigaction(sigs[i], NULL, &sa);
		CHECK(sa.sa_handler == SIG_DFL);
	}
}

static void test_signal_unblocked_when_inherited_blocked(void)
{
	sigset_t set, cur;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK_EQ(loop_signal(SIGUSR2, sig_cb), 0);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(!sigismember(&cur, SIGUSR2));
}

/* A signal that interrupts poll() (EINTR) is dispatched in the same loop_run_once(). SIGCHLD
 * from the exiting child arrives as a callback too. */
static void test_signal_during_poll_and_sigchld(void)
{
	double t0;
	pid_t pid;
	int i, st;

	memset(sig_count, 0, sizeof(sig_count));
	CHECK_EQ(loop_signal(SIGUSR2, sig_cb), 0);
	CHECK_EQ(loop_signal(SIGCHLD, sig_cb), 0);
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	CHECK(pid > 0);
	t0 = t_ms();
	CHECK(loop_run_once(3000) >= 1);
	CHECK_EQ(sig_count[SIGUSR2], 1);
	CHECK(t_ms() - t0 < 1000);
	for (i = 0; i < 50 && !sig_count[SIGCHLD]; i++)
		loop_run_once(100);
	CHECK_EQ(sig_count[SIGCHLD], 1);
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	loop_signal(SIGCHLD, NULL);
}

int main(void)
{
	RUN(test_nothing_to_wait_is_an_error_not_a_hang);
	RUN(test_run_once_returns_after_timeout_with_no_work);
	RUN(test_fd_add_errors_and_capacity);
	RUN(test_timers_fire_in_due_order);
	RUN(test_many_timers_sorted);
	RUN(test_rearm_and_cancel_inside_callbacks);
	RUN(test_timer_50ms_fires_not_early_not_late);
	RUN(test_zero_timeout_when_timer_already_due);
	RUN(test_pending_and_remaining);
	RUN(test_idle_makes_no_wakeups);
	RUN(test_run_until_quit);
	RUN(test_fd_readable_via_pipe);
	RUN(test_fd_removed_inside_own_callback);
	RUN(test_fd_removing_another_ready_fd);
	RUN(test_fd_set_events_pauses_and_resumes);
	RUN(test_pollnval_removes_watcher);
	RUN(test_zero_ms_rearm_does_not_starve_fds);
	RUN(test_cross_cancel_between_fds_and_timers);
	RUN(test_signal_invalid);
	RUN(test_signal_raise_delivered_from_loop);
	RUN(test_termination_signals_and_restore);
	RUN(test_signal_unblocked_when_inherited_blocked);
	RUN(test_signal_during_poll_and_sigchld);
	return t_done();
}
