"""Wrong answers in a section of their own, a line or two each, instead of one full failure block apiece.

A benchmark's wrong answers are its data, not bugs: a 500 x 3 run would otherwise print thousands of lines of
tracebacks that repeat the test's source, and push the summary and the gate verdict off the screen. So, unless
the user asks for the full blocks (``--tb=long`` or ``-vv``), the reports of items that failed only because
``assert_correct`` found the answer wrong are held out of pytest's FAILURES section and short test summary,
and listed here instead. They stay failed reports in every other respect: the exit status, ``--maxfail``,
pytest's final line, JUnit XML (with the whole message) and other plugins see them as before.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

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

    def lines(self) -> list[str]:
        head = f"{self.model} {self.question}: expected {self.expected}, got {self.got}"
        return [head] + ([f"    why: {self.why}"] if self.why else [])


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


def render(reports: Sequence[Any]) -> Iterator[str]:
    """The section's lines: per benchmark test, its wrong answers."""
    by_test: dict[str, list[WrongLine]] = {}
    for report in reports:
        line = WrongLine(**getattr(report, ATTR))
        by_test.setdefault(line.test, []).append(line)
    from pytest_llmbench.report._display import printable

    for test, lines in by_test.items():
        yield printable(f"{test}: {len(lines)} wrong answer(s)")
        for line in lines:
            for text in line.lines():
                # Replies and the grader's reason quote outside text: no escape sequence reaches the terminal.
                yield "  " + printable(text, newlines=False)
    yield "(each is a failed test; -vv or --tb=long shows the full failure blocks)"
