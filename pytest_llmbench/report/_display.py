"""Outside text made printable: no raw control bytes reach a terminal, a Markdown file or the CLI.

A run name, a reply or a category can hold ESC sequences (``\\x1b]0;title\\x07`` retitles the terminal,
``\\x1b[2J`` clears it) or NUL bytes. ``printable`` shows each such character as a visible escape (``\\x1b``)
instead: what is there stays visible, and nothing acts on the terminal.
"""

from __future__ import annotations

import re
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_llmbench.outcome.gates import Gates

#: C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that reorder text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: For whole output streams: C0 (but tab, newline, carriage return) and DEL, which JSON output never holds
#: raw, so ``llmbench data export`` and ``report --format json`` stay valid JSON through the stream.
_STREAM_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, newlines: bool = True) -> str:
    """``text`` with every control character shown as an escape; ``newlines=False`` escapes \\n and \\t too."""
    out = _CONTROL.sub(_visible, str(text))
    if not newlines:
        out = out.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return out


class PrintableStream:
    """A text stream that writes ``printable`` text to ``target`` (for the ``llmbench`` command's output)."""

    def __init__(self, target: IO[str]) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(_STREAM_CONTROL.sub(_visible, text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


#: Characters with a meaning in Markdown, escaped in table cells.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(text: str, limit: int | None = None) -> str:
    """Safe in a Markdown table cell: no HTML, no formatting, no pipes, one line."""
    text = printable(" ".join(str(text).split()))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


#: A gate's status in Markdown: a gate that does not apply to the run is neither a pass nor a fail.
_MD_TAG = {"passed": "✅ PASS", "failed": "❌ FAIL", "not applicable": "➖ N/A"}
_MD_MARK = {"passed": "✅", "failed": "❌", "not applicable": "➖"}


def md_gates(gates: Gates) -> list[str]:
    """The gates as Markdown list items (the Markdown report and the GitHub step summary)."""
    return [f"- {_MD_TAG[g.status]} {md_escape(g.name)}: {md_escape(g.detail)}" for g in gates]


def md_verdict(gates: Gates, *, mark: bool = True) -> str:
    """The gates' verdict in bold (after its mark: ✅, ❌ or ➖), or "" without gates."""
    if gates.status is None:
        return ""
    return f"**{_MD_MARK[gates.status] + ' ' if mark else ''}{gates.verdict()}**"
