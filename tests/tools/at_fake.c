/* at_fake.c - a scriptable fake AT modem on a pty, for tests/at.test and tests/usbnet_mode.test.
 *
 *   at_fake --link PATH [--script FILE] [--set VAR=VALUE]... [--echo] [--dead]
 *           [--urc TEXT]... [--urc-every MS] [--urc-rate PERCENT] [--seed N]
 *           [--swap LINK=TARGET] [--reset-ms MS] [--exit-on-reset] [--log FILE]
 *           [--timeout SEC]
 *
 * It creates a pty, links PATH to its slave, and answers commands ending in CR the way a modem
 * does (V.250 verbose: "\r\n<line>\r\n" for each line, final result last), echoing input when
 * echo is on (--echo, ATE1). Unsolicited codes (--urc) are sent every --urc-every ms (a random
 * time between half and one and a half of it) and, with --urc-rate, also between the lines of a
 * response, so a client meets them at random places. --dead reads but never answers.
 *
 * Script lines (# comments):  PATTERN  RESPONSE [ ; ACTION]...
 *   PATTERN   a command, case-insensitive; a trailing * matches any rest, which is $1
 *   RESPONSE  lines separated by \n, "$VAR" replaced by the variable's value; "-" = no answer
 *   ACTION    set VAR=VALUE ($1 allowed) | reset | delay MS
 * Built in (when no rule matches): AT, ATZ -> OK; ATE0/ATE1 -> echo off/on, OK; else ERROR.
 *
 * "reset" is a modem reboot: after the answer, --swap re-points the symlink LINK at TARGET (a
 * fake sysfs tree in the new USB mode: the "re-enumeration"), the pty goes away (clients see
 * EIO/HUP), and unless --exit-on-reset a new pty appears at PATH after --reset-ms.
 *
 * Structure: struct atsim and the atsim_* functions are the simulator (rules, variables, echo,
 * line assembly, response and URC composition) and know nothing of ptys or time sources; main()
 * is the pty and poll() shell. The core is meant to move into modem-sim's AT mode
 * (`modem-sim --at --link PATH`, applets/modem_sim.c) as it is.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_RULES 64
#define MAX_VARS 16
#define MAX_URCS 8
#define LINE_MAX_ 1024

/* ---- the simulator core ---- */

struct rule {
	char pattern[128];
	char response[512];
	char set_var[32], set_val[128];
	bool reset;
	int delay_ms;
};

struct atsim {
	struct rule rules[MAX_RULES];
	int nrules;
	char var_name[MAX_VARS][32], var_val[MAX_VARS][128];
	int nvars;
	const char *urcs[MAX_URCS];
	int nurcs;
	int urc_rate; /* percent chance of a URC before each response line */
	bool echo, dead;
	unsigned seed;
	char line[LINE_MAX_];
	size_t llen;
	FILE *log;
	/* output and events for the shell */
	void (*out)(void *arg, const char *buf, size_t len);
	void *arg;
	void (*sleep)(int ms); /* "delay": wait before answering */
	bool reset_pending;
};

static unsigned sim_rand(struct atsim *s)
{
	s->seed = s->seed * 1103515245u + 12345u;
	return s->seed >> 16;
}

static void sim_out(struct atsim *s, const char *buf)
{
	s->out(s->arg, buf, strlen(buf));
}

/* A line in V.250 verbose framing. */
static void sim_line(struct atsim *s, const char *text)
{
	sim_out(s, "\r\n");
	sim_out(s, text);
	sim_out(s, "\r\n");
}

static void sim_urc(struct atsim *s)
{
	if (s->nurcs)
		sim_line(s, s->urcs[sim_rand(s) % (unsigned)s->nurcs]);
}

static const char *sim_var(const struct atsim *s, const char *name, size_t len)
{
	for (int i = 0; i < s->nvars; i++)
		if (strlen(s->var_name[i]) == len && !strncmp(s->var_name[i], name, len))
			return s->var_val[i];
	return "";
}

static void sim_set(struct atsim *s, const char *name, const char *val)
{
	int i;

	for (i = 0; i < s->nvars; i++)
		if (!strcmp(s->var_name[i], name))
			break;
	if (i == MAX_VARS)
		return;
	if (i == s->nvars)
		s->nvars++;
	snprintf(s->var_name[i], sizeof(s->var_name[i]), "%s", name);
	snprintf(s->var_val[i], sizeof(s->var_val[i]), "%s", val);
}

/* Expand $VAR and $1 in src into dst. */
static void sim_expand(const struct atsim *s, const char *src, const char *arg1, char *dst,
		       size_t cap)
{
	size_t n = 0;

	while (*src && n + 1 < cap) {
		const char *v = NULL;
		size_t len = 0;

		if (src[0] == '$' && src[1] == '1') {
			v = arg1;
			src += 2;
		} else if (src[0] == '$') {
			while (src[1 + len] &&
			       (src[1 + len] == '_' || isalnum((unsigned char)src[1 + len])))
				len++;
			v = sim_var(s, src + 1, len);
			src += 1 + len;
		}
		if (v) {
			while (*v && n + 1 < cap)
				dst[n++] = *v++;
			continue;
		}
		dst[n++] = *src++;
	}
	dst[n] = 0;
}

/* Does cmd match pattern (case-insensitive, trailing * = any rest, captured in arg1)? */
static bool sim_match(const char *pattern, const char *cmd, char *arg1, size_t cap)
{
	size_t pl = strlen(pattern);
	bool star = pl && pattern[pl - 1] == '*';

	if (star)
		pl--;
	if (strncasecmp(pattern, cmd, pl) || (!star && strlen(cmd) != pl))
		return false;
	snprintf(arg1, cap, "%s", cmd + pl);
	return true;
}

/* Send a response: lines split at the two characters backslash-n. */
static void sim_respond(struct atsim *s, const char *resp)
{
	char line[LINE_MAX_];
	const char *p = resp;

	while (*p) {
		const char *e = strstr(p, "\\n");
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (s->urc_rate && (int)(sim_rand(s) % 100) < s->urc_rate)
			sim_urc(s);
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		sim_line(s, line);
		p += len + (e ? 2 : 0);
	}
}

static void sim_command(struct atsim *s, const char *cmd)
{
	char arg1[256], resp[1024];

	if (s->log) {
		fprintf(s->log, "%s\n", cmd);
		fflush(s->log);
	}
	if (s->dead || !*cmd)
		return;
	for (int i = 0; i < s->nrules; i++) {
		const struct rule *r = &s->rules[i];

		if (!sim_match(r->pattern, cmd, arg1, sizeof(arg1)))
			continue;
		if (r->set_var[0]) {
			char val[128];

			sim_expand(s, r->set_val, arg1, val, sizeof(val));
			sim_set(s, r->set_var, val);
		}
		if (r->delay_ms && s->sleep)
			s->sleep(r->delay_ms);
		if (strcmp(r->response, "-")) {
			sim_expand(s, r->response, arg1, resp, sizeof(resp));
			sim_respond(s, resp);
		}
		s->reset_pending = r->reset;
		return;
	}
	if (!strcasecmp(cmd, "ATE0") || !strcasecmp(cmd, "ATE1"))
		s->echo = cmd[3] == '1';
	if (!strcasecmp(cmd, "AT") || !strcasecmp(cmd, "ATZ") || !strcasecmp(cmd, "ATE0") ||
	    !strcasecmp(cmd, "ATE1"))
		sim_respond(s, "OK");
	else
		sim_respond(s, "ERROR");
}

/* Bytes from the host. */
static void atsim_input(struct atsim *s, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (s->echo && !s->dead)
			s->out(s->arg, &c, 1);
		if (c == '\n')
			continue;
		if (c != '\r') {
			if (s->llen < sizeof(s->line) - 1)
				s->line[s->llen++] = c;
			continue;
		}
		s->line[s->llen] = 0;
		s->llen = 0;
		sim_command(s, s->line);
	}
}

static int atsim_add_rule(struct atsim *s, const char *text)
{
	struct rule *r;
	char buf[1024], *p, *act;

	snprintf(buf, sizeof(buf), "%s", text);
	buf[strcspn(buf, "\r\n")] = 0;
	p = buf + strspn(buf, " \t");
	if (!*p || *p == '#')
		return 0;
	if (s->nrules == MAX_RULES)
		return -1;
	r = &s->rules[s->nrules++];
	memset(r, 0, sizeof(*r));
	snprintf(r->pattern, sizeof(r->pattern), "%.*s", (int)strcspn(p, " \t"), p);
	p += strcspn(p, " \t");
	p += strspn(p, " \t");
	act = strstr(p, " ; ");
	if (act)
		*act = 0;
	snprintf(r->response, sizeof(r->response), "%s", *p ? p : "-");
	while (act) {
		char *a = act + 3, *next = strstr(a, " ; ");

		if (next)
			*next = 0;
		if (!strncmp(a, "set ", 4) && strchr(a, '=')) {
			snprintf(r->set_var, sizeof(r->set_var), "%.*s", (int)strcspn(a + 4, "="),
				 a + 4);
			snprintf(r->set_val, sizeof(r->set_val), "%s", strchr(a, '=') + 1);
		} else if (!strcmp(a, "reset")) {
			r->reset = true;
		} else if (!strncmp(a, "delay ", 6)) {
			r->delay_ms = atoi(a + 6);
		} else {
			fprintf(stderr, "at_fake: unknown action '%s'\n", a);
			return -1;
		}
		act = next;
	}
	return 0;
}

/* ---- the pty shell ---- */

static struct {
	const char *link, *swap_link, *swap_target;
	int master, slave;
	int reset_ms;
	bool exit_on_reset;
} sh = {.master = -1, .slave = -1, .reset_ms = 300};

static void pty_out(void *arg, const char *buf, size_t len)
{
	(void)arg;
	while (len && sh.master >= 0) {
		ssize_t n = write(sh.master, buf, len);

		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/* A new pty whose slave is raw (so nothing we write is echoed back to us by the line
 * discipline) and kept open by us (so a client closing it does not hang the master up). */
static int pty_up(void)
{
	struct termios t;
	char tmp[512];

	sh.master = posix_openpt(O_RDWR | O_NOCTTY);
	if (sh.master < 0 || grantpt(sh.master) || unlockpt(sh.master) || !ptsname(sh.master))
		return -1;
	sh.slave = open(ptsname(sh.master), O_RDWR | O_NOCTTY);
	if (sh.slave < 0 || tcgetattr(sh.slave, &t))
		return -1;
	cfmakeraw(&t);
	tcsetattr(sh.slave, TCSANOW, &t);
	snprintf(tmp, sizeof(tmp), "%s.tmp", sh.link);
	unlink(tmp);
	if (symlink(ptsname(sh.master), tmp) || rename(tmp, sh.link))
		return -1;
	return 0;
}

static void pty_down(void)
{
	unlink(sh.link);
	if (sh.slave >= 0)
		close(sh.slave);
	if (sh.master >= 0)
		close(sh.master);
	sh.master = sh.slave = -1;
}

/* The reboot: re-point the fake sysfs (re-enumeration), drop the port, maybe come back. */
static int do_reset(void)
{
	if (sh.swap_link) {
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s.tmp", sh.swap_link);
		unlink(tmp);
		if (symlink(sh.swap_target, tmp) || rename(tmp, sh.swap_link)) {
			perror("at_fake: swap");
			return -1;
		}
	}
	pty_down();
	if (sh.exit_on_reset)
		return 1;
	sleep_ms(sh.reset_ms);
	return pty_up();
}

static void usage(void)
{
	fputs("usage: at_fake --link PATH [--script FILE] [--set VAR=VALUE] [--echo] [--dead]\n"
	      "       [--urc TEXT]... [--urc-every MS] [--urc-rate PERCENT] [--seed N]\n"
	      "       [--swap LINK=TARGET] [--reset-ms MS] [--exit-on-reset] [--log FILE]\n"
	      "       [--timeout SEC]\n",
	      stderr);
	exit(2);
}

static void load_script(struct atsim *s, const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		exit(1);
	}
	while (fgets(line, sizeof(line), f))
		if (atsim_add_rule(s, line)) {
			fprintf(stderr, "at_fake: %s: bad rule: %s", path, line);
			exit(1);
		}
	fclose(f);
}

static int parse_args(struct atsim *s, int argc, char **argv, int *urc_every, int *timeout)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--echo"))
			s->echo = true;
		else if (!strcmp(a, "--dead"))
			s->dead = true;
		else if (!strcmp(a, "--exit-on-reset"))
			sh.exit_on_reset = true;
		else if (!v)
			usage();
		else if (!strcmp(a, "--link"))
			sh.link = v;
		else if (!strcmp(a, "--script"))
			load_script(s, v);
		else if (!strcmp(a, "--set") && strchr(v, '=')) {
			char name[32];

			snprintf(name, sizeof(name), "%.*s", (int)strcspn(v, "="), v);
			sim_set(s, name, strchr(v, '=') + 1);
		} else if (!strcmp(a, "--urc") && s->nurcs < MAX_URCS)
			s->urcs[s->nurcs++] = v;
		else if (!strcmp(a, "--urc-every"))
			*urc_every = atoi(v);
		else if (!strcmp(a, "--urc-rate"))
			s->urc_rate = atoi(v);
		else if (!strcmp(a, "--seed"))
			s->seed = (unsigned)atoi(v);
		else if (!strcmp(a, "--swap") && strchr(v, '=')) {
			static char link[512];

			snprintf(link, sizeof(link), "%.*s", (int)strcspn(v, "="), v);
			sh.swap_link = link;
			sh.swap_target = strchr(v, '=') + 1;
		} else if (!strcmp(a, "--reset-ms"))
			sh.reset_ms = atoi(v);
		else if (!strcmp(a, "--log")) {
			s->log = fopen(v, "a");
			if (!s->log) {
				perror(v);
				exit(1);
			}
		} else if (!strcmp(a, "--timeout"))
			*timeout = atoi(v);
		else
			usage();
		if (strcmp(a, "--echo") && strcmp(a, "--dead") && strcmp(a, "--exit-on-reset"))
			i++;
	}
	return sh.link ? 0 : -1;
}

static struct atsim sim;

int main(int argc, char **argv)
{
	int urc_every = 0, timeout = 120;
	int64_t deadline, next_urc = -1;

	sim.out = pty_out;
	sim.sleep = sleep_ms;
	sim.seed = (unsigned)getpid();
	if (parse_args(&sim, argc, argv, &urc_every, &timeout))
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (pty_up()) {
		perror("at_fake: pty");
		return 1;
	}
	deadline = now_ms() + (int64_t)timeout * 1000;
	for (;;) {
		struct pollfd p = {.fd = sh.master, .events = POLLIN};
		int64_t now = now_ms(), wait = deadline - now;
		char buf[512];
		ssize_t n;

		if (urc_every > 0 && next_urc < 0)
			next_urc = now + urc_every / 2 +
				   (int64_t)(sim_rand(&sim) % (unsigned)urc_every);
		if (next_urc >= 0 && next_urc - now < wait)
			wait = next_urc - now;
		if (deadline <= now)
			break;
		if (poll(&p, 1, (int)(wait > 0 ? wait : 0)) < 0 && errno != EINTR)
			break;
		if (next_urc >= 0 && now_ms() >= next_urc) {
			if (!sim.dead)
				sim_urc(&sim);
			next_urc = -1;
		}
		if (!(p.revents & POLLIN))
			continue;
		n = read(sh.master, buf, sizeof(buf));
		if (n <= 0)
			continue;
		atsim_input(&sim, buf, (size_t)n);
		if (sim.reset_pending) {
			int r;

			sim.reset_pending = false;
			sleep_ms(50); /* let the answer reach the client before the port vanishes */
			r = do_reset();
			if (r)
				return r < 0;
		}
	}
	pty_down();
	return 0;
}
