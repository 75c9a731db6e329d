"""``--llm-estimate``: the expected cost per model before anything is spent.

For every selected item the prompt is rendered exactly as it would be sent and its tokens are counted with the
package's one heuristic, read as ``TYPICAL`` (``engine/costs.py``: no tokenizer dependency).

The completion is a typical length for the template (``TYPICAL_COMPLETION``), never more than its
``max_tokens``. Cost per item is then ``estimate_cost`` from the catalog prices (price tiers and per-request
prices included). Models without a known price are flagged, not guessed. Nothing is sent and nothing is
written: the catalog comes from the database cache when one exists (read only), else the bundled snapshot.
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
from pytest_llmbench.types import Message

#: Typical reply length in tokens by template: "What is Paris?" is about 5; a reasoned answer a few hundred.
TYPICAL_COMPLETION: Mapping[str, int] = {"jeopardy": 12, "qa": 12, "few-shot": 12, "cot": 300}
DEFAULT_COMPLETION = 32


def typical_completion(template: str, max_tokens: object = None) -> int:
    typical = TYPICAL_COMPLETION.get(template, DEFAULT_COMPLETION)
    return min(typical, max_tokens) if isinstance(max_tokens, int) and max_tokens > 0 else typical


@dataclass(frozen=True, slots=True)
class EstimateItem:
    model: str
    messages: Sequence[Message]
    template: str
    max_tokens: object = None


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
class Estimate:
    models: list[ModelEstimate] = field(default_factory=list)
    catalog: str = ""

    @property
    def total(self) -> float:
        """Expected real spend: simulated models cost nothing real and are left out."""
        return sum(m.cost_usd or 0.0 for m in self.models if not m.simulated)

    @property
    def unknown(self) -> list[str]:
        return [m.model for m in self.models if m.cost_usd is None]


def estimate(
    items: Iterable[EstimateItem], price_of: Callable[[str], ModelInfo | None], *, simulated_prefix: str = "sim/"
) -> Estimate:
    by_model: dict[str, ModelEstimate] = {}
    for item in items:
        row = by_model.get(item.model)
        if row is None:
            row = by_model[item.model] = ModelEstimate(item.model, item.model.startswith(simulated_prefix))
        prompt = count_prompt_tokens(item.messages)
        completion = typical_completion(item.template, item.max_tokens)
        row.items += 1
        row.prompt_tokens += prompt
        row.completion_tokens += completion
        info = price_of(item.model)
        if info is None:
            row.cost_usd, row.note = None, "not in the catalog: price unknown"
            continue
        cost = estimate_cost(info, prompt, completion)
        if cost is None:
            row.cost_usd, row.note = None, "the catalog has no fixed price (router or variable pricing)"
        elif row.cost_usd is not None:
            row.cost_usd += cost
    return Estimate(list(by_model.values()))


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
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)] if rows else []
    lines = [f"Estimated cost before running anything (prices: {result.catalog})"]
    if rows:
        lines.append(
            "  ".join(
                h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True))
            )
        )
        for r in rows:
            lines.append(
                "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            )
    total = f"total: {fmt.usd(result.total)}"
    if result.unknown:
        total += f" plus {len(result.unknown)} model(s) with unknown prices"
    if budget is not None:
        total += f" (budget --llm-max-cost {fmt.usd(budget)}: " + ("fits)" if result.total <= budget else "EXCEEDED)")
    lines.append(total)
    for m in result.models:
        if m.note:
            lines.append(f"! {m.model}: {m.note}")
    if any(m.simulated for m in result.models):
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
