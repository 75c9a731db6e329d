"""Live progress of a benchmark session: per model done, right, wrong, errors, retries and running accuracy,
with the totals, money spent and time left.

On an interactive terminal (not CI, not an xdist controller) a rich display sits under pytest's output: a bar
per model. pytest's own lines are routed above it (``LineRouter``) so the two never overwrite each other.
Everywhere else (CI logs, pipes, the xdist controller) a plain line is printed every tenth of the items or
every 30 seconds, whichever comes first, through pytest's terminal writer and always on a line of its own:
when stdout and stderr are merged (every CI log) a line on stderr would land in the middle of pytest's dots.
Under xdist the controller learns the totals from the workers' first reports (``TOTALS``), so it has an ETA too.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import pytest

from pytest_llmbench.report import fmt
from pytest_llmbench.types import Outcome, ResultRecord

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from pytest_llmbench._run.callers import ProgressDisplay

PLAIN_EVERY = 500  # items between lines when the total is unknown
PLAIN_STEPS = 10  # a line at each tenth of the known total
PLAIN_SECONDS = 30.0  # ... or after this long without one
#: Attribute of a worker's first test report: its items per model, so the xdist controller knows the totals.
TOTALS = "llmbench_totals"


def retries_of(record: ResultRecord) -> int:
    """Retries an item needed. The one place progress reads them: richer engine counters drop in here."""
    return max(0, record.attempts - 1)


@dataclass
class ModelTally:
    """Running counts of one model."""

    total: int = 0
    done: int = 0
    right: int = 0
    wrong: int = 0
    errors: int = 0
    retries: int = 0

    def add(self, record: ResultRecord) -> None:
        self.done += 1
        if record.correct is True:
            self.right += 1
        elif record.correct is False:
            self.wrong += 1
        elif record.outcome is Outcome.ERROR:
            self.errors += 1
        self.retries += retries_of(record)

    @property
    def accuracy(self) -> float | None:
        graded = self.right + self.wrong
        return self.right / graded if graded else None

    def counts(self) -> str:
        text = f"{self.right} right, {self.wrong} wrong, {self.errors} errors"
        if self.retries:
            text += f", {self.retries} retries"
        return text + (f" ({fmt.pct(self.accuracy)})" if self.accuracy is not None else "")


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
    """A line at each tenth of the known total or every ``seconds``, else every ``every`` items."""

    def __init__(
        self, write: Callable[[str], None], *, every: int = PLAIN_EVERY, seconds: float = PLAIN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.write = write
        self.every = every
        self.seconds = seconds
        self.clock = clock
        self.total = 0
        self.done = 0
        self.spent = 0.0
        self.models: dict[str, ModelTally] = {}
        self.started = clock()
        self._last_line = self.started
        self._next_step = 1

    def start(self, totals: Mapping[str, int]) -> None:
        """The items per model; on the xdist controller this comes with the first report (once)."""
        if self.total or not totals:
            return
        self.total = sum(totals.values())
        for model, count in totals.items():
            self.models.setdefault(model, ModelTally()).total = count
        if not self.done:
            self.started = self._last_line = self.clock()
        self.write(f"llmbench: {self.total:,} items over {len(totals)} model(s)")

    def update(self, record: ResultRecord) -> None:
        self.done += 1
        self.spent += (0.0 if record.cached else record.cost_usd or 0.0) + record.grade_cost_usd  # a hit keeps its cost
        self.models.setdefault(record.model, ModelTally()).add(record)
        now = self.clock()
        if self.total:
            due = self.done * PLAIN_STEPS >= self._next_step * self.total and self.done < self.total
            if due:
                self._next_step = self.done * PLAIN_STEPS // self.total + 1
        else:
            due = self.done % self.every == 0
        if due or (now - self._last_line >= self.seconds and self.done < (self.total or self.done + 1)):
            self._last_line = now
            self.write(self._line())

    def _line(self) -> str:
        text = f"llmbench: {self.done:,}" + (
            f"/{self.total:,} items ({self.done / self.total:.0%})" if self.total else " items"
        )
        text += f", {fmt.usd(self.spent)} spent"
        elapsed = self.clock() - self.started
        if self.total and self.done and self.done < self.total:
            text += f", about {(self.total - self.done) * elapsed / self.done:.0f} s left"
        return text + "; " + "; ".join(f"{m} {t.done}/{t.total or '?'}: {t.counts()}" for m, t in self.models.items())

    def close(self) -> None:
        if self.done:
            elapsed = self.clock() - self.started
            self.write(f"llmbench: {self.done:,} items done in {elapsed:.1f} s, {fmt.usd(self.spent)} spent; "
                       + "; ".join(f"{m}: {t.counts()}" for m, t in self.models.items()))


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
        self.tallies: dict[str, ModelTally] = {}
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
                TextColumn("{task.fields[counts]}", markup=False),
                TextColumn("{task.fields[spent]}"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
        return self._progress

    def start(self, totals: Mapping[str, int]) -> None:
        for model, total in totals.items():
            self.tasks[model] = self.progress.add_task(model, total=total, spent="$0", counts="")
        if self.tasks:
            self.progress.start()
            self.running = True

    def update(self, record: ResultRecord) -> None:
        task = self.tasks.get(record.model)
        if task is None:
            return
        billed = 0.0 if record.cached else record.cost_usd or 0.0  # a cache hit keeps its original cost
        self.spent[record.model] = self.spent.get(record.model, 0.0) + billed
        tally = self.tallies.setdefault(record.model, ModelTally())
        tally.add(record)
        self.progress.update(task, advance=1, spent=fmt.usd(self.spent[record.model]), counts=tally.counts())

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
        return PlainProgress(lambda line: _own_line(reporter, line))
    if mode == "rich":
        display = RichProgress(writer._file)
        writer._file = LineRouter(writer._file, display)
        return display
    return None


def _own_line(reporter: Any, line: str) -> None:
    """``line`` on a line of its own in pytest's output, never after a run of progress dots."""
    # Not reporter.write_line: that forgets the current file, and pytest would name it again after a blank line.
    if reporter._tw.width_of_current_line:
        reporter._tw.line()
    reporter._tw.line(line)
