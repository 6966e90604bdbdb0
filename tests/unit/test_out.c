/* test_out.c - the output writer (out.h) in its three modes, checked against golden text and,
 * for thousands of random byte strings, against Python's strict JSON parser, UTF-8 decoder and
 * sh; plus the applet messages (msg.h), which write to fds and syslog the same way.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "msg.h"
#include "out.h"
#include "t.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static unsigned rnd_below(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A deleted temporary file: what a test writes, it reads back. */
static int tmp_fd(void)
{
	char path[] = "/tmp/wwanbox-test-out-XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0)
		unlink(path);
	return fd;
}

static size_t read_back(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	n = n < 0 ? 0 : n;
	buf[n] = '\0';
	return (size_t)n;
}

static char got[65536];

/* Render doc() in a mode into got[]; returns out_finish()'s result. */
static int render(enum out_mode mode, void (*doc)(struct out *))
{
	struct out o;
	int fd = tmp_fd(), ret;

	if (fd < 0)
		return -errno;
	ret = out_init(&o, fd, mode);
	if (ret == 0) {
		doc(&o);
		ret = out_finish(&o);
	}
	read_back(fd, got, sizeof(got));
	close(fd);
	return ret;
}

static void doc_settings(struct out *o)
{
	static const uint8_t ip[4] = {10, 0, 0, 2}, dns1[4] = {8, 8, 8, 8}, dns2[4] = {9, 9, 9, 9};
	static const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	out_str(o, "sim", "ready", 0);
	out_obj_begin(o, "ipv4");
	out_ip4(o, "ip", ip);
	out_uint(o, "prefix", 30);
	out_arr_begin(o, "dns");
	out_ip4(o, NULL, dns1);
	out_ip4(o, NULL, dns2);
	out_arr_end(o);
	out_obj_end(o);
	out_ip6(o, "ipv6", ip6);
	out_int(o, "signal", -71);
	out_bool(o, "roaming", false);
	out_bool(o, "connected", true);
	out_null(o, "gateway");
	out_str(o, "operator", "O'Brien \"Net\"", 0);
	out_str(o, "empty", "", 0);
	out_arr_begin(o, "bearers");
	out_obj_begin(o, NULL);
	out_str(o, "apn", "internet", 0);
	out_obj_end(o);
	out_arr_end(o);
	out_obj_begin(o, "none");
	out_obj_end(o);
	out_uint(o, "mtu", 1500);
}

static void test_golden_human(void)
{
	CHECK_EQ(render(OUT_HUMAN, doc_settings), 0);
	CHECK_STR(got, "sim: ready\n"
		       "ipv4:\n"
		       "  ip: 10.0.0.2\n"
		       "  prefix: 30\n"
		       "  dns:\n"
		       "    - 8.8.8.8\n"
		       "    - 9.9.9.9\n"
		       "ipv6: 2001:db8::1\n"
		       "signal: -71\n"
		       "roaming: no\n"
		       "connected: yes\n"
		       "gateway: (none)\n"
		       "operator: O'Brien \"Net\"\n"
		       "empty: \"\"\n"
		       "bearers:\n"
		       "  -\n"
		       "    apn: internet\n"
		       "none:\n"
		       "mtu: 1500\n");
}

static void test_golden_kv(void)
{
	CHECK_EQ(render(OUT_KV, doc_settings), 0);
	CHECK_STR(got, "sim=ready\n"
		       "ipv4.ip=10.0.0.2\n"
		       "ipv4.prefix=30\n"
		       "ipv4.dns.0=8.8.8.8\n"
		       "ipv4.dns.1=9.9.9.9\n"
		       "ipv6=2001:db8::1\n"
		       "signal=-71\n"
		       "roaming=false\n"
		       "connected=true\n"
		       "gateway=\n"
		       "operator='O'\\''Brien \"Net\"'\n"
		       "empty=''\n"
		       "bearers.0.apn=internet\n"
		       "mtu=1500\n");
}

static void test_golden_json(void)
{
	if (!CFG_FEATURE_JSON)
		SKIP("FEATURE_JSON is off");
	CHECK_EQ(render(OUT_JSON, doc_settings), 0);
	CHECK_STR(got, "{\"sim\":\"ready\",\"ipv4\":{\"ip\":\"10.0.0.2\",\"prefix\":30,"
		       "\"dns\":[\"8.8.8.8\",\"9.9.9.9\"]},\"ipv6\":\"2001:db8::1\",\"signal\":-71,"
		       "\"roaming\":false,\"connected\":true,\"gateway\":null,"
		       "\"operator\":\"O'Brien \\\"Net\\\"\",\"empty\":\"\","
		       "\"bearers\":[{\"apn\":\"internet\"}],\"none\":{},\"mtu\":1500}\n");
}

static void doc_empty(struct out *o)
{
	(void)o;
}

static void test_empty_document(void)
{
	CHECK_EQ(render(OUT_HUMAN, doc_empty), 0);
	CHECK_STR(got, "");
	CHECK_EQ(render(OUT_KV, doc_empty), 0);
	CHECK_STR(got, "");
	if (!CFG_FEATURE_JSON)
		SKIP("FEATURE_JSON is off");
	CHECK_EQ(render(OUT_JSON, doc_empty), 0);
	CHECK_STR(got, "{}\n");
}

static void doc_escapes(struct out *o)
{
	static const char bytes[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f"
				    "\xc3\xa9"	       /* U+00E9, valid */
				    "\xc2\x9b"	       /* U+009B, valid but a C1 control */
				    "\xe2\x82\xac"     /* U+20AC */
				    "\xf0\x9f\x98\x80" /* U+1F600 */
				    "\xc0\xaf"	       /* overlong '/' */
				    "\xed\xa0\x80"     /* surrogate U+D800 */
				    "\xf4\x90\x80\x80" /* U+110000 */
				    "\xe2\x82"	       /* truncated */
				    "\xff"
				    "\x80";	   /* stray continuation */
	out_strn(o, "s", bytes, sizeof(bytes), 0); /* the final NUL included */
}

static void test_escapes_json(void)
{
	if (!CFG_FEATURE_JSON)
		SKIP("FEATURE_JSON is off");
	CHECK_EQ(render(OUT_JSON, doc_escapes), 0);
	CHECK_STR(got, "{\"s\":\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f"
		       "\xc3\xa9\xc2\x9b\xe2\x82\xac\xf0\x9f\x98\x80"
		       "\\u00c0\\u00af\\u00ed\\u00a0\\u0080\\u00f4\\u0090\\u0080\\u0080"
		       "\\u00e2\\u0082\\u00ff\\u0080\\u0000\"}\n");
}

static void test_escapes_text(void)
{
	static const char text[] = "q\"b\\\\s/\\x08\\x0c\\n\\r\\t\\x01\\x1f\\x7f"
				   "\xc3\xa9\\xc2\\x9b\xe2\x82\xac\xf0\x9f\x98\x80"
				   "\\xc0\\xaf\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80"
				   "\\xe2\\x82\\xff\\x80\\x00";
	char want[512];

	CHECK_EQ(render(OUT_HUMAN, doc_escapes), 0);
	snprintf(want, sizeof(want), "s: %s\n", text);
	CHECK_STR(got, want);
	CHECK_EQ(render(OUT_KV, doc_escapes), 0);
	snprintf(want, sizeof(want), "s='%s'\n", text);
	CHECK_STR(got, want);
}

static void doc_secret(struct out *o)
{
	out_str(o, "pin", "1234", OUT_SECRET);
	out_strn(o, "password", "s3cr\0t\"", 7, OUT_SECRET);
	out_arr_begin(o, "puk");
	out_str(o, NULL, "87654321", OUT_SECRET);
	out_arr_end(o);
}

static void test_secret(void)
{
	static const enum out_mode modes[] = {OUT_HUMAN, OUT_KV, OUT_JSON};
	static const char *const want[] = {
		"pin: (hidden)\npassword: (hidden)\npuk:\n  - (hidden)\n",
		"pin='(hidden)'\npassword='(hidden)'\npuk.0='(hidden)'\n",
		"{\"pin\":\"(hidden)\",\"password\":\"(hidden)\",\"puk\":[\"(hidden)\"]}\n",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (modes[i] == OUT_JSON && !CFG_FEATURE_JSON)
			continue;
		CHECK_EQ(render(modes[i], doc_secret), 0);
		CHECK_STR(got, want[i]);
		CHECK(!strstr(got, "1234") && !strstr(got, "s3cr") && !strstr(got, "8765"));
	}
}

static void doc_long(struct out *o)
{
	static char s[3000];

	memset(s, 1, sizeof(s));
	out_strn(o, "s", s, sizeof(s), 0);
	memset(s, 'a', sizeof(s));
	out_strn(o, "t", s, sizeof(s), 0);
}

static void test_long_values_cross_the_buffer(void)
{
	size_t i, len;

	if (!CFG_FEATURE_JSON)
		SKIP("FEATURE_JSON is off");
	CHECK_EQ(render(OUT_JSON, doc_long), 0);
	len = strlen(got);
	CHECK_EQ(len, strlen("{\"s\":\"\",\"t\":\"\"}\n") + 3000 * 6 + 3000);
	CHECK(!strncmp(got, "{\"s\":\"", 6));
	for (i = 0; i < 3000; i++)
		if (memcmp(got + 6 + 6 * i, "\\u0001", 6))
			break;
	CHECK_EQ(i, 3000);
	CHECK(!strncmp(got + 6 + 18000, "\",\"t\":\"aaa", 10));
	CHECK_STR(got + len - 5, "aa\"}\n");
}

static void doc_too_deep(struct out *o)
{
	int i;

	for (i = 0; i < OUT_DEPTH_MAX + 4; i++)
		out_obj_begin(o, "d");
	out_int(o, "lost", 1);
	for (i = 0; i < OUT_DEPTH_MAX + 4; i++)
		out_obj_end(o);
	out_int(o, "after", 2);
}

static void doc_unbalanced(struct out *o)
{
	out_arr_begin(o, "a");
	out_obj_end(o); /* wrong kind: ignored */
	out_int(o, NULL, 1);
	out_arr_end(o);
	out_arr_end(o); /* nothing open: ignored */
	out_obj_begin(o, "left");
	out_arr_begin(o, "open");
	out_int(o, NULL, 2); /* out_finish closes both */
}

static void test_misuse_stays_well_formed(void)
{
	char want[512] = "{";
	int i;

	if (!CFG_FEATURE_JSON)
		SKIP("FEATURE_JSON is off");
	CHECK_EQ(render(OUT_JSON, doc_too_deep), -EINVAL);
	for (i = 0; i < OUT_DEPTH_MAX; i++)
		strcat(want, i ? "{\"d\":" : "\"d\":");
	strcat(want, "{}");
	for (i = 1; i < OUT_DEPTH_MAX; i++)
		strcat(want, "}");
	strcat(want, ",\"after\":2}\n");
	CHECK_STR(got, want);
	CHECK_EQ(render(OUT_JSON, doc_unbalanced), -EINVAL);
	CHECK_STR(got, "{\"a\":[1],\"left\":{\"open\":[2]}}\n");
}

static void test_write_errors(void)
{
	struct out o;
	int p[2];

	out_init(&o, -1, OUT_HUMAN);
	out_str(&o, "k", "v", 0);
	CHECK_EQ(out_finish(&o), -EBADF);
	CHECK_EQ(out_finish(&o), -EBADF); /* stays closed, nothing more written */

	signal(SIGPIPE, SIG_IGN);
	CHECK_EQ(pipe(p), 0);
	close(p[0]);
	out_init(&o, p[1], OUT_KV);
	out_str(&o, "k", "v", 0);
	CHECK_EQ(out_finish(&o), -EPIPE);
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);

	/* A finished document ignores further calls. */
	p[0] = tmp_fd();
	out_init(&o, p[0], OUT_KV);
	CHECK_EQ(out_finish(&o), 0);
	out_str(&o, "k", "v", 0);
	CHECK_EQ(out_finish(&o), -EALREADY);
	CHECK_EQ(read_back(p[0], got, sizeof(got)), 0);
	close(p[0]);
}

static void test_json_disabled(void)
{
	struct out o;

	if (CFG_FEATURE_JSON)
		SKIP("FEATURE_JSON is on");
	CHECK_EQ(out_init(&o, -1, OUT_JSON), -EOPNOTSUPP);
	CHECK_EQ(o.mode, OUT_KV);
}

/* ---- Random byte strings through Python's strict JSON parser and sh ---- */

static const char check_py[] =
	"import json, subprocess, sys\n"
	"def values(raw):\n"
	"    s = raw.decode('utf-8', 'surrogateescape')  # each invalid byte -> U+DC80..U+DCFF\n"
	"    js = ''.join(chr(ord(c) - 0xdc00) if 0xdc80 <= ord(c) <= 0xdcff else c for c in s)\n"
	"    esc = {'\\\\': '\\\\\\\\', '\\n': '\\\\n', '\\r': '\\\\r', '\\t': '\\\\t'}\n"
	"    t = []\n"
	"    for c in s:\n"
	"        o = ord(c)\n"
	"        if 0xdc80 <= o <= 0xdcff: t.append('\\\\x%02x' % (o - 0xdc00))\n"
	"        elif c in esc: t.append(esc[c])\n"
	"        elif o < 0x20 or o == 0x7f: t.append('\\\\x%02x' % o)\n"
	"        elif 0x80 <= o < 0xa0: t.append('\\\\xc2\\\\x%02x' % o)\n"
	"        else: t.append(c)\n"
	"    return js, ''.join(t)\n"
	"hexes, jsn, kv, human = (open(f, 'rb').read().split(b'\\n')[:-1] for f in sys.argv[1:5])\n"
	"assert len(hexes) == len(jsn) == len(kv) == len(human), 'line counts'\n"
	"script = b''.join(l + b'\\nprintf \"%s\\\\n\" \"$s\"\\n' for l in kv)\n"
	"shell = subprocess.run(['sh'], input=script, stdout=subprocess.PIPE, check=True)\n"
	"shell = shell.stdout.split(b'\\n')[:-1]\n"
	"assert len(shell) == len(kv), 'sh lines'\n"
	"for i, h in enumerate(hexes):\n"
	"    raw = bytes.fromhex(h.decode())\n"
	"    js, text = values(raw)\n"
	"    doc = json.loads(jsn[i].decode('utf-8'))  # strict UTF-8, strict JSON\n"
	"    assert list(doc) == ['s'] and doc['s'] == js, ('json', i, raw, jsn[i])\n"
	"    assert shell[i].decode('utf-8') == text, ('kv', i, raw, kv[i], shell[i])\n"
	"    want = ('s: ' + (text if raw else '\"\"')).encode()\n"
	"    assert human[i] == want, ('human', i, raw, human[i], want)\n"
	"print('OK', len(hexes))\n";

/* Pieces the random strings are made of: the edge cases of escaping and of UTF-8. */
static size_t rnd_piece(uint8_t *p)
{
	static const char *const pieces[] = {
		"\"",
		"\\",
		"'",
		"\n",
		"\r",
		"\t",
		"\b",
		"\f",
		"$(id)",
		"`",
		"%",
		"=",
		"\xc2\x80",
		"\xc2\x9f",
		"\xc2\xa0",
		"\xc3\xbf",
		"\xdf\xbf",
		"\xe0\xa0\x80",
		"\xe2\x80\xa8",
		"\xed\x9f\xbf",
		"\xee\x80\x80",
		"\xef\xbf\xbd",
		"\xef\xbf\xbf",
		"\xf0\x90\x80\x80",
		"\xf4\x8f\xbf\xbf", /* valid edges */
		"\xc0\x80",
		"\xc1\xbf",
		"\xe0\x80\x80",
		"\xe0\x9f\xbf",
		"\xf0\x80\x80\x80",
		"\xf0\x8f\xbf\xbf", /* overlong */
		"\xed\xa0\x80",
		"\xed\xbf\xbf", /* surrogates */
		"\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80",
		"\xff",
		"\xfe", /* too big */
		"\xc3",
		"\xe2\x82",
		"\xf0\x9f\x98",
		"\x80",
		"\xbf", /* truncated, stray */
	};
	unsigned k = rnd_below(8), i;
	size_t len;

	if (k == 0) {
		p[0] = (uint8_t)rnd_below(256); /* any byte, NUL included */
		return 1;
	}
	if (k == 1) {
		p[0] = (uint8_t)(rnd_below(2) ? rnd_below(32) : 127);
		return 1;
	}
	if (k < 5) {
		p[0] = (uint8_t)(' ' + rnd_below(95));
		return 1;
	}
	i = rnd_below(ARRAY_SIZE(pieces));
	len = strlen(pieces[i]);
	memcpy(p, pieces[i], len);
	return len;
}

static void put_hex_line(int fd, const uint8_t *s, size_t len)
{
	char line[512];
	size_t i;

	for (i = 0; i < len; i++)
		snprintf(line + 2 * i, 3, "%02x", s[i]);
	line[2 * len] = '\n';
	CHECK_EQ(write(fd, line, 2 * len + 1), (ssize_t)(2 * len + 1));
}

static void test_random_strings_python(void)
{
	static const char *const names[4] = {"hex", "json", "kv", "human"};
	char path[4][64], cmd[512], res[64] = "";
	int fd[4], i, k;
	FILE *py;

	if (!CFG_FEATURE_JSON)
		SKIP("FEATURE_JSON is off");
	if (system("python3 -c 'import json' 2>/dev/null") != 0)
		SKIP("python3 is not installed");
	for (k = 0; k < 4; k++) {
		snprintf(path[k], sizeof(path[k]), "/tmp/wwanbox-test-out-%d.%s", (int)getpid(),
			 names[k]);
		fd[k] = open(path[k], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		CHECK(fd[k] >= 0);
		if (fd[k] < 0)
			return;
	}
	for (i = 0; i < 5000; i++) {
		static const enum out_mode modes[] = {OUT_JSON, OUT_KV, OUT_HUMAN};
		uint8_t s[200];
		size_t len = 0, pieces = rnd_below(30);
		struct out o;

		while (pieces--)
			len += rnd_piece(s + len);
		put_hex_line(fd[0], s, len);
		for (k = 0; k < 3; k++) {
			out_init(&o, fd[k + 1], modes[k]);
			out_strn(&o, "s", s, len, 0);
			CHECK_EQ(out_finish(&o), 0);
		}
	}
	for (k = 0; k < 4; k++)
		close(fd[k]);
	snprintf(cmd, sizeof(cmd), "python3 -c \"$WWANBOX_CHECK_PY\" %s %s %s %s", path[0], path[1],
		 path[2], path[3]);
	setenv("WWANBOX_CHECK_PY", check_py, 1);
	py = popen(cmd, "r");
	CHECK(py != NULL);
	if (py) {
		if (!fgets(res, sizeof(res), py))
			res[0] = '\0';
		CHECK_EQ(pclose(py), 0);
	}
	CHECK_STR(res, "OK 5000\n");
	for (k = 0; k < 4; k++)
		unlink(path[k]);
}

/* ---- Random documents: the JSON tree, flattened, must equal the kv lines ---- */

static void rnd_doc(struct out *o, int depth, bool in_arr, unsigned *seq)
{
	unsigned n = rnd_below(5), i;
	char key[16];

	for (i = 0; i < n; i++) {
		const char *k = NULL;

		if (!in_arr) {
			snprintf(key, sizeof(key), "k%u", (*seq)++);
			k = key;
		}
		switch (depth < 5 ? rnd_below(8) : 4 + rnd_below(4)) {
		case 0:
		case 1:
			out_obj_begin(o, k);
			rnd_doc(o, depth + 1, false, seq);
			out_obj_end(o);
			break;
		case 2:
		case 3:
			out_arr_begin(o, k);
			rnd_doc(o, depth + 1, true, seq);
			out_arr_end(o);
			break;
		case 4:
			out_int(o, k, (long long)rnd_below(2000) - 1000);
			break;
		case 5:
			out_bool(o, k, rnd_below(2));
			break;
		case 6:
			out_null(o, k);
			break;
		default:
			out_str(o, k, rnd_below(2) ? "word" : "a.b-c", 0);
			break;
		}
	}
}

static const char flatten_py[] =
	"import json, sys\n"
	"def flat(v, path, out):\n"
	"    if isinstance(v, dict):\n"
	"        for k, x in v.items(): flat(x, path + [k], out)\n"
	"    elif isinstance(v, list):\n"
	"        for i, x in enumerate(v): flat(x, path + [str(i)], out)\n"
	"    else:\n"
	"        s = '' if v is None else 'true' if v is True else 'false' if v is False else "
	"str(v)\n"
	"        out.append('.'.join(path) + '=' + s)\n"
	"docs = open(sys.argv[1], 'rb').read().decode('utf-8').split('\\n')[:-1]\n"
	"kv = open(sys.argv[2], 'rb').read().decode('utf-8').split('--\\n')[:-1]\n"
	"assert len(docs) == len(kv), (len(docs), len(kv))\n"
	"for i, d in enumerate(docs):\n"
	"    out = []\n"
	"    flat(json.loads(d), [], out)\n"
	"    want = kv[i].split('\\n')[:-1]\n"
	"    assert out == want, (i, d, out, want)\n"
	"print('OK', len(docs))\n";

static void test_random_documents_python(void)
{
	char pj[64], pk[64], cmd[256], res[64] = "";
	int fj, fk, i;
	FILE *py;

	if (!CFG_FEATURE_JSON)
		SKIP("FEATURE_JSON is off");
	if (system("python3 -c 'import json' 2>/dev/null") != 0)
		SKIP("python3 is not installed");
	snprintf(pj, sizeof(pj), "/tmp/wwanbox-test-doc-%d.json", (int)getpid());
	snprintf(pk, sizeof(pk), "/tmp/wwanbox-test-doc-%d.kv", (int)getpid());
	fj = open(pj, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fk = open(pk, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK(fj >= 0 && fk >= 0);
	for (i = 0; i < 2000; i++) {
		uint64_t seed = rng;
		unsigned seq = 0;
		struct out o;

		out_init(&o, fj, OUT_JSON);
		rnd_doc(&o, 0, false, &seq);
		CHECK_EQ(out_finish(&o), 0);
		rng = seed; /* the same document again, as kv */
		seq = 0;
		out_init(&o, fk, OUT_KV);
		rnd_doc(&o, 0, false, &seq);
		CHECK_EQ(out_finish(&o), 0);
		CHECK_EQ(write(fk, "--\n", 3), 3);
	}
	close(fj);
	close(fk);
	snprintf(cmd, sizeof(cmd), "python3 -c \"$WWANBOX_FLATTEN_PY\" %s %s", pj, pk);
	setenv("WWANBOX_FLATTEN_PY", flatten_py, 1);
	py = popen(cmd, "r");
	CHECK(py != NULL);
	if (py) {
		if (!fgets(res, sizeof(res), py))
			res[0] = '\0';
		CHECK_EQ(pclose(py), 0);
	}
	CHECK_STR(res, "OK 2000\n");
	unlink(pj);
	unlink(pk);
}

/* ---- msg: the applets' messages ---- */

/* Run fn with fd `which` redirected to a temp file; the file's text lands in got[]. */
static void capture(int which, void (*fn)(void))
{
	int fd = tmp_fd(), saved = dup(which);

	fflush(NULL);
	dup2(fd, which);
	fn();
	dup2(saved, which);
	close(saved);
	read_back(fd, got, sizeof(got));
	close(fd);
}

static void say_errors(void)
{
	msg_set_applet("qmi-dial");
	msg_perr(-ENODEV, "open %s", "/dev/cdc-wdm0");
	msg_perr(EACCES, "open %s", "/dev/ttyUSB2");
	msg_perr(0, "no reason");
	msg_err("call failed: 3GPP reason %d (%s)", 33, "option not subscribed");
	msg_verbose("hidden without -v");
	msg_set_verbose(1);
	msg_verbose("shown with -v %u", 1u);
	msg_set_verbose(0);
}

static void test_msg_stderr(void)
{
	char want[512];

	capture(2, say_errors);
	snprintf(want, sizeof(want),
		 "qmi-dial: open /dev/cdc-wdm0: %s\n"
		 "qmi-dial: open /dev/ttyUSB2: %s\n"
		 "qmi-dial: no reason\n"
		 "qmi-dial: call failed: 3GPP reason 33 (option not subscribed)\n"
		 "qmi-dial: shown with -v 1\n",
		 strerror(ENODEV), strerror(EACCES));
	CHECK_STR(got, want);
}

static void say_info(void)
{
	msg_set_applet("dhcp-lite");
	msg_info("lease of %s obtained, lease time %u", "10.0.0.2", 3600u);
}

static void say_info_fd2(void)
{
	msg_set_info_fd(2);
	msg_info("to stderr");
	msg_set_info_fd(1);
}

static void test_msg_info(void)
{
	capture(1, say_info);
	CHECK_STR(got, "dhcp-lite: lease of 10.0.0.2 obtained, lease time 3600\n");
	capture(2, say_info_fd2);
	CHECK_STR(got, "dhcp-lite: to stderr\n");
}

static void say_long(void)
{
	char s[2000];

	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	msg_set_applet("at");
	msg_perr(-EIO, "%s", s);
}

static void test_msg_truncated(void)
{
	size_t i;

	capture(2, say_long);
	CHECK_EQ(strlen(got), MSG_MAX);
	CHECK(!strncmp(got, "at: aaaa", 8));
	for (i = 4; i < MSG_MAX - 1; i++)
		if (got[i] != 'a')
			break;
	CHECK_EQ(i, MSG_MAX - 1);
	CHECK_EQ(got[MSG_MAX - 1], '\n');
}

static int log_server(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	unlink(path);
	strcpy(sun.sun_path, path);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void log_expect(int fd, const char *want)
{
	char buf[1024];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	CHECK_STR(buf, want);
}

static void say_syslog(void)
{
	msg_set_info_fd(2);
	msg_set_applet("qmi-dial");
	msg_perr(-ETIMEDOUT, "wait for registration");
	msg_info("registered");
	msg_verbose("not logged without -v");
	msg_set_verbose(2);
	msg_verbose("logged with -vv");
	msg_set_verbose(0);
	msg_set_info_fd(1);
}

static void test_msg_syslog(void)
{
	char path[64], want[256];
	int fd, pid = (int)getpid();

	if (!CFG_FEATURE_SYSLOG)
		SKIP("FEATURE_SYSLOG is off");
	snprintf(path, sizeof(path), "/tmp/wwanbox-test-log-%d", pid);
	fd = log_server(path);
	CHECK(fd >= 0);
	msg_set_syslog(path);
	capture(2, say_syslog); /* stderr still gets the lines: "log to syslog too" */
	CHECK(strstr(got, "qmi-dial: wait for registration: ") != NULL);
	snprintf(want, sizeof(want), "<27>wwanbox[%d]: qmi-dial: wait for registration: %s", pid,
		 strerror(ETIMEDOUT));
	log_expect(fd, want);
	snprintf(want, sizeof(want), "<30>wwanbox[%d]: qmi-dial: registered", pid);
	log_expect(fd, want);
	snprintf(want, sizeof(want), "<31>wwanbox[%d]: qmi-dial: logged with -vv", pid);
	log_expect(fd, want);
	log_expect(fd, ""); /* and nothing else */

	/* syslogd restarts: the next message connects again. */
	close(fd);
	fd = log_server(path);
	CHECK(fd >= 0);
	capture(2, say_syslog);
	snprintf(want, sizeof(want), "<27>wwanbox[%d]: qmi-dial: wait for registration: %s", pid,
		 strerror(ETIMEDOUT));
	log_expect(fd, want);
	close(fd);
	unlink(path);

	/* No syslogd at all: stderr only, no error, no hang. */
	capture(2, say_syslog);
	snprintf(want, sizeof(want),
		 "qmi-dial: wait for registration: %s\n"
		 "qmi-dial: registered\nqmi-dial: logged with -vv\n",
		 strerror(ETIMEDOUT));
	CHECK_STR(got, want);
	msg_set_syslog(NULL);
}

int main(void)
{
	RUN(test_golden_human);
	RUN(test_golden_kv);
	RUN(test_golden_json);
	RUN(test_empty_document);
	RUN(test_escapes_json);
	RUN(test_escapes_text);
	RUN(test_secret);
	RUN(test_long_values_cross_the_buffer);
	RUN(test_misuse_stays_well_formed);
	RUN(test_write_errors);
	RUN(test_json_disabled);
	RUN(test_random_strings_python);
	RUN(test_random_documents_python);
	RUN(test_msg_stderr);
	RUN(test_msg_info);
	RUN(test_msg_truncated);
	RUN(test_msg_syslog);
	return t_done();
}
