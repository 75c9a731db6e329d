"""What a summary says about money beyond the table: the budget, answers nobody priced, and the cache.

An unknown is never a zero: when some answers have no price (a server that bills nothing and a model the
catalog does not price), the totals are lower bounds and say how many answers they leave out. A cache hit
was billed nothing in this run; what it cost when first asked is the cost saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_llmbench.outcome.summary import RunSummary


def cost_lines(summary: RunSummary) -> list[str]:
    lines: list[str] = []
    unpriced = summary.unpriced
    if summary.budget is not None:
        spent = f"at least ${summary.spent:.4f}" if unpriced else f"${summary.spent:.4f}"
        lines.append(f"budget: {spent} spent of ${summary.budget:.4f}")
    if unpriced:
        lines.append(f"cost: at least ${summary.spent:.4f}, {unpriced} items unpriced (the provider reported no "
                     f"cost and the catalog has no price for the model)")
    cached = sum(m.cached for m in summary.models)
    if cached:
        lines.append(
            f"cache: {cached} answers served from the response cache: billed $0 in this run, saving "
            f"${summary.cost_saved:.4f}; their latency, tokens and cost are the original call's"
        )
    latency = [m for m in summary.models if m.answered and m.latency_items < m.answered]
    for m in latency:
        lines.append(f"latency: {m.model}: statistics cover {m.latency_items} of {m.answered} answered items")
    return lines
