"""Headless Chromium for the report tests, and a PNG reader (zlib + struct) to tell a blank screenshot.

Chromium is found as ``chromium`` (Debian), ``chromium-browser`` or ``google-chrome``. Under ``CI=true`` a
missing browser fails the test instead of skipping it, so CI cannot pass without having looked.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=5000",
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "headless Chromium not found (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + "; CI must run the browser test")
    pytest.skip(message)


@dataclass
class Page:
    dom: str
    console: list[str]
    screenshot: Path


def open_page(html: Path, workdir: Path, size: tuple[int, int] = (1280, 2000), *, name: str = "shot") -> Page:
    """Load ``html`` from disk, let its scripts run, and return the DOM, console lines and a screenshot."""
    return open_url(html.resolve().as_uri(), workdir, size, name=name)


def open_url(url: str, workdir: Path, size: tuple[int, int] = (1280, 2000), *, name: str = "shot") -> Page:
    """Load ``url`` (a file or the local viewer) in a fresh profile; the screenshot is ``workdir/<name>.png``."""
    shot = workdir / f"{name}.png"
    command = [
        chromium(),
        *FLAGS,
        f"--user-data-dir={workdir / ('profile-' + name)}",
        "--dump-dom",
        f"--screenshot={shot}",
        f"--window-size={size[0]},{size[1]}",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    console = [line for line in done.stderr.splitlines() if re.search(r":CONSOLE(\(\d+\))?:", line)]
    assert shot.exists(), f"Chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    return Page(done.stdout, console, shot)


def read_png(path: Path) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, raw unfiltered rows) of an 8-bit RGB or RGBA PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, bytearray(), b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6), f"unexpected PNG format {depth}/{colour_type}"
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(bytes(idat))
    stride = width * bpp
    out = bytearray()
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        out += line
        previous = line
    return width, height, bpp, bytes(out)


def grey_variance(path: Path) -> tuple[float, int]:
    """Variance of pixel brightness and the number of distinct colours (sampled), of a PNG."""
    width, height, bpp, pixels = read_png(path)
    values, colours = [], set()
    for y in range(0, height, 4):
        row = y * width * bpp
        for x in range(0, width, 4):
            i = row + x * bpp
            r, g, b = pixels[i], pixels[i + 1], pixels[i + 2]
            values.append((r * 299 + g * 587 + b * 114) / 1000)
            colours.add((r, g, b))
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values), len(colours)
