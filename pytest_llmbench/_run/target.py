"""``--llm-target-ci=W``: stop asking a model once its anytime-valid 95% interval half-width is at most W.

One ``stats.TargetTracker`` per model, fed each graded item as its test reports (``ItemFlow.record_for``),
in the order the tests run: that order is fixed by collection (or by xdist's scheduling), never by which
answers come back first, so it cannot lean towards fast (often right) answers. Once a tracker stops, the
engine sends none of that model's requests that have not started (``Engine.stop_model``, the path a spent
budget takes): their tests skip with the reason. Requests already sent finish and are graded; the confidence
sequence stays valid however many more outcomes it is fed, so they only narrow the interval.

Under xdist each worker decides for the items it runs (its own trackers, its share of the items): a model
stops on a worker once that worker's interval is narrow enough, and the controller's summary shows the
skipped items but no stopping point.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pytest_llmbench.outcome.statistics import stopped_early_reason
from pytest_llmbench.stats import TargetReport, TargetTracker


@dataclass
class TargetStopping:
    half_width: float
    #: called once per model when it stops, with the reason its remaining items are skipped
    stop_model: Callable[[str, str], None]
    trackers: dict[str, TargetTracker] = field(default_factory=dict)
    _fed: Counter[str] = field(default_factory=Counter)
    _planned: Counter[str] = field(default_factory=Counter)

    def plan(self, models: Iterable[str]) -> None:
        """The items this process may grade, one model name per item (in any order)."""
        self._planned = Counter(models)
        for model, planned in self._planned.items():
            # The tracker's order is "the k-th graded item of this model": see the module docstring.
            self.trackers[model] = TargetTracker(range(planned), self.half_width)

    def graded(self, model: str, correct: bool | None) -> None:
        """A graded (``correct``) or failed (None) item of ``model`` reported its test."""
        tracker = self.trackers.get(model)
        if tracker is None or self._fed[model] >= self._planned[model]:
            return
        was_stopped = tracker.stopped
        tracker.record(self._fed[model], correct)
        self._fed[model] += 1
        if tracker.stopped and not was_stopped and tracker.stop is not None:
            self.stop_model(model, stopped_early_reason(model, self.half_width, tracker.stop.n))

    def reports(self) -> dict[str, TargetReport]:
        return {model: tracker.report() for model, tracker in self.trackers.items()}
