/* t.h - the unit test harness: one line per test case, "PASS name", "FAIL name" or
 * "SKIP name: reason", which tests/run counts. A test binary that crashes or exits non-zero
 * without printing FAIL is counted as one failure by the runner.
 *
 *	static void test_thing(void) { CHECK(1 + 1 == 2); CHECK_EQ(get_le16(b), 0x1234); }
 *	int main(void) { RUN(test_thing); return t_done(); }
 */
#ifndef WWANBOX_T_H
#define WWANBOX_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_case_failed, t_failures;
static const char *t_skip_reason;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: CHECK(%s) is false\n", __FILE__, __LINE__, \
				#cond);                                                    \
			t_case_failed = 1;                                                 \
		}                                                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                                          \
	do {                                                                                    \
		long long t_a = (long long)(a), t_b = (long long)(b);                           \
		if (t_a != t_b) {                                                               \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
				__LINE__, #a, t_a, #b, t_b);                                    \
			t_case_failed = 1;                                                      \
		}                                                                               \
	} while (0)

#define CHECK_STR(a, b)                                                                       \
	do {                                                                                  \
		const char *t_a = (a), *t_b = (b);                                            \
		if (!t_a || !t_b || strcmp(t_a, t_b)) {                                       \
			fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, \
				__LINE__, #a, t_a ? t_a : "(null)", t_b ? t_b : "(null)");    \
			t_case_failed = 1;                                                    \
		}                                                                             \
	} while (0)

#define CHECK_MEM(a, b, n)                                                                  \
	do {                                                                                \
		if (memcmp((a), (b), (n))) {                                                \
			fprintf(stderr, "%s:%d: %s differs from %s\n", __FILE__, __LINE__, #a, \
				#b);                                                        \
			t_case_failed = 1;                                                  \
		}                                                                           \
	} while (0)

/* Call inside a test to skip it; say why. */
#define SKIP(reason) do { t_skip_reason = (reason); return; } while (0)

#define RUN(fn) t_run(#fn, fn)

static inline void t_run(const char *name, void (*fn)(void))
{
	t_case_failed = 0;
	t_skip_reason = NULL;
	fn();
	if (t_case_failed) {
		t_failures++;
		printf("FAIL %s\n", name);
	} else if (t_skip_reason) {
		printf("SKIP %s: %s\n", name, t_skip_reason);
	} else {
		printf("PASS %s\n", name);
	}
	fflush(stdout);
}

static inline int t_done(void)
{
	return t_failures ? 1 : 0;
}

#endif
