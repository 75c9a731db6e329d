"""The rich summary table printed at the end of a session.

Model names and every other text come from users or models: they are passed to rich as ``Text`` objects,
never as markup, so ``[bold red]`` in a name prints literally.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pytest_llmbench.outcome.summary import RunSummary


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _usd(value: float | None, estimated: bool = False) -> str:
    if value is None:
        return "-"
    if value == 0:
        text = "$0"
    elif value < 0.001:
        text = f"${value:.6f}"
    else:
        text = f"${value:.4f}" if value < 1 else f"${value:.2f}"
    return text + ("*" if estimated else "")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def build_table(summary: RunSummary) -> Table:
    table = Table(title=Text("LLM benchmark summary"), title_justify="left", show_lines=False)
    for column, justify in (
        ("model", "left"),
        ("items", "right"),
        ("correct", "right"),
        ("accuracy (95% CI)", "right"),
        ("errors", "right"),
        ("skipped", "right"),
        ("latency mean / p95", "right"),
        ("tokens in / out", "right"),
        ("cost", "right"),
        ("$ / correct", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for m in summary.models:
        name = Text(m.model)
        if m.simulated:
            name.append(" (simulated)", style="yellow")
        ci = "" if m.ci_low is None or m.ci_high is None else f" [{m.ci_low * 100:.0f}-{m.ci_high * 100:.0f}]"
        table.add_row(
            name,
            str(m.items),
            str(m.correct),
            Text(_pct(m.accuracy) + ci),
            str(m.errors),
            str(m.skipped),
            f"{_ms(m.latency_mean_ms)} / {_ms(m.latency_p95_ms)}",
            f"{m.prompt_tokens:,} / {m.completion_tokens:,}",
            _usd(m.cost_usd, m.cost_estimated),
            _usd(m.cost_per_correct, m.cost_estimated),
        )
    return table


def build_paired_table(summary: RunSummary) -> Table:
    """Models compared on the same items: who got what the other missed, and whether it is more than chance."""
    table = Table(title=Text("Paired comparison (same questions; McNemar exact test)"), title_justify="left")
    for column in ("A", "B", "pairs", "both right", "only A", "only B", "both wrong", "A - B", "p", "verdict"):
        table.add_column(column, justify="left" if column in ("A", "B", "verdict") else "right")
    for p in summary.paired:
        diff = "-" if p.difference is None else f"{p.difference * 100:+.1f} pts"
        verdict = "significant" if p.significant else "not significant"
        table.add_row(Text(p.model_a), Text(p.model_b), str(p.pairs), str(p.both), str(p.a_only), str(p.b_only),
                      str(p.neither), diff, f"{p.p_value:.3g}", verdict)
    return table


def build_repeat_table(summary: RunSummary) -> Table:
    ks = sorted({k for r in summary.repeats for k in r.pass_at_k})
    table = Table(title=Text("Repeated asks"), title_justify="left")
    table.add_column("model")
    table.add_column("questions", justify="right")
    for k in ks:
        table.add_column(f"pass@{k}", justify="right")
    table.add_column("majority", justify="right")
    table.add_column("consistency", justify="right")
    for r in summary.repeats:
        table.add_row(Text(r.model), str(r.questions), *[_pct(r.pass_at_k.get(k)) for k in ks],
                      _pct(r.majority_accuracy), _pct(r.consistency))
    return table


def render(summary: RunSummary, *, width: int = 120, color: bool = False) -> str:
    out = io.StringIO()
    console = Console(
        file=out, width=width, force_terminal=color, no_color=not color, highlight=False, emoji=False, markup=False
    )
    console.print(build_table(summary))
    if summary.paired:
        console.print(build_paired_table(summary))
    if summary.repeats:
        console.print(build_repeat_table(summary))
    lines: list[Text] = []
    if summary.dataset_origin:
        lines.append(Text(f"questions: {summary.dataset_origin}"))
    if summary.simulated:
        lines.append(
            Text(
                f"simulated: {', '.join(summary.simulated)} are built-in simulated models; their answers, latencies "
                f"and costs are simulated, not measurements of any real model.",
                style="yellow",
            )
        )
    if any(m.cost_estimated for m in summary.models):
        lines.append(Text("* cost estimated from catalog prices (the provider did not bill it)"))
    if summary.budget is not None:
        lines.append(Text(f"budget: ${summary.spent:.4f} spent of ${summary.budget:.4f}"))
    if any(m.cached for m in summary.models):
        cached = sum(m.cached for m in summary.models)
        lines.append(Text(f"cache: {cached} answers served from the response cache (billed $0, left out of latency)"))
    if summary.stop_reason:
        lines.append(Text(f"stopped: {summary.stop_reason}", style="red"))
    for model, ece in summary.calibration.items():
        lines.append(Text(f"calibration: {model} expected calibration error {ece:.3f} (self-reported confidence)"))
    if summary.judging is not None:
        lines += [Text(line) for line in summary.judging.lines()]
    for note in summary.notes:
        lines.append(Text(note))
    for gate in summary.gates:
        style = "dim" if not gate.applicable else "green" if gate.passed else "red"
        lines.append(Text(gate.line(), style=style))
    if summary.gates:
        verdict = "all gates passed" if summary.gates_passed else "gates FAILED"
        lines.append(Text(f"gate verdict: {verdict}", style="bold green" if summary.gates_passed else "bold red"))
    if summary.run_id is not None:
        lines.append(Text(f"stored as run {summary.run_id}" + (f" ({summary.run_name})" if summary.run_name else "")))
    for line in lines:
        console.print(line)
    if summary.statistics is not None:
        from pytest_llmbench.outcome.statistics import lines as statistics_lines

        for text in statistics_lines(summary.statistics):
            console.print(Text(text))
    return out.getvalue()
