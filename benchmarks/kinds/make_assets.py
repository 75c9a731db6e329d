"""Write the binary files the kinds suites attach (images and PDFs), from code: nothing is downloaded.

    python benchmarks/kinds/make_assets.py           # (re)write them next to this file
    python benchmarks/kinds/make_assets.py --check   # exit 1 when a committed file differs from the code

The files are tiny (a few KB in all) and committed, so ``pytest benchmarks`` needs no step before it runs;
``tests/kinds/test_example_suites.py`` checks that they are still what this script writes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from pytest_llmbench.testing.samples import gif_bytes, jpeg_bytes, pdf_bytes, png_bytes, webp_bytes

HERE = Path(__file__).resolve().parent

RED, BLUE, GREEN, YELLOW, ORANGE, WHITE = (
    (220, 20, 30),
    (0, 60, 200),
    (0, 150, 60),
    (250, 220, 0),
    (255, 140, 0),
    (255, 255, 255),
)


def _tricolour(x: int, y: int) -> tuple[int, int, int]:
    """The flag of France: three vertical bands, blue, white, red."""
    return (0, 35, 149) if x < 10 else (WHITE if x < 20 else (237, 41, 57))


MEMO = """MEMORANDUM
To: All staff
From: Office of the Director
Subject: New project

The new project starts next quarter. Its code name is PELICAN.
The launch is planned for 14 March 2025, and the budget is 42,000 euros.
Please keep the code name confidential until the launch."""

REPORT_PAGES = [
    "ANNUAL LOGISTICS REPORT\n\nThis report reviews the year in our supply chain.\nSection 1 covers shipping volumes.",
    "SHIPPING VOLUMES\n\nWe shipped 18,400 pallets this year, up from 15,100.\nMost shipments left in the autumn.",
    "FACILITIES\n\nOur new warehouse is located in Rotterdam.\nIt opened in June and employs 85 people.",
]

ASSETS: dict[str, Callable[[], bytes]] = {
    "images/red.png": lambda: png_bytes(16, 16, RED),
    "images/blue.jpg": lambda: jpeg_bytes(16, 16, BLUE),
    "images/green.gif": lambda: gif_bytes(16, 16, GREEN),
    "images/yellow.webp": lambda: webp_bytes(16, 16, YELLOW),
    "images/flag.png": lambda: png_bytes(30, 20, _tricolour),
    # A PNG saved under a .jpg name: the type is read from the bytes, so it is sent as image/png.
    "images/mislabelled.jpg": lambda: png_bytes(16, 16, ORANGE),
    "docs/memo.pdf": lambda: pdf_bytes([MEMO]),
    "docs/report.pdf": lambda: pdf_bytes(REPORT_PAGES),
}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, make in ASSETS.items():
        path = HERE / name
        data = make()
        if check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(HERE)} ({len(data)} bytes)")
    if stale:
        print(f"out of date (run {Path(__file__).name}): {', '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
