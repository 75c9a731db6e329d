"""Two gradings of the same answers compared: how often they agree, Cohen's kappa, and the items that flipped.

``llmbench regrade`` prints it against the run's original grading. Only items graded both times count (an
item that was never answered, or whose judge failed, has no verdict to compare).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pytest_llmbench.stats.agreement import cohen_kappa
from pytest_llmbench.types import ResultRecord


@dataclass(frozen=True, slots=True)
class Flip:
    model: str
    question_key: str
    response: str
    now_correct: bool


@dataclass(frozen=True, slots=True)
class GradingAgreement:
    before: str
    after: str
    items: int
    agree: int
    kappa: float | None
    flips: list[Flip] = field(default_factory=list)

    @classmethod
    def compare(cls, before: Sequence[ResultRecord], after: Sequence[ResultRecord]) -> GradingAgreement:
        """``before`` and ``after`` are the same items in the same order."""
        pairs = [(a, b) for a, b in zip(before, after, strict=True) if a.correct is not None and b.correct is not None]
        old = [bool(a.correct) for a, _ in pairs]
        new = [bool(b.correct) for _, b in pairs]
        flips = [Flip(b.model, b.question_key, b.response_text, bool(b.correct)) for a, b in pairs
                 if a.correct != b.correct]
        name = next((a.grader for a in before if a.grader), None) or "?"
        return cls(before=name, after=next((b.grader for b in after if b.grader), None) or "?", items=len(pairs),
                   agree=len(pairs) - len(flips), kappa=cohen_kappa(old, new), flips=flips)

    def lines(self, limit: int = 20) -> list[str]:
        share = f"{self.agree / self.items:.1%}" if self.items else "n/a"
        kappa = "n/a" if self.kappa is None else f"{round(self.kappa, 3) + 0.0:.3f}"
        up = sum(f.now_correct for f in self.flips)
        out = [f"agreement of {self.after} with the original grading ({self.before}): {self.agree} of {self.items} "
               f"items ({share}), Cohen kappa {kappa}; {len(self.flips)} flipped ({up} wrong -> correct, "
               f"{len(self.flips) - up} correct -> wrong)"]
        for flip in self.flips[:limit]:
            change = "wrong -> correct" if flip.now_correct else "correct -> wrong"
            reply = " ".join(flip.response.split())
            reply = reply if len(reply) <= 60 else reply[:57] + "..."
            out.append(f"  {change}  {flip.model}  {flip.question_key}  {reply!r}")
        if len(self.flips) > limit:
            out.append(f"  ... and {len(self.flips) - limit} more")
        return out
