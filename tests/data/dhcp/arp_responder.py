#!/usr/bin/env python3
# arp_responder.py - a host that owns an IPv4 address on a link and says so, for the ARP
# conflict test of tests/dhcp_lite.test: answers every ARP request for ADDR on IFACE (RFC 5227
# probes, sender IP 0.0.0.0, included) from a made-up MAC, until SIGTERM or SECONDS.
#
# usage: arp_responder.py IFACE ADDR SECONDS
import signal, socket, struct, sys, time

ETH_P_ARP = 0x0806
MAC = bytes.fromhex("02aa00000123")


def main():
    iface, addr, secs = sys.argv[1], socket.inet_aton(sys.argv[2]), float(sys.argv[3])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((iface, ETH_P_ARP))
    s.settimeout(0.5)
    print("ready", flush=True)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            f = s.recv(128)
        except socket.timeout:
            continue
        if len(f) < 42:
            continue
        htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", f[14:22])
        sha, spa, tpa = f[22:28], f[28:32], f[38:42]
        if (htype, ptype, hlen, plen, op) != (1, 0x0800, 6, 4, 1) or tpa != addr:
            continue
        arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + MAC + addr + sha + spa
        s.send(sha + MAC + struct.pack("!H", ETH_P_ARP) + arp)


main()
