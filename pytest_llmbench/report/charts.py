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


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Ticks at round values (steps of 1, 2 or 5 times a power of ten) covering [lo, hi], about ``count``."""
    if not hi > lo:
        hi = lo + (abs(lo) or 1.0)
    rough = (hi - lo) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough * 0.999)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0


def tick_usd(value: float, step: float) -> str:
    return "$0" if value == 0 else f"${value:,.{_decimals(step)}f}"


def tick_ms(value: float, step: float) -> str:
    if value == 0:
        return "0"
    if step >= 1000 or (value >= 1000 and step % 100 == 0):
        return f"{value / 1000:.{_decimals(step / 1000)}f} s"
    return f"{value:.{_decimals(step)}f} ms"


#: Label offsets from a point (dx, dy, anchor), tried in order; later ones stack labels of points that coincide.
_LABEL_SPOTS = [(10, -8, "start"), (-10, -8, "end"), (10, 16, "start"), (-10, 16, "end"), (0, -14, "middle"),
                (0, 24, "middle")] + [(10, -8 - 15 * k, "start") for k in range(1, 6)] + [
                (10, 16 + 15 * k, "start") for k in range(1, 6)]

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def place_labels(points: list[tuple[float, float, str]], bounds: Box) -> list[tuple[float, float, str]]:
    """(x, y, anchor) of each point's label so that no label covers another label or any point, and all stay
    inside ``bounds``: the first free spot, else the one with the least overlap. Widths are estimated."""
    taken: list[Box] = [(x - 8, y - 8, x + 8, y + 8) for x, y, _ in points]
    out = []
    for x, y, text in points:
        width = 7.0 * len(text) + 4
        best: tuple[float, float, float, str, Box] | None = None
        for dx, dy, anchor in _LABEL_SPOTS:
            lx, ly = x + dx, y + dy
            x0 = lx if anchor == "start" else lx - width if anchor == "end" else lx - width / 2
            box = (x0, ly - 12, x0 + width, ly + 3)
            outside = (max(0.0, bounds[0] - box[0]) + max(0.0, box[2] - bounds[2])
                       + max(0.0, bounds[1] - box[1]) + max(0.0, box[3] - bounds[3])) * 100
            cost = outside + sum(_overlap(box, t) for t in taken)
            if best is None or cost < best[0]:
                best = (cost, lx, ly, anchor, box)
            if cost == 0:
                break
        assert best is not None
        taken.append(best[4])
        out.append((best[1], best[2], best[3]))
    return out


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
        lo, hi = 0.0, nice_ticks(0.0, hi * 1.05 if costs else 1.0)[-1]

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
    ticks = [lo * 10**k for k in range(round(math.log10(hi / lo)) + 1)] if use_log else nice_ticks(lo, hi)
    for tick in ticks:
        x = x_of(tick) if tick > 0 else float(left)
        shown = tick_usd(tick, tick if use_log else ticks[1] - ticks[0])
        parts.append(f'<line class="grid" x1="{_t(x)}" x2="{_t(x)}" y1="{top}" y2="{top + ph}"/>')
        parts.append(
            f'<text class="tick" x="{_t(x)}" y="{top + ph + 16}" text-anchor="middle">{escape(shown)}</text>'
        )
    axis = "cost per 1,000 items (log scale)" if use_log else "cost per 1,000 items"
    parts.append(f'<text class="axis" x="{left + pw / 2:.0f}" y="{height - 6}" text-anchor="middle">{axis}</text>')
    parts.append(
        f'<text class="axis" transform="translate(14 {top + ph / 2:.0f}) rotate(-90)" '
        f'text-anchor="middle">accuracy</text>'
    )
    spots = [(x_of(_cost_per_1k(m)), y_of(m.accuracy or 0.0), m.model) for _, m in models]
    labels = place_labels(spots, (float(left), 0.0, float(left + pw), float(top + ph)))
    for (i, m), (x, y, _), (lx, ly, anchor) in zip(models, spots, labels, strict=True):
        col = colour(i)
        if m.ci_low is not None and m.ci_high is not None:
            parts.append(
                f'<line stroke="{col}" stroke-width="2" x1="{_t(x)}" x2="{_t(x)}" '
                f'y1="{_t(y_of(m.ci_low))}" y2="{_t(y_of(m.ci_high))}"/>'
            )
        shape = "dashed" if m.simulated else "solid"
        label = m.model + (" (simulated)" if m.simulated else "")
        parts.append(
            f'<circle class="pt {shape}" cx="{_t(x)}" cy="{_t(y)}" r="7" fill="{col}">'
            f"<title>{escape(label)}: {fmt.pct(m.accuracy)}, {escape(fmt.usd(_cost_per_1k(m)))} "
            f"per 1,000 items</title></circle>"
        )
        parts.append(
            f'<text class="label" x="{_t(lx)}" y="{_t(ly)}" text-anchor="{anchor}">{escape(m.model)}</text>'
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
    # The left margin fits the longest (shortened) model name, so no label is cut at the edge.
    row_h, right, top = 46, 20, 10
    left = min(220, 16 + round(6.8 * max((len(_short(m.model)) for _, m, _ in rows), default=8)))
    height = top + row_h * max(1, len(rows)) + 40
    pw = width - left - right
    every = [v for _, _, pts in rows for _, v in pts]
    ticks = nice_ticks(0.0, (percentile(every, 99) or 1.0) * 1.05 if every else 1.0)
    hi = ticks[-1]
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="Latency distribution">']

    def x_of(v: float) -> float:
        return left + pw * min(v, hi) / hi

    for v in ticks:
        x = x_of(v)
        parts.append(f'<line class="grid" x1="{_t(x)}" x2="{_t(x)}" y1="{top}" y2="{height - 30}"/>')
        parts.append(
            f'<text class="tick" x="{_t(x)}" y="{height - 14}" text-anchor="middle">'
            f"{escape(tick_ms(v, ticks[1] - ticks[0]))}</text>"
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


def _short(model: str, limit: int = 28) -> str:
    return model if len(model) <= limit else "…" + model[-(limit - 1) :]


def heat_colour(accuracy: float | None) -> str:
    """Red (0%) through amber to green (100%); grey when nothing was answered."""
    if accuracy is None:
        return "#eceff3"
    hue = 4 + accuracy * 128
    return f"hsl({hue:.0f} 62% {88 - accuracy * 14:.0f}%)"
