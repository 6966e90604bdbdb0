#!/usr/bin/env python3
# tun_relay.py - a raw-IP "cable" between two TUN devices, for tests/dhcp_lite.test: a link
# without a MAC (ARPHRD_NONE), as qmi_wwan in raw-ip mode presents it. Creates TUN devices
# A and B (IFF_TUN | IFF_NO_PI) in the current namespace, prints "ready" once both exist (the
# test then moves them into their namespaces; the file descriptors stay valid), and copies
# every IP packet from one to the other until SIGTERM or SECONDS have passed.
#
# usage: tun_relay.py A B SECONDS
import fcntl, os, select, signal, struct, sys, time

TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    a, b, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    fa, fb = tun(a), tun(b)
    peer = {fa: fb, fb: fa}
    print("ready", flush=True)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        r, _, _ = select.select([fa, fb], [], [], 0.5)
        for fd in r:
            try:
                os.write(peer[fd], os.read(fd, 65536))
            except OSError:
                pass  # the other side is down: the packet is lost, as on a cable


main()
