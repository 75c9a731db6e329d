"""Wrong answers in a section of their own, a line or two each, instead of one full failure block apiece.

A benchmark's wrong answers are its data, not bugs: a 500 x 3 run would otherwise print thousands of lines of
tracebacks that repeat the test's source, and push the summary and the gate verdict off the screen. So, unless
the user asks for the full blocks (``--tb=long`` or ``-vv``), the reports of items that failed only because
``assert_correct`` found the answer wrong are held out of pytest's FAILURES section and short test summary,
and listed here instead. They stay failed reports in every other respect: the exit status, ``--maxfail``,
pytest's final line, JUnit XML (with the whole message) and other plugins see them as before.

On a terminal the lines are fitted to its width (``render(width=...)``): the expected answer, the reply and the
grader's reason are shortened with an ellipsis, never the model or question id, which a reader needs whole to
find the item (a model id too long for one line with them gets a line of its own). Off a terminal (a CI log,
a pipe) the width is unlimited and nothing is shortened beyond ``short_form``'s own clipping.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from pytest_llmbench.report._display import printable
from pytest_llmbench.report.fmt import UNWRAPPED

if TYPE_CHECKING:
    from pytest_llmbench._run.result import ItemResult

#: Attribute of a test report whose failure is a wrong answer: its short form (builtins, so it crosses xdist).
ATTR = "llmbench_wrong"
_CLIP = 70


@dataclass(frozen=True)
class WrongLine:
    """The short form of one wrong answer."""

    test: str  # the test function's node id, without the item's parameters
    model: str
    question: str
    expected: str
    got: str
    why: str

    def to_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def lines(self, width: int = UNWRAPPED) -> list[str]:
        """The wrong answer in one to three lines that fit ``width`` columns (indented two, as ``render`` prints
        them); every text is made printable first, so an escape sequence in a reply cannot act on the terminal."""
        model, question, expected, got, why = (printable(getattr(self, name), newlines=False)
                                               for name in ("model", "question", "expected", "got", "why"))
        head = f"  {model} {question}: "
        room = width - cell_len(head) - cell_len("expected , got ")
        if room >= 2 * _MIN_QUOTE:
            expected, got = _share(expected, got, room)
            out = [f"{head}expected {expected}, got {got}"]
        else:  # a model id too long to share a line with the answers: the ids whole, the answers under them
            indent = "      "
            expected, got = _share(expected, got, width - cell_len(indent + "expected , got "))
            out = [head.rstrip(), f"{indent}expected {expected}, got {got}"]
        if why:
            out.append(shorten(f"      why: {why}", width))
        return out


def cell_len(text: str) -> int:
    """Terminal cells ``text`` takes (a wide character takes two)."""
    from rich.cells import cell_len as cells  # rich waits until a run benchmarks: this module loads with pytest

    return cells(text)


#: The fewest columns a shortened quoted text keeps: its quotes, a few characters and the ellipsis.
_MIN_QUOTE = 10


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells with an ellipsis; a quoted text keeps its closing quote."""
    if cell_len(text) <= width:
        return text
    quote = text[-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else ""
    keep = max(1, width - 1 - len(quote))
    while keep > 1 and cell_len(text[:keep]) > width - 1 - len(quote):
        keep -= 1
    return text[:keep] + "…" + quote


def _share(expected: str, got: str, room: int) -> tuple[str, str]:
    """Both texts in ``room`` cells: the shorter keeps what it needs, the longer gets the rest."""
    a, b = cell_len(expected), cell_len(got)
    if a + b <= room:
        return expected, got
    room = max(room, 2 * _MIN_QUOTE)
    half = room // 2
    if a <= half:
        return expected, shorten(got, room - a)
    if b <= room - half:
        return shorten(expected, room - b), got
    return shorten(expected, half), shorten(got, room - half)


def clip(text: str, limit: int = _CLIP) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def short_form(result: ItemResult, nodeid: str) -> WrongLine:
    from pytest_llmbench._run.record import reply_text

    g = result.grade
    got = reply_text(result.response).strip()
    why = clip(g.explanation or f"{g.method}, score {g.score:.2f}", 110)
    return WrongLine(test=nodeid.split("[", 1)[0], model=result.model, question=result.question.id,
                     expected=repr(clip(result.question.answer, 40)),
                     got=repr(clip(got, 50)) if got else "(empty reply)", why=why)


def full_blocks_wanted(config: pytest.Config) -> bool:
    return config.get_verbosity() >= 2 or config.getoption("tbstyle", "auto") == "long"


def held_out(reports: Sequence[Any]) -> list[Any]:
    return [r for r in reports if getattr(r, ATTR, None) is not None]


def render(reports: Sequence[Any], width: int = UNWRAPPED) -> Iterator[str]:
    """The section's lines: per benchmark test, its wrong answers, fitted to ``width`` (``fmt.output_width``)."""
    by_test: dict[str, list[WrongLine]] = {}
    for report in reports:
        line = WrongLine(**getattr(report, ATTR))
        by_test.setdefault(line.test, []).append(line)
    for test, lines in by_test.items():
        yield printable(f"{test}: {len(lines)} wrong answer(s)")
        for line in lines:
            yield from line.lines(width)
    yield "(each is a failed test; -vv or --tb=long shows the full failure blocks)"
