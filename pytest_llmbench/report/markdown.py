"""Markdown summary of a run, for pull-request comments and ``$GITHUB_STEP_SUMMARY``.

``render_markdown(summary, records)`` is the reusable entry point (the GitHub step-summary writer calls it).
Text from datasets and models is untrusted: ``md_escape`` turns HTML-significant characters into entities and
backslash-escapes Markdown punctuation (pipes included, so a reply cannot break a table row), and newlines
become spaces.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_llmbench.outcome.gates import Gates
from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.report import fmt
from pytest_llmbench.report._display import md_escape as md_escape  # re-exported: its home is _display
from pytest_llmbench.report._display import md_gates, md_verdict
from pytest_llmbench.report.model import SIMULATED_NOTE
from pytest_llmbench.report.paired import pairwise
from pytest_llmbench.report.stats_section import markdown_section
from pytest_llmbench.storage.repository import RunInfo
from pytest_llmbench.types import ResultRecord


def render_markdown(
    summary: RunSummary,
    records: Sequence[ResultRecord],
    *,
    run: RunInfo | None = None,
    gates: Gates | None = None,
    max_disagreements: int = 20,
    title: str | None = None,
) -> str:
    gates = summary.gates if gates is None else gates
    heading = title or (f"Run {run.id}: {run.name}" if run else (summary.run_name or "LLM benchmark"))
    lines = [f"## {md_escape(heading)}", ""]
    if gates:
        lines += [md_verdict(gates), ""]
    facts = []
    if summary.dataset:
        facts.append(f"dataset {md_escape(summary.dataset)}")
    if run is not None:
        facts += [f"grader {md_escape(run.grader)}", f"sample {md_escape(run.sample or 'all')}", f"seed {run.seed}",
                  f"status {md_escape(run.status)}"]
    facts.append(f"spent {md_escape(fmt.usd(summary.spent))}")
    lines += [" · ".join(facts), ""]
    if summary.simulated:
        lines += [f"> ⚠️ Simulated: {md_escape(', '.join(summary.simulated))}. {md_escape(SIMULATED_NOTE)}", ""]
    lines += [
        "| model | accuracy (95% CI) | correct | errors | skipped | latency p50 / p95 | cost | $ / correct |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in summary.models:
        ci = "" if m.ci_low is None or m.ci_high is None else f" ({fmt.pct(m.ci_low, 0)}–{fmt.pct(m.ci_high, 0)})"
        name = md_escape(m.model) + (" *(simulated)*" if m.simulated else "")
        partial = summary.partial_label(m.model)
        accuracy = f"{fmt.pct(m.accuracy)}{ci}" if partial is None else f"**{partial}**"
        lines.append(
            f"| {name} | {accuracy} | {m.correct}/{m.answered} | {m.errors} | {m.skipped} | "
            f"{fmt.ms(m.latency_p50_ms)} / {fmt.ms(m.latency_p95_ms)} | "
            f"{md_escape(fmt.usd(m.cost_usd, m.cost_estimated))} | "
            f"{md_escape(fmt.usd(m.cost_per_correct, m.cost_estimated))} |"
        )
    if summary.by_test:
        lines += ["", "**Per benchmark test**", "", "| test | model | accuracy (95% CI) | correct | errors | skipped |",
                  "|---|---|---:|---:|---:|---:|"]
        for test, models in summary.by_test.items():
            for m in models:
                low, high = fmt.pct(m.ci_low, 0), fmt.pct(m.ci_high, 0)
                ci = "" if m.ci_low is None or m.ci_high is None else f" ({low}–{high})"
                lines.append(f"| {md_escape(test)} | {md_escape(m.model)} | {fmt.pct(m.accuracy)}{ci} | "
                             f"{m.correct}/{m.answered} | {m.errors} | {m.skipped} |")
    if gates:
        lines += ["", "**Gates**", ""]
        lines += md_gates(gates)
    comparisons = pairwise(list(records), [m.model for m in summary.models])
    if comparisons:
        lines += [
            "",
            "**Paired comparison** (exact McNemar on questions both answered)",
            "",
            "| A | B | paired | only A | only B | A − B | p | verdict |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for c in comparisons:
            lines.append(
                f"| {md_escape(c.model_a)} | {md_escape(c.model_b)} | {c.pairs} | {c.a_only} | {c.b_only} | "
                f"{md_escape(fmt.signed_pct(c.difference))} | {md_escape(fmt.p_value(c.p_value))} | "
                f"{md_escape(c.verdict())} |"
            )
    lines += _disagreements(summary, records, max_disagreements)
    if summary.stop_reason:
        lines += ["", f"Stopped early: {md_escape(summary.stop_reason)}"]
    if summary.partial:
        lines += ["", *(f"> {md_escape(note)}" for note in summary.partial_notes())]
    lines += markdown_section(summary.statistics)
    return "\n".join(lines) + "\n"


def _disagreements(summary: RunSummary, records: Sequence[ResultRecord], limit: int) -> list[str]:
    models = [m.model for m in summary.models]
    if len(models) < 2 or limit <= 0:
        return []
    by_question: dict[tuple[str, int], dict[str, ResultRecord]] = {}
    for r in records:
        by_question.setdefault((r.question_key, r.repeat), {})[r.model] = r
    split = [
        rows for rows in by_question.values() if len({r.correct for r in rows.values() if r.correct is not None}) > 1
    ]
    if not split:
        return []
    head = "| clue | expected | " + " | ".join(md_escape(m) for m in models) + " |"
    out = [
        "",
        f"<details><summary>{len(split)} questions where the models disagree</summary>",
        "",
        head,
        "|---|---|" + "---|" * len(models),
    ]
    for rows in split[:limit]:
        first = next(iter(rows.values()))
        cells = []
        for m in models:
            got = rows.get(m)
            mark = "–" if got is None or got.correct is None else ("✅" if got.correct else "❌")
            cells.append(f"{mark} {md_escape(got.response_text, 80) if got else ''}")
        out.append(f"| {md_escape(first.clue, 120)} | {md_escape(first.answer, 60)} | " + " | ".join(cells) + " |")
    if len(split) > limit:
        out.append(f"\n…and {len(split) - limit} more (see the HTML or CSV report).")
    out += ["", "</details>"]
    return out
