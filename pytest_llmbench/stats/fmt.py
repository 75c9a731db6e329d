"""How statistics are written in every report and gate: percentages, percentage points, p-values."""

from __future__ import annotations


def pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def signed_pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f} pp"


def p_value(value: float) -> str:
    if value < 0.0001:
        return "<0.0001"
    return f"{value:.4f}" if value < 0.01 else f"{value:.3f}"
