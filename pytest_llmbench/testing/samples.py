"""Tiny valid media files written in pure Python, for example suites and tests (no downloads, no Pillow).

Each function returns the bytes of one small file: PNG (any pixels), baseline JPEG, GIF and lossless WebP (one
solid colour each, which is all a colour question needs) and PDF (pages of plain text in Helvetica). They
are deliberately minimal encoders: enough for real decoders to accept, nothing an image library would add.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence

RGB = tuple[int, int, int]


# --- PNG --------------------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(width: int, height: int, pixel: RGB | Callable[[int, int], RGB]) -> bytes:
    """An 8-bit RGB PNG; ``pixel`` is one colour or a function ``(x, y) -> (r, g, b)``."""
    at = pixel if callable(pixel) else (lambda x, y: pixel)
    rows = b"".join(b"\x00" + b"".join(bytes(at(x, y)) for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows, 9))
        + _png_chunk(b"IEND", b"")
    )


# --- JPEG (baseline, DC-only blocks: a flat colour is exactly representable) --------------------------------

# The standard luminance DC table of ITU T.81 Annex K.3: code lengths 1-16, then the categories 0-11.
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))


def _huffman_codes(bits: Sequence[int], values: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes (T.81 Annex C): symbol -> (code, length)."""
    codes: dict[int, tuple[int, int]] = {}
    code, k = 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, value: int, length: int) -> None:
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0x00)  # byte stuffing: 0xFF in entropy data is followed by 0x00
                self.acc, self.n = 0, 0

    def flush(self) -> bytes:
        while self.n:
            self.write(1, 1)  # pad the last byte with 1-bits
        return bytes(self.out)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg_bytes(width: int, height: int, colour: RGB) -> bytes:
    """A baseline JFIF JPEG of one colour; ``width`` and ``height`` are rounded up to whole 8x8 blocks."""
    r, g, b = colour
    ycc = (
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    )
    # With a quantisation table of ones, a flat block's DC coefficient is 8 x (sample - 128).
    dcs = [round(8 * (max(0.0, min(255.0, c)) - 128)) for c in ycc]
    dc_codes = _huffman_codes(_DC_BITS, _DC_VALUES)
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    bits = _BitWriter()
    previous = [0, 0, 0]
    for _ in range(blocks):
        for comp in range(3):
            diff = dcs[comp] - previous[comp]
            previous[comp] = dcs[comp]
            category = abs(diff).bit_length()
            bits.write(*dc_codes[category])
            if category:
                bits.write(diff if diff > 0 else diff + (1 << category) - 1, category)
            bits.write(0, 1)  # the AC table's one code, "0", is end-of-block: all AC coefficients zero
    sof = struct.pack(">BHHB", 8, height, width, 3) + b"".join(bytes((i, 0x11, 0)) for i in (1, 2, 3))
    dht = bytes((0x00, *_DC_BITS, *_DC_VALUES)) + bytes((0x10, 1, *([0] * 15), 0x00))
    sos = bytes((3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0))
    return (
        b"\xff\xd8"
        + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _segment(0xDB, b"\x00" + b"\x01" * 64)
        + _segment(0xC0, sof)
        + _segment(0xC4, dht)
        + _segment(0xDA, sos)
        + bits.flush()
        + b"\xff\xd9"
    )


# --- GIF ----------------------------------------------------------------------------------------------------


def gif_bytes(width: int, height: int, colour: RGB) -> bytes:
    """A GIF89a of one colour.

    The LZW stream sends a clear code every two pixels, so the code table never grows past 3-bit codes:
    valid for every decoder, no compressor needed.
    """
    clear, end, size = 4, 5, 3
    codes: list[int] = []
    for i in range(width * height):
        if i % 2 == 0:
            codes.append(clear)
        codes.append(0)
    codes.append(end)
    acc, n, data = 0, 0, bytearray()
    for code in codes:  # GIF packs codes least significant bit first
        acc |= code << n
        n += size
        while n >= 8:
            data.append(acc & 0xFF)
            acc >>= 8
            n -= 8
    if n:
        data.append(acc & 0xFF)
    blocks = b"".join(bytes((len(data[i : i + 255]),)) + data[i : i + 255] for i in range(0, len(data), 255))
    palette = bytes(colour) + b"\x00\x00\x00" * 3  # four entries: a 2-bit global colour table
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", width, height, 0x81, 0, 0)
        + palette
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, width, height, 0)
        + b"\x02"
        + blocks
        + b"\x00\x3b"
    )


# --- WebP (lossless VP8L) --------------------------------------------------------------------------------


def webp_bytes(width: int, height: int, colour: RGB) -> bytes:
    """A lossless WebP of one opaque colour.

    Each of the five prefix codes is a "simple code" with a single symbol, which has length zero: every
    pixel decodes from no bits at all, so the image data is just the headers.
    """
    fields: list[tuple[int, int]] = [(0x2F, 8), (width - 1, 14), (height - 1, 14), (0, 1), (0, 3)]
    fields += [(0, 1), (0, 1), (0, 1)]  # no transform, no colour cache, no meta prefix codes
    r, g, b = colour
    for symbol in (g, r, b, 255):  # green, red, blue, alpha: one 8-bit symbol each
        fields += [(1, 1), (0, 1), (1, 1), (symbol, 8)]
    fields += [(1, 1), (0, 1), (0, 1), (0, 1)]  # distance: one 1-bit symbol (never used)
    acc, n = 0, 0
    for value, length in fields:  # VP8L packs fields least significant bit first
        acc |= value << n
        n += length
    data = acc.to_bytes((n + 7) // 8, "little")
    chunk = b"VP8L" + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


# --- PDF ----------------------------------------------------------------------------------------------------


def _pdf_text(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(pages: Sequence[str]) -> bytes:
    """A PDF with one page per string, each line of text set in Helvetica (ASCII text only)."""
    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree (filled in below)
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids: list[int] = []
    for text in pages:
        lines = "".join(f"({_pdf_text(line)}) Tj T*\n" for line in text.splitlines())
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td\n{lines}ET".encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content, font)
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
