"""Number formatting shared by every report: terminal, CLI, Markdown, HTML (one style for money, pp, p-values)."""

from __future__ import annotations

# The statistics' own formats live with them (the end of a run writes its gates without the reports).
from pytest_llmbench.stats.fmt import p_value as p_value
from pytest_llmbench.stats.fmt import pct as pct
from pytest_llmbench.stats.fmt import signed_pct as signed_pct


def usd(value: float | None, estimated: bool = False) -> str:
    if value is None:
        return "-"
    if value == 0:
        text = "$0"
    elif abs(value) < 0.001:
        text = f"${value:.6f}".rstrip("0")
    elif abs(value) < 1:
        text = f"${value:.4f}"
    else:
        text = f"${value:,.2f}"
    return text + ("*" if estimated else "")


def cost(value: float | None, unpriced: int = 0, estimated: bool = False) -> str:
    """A cost that may be partly unknown: "-" when nothing is priced, "at least $X" when some answers are not."""
    if unpriced and value is None:
        return "-"
    return f">= {usd(value, estimated)}" if unpriced else usd(value, estimated)


def tokens(prompt: int | None, completion: int | None) -> str:
    """Tokens in / out; "-" for a side nobody reported."""
    return " / ".join("-" if v is None else f"{v:,}" for v in (prompt, completion))


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


# Rich wraps at this width when told nothing; off a terminal we want one logical line per line, so the width
# is set far beyond any sentence or table we print (tables are not expanded: they keep their natural width).
UNWRAPPED = 100_000


def output_width(stream: object, terminal_width: int) -> int:
    """The width to render at: the terminal's when ``stream`` is one, else unwrapped (CI logs, pipes, files).

    A grep of a CI log must find a whole sentence on one line, whatever the path or model id inside it.
    """
    isatty = getattr(stream, "isatty", None)
    try:
        tty = bool(isatty()) if callable(isatty) else False
    except (ValueError, OSError):  # a closed or detached stream is not a terminal
        tty = False
    return terminal_width if tty else UNWRAPPED
