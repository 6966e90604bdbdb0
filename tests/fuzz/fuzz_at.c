/* fuzz_at.c - the AT line parser and every value parser on what it delivers.
 *
 * Input: byte 0 picks the pending command (or none) and whether the "modem" echoes, byte 1 the
 * chunking (0: one feed; n: pseudo-random chunks of 1..n bytes), the rest is the byte stream.
 * The stream is fed twice, whole and chunked; both runs must see the same sequence of
 * (kind, line) events and the same final result, lines never hold CR/LF nor exceed
 * AT_LINE_MAX - 1 bytes, the response text stays within its buffer. Each delivered line also
 * goes through the tokenizer, at_parse_reg/cops/cops_list/cpin/cgcontrdp/csq/cesq, the
 * address and UCS-2 decoders and at_redact, which must not read or write out of bounds and
 * must terminate (the +COPS=? walk advances on every step). Any difference traps.
 * Seeds (tests/fuzz/seeds/fuzz_at/Axx): responses of ../shared/vectors/at_vectors.txt with a
 * matching command byte and chunking 7, plus CR LF.
 *
 *	make fuzz-build SANITIZE=1 FUZZ=1 CC=clang; build/fuzz/fuzz/fuzz_at -max_total_time=60
 */
#include "wwanbox.h"
#include "at.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c)                    \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

static const char *const cmds[] = {
	NULL, "AT", "AT+CREG?", "AT+COPS=?", "AT+CPIN?", "AT+CGCONTRDP=1", "AT^SYSINFO", "ATI",
};

struct trace {
	uint64_t hash;
	unsigned long events;
};

static void mix(struct trace *t, unsigned kind, const char *line, size_t len)
{
	t->hash = (t->hash ^ (kind + 1)) * 1099511628211ULL;
	for (size_t i = 0; i < len; i++)
		t->hash = (t->hash ^ (uint8_t)line[i]) * 1099511628211ULL;
	t->events++;
}

static void parse_all(const char *line, size_t len)
{
	struct at_reg reg;
	struct at_oper op;
	struct at_cgcontrdp c;
	struct at_csq q;
	struct at_cesq e;
	struct at_addr a;
	struct at_tok t;
	struct at_field f;
	enum at_sim_lock lock;
	char out[300];
	uint32_t lo, hi;
	uint8_t ip4[4];
	size_t pos = 0, steps = 0;

	at_parse_reg(line, len, true, &reg);
	at_parse_reg(line, len, false, &reg);
	at_parse_cops(line, len, &op);
	for (int ucs2 = 0; ucs2 < 2; ucs2++, pos = 0, steps = 0) {
		size_t last = 0;

		while (at_parse_cops_list(line, len, &pos, ucs2, &op) == 1) {
			FUZZ_ASSERT(pos > last && pos <= len);
			last = pos;
			FUZZ_ASSERT(++steps <= len);
			FUZZ_ASSERT(strlen(op.numeric) < sizeof(op.numeric));
		}
	}
	at_parse_cpin(line, len, &lock);
	at_parse_cgcontrdp(line, len, &c);
	at_parse_csq(line, len, &q);
	at_parse_cesq(line, len, &e);
	if (at_tok_init(&t, line, len, NULL) == 0) {
		while (at_tok_next(&t, &f) == 1) {
			FUZZ_ASSERT(f.s >= line && f.s + f.len <= line + len);
			at_field_range(&f, &lo, &hi);
			at_parse_addr(f.s, f.len, &a);
			at_parse_hex_ip4(f.s, f.len, ip4);
			if (at_ucs2_to_utf8(f.s, f.len, out, sizeof(out)) >= 0)
				FUZZ_ASSERT(strlen(out) < sizeof(out));
			FUZZ_ASSERT(++steps <= len + 1);
		}
	}
	FUZZ_ASSERT(at_redact(line, out, sizeof(out)) < sizeof(out));
}

static void on_line(void *arg, enum at_line_kind kind, const char *line, size_t len)
{
	struct trace *t = arg;

	FUZZ_ASSERT(len > 0 && len < AT_LINE_MAX && line[len] == 0);
	FUZZ_ASSERT(!memchr(line, '\r', len) && !memchr(line, '\n', len));
	mix(t, kind, line, len);
	if (t->events < 64) /* the parsers are slow next to the framer: a sample is enough */
		parse_all(line, len);
}

static struct at_parser P;
static struct at_resp R;

static struct trace run(const uint8_t *s, size_t len, const char *cmd, unsigned maxchunk,
			unsigned seed, int *done, enum at_result *res)
{
	struct trace t = {14695981039346656037ULL, 0};

	at_parser_init(&P);
	P.on_line = on_line;
	P.arg = &t;
	if (cmd)
		at_parser_begin(&P, cmd, &R);
	*done = 0;
	for (size_t pos = 0; pos < len;) {
		size_t n = len - pos;

		if (maxchunk) {
			seed = seed * 1103515245 + 12345;
			n = MIN(n, 1 + (seed >> 16) % maxchunk);
		}
		*done |= at_parser_feed(&P, s + pos, n);
		pos += n;
	}
	*res = P.result;
	if (cmd) {
		FUZZ_ASSERT(R.used <= sizeof(R.text) && R.nlines <= AT_RESP_LINES);
		for (unsigned i = 0; i < R.nlines; i++)
			FUZZ_ASSERT(strlen(at_resp_line(&R, i)) < AT_LINE_MAX);
		FUZZ_ASSERT(strlen(R.final) < sizeof(R.final));
		FUZZ_ASSERT(*done == (R.result != AT_RES_NONE));
	}
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum at_result r1, r2;
	struct trace a, b;
	const char *cmd;
	int d1, d2;

	if (size < 2)
		return 0;
	cmd = cmds[data[0] % ARRAY_SIZE(cmds)];
	a = run(data + 2, size - 2, cmd, 0, 0, &d1, &r1);
	b = run(data + 2, size - 2, cmd, data[1], data[0] | (unsigned)data[1] << 8, &d2, &r2);
	FUZZ_ASSERT(a.hash == b.hash && a.events == b.events);
	FUZZ_ASSERT(d1 == d2 && r1 == r2);
	return 0;
}
