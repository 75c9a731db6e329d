"""``--llm-plan``: before paying, how many questions the chosen models need and what those questions cost.

Two questions a careful evaluator asks first: how many questions tell a difference of ``--llm-plan-delta``
apart (alpha 0.05, power 0.8; paired, as a run asks every model the same questions, and unpaired), and how
many give an interval of ``--llm-target-ci`` (else ±0.05). Sample sizes are ``stats.plan``'s, at accuracy 0.5
(where a proportion varies most, so an upper bound for any accuracy) with the models' errors taken as
independent. Prices per question are ``--llm-estimate``'s (``estimate.py``: the prompts rendered as they
would be sent, catalog prices); nothing is sent and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_llmbench._run.estimate import Estimate, EstimateItem, catalog_for_estimate, estimate
from pytest_llmbench._run.items import ItemSpec
from pytest_llmbench.config import Settings
from pytest_llmbench.report import fmt
from pytest_llmbench.stats import DifferencePlan, plan_difference, questions_for_half_width

if TYPE_CHECKING:
    from pytest_llmbench._run.ask import Asker

ALPHA = 0.05
POWER = 0.8
DEFAULT_HALF_WIDTH = 0.05


@dataclass(frozen=True, slots=True)
class ModelPlan:
    model: str
    simulated: bool
    questions: int  # in this run as selected
    per_question: float | None  # USD for one question (all its repeats); None: price unknown

    def cost(self, questions: int) -> float | None:
        return None if self.per_question is None else self.per_question * questions


@dataclass(frozen=True, slots=True)
class Plan:
    difference: DifferencePlan
    holm: DifferencePlan | None  # the first Holm step (alpha / pairs) with three or more models
    half_width: float
    width_questions: int
    models: list[ModelPlan]


def estimate_items(items: Sequence[tuple[str, ItemSpec, bool]], asker: Asker, settings: Settings,
                   rootdir: Path, jurors: Sequence[str] = ()) -> Estimate:
    """The expected cost of the items that would ask a model (node id, spec, asks), their prompts rendered as
    they would be sent, and of judging their replies by ``jurors``; sends and stores nothing."""
    price_of, catalog = catalog_for_estimate(settings.db, rootdir)
    wanted = (EstimateItem(spec.model, asker.messages(spec), spec.template,
                           asker.template(spec.template).params.get("max_tokens"), spec.question, spec.grader)
              for _, spec, asks in items if asks)
    result = estimate(wanted, price_of, jurors=jurors)
    result.catalog = catalog
    return result


def plan_for(result: Estimate, settings: Settings) -> str:
    """``--llm-plan``'s text for the run's estimate."""
    s = settings
    plan = make_plan(result, delta=s.plan_delta, half_width=s.target_ci, repeat=s.repeat)
    return render_plan(plan, catalog=result.catalog, target_given=s.target_ci is not None)


def make_plan(result: Estimate, *, delta: float, half_width: float | None, repeat: int = 1) -> Plan:
    models = [
        ModelPlan(m.model, m.simulated, m.items // max(1, repeat),
                  None if m.per_item is None else m.per_item * max(1, repeat))
        for m in result.models
    ]
    pairs = len(models) * (len(models) - 1) // 2
    width = half_width if half_width is not None else DEFAULT_HALF_WIDTH
    return Plan(
        difference=plan_difference(delta, alpha=ALPHA, power=POWER),
        holm=plan_difference(delta, alpha=ALPHA / pairs, power=POWER) if pairs > 1 else None,
        half_width=width,
        width_questions=questions_for_half_width(width),
        models=models,
    )


def _cost(models: Sequence[ModelPlan], questions: int) -> str:
    """Real spend for every model to answer ``questions``; simulated models cost nothing real."""
    real = [m.cost(questions) for m in models if not m.simulated]
    if any(c is None for c in real):
        return "UNKNOWN (a price is missing)"
    return fmt.usd(sum(c or 0.0 for c in real))


def render_plan(plan: Plan, *, catalog: str, target_given: bool) -> str:
    d = plan.difference
    lines = [
        f"Plan before running anything (alpha {d.alpha:g}, power {d.power:g}; prices: {catalog})",
        f"to tell a difference of {d.delta:g} apart ({d.accuracy:.2f} vs {d.accuracy + d.delta:.2f}; errors taken as "
        f"independent, {d.discordant_rate:.0%} of questions discordant):",
        f"  paired (every model on the same questions, McNemar): {d.paired:,} questions per model",
        f"  unpaired (different questions, two-proportion z test): {d.unpaired:,} questions per model",
        "  (models that miss the same questions disagree less often, and the paired design then needs fewer)",
    ]
    if plan.holm is not None:
        pairs = len(plan.models) * (len(plan.models) - 1) // 2
        lines.append(f"  with Holm over {pairs} pairs (worst case alpha {plan.holm.alpha:.4g}): "
                     f"{plan.holm.paired:,} paired, {plan.holm.unpaired:,} unpaired")
    source = "--llm-target-ci" if target_given else "default"
    lines.append(f"to reach a 95% Wilson interval of ±{plan.half_width:g} ({source}) at accuracy 0.5: "
                 f"{plan.width_questions:,} questions per model")
    if target_given:
        lines.append("  (--llm-target-ci's anytime-valid interval is wider than a fixed-n one: it may need more, "
                     "and stops sooner on an accuracy far from 0.5)")
    headers = ("model", "this run", "per question", f"paired {d.paired:,}", f"unpaired {d.unpaired:,}",
               f"±{plan.half_width:g}: {plan.width_questions:,}")
    rows = [
        (m.model + (" (simulated)" if m.simulated else ""), f"{m.questions:,}", _usd(m.per_question),
         _usd(m.cost(d.paired)), _usd(m.cost(d.unpaired)), _usd(m.cost(plan.width_questions)))
        for m in plan.models
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)] if rows else []
    for row in [headers, *rows]:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                                    strict=True))))
    lines.append(f"total real cost: paired {_cost(plan.models, d.paired)}, unpaired {_cost(plan.models, d.unpaired)}"
                 f", ±{plan.half_width:g} {_cost(plan.models, plan.width_questions)}")
    if any(m.simulated for m in plan.models):
        lines.append("Simulated models have made-up prices; they cost nothing real and are not in the totals.")
    lines.append("Nothing was sent and nothing was stored.")
    return "\n".join(lines) + "\n"


def _usd(value: float | None) -> str:
    return "UNKNOWN" if value is None else fmt.usd(value)
