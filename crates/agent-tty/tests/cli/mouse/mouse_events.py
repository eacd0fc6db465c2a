"""Prints every mouse event it receives, one line each, to the screen's counter and to a log.

Usage: mouse_events.py MODE ENCODING READER LOG
  MODE      the tracking mode it enables: 9, 1000, 1002, 1003, or off (none)
  ENCODING  default, sgr (1006), utf8 (1005) or urxvt (1015)
  READER    curses: ncurses decodes the reports (curses.getmouse());
            raw: the bytes are decoded here (for the encodings ncurses does not read)
Each event is logged as `row=R col=C <what> [<modifiers>]` (0-based), where <what> is
the ncurses names (curses) or press-B, release(-B), motion(-B), wheel-up/down (raw).
`q` quits.
"""
import curses, os, re, sys, tty

mode, encoding, reader, log = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ENABLE = {"default": "", "sgr": "\x1b[?1006h", "utf8": "\x1b[?1005h", "urxvt": "\x1b[?1015h"}
count = 0

def record(line):
    global count
    count += 1
    with open(log, "a") as f:
        f.write(line + "\n")

def modes():
    off = "".join(f"\x1b[?{m}l" for m in (9, 1000, 1002, 1003, 1005, 1006, 1015))
    on = "" if mode == "off" else f"\x1b[?{mode}h" + ENABLE[encoding]
    sys.stdout.write(off + on)
    sys.stdout.flush()

NAMES = [(n, getattr(curses, n)) for n in dir(curses)
         if re.fullmatch(r"BUTTON\d_(PRESSED|RELEASED|CLICKED|DOUBLE_CLICKED)|BUTTON_(SHIFT|CTRL|ALT)|REPORT_MOUSE_POSITION", n)]

def with_curses(screen):
    curses.mousemask(curses.ALL_MOUSE_EVENTS | curses.REPORT_MOUSE_POSITION)
    modes()
    screen.addstr(0, 0, f"READY {mode} {encoding} curses")
    screen.refresh()
    while True:
        key = screen.getch()
        if key == ord("q"):
            return
        if key != curses.KEY_MOUSE:
            continue
        _, x, y, _, state = curses.getmouse()
        names = "|".join(sorted(n for n, bit in NAMES if state & bit))
        record(f"row={y} col={x} {names}")
        screen.addstr(1, 0, f"EVENTS {count}   ")
        screen.refresh()

PATTERNS = {
    "sgr": re.compile(rb"\x1b\[<(\d+);(\d+);(\d+)([Mm])"),
    "urxvt": re.compile(rb"\x1b\[(\d+);(\d+);(\d+)M"),
    "default": re.compile(rb"\x1b\[M([\x00-\xff])([\x00-\xff])([\x00-\xff])", re.S),
}

def decode(buf):
    """Events at the start of buf, and what is left."""
    out = []
    while buf:
        if encoding == "utf8":
            if not buf.startswith(b"\x1b[M"):
                return out, b""
            try:
                text = buf[3:].decode("utf-8")[:3]
            except UnicodeDecodeError as e:
                text = buf[3:3 + e.start].decode("utf-8")[:3]
            if len(text) < 3:
                return out, buf
            b, x, y = (ord(c) - 32 for c in text)
            out.append((b, x, y, "M"))
            buf = buf[3 + len(text.encode("utf-8")):]
            continue
        m = PATTERNS[encoding].match(buf)
        if not m:
            return out, (buf if len(buf) < 6 else b"")
        if encoding == "default":
            b, x, y = (g[0] - 32 for g in m.group(1, 2, 3))
            out.append((b, x, y, "M"))
        elif encoding == "urxvt":
            out.append((int(m.group(1)) - 32, int(m.group(2)), int(m.group(3)), "M"))
        else:
            out.append((int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4).decode()))
        buf = buf[m.end():]
    return out, buf

def describe(b, x, y, final):
    mods = [n for n, bit in (("shift", 4), ("alt", 8), ("ctrl", 16)) if b & bit]
    low = b & ~(4 | 8 | 16)
    if low >= 64:
        what = "wheel-up" if low == 64 else "wheel-down"
    elif low & 32:
        what = "motion" + ("" if low & 3 == 3 else f"-{low & 3}")
    elif low == 3:
        what = "release"
    elif final == "m":
        what = f"release-{low}"
    else:
        what = f"press-{low}"
    return f"row={y - 1} col={x - 1} {what}" + (" " + "+".join(mods) if mods else "")

def raw():
    tty.setraw(0)
    modes()
    sys.stdout.write(f"READY {mode} {encoding} raw\r\n")
    sys.stdout.flush()
    buf = b""
    while True:
        data = os.read(0, 4096)
        if not data or data == b"q":
            return
        events, buf = decode(buf + data)
        for event in events:
            record(describe(*event))
        sys.stdout.write(f"\rEVENTS {count}   ")
        sys.stdout.flush()

if reader == "curses":
    curses.wrapper(with_curses)
else:
    raw()
