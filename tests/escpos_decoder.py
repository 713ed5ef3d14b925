"""A small ESC/POS reader for tests: what a printer would put on paper, from the bytes alone.

Written from the ESC/POS command reference, not from python-escpos, so the bytes the kiosk
sends are checked against what a printer makes of them: text through the code page the last
`ESC t n` selected (page 0, CP437, after power-on and after `ESC @`), raster images (`GS v 0`)
as Pillow images, the printer's own QR commands (`GS ( k`) with their data and error
correction, cuts (`GS V`). A command it does not know raises, so nothing slips by unread.

    paper = Paper(CODE_PAGES["TM-T20II"])
    paper.feed(data)          # the printer keeps its state (code page) between feeds
    paper.power_cycle()       # ... unless it is switched off and on
    paper.lines, paper.items
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

# ESC t n -> Python codec, per printer model (Epson's table; the POS-5890 numbers its own pages)
CODE_PAGES = {
    "TM-T20II": {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 13: "cp857",
                 14: "cp737", 15: "iso8859_7", 16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858",
                 32: "cp720", 33: "cp775", 34: "cp855", 35: "cp861", 36: "cp862", 37: "cp864",
                 38: "cp869", 39: "iso8859_2", 40: "iso8859_15", 44: "cp1125", 45: "cp1250",
                 46: "cp1251", 47: "cp1253", 48: "cp1254", 49: "cp1255", 50: "cp1256",
                 51: "cp1257", 52: "cp1258"},
    "POS-5890": {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252",
                 17: "cp866", 18: "cp852", 19: "cp858", 25: "cp1257", 27: "cp1258", 28: "cp864",
                 32: "cp1255", 50: "cp437", 52: "cp437", 53: "cp858", 54: "cp852", 55: "cp860",
                 56: "cp861", 57: "cp863", 58: "cp865", 59: "cp866", 60: "cp855", 61: "cp857",
                 62: "cp862", 63: "cp864", 64: "cp737", 66: "cp869", 71: "cp1252", 72: "cp1250",
                 73: "cp1251", 90: "cp1253", 91: "cp1254", 92: "cp1256", 93: "cp720", 94: "cp1258",
                 95: "cp775"},
}
EC_LEVELS = {48: "L", 49: "M", 50: "Q", 51: "H"}
ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
ONE_ARGUMENT = {  # ESC x n and GS x n commands that only set a mode: (prefix, letter)
    (0x1B, ord("!")), (0x1B, ord("E")), (0x1B, ord("-")), (0x1B, ord("a")), (0x1B, ord("M")),
    (0x1B, ord("G")), (0x1B, ord("{")), (0x1B, ord("V")), (0x1B, ord("3")), (0x1B, ord("J")),
    (0x1D, ord("!")), (0x1D, ord("B")), (0x1D, ord("b")), (0x1D, ord("H")), (0x1D, ord("f")),
    (0x1D, ord("h")), (0x1D, ord("w")),
}


@dataclass
class Line:
    text: str
    size: tuple[int, int] = (1, 1)   # (width, height) magnification
    bold: bool = False
    align: str = "left"              # ESC a: left, center, right


@dataclass
class QRCode:
    data: str
    ec: str
    module: int = field(default=3, compare=False)        # GS ( k 167: dots per module (3 after ESC @)
    align: str = field(default="left", compare=False)


@dataclass
class Paper:
    pages: dict[int, str]
    items: list = field(default_factory=list)   # Line | Image.Image | QRCode | "cut"
    page: int = 0
    size: tuple[int, int] = (1, 1)
    bold: bool = False
    align: str = "left"
    _line: bytearray = field(default_factory=bytearray)
    _text: list[str] = field(default_factory=list)
    _qr: dict = field(default_factory=dict)

    @property
    def lines(self) -> list[str]:
        return [item.text for item in self.items if isinstance(item, Line)]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def power_cycle(self) -> None:
        """Switched off and on: whatever was not printed is lost, the settings are the defaults."""
        self._line.clear()
        self._text.clear()
        self._reset()

    def _reset(self) -> None:
        self.page, self.size, self.bold, self.align, self._qr = 0, (1, 1), False, "left", {}

    def feed(self, data: bytes) -> None:
        i = 0
        while i < len(data):
            i = self._step(data, i)

    def _step(self, data: bytes, i: int) -> int:
        byte = data[i]
        if byte == 0x0A:
            self._end_line()
            return i + 1
        if byte in (0x1B, 0x1D, 0x10):
            return self._command(data, i)
        if byte < 0x20 and byte not in (0x09,):
            raise ValueError(f"unexpected control byte {byte:#04x} at {i}")
        self._collect(bytes([byte]))
        return i + 1

    def _collect(self, raw: bytes) -> None:
        if self.pages.get(self.page) is None:
            raise ValueError(f"code page {self.page} is not one this printer has")
        self._text.append(raw.decode(self.pages[self.page]))

    def _end_line(self) -> None:
        self.items.append(Line("".join(self._text), self.size, self.bold, self.align))
        self._text.clear()

    def _command(self, data: bytes, i: int) -> int:
        prefix, letter = data[i], data[i + 1]
        if (prefix, letter) in ONE_ARGUMENT:
            self._mode(prefix, letter, data[i + 2])
            return i + 3
        if prefix == 0x1B and letter == ord("@"):
            self._flush_partial()
            self._reset()
            return i + 2
        if prefix == 0x1B and letter == ord("t"):
            self.page = data[i + 2]
            return i + 3
        if prefix == 0x1B and letter == ord("d"):
            self._flush_partial()
            self.items.extend(Line("") for _ in range(data[i + 2]))
            return i + 3
        if prefix == 0x1B and letter == ord("2"):
            return i + 2
        if prefix == 0x1D and letter == ord("V"):
            self.items.append("cut")
            return i + (4 if data[i + 2] in (65, 66, 97, 98) else 3)
        if prefix == 0x1D and letter == ord("v"):
            return self._raster(data, i)
        if prefix == 0x1D and letter == ord("(") and data[i + 2] == ord("k"):
            return self._qr_command(data, i)
        if prefix == 0x10 and letter == 0x04:
            return i + 3   # DLE EOT n: a status request, nothing printed
        raise ValueError(f"unknown command {data[i:i + 3]!r} at {i}")

    def _mode(self, prefix: int, letter: int, n: int) -> None:
        if (prefix, letter) == (0x1B, ord("!")):
            self.size = (2 if n & 0x20 else 1, 2 if n & 0x10 else 1)
            self.bold = bool(n & 0x08)
        elif (prefix, letter) == (0x1B, ord("E")):
            self.bold = bool(n & 1)
        elif (prefix, letter) == (0x1B, ord("a")):
            self.align = ALIGN[n]
        elif (prefix, letter) == (0x1D, ord("!")):
            self.size = ((n >> 4) + 1, (n & 0x0F) + 1)

    def _flush_partial(self) -> None:
        if self._text:
            self._end_line()

    def _raster(self, data: bytes, i: int) -> int:
        assert data[i + 2] == ord("0"), "GS v 0 expected"
        row_bytes = data[i + 4] + 256 * data[i + 5]
        rows = data[i + 6] + 256 * data[i + 7]
        start, end = i + 8, i + 8 + row_bytes * rows
        bits = bytes(b ^ 0xFF for b in data[start:end])   # ESC/POS: 1 is ink, Pillow "1": 0 is black
        self._flush_partial()
        image = Image.frombytes("1", (row_bytes * 8, rows), bits)
        image.info["align"] = self.align
        self.items.append(image)
        return end

    def _qr_command(self, data: bytes, i: int) -> int:
        length = data[i + 3] + 256 * data[i + 4]
        body = data[i + 5:i + 5 + length]
        cn, fn = body[0], body[1]
        assert cn == 49, f"GS ( k for symbol {cn} is not a QR code"
        if fn == 67:
            self._qr["module"] = body[2]
        elif fn == 69:
            self._qr["ec"] = EC_LEVELS[body[2]]
        elif fn == 80:
            self._qr["data"] = body[3:].decode("ascii")
        elif fn == 81:
            self._flush_partial()
            self.items.append(QRCode(self._qr["data"], self._qr.get("ec", "L"), self._qr.get("module", 3), self.align))
        return i + 5 + length
