/* fuzz_wdm.c - differential fuzzing of wdm's framer (wdm_feed), no fds involved.
 *
 * Input: byte 0 picks the frame_len callback (bit 0: QMUX-style or MBIM-style), byte 1 the
 * chunking (0: one wdm_feed() call; n: chunks of pseudo-random size 1..n), the rest is the
 * byte stream. A reference framer walks the same stream with no buffer limit and no chunking;
 * every frame wdm delivers must be the next reference frame, byte for byte, and the garbage,
 * oversize and buffered-tail accounting must agree at the end. Any difference traps.
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I<dir of config.h> \
 *		tests/fuzz/fuzz_wdm.c core/wdm.c core/loop.c -o fuzz_wdm
 *	./fuzz_wdm -max_total_time=20 corpus/
 */
#include "wwanbox.h"
#include "wdm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(c) do { if (!(c)) __builtin_trap(); } while (0)

/* QMUX: 0x01, le16 length of the rest (libqmi); the rest starts with a 5-byte header. */
static long qmux_len(const uint8_t *b, size_t have)
{
	uint16_t l;

	if (b[0] != 0x01)
		return -1;
	if (have < 3)
		return 0;
	l = get_le16(b + 1);
	return l < 5 ? -1 : (long)l + 1;
}

/* MBIM: le32 type (known ones only), le32 total length, 12-byte header (MBIM 1.0 9.1). */
static long mbim_len(const uint8_t *b, size_t have)
{
	uint32_t t, l;

	if (have < 4)
		return 0;
	t = get_le32(b);
	if (!((t >= 1 && t <= 4) || (t >= 0x80000001 && t <= 0x80000004) || t == 0x80000007))
		return -1;
	if (have < 8)
		return 0;
	l = get_le32(b + 4);
	return l < 12 || l > 65536 ? -1 : (long)l;
}

static struct wdm W;
static wdm_frame_len_fn cb;
static const uint8_t *stream;
static size_t stream_len, ref_pos;
static unsigned long ref_garbage, ref_oversize;

/* The next frame of the unbounded, unchunked reference walk; false when it needs more input. */
static bool ref_next(size_t *off, size_t *len)
{
	while (ref_pos < stream_len) {
		long fl = cb(stream + ref_pos, stream_len - ref_pos);

		if (fl < 0) {
			ref_garbage++;
			ref_pos++;
			continue;
		}
		if (fl > WDM_RX_SIZE) {
			ref_oversize++;
			ref_pos += (size_t)fl;
			continue;
		}
		if (fl == 0 || (size_t)fl > stream_len - ref_pos)
			return false;
		*off = ref_pos;
		*len = (size_t)fl;
		ref_pos += (size_t)fl;
		return true;
	}
	return false;
}

static void on_frame(struct wdm *w, const uint8_t *f, size_t len)
{
	size_t off, rlen;

	FUZZ_ASSERT(w == &W);
	FUZZ_ASSERT(len >= 1 && len <= WDM_RX_SIZE);
	FUZZ_ASSERT(cb(f, len) == (long)len);
	FUZZ_ASSERT(ref_next(&off, &rlen));
	FUZZ_ASSERT(rlen == len);
	FUZZ_ASSERT(!memcmp(f, stream + off, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int seed, maxchunk;
	size_t pos = 0, off, len, n;
	int frames = 0;

	if (size < 2)
		return 0;
	cb = data[0] & 1 ? mbim_len : qmux_len;
	maxchunk = data[1];
	seed = data[0] | (unsigned int)data[1] << 8;
	stream = data + 2;
	stream_len = size - 2;
	ref_pos = 0;
	ref_garbage = ref_oversize = 0;

	W.on_frame = on_frame;
	W.on_error = NULL;
	wdm_init(&W, cb);
	while (pos < stream_len) {
		n = stream_len - pos;
		if (maxchunk) {
			seed = seed * 1103515245 + 12345;
			n = MIN(n, 1 + (seed >> 16) % maxchunk);
		}
		frames += wdm_feed(&W, stream + pos, n);
		pos += n;
	}
	/* nothing left that the reference would still deliver, and the same bookkeeping */
	FUZZ_ASSERT(!ref_next(&off, &len));
	FUZZ_ASSERT((unsigned long)frames == W.stats.frames);
	FUZZ_ASSERT(W.stats.bytes == stream_len);
	FUZZ_ASSERT(W.stats.garbage == ref_garbage);
	FUZZ_ASSERT(W.stats.oversize == ref_oversize);
	FUZZ_ASSERT(W.rx_len < WDM_RX_SIZE && W.rx_off == 0);
	if (ref_pos <= stream_len)
		FUZZ_ASSERT(W.skip == 0 && W.rx_len == stream_len - ref_pos);
	else
		FUZZ_ASSERT(W.rx_len == 0 && W.skip == ref_pos - stream_len);
	return 0;
}
