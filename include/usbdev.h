/* usbdev.h - switch a "ZeroCD" modem out of mass-storage mode through usbdevfs: detach the
 * kernel driver from the storage interface, claim it, send one to five bulk-out messages (SCSI
 * commands wrapped in Bulk-Only Transport CBWs), read each CSW, release. That is what
 * usb_modeswitch's StandardEject / MessageContent / HuaweiNewMode / OptionMode do, which covers
 * most of its data pack (notes/quectel-cm-usbnet.md 4), without libusb.
 *
 * The system calls go through a small ops table so a test can record the exact ioctl sequence
 * and bytes (tests/unit/test_usbdev.c) without a device. Nothing here prints or allocates.
 */
#ifndef WWANBOX_USBDEV_H
#define WWANBOX_USBDEV_H

#include "wwanbox.h"

#define USBDEV_MSG_MAX 64      /* longest message: a CBW is 31 bytes */
#define USBDEV_MAX_MSGS 5      /* StandardEject's four + one MessageContent */
#define USBDEV_CSW_LEN 13      /* Bulk-Only Transport 1.0 5.2: Command Status Wrapper */
#define USBDEV_TIMEOUT_MS 1000 /* per transfer (usb_modeswitch uses 1000 for the CSW) */

struct usbdev_ops {
	int (*open)(void *ctx, const char *path);		       /* fd or -errno */
	int (*ioctl)(void *ctx, int fd, unsigned long req, void *arg); /* >= 0 or -errno */
	void (*close)(void *ctx, int fd);
	void *ctx;
};

extern const struct usbdev_ops usbdev_sys; /* open(2), ioctl(2), close(2) */

/* Canned methods of usb_modeswitch (2.5.x usb_modeswitch.c, the StandardEject/HuaweiNewMode/
 * HuaweiAltMode/OptionMode branches of main()). */
enum usbdev_method {
	USBDEV_STANDARD,   /* PREVENT ALLOW MEDIUM REMOVAL + START STOP UNIT (eject), LUN 0 and 1 */
	USBDEV_HUAWEI_NEW, /* Huawei vendor SCSI 0x11 0x06 0x20: to the modem (HiLink) mode */
	USBDEV_HUAWEI_ALT, /* Huawei 0x11 0x06 0x30: to the "stick" (serial/NCM) mode */
	USBDEV_OPTION,	   /* Option's REZERO-style 0x06 0x01 */
};

struct usbdev_switch {
	uint8_t iface;	       /* the mass-storage interface number */
	uint8_t ep_out, ep_in; /* its bulk endpoints; ep_in 0 = read no CSW */
	unsigned timeout_ms;   /* per transfer; 0 = USBDEV_TIMEOUT_MS */
	unsigned nmsg;
	uint8_t msg[USBDEV_MAX_MSGS][USBDEV_MSG_MAX];
	uint8_t len[USBDEV_MAX_MSGS];
};

/* "standard", "huawei-new", "huawei-alt", "option" -> enum, or -EINVAL. */
int usbdev_method_parse(const char *name);
const char *usbdev_method_name(enum usbdev_method m);
/* Append the method's messages to s. 0, or -ENOSPC. */
int usbdev_add_method(struct usbdev_switch *s, enum usbdev_method m);
/* Append a message given as hex ("55534243..."; spaces allowed between bytes). 0, -EINVAL
 * (not hex, odd length, empty), -EMSGSIZE (longer than USBDEV_MSG_MAX), -ENOSPC (too many). */
int usbdev_add_hex(struct usbdev_switch *s, const char *hex);
/* Is msg a Bulk-Only CBW (31 bytes, signature "USBC" 0x43425355 little-endian)? Its CSW is then
 * read from ep_in. */
bool usbdev_is_cbw(const uint8_t *msg, size_t len);

/* "/dev/bus/usb/BBB/DDD" under dev_root ("/dev"). 0 or -ENAMETOOLONG. */
int usbdev_path(const char *dev_root, unsigned busnum, unsigned devnum, char *out, size_t cap);

struct usbdev_result {
	unsigned sent;	/* messages written whole */
	bool detached;	/* a kernel driver (usb-storage) was detached */
	bool gone;	/* the device vanished (ENODEV) on the way: usually the switch worked */
	int csw_status; /* bCSWStatus of the last CSW read (0 passed), -1 if none */
};

/* Do the switch on the usbdevfs node at path. 0 when every message went out (or the device
 * went away after at least one did: r->gone), -errno otherwise (-EACCES: not root; -EBUSY: the
 * interface is claimed by another program; -ENODEV before anything was sent). */
int usbdev_switch(const struct usbdev_ops *ops, const char *path, const struct usbdev_switch *s,
		  struct usbdev_result *r);

#endif
