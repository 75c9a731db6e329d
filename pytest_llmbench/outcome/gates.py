"""Exit gates: every model at or above its accuracy threshold, and no more infrastructure errors than allowed.

A gate is judged on the items that were answered; infrastructure errors are never wrong answers and are
counted by their own gate (``--llm-max-errors``).

``Gates`` is the one representation of a run's gates: the terminal, JUnit, the step summary and every file
report read it, and it is what a finished run stores in its totals (``to_dicts``) and reads back
(``from_dicts``), so no report interprets the stored dicts on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, overload

from pytest_llmbench.config import Settings
from pytest_llmbench.report import fmt
from pytest_llmbench.stats import ModelSummary

if TYPE_CHECKING:
    from pytest_llmbench.outcome.statistics import RunStatistics

#: What a gate, or the gates as a whole, came to. A gate naming a model the run did not benchmark is "not
#: applicable": it neither passes nor fails the run.
GateStatus = Literal["passed", "failed", "not applicable"]
#: A status as a short tag (the terminal's gate lines, JUnit, the HTML report and the viewer).
VERDICT: dict[GateStatus, str] = {"passed": "PASS", "failed": "FAIL", "not applicable": "N/A"}


@dataclass(frozen=True, slots=True)
class GateResult:
    name: str
    passed: bool
    detail: str
    #: False for a gate that names a model this run did not benchmark: it neither passes nor fails the run.
    applicable: bool = True

    @property
    def status(self) -> GateStatus:
        if not self.applicable:
            return "not applicable"
        return "passed" if self.passed else "failed"

    @property
    def verdict(self) -> str:
        """The short tag: PASS, FAIL or N/A."""
        return VERDICT[self.status]

    def line(self) -> str:
        return f"{self.verdict} {self.name}: {self.detail}"

    def to_dict(self) -> dict[str, object]:
        # "passed" stays true for a gate that does not apply (it fails nothing), as consumers of runs stored
        # before "status" existed read it; "status" says which of the three it is.
        return {"name": self.name, "passed": self.passed, "detail": self.detail, "applicable": self.applicable,
                "status": self.status}

    @classmethod
    def from_dict(cls, raw: Mapping[str, object]) -> GateResult:
        # Runs stored before N/A gates have no "applicable": every gate of theirs applied.
        applicable = raw.get("applicable", raw.get("status") != "not applicable")
        return cls(str(raw["name"]), bool(raw.get("passed")), str(raw.get("detail", "")),
                   applicable=bool(applicable))


class Gates(Sequence[GateResult]):
    """A run's gates, in the order they were evaluated, and their verdict."""

    __slots__ = ("_results",)

    def __init__(self, results: Iterable[GateResult] = ()) -> None:
        self._results = tuple(results)

    @overload
    def __getitem__(self, index: int) -> GateResult: ...
    @overload
    def __getitem__(self, index: slice) -> Gates: ...
    def __getitem__(self, index: int | slice) -> GateResult | Gates:
        return Gates(self._results[index]) if isinstance(index, slice) else self._results[index]

    def __len__(self) -> int:
        return len(self._results)

    def __iter__(self) -> Iterator[GateResult]:
        return iter(self._results)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Gates) and other._results == self._results

    def __hash__(self) -> int:
        return hash(self._results)

    def __repr__(self) -> str:
        return f"Gates({list(self._results)!r})"

    @property
    def passed(self) -> bool:
        """True when no gate failed (a gate that does not apply fails nothing)."""
        return all(g.passed for g in self._results)

    @property
    def status(self) -> GateStatus | None:
        """None without gates; "not applicable" when none of them applied to this run."""
        if not self._results:
            return None
        if not any(g.applicable for g in self._results):
            return "not applicable"
        return "passed" if self.passed else "failed"

    def verdict(self) -> str:
        """The sentence every report ends its gates with."""
        return {None: "no gates", "passed": "all gates passed", "failed": "gates FAILED",
                "not applicable": "no gate applies to this run"}[self.status]

    def to_dicts(self) -> list[dict[str, object]]:
        return [g.to_dict() for g in self._results]

    @classmethod
    def from_dicts(cls, raw: object) -> Gates:
        """The gates as stored with a finished run (``totals["gates"]``); entries that are not gates are left out."""
        if not isinstance(raw, list):
            return cls()
        return cls(GateResult.from_dict(g) for g in raw if isinstance(g, dict) and "name" in g)


def _digits(value: float, threshold: float) -> int:
    """Decimals of a gate's percentages: one, or as many as the threshold is written with (90.25%), or as make
    the value and the threshold differ on screen (89.96% < 90.00%): a gate never reads "90.0% < 90.0%"."""
    for digits in (1, 2, 3):
        exact = abs(round(threshold * 100, digits) - threshold * 100) < 1e-9
        if exact and (fmt.pct(value, digits) != fmt.pct(threshold, digits) or abs(value - threshold) < 1e-12):
            return digits
    return 3


def _threshold(threshold: float | None) -> str:
    return fmt.pct(threshold) if threshold is None else fmt.pct(threshold, _digits(threshold, threshold))


def _comparison(value: float, threshold: float) -> tuple[bool, str]:
    """Whether ``value`` meets ``threshold``, and how the gate says it: ``95.6% >= 90.0% (+5.6 pp``."""
    margin = value - threshold
    passed = margin >= -1e-12
    d = _digits(value, threshold)
    text = f"{fmt.pct(value, d)} {'>=' if passed else '<'} {fmt.pct(threshold, d)} ({margin * 100:+.{d}f} pp"
    return passed, text


def evaluate_gates(
    settings: Settings, models: Sequence[ModelSummary], extra: Sequence[GateResult] = (),
    *, statistics: RunStatistics | None = None,
) -> Gates:
    """Accuracy gates, then ``extra`` gates (the baseline's), then the infrastructure-error gate.

    With ``--llm-gate-bound=lower`` and clustering on (``statistics.clustering``), the gate uses the clustered
    lower bound, which is honest about related clues; the gate's name says which bound it used."""
    if not settings.gating:
        return Gates()
    results: list[GateResult] = []
    by_name = {m.model: m for m in models}
    lower = settings.gate_bound == "lower"
    clustered = lower and statistics is not None and statistics.clustering
    basis = statistics.basis if clustered and statistics is not None else (
        "Wilson 95% lower bound" if lower else "accuracy")
    named = {g.model for g in settings.min_accuracy if g.model}
    # A per-model threshold kept in a shared config (pyproject's [tool.llmbench]) applies only to runs that
    # benchmark that model; a run of other models must not fail on it.
    for name in sorted(named - set(by_name)):
        threshold = settings.threshold_for(name)
        detail = f"not applicable: this run has no items for this model (threshold {_threshold(threshold)} not applied)"
        results.append(GateResult(f"{name} {basis}", True, detail, applicable=False))
    for summary in models:
        threshold = settings.threshold_for(summary.model)
        if threshold is None:
            continue
        value = summary.ci_low if lower else summary.accuracy
        fallback = ""
        if clustered and statistics is not None:
            clustered_low = statistics.clustered_low(summary.model)
            if clustered_low is not None:
                value = clustered_low
            elif value is not None:  # fewer than two clusters: no clustered variance to gate on
                fallback = "; Wilson bound: fewer than two clusters"
        label = f"{summary.model} {basis}"
        if value is None:
            results.append(GateResult(label, False, f"no answered items (needs {_threshold(threshold)})"))
            continue
        passed, text = _comparison(value, threshold)
        results.append(GateResult(label, passed, f"{text}; {summary.correct}/{summary.answered} correct{fallback})"))
    results.extend(extra)
    errors = sum(m.errors for m in models)
    results.append(GateResult(
        "infrastructure errors", errors <= settings.max_errors,
        f"{errors} {'<=' if errors <= settings.max_errors else '>'} {settings.max_errors} allowed",
    ))
    return Gates(results)
