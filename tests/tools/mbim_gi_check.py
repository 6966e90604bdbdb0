#!/usr/bin/python3
"""mbim_gi_check.py - decode MBIM messages with libmbim (Python GI): an independent check of the
messages wwanbox's MBIM encoders build, since a simulator built on our codec would share our bugs.

usage: mbim_gi_check.py [-v] [FILE...]        (standard input if no FILE)

One message per line, fields separated by TABs:
  KIND SERVICE CID HEX [Field=value ...]     or just HEX
  KIND     query | set | done | ind (COMMAND query/set, COMMAND_DONE, INDICATE_STATUS)
  SERVICE  libmbim service nick (basic-connect, proxy-control, sms, ...)
  CID      command id, a number
  HEX      the whole message
  Field=value  libmbim's printable must show a line "Field = 'value'" (at any depth)
  '#' starts a comment; blank lines are ignored. A line starting with '!' is a negative control:
  it must FAIL the checks below.

Checks per message:
  1. libmbim's validation (mbim_message_validate) passes and MessageLength is the bytes given.
  2. Type, command type, service and CID are the expected ones; libmbim knows service and CID.
  3. libmbim's printable (its generated per-message reader) shows no field it could not read
     ("n/a: ...", "ERROR") and shows every expected Field=value.
  4. Responses and indications of the simple Basic Connect messages also go through libmbim's
     typed parser (mbim_message_<cid>_response_parse / _notification_parse).
  5. Requests libmbim has a builder for (radio, PIN, visible providers, register, packet
     service, signal and connect sets and queries, mbim-proxy configuration) are built again by
     libmbim from the fields it printed, with the same transaction id: byte for byte the same.
Exit status: 0 all messages as expected, 1 otherwise, 2 usage error or libmbim/GI missing.

Runs under Debian's /usr/bin/python3 (python3-gi, gir1.2-mbim-1.0; tested with libmbim 1.28.2).
GI workarounds (notes/vectors.md 5a): Mbim.Message.new() takes no usable buffer, so a boxed
MbimMessage (a GByteArray) is made with open_new() and refilled through ctypes; the message type
is read from the bytes (PyGObject cannot map enum values >= 2^31); the typed parsers of
IP_CONFIGURATION and VISIBLE_PROVIDERS crash PyGObject 3.42 and are left to the printable.
"""
import ctypes
import re
import struct
import sys

try:
    import gi
    gi.require_version("Mbim", "1.0")
    from gi.repository import GLib, Mbim
except (ImportError, ValueError) as e:
    sys.stderr.write("mbim_gi_check: libmbim GI bindings missing (python3-gi, gir1.2-mbim-1.0): "
                     "%s\n" % e)
    sys.exit(2)

Mbim.utils_set_show_personal_info(True)  # else IMSI, ICCID, IMEI, numbers print as ###
glib = ctypes.CDLL("libglib-2.0.so.0")


class GByteArray(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("len", ctypes.c_uint)]


glib.g_byte_array_append.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint]
glib.g_byte_array_append.restype = ctypes.c_void_p
glib.g_byte_array_set_size.argtypes = [ctypes.c_void_p, ctypes.c_uint]
glib.g_byte_array_set_size.restype = ctypes.c_void_p

TYPES = {"query": (0x00000003, 0), "set": (0x00000003, 1), "done": (0x80000003, None),
         "ind": (0x80000007, None)}
# typed parsers that PyGObject 3.42 handles (Basic Connect CID -> libmbim name)
TYPED = {1: "device_caps", 2: "subscriber_ready_status", 3: "radio_state", 4: "pin",
         6: "home_provider", 9: "register_state", 10: "packet_service", 11: "signal_state",
         12: "connect"}


def gi_message(frame):
    """A boxed MbimMessage holding frame."""
    m = Mbim.Message.open_new(1, 4096)
    found = re.search(r"MbimMessage at (0x[0-9a-fA-F]+)", repr(m))
    if not found:
        raise RuntimeError("cannot find the GByteArray behind %r" % m)
    addr = int(found.group(1), 16)
    glib.g_byte_array_set_size(addr, 0)
    glib.g_byte_array_append(addr, frame, len(frame))
    if m.get_message_length() != struct.unpack_from("<I", frame, 4)[0]:
        raise RuntimeError("refilling the MbimMessage failed")
    return m


def printable_fields(text):
    """{name: [values]} of every one-line "Name = 'value'", nested ones included."""
    fields = {}
    for name, value in re.findall(r"^[ \t]*(\w+) = '(.*)'$", text, re.M):
        fields.setdefault(name, []).append(value)
    return fields


def typed_parse(m, mtype, cid):
    name = TYPED.get(cid)
    if name is None:
        return None
    suffix = "notification_parse" if mtype == 0x80000007 else "response_parse"
    parse = getattr(Mbim.Message, "%s_%s" % (name, suffix), None)
    if parse is None:
        return "libmbim has no %s_%s (no such message)" % (name, suffix)
    try:
        parse(m)
    except GLib.Error as e:
        return "libmbim %s_%s: %s" % (name, suffix, e.message)
    return None


def enum(cls, nick):
    for v in cls.__enum_values__.values():
        if v.value_nick == nick:
            return v
    raise ValueError("%s has no %r" % (cls.__name__, nick))


def flags(cls, text):
    value = 0
    for nick in [] if text == "(null)" else text.split(", "):
        value |= int(next(v for v in cls.__flags_values__.values() if v.value_nick == nick))
    return value


def uuid(printable):
    u = Mbim.Uuid()
    if not Mbim.uuid_from_printable(printable, u):
        raise ValueError("bad UUID %r" % printable)
    return u


def text(value):
    return "" if value == "(null)" else value


M = Mbim.Message
REBUILD = {
    ("set", 3): lambda f: M.radio_state_set_new(enum(Mbim.RadioSwitchState, f["RadioState"])),
    ("set", 4): lambda f: M.pin_set_new(enum(Mbim.PinType, f["PinType"]),
                                        enum(Mbim.PinOperation, f["PinOperation"]),
                                        text(f["Pin"]), text(f["NewPin"])),
    ("query", 8): lambda f: M.visible_providers_query_new(
        enum(Mbim.VisibleProvidersAction, f["Action"])),
    ("set", 9): lambda f: M.register_state_set_new(text(f["ProviderId"]),
                                                   enum(Mbim.RegisterAction, f["RegisterAction"]),
                                                   flags(Mbim.DataClass, f["DataClass"])),
    ("set", 10): lambda f: M.packet_service_set_new(
        enum(Mbim.PacketServiceAction, f["PacketServiceAction"])),
    ("set", 11): lambda f: M.signal_state_set_new(int(f["SignalStrengthInterval"]),
                                                  int(f["RssiThreshold"]),
                                                  int(f["ErrorRateThreshold"])),
    ("set", 12): lambda f: M.connect_set_new(
        int(f["SessionId"]), enum(Mbim.ActivationCommand, f["ActivationCommand"]),
        text(f["AccessString"]), text(f["UserName"]), text(f["Password"]),
        enum(Mbim.Compression, f["Compression"]), enum(Mbim.AuthProtocol, f["AuthProtocol"]),
        enum(Mbim.ContextIpType, f["IpType"]), uuid(f["ContextType"])),
    ("query", 12): lambda f: M.connect_query_new(
        int(f["SessionId"]), enum(Mbim.ActivationState, f["ActivationState"]),
        enum(Mbim.VoiceCallState, f["VoiceCallState"]), enum(Mbim.ContextIpType, f["IpType"]),
        uuid(f["ContextType"]), int(f["NwError"])),
    ("setp", 1): lambda f: M.proxy_control_configuration_set_new(f["DevicePath"],
                                                                 int(f["Timeout"])),
}


def message_bytes(m):
    found = re.search(r"MbimMessage at (0x[0-9a-fA-F]+)", repr(m))
    arr = ctypes.cast(int(found.group(1), 16), ctypes.POINTER(GByteArray)).contents
    return bytes(arr.data[:arr.len])


def rebuild(frame, kind, service, cid, printed):
    """None if libmbim builds the same bytes from the printed fields (or has no builder)."""
    key = ("setp" if service == "proxy-control" else kind, cid)
    if key not in REBUILD or (service not in ("basic-connect", "proxy-control")):
        return None
    fields = {name: values[0] for name, values in printed.items()}
    try:
        m = REBUILD[key](fields)
    except (KeyError, ValueError, TypeError, GLib.Error) as e:
        return "libmbim cannot build it again: %s" % e
    m.set_transaction_id(struct.unpack_from("<I", frame, 8)[0])
    ours = message_bytes(m)
    if ours != frame:
        return "libmbim builds %s" % ours.hex()
    return None


def check(frame, expect, want):
    """(label, reason or None, printable or None)"""
    if len(frame) < 12:
        return "?", "shorter than a header", None
    mtype, mlen = struct.unpack_from("<II", frame)
    if mlen != len(frame):
        return "?", "MessageLength %d, %d bytes given" % (mlen, len(frame)), None
    m = gi_message(frame)
    try:
        m.validate()
    except GLib.Error as e:
        return "?", "libmbim validate: " + e.message, None
    text = m.get_printable_full(1, 0, "", False)
    svc = re.search(r"service\s+= '([^']*)'", text)
    cid = re.search(r"cid\s+= '([^']*)' \((0x[0-9a-f]+)\)", text)
    label = "%s %s" % (svc.group(1) if svc else "?", cid.group(1) if cid else "?")
    if expect:
        kind, service, cid_num = expect
        ctype = struct.unpack_from("<I", frame, 40)[0] if mtype == 3 and len(frame) >= 44 else None
        want_type, want_ctype = TYPES[kind]
        if mtype != want_type or (want_ctype is not None and ctype != want_ctype):
            return label, "type 0x%08x/%s, expected %s" % (mtype, ctype, kind), text
        if not svc or svc.group(1) != service:
            return label, "service %s, expected %s" % (svc and svc.group(1), service), text
        if not cid or int(cid.group(2), 16) != cid_num:
            return label, "cid %s, expected %d" % (cid and cid.group(2), cid_num), text
    if not svc or not cid or re.match(r"0x", cid.group(1)) or "unknown" in cid.group(1):
        return label, "service or CID unknown to libmbim", text
    for bad in ("n/a", "ERROR"):
        if bad in text:
            line = next(l for l in text.splitlines() if bad in l)
            return label, "libmbim: " + line.strip(), text
    fields = printable_fields(text)
    for name, value in want:
        if value not in fields.get(name, []):
            return label, "%s = %s, expected '%s'" % (name, fields.get(name), value), text
    if expect and mtype == 3:
        why = rebuild(frame, expect[0], svc.group(1), int(cid.group(2), 16), fields)
        if why:
            return label, why, text
    if mtype in (0x80000003, 0x80000007) and svc.group(1) == "basic-connect":
        status = struct.unpack_from("<I", frame, 40)[0] if mtype == 0x80000003 else 0
        why = typed_parse(m, mtype, int(cid.group(2), 16)) if status == 0 else None
        if why:
            return label, why, text
    return label, None, text


def parse_line(line):
    """(negative, (kind, service, cid) or None, frame bytes, [(field, value)])"""
    negative = line.startswith("!")
    words = line.lstrip("!").split("\t")
    if len(words) == 1:
        return negative, None, bytes.fromhex(words[0].replace(" ", "")), []
    if len(words) < 4 or words[0] not in TYPES:
        raise ValueError("expected KIND<TAB>SERVICE<TAB>CID<TAB>HEX[<TAB>Field=value...]")
    want = []
    for w in words[4:]:
        if "=" not in w:
            raise ValueError("field %r is not Name=value" % w)
        want.append(tuple(w.split("=", 1)))
    return negative, (words[0], words[1], int(words[2], 0)), bytes.fromhex(words[3]), want


def main(argv):
    args = argv[1:]
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    if any(a.startswith("-") and a != "-" for a in args):
        sys.stderr.write(__doc__)
        return 2
    streams = [open(a) if a != "-" else sys.stdin for a in args] or [sys.stdin]
    frames = failures = 0
    for stream in streams:
        for lineno, line in enumerate(stream, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            frames += 1
            try:
                negative, expect, frame, want = parse_line(line)
                label, why, text = check(frame, expect, want)
            except (ValueError, RuntimeError) as e:
                print("FAIL %s:%d: %s" % (stream.name, lineno, e))
                failures += 1
                continue
            ok = (why is not None) == negative
            note = ("negative control: " + (why or "accepted")) if negative else why
            print("%s %s%s" % ("OK  " if ok else "FAIL", label, ": " + note if note else ""))
            if (verbose or not ok) and text:
                print(text)
            failures += not ok
    print("%d messages, %d failed" % (frames, failures))
    return 1 if failures or not frames else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
