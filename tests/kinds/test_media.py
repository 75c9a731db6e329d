"""Attachments: typed by their bytes, limited, encoded once, and refused with a clear reason."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import pypdf
import pytest

from pytest_llmbench._run.media import MB, AttachmentCache, MediaLimits
from pytest_llmbench.errors import InputError
from pytest_llmbench.testing.samples import gif_bytes, jpeg_bytes, pdf_bytes, png_bytes, webp_bytes


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


@pytest.mark.parametrize(
    ("name", "make", "media_type"),
    [
        ("a.png", lambda: png_bytes(2, 2, (255, 0, 0)), "image/png"),
        ("b.jpeg", lambda: jpeg_bytes(8, 8, (0, 0, 255)), "image/jpeg"),
        ("c.webp", lambda: webp_bytes(2, 2, (0, 255, 0)), "image/webp"),
        ("d.gif", lambda: gif_bytes(2, 2, (9, 9, 9)), "image/gif"),
    ],
)
def test_images_become_image_url_parts_with_exact_data_urls(tmp_path: Path, name: str, make, media_type: str) -> None:  # type: ignore[no-untyped-def]
    data = make()
    attachment = AttachmentCache().load(_write(tmp_path, name, data))
    assert attachment.media_type == media_type and attachment.is_image
    assert attachment.part == {"type": "image_url", "image_url": {"url": _data_url(media_type, data)}}


def test_the_type_comes_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    data = png_bytes(2, 2, (255, 140, 0))
    attachment = AttachmentCache().load(_write(tmp_path, "photo.jpg", data))
    assert attachment.part["image_url"]["url"].startswith("data:image/png;base64,")


def test_a_file_that_is_no_image_or_pdf_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "fake.png", b"hello, I am text pretending to be a PNG")
    with pytest.raises(InputError, match=r"fake\.png is neither a PNG, JPEG, WebP or GIF image nor a PDF") as info:
        AttachmentCache().load(path)
    # the file may be anything on the machine: its bytes are never quoted, as text or as hex
    assert "hello" not in str(info.value) and "68 65 6c" not in str(info.value)
    with pytest.raises(InputError, match="the file is empty"):
        AttachmentCache().load(_write(tmp_path, "empty.png", b""))
    with pytest.raises(InputError, match="cannot be read"):
        AttachmentCache().load(str(tmp_path / "missing.png"))


def test_images_over_the_limit_are_refused_with_the_option_to_change_it(tmp_path: Path) -> None:
    data = png_bytes(64, 64, lambda x, y: (x * 4, y * 4, (x * y) % 256))
    path = _write(tmp_path, "big.png", data)
    small = AttachmentCache(MediaLimits(max_image_bytes=len(data) - 1))
    with pytest.raises(
        InputError, match=r"big\.png is 0\.0 MB, over the .* MB limit \(raise it with --llm-max-image-mb\)"
    ):
        small.load(path)
    assert AttachmentCache(MediaLimits(max_image_bytes=len(data))).load(path).is_image
    assert MediaLimits().max_image_bytes == 20 * MB


def test_each_file_is_encoded_once_and_the_same_part_is_shared(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.png", png_bytes(2, 2, (1, 2, 3)))
    cache = AttachmentCache()
    first, second = cache.load(path), cache.load(path)
    assert cache.encodings == 1
    assert first.part["image_url"]["url"] is second.part["image_url"]["url"]  # one copy in memory
    # A changed file (new modification time and size) is read again.
    Path(path).write_bytes(png_bytes(3, 3, (1, 2, 3)))
    os.utime(path, ns=(10**18, 10**18))
    third = cache.load(path)
    assert cache.encodings == 2 and third.part != first.part


def test_failures_are_remembered_and_raised_again_without_rereading(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.pdf", b"%PDF-1.4\nthis is not really a pdf")
    cache = AttachmentCache()
    for _ in range(3):
        with pytest.raises(InputError, match=r"PDF broken\.pdf cannot be read .*damaged or not a PDF"):
            cache.load(path)
    assert cache.encodings == 1


def test_pdf_text_mode_sends_the_extracted_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "memo.pdf", pdf_bytes(["The code name is PELICAN.", "Launch: 14 March."]))
    attachment = AttachmentCache().load(path)
    assert attachment.pages == 2 and not attachment.is_image
    assert attachment.part == {
        "type": "text",
        "text": "Attached document memo.pdf (2 pages):\n\nThe code name is PELICAN.\n\nLaunch: 14 March.",
    }


def test_pdf_text_mode_stops_at_the_page_limit_and_says_so(tmp_path: Path) -> None:
    path = _write(tmp_path, "long.pdf", pdf_bytes([f"page {i}" for i in range(1, 6)]))
    part = AttachmentCache(MediaLimits(pdf_max_pages=2)).load(path).part
    assert (
        part["text"] == "Attached document long.pdf (the first 2 of 5 pages (--llm-pdf-max-pages)):\n\npage 1\n\npage 2"
    )


def test_pdf_native_mode_sends_a_file_part_and_cuts_long_files(tmp_path: Path) -> None:
    data = pdf_bytes(["one", "two", "three"])
    path = _write(tmp_path, "doc.pdf", data)
    part = AttachmentCache(MediaLimits(pdf_mode="native")).load(path).part
    assert part == {"type": "file", "file": {"filename": "doc.pdf", "file_data": _data_url("application/pdf", data)}}
    cut = AttachmentCache(MediaLimits(pdf_mode="native", pdf_max_pages=2)).load(path).part
    sent = base64.b64decode(cut["file"]["file_data"].split(",", 1)[1])
    reader = pypdf.PdfReader(io.BytesIO(sent))
    assert [p.extract_text().strip() for p in reader.pages] == ["one", "two"]


def test_an_encrypted_pdf_is_an_input_error_with_the_reason(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes(["secret text"]))))
    writer.encrypt(user_password="hunter2", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    path = _write(tmp_path, "locked.pdf", out.getvalue())
    for mode in ("text", "native"):
        with pytest.raises(InputError, match=r"PDF locked\.pdf is encrypted with a password; remove the protection"):
            AttachmentCache(MediaLimits(pdf_mode=mode)).load(path)


def test_a_pdf_protected_by_an_owner_password_only_is_read_like_any_viewer_does(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes(["open to read"]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    part = AttachmentCache().load(_write(tmp_path, "owner.pdf", out.getvalue())).part
    assert part["text"].endswith("open to read")


def test_a_truncated_pdf_is_an_input_error(tmp_path: Path) -> None:
    data = pdf_bytes(["some text"])
    path = _write(tmp_path, "cut.pdf", data[: len(data) // 3])
    with pytest.raises(InputError, match=r"PDF cut\.pdf cannot be read"):
        AttachmentCache().load(path)


def test_a_pdf_without_text_needs_native_mode(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    path = _write(tmp_path, "scan.pdf", out.getvalue())
    with pytest.raises(InputError, match=r"scan\.pdf has no extractable text .*--llm-pdf=native"):
        AttachmentCache().load(path)
    assert AttachmentCache(MediaLimits(pdf_mode="native")).load(path).part["type"] == "file"
