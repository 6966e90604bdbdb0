/* sysfs.h - find modems in sysfs: USB device -> interfaces (class triple, bound driver) ->
 * cdc-wdm control nodes, network interfaces and tty ports; the USB network mode they add up to;
 * qmi_wwan's raw_ip switch.
 *
 * root is the sysfs mount point ("/sys"; tests pass a fake tree shaped like the real one, see
 * tests/data/sysfs/). A USB device is /sys/bus/usb/devices/<port path> ("1-1", "2-1.4"), its
 * interfaces are <port path>:<config>.<n> beside it, each with bInterfaceClass/SubClass/Protocol,
 * a driver symlink when bound, and children: usbmisc/cdc-wdmN (cdc-wdm), net/<ifname>,
 * ttyUSBn/ (usb-serial: option, qcserial, usb_wwan) and tty/ttyACMn (cdc_acm). Facts: kernel
 * Documentation/ABI/testing/sysfs-bus-usb, and ../shared/notes/quectel-cm-usbnet.md 3.
 *
 * Nothing here prints, exits or allocates; results go into caller-owned structs.
 */
#ifndef WWANBOX_SYSFS_H
#define WWANBOX_SYSFS_H

#include "wwanbox.h"

#define SYSFS_ROOT "/sys"
#define SYSFS_NAME_MAX 32
#define SYSFS_MAX_IFACES 16
#define SYSFS_MAX_PORTS 8 /* ttys per modem */
#define SYSFS_MAX_NODES 4 /* cdc-wdm nodes or netdevs per modem */
#define SYSFS_MAX_MODEMS 8

/* What a USB function (and a whole modem) is. The modem's mode is its network function, or
 * serial when it has only ttys, or storage when it is a ZeroCD/CD-ROM waiting for an eject. */
enum sysfs_mode {
	SYSFS_MODE_UNKNOWN,
	SYSFS_MODE_SERIAL,
	SYSFS_MODE_QMI,
	SYSFS_MODE_MBIM,
	SYSFS_MODE_ECM,
	SYSFS_MODE_RNDIS,
	SYSFS_MODE_NCM,
	SYSFS_MODE_STORAGE,
};

struct sysfs_iface {
	uint8_t num, cls, sub, proto;
	uint8_t ep_out, ep_in;	     /* first bulk OUT / IN endpoint address, 0 if none */
	enum sysfs_mode fn;	     /* what this interface is, from driver and class triple */
	char driver[SYSFS_NAME_MAX]; /* "" when no driver is bound */
};

struct sysfs_modem {
	char usb[SYSFS_NAME_MAX]; /* USB port path: the device's name in /sys/bus/usb/devices */
	uint16_t vid, pid;
	unsigned busnum, devnum; /* /dev/bus/usb/BBB/DDD; devnum changes on re-enumeration */
	char manufacturer[64], product[64], serial[64];
	enum sysfs_mode mode;
	char driver[SYSFS_NAME_MAX]; /* driver of the mode's interface ("" = none bound) */
	bool driver_missing;	     /* class triple says mode, but no driver took it */
	bool wdm_at;		     /* the cdc-wdm carries AT, not QMI/MBIM (huawei_cdc_ncm) */
	int raw_ip;		     /* qmi_wwan raw_ip of net[0]: 1 Y, 0 N, -1 not there */
	unsigned nifaces, nwdm, nnet, ntty;
	struct sysfs_iface iface[SYSFS_MAX_IFACES];
	char wdm[SYSFS_MAX_NODES][SYSFS_NAME_MAX];
	char net[SYSFS_MAX_NODES][SYSFS_NAME_MAX];
	char tty[SYSFS_MAX_PORTS][SYSFS_NAME_MAX]; /* by interface number */
	uint8_t tty_iface[SYSFS_MAX_PORTS];
};

/* "qmi", "mbim", "ecm", "rndis", "ncm", "serial", "storage", "unknown". */
const char *sysfs_mode_name(enum sysfs_mode m);
/* The mode named s (the names above but "unknown"), or -EINVAL. */
int sysfs_mode_parse(const char *s);

/* Read the USB device at root/bus/usb/devices/<usb>, whatever it is. 0, -ENOENT (no device at
 * that path: unplugged, or re-enumerating), -EINVAL (usb is not a device name), -errno. */
int sysfs_read_modem(const char *root, const char *usb, struct sysfs_modem *m);
/* Is it a cellular modem (or a modem's mass-storage face)? A WWAN driver or a cdc-wdm node
 * says so, or a modem vendor's VID (Quectel, Sierra, Huawei, SIMCom, Telit, Fibocom, u-blox,
 * ZTE, Qualcomm) together with a network, serial or storage function. */
bool sysfs_is_modem(const struct sysfs_modem *m);
/* Every modem, sorted by USB path, into m[max]. Returns how many were found (more than max
 * when m was too small; only max are filled), or -errno if root/bus/usb/devices is unreadable. */
int sysfs_find_modems(const char *root, struct sysfs_modem *m, int max);
/* The first device (sorted by path) with vid:pid, modem or not. 0, -ENODEV, -errno. */
int sysfs_find_usb(const char *root, uint16_t vid, uint16_t pid, struct sysfs_modem *m);
/* Index of the tty (or cdc-wdm) node name in m, or -1. */
int sysfs_has_tty(const struct sysfs_modem *m, const char *name);

/* qmi_wwan raw-IP framing of netdev ifname (root/class/net/IFNAME/qmi/raw_ip, Linux 4.5):
 * 1 on, 0 off, -ENOENT (not a qmi_wwan netdev, or too old a kernel), -errno. */
int sysfs_raw_ip(const char *root, const char *ifname);
/* Set it; the kernel refuses with -EBUSY while the link is up ("Cannot change a running
 * device", drivers/net/usb/qmi_wwan.c raw_ip_store). 0 or -errno. */
int sysfs_set_raw_ip(const char *root, const char *ifname, bool on);

#endif
