"""How far the judge can be trusted, from the stored votes: the jurors with each other and with the rules.

Computed over the *judged* items (those whose grade a judge decided, with every juror's vote in
``ResultRecord.judges``). Agreement is on correctness: CORRECT against anything else (INCORRECT and
NOT_ATTEMPTED alike), the same split the accuracy uses. Between jurors it counts only the items where every
juror gave a verdict; Cohen's kappa for two jurors, Fleiss' for three or more. Against the rules: the
jury's decision (the item's grade) and the judge-free grader's verdict on the same reply (``adaptive``
without its judge, or ``lenient`` for the ``judge`` grader). Judging cost is what the judge calls were billed,
apart from what answering cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pytest_llmbench.stats.agreement import cohen_kappa, kappa, percent_agreement
from pytest_llmbench.types import Outcome, ResultRecord


@dataclass(frozen=True, slots=True)
class JudgingSummary:
    jurors: tuple[str, ...]
    judged: int  # replies whose grade a judge decided
    graded: int  # replies graded in all (judged or not)
    judge_failed: int  # items that became infrastructure errors because no verdict came
    judge_cost_usd: float
    answer_cost_usd: float
    juror_items: int = 0  # judged items where every juror gave a verdict
    juror_agreement: float | None = None  # share of those where all jurors agree
    juror_kappa: float | None = None
    kappa_name: str = ""
    rules_name: str = ""
    rules_items: int = 0
    rules_agreement: float | None = None
    rules_kappa: float | None = None

    @classmethod
    def from_records(cls, records: Sequence[ResultRecord]) -> JudgingSummary | None:
        """None when no judge was asked in this run."""
        with_votes = [r for r in records if r.judges]
        if not with_votes:
            return None
        jurors: dict[str, None] = {}
        for r in with_votes:
            jurors.update(dict.fromkeys(str(e.get("model")) for e in r.judges or () if e.get("role") == "judge"))
        judged = [r for r in with_votes if r.correct is not None]
        ratings: list[list[bool]] = []
        decided: list[bool] = []
        rules: list[bool] = []
        rules_name = ""
        for r in judged:
            votes = {str(e.get("model")): e.get("verdict") for e in r.judges or () if e.get("role") == "judge"}
            if len(votes) == len(jurors) and all(v is not None for v in votes.values()):
                ratings.append([votes[j] == "correct" for j in jurors])
            said = [e for e in r.judges or () if e.get("role") == "rules" and e.get("verdict")]
            if said:
                rules_name = str(said[0].get("model"))
                decided.append(bool(r.correct))
                rules.append(said[0]["verdict"] == "correct")
        name, juror_kappa = kappa(ratings) if len(jurors) > 1 and ratings else ("", None)
        return cls(
            jurors=tuple(jurors),
            judged=len(judged),
            graded=sum(r.correct is not None for r in records),
            judge_failed=sum(r.outcome is Outcome.ERROR and r.correct is None for r in with_votes),
            judge_cost_usd=sum(r.grade_cost_usd for r in records),
            answer_cost_usd=sum((r.cost_usd or 0.0) for r in records if not r.cached),
            juror_items=len(ratings) if len(jurors) > 1 else 0,
            juror_agreement=(sum(len(set(row)) == 1 for row in ratings) / len(ratings))
            if len(jurors) > 1 and ratings else None,
            juror_kappa=juror_kappa,
            kappa_name=name,
            rules_name=rules_name,
            rules_items=len(decided),
            rules_agreement=percent_agreement(decided, rules),
            rules_kappa=cohen_kappa(decided, rules),
        )

    def lines(self) -> list[str]:
        """The summary's judging lines (terminal and notes)."""
        who = f"jury of {len(self.jurors)} ({', '.join(self.jurors)})" if len(self.jurors) > 1 else self.jurors[0]
        share = f"{self.judged / self.graded:.1%}" if self.graded else "n/a"
        out = [f"judge: {who} decided {self.judged} of {self.graded} graded replies ({share})"
               + (f"; {self.judge_failed} item(s) got no verdict (infrastructure errors)" if self.judge_failed else "")]
        if len(self.jurors) > 1:
            out.append(f"judge agreement: jurors agree on {_pct(self.juror_agreement)} of {self.juror_items} items, "
                       f"{self.kappa_name} kappa {_kappa(self.juror_kappa)}")
        if self.rules_items:
            out.append(f"judge vs rules ({self.rules_name}): agree on {_pct(self.rules_agreement)} of "
                       f"{self.rules_items} judged items, Cohen kappa {_kappa(self.rules_kappa)}")
        out.append(f"judging cost: ${self.judge_cost_usd:.4f} (answering: ${self.answer_cost_usd:.4f})")
        return out


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _kappa(value: float | None) -> str:
    return "n/a (one verdict only)" if value is None else f"{round(value, 3) + 0.0:.3f}"  # + 0.0: no "-0.000"
