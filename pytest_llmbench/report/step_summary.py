"""The session summary as GitHub-flavoured Markdown, appended to ``$GITHUB_STEP_SUMMARY`` when it is set.

GitHub Actions shows that file on the workflow run's page. Model names, dataset names and gate details come
from users and models: every such text is escaped, so a name like ``a|b`` or ``<img>`` cannot break the table
or inject HTML.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pytest_llmbench.errors import UsageError
from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.report._display import md_escape, md_gates, md_verdict

ENV_VAR = "GITHUB_STEP_SUMMARY"


def escape(text: object) -> str:
    """Text that renders literally in a Markdown table cell: no markup, no HTML, no line breaks."""
    return md_escape(str(text))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _usd(value: float) -> str:
    return "$0" if value == 0 else (f"${value:.6f}" if value < 0.001 else f"${value:.4f}")


def render_markdown(summary: RunSummary, *, title: str = "LLM benchmark") -> str:
    lines = [f"## {escape(title)}" + (f" — run {summary.run_id}" if summary.run_id is not None else ""), ""]
    if summary.dataset:
        lines += [f"Dataset: {escape(summary.dataset)}" + (
            f" ({escape(summary.dataset_origin)})" if summary.dataset_origin else ""), ""]
    lines += [
        "| model | items | correct | accuracy | 95% CI | errors | skipped | cost |",
        "|:--|--:|--:|--:|:--:|--:|--:|--:|",
    ]
    for m in summary.models:
        name = escape(m.model) + (" *(simulated)*" if m.simulated else "")
        ci = "–" if m.ci_low is None or m.ci_high is None else f"{m.ci_low * 100:.0f}–{m.ci_high * 100:.0f}%"
        known = "-" if m.cost_usd is None else (">= " if m.unpriced else "") + _usd(m.cost_usd)
        cost = known + ("\\*" if m.cost_estimated else "")
        partial = summary.partial_label(m.model)
        accuracy = _pct(m.accuracy) if partial is None else f"**{partial}**"
        lines.append(f"| {name} | {m.items} | {m.correct} | {accuracy} | {ci} | {m.errors} | {m.skipped} | {cost} |")
    lines.append("")
    if summary.gates:
        lines += [f"Gate verdict: {md_verdict(summary.gates, mark=False)}", "", *md_gates(summary.gates), ""]
    notes = list(summary.notes)
    if summary.simulated:
        notes.append(f"{', '.join(summary.simulated)} are built-in simulated models, not measurements of real ones.")
    if summary.stop_reason:
        notes.append(f"stopped: {summary.stop_reason}")
    notes += summary.partial_notes()
    notes += summary.cost_lines()
    lines += [f"> {escape(n)}" for n in notes]
    return "\n".join(lines).rstrip() + "\n\n"


def append_step_summary(summary: RunSummary, environ: Mapping[str, str] | None = None) -> Path | None:
    """Append the Markdown to the file ``$GITHUB_STEP_SUMMARY`` names; None when the variable is unset."""
    env = os.environ if environ is None else environ
    target = env.get(ENV_VAR, "").strip()
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(render_markdown(summary))
    except OSError as exc:
        raise UsageError(f"Cannot write the step summary to {path} (${ENV_VAR}): {exc.strerror}.") from None
    return path
