"""``--llm-estimate``: the expected cost per model before anything is spent.

For every selected item the prompt is rendered exactly as it would be sent and its tokens are counted with the
package's one heuristic, read as ``TYPICAL`` (``engine/costs.py``: no tokenizer dependency).

The completion is a typical length for the template (``TYPICAL_COMPLETION``), never more than its
``max_tokens``. Cost per item is then ``estimate_cost`` from the catalog prices (price tiers and per-request
prices included). Models without a known price are flagged, not guessed. Nothing is sent and nothing is
written: the catalog comes from the database cache when one exists (read only), else the bundled snapshot.

Judging (``--llm-judge-model``) is estimated apart, per juror: the ``judge`` grader asks every juror about
every reply; ``adaptive`` asks only about the replies its rules are unsure of, which nobody knows before the
replies exist, so it is a range (none of them to all of them), not a guess. A judge call's prompt is the
judge's real prompt for the item with a reply of the template's typical length; its reply is a verdict word.
The budget is compared with answering plus the upper end of judging: the engine reserves judge calls from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_llmbench.engine.costs import TYPICAL, count_prompt_tokens
from pytest_llmbench.errors import LlmBenchError
from pytest_llmbench.providers.catalog import ModelInfo, estimate_cost
from pytest_llmbench.report import fmt
from pytest_llmbench.storage.db import sqlite_path
from pytest_llmbench.types import Message, Question

#: Typical reply length in tokens by template: "What is Paris?" is about 5; a reasoned answer a few hundred.
TYPICAL_COMPLETION: Mapping[str, int] = {"jeopardy": 12, "qa": 12, "few-shot": 12, "cot": 300}
DEFAULT_COMPLETION = 32
#: A judge's typical reply: the verdict word and little more (the judge request caps it at JUDGE_MAX_TOKENS).
JUDGE_COMPLETION = 4
#: Graders that ask the judge about every reply, and those that may (only when their rules are unsure).
JUDGES_EVERY_REPLY = frozenset({"judge"})
JUDGES_SOME_REPLIES = frozenset({"adaptive"})


def typical_completion(template: str, max_tokens: object = None) -> int:
    typical = TYPICAL_COMPLETION.get(template, DEFAULT_COMPLETION)
    return min(typical, max_tokens) if isinstance(max_tokens, int) and max_tokens > 0 else typical


@dataclass(frozen=True, slots=True)
class EstimateItem:
    model: str
    messages: Sequence[Message]
    template: str
    max_tokens: object = None
    question: Question | None = None  # with ``grader``: what a judge would be asked about the reply
    grader: str = ""


@dataclass
class ModelEstimate:
    model: str
    simulated: bool
    items: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    note: str | None = None

    @property
    def per_item(self) -> float | None:
        return None if self.cost_usd is None or not self.items else self.cost_usd / self.items


@dataclass
class JudgeEstimate:
    """One juror's calls: ``certain`` ones (the ``judge`` grader) and ``possible`` ones (``adaptive``'s)."""

    model: str
    simulated: bool
    certain: ModelEstimate
    possible: ModelEstimate

    @property
    def low(self) -> float | None:
        return self.certain.cost_usd

    @property
    def high(self) -> float | None:
        if self.certain.cost_usd is None or self.possible.cost_usd is None:
            return None
        return self.certain.cost_usd + self.possible.cost_usd

    @property
    def note(self) -> str | None:
        return self.certain.note or self.possible.note


@dataclass
class Estimate:
    models: list[ModelEstimate] = field(default_factory=list)
    catalog: str = ""
    judges: list[JudgeEstimate] = field(default_factory=list)

    @property
    def total(self) -> float:
        """Expected real spend on answers: simulated models cost nothing real and are left out."""
        return sum(m.cost_usd or 0.0 for m in self.models if not m.simulated)

    @property
    def judging(self) -> tuple[float, float]:
        """Real spend on judging: the least (certain calls only) and the most (every possible call too)."""
        real = [j for j in self.judges if not j.simulated]
        return sum(j.low or 0.0 for j in real), sum(j.high or 0.0 for j in real)

    @property
    def unknown(self) -> list[str]:
        return [m.model for m in self.models if m.cost_usd is None] + [
            j.model for j in self.judges if j.high is None]


def estimate(
    items: Iterable[EstimateItem],
    price_of: Callable[[str], ModelInfo | None],
    *,
    simulated_prefix: str = "sim/",
    jurors: Sequence[str] = (),
) -> Estimate:
    by_model: dict[str, ModelEstimate] = {}
    judges = {j: JudgeEstimate(j, j.startswith(simulated_prefix), ModelEstimate(j, False), ModelEstimate(j, False))
              for j in jurors}
    for item in items:
        row = by_model.get(item.model)
        if row is None:
            row = by_model[item.model] = ModelEstimate(item.model, item.model.startswith(simulated_prefix))
        completion = typical_completion(item.template, item.max_tokens)
        _add(row, price_of(row.model), count_prompt_tokens(item.messages), completion)
        if judges and item.question is not None and item.grader in JUDGES_EVERY_REPLY | JUDGES_SOME_REPLIES:
            prompt = judge_prompt_tokens(item.question, completion)
            for judge in judges.values():
                calls = judge.certain if item.grader in JUDGES_EVERY_REPLY else judge.possible
                _add(calls, price_of(judge.model), prompt, JUDGE_COMPLETION)
    return Estimate(list(by_model.values()), judges=[j for j in judges.values() if j.certain.items + j.possible.items])


def _add(row: ModelEstimate, info: ModelInfo | None, prompt: int, completion: int) -> None:
    """One more call on ``row``: its tokens, and its cost at ``info``'s prices (unknown stays unknown)."""
    row.items += 1
    row.prompt_tokens += prompt
    row.completion_tokens += completion
    if info is None:
        row.cost_usd, row.note = None, "not in the catalog: price unknown"
        return
    cost = estimate_cost(info, prompt, completion)
    if cost is None:
        row.cost_usd, row.note = None, "the catalog has no fixed price (router or variable pricing)"
    elif row.cost_usd is not None:
        row.cost_usd += cost


def judge_prompt_tokens(question: Question, reply_tokens: int) -> int:
    """Tokens of the judge's prompt about a reply of ``reply_tokens`` to ``question``."""
    from pytest_llmbench.grading.answer_key import parse_key
    from pytest_llmbench.grading.judge import judge_messages

    key = parse_key(question.answer, question.clue, question.category or "")
    reply = "x" * int(reply_tokens * TYPICAL.chars_per_token)
    return count_prompt_tokens(judge_messages(question, key, reply))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A left-aligned first column and right-aligned numbers."""
    if not rows:
        return []
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    return ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            for r in (headers, *rows)]


def _span(low: float | None, high: float | None, render: Callable[[float], str]) -> str:
    if low is None or high is None:
        return "UNKNOWN"
    return render(low) if low == high else f"{render(low)} to {render(high)}"


def _judge_lines(result: Estimate) -> list[str]:
    if not result.judges:
        return []
    how = []
    if any(j.certain.items for j in result.judges):
        how.append("the judge grader asks every juror about every reply")
    if any(j.possible.items for j in result.judges):
        how.append("adaptive asks only about the replies its rules are unsure of, unknown before they are "
                   "answered: a range from none to all of them (tokens at the upper end)")
    lines = [f"Judging (--llm-judge-model), apart from answering: {'; '.join(how)}"]
    rows = [
        (
            j.model + (" (simulated)" if j.simulated else ""),
            _span(j.certain.items, j.certain.items + j.possible.items, lambda n: f"{n:,.0f}"),
            f"{j.certain.prompt_tokens + j.possible.prompt_tokens:,}",
            f"~{j.certain.completion_tokens + j.possible.completion_tokens:,}",
            _span(j.low, j.high, fmt.usd),
        )
        for j in result.judges
    ]
    lines += _table(("judge", "calls", "prompt tokens", "completion tokens", "expected cost"), rows)
    low, high = result.judging
    lines.append(f"judging total: {_span(low, high, fmt.usd)}")
    return lines


def render_estimate(result: Estimate, *, budget: float | None = None) -> str:
    headers = ("model", "items", "prompt tokens", "completion tokens", "expected cost", "per item")
    rows = [
        (
            m.model + (" (simulated)" if m.simulated else ""),
            f"{m.items:,}",
            f"{m.prompt_tokens:,}",
            f"~{m.completion_tokens:,}",
            "UNKNOWN" if m.cost_usd is None else fmt.usd(m.cost_usd),
            "-" if m.per_item is None else fmt.usd(m.per_item),
        )
        for m in result.models
    ]
    lines = [f"Estimated cost before running anything (prices: {result.catalog})", *_table(headers, rows)]
    low, high = result.judging
    line = f"total: {fmt.usd(result.total)}"
    if result.judges:
        lines += [f"{line} answering", *_judge_lines(result)]
        line = f"total with judging: {_span(result.total + low, result.total + high, fmt.usd)}"
    if result.unknown:
        line += f" plus {len(result.unknown)} model(s) with unknown prices"
    if budget is not None:
        verdict = ("fits" if result.total + high <= budget else "EXCEEDED" if result.total + low > budget
                   else "EXCEEDED at the upper end of judging")
        line += f" (budget --llm-max-cost {fmt.usd(budget)}: {verdict})"
    lines.append(line)
    notes = [(m.model, m.note) for m in result.models] + [(j.model, j.note) for j in result.judges]
    lines += [f"! {model}: {note}" for model, note in dict(notes).items() if note]
    if any(m.simulated for m in result.models) or any(j.simulated for j in result.judges):
        lines.append("Simulated models have made-up prices; they cost nothing real and are not in the total.")
    lines.append(
        f"Prompt tokens are counted from the rendered prompts (~{TYPICAL.chars_per_token:g} characters a token "
        f"plus {TYPICAL.per_message} per message); completions assume a typical reply length for the template. "
        "Nothing was sent and nothing was stored."
    )
    return "\n".join(lines) + "\n"


def catalog_for_estimate(db_url: str, base_dir: Path) -> tuple[Callable[[str], ModelInfo | None], str]:
    """Prices for ``estimate``: simulated profiles, then the database's cached catalog (only if that database
    already exists: an estimate creates nothing), else the bundled snapshot. Never the network."""
    from pytest_llmbench.providers.simulated import PROFILES
    from pytest_llmbench.storage.catalog_cache import CatalogCache, resolve_catalog
    from pytest_llmbench.storage.db import open_engine

    engine = None
    path = sqlite_path(db_url, base_dir)
    if path is None or path.exists():
        try:
            engine = open_engine(db_url, base_dir=base_dir)
        except LlmBenchError:  # an unusable database only means: no cached catalog
            engine = None
    try:
        answer = resolve_catalog(CatalogCache(engine) if engine is not None else None, None)
    finally:
        if engine is not None:
            engine.dispose()
    models = answer.models

    def price_of(model: str) -> ModelInfo | None:
        profile = PROFILES.get(model)
        if profile is not None:
            return ModelInfo(model, model, prompt_price=profile.prompt_price, completion_price=profile.completion_price)
        return models.get(model)

    return price_of, answer.describe().replace(" (offline)", "")
