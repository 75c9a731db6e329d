"""What every file report shows, computed once from the stored records of a run.

The plugin (at the end of a session) and ``llmbench report RUN`` both build a ``ReportData`` from the
database (``load_report``), so a report written later from history is the same as the one written live.
Renderers (html, json, csv, md) only format it; none of them computes statistics of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from pytest_llmbench.outcome.gates import Gates
from pytest_llmbench.outcome.summary import RunSummary, partial_from_totals
from pytest_llmbench.report.paired import PairedComparison, pairwise
from pytest_llmbench.storage.repository import Repository, RunInfo
from pytest_llmbench.types import ResultRecord

SIMULATED_NOTE = (
    "Simulated models are built in: their answers, latencies and costs are simulated, not measurements of "
    "any real model."
)


@dataclass(frozen=True, slots=True)
class Cell:
    """One model's score on one group (a category, a round, a value)."""

    correct: int
    answered: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answered if self.answered else None


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Accuracy by group and model: ``cells[group][model]``; groups in display order."""

    title: str
    groups: list[str]
    counts: dict[str, int]
    cells: dict[str, dict[str, Cell]]


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question (and repeat) with every model's record for it."""

    key: str
    repeat: int
    category: str | None
    round: str | None
    value: int | None
    clue: str
    answer: str
    by_model: dict[str, ResultRecord]


@dataclass
class ReportData:
    summary: RunSummary
    records: list[ResultRecord]
    run: RunInfo | None = None
    generated_at: dt.datetime = field(  # naive UTC, like every timestamp in the database
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    )

    @property
    def gates(self) -> Gates:
        """The summary's gates: one list, whichever report reads it."""
        return self.summary.gates

    @gates.setter
    def gates(self, gates: Gates) -> None:
        self.summary.gates = gates

    @property
    def models(self) -> list[str]:
        return [m.model for m in self.summary.models]

    @property
    def title(self) -> str:
        if self.run is not None:
            return f"Run {self.run.id}: {self.run.name}"
        return self.summary.run_name or "LLM benchmark"

    def comparisons(self) -> list[PairedComparison]:
        return pairwise(self.records, self.models)

    def questions(self) -> list[QuestionRow]:
        rows: dict[tuple[str, int], QuestionRow] = {}
        for r in self.records:
            row = rows.get((r.question_key, r.repeat))
            if row is None:
                row = rows[(r.question_key, r.repeat)] = QuestionRow(
                    r.question_key, r.repeat, r.category, r.round, r.value, r.clue, r.answer, {}
                )
            row.by_model[r.model] = r
        return list(rows.values())

    def breakdown(self, by: str, *, limit: int | None = None) -> Breakdown:
        """Accuracy by ``category``, ``round`` or ``value``; the ``limit`` largest groups when given."""
        counts: dict[str, int] = {}
        cells: dict[str, dict[str, list[int]]] = {}
        first = self.models[0] if self.models else None
        for r in self.records:
            group = _group(r, by)
            if r.repeat == 0 and r.model == first:
                counts[group] = counts.get(group, 0) + 1
            if r.correct is None:
                continue
            cell = cells.setdefault(group, {}).setdefault(r.model, [0, 0])
            cell[0] += int(r.correct)
            cell[1] += 1
        groups = sorted(cells, key=lambda g: _group_order(by, g, counts))
        if limit is not None:
            groups = sorted(groups, key=lambda g: (-counts.get(g, 0), g))[:limit]
            groups.sort(key=lambda g: _group_order(by, g, counts))
        title = {"category": "Category", "round": "Round", "value": "Value"}.get(by, by)
        return Breakdown(
            title,
            groups,
            {g: counts.get(g, 0) for g in groups},
            {g: {m: Cell(c[0], c[1]) for m, c in cells[g].items()} for g in groups},
        )


def _group(record: ResultRecord, by: str) -> str:
    if by == "value":
        return f"${record.value}" if record.value is not None else "(no value)"
    value = getattr(record, by, None)
    return str(value) if value not in (None, "") else f"(no {by})"


def _group_order(by: str, group: str, counts: dict[str, int]) -> tuple[int, float, str]:
    if by == "value":
        digits = group.lstrip("$")
        return (0, float(digits) if digits.isdigit() else float("inf"), group)
    if by == "category":
        return (0, -counts.get(group, 0), group.lower())
    return (0, 0.0, group)


def gates_from_totals(totals: dict[str, object] | None) -> Gates:
    """The gates as stored with a finished run (``totals["gates"]``)."""
    return Gates.from_dicts((totals or {}).get("gates"))


def build_report(
    records: Sequence[ResultRecord], *, run: RunInfo | None = None, live: RunSummary | None = None
) -> ReportData:
    """A report of ``records``. ``live`` (the session's own summary) lends its gates, notes, stop reason and
    partial models; without it, they are the stored run's."""
    budget = run.config.get("max_cost") if run is not None else None
    summary = RunSummary.from_records(
        list(records),
        run_id=run.id if run else (live.run_id if live else None),
        run_name=run.name if run else (live.run_name if live else None),
        dataset=run.dataset if run else (live.dataset if live else None),
        dataset_origin=run.dataset_origin if run else (live.dataset_origin if live else None),
        budget=budget if isinstance(budget, int | float) else (live.budget if live else None),
    )
    if live is not None:
        summary.gates, summary.notes, summary.stop_reason = live.gates, list(live.notes), live.stop_reason
        summary.partial = dict(live.partial)
    elif run is not None:
        summary.gates = gates_from_totals(run.totals)
        stop = (run.totals or {}).get("stop_reason")
        summary.stop_reason = stop if isinstance(stop, str) else None
        summary.partial = partial_from_totals(run.totals)
    if live is not None and live.statistics is not None:
        summary.statistics = live.statistics
    else:
        from pytest_llmbench.outcome.statistics import build_statistics

        cluster = run.config.get("cluster") if run is not None else None
        summary.statistics = build_statistics(list(records), cluster=cluster if isinstance(cluster, str) else None,
                                              seed=run.seed if run is not None else 0)
    return ReportData(summary=summary, records=list(records), run=run)


def load_report(repo: Repository, ref: str | int, *, live: RunSummary | None = None) -> ReportData:
    """The report of a stored run (``ref`` is an id, ``latest`` or ``last``)."""
    run = repo.get_run(ref)
    return build_report(repo.results(run.id), run=run, live=live)
