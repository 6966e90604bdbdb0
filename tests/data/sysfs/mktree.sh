#!/usr/bin/env bash
# mktree.sh DESC... OUT - build a fake sysfs tree in OUT from compact descriptions (*.tree), shaped
# like the real one: devices/pci0000:00/0000:00:14.0/usbB/<port>/<port>:1.<n>/ directories with
# the attribute files, relative symlinks for bus/usb/devices/*, bus/usb/drivers/*, class/net/*,
# class/tty/*, class/usbmisc/* and each interface's driver link, as Linux lays them out
# (Documentation/ABI/testing/sysfs-bus-usb, sysfs-class-net). Several DESC files can share one
# OUT (several modems on one host).
#
# Description lines (# starts a comment):
#   device PORT VID PID BUSNUM DEVNUM     a USB device at port path PORT ("1-1"), hex ids
#   manufacturer TEXT / product TEXT / serial TEXT     its string descriptors
#   iface NUM CLASS SUB PROTO DRIVER [tty=A,B] [acm=A] [wdm=A] [net=A] [raw_ip=Y|N] [ep=OUT,IN]
#       interface NUM (decimal) of the device above; class triple in hex; DRIVER "-" = none;
#       tty: usb-serial ports (<if>/ttyUSBn/tty/ttyUSBn), acm: cdc_acm (<if>/tty/ttyACMn),
#       wdm: cdc-wdm node (<if>/usbmisc/), net: netdev (<if>/net/), raw_ip: qmi_wwan's
#       <if>/net/<net>/qmi/raw_ip, ep: bulk endpoint addresses in hex (<if>/ep_XX/).
set -eu
[ $# -ge 2 ] || { echo "usage: mktree.sh DESC... OUT" >&2; exit 2; }
out=${*: -1}
mkdir -p "$out"
out=$(cd "$out" && pwd)
hc=$out/devices/pci0000:00/0000:00:14.0

w() { mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" > "$1"; }
lnk() {	# lnk TARGET LINK: a relative symlink, as sysfs has
	mkdir -p "$(dirname "$2")"
	ln -sfn "$(realpath -m --relative-to="$(dirname "$2")" "$1")" "$2"
}

node() {	# node KIND NAME DIR CLASSDIR MAJOR: a char-device node directory with dev/uevent
	w "$3/dev" "$5:0"
	w "$3/uevent" "MAJOR=$5"$'\n'"MINOR=0"$'\n'"DEVNAME=$2"
	lnk "$3" "$out/class/$4/$2"
}

for desc in "${@:1:$#-1}"; do
	dev= port=
	while read -r kw rest || [ -n "$kw" ]; do
		case $kw in
		''|\#*) continue;;
		device)
			set -- $rest
			port=$1 bus=$4
			dev=$hc/usb$bus/$port
			w "$hc/usb$bus/idVendor" 1d6b
			w "$hc/usb$bus/idProduct" 0002
			w "$hc/usb$bus/busnum" "$bus"
			w "$hc/usb$bus/devnum" 1
			lnk "$hc/usb$bus" "$out/bus/usb/devices/usb$bus"
			w "$dev/idVendor" "$2"
			w "$dev/idProduct" "$3"
			w "$dev/busnum" "$bus"
			w "$dev/devnum" "$5"
			w "$dev/devpath" "${port#*-}"
			w "$dev/bConfigurationValue" 1
			lnk "$dev" "$out/bus/usb/devices/$port";;
		manufacturer|product|serial)
			w "$dev/$kw" "$rest";;
		iface)
			set -- $rest
			num=$1
			ifd=$dev/$port:1.$num
			w "$ifd/bInterfaceNumber" "$(printf %02x "$num")"
			w "$ifd/bInterfaceClass" "$2"
			w "$ifd/bInterfaceSubClass" "$3"
			w "$ifd/bInterfaceProtocol" "$4"
			w "$ifd/bAlternateSetting" " 0"
			lnk "$ifd" "$out/bus/usb/devices/$port:1.$num"
			if [ "$5" != - ]; then
				mkdir -p "$out/bus/usb/drivers/$5"
				lnk "$out/bus/usb/drivers/$5" "$ifd/driver"
				lnk "$ifd" "$out/bus/usb/drivers/$5/$port:1.$num"
			fi
			shift 5
			net=
			for opt in "$@"; do
				key=${opt%%=*} val=${opt#*=}
				case $key in
				tty) for t in ${val//,/ }; do
					node tty "$t" "$ifd/$t/tty/$t" tty 188
					w "$ifd/$t/port_number" 0
				     done;;
				acm) node tty "$val" "$ifd/tty/$val" tty 166;;
				wdm) node usbmisc "$val" "$ifd/usbmisc/$val" usbmisc 180;;
				net) net=$val
				     w "$ifd/net/$val/operstate" down
				     w "$ifd/net/$val/flags" 0x1002
				     w "$ifd/net/$val/uevent" "DEVTYPE=wwan"$'\n'"INTERFACE=$val"
				     lnk "$ifd/net/$val" "$out/class/net/$val";;
				raw_ip) w "$ifd/net/$net/qmi/raw_ip" "$val";;
				ep) for e in ${val//,/ }; do
					dir=out
					[ $((0x$e & 0x80)) = 0 ] || dir=in
					w "$ifd/ep_$e/bEndpointAddress" "$e"
					w "$ifd/ep_$e/type" Bulk
					w "$ifd/ep_$e/direction" "$dir"
				    done;;
				*) echo "mktree.sh: $desc: unknown option $opt" >&2; exit 1;;
				esac
			done;;
		*) echo "mktree.sh: $desc: unknown line '$kw'" >&2; exit 1;;
		esac
	done < "$desc"
done
