"""Inline SVG charts for the HTML report: no library, no script, every label escaped.

Charts are drawn server-side so the report reads the same with JavaScript off, prints, and can be archived.
"""

from __future__ import annotations

import hashlib
import math
from html import escape

from pytest_llmbench.report import fmt
from pytest_llmbench.report.model import ReportData
from pytest_llmbench.stats import ModelSummary, percentile

#: Tableau 10: distinguishable, print-safe, and friendly to the common colour-vision deficiencies.
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _t(x: float) -> str:
    return f"{x:.1f}"


def _cost_per_1k(m: ModelSummary) -> float | None:
    return m.cost_usd / m.items * 1000 if m.items and m.cost_usd is not None and not m.unpriced else None


def accuracy_vs_cost(data: ReportData, width: int = 560, height: int = 340) -> str:
    """Accuracy (with its 95% interval) against cost per 1,000 items; log cost axis when costs span >20x."""
    models = [(i, m) for i, m in enumerate(data.summary.models) if m.accuracy is not None]
    left, right, top, bottom = 56, 24, 16, 44
    pw, ph = width - left - right, height - top - bottom
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Accuracy against cost per 1,000 items">'
    ]
    costs = [c for _, m in models if (c := _cost_per_1k(m)) is not None and c > 0]
    lo, hi = (min(costs), max(costs)) if costs else (0.001, 1.0)
    use_log = bool(costs) and hi / lo > 20
    if use_log:
        lo, hi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi))
    else:
        lo, hi = 0.0, (hi * 1.15 if costs else 1.0)

    def x_of(cost: float | None) -> float:
        if not cost or cost <= 0:
            return left
        if use_log:
            return left + pw * (math.log10(cost) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        return left + pw * (cost - lo) / (hi - lo)

    def y_of(acc: float) -> float:
        return top + ph * (1 - acc)

    for step in range(0, 101, 20):
        y = y_of(step / 100)
        parts.append(f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{_t(y)}" y2="{_t(y)}"/>')
        parts.append(f'<text class="tick" x="{left - 8}" y="{_t(y + 4)}" text-anchor="end">{step}%</text>')
    ticks = (
        [lo * 10**k for k in range(round(math.log10(hi / lo)) + 1)]
        if use_log
        else [lo + (hi - lo) * k / 4 for k in range(5)]
    )
    for tick in ticks:
        x = x_of(tick) if tick > 0 else float(left)
        parts.append(f'<line class="grid" x1="{_t(x)}" x2="{_t(x)}" y1="{top}" y2="{top + ph}"/>')
        parts.append(
            f'<text class="tick" x="{_t(x)}" y="{top + ph + 16}" text-anchor="middle">{escape(fmt.usd(tick))}</text>'
        )
    axis = "cost per 1,000 items (log scale)" if use_log else "cost per 1,000 items"
    parts.append(f'<text class="axis" x="{left + pw / 2:.0f}" y="{height - 6}" text-anchor="middle">{axis}</text>')
    parts.append(
        f'<text class="axis" transform="translate(14 {top + ph / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">accuracy</text>'
    )
    for i, m in models:
        x = x_of(_cost_per_1k(m))
        y = y_of(m.accuracy or 0.0)
        col = colour(i)
        if m.ci_low is not None and m.ci_high is not None:
            parts.append(
                f'<line stroke="{col}" stroke-width="2" x1="{_t(x)}" x2="{_t(x)}" '
                f'y1="{_t(y_of(m.ci_low))}" y2="{_t(y_of(m.ci_high))}"/>'
            )
        shape = "dashed" if m.simulated else "solid"
        label = m.model + (" (simulated)" if m.simulated else "")
        anchor, dx = ("end", -10) if x > left + pw * 0.7 else ("start", 10)
        parts.append(
            f'<circle class="pt {shape}" cx="{_t(x)}" cy="{_t(y)}" r="7" fill="{col}">'
            f"<title>{escape(label)}: {fmt.pct(m.accuracy)}, {escape(fmt.usd(_cost_per_1k(m)))} "
            f"per 1,000 items</title></circle>"
        )
        parts.append(
            f'<text class="label" x="{_t(x + dx)}" y="{_t(y - 8)}" text-anchor="{anchor}">{escape(m.model)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _spread(key: str) -> float:
    """A stable jitter in [-1, 1] for a dot, the same on every render."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:6], 16) / 0xFFFFFF * 2 - 1


def latency_distribution(data: ReportData, width: int = 560) -> str:
    """Per model: every measured latency as a dot, a box from p25 to p75, whiskers p5-p95, a line at p50."""
    rows: list[tuple[int, ModelSummary, list[tuple[str, float]]]] = []
    for i, m in enumerate(data.summary.models):
        points = [
            (f"{r.question_key}#{r.repeat}", r.latency_ms)
            for r in data.records
            if r.model == m.model and not r.cached and r.latency_ms is not None and r.correct is not None
        ]
        rows.append((i, m, points))
    row_h, left, right, top = 46, 130, 20, 10
    height = top + row_h * max(1, len(rows)) + 40
    pw = width - left - right
    every = [v for _, _, pts in rows for _, v in pts]
    hi = (percentile(every, 99) or 1.0) * 1.05 if every else 1.0
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="Latency distribution">']

    def x_of(v: float) -> float:
        return left + pw * min(v, hi) / hi

    for k in range(5):
        v = hi * k / 4
        x = x_of(v)
        parts.append(f'<line class="grid" x1="{_t(x)}" x2="{_t(x)}" y1="{top}" y2="{height - 30}"/>')
        parts.append(
            f'<text class="tick" x="{_t(x)}" y="{height - 14}" text-anchor="middle">{escape(fmt.ms(v))}</text>'
        )
    for row, (i, m, points) in enumerate(rows):
        cy = top + row_h * row + row_h / 2
        col = colour(i)
        parts.append(
            f'<text class="label" x="{left - 10}" y="{_t(cy + 4)}" text-anchor="end">{escape(_short(m.model))}</text>'
        )
        values = [v for _, v in points]
        if not values:
            parts.append(f'<text class="tick" x="{left + 6}" y="{_t(cy + 4)}">no measured latencies</text>')
            continue
        step = max(1, len(points) // 400)  # a few hundred dots say as much as thousands
        for key, v in points[::step]:
            parts.append(
                f'<circle class="dot" cx="{_t(x_of(v))}" cy="{_t(cy + _spread(key) * 12)}" r="2.2" fill="{col}"/>'
            )
        q = {p: percentile(values, p) or 0.0 for p in (5, 25, 50, 75, 95)}
        parts.append(
            f'<line class="whisker" x1="{_t(x_of(q[5]))}" x2="{_t(x_of(q[95]))}" y1="{_t(cy)}" y2="{_t(cy)}"/>'
        )
        parts.append(
            f'<rect class="box" x="{_t(x_of(q[25]))}" y="{_t(cy - 9)}" '
            f'width="{_t(max(1.0, x_of(q[75]) - x_of(q[25])))}" height="18" stroke="{col}">'
            f"<title>{escape(m.model)}: p50 {fmt.ms(q[50])}, p95 {fmt.ms(q[95])}</title></rect>"
        )
        parts.append(
            f'<line class="median" x1="{_t(x_of(q[50]))}" x2="{_t(x_of(q[50]))}" '
            f'y1="{_t(cy - 11)}" y2="{_t(cy + 11)}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def interval_bar(low: float | None, high: float | None, point: float | None, col: str) -> str:
    """A 0-100% track with the 95% interval and the point estimate, stretched to the card's width."""
    if point is None or low is None or high is None:
        return ""
    return (
        f'<svg class="ci" viewBox="0 0 1000 14" preserveAspectRatio="none" role="img" aria-label="95% interval '
        f'{fmt.pct(low)} to {fmt.pct(high)}"><rect class="track" x="0" y="5" width="1000" height="4"/>'
        f'<rect x="{_t(low * 1000)}" y="3" width="{_t(max(6.0, (high - low) * 1000))}" height="8" '
        f'fill="{col}" opacity="0.45"/><rect x="{_t(point * 1000 - 5)}" y="0" width="10" height="14" '
        f'fill="{col}"/></svg>'
    )


def _short(model: str, limit: int = 18) -> str:
    return model if len(model) <= limit else "…" + model[-(limit - 1) :]


def heat_colour(accuracy: float | None) -> str:
    """Red (0%) through amber to green (100%); grey when nothing was answered."""
    if accuracy is None:
        return "#eceff3"
    hue = 4 + accuracy * 128
    return f"hsl({hue:.0f} 62% {88 - accuracy * 14:.0f}%)"
