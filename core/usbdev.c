/* usbdev.c - mode-switch messages through usbdevfs, see include/usbdev.h.
 *
 * Kernel facts (drivers/usb/core/devio.c, include/uapi/linux/usbdevice_fs.h):
 * - USBDEVFS_IOCTL {ifno, USBDEVFS_DISCONNECT, NULL} unbinds the interface's driver; -ENODATA
 *   when none is bound.
 * - USBDEVFS_CLAIMINTERFACE (unsigned int *) fails with -EBUSY when another fd claimed it.
 * - USBDEVFS_BULK {ep, len, timeout ms, data} is synchronous and returns the bytes transferred;
 *   -ETIMEDOUT, -EPIPE (stall), -ENODEV once the device disconnected (which a modem does as it
 *   switches, often before the CSW).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/usbdevice_fs.h>

#include "usbdev.h"
#include "fmt.h"

static int sys_open(void *ctx, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	(void)ctx;
	return fd < 0 ? -errno : fd;
}

static int sys_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	int r = ioctl(fd, req, arg);

	(void)ctx;
	return r < 0 ? -errno : r;
}

static void sys_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

const struct usbdev_ops usbdev_sys = {sys_open, sys_ioctl, sys_close, NULL};

/* The canned messages, as hex, from usb_modeswitch 2.5.x (usb_modeswitch.c main()). Each is a
 * 31-byte CBW (Bulk-Only Transport 1.0 5.1): "USBC", tag, data length 0, flags, LUN, CB length
 * 6, then the SCSI CDB: 1e = PREVENT ALLOW MEDIUM REMOVAL (allow), 1b .. 02 = START STOP UNIT
 * with LoEj=1 Start=0 (eject); Huawei's vendor opcode 11 06 20/30; Option's 06 01. */
static const char *const std_eject[] = {
	"5553424387654321000000000000061e000000000000000000000000000000",
	"5553424397654321000000000000061b000000020000000000000000000000",
	"5553424387654321000000000001061e000000000000000000000000000000",
	"5553424397654321000000000001061b000000020000000000000000000000",
};
static const char *const huawei_new[] = {
	"55534243123456780000000000000011062000000101000100000000000000",
};
static const char *const huawei_alt[] = {
	"55534243123456780000000000000011063000000000010000000000000000",
};
static const char *const option_mode[] = {
	"55534243123456780000000000000601000000000000000000000000000000",
};

static const struct {
	const char *name;
	const char *const *msgs;
	unsigned n;
} methods[] = {
	[USBDEV_STANDARD] = {"standard", std_eject, ARRAY_SIZE(std_eject)},
	[USBDEV_HUAWEI_NEW] = {"huawei-new", huawei_new, ARRAY_SIZE(huawei_new)},
	[USBDEV_HUAWEI_ALT] = {"huawei-alt", huawei_alt, ARRAY_SIZE(huawei_alt)},
	[USBDEV_OPTION] = {"option", option_mode, ARRAY_SIZE(option_mode)},
};

int usbdev_method_parse(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(methods); i++)
		if (!strcmp(name, methods[i].name))
			return (int)i;
	return -EINVAL;
}

const char *usbdev_method_name(enum usbdev_method m)
{
	return (unsigned)m < ARRAY_SIZE(methods) ? methods[m].name : "";
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int usbdev_add_hex(struct usbdev_switch *s, const char *hex)
{
	uint8_t buf[USBDEV_MSG_MAX];
	size_t n = 0;

	if (s->nmsg == USBDEV_MAX_MSGS)
		return -ENOSPC;
	while (*hex) {
		int hi, lo;

		if (*hex == ' ') {
			hex++;
			continue;
		}
		hi = hexval(hex[0]);
		lo = hi < 0 ? -1 : hexval(hex[1]);
		if (lo < 0)
			return -EINVAL;
		if (n == sizeof(buf))
			return -EMSGSIZE;
		buf[n++] = (uint8_t)(hi << 4 | lo);
		hex += 2;
	}
	if (!n)
		return -EINVAL;
	memcpy(s->msg[s->nmsg], buf, n);
	s->len[s->nmsg++] = (uint8_t)n;
	return 0;
}

int usbdev_add_method(struct usbdev_switch *s, enum usbdev_method m)
{
	if ((unsigned)m >= ARRAY_SIZE(methods))
		return -EINVAL;
	if (s->nmsg + methods[m].n > USBDEV_MAX_MSGS)
		return -ENOSPC;
	for (unsigned i = 0; i < methods[m].n; i++)
		usbdev_add_hex(s, methods[m].msgs[i]);
	return 0;
}

bool usbdev_is_cbw(const uint8_t *msg, size_t len)
{
	return len == 31 && get_le32(msg) == 0x43425355; /* BOT 1.0 5.1 dCBWSignature */
}

int usbdev_path(const char *dev_root, unsigned busnum, unsigned devnum, char *out, size_t cap)
{
	/* drivers/usb/core/devio.c: usbdev nodes are bus/usb/%03d/%03d (udev, devtmpfs) */
	return fmt_buf(out, cap, "%s/bus/usb/%03u/%03u", dev_root, busnum, devnum) < cap
		       ? 0
		       : -ENAMETOOLONG;
}

static int bulk(const struct usbdev_ops *ops, int fd, unsigned ep, void *data, unsigned len,
		unsigned timeout)
{
	struct usbdevfs_bulktransfer b = {.ep = ep, .len = len, .timeout = timeout, .data = data};

	return ops->ioctl(ops->ctx, fd, USBDEVFS_BULK, &b);
}

/* Send message i and, for a CBW, read its CSW. 0, or -errno of the bulk-out. */
static int send_one(const struct usbdev_ops *ops, int fd, const struct usbdev_switch *s, unsigned i,
		    struct usbdev_result *r)
{
	unsigned timeout = s->timeout_ms ? s->timeout_ms : USBDEV_TIMEOUT_MS;
	uint8_t msg[USBDEV_MSG_MAX], csw[USBDEV_CSW_LEN];
	int n;

	memcpy(msg, s->msg[i], s->len[i]); /* the ioctl's data pointer is not const */
	n = bulk(ops, fd, s->ep_out, msg, s->len[i], timeout);
	if (n < 0)
		return n;
	if (n != s->len[i])
		return -EIO;
	r->sent++;
	if (!s->ep_in || !usbdev_is_cbw(s->msg[i], s->len[i]))
		return 0;
	n = bulk(ops, fd, s->ep_in, csw, sizeof(csw), timeout);
	if (n == -ENODEV)
		return n;
	/* BOT 1.0 5.2: "USBS" 0x53425355, tag echoed, residue, status (0 passed, 1 failed) */
	if (n == USBDEV_CSW_LEN && get_le32(csw) == 0x53425355)
		r->csw_status = csw[12];
	return 0; /* a missing or stalled CSW is common while switching; go on as usb_modeswitch */
}

int usbdev_switch(const struct usbdev_ops *ops, const char *path, const struct usbdev_switch *s,
		  struct usbdev_result *r)
{
	struct usbdevfs_ioctl disc = {.ifno = s->iface, .ioctl_code = USBDEVFS_DISCONNECT};
	unsigned int ifno = s->iface;
	int fd, ret = 0;

	memset(r, 0, sizeof(*r));
	r->csw_status = -1;
	if (!s->nmsg || !s->ep_out)
		return -EINVAL;
	fd = ops->open(ops->ctx, path);
	if (fd < 0)
		return fd;
	ret = ops->ioctl(ops->ctx, fd, USBDEVFS_IOCTL, &disc);
	r->detached = ret >= 0;
	if (ret < 0 && ret != -ENODATA)
		goto out;
	ret = ops->ioctl(ops->ctx, fd, USBDEVFS_CLAIMINTERFACE, &ifno);
	if (ret < 0)
		goto out;
	for (unsigned i = 0; i < s->nmsg && ret >= 0; i++)
		ret = send_one(ops, fd, s, i, r);
	if (ret == -ENODEV && r->sent) {
		r->gone = true; /* switched away under us: nothing left to release */
		ret = 0;
		goto out;
	}
	ifno = s->iface;
	if (ops->ioctl(ops->ctx, fd, USBDEVFS_RELEASEINTERFACE, &ifno) == -ENODEV && !ret)
		r->gone = true;
out:
	ops->close(ops->ctx, fd);
	return ret < 0 ? ret : 0;
}
