/* test_usbdev.c - the usbdevfs mode switch against a recorded-ioctl stub: the exact ioctl
 * sequence (open, USBDEVFS_IOCTL/DISCONNECT, CLAIMINTERFACE, BULK out + BULK in for the CSW,
 * RELEASEINTERFACE, close) with the bytes of each transfer, the canned messages against
 * usb_modeswitch's, hex parsing, and the kernel's errors (no driver bound, busy interface,
 * device gone mid-switch, not root).
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>

#include "wwanbox.h"
#include "usbdev.h"
#include "t.h"

#define MAX_CALLS 32

struct call {
	unsigned long req; /* 0 = open, 1 = close */
	unsigned ifno, ioctl_code, ep, len, timeout;
	bool null_data;
	uint8_t data[64];
};

struct stub {
	struct call calls[MAX_CALLS];
	int n;
	char path[64];
	int open_ret;
	int disconnect_ret; /* what USBDEVFS_IOCTL returns */
	int claim_ret;
	int bulk_out_ret; /* 0: the length asked for */
	int bulk_in_ret;  /* 0: a CSW (13 bytes) */
	int gone_after;	  /* bulk calls before -ENODEV (0 = never) */
	int bulks;
	uint8_t csw_status;
};

static int stub_open(void *ctx, const char *path)
{
	struct stub *s = ctx;

	snprintf(s->path, sizeof(s->path), "%s", path);
	if (s->n < MAX_CALLS)
		s->calls[s->n++].req = 0;
	return s->open_ret ? s->open_ret : 7;
}

static void stub_close(void *ctx, int fd)
{
	struct stub *s = ctx;

	CHECK_EQ(fd, 7);
	if (s->n < MAX_CALLS)
		s->calls[s->n++].req = 1;
}

static int stub_bulk(struct stub *s, struct call *c, struct usbdevfs_bulktransfer *b)
{
	c->ep = b->ep;
	c->len = b->len;
	c->timeout = b->timeout;
	if (++s->bulks == s->gone_after)
		return -ENODEV;
	if (!(b->ep & 0x80)) {
		memcpy(c->data, b->data, MIN(b->len, sizeof(c->data)));
		return s->bulk_out_ret ? s->bulk_out_ret : (int)b->len;
	}
	if (s->bulk_in_ret)
		return s->bulk_in_ret;
	/* CSW: "USBS", the tag, residue 0, status */
	memset(b->data, 0, 13);
	memcpy(b->data, "USBS", 4);
	((uint8_t *)b->data)[12] = s->csw_status;
	return 13;
}

static int stub_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct stub *s = ctx;
	struct call *c;

	CHECK_EQ(fd, 7);
	if (s->n == MAX_CALLS)
		return -E2BIG;
	c = &s->calls[s->n++];
	memset(c, 0, sizeof(*c));
	c->req = req;
	if (req == USBDEVFS_IOCTL) {
		struct usbdevfs_ioctl *i = arg;

		c->ifno = (unsigned)i->ifno;
		c->ioctl_code = (unsigned)i->ioctl_code;
		c->null_data = i->data == NULL;
		return s->disconnect_ret;
	}
	if (req == USBDEVFS_CLAIMINTERFACE || req == USBDEVFS_RELEASEINTERFACE) {
		c->ifno = *(unsigned int *)arg;
		if (req == USBDEVFS_RELEASEINTERFACE && s->gone_after && s->bulks >= s->gone_after)
			return -ENODEV;
		return req == USBDEVFS_CLAIMINTERFACE ? s->claim_ret : 0;
	}
	if (req == USBDEVFS_BULK)
		return stub_bulk(s, c, arg);
	return -ENOTTY;
}

static struct usbdev_ops ops(struct stub *s)
{
	struct usbdev_ops o = {stub_open, stub_ioctl, stub_close, s};

	return o;
}

static void hex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++) {
		unsigned v;

		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* The E3372's storage interface 0 with bulk 0x01 out / 0x81 in, StandardEject. */
static void test_standard_eject(void)
{
	/* usb_modeswitch 2.5.x StandardEject: LUN 0 then LUN 1 (byte 13), 1e then 1b */
	static const char *const want[] = {
		"5553424387654321000000000000061e000000000000000000000000000000",
		"5553424397654321000000000000061b000000020000000000000000000000",
		"5553424387654321000000000001061e000000000000000000000000000000",
		"5553424397654321000000000001061b000000020000000000000000000000",
	};
	struct stub st = {.disconnect_ret = 0};
	struct usbdev_ops o = ops(&st);
	struct usbdev_switch sw = {.iface = 0, .ep_out = 0x01, .ep_in = 0x81};
	struct usbdev_result r;
	uint8_t w[31];
	int k = 0;

	CHECK_EQ(usbdev_add_method(&sw, USBDEV_STANDARD), 0);
	CHECK_EQ(sw.nmsg, 4);
	CHECK_EQ(usbdev_switch(&o, "/dev/bus/usb/001/005", &sw, &r), 0);
	CHECK_STR(st.path, "/dev/bus/usb/001/005");
	CHECK_EQ(r.sent, 4);
	CHECK(r.detached && !r.gone);
	CHECK_EQ(r.csw_status, 0);
	/* open, detach, claim, 4 x (out, in), release, close */
	CHECK_EQ(st.n, 1 + 1 + 1 + 8 + 1 + 1);
	CHECK_EQ(st.calls[k++].req, 0);
	CHECK_EQ(st.calls[k].req, USBDEVFS_IOCTL);
	CHECK_EQ(st.calls[k].ioctl_code, USBDEVFS_DISCONNECT);
	CHECK_EQ(st.calls[k].ifno, 0);
	CHECK(st.calls[k++].null_data);
	CHECK_EQ(st.calls[k].req, USBDEVFS_CLAIMINTERFACE);
	CHECK_EQ(st.calls[k++].ifno, 0);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(st.calls[k].req, USBDEVFS_BULK);
		CHECK_EQ(st.calls[k].ep, 0x01);
		CHECK_EQ(st.calls[k].len, 31);
		CHECK_EQ(st.calls[k].timeout, USBDEV_TIMEOUT_MS);
		hex(want[i], w);
		CHECK_MEM(st.calls[k++].data, w, 31);
		CHECK_EQ(st.calls[k].req, USBDEVFS_BULK);
		CHECK_EQ(st.calls[k].ep, 0x81);
		CHECK_EQ(st.calls[k++].len, USBDEV_CSW_LEN);
	}
	CHECK_EQ(st.calls[k].req, USBDEVFS_RELEASEINTERFACE);
	CHECK_EQ(st.calls[k++].ifno, 0);
	CHECK_EQ(st.calls[k].req, 1);
}

/* HuaweiNewMode on interface 2 with endpoints 0x03/0x84, a CSW reporting failure. */
static void test_huawei_and_custom(void)
{
	struct stub st = {.disconnect_ret = -ENODATA, .csw_status = 1};
	struct usbdev_ops o = ops(&st);
	struct usbdev_switch sw = {.iface = 2, .ep_out = 0x03, .ep_in = 0x84, .timeout_ms = 500};
	struct usbdev_result r;
	uint8_t w[31];

	CHECK_EQ(usbdev_add_method(&sw, USBDEV_HUAWEI_NEW), 0);
	CHECK_EQ(usbdev_add_hex(&sw, "01 02 03"), 0); /* not a CBW: no CSW read after it */
	CHECK_EQ(usbdev_switch(&o, "p", &sw, &r), 0);
	CHECK(!r.detached); /* -ENODATA: no driver was bound, fine */
	CHECK_EQ(r.sent, 2);
	CHECK_EQ(r.csw_status, 1);
	CHECK_EQ(st.n, 1 + 1 + 1 + 2 + 1 + 1 + 1);
	CHECK_EQ(st.calls[1].ifno, 2);
	CHECK_EQ(st.calls[2].ifno, 2);
	hex("55534243123456780000000000000011062000000101000100000000000000", w);
	CHECK_MEM(st.calls[3].data, w, 31);
	CHECK_EQ(st.calls[3].timeout, 500);
	CHECK_EQ(st.calls[4].ep, 0x84);
	CHECK_EQ(st.calls[5].ep, 0x03);
	CHECK_EQ(st.calls[5].len, 3);
	CHECK_MEM(st.calls[5].data, "\x01\x02\x03", 3);
	CHECK_EQ(st.calls[6].req, USBDEVFS_RELEASEINTERFACE);
}

/* The modem switches and disconnects after the second message (before its CSW). */
static void test_gone(void)
{
	struct stub st = {.gone_after = 4};
	struct usbdev_ops o = ops(&st);
	struct usbdev_switch sw = {.iface = 0, .ep_out = 0x01, .ep_in = 0x81};
	struct usbdev_result r;

	usbdev_add_method(&sw, USBDEV_STANDARD);
	CHECK_EQ(usbdev_switch(&o, "p", &sw, &r), 0);
	CHECK(r.gone);
	CHECK_EQ(r.sent, 2);
	CHECK_EQ(st.calls[st.n - 1].req, 1); /* closed, no release attempted on a gone device */
	CHECK(st.calls[st.n - 2].req == USBDEVFS_BULK);
	/* gone on the very first message: that is a failure */
	memset(&st, 0, sizeof(st));
	st.gone_after = 1;
	CHECK_EQ(usbdev_switch(&o, "p", &sw, &r), -ENODEV);
	CHECK_EQ(r.sent, 0);
}

static void test_errors(void)
{
	struct stub st = {.disconnect_ret = -EPERM};
	struct usbdev_ops o = ops(&st);
	struct usbdev_switch sw = {.iface = 0, .ep_out = 0x01, .ep_in = 0x81}, empty = {0};
	struct usbdev_result r;

	usbdev_add_method(&sw, USBDEV_OPTION);
	CHECK_EQ(usbdev_switch(&o, "p", &sw, &r), -EPERM);
	CHECK_EQ(st.n, 3); /* open, disconnect, close */
	CHECK_EQ(st.calls[2].req, 1);
	memset(&st, 0, sizeof(st));
	st.claim_ret = -EBUSY;
	CHECK_EQ(usbdev_switch(&o, "p", &sw, &r), -EBUSY);
	CHECK_EQ(st.n, 4);
	memset(&st, 0, sizeof(st));
	st.open_ret = -EACCES;
	CHECK_EQ(usbdev_switch(&o, "p", &sw, &r), -EACCES);
	CHECK_EQ(st.n, 1); /* nothing after a failed open, not even close */
	memset(&st, 0, sizeof(st));
	st.bulk_out_ret = 5; /* short write */
	CHECK_EQ(usbdev_switch(&o, "p", &sw, &r), -EIO);
	CHECK_EQ(st.calls[st.n - 1].req, 1);
	memset(&st, 0, sizeof(st));
	st.bulk_in_ret = -ETIMEDOUT; /* no CSW: carry on */
	CHECK_EQ(usbdev_switch(&o, "p", &sw, &r), 0);
	CHECK_EQ(r.csw_status, -1);
	memset(&st, 0, sizeof(st));
	CHECK_EQ(usbdev_switch(&o, "p", &empty, &r), -EINVAL);
	CHECK_EQ(st.n, 0);
}

static void test_messages(void)
{
	struct usbdev_switch sw = {0};
	char path[64];
	uint8_t cbw[31] = "USBC";

	CHECK_EQ(usbdev_add_hex(&sw, ""), -EINVAL);
	CHECK_EQ(usbdev_add_hex(&sw, "0"), -EINVAL);
	CHECK_EQ(usbdev_add_hex(&sw, "zz"), -EINVAL);
	CHECK_EQ(usbdev_add_hex(&sw, "123"), -EINVAL);
	CHECK_EQ(sw.nmsg, 0);
	{
		char big[2 * USBDEV_MSG_MAX + 3];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		CHECK_EQ(usbdev_add_hex(&sw, big), -EMSGSIZE);
	}
	CHECK_EQ(usbdev_add_method(&sw, USBDEV_STANDARD), 0);
	CHECK_EQ(usbdev_add_hex(&sw, "ab"), 0);
	CHECK_EQ(usbdev_add_hex(&sw, "ab"), -ENOSPC);
	CHECK_EQ(usbdev_add_method(&sw, USBDEV_OPTION), -ENOSPC);
	CHECK(usbdev_is_cbw(sw.msg[0], sw.len[0]));
	CHECK(!usbdev_is_cbw(sw.msg[4], sw.len[4]));
	CHECK(usbdev_is_cbw(cbw, 31) && !usbdev_is_cbw(cbw, 30));
	CHECK_EQ(usbdev_method_parse("huawei-alt"), USBDEV_HUAWEI_ALT);
	CHECK_EQ(usbdev_method_parse("sierra"), -EINVAL);
	CHECK_STR(usbdev_method_name(USBDEV_STANDARD), "standard");
	CHECK_EQ(usbdev_path("/dev", 1, 5, path, sizeof(path)), 0);
	CHECK_STR(path, "/dev/bus/usb/001/005");
	CHECK_EQ(usbdev_path("/dev", 1, 5, path, 10), -ENAMETOOLONG);
}

/* The real ops on something that is not a usbdevfs node: the kernel says ENOTTY. */
static void test_sys_ops(void)
{
	struct usbdev_switch sw = {.iface = 0, .ep_out = 0x01};
	struct usbdev_result r;

	usbdev_add_method(&sw, USBDEV_OPTION);
	CHECK_EQ(usbdev_switch(&usbdev_sys, "/nonexistent/bus/usb/001/001", &sw, &r), -ENOENT);
	CHECK_EQ(usbdev_switch(&usbdev_sys, "/dev/null", &sw, &r), -ENOTTY);
}

int main(void)
{
	RUN(test_standard_eject);
	RUN(test_huawei_and_custom);
	RUN(test_gone);
	RUN(test_errors);
	RUN(test_messages);
	RUN(test_sys_ops);
	return t_done();
}
