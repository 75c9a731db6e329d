"""Live progress of a benchmark session: items done per model, money spent, time left.

On an interactive terminal (not CI, not an xdist controller) a rich display sits under pytest's output: a bar
per model with done/total, spend and ETA. pytest's own lines are routed above it (``LineRouter``) so the two
never overwrite each other. Everywhere else a few plain lines are printed (at 25%, 50%, 75% and the end, or
every ``PLAIN_EVERY`` items when the total is unknown) on stderr: a CI log gets a heartbeat, never a line per
item, and pytest's stdout stays exactly as it is.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Protocol

import pytest

from pytest_llmbench.report import fmt
from pytest_llmbench.types import ResultRecord

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

PLAIN_EVERY = 500


class ProgressDisplay(Protocol):
    def start(self, totals: Mapping[str, int]) -> None: ...

    def update(self, record: ResultRecord) -> None: ...

    def close(self) -> None: ...


def choose_mode(*, isatty: bool, controller: bool, quiet: bool, environ: Mapping[str, str] | None = None) -> str:
    """``rich`` on an interactive terminal, ``plain`` in CI, pipes and on the xdist controller, ``off``
    on xdist workers (their output is not shown) and under -qq."""
    env = os.environ if environ is None else environ
    if quiet:
        return "off"
    if controller or not isatty or env.get("CI", "").lower() in ("true", "1") or env.get("TERM") == "dumb":
        return "plain"
    return "rich"


class PlainProgress:
    """A handful of lines: at each quarter of the known total, else every ``every`` items."""

    def __init__(
        self, write: Callable[[str], None], *, every: int = PLAIN_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.write = write
        self.every = every
        self.clock = clock
        self.total = 0
        self.done = 0
        self.spent = 0.0
        self.started = clock()
        self._next_quarter = 1

    def start(self, totals: Mapping[str, int]) -> None:
        self.total = sum(totals.values())
        self.started = self.clock()
        if self.total:
            self.write(f"llmbench: {self.total:,} items over {len(totals)} model(s)")

    def update(self, record: ResultRecord) -> None:
        self.done += 1
        self.spent += (0.0 if record.cached else record.cost_usd or 0.0) + record.grade_cost_usd
        if self.total:
            if self.done * 4 >= self._next_quarter * self.total and self._next_quarter < 4:
                self._next_quarter = self.done * 4 // self.total + 1
                self.write(self._line())
        elif self.done % self.every == 0:
            self.write(self._line())

    def _line(self) -> str:
        text = f"llmbench: {self.done:,}" + (
            f"/{self.total:,} items ({self.done / self.total:.0%})" if self.total else " items"
        )
        text += f", {fmt.usd(self.spent)} spent"
        elapsed = self.clock() - self.started
        if self.total and self.done and self.done < self.total:
            text += f", about {(self.total - self.done) * elapsed / self.done:.0f} s left"
        return text

    def close(self) -> None:
        if self.done:
            elapsed = self.clock() - self.started
            self.write(f"llmbench: {self.done:,} items done in {elapsed:.1f} s, {fmt.usd(self.spent)} spent")


class RichProgress:
    """One bar per model; the display is transient, the summary table at the end stays.

    It is attached to every interactive pytest session, most of which never benchmark: rich is imported and
    the console made in ``start``, when there are bars to draw.
    """

    def __init__(self, file: IO[str], *, console: Console | None = None) -> None:
        self.file = file
        self._console = console
        self._progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.spent: dict[str, float] = {}
        self.running = False

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self.file, highlight=False, markup=False, emoji=False)
        return self._console

    @property
    def progress(self) -> Progress:
        if self._progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                # markup off: a model id such as "[bold]x" must print as it is.
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[spent]}"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
        return self._progress

    def start(self, totals: Mapping[str, int]) -> None:
        for model, total in totals.items():
            self.tasks[model] = self.progress.add_task(model, total=total, spent="$0")
        if self.tasks:
            self.progress.start()
            self.running = True

    def update(self, record: ResultRecord) -> None:
        task = self.tasks.get(record.model)
        if task is None:
            return
        billed = 0.0 if record.cached else record.cost_usd or 0.0  # a cache hit keeps its original cost
        self.spent[record.model] = self.spent.get(record.model, 0.0) + billed
        self.progress.update(task, advance=1, spent=fmt.usd(self.spent[record.model]))

    def print_above(self, line: str) -> None:
        from rich.text import Text

        self.console.print(Text.from_ansi(line), end="")

    def close(self) -> None:
        if self.running:
            self.progress.stop()
            self.running = False


class LineRouter:
    """A file for pytest's terminal writer that hands whole lines to the live display, so pytest's progress
    dots and the bars never overwrite each other (a partial line waits for its newline)."""

    def __init__(self, original: IO[str], display: RichProgress) -> None:
        self.original = original
        self.display = display
        self.buffer = ""

    def write(self, text: str) -> int:
        if not self.display.running:
            pending, self.buffer = self.buffer, ""
            return self.original.write(pending + text) - len(pending)
        self.buffer += text
        if "\n" in self.buffer:
            whole, _, self.buffer = self.buffer.rpartition("\n")
            self.display.print_above(whole + "\n")
        return len(text)

    def flush(self) -> None:
        if not self.display.running and self.buffer:
            self.original.write(self.buffer)
            self.buffer = ""
        self.original.flush()

    def isatty(self) -> bool:
        return self.original.isatty()

    def fileno(self) -> int:
        return self.original.fileno()

    def __getattr__(self, name: str) -> object:
        return getattr(self.original, name)


def attach(config: pytest.Config) -> ProgressDisplay | None:
    """The display for this pytest process, wired to its terminal reporter; None on xdist workers."""
    if hasattr(config, "workerinput"):
        return None
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return None
    writer = reporter._tw
    mode = choose_mode(
        isatty=bool(writer.hasmarkup) and writer._file.isatty(),
        controller=config.pluginmanager.has_plugin("dsession"),
        quiet=config.get_verbosity() < -1,
    )
    if mode == "plain":
        # stderr: pytest's own stdout stays as it always is (parsable), a CI log still gets the heartbeat.
        return PlainProgress(lambda line: print(line, file=sys.stderr, flush=True))
    if mode == "rich":
        display = RichProgress(writer._file)
        writer._file = LineRouter(writer._file, display)
        return display
    return None
