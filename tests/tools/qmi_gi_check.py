#!/usr/bin/python3
"""qmi_gi_check.py - decode QMUX frames with libqmi (Python GI): an independent check of the frames
wwanbox's QMI encoders build, since a simulator built on our codec would share our bugs.

usage: qmi_gi_check.py [-v] [FILE...]        (standard input if no FILE)

One frame per line:   [SERVICE MSGID [KIND]] HEX
  SERVICE  libqmi service nick (ctl, wds, nas, dms, uim, wda, ...) or a number (0x01)
  MSGID    message id, a number (0x0020)
  KIND     req | rsp | ind
  HEX      the whole frame from the 0x01 marker (without SERVICE..., spaces are allowed)
  '#' starts a comment; blank lines are ignored. A line starting with '!' is a negative control:
  it must FAIL the checks below.

Checks per frame:
  1. libqmi's own framing validation, qmi_message_new_from_raw() called through ctypes; the frame
     must be consumed whole.
  2. Through GI: service, message id and kind as expected; the message is known to libqmi; every
     TLV is known to libqmi (its printable shows no bare "type = 0x.."); the printable has no
     "ERROR" and no "Additional unexpected" bytes (libqmi's per-field reader ran over or under).
Exit status: 0 all frames as expected, 1 otherwise, 2 usage error or libqmi/GI missing.

Runs under Debian's /usr/bin/python3 (python3-gi, gir1.2-qmi-1.0; tested with libqmi 1.32.2).
GI workaround (notes/vectors.md 5a): qmi_message_new_from_raw() is annotated (inout) and cannot be
called through GI, so a boxed QmiMessage is made with Qmi.message_new() and its GByteArray refilled
with the frame through ctypes; after that every GI call works.
"""
import ctypes
import re
import sys

try:
    import gi
    gi.require_version("Qmi", "1.0")
    from gi.repository import Qmi
except (ImportError, ValueError) as e:
    sys.stderr.write("qmi_gi_check: libqmi GI bindings missing (python3-gi, gir1.2-qmi-1.0): %s\n" % e)
    sys.exit(2)


class GByteArray(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("len", ctypes.c_uint)]


class GError(ctypes.Structure):
    _fields_ = [("domain", ctypes.c_uint32), ("code", ctypes.c_int), ("message", ctypes.c_char_p)]


glib = ctypes.CDLL("libglib-2.0.so.0")
libqmi = ctypes.CDLL("libqmi-glib.so.5")
glib.g_byte_array_new.restype = ctypes.c_void_p
glib.g_byte_array_append.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint]
glib.g_byte_array_append.restype = ctypes.c_void_p
glib.g_byte_array_set_size.argtypes = [ctypes.c_void_p, ctypes.c_uint]
glib.g_byte_array_set_size.restype = ctypes.c_void_p
glib.g_byte_array_unref.argtypes = [ctypes.c_void_p]
glib.g_error_free.argtypes = [ctypes.POINTER(GError)]
libqmi.qmi_message_new_from_raw.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.POINTER(GError))]
libqmi.qmi_message_new_from_raw.restype = ctypes.c_void_p
libqmi.qmi_message_unref.argtypes = [ctypes.c_void_p]

KINDS = ("req", "rsp", "ind")


def libqmi_framing(frame):
    """None if libqmi accepts the frame and consumes it whole, else the reason."""
    raw = glib.g_byte_array_new()
    glib.g_byte_array_append(raw, frame, len(frame))
    err = ctypes.POINTER(GError)()
    msg = libqmi.qmi_message_new_from_raw(raw, ctypes.byref(err))
    left = ctypes.cast(raw, ctypes.POINTER(GByteArray)).contents.len
    glib.g_byte_array_unref(raw)
    if msg:
        libqmi.qmi_message_unref(msg)
    if err:
        why = err.contents.message.decode(errors="replace")
        glib.g_error_free(err)
        return "libqmi rejects the frame: " + why
    if not msg:
        return "libqmi: incomplete frame"
    if left:
        return "libqmi left %d bytes after the frame" % left
    return None


def gi_message(frame):
    """A boxed QmiMessage (GLib.ByteArray) holding frame."""
    m = Qmi.message_new(Qmi.Service.CTL, 0, 0, 0)
    found = re.search(r"GByteArray at (0x[0-9a-fA-F]+)", repr(m))
    if not found:
        raise RuntimeError("cannot find the GByteArray behind %r" % m)
    addr = int(found.group(1), 16)
    glib.g_byte_array_set_size(addr, 0)
    glib.g_byte_array_append(addr, frame, len(frame))
    if Qmi.message_get_length(m) != len(frame):
        raise RuntimeError("refilling the QmiMessage failed")
    return m


def service_number(text):
    try:
        return int(text, 0)
    except ValueError:
        pass
    for v in Qmi.Service.__enum_values__.values():
        if v.value_nick == text.lower():
            return int(v)
    raise ValueError("unknown service %r" % text)


def kind_of(m):
    if Qmi.message_is_indication(m):
        return "ind"
    return "rsp" if Qmi.message_is_response(m) else "req"


def check(frame, expect):
    """(label, reason or None, libqmi's printable or None)"""
    why = libqmi_framing(frame)
    if why:
        return "?", why, None
    m = gi_message(frame)
    svc = int(Qmi.message_get_service(m))
    msg_id = Qmi.message_get_message_id(m)
    kind = kind_of(m)
    text = Qmi.message_get_printable_full(m, Qmi.MessageContext.new(), "")
    name = re.search(r'message\s+= "([^"]+)"', text)
    label = "%s 0x%04x %s %s" % (Qmi.service_get_string(svc) or svc, msg_id, kind,
                                 name.group(1) if name else "?")
    if expect:
        if expect[0] != svc:
            return label, "service 0x%02x, expected 0x%02x" % (svc, expect[0]), text
        if expect[1] != msg_id:
            return label, "message id 0x%04x, expected 0x%04x" % (msg_id, expect[1]), text
        if expect[2] is not None and expect[2] != kind:
            return label, "kind %s, expected %s" % (kind, expect[2]), text
    if not name:
        return label, "message unknown to libqmi", text
    unknown = re.findall(r"^\s*type\s+= (0x[0-9a-fA-F]+)\s*$", text, re.M)
    if unknown:
        return label, "TLV %s unknown to libqmi" % ", ".join(unknown), text
    for bad in ("ERROR", "Additional unexpected"):
        if bad in text:
            line = next(l for l in text.splitlines() if bad in l)
            return label, "libqmi: " + line.strip(), text
    return label, None, text


def parse_line(line):
    """(negative, (service, msg id, kind or None) or None, frame bytes)"""
    negative = line.startswith("!")
    words = line.lstrip("!").split()
    if re.fullmatch(r"[0-9a-fA-F]+", words[0]):
        return negative, None, bytes.fromhex("".join(words))
    if len(words) not in (3, 4):
        raise ValueError("expected [SERVICE MSGID [KIND]] HEX")
    kind = words[2] if len(words) == 4 else None
    if kind is not None and kind not in KINDS:
        raise ValueError("kind must be req, rsp or ind")
    return negative, (service_number(words[0]), int(words[1], 0), kind), bytes.fromhex(words[-1])


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
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            frames += 1
            try:
                negative, expect, frame = parse_line(line)
                label, why, text = check(frame, expect)
            except ValueError as e:
                print("FAIL %s:%d: %s" % (stream.name, lineno, e))
                failures += 1
                continue
            ok = (why is not None) == negative
            note = ("negative control: " + (why or "accepted")) if negative else why
            print("%s %s%s" % ("OK  " if ok else "FAIL", label, ": " + note if note else ""))
            if verbose and text:
                print(text)
            failures += not ok
    print("%d frames, %d failed" % (frames, failures))
    return 1 if failures or not frames else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
