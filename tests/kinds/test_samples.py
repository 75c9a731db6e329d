"""The tiny media encoders: real structure checked by decoding what a decoder would decode."""

from __future__ import annotations

import io
import struct
import zlib

import pypdf

from pytest_llmbench._run.media import sniff
from pytest_llmbench.testing.samples import gif_bytes, jpeg_bytes, pdf_bytes, png_bytes, webp_bytes


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def test_png_pixels_round_trip() -> None:
    data = png_bytes(3, 2, lambda x, y: (x * 10, y * 20, 7))
    chunks = _png_chunks(data)
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">IIBBBBB", chunks[0][1]) == (3, 2, 8, 2, 0, 0, 0)
    rows = zlib.decompress(chunks[1][1])
    assert rows == b"\x00" + bytes([0, 0, 7, 10, 0, 7, 20, 0, 7]) + b"\x00" + bytes([0, 20, 7, 10, 20, 7, 20, 20, 7])


def test_jpeg_has_the_baseline_segments_and_a_dc_only_scan() -> None:
    data = jpeg_bytes(16, 8, (0, 0, 255))
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    markers, pos = [], 2
    while data[pos] == 0xFF and data[pos + 1] != 0xDA:
        markers.append(data[pos + 1])
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length
    assert markers == [0xE0, 0xDB, 0xC0, 0xC4]
    sof = data.index(b"\xff\xc0")
    assert struct.unpack(">BHHB", data[sof + 4 : sof + 10]) == (8, 8, 16, 3)


def test_gif_lzw_stream_decodes_to_one_colour() -> None:
    data = gif_bytes(5, 3, (1, 2, 3))
    assert data[:6] == b"GIF89a" and data[-1:] == b"\x3b"
    width, height, flags = struct.unpack("<HHB", data[6:11])
    assert (width, height, flags) == (5, 3, 0x81) and data[13:16] == b"\x01\x02\x03"
    # Decode the LZW codes (3 bits, LSB first) the way a decoder reads them.
    start = 13 + 12 + 10 + 1
    size = data[start]
    payload = data[start + 1 : start + 1 + size]
    bits = int.from_bytes(payload, "little")
    codes = [(bits >> (3 * i)) & 7 for i in range(len(payload) * 8 // 3)]
    codes = codes[: codes.index(5) + 1]
    assert codes.count(0) == 15 and codes[-1] == 5 and set(codes) == {0, 4, 5}


def test_webp_is_a_riff_vp8l_file_with_the_size_in_its_header() -> None:
    data = webp_bytes(7, 5, (255, 255, 0))
    assert data[:4] == b"RIFF" and data[8:16] == b"WEBPVP8L"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    header = int.from_bytes(data[21:25], "little")
    assert data[20] == 0x2F and (header & 0x3FFF) + 1 == 7 and ((header >> 14) & 0x3FFF) + 1 == 5


def test_pdf_pages_and_text_are_read_back_by_pypdf() -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(["Hello (world) \\ back", "Second page"])))
    assert len(reader.pages) == 2
    assert reader.pages[0].extract_text().strip() == "Hello (world) \\ back"
    assert reader.pages[1].extract_text().strip() == "Second page"


def test_every_sample_is_recognised_by_its_bytes() -> None:
    assert sniff(png_bytes(1, 1, (0, 0, 0))) == "image/png"
    assert sniff(jpeg_bytes(8, 8, (0, 0, 0))) == "image/jpeg"
    assert sniff(gif_bytes(1, 1, (0, 0, 0))) == "image/gif"
    assert sniff(webp_bytes(1, 1, (0, 0, 0))) == "image/webp"
    assert sniff(pdf_bytes(["x"])) == "application/pdf"
    assert sniff(b"BM\x00\x00 a bitmap") is None
