/* sysfs.c - find modems in sysfs, see include/sysfs.h.
 *
 * Directories are read with getdents64 into a fixed buffer (opendir() would allocate).
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sysfs.h"
#include "fmt.h"

/* ---- files and directories ---- */

struct dir_iter {
	int fd;
	size_t len, off;
	uint8_t buf[2048] __attribute__((aligned(8)));
};

static int dir_open(struct dir_iter *d, const char *path)
{
	d->len = d->off = 0;
	d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return d->fd < 0 ? -errno : 0;
}

static void dir_close(struct dir_iter *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* Next entry name other than . and .., or NULL at the end (or on error). Valid until the next
 * call. linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[] (getdents(2)). */
static const char *dir_next(struct dir_iter *d)
{
	for (;;) {
		const char *name;
		uint16_t reclen;

		if (d->off >= d->len) {
			long n = syscall(SYS_getdents64, d->fd, d->buf, sizeof(d->buf));

			if (n <= 0)
				return NULL;
			d->len = (size_t)n;
			d->off = 0;
		}
		memcpy(&reclen, d->buf + d->off + 16, sizeof(reclen));
		name = (const char *)d->buf + d->off + 19;
		if (reclen < 20 || d->off + reclen > d->len)
			return NULL;
		d->off += reclen;
		if (strcmp(name, ".") && strcmp(name, ".."))
			return name;
	}
}

/* Read a small attribute, trailing newline removed. Length or -errno. */
static int read_text(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	return (int)n;
}

static int parse_num(const char *s, unsigned base, unsigned long *v)
{
	unsigned long x = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = *s >= '0' && *s <= '9'			   ? *s - '0'
			: (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f' ? (*s | 0x20) - 'a' + 10
								   : 99;

		if (d >= (int)base || x > 0xffffffffUL)
			return -EINVAL;
		x = x * base + (unsigned)d;
	}
	*v = x;
	return 0;
}

static int read_num(const char *dir, const char *name, unsigned base, unsigned long *v)
{
	char path[PATH_MAX], text[32];
	int r;

	if (fmt_buf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	r = read_text(path, text, sizeof(text));
	return r < 0 ? r : parse_num(text, base, v);
}

static void read_str(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX];

	buf[0] = 0;
	if (fmt_buf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    read_text(path, buf, cap) < 0)
		buf[0] = 0;
}

/* Basename of the target of dir/name (a driver symlink), "" if there is none. */
static void read_link_base(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	buf[0] = 0;
	if (fmt_buf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = 0;
	base = strrchr(target, '/');
	fmt_buf(buf, cap, "%s", base ? base + 1 : target);
}

/* Compare with runs of digits as numbers: ttyUSB2 < ttyUSB10, 1-2 < 1-10. */
static int natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			unsigned long x = 0, y = 0;

			while (*a >= '0' && *a <= '9' && x < 100000000)
				x = x * 10 + (unsigned long)(*a++ - '0');
			while (*b >= '0' && *b <= '9' && y < 100000000)
				y = y * 10 + (unsigned long)(*b++ - '0');
			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++, b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* Append the entries of dir/sub (or of dir when sub is NULL) whose names start with pfx. */
static unsigned list_into(const char *dir, const char *sub, const char *pfx,
			  char (*out)[SYSFS_NAME_MAX], unsigned n, unsigned max)
{
	char path[PATH_MAX];
	struct dir_iter d;
	const char *name;

	if (fmt_buf(path, sizeof(path), sub ? "%s/%s" : "%s", dir, sub) >= sizeof(path) ||
	    dir_open(&d, path))
		return n;
	while ((name = dir_next(&d))) {
		if (strncmp(name, pfx, strlen(pfx)) || strlen(name) >= SYSFS_NAME_MAX)
			continue;
		if (n < max)
			fmt_buf(out[n], SYSFS_NAME_MAX, "%s", name);
		n++;
	}
	dir_close(&d);
	return MIN(n, max);
}

/* ---- modes ---- */

static const char *const mode_names[] = {
	[SYSFS_MODE_UNKNOWN] = "unknown", [SYSFS_MODE_SERIAL] = "serial",
	[SYSFS_MODE_QMI] = "qmi",	  [SYSFS_MODE_MBIM] = "mbim",
	[SYSFS_MODE_ECM] = "ecm",	  [SYSFS_MODE_RNDIS] = "rndis",
	[SYSFS_MODE_NCM] = "ncm",	  [SYSFS_MODE_STORAGE] = "storage",
};

const char *sysfs_mode_name(enum sysfs_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "unknown";
}

int sysfs_mode_parse(const char *s)
{
	for (unsigned i = 1; i < ARRAY_SIZE(mode_names); i++)
		if (!strcmp(s, mode_names[i]))
			return (int)i;
	return -EINVAL;
}

/* Drivers whose binding says what the interface is (kernel drivers/net/usb, drivers/usb/serial,
 * drivers/usb/class; qmi_wwan_q and GobiNet are Quectel's out-of-tree drivers). */
static const struct {
	const char *driver;
	enum sysfs_mode fn;
	bool wwan; /* only ever binds to cellular modems */
} drivers[] = {
	{"qmi_wwan", SYSFS_MODE_QMI, true},	  {"qmi_wwan_q", SYSFS_MODE_QMI, true},
	{"GobiNet", SYSFS_MODE_QMI, true},	  {"cdc_mbim", SYSFS_MODE_MBIM, true},
	{"huawei_cdc_ncm", SYSFS_MODE_NCM, true}, {"cdc_ncm", SYSFS_MODE_NCM, false},
	{"cdc_ether", SYSFS_MODE_ECM, false},	  {"rndis_host", SYSFS_MODE_RNDIS, false},
	{"option", SYSFS_MODE_SERIAL, true},	  {"qcserial", SYSFS_MODE_SERIAL, true},
	{"sierra", SYSFS_MODE_SERIAL, true},	  {"sierra_net", SYSFS_MODE_ECM, true},
	{"cdc_acm", SYSFS_MODE_SERIAL, false},	  {"usb-storage", SYSFS_MODE_STORAGE, false},
	{"uas", SYSFS_MODE_STORAGE, false},
};

static int driver_index(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(drivers); i++)
		if (!strcmp(name, drivers[i].driver))
			return (int)i;
	return -1;
}

/* The function of an interface: the bound driver when we know it, else the class triple
 * (notes 3.2; CDC 1.2 subclasses: 02 ACM, 06 ECM, 0d NCM, 0e MBIM; RNDIS is e0/01/03,
 * ef/04/01 or 02/02/ff, which rndis_host matches; Huawei's vendor NCM is ff/0x/16|46|76). */
static enum sysfs_mode iface_fn(const struct sysfs_iface *i, bool has_net)
{
	int d = driver_index(i->driver);

	if (d >= 0)
		return drivers[d].fn;
	if (i->cls == 0x02 && i->sub == 0x0e)
		return SYSFS_MODE_MBIM;
	if (i->cls == 0x02 && i->sub == 0x06)
		return SYSFS_MODE_ECM;
	if (i->cls == 0x02 && i->sub == 0x0d)
		return SYSFS_MODE_NCM;
	if ((i->cls == 0xe0 && i->sub == 0x01 && i->proto == 0x03) ||
	    (i->cls == 0xef && i->sub == 0x04 && i->proto == 0x01) ||
	    (i->cls == 0x02 && i->sub == 0x02 && i->proto == 0xff))
		return SYSFS_MODE_RNDIS;
	if (i->cls == 0xff && i->sub >= 1 && i->sub <= 3 &&
	    (i->proto == 0x16 || i->proto == 0x46 || i->proto == 0x76))
		return SYSFS_MODE_NCM;
	if (i->cls == 0x08)
		return SYSFS_MODE_STORAGE;
	/* Qualcomm SDX55+ convention: ff/ff/50 is rmnet; any vendor interface with a netdev is. */
	if (i->cls == 0xff && (has_net || (i->sub == 0xff && i->proto == 0x50)))
		return SYSFS_MODE_QMI;
	return SYSFS_MODE_UNKNOWN;
}

/* ---- one device ---- */

static void read_endpoints(const char *ifdir, struct sysfs_iface *i)
{
	char names[8][SYSFS_NAME_MAX], ep[PATH_MAX], text[16];
	unsigned n = list_into(ifdir, NULL, "ep_", names, 0, 8);

	for (unsigned k = 0; k < n; k++) {
		unsigned long addr;

		if (fmt_buf(ep, sizeof(ep), "%s/%s", ifdir, names[k]) >= sizeof(ep) ||
		    read_num(ep, "bEndpointAddress", 16, &addr) || addr > 0xff)
			continue;
		read_str(ep, "type", text, sizeof(text));
		if (strcmp(text, "Bulk"))
			continue;
		if (addr & 0x80) { /* USB 2.0 9.6.6: bit 7 of bEndpointAddress is IN */
			if (!i->ep_in || addr < i->ep_in)
				i->ep_in = (uint8_t)addr;
		} else if (!i->ep_out || addr < i->ep_out) {
			i->ep_out = (uint8_t)addr;
		}
	}
}

static void add_tty(struct sysfs_modem *m, const char *name, uint8_t ifnum)
{
	unsigned k = m->ntty;

	if (k == SYSFS_MAX_PORTS)
		return;
	/* keep them sorted by interface, then name */
	while (k && (m->tty_iface[k - 1] > ifnum ||
		     (m->tty_iface[k - 1] == ifnum && natcmp(m->tty[k - 1], name) > 0))) {
		memcpy(m->tty[k], m->tty[k - 1], SYSFS_NAME_MAX);
		m->tty_iface[k] = m->tty_iface[k - 1];
		k--;
	}
	fmt_buf(m->tty[k], SYSFS_NAME_MAX, "%s", name);
	m->tty_iface[k] = ifnum;
	m->ntty++;
}

static void read_raw_ip(const char *ifdir, const char *net, struct sysfs_modem *m)
{
	char path[PATH_MAX], text[8];

	if (m->raw_ip >= 0)
		return;
	if (fmt_buf(path, sizeof(path), "%s/net/%s/qmi/raw_ip", ifdir, net) < sizeof(path) &&
	    read_text(path, text, sizeof(text)) > 0)
		m->raw_ip = text[0] == 'Y' || text[0] == 'y' || text[0] == '1';
}

/* Children of an interface: control nodes, netdevs, ttys. */
static void read_children(const char *ifdir, struct sysfs_iface *i, struct sysfs_modem *m)
{
	char names[SYSFS_MAX_PORTS][SYSFS_NAME_MAX];
	unsigned n, k, before = m->nwdm;

	m->nwdm = list_into(ifdir, "usbmisc", "", m->wdm, m->nwdm, SYSFS_MAX_NODES);
	m->nwdm = list_into(ifdir, "GobiQMI", "", m->wdm, m->nwdm, SYSFS_MAX_NODES);
	if (m->nwdm > before && !strcmp(i->driver, "huawei_cdc_ncm"))
		m->wdm_at = true; /* notes 3.1: its cdc-wdm carries AT commands */
	n = list_into(ifdir, "net", "", names, 0, SYSFS_MAX_PORTS);
	for (k = 0; k < n; k++) {
		if (m->nnet < SYSFS_MAX_NODES)
			memcpy(m->net[m->nnet++], names[k], SYSFS_NAME_MAX);
		read_raw_ip(ifdir, names[k], m);
	}
	n = list_into(ifdir, NULL, "tty", names, 0, SYSFS_MAX_PORTS); /* usb-serial: ttyUSBn/ */
	for (k = 0; k < n; k++)
		if (strcmp(names[k], "tty"))
			add_tty(m, names[k], i->num);
	n = list_into(ifdir, "tty", "tty", names, 0, SYSFS_MAX_PORTS); /* cdc_acm: tty/ttyACMn */
	for (k = 0; k < n; k++)
		add_tty(m, names[k], i->num);
}

static int read_iface(const char *devdir, const char *name, struct sysfs_modem *m)
{
	struct sysfs_iface *i = &m->iface[m->nifaces];
	unsigned long num, cls, sub, proto;
	char ifdir[PATH_MAX];
	unsigned before;

	if (fmt_buf(ifdir, sizeof(ifdir), "%s/%s", devdir, name) >= sizeof(ifdir))
		return -ENAMETOOLONG;
	if (read_num(ifdir, "bInterfaceNumber", 16, &num) ||
	    read_num(ifdir, "bInterfaceClass", 16, &cls) ||
	    read_num(ifdir, "bInterfaceSubClass", 16, &sub) ||
	    read_num(ifdir, "bInterfaceProtocol", 16, &proto) || num > 255 || cls > 255 ||
	    sub > 255 || proto > 255)
		return -EINVAL;
	memset(i, 0, sizeof(*i));
	i->num = (uint8_t)num;
	i->cls = (uint8_t)cls;
	i->sub = (uint8_t)sub;
	i->proto = (uint8_t)proto;
	read_link_base(ifdir, "driver", i->driver, sizeof(i->driver));
	read_endpoints(ifdir, i);
	before = m->nnet;
	read_children(ifdir, i, m);
	i->fn = iface_fn(i, m->nnet > before);
	m->nifaces++;
	return 0;
}

/* The modem's mode: its network function first, then serial, then storage. */
static void pick_mode(struct sysfs_modem *m)
{
	static const enum sysfs_mode order[] = {
		SYSFS_MODE_QMI,	  SYSFS_MODE_MBIM,   SYSFS_MODE_NCM,	 SYSFS_MODE_ECM,
		SYSFS_MODE_RNDIS, SYSFS_MODE_SERIAL, SYSFS_MODE_STORAGE,
	};

	m->mode = m->ntty ? SYSFS_MODE_SERIAL : SYSFS_MODE_UNKNOWN;
	for (unsigned o = 0; o < ARRAY_SIZE(order); o++) {
		for (unsigned k = 0; k < m->nifaces; k++) {
			const struct sysfs_iface *i = &m->iface[k];

			if (i->fn != order[o])
				continue;
			m->mode = i->fn;
			fmt_buf(m->driver, sizeof(m->driver), "%s", i->driver);
			m->driver_missing = !i->driver[0];
			return;
		}
	}
}

static bool usb_name_ok(const char *usb)
{
	return usb[0] && usb[0] != '.' && !strchr(usb, '/') && !strchr(usb, ':') &&
	       strlen(usb) < SYSFS_NAME_MAX;
}

int sysfs_read_modem(const char *root, const char *usb, struct sysfs_modem *m)
{
	char devdir[PATH_MAX], names[SYSFS_MAX_IFACES][SYSFS_NAME_MAX], pfx[SYSFS_NAME_MAX + 1];
	unsigned long vid, pid, v;
	unsigned n;
	int r;

	memset(m, 0, sizeof(*m));
	m->raw_ip = -1;
	if (!usb_name_ok(usb))
		return -EINVAL;
	if (fmt_buf(devdir, sizeof(devdir), "%s/bus/usb/devices/%s", root, usb) >= sizeof(devdir))
		return -ENAMETOOLONG;
	r = read_num(devdir, "idVendor", 16, &vid);
	if (!r)
		r = read_num(devdir, "idProduct", 16, &pid);
	if (r)
		return r == -ENOTDIR ? -ENOENT : r;
	fmt_buf(m->usb, sizeof(m->usb), "%s", usb);
	m->vid = (uint16_t)vid;
	m->pid = (uint16_t)pid;
	if (!read_num(devdir, "busnum", 10, &v))
		m->busnum = (unsigned)v;
	if (!read_num(devdir, "devnum", 10, &v))
		m->devnum = (unsigned)v;
	read_str(devdir, "manufacturer", m->manufacturer, sizeof(m->manufacturer));
	read_str(devdir, "product", m->product, sizeof(m->product));
	read_str(devdir, "serial", m->serial, sizeof(m->serial));
	/* interfaces of the active configuration: "<usb>:<config>.<n>" beside the attributes */
	fmt_buf(pfx, sizeof(pfx), "%s:", usb);
	n = list_into(devdir, NULL, pfx, names, 0, SYSFS_MAX_IFACES);
	for (unsigned k = 0; k < n; k++)
		read_iface(devdir, names[k], m);
	/* interfaces in number order */
	for (unsigned a = 1; a < m->nifaces; a++)
		for (unsigned b = a; b && m->iface[b - 1].num > m->iface[b].num; b--) {
			struct sysfs_iface t = m->iface[b];

			m->iface[b] = m->iface[b - 1];
			m->iface[b - 1] = t;
		}
	pick_mode(m);
	return 0;
}

/* Cellular vendors (USB-IF VIDs as in the kernel's option/qmi_wwan tables) and, where the
 * vendor also makes other things, the PID range of its modems. */
static const struct {
	uint16_t vid, lo, hi;
} modem_vids[] = {
	{0x2c7c, 0x0000, 0xffff}, /* Quectel */
	{0x05c6, 0x9000, 0x9fff}, /* Qualcomm reference PIDs (Quectel EC20 05c6:9215) */
	{0x1199, 0x0000, 0xffff}, /* Sierra Wireless */
	{0x12d1, 0x1000, 0x1fff}, /* Huawei modems and sticks (incl. 1f01 ZeroCD) */
	{0x1e0e, 0x0000, 0xffff}, /* SIMCom */
	{0x1bc7, 0x0000, 0xffff}, /* Telit */
	{0x2cb7, 0x0000, 0xffff}, /* Fibocom */
	{0x8087, 0x095a, 0x095a}, /* Fibocom L850-GL (Intel XMM7360) in NCM mode */
	{0x1546, 0x1100, 0x11ff}, /* u-blox cellular (TOBY/LARA/SARA); not its GNSS receivers */
	{0x19d2, 0x0000, 0xffff}, /* ZTE */
};

bool sysfs_is_modem(const struct sysfs_modem *m)
{
	for (unsigned k = 0; k < m->nifaces; k++) {
		int d = driver_index(m->iface[k].driver);

		if (d >= 0 && drivers[d].wwan)
			return true;
	}
	if (m->nwdm)
		return true;
	if (m->mode == SYSFS_MODE_UNKNOWN)
		return false;
	for (unsigned k = 0; k < ARRAY_SIZE(modem_vids); k++)
		if (m->vid == modem_vids[k].vid && m->pid >= modem_vids[k].lo &&
		    m->pid <= modem_vids[k].hi)
			return true;
	return false;
}

/* ---- all devices ---- */

#define MAX_DEVICES 64

/* USB device names under root/bus/usb/devices (not root hubs "usbN", not interfaces), sorted. */
static int device_names(const char *root, char (*names)[SYSFS_NAME_MAX])
{
	char path[PATH_MAX];
	struct dir_iter d;
	const char *name;
	int n = 0, r;

	if (fmt_buf(path, sizeof(path), "%s/bus/usb/devices", root) >= sizeof(path))
		return -ENAMETOOLONG;
	r = dir_open(&d, path);
	if (r)
		return r;
	while ((name = dir_next(&d)) && n < MAX_DEVICES) {
		int k = n;

		if (!strncmp(name, "usb", 3) || !usb_name_ok(name))
			continue;
		while (k && natcmp(names[k - 1], name) > 0) {
			memcpy(names[k], names[k - 1], SYSFS_NAME_MAX);
			k--;
		}
		fmt_buf(names[k], SYSFS_NAME_MAX, "%s", name);
		n++;
	}
	dir_close(&d);
	return n;
}

int sysfs_find_modems(const char *root, struct sysfs_modem *m, int max)
{
	char names[MAX_DEVICES][SYSFS_NAME_MAX];
	struct sysfs_modem tmp;
	int n = device_names(root, names), found = 0;

	if (n < 0)
		return n;
	for (int k = 0; k < n; k++) {
		struct sysfs_modem *dst = found < max ? &m[found] : &tmp;

		if (!sysfs_read_modem(root, names[k], dst) && sysfs_is_modem(dst))
			found++;
	}
	return found;
}

int sysfs_find_usb(const char *root, uint16_t vid, uint16_t pid, struct sysfs_modem *m)
{
	char names[MAX_DEVICES][SYSFS_NAME_MAX];
	int n = device_names(root, names);

	if (n < 0)
		return n;
	for (int k = 0; k < n; k++)
		if (!sysfs_read_modem(root, names[k], m) && m->vid == vid && m->pid == pid)
			return 0;
	return -ENODEV;
}

int sysfs_has_tty(const struct sysfs_modem *m, const char *name)
{
	for (unsigned k = 0; k < m->ntty; k++)
		if (!strcmp(m->tty[k], name))
			return (int)k;
	for (unsigned k = 0; k < m->nwdm; k++)
		if (!strcmp(m->wdm[k], name))
			return (int)k;
	return -1;
}

/* ---- raw IP ---- */

static int raw_ip_path(const char *root, const char *ifname, char *path, size_t cap)
{
	if (!ifname[0] || strchr(ifname, '/') || ifname[0] == '.')
		return -EINVAL;
	return fmt_buf(path, cap, "%s/class/net/%s/qmi/raw_ip", root, ifname) < cap ? 0
										    : -ENAMETOOLONG;
}

int sysfs_raw_ip(const char *root, const char *ifname)
{
	char path[PATH_MAX], text[8];
	int r = raw_ip_path(root, ifname, path, sizeof(path));

	if (!r)
		r = read_text(path, text, sizeof(text));
	if (r < 0)
		return r == -ENOTDIR ? -ENOENT : r;
	if (r == 0)
		return -EINVAL;
	return text[0] == 'Y' || text[0] == 'y' || text[0] == '1';
}

int sysfs_set_raw_ip(const char *root, const char *ifname, bool on)
{
	char path[PATH_MAX];
	int fd, r = raw_ip_path(root, ifname, path, sizeof(path));
	ssize_t w;

	if (r)
		return r;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
	/* one write: a sysfs store gets the whole buffer; "Y"/"N" as strtobool() reads them */
	w = write(fd, on ? "Y\n" : "N\n", 2);
	r = w == 2 ? 0 : w < 0 ? -errno : -EIO;
	close(fd);
	return r;
}
