/* test_sysfs.c - modem discovery on fake sysfs trees built from the tests/data/sysfs descriptions
 * by tests/data/sysfs/mktree.sh (real layout: relative symlinks for bus/usb/devices, drivers and
 * class links): modes from drivers and class triples, cdc-wdm/net/tty children in order,
 * non-modems left out, a missing driver noticed, raw_ip read and written, errors.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wwanbox.h"
#include "sysfs.h"
#include "t.h"

static char base[64];

/* Build tree NAME from the given descriptions; returns its root path (static). */
static const char *tree(const char *name, const char *descs)
{
	static char root[8][128];
	static int n;
	char cmd[1024];
	char *r = root[n++ % 8];

	snprintf(r, 128, "%s/%s", base, name);
	snprintf(cmd, sizeof(cmd), "cd tests/data/sysfs && bash mktree.sh %s %s", descs, r);
	if (system(cmd) != 0)
		fprintf(stderr, "mktree failed: %s\n", cmd);
	return r;
}

static struct sysfs_modem m[SYSFS_MAX_MODEMS];

static void test_ec25_qmi(void)
{
	const char *root = tree("ec25-qmi", "ec25-qmi.tree");

	CHECK_EQ(sysfs_find_modems(root, m, SYSFS_MAX_MODEMS), 1);
	CHECK_STR(m[0].usb, "1-1");
	CHECK_EQ(m[0].vid, 0x2c7c);
	CHECK_EQ(m[0].pid, 0x0125);
	CHECK_EQ(m[0].busnum, 1);
	CHECK_EQ(m[0].devnum, 3);
	CHECK_STR(m[0].manufacturer, "Quectel");
	CHECK_STR(m[0].product, "EC25-AF");
	CHECK_STR(m[0].serial, "0123456789ABCDEF");
	CHECK_EQ(m[0].mode, SYSFS_MODE_QMI);
	CHECK_STR(sysfs_mode_name(m[0].mode), "qmi");
	CHECK_STR(m[0].driver, "qmi_wwan");
	CHECK(!m[0].driver_missing && !m[0].wdm_at);
	CHECK_EQ(m[0].nwdm, 1);
	CHECK_STR(m[0].wdm[0], "cdc-wdm0");
	CHECK_EQ(m[0].nnet, 1);
	CHECK_STR(m[0].net[0], "wwan0");
	CHECK_EQ(m[0].raw_ip, 0);
	CHECK_EQ(m[0].ntty, 4);
	for (unsigned i = 0; i < 4 && i < m[0].ntty; i++) {
		char want[16];

		snprintf(want, sizeof(want), "ttyUSB%u", i);
		CHECK_STR(m[0].tty[i], want);
		CHECK_EQ(m[0].tty_iface[i], i);
	}
	CHECK_EQ(m[0].nifaces, 5);
	CHECK_EQ(m[0].iface[4].fn, SYSFS_MODE_QMI);
	CHECK_EQ(m[0].iface[2].fn, SYSFS_MODE_SERIAL);
	CHECK(m[0].iface[0].cls == 0xff && m[0].iface[1].sub == 0x00);
	CHECK(m[0].iface[4].ep_out == 0x05 && m[0].iface[4].ep_in == 0x88);
	CHECK(sysfs_has_tty(&m[0], "ttyUSB2") == 2 && sysfs_has_tty(&m[0], "ttyUSB9") < 0);
	CHECK(sysfs_has_tty(&m[0], "cdc-wdm0") == 0);
}

static void test_ec25_ecm(void)
{
	const char *root = tree("ec25-ecm", "ec25-ecm.tree");

	CHECK_EQ(sysfs_find_modems(root, m, SYSFS_MAX_MODEMS), 1);
	CHECK_EQ(m[0].mode, SYSFS_MODE_ECM);
	CHECK_STR(m[0].driver, "cdc_ether");
	CHECK_EQ(m[0].devnum, 4);
	CHECK_EQ(m[0].nwdm, 0);
	CHECK_STR(m[0].net[0], "usb0");
	CHECK_EQ(m[0].raw_ip, -1);
	CHECK_EQ(m[0].ntty, 4);
}

static void test_em7455_mbim(void)
{
	const char *root = tree("em7455", "em7455-mbim.tree");

	CHECK_EQ(sysfs_find_modems(root, m, SYSFS_MAX_MODEMS), 1);
	CHECK_EQ(m[0].mode, SYSFS_MODE_MBIM);
	CHECK_STR(m[0].driver, "cdc_mbim");
	CHECK_STR(m[0].product, "Sierra Wireless EM7455 Qualcomm® Snapdragon™ X7 LTE-A");
	CHECK_STR(m[0].manufacturer, "Sierra Wireless, Incorporated");
	CHECK_STR(m[0].wdm[0], "cdc-wdm0");
	CHECK_STR(m[0].net[0], "wwan0");
	CHECK_EQ(m[0].ntty, 3);
	CHECK_EQ(m[0].tty_iface[2], 3);
	CHECK_EQ(m[0].nifaces, 5);
	CHECK_EQ(m[0].iface[3].num, 12); /* "2-1:1.12" sorts after "2-1:1.3" */
	CHECK_EQ(m[0].iface[4].num, 13);
	CHECK_EQ(m[0].raw_ip, -1);
}

static void test_e3372(void)
{
	const char *cd = tree("e3372-cdrom", "e3372-cdrom.tree");
	const char *ncm = tree("e3372-ncm", "e3372-ncm.tree");
	struct sysfs_modem u;

	CHECK_EQ(sysfs_find_modems(cd, m, SYSFS_MAX_MODEMS), 1);
	CHECK_EQ(m[0].mode, SYSFS_MODE_STORAGE);
	CHECK_STR(m[0].driver, "usb-storage");
	CHECK_EQ(m[0].ntty, 0);
	CHECK(m[0].iface[0].cls == 0x08 && m[0].iface[0].ep_out == 0x01 &&
	      m[0].iface[0].ep_in == 0x81);
	CHECK_EQ(sysfs_find_usb(cd, 0x12d1, 0x1f01, &u), 0);
	CHECK_STR(u.usb, "1-2");
	CHECK(u.busnum == 1 && u.devnum == 5);
	CHECK_EQ(sysfs_find_usb(cd, 0x12d1, 0x1506, &u), -ENODEV);

	CHECK_EQ(sysfs_find_modems(ncm, m, SYSFS_MAX_MODEMS), 1);
	CHECK_EQ(m[0].mode, SYSFS_MODE_NCM); /* network function beats the storage ones */
	CHECK_STR(m[0].driver, "huawei_cdc_ncm");
	CHECK(m[0].wdm_at);
	CHECK_STR(m[0].wdm[0], "cdc-wdm0");
	CHECK_EQ(m[0].ntty, 1);
	CHECK_STR(m[0].tty[0], "ttyUSB0");
	CHECK_EQ(m[0].iface[0].fn, SYSFS_MODE_UNKNOWN); /* ff/03/10, nothing bound */
	CHECK_STR(m[0].iface[0].driver, "");
}

static void test_sim7600_rndis(void)
{
	const char *root = tree("sim7600", "sim7600-rndis.tree");

	CHECK_EQ(sysfs_find_modems(root, m, SYSFS_MAX_MODEMS), 1);
	CHECK_EQ(m[0].mode, SYSFS_MODE_RNDIS);
	CHECK_STR(m[0].driver, "rndis_host");
	CHECK_STR(m[0].net[0], "usb0");
	CHECK_EQ(m[0].ntty, 5);
	CHECK_STR(m[0].tty[4], "ttyUSB4");
	CHECK_EQ(m[0].iface[7].fn, SYSFS_MODE_UNKNOWN); /* ADB */
}

/* Several modems and non-modems on one host: sorted by path, noise left out. */
static void test_host(void)
{
	const char *root = tree("host", "noise.tree ec25-qmi.tree em7455-mbim.tree "
					"e3372-ncm.tree sim7600-rndis.tree");
	struct sysfs_modem two[2], eth;

	CHECK_EQ(sysfs_find_modems(root, m, SYSFS_MAX_MODEMS), 4);
	CHECK_STR(m[0].usb, "1-1");
	CHECK_STR(m[1].usb, "1-2");
	CHECK_STR(m[2].usb, "1-3");
	CHECK_STR(m[3].usb, "2-1");
	CHECK_EQ(sysfs_find_modems(root, two, 2), 4); /* found 4, filled 2 */
	CHECK_STR(two[1].usb, "1-2");
	/* the Ethernet adapter is read fine, but is no modem */
	CHECK_EQ(sysfs_read_modem(root, "3-1", &eth), 0);
	CHECK_EQ(eth.mode, SYSFS_MODE_ECM);
	CHECK(!sysfs_is_modem(&eth));
	CHECK_EQ(sysfs_read_modem(root, "3-2", &eth), 0);
	CHECK_EQ(eth.mode, SYSFS_MODE_UNKNOWN);
	CHECK(!sysfs_is_modem(&eth));
}

/* RNDIS by its class triple with rndis_host missing on the host (the GL.iNet case). */
static void test_driver_missing(void)
{
	char desc[128];
	const char *root;
	FILE *f;

	snprintf(desc, sizeof(desc), "%s/nodrv.tree", base);
	f = fopen(desc, "w");
	if (!f)
		SKIP("cannot write a description");
	fputs("device 1-1 2c7c 0125 1 9\n"
	      "iface 0 ff ff ff option tty=ttyUSB0\n"
	      "iface 2 e0 01 03 -\n"
	      "iface 3 0a 00 00 -\n",
	      f);
	fclose(f);
	root = tree("nodrv", desc);
	CHECK_EQ(sysfs_find_modems(root, m, SYSFS_MAX_MODEMS), 1);
	CHECK_EQ(m[0].mode, SYSFS_MODE_RNDIS);
	CHECK(m[0].driver_missing);
	CHECK_STR(m[0].driver, "");
}

static void test_raw_ip(void)
{
	const char *root = tree("rawip", "ec25-qmi.tree noise.tree");
	char path[256], buf[8] = {0};
	int fd;

	CHECK_EQ(sysfs_raw_ip(root, "wwan0"), 0);
	CHECK_EQ(sysfs_set_raw_ip(root, "wwan0", true), 0);
	snprintf(path, sizeof(path), "%s/class/net/wwan0/qmi/raw_ip", root);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 2);
	if (fd >= 0)
		close(fd);
	CHECK_STR(buf, "Y\n");
	CHECK_EQ(sysfs_raw_ip(root, "wwan0"), 1);
	CHECK_EQ(sysfs_set_raw_ip(root, "wwan0", false), 0);
	CHECK_EQ(sysfs_raw_ip(root, "wwan0"), 0);
	CHECK_EQ(sysfs_raw_ip(root, "eth1"), -ENOENT); /* not qmi_wwan */
	CHECK_EQ(sysfs_set_raw_ip(root, "eth1", true), -ENOENT);
	CHECK_EQ(sysfs_raw_ip(root, "wwan9"), -ENOENT); /* no such netdev */
	CHECK_EQ(sysfs_raw_ip(root, "../../x"), -EINVAL);
	CHECK_EQ(sysfs_raw_ip(root, ""), -EINVAL);
	/* an empty attribute is no answer */
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd >= 0)
		close(fd);
	CHECK_EQ(sysfs_raw_ip(root, "wwan0"), -EINVAL);
}

static void test_errors(void)
{
	const char *root = tree("err", "ec25-qmi.tree");
	struct sysfs_modem x;
	char path[256];

	CHECK_EQ(sysfs_read_modem(root, "1-9", &x), -ENOENT);
	CHECK_EQ(sysfs_read_modem(root, "1-1:1.0", &x), -EINVAL);
	CHECK_EQ(sysfs_read_modem(root, "", &x), -EINVAL);
	CHECK_EQ(sysfs_read_modem(root, "../1-1", &x), -EINVAL);
	CHECK_EQ(sysfs_read_modem(root, "usb1", &x), 0); /* readable; find_modems skips hubs */
	CHECK(!sysfs_is_modem(&x));
	CHECK_EQ(sysfs_find_modems("/nonexistent", m, SYSFS_MAX_MODEMS), -ENOENT);
	CHECK_EQ(sysfs_find_usb("/nonexistent", 1, 2, &x), -ENOENT);
	/* an interface whose attributes are unreadable is skipped, the rest still counts */
	snprintf(path, sizeof(path), "%s/bus/usb/devices/1-1:1.0/bInterfaceClass", root);
	CHECK_EQ(unlink(path), 0);
	CHECK_EQ(sysfs_read_modem(root, "1-1", &x), 0);
	CHECK_EQ(x.nifaces, 4);
	CHECK_EQ(x.mode, SYSFS_MODE_QMI);
	/* a device gone while we look (the re-enumeration window) */
	snprintf(path, sizeof(path), "%s/bus/usb/devices/1-1/idProduct", root);
	CHECK_EQ(unlink(path), 0);
	CHECK_EQ(sysfs_read_modem(root, "1-1", &x), -ENOENT);
	CHECK_EQ(sysfs_find_modems(root, m, SYSFS_MAX_MODEMS), 0);
}

static void test_names(void)
{
	CHECK_EQ(sysfs_mode_parse("qmi"), SYSFS_MODE_QMI);
	CHECK_EQ(sysfs_mode_parse("ncm"), SYSFS_MODE_NCM);
	CHECK_EQ(sysfs_mode_parse("serial"), SYSFS_MODE_SERIAL);
	CHECK_EQ(sysfs_mode_parse("unknown"), -EINVAL);
	CHECK_EQ(sysfs_mode_parse("QMI"), -EINVAL);
	CHECK_STR(sysfs_mode_name(SYSFS_MODE_STORAGE), "storage");
	CHECK_STR(sysfs_mode_name((enum sysfs_mode)99), "unknown");
}

int main(void)
{
	char cmd[128];
	int r;

	snprintf(base, sizeof(base), "/tmp/test_sysfs.XXXXXX");
	if (!mkdtemp(base)) {
		printf("FAIL mkdtemp\n");
		return 1;
	}
	RUN(test_ec25_qmi);
	RUN(test_ec25_ecm);
	RUN(test_em7455_mbim);
	RUN(test_e3372);
	RUN(test_sim7600_rndis);
	RUN(test_host);
	RUN(test_driver_missing);
	RUN(test_raw_ip);
	RUN(test_errors);
	RUN(test_names);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	r = system(cmd);
	(void)r;
	return t_done();
}
