"""Attachments: files named by a question, turned into chat content parts once and reused for every model.

Images (PNG, JPEG, WebP, GIF) become ``image_url`` parts holding a base64 data URL; PDFs become a text part
with their extracted text (``--llm-pdf=text``) or an OpenRouter ``file`` part (``--llm-pdf=native``). The
type is read from the file's first bytes, never from its name, so a PNG saved as ``photo.jpg`` is sent as
``image/png`` and a text file renamed ``.png`` is refused. A file that cannot be used raises ``InputError``:
the item errors with the reason, it is never a wrong answer.
"""

from __future__ import annotations

import base64
import functools
import io
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_llmbench.errors import InputError

MB = 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
PDF_TYPE = "application/pdf"
_HEAD = 16


def sniff(head: bytes) -> str | None:
    """The media type of a file from its first bytes (magic numbers), or None when it is none we send."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    # A PDF's header may follow a little junk (the spec allows it within the first 1024 bytes).
    if b"%PDF-" in head:
        return PDF_TYPE
    return None


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """How attachments are sent: image size limit, PDF page limit, PDFs as text or as files."""

    max_image_bytes: int = 20 * MB
    pdf_max_pages: int = 20
    pdf_mode: str = "text"  # "text" or "native"


@dataclass(frozen=True, slots=True)
class Attachment:
    """One file ready to send: its content part, and what it is."""

    path: str
    media_type: str
    part: dict[str, Any]
    pages: int | None = None  # PDFs: pages in the file

    @property
    def is_image(self) -> bool:
        return self.media_type in IMAGE_TYPES

    @property
    def name(self) -> str:
        return Path(self.path).name


def _stat(path: str) -> os.stat_result:
    try:
        return os.stat(path)
    except OSError as exc:
        raise InputError(f"Attachment {path} cannot be read: {exc.strerror or exc}.") from None


def _read(path: str, size: int | None = None) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read() if size is None else handle.read(size)
    except OSError as exc:
        raise InputError(f"Attachment {path} cannot be read: {exc.strerror or exc}.") from None


def _data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


class AttachmentCache:
    """Encodes each file once per (path, modification time, size) and hands out the same part to every model.

    Failures are remembered too, so a corrupt PDF is parsed once, not once per model. Thread-safe: xdist
    workers are processes, but a user may build requests from threads.
    """

    def __init__(self, limits: MediaLimits | None = None) -> None:
        self.limits = limits or MediaLimits()
        self._lock = threading.Lock()
        self._types: dict[tuple[str, int, int], str] = {}
        self._loaded: dict[tuple[str, int, int], Attachment | InputError] = {}
        self.encodings = 0  # files actually read and encoded (the rest were served from memory)

    def media_type(self, path: str) -> str:
        """``image/png``, ``application/pdf``, ...; raises ``InputError`` for any other content."""
        stat = _stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            known = self._types.get(key)
        if known is not None:
            return known
        head = _read(path, 1024)
        found = sniff(head[:_HEAD]) or (PDF_TYPE if b"%PDF-" in head else None)
        if found is None:
            # Its bytes are never quoted: the file may be anything on the machine (issue 16).
            shown = "its content is of another kind" if head else "the file is empty"
            raise InputError(
                f"Attachment {Path(path).name} is neither a PNG, JPEG, WebP or GIF image nor a PDF ({shown}); "
                f"the type is read from the content, not the file name."
            )
        with self._lock:
            self._types[key] = found
        return found

    def load(self, path: str) -> Attachment:
        """The content part for ``path``; raises ``InputError`` with the reason when it cannot be sent."""
        media_type = self.media_type(path)
        stat = _stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._loaded.get(key)
        if cached is None:
            try:
                cached = self._encode(path, media_type, stat.st_size)
            except InputError as exc:
                cached = exc
            with self._lock:
                self._loaded[key] = cached
                self.encodings += 1
        if isinstance(cached, InputError):
            raise InputError(str(cached))
        return cached

    def _encode(self, path: str, media_type: str, size: int) -> Attachment:
        if media_type == PDF_TYPE:
            return self._pdf(path)
        limit = self.limits.max_image_bytes
        if size > limit:
            raise InputError(
                f"Image {Path(path).name} is {size / MB:.1f} MB, over the {limit / MB:g} MB limit "
                f"(raise it with --llm-max-image-mb)."
            )
        part = {"type": "image_url", "image_url": {"url": _data_url(media_type, _read(path))}}
        return Attachment(path, media_type, part)

    def _pdf(self, path: str) -> Attachment:
        name = Path(path).name
        data = _read(path)
        reader = open_pdf(name, data)
        pages = _guarded(name, lambda: len(reader.pages))
        limit = self.limits.pdf_max_pages
        if self.limits.pdf_mode == "native":
            if pages > limit:
                data = _first_pages(name, reader, limit)
            part: dict[str, Any] = {"type": "file", "file": {"filename": name, "file_data": _data_url(PDF_TYPE, data)}}
            return Attachment(path, PDF_TYPE, part, pages)
        texts = [_guarded(name, functools.partial(_page_text, reader, i)) for i in range(min(pages, limit))]
        text = "\n\n".join(t.strip() for t in texts if t.strip())
        if not text:
            raise InputError(
                f"PDF {name} has no extractable text (a scanned document?); send it to models that read files "
                f"with --llm-pdf=native."
            )
        extent = (
            f"{pages} page{'s' if pages != 1 else ''}"
            if pages <= limit
            else (f"the first {limit} of {pages} pages (--llm-pdf-max-pages)")
        )
        part = {"type": "text", "text": f"Attached document {name} ({extent}):\n\n{text}"}
        return Attachment(path, PDF_TYPE, part, pages)


def open_pdf(name: str, data: bytes) -> Any:
    """A ``pypdf.PdfReader`` for ``data``; raises ``InputError`` for an encrypted or damaged file."""
    import pypdf  # imported here: only runs that send PDFs pay for it

    reader = _guarded(name, lambda: pypdf.PdfReader(io.BytesIO(data)))
    if reader.is_encrypted:
        # Owner-password-only files open with an empty password, as in any viewer; others cannot be read.
        try:
            opened = reader.decrypt("")
        except Exception:  # pypdf raises several types here, including missing crypto dependencies
            opened = 0
        if not opened:
            raise InputError(
                f"PDF {name} is encrypted with a password; remove the protection (e.g. qpdf --decrypt) to use it."
            )
    return reader


def _guarded(name: str, action: Callable[[], Any]) -> Any:
    # pypdf signals damage with many exception types (PdfReadError, ValueError, KeyError, ...): any of them
    # means this file cannot be used, which is an input error for the item, not a crash of the run.
    try:
        return action()
    except InputError:
        raise
    except Exception as exc:
        detail = str(exc).strip().rstrip(".") or type(exc).__name__
        raise InputError(f"PDF {name} cannot be read ({detail}): the file is damaged or not a PDF.") from None


def _page_text(reader: Any, index: int) -> str:
    return str(reader.pages[index].extract_text() or "")


def _first_pages(name: str, reader: Any, count: int) -> bytes:
    import pypdf

    def write() -> bytes:
        writer = pypdf.PdfWriter()
        for index in range(count):
            writer.add_page(reader.pages[index])
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    data: bytes = _guarded(name, write)
    return data
