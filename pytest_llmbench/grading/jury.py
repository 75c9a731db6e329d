"""A jury of judge models: each juror's vote, the majority, and the one completion the graders read.

``--llm-judge-model=A,B,C`` makes a jury. Every juror gets the same prompt; the verdict is the one most jurors
gave. The rules, chosen so that a jury never credits an answer it could not agree on:

- **Ties are not correct.** A tie (two against two, or CORRECT / INCORRECT / NOT_ATTEMPTED one each) is
  INCORRECT: crediting an answer half the judges reject would flatter the model.
- **A failed juror** (an error after retries, or a reply that names no verdict) casts no vote. The jury still
  decides when the verdict most jurors gave has a strict majority of the whole jury, so the missing votes
  could not have changed it (2 of 3 agree, 1 failed); otherwise the item is an infrastructure error, never
  a wrong answer (1 CORRECT, 1 INCORRECT, 1 failed).

The graders know nothing of juries: they ask "the judge" once and parse one verdict word. ``verdict_completion``
is what they get: the majority word first, then each juror's vote (``parse_verdict`` reads the leading word).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pytest_llmbench.grading.judge import parse_verdict
from pytest_llmbench.types import Completion, ErrorKind, Verdict

JURY_SEPARATOR = ","


def jury_models(spec: str | None) -> tuple[str, ...]:
    """The judge models of ``--llm-judge-model`` (one model, or several separated by commas)."""
    if not spec:
        return ()
    return tuple(m.strip() for m in spec.split(JURY_SEPARATOR) if m.strip())


@dataclass(frozen=True, slots=True)
class Vote:
    """One juror's say on one reply: a verdict, or why there is none."""

    model: str
    verdict: Verdict | None
    raw: str = ""
    cost_usd: float = 0.0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The stored form (the results' ``judge_json`` column)."""
        return {
            "role": "judge",
            "model": self.model,
            "verdict": self.verdict.value if self.verdict else None,
            "reason": self.raw[:200],
            "cost_usd": self.cost_usd,
            "error": self.error,
        }


def vote_of(model: str, completion: Completion, cost_usd: float | None = None) -> Vote:
    cost = (completion.cost_usd or 0.0) if cost_usd is None else cost_usd
    if completion.error is not None:
        return Vote(model, None, cost_usd=cost, error=completion.error)
    verdict = parse_verdict(completion.text)
    if verdict is None:
        shown = " ".join(completion.text.split())[:80]
        return Vote(model, None, completion.text.strip(), cost, f"no verdict in '{shown}'")
    return Vote(model, verdict, completion.text.strip(), cost)


def majority(votes: Sequence[Vote], size: int | None = None) -> Verdict | None:
    """The jury's verdict (see the module's rules), or None when the failed jurors leave it undecided."""
    size = len(votes) if size is None else size
    counts = Counter(v.verdict for v in votes if v.verdict is not None)
    if not counts:
        return None
    ranked = counts.most_common()
    top, top_count = ranked[0]
    failed = size - sum(counts.values())
    if failed and top_count * 2 <= size:
        return None
    if len(ranked) > 1 and ranked[1][1] == top_count:
        return Verdict.INCORRECT
    return top


def verdict_completion(spec: str, votes: Sequence[Vote]) -> Completion:
    """What the graders read for a jury: the majority word and each vote, or an error when undecided."""
    verdict = majority(votes)
    cost = sum(v.cost_usd for v in votes)
    said = "; ".join(
        f"{v.model} {v.verdict.value.upper()}" if v.verdict else f"{v.model} failed ({v.error})" for v in votes
    )
    if verdict is None:
        return Completion(
            model=spec, error=f"the jury reached no verdict: {said}", error_kind=ErrorKind.BAD_RESPONSE, cost_usd=cost
        )
    agreeing = sum(v.verdict is verdict for v in votes)
    return Completion(model=spec, text=f"{verdict.value.upper()} (jury {agreeing}/{len(votes)}: {said})", cost_usd=cost)
