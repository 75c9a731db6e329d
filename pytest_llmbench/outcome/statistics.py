"""The run's further statistics (issue 18), computed once from the records and attached to the summary as
``RunSummary.statistics``: intervals clustered by category or show with their design effect, the paired
comparisons of three or more models Holm-adjusted with a bootstrap interval of each difference, the Jeopardy!
Coryat score and accuracy by round and board value, and where ``--llm-target-ci`` stopped each model.

Every report renders the same ``RunStatistics`` (``lines``, ``to_dict``, ``suite_properties``), so none of
them computes a statistic of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pytest_llmbench.stats import (
    ClusteredEstimate,
    CoryatScore,
    GroupStat,
    ModelComparison,
    TargetReport,
    board_breakdown,
    breakdown,
    clustered_accuracy,
    compare_models,
    coryat_scores,
    default_clustering,
)
from pytest_llmbench.stats.cluster import JEOPARDY_DATASET
from pytest_llmbench.stats.fmt import p_value, pct, signed_pct
from pytest_llmbench.types import ErrorKind, Outcome, ResultRecord

#: How an item not asked because its model reached ``--llm-target-ci`` begins its reason.
STOPPED_EARLY = "stopped early"


def stopped_early_reason(model: str, half_width: float, answers: int) -> str:
    return f"{STOPPED_EARLY}: {model}'s interval is within ±{half_width:g} after {answers} answers"


@dataclass(frozen=True, slots=True)
class TargetStop:
    """Where one model stopped under ``--llm-target-ci``, and what that saved: ``skipped`` items never sent,
    ``saved_usd`` their cost at the model's mean cost per asked item (None when nothing was asked)."""

    model: str
    half_width: float
    report: TargetReport
    skipped: int
    saved_usd: float | None

    def line(self) -> str:
        r = self.report
        if r.stop is None:
            where = f"never reached ±{self.half_width:g} ({r.fed} answers: {_interval(r.low, r.high)})"
        else:
            where = (f"stopped after {r.stop.n} answers at {pct(r.stop.accuracy)} {_interval(r.stop.low, r.stop.high)}"
                     f"; over all {r.fed} answers {_interval(r.low, r.high)}")
        saved = f"{self.skipped} of {r.planned} items not asked"
        if self.saved_usd is not None:
            saved += f" (~${self.saved_usd:.4f} saved)"
        return f"{self.model}: {where}; {saved}"

    def to_dict(self) -> dict[str, object]:
        r, stop = self.report, self.report.stop
        return {
            "model": self.model, "half_width": self.half_width, "planned": r.planned, "asked": r.asked, "fed": r.fed,
            "stopped_after": None if stop is None else stop.n, "stop_accuracy": None if stop is None else stop.accuracy,
            "stop_low": None if stop is None else stop.low, "stop_high": None if stop is None else stop.high,
            "accuracy": r.accuracy, "low": r.low, "high": r.high, "skipped": self.skipped, "saved_usd": self.saved_usd,
        }


@dataclass
class RunStatistics:
    cluster: str  # category, show or none
    clustered: dict[str, ClusteredEstimate] = field(default_factory=dict)
    comparisons: list[ModelComparison] = field(default_factory=list)
    jeopardy: bool = False
    coryat: list[CoryatScore] = field(default_factory=list)
    rounds: dict[str, list[GroupStat]] = field(default_factory=dict)
    board: dict[str, list[GroupStat]] = field(default_factory=dict)
    #: accuracy by the clue's row on the board: easy (rows 1-2), medium (3), hard (4-5), final, unknown
    difficulty: dict[str, list[GroupStat]] = field(default_factory=dict)
    targets: list[TargetStop] = field(default_factory=list)

    @property
    def clustering(self) -> bool:
        return self.cluster != "none"

    def clustered_low(self, model: str) -> float | None:
        """The clustered 95% lower bound of ``model`` when clustering is on (what a lower-bound gate uses)."""
        estimate = self.clustered.get(model) if self.clustering else None
        return None if estimate is None else estimate.ci_low

    @property
    def basis(self) -> str:
        return f"clustered (by {self.cluster}) 95% lower bound"


def _saved(model: str, records: Sequence[ResultRecord]) -> tuple[int, float | None]:
    rows = [r for r in records if r.model == model]
    skipped = sum(1 for r in rows if r.outcome is Outcome.SKIPPED and (r.error or "").startswith(STOPPED_EARLY))
    asked = [r for r in rows if r.error_kind is not ErrorKind.STOPPED and r.outcome is not Outcome.SKIPPED]
    if not asked:
        return skipped, None
    per_item = sum((r.cost_usd or 0.0) + r.grade_cost_usd for r in asked) / len(asked)
    return skipped, per_item * skipped


def build_statistics(
    records: Sequence[ResultRecord],
    *,
    cluster: str | None = None,
    seed: int = 0,
    targets: Mapping[str, TargetReport] | None = None,
    half_width: float | None = None,
) -> RunStatistics:
    """The statistics of a run. ``cluster`` None: ``stats.default_clustering`` of the records' datasets;
    ``seed`` seeds the bootstrap (``--llm-seed``); ``targets`` are the live ``TargetTracker`` reports."""
    datasets = {r.dataset for r in records}
    by = cluster or default_clustering(datasets)
    models = list(dict.fromkeys(r.model for r in records))
    stats = RunStatistics(cluster=by, clustered=clustered_accuracy(records, by) if by != "none" else {})
    if len(models) >= 2:
        stats.comparisons = compare_models(records, models, cluster=by, seed=seed)
    stats.jeopardy = JEOPARDY_DATASET in datasets
    if stats.jeopardy:
        jeopardy = [r for r in records if r.dataset == JEOPARDY_DATASET]
        stats.coryat = coryat_scores(jeopardy)
        stats.rounds = breakdown(jeopardy, "round")
        stats.board = board_breakdown(jeopardy)
        stats.difficulty = breakdown(jeopardy, "difficulty")
    for model, report in (targets or {}).items():
        skipped, saved = _saved(model, records)
        stats.targets.append(TargetStop(model, half_width or 0.0, report, skipped, saved))
    return stats


# --- rendering, shared by every report -------------------------------------------------------------------


def _interval(low: float | None, high: float | None) -> str:
    # In percent like the summary table's intervals, one decimal: these are the finer, clustered ones.
    return "-" if low is None or high is None else f"[{low * 100:.1f}-{high * 100:.1f}]"


def _acc(value: float | None) -> str:
    return pct(value)


def _difference(value: float, low: float, high: float) -> str:
    """A paired difference in percentage points with its interval, as the paired table writes A - B."""
    return f"{signed_pct(value)} [{low * 100:+.1f}, {high * 100:+.1f}]"


def lines(stats: RunStatistics, *, board: bool = True) -> list[str]:
    """The plain-text block of the file reports and, with ``board=False`` (accuracy by round and board value
    left out: the terminal shows them as a table of its own), of the terminal summary."""
    out: list[str] = []
    names = [*stats.clustered, *(s.model for s in stats.coryat), *stats.rounds, *(t.model for t in stats.targets)]
    width = max((len(n) for n in names), default=0)
    if stats.clustered:
        out.append(f"intervals clustered by {stats.cluster}:")
        for model, e in stats.clustered.items():
            deff = "-" if e.design_effect is None else f"{e.design_effect:.2f}"
            out.append(f"  {model.ljust(width)}  {_acc(e.accuracy)} {_interval(e.ci_low, e.ci_high)}  "
                       f"design effect {deff}  ({e.n} answers in {e.clusters} clusters)")
    if stats.comparisons:
        adjusted = "Holm-adjusted" if len(stats.comparisons) > 1 else "one pair: Holm = raw"
        out.append(f"paired comparisons (McNemar p raw / {adjusted}; bootstrap 95% interval of A - B):")
        for c in stats.comparisons:
            p, boot = c.comparison, c.bootstrap
            diff = "-" if boot is None else _difference(boot.difference, boot.low, boot.high)
            verdict = "significant" if c.significant else "not significant"
            ps = f"p={p_value(p.p_value)} / {p_value(c.p_adjusted)}"
            out.append(f"  {p.model_a} vs {p.model_b}: {diff}  {ps}  {verdict}")
    if stats.coryat:
        out.append("Coryat score (wagers disregarded; Final Jeopardy! not counted):")
        acc = _overall(stats)
        for s in stats.coryat:
            out.append(f"  {s.model.ljust(width)}  accuracy {_acc(acc.get(s.model))}  Coryat ${s.score:,} of "
                       f"${s.possible:,}  ({s.right}/{s.clues} clues right, {s.daily_doubles_right}/{s.daily_doubles} "
                       "Daily Doubles)")
    tables = (("accuracy by round", stats.rounds), ("accuracy by value (answers)", stats.board),
              ("accuracy by board row: easy = rows 1-2, medium = 3, hard = 4-5 (answers)", stats.difficulty))
    for title, table in tables if board else ():
        if table:
            out.append(f"{title}:")
            for model, groups in table.items():
                out.append(f"  {model.ljust(width)}  " + ", ".join(f"{g.group} {_acc(g.accuracy)} ({g.n})"
                                                                  for g in groups))
    if stats.targets:
        out.append(f"--llm-target-ci (anytime-valid 95% interval, target ±{stats.targets[0].half_width:g}):")
        out += [f"  {t.line()}" for t in stats.targets]
    return out


def _overall(stats: RunStatistics) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for model, groups in stats.rounds.items():
        n = sum(g.n for g in groups)
        out[model] = sum(g.correct for g in groups) / n if n else None
    return out


def _groups(groups: Sequence[GroupStat]) -> list[dict[str, object]]:
    return [{"group": g.group, "n": g.n, "correct": g.correct, "accuracy": g.accuracy, "ci_low": g.ci[0],
             "ci_high": g.ci[1]} for g in groups]


def to_dict(stats: RunStatistics) -> dict[str, object]:
    """The JSON report's ``statistics`` section."""
    return {
        "cluster": stats.cluster,
        "clustered": {m: e.to_dict() for m, e in stats.clustered.items()},
        "comparisons": [c.to_dict() for c in stats.comparisons],
        "coryat": [s.to_dict() for s in stats.coryat],
        "accuracy_by_round": {m: _groups(g) for m, g in stats.rounds.items()},
        "accuracy_by_value": {m: _groups(g) for m, g in stats.board.items()},
        "accuracy_by_difficulty": {m: _groups(g) for m, g in stats.difficulty.items()},
        "target_ci": [t.to_dict() for t in stats.targets],
    }


def _fmt(value: object) -> str:
    return "" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)


def suite_properties(stats: RunStatistics) -> list[tuple[str, str]]:
    """JUnit ``<testsuite>`` properties: ``llm_ci_clustered_low[MODEL]`` and the like."""
    props: list[tuple[str, str]] = []
    if stats.clustered:
        props.append(("llm_cluster", stats.cluster))
    for model, e in stats.clustered.items():
        for name, value in (("ci_clustered_low", e.ci_low), ("ci_clustered_high", e.ci_high),
                            ("design_effect", e.design_effect)):
            props.append((f"llm_{name}[{model}]", _fmt(value)))
    for c in stats.comparisons:
        pair = f"{c.comparison.model_a} vs {c.comparison.model_b}"
        props.append((f"llm_p_raw[{pair}]", _fmt(c.comparison.p_value)))
        props.append((f"llm_p_holm[{pair}]", _fmt(c.p_adjusted)))
        if c.bootstrap is not None:
            props.append((f"llm_diff_low[{pair}]", _fmt(c.bootstrap.low)))
            props.append((f"llm_diff_high[{pair}]", _fmt(c.bootstrap.high)))
    for s in stats.coryat:
        props.append((f"llm_coryat[{s.model}]", str(s.score)))
    for model, groups in stats.board.items():
        for g in groups:
            props.append((f"llm_accuracy[{model}][{g.group}]", _fmt(g.accuracy)))
    for t in stats.targets:
        stop = t.report.stop
        props.append((f"llm_target_stopped_after[{t.model}]", "" if stop is None else str(stop.n)))
        props.append((f"llm_target_skipped[{t.model}]", str(t.skipped)))
    return props
