"""The summary printed at the end of a session, laid out for the width at hand.

Every table is declared as columns (``Column``): a header, how a row's cell is made, and whether the column is
``core``. Where the whole table fits, it is printed as it is; where it does not (an 80-column terminal), a
compact table of the core columns is printed and each row's other values are stacked under it, one block per
row with the row's full name, so nothing is cut to ``sim/…``; if even the core columns do not fit, every row is
stacked. A new column (another engineer's counter, a statistic) is one more ``Column`` in a list: the layout
chooser needs no change.

Model names and every other text come from users or models: they are passed to rich as ``Text`` objects,
never as markup, so ``[bold red]`` in a name prints literally.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from rich.console import Console
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from pytest_llmbench.engine.traffic import traffic_lines
from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.report import fmt
from pytest_llmbench.report._display import printable
from pytest_llmbench.stats import GroupStat, ModelSummary, PairedComparison, RepeatStats

if TYPE_CHECKING:
    from pytest_llmbench.outcome.statistics import RunStatistics

Row = TypeVar("Row")
Justify = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Column(Generic[Row]):
    header: str
    cell: Callable[[Row], str | Text]
    justify: Justify = "right"
    core: bool = False  # kept as a column in the compact layout; the others are stacked under the table


@dataclass(frozen=True)
class Section(Generic[Row]):
    """One table of the summary: its rows, its columns, and the name of a row in the stacked details."""

    title: str
    columns: Sequence[Column[Row]]
    rows: Sequence[Row]
    label: Callable[[Row], Text]
    details: bool = True  # compact layout: stack the other columns under the rows (False: a breakdown whose
    #                       details are in another section already)


def _table(section: Section[Row], columns: Sequence[Column[Row]]) -> Table:
    table = Table(title=_text(section.title), title_justify="left")
    for column in columns:
        table.add_column(column.header, justify=column.justify, no_wrap=True)
    for row in section.rows:
        table.add_row(*(_text(column.cell(row)) for column in columns))
    return table


def _text(value: str | Text, style: str = "") -> Text:
    """Outside text (model ids, run names, notes) as rich ``Text``: control characters shown as escapes."""
    return value if isinstance(value, Text) else Text(printable(value), style=style)


def _fits(console: Console, table: Table, width: int) -> bool:
    # Measured without a limit: the width the table wants, not the width rich would squeeze it into.
    wanted = Measurement.get(console, console.options.update_width(10_000), table)
    return wanted.maximum <= width


def _stacked(console: Console, section: Section[Row], columns: Sequence[Column[Row]], width: int) -> None:
    for row in section.rows:
        label = section.label(row)
        console.print(label)
        details = Text()
        for column in columns:
            value = _text(column.cell(row))
            if value.plain in label.plain:
                continue  # the row's name is its heading already
            if details:
                details.append(" · ")
            details.append(f"{column.header} ", style="dim")
            details.append_text(value)
        console.print(Padding(details, (0, 0, 0, 4), expand=False), width=width)


def print_section(console: Console, section: Section[Row], width: int) -> str:
    """Print ``section`` in the layout that fits ``width``; returns which: ``wide``, ``compact`` or ``stacked``."""
    wide = _table(section, section.columns)
    if _fits(console, wide, width):
        console.print(wide)
        return "wide"
    core = [c for c in section.columns if c.core]
    rest = [c for c in section.columns if not c.core]
    compact = _table(section, core)
    if core and _fits(console, compact, width):
        console.print(compact)
        if section.details:
            _stacked(console, section, rest, width)
        return "compact"
    console.print(_text(section.title))
    _stacked(console, section, section.columns, width)
    return "stacked"


# --- the sections --------------------------------------------------------------------------------------


def model_name(m: ModelSummary) -> Text:
    name = _text(m.model)
    if m.simulated:
        name.append(" (simulated)", style="yellow")
    return name


def _accuracy(m: ModelSummary) -> Text:
    ci = "" if m.ci_low is None or m.ci_high is None else f" [{m.ci_low * 100:.0f}-{m.ci_high * 100:.0f}]"
    return Text(fmt.pct(m.accuracy) + ci)


MODEL_COLUMNS: list[Column[ModelSummary]] = [
    Column("model", model_name, "left", core=True),
    Column("items", lambda m: str(m.items)),
    Column("correct", lambda m: str(m.correct), core=True),
    Column("accuracy (95% CI)", _accuracy, core=True),  # ACCURACY
    Column("errors", lambda m: str(m.errors)),
    Column("skipped", lambda m: str(m.skipped)),
    Column("latency mean / p95", lambda m: f"{fmt.ms(m.latency_mean_ms)} / {fmt.ms(m.latency_p95_ms)}"),
    Column("tokens in / out", lambda m: fmt.tokens(m.prompt_tokens, m.completion_tokens)),
    Column("cost", lambda m: fmt.cost(m.cost_usd, m.unpriced, m.cost_estimated), core=True),
    Column("$ / correct", lambda m: fmt.usd(m.cost_per_correct, m.cost_estimated)),
]


ACCURACY = "accuracy (95% CI)"


def model_section(summary: RunSummary) -> Section[ModelSummary]:
    def accuracy(m: ModelSummary) -> Text:
        # A model the run stopped before finishing: its accuracy covers the items it got to, and says so.
        partial = summary.partial_label(m.model)
        return _accuracy(m) if partial is None else Text(partial, style="bold yellow")

    columns = [replace(c, cell=accuracy) if c.header == ACCURACY else c for c in MODEL_COLUMNS]
    return Section("LLM benchmark summary", columns, summary.models, model_name)


PAIRED_COLUMNS: list[Column[PairedComparison]] = [
    Column("A", lambda p: _text(p.model_a), "left", core=True),
    Column("B", lambda p: _text(p.model_b), "left", core=True),
    Column("pairs", lambda p: str(p.pairs)),
    Column("both right", lambda p: str(p.both)),
    Column("only A", lambda p: str(p.a_only)),
    Column("only B", lambda p: str(p.b_only)),
    Column("both wrong", lambda p: str(p.neither)),
    Column("A - B", lambda p: fmt.signed_pct(p.difference), core=True),
    Column("p", lambda p: fmt.p_value(p.p_value), core=True),
    Column("verdict", lambda p: "significant" if p.significant else "not significant", "left", core=True),
]


def paired_section(summary: RunSummary) -> Section[PairedComparison]:
    return Section("Paired comparison (same questions; McNemar exact test)", PAIRED_COLUMNS, summary.paired,
                   lambda p: _text(f"{p.model_a} vs {p.model_b}"))


def _pass_at(k: int) -> Callable[[RepeatStats], str]:
    return lambda r: fmt.pct(r.pass_at_k.get(k))


def repeat_section(summary: RunSummary) -> Section[RepeatStats]:
    ks = sorted({k for r in summary.repeats for k in r.pass_at_k})
    columns: list[Column[RepeatStats]] = [
        Column("model", lambda r: _text(r.model), "left", core=True),
        Column("questions", lambda r: str(r.questions)),
        *(Column(f"pass@{k}", _pass_at(k), core=True) for k in ks),
        Column("majority", lambda r: fmt.pct(r.majority_accuracy)),
        Column("consistency", lambda r: fmt.pct(r.consistency)),
    ]
    return Section("Repeated asks", columns, summary.repeats, lambda r: _text(r.model))


PerTest = tuple[str, ModelSummary]
TEST_COLUMNS: list[Column[PerTest]] = [
    Column("test", lambda row: _text(row[0]), "left", core=True),
    Column("model", lambda row: _text(row[1].model), "left", core=True),
    Column("items", lambda row: str(row[1].items)),
    Column("correct", lambda row: f"{row[1].correct}/{row[1].answered}", core=True),
    Column("accuracy (95% CI)", lambda row: _accuracy(row[1]), core=True),
    Column("errors", lambda row: str(row[1].errors)),
    Column("skipped", lambda row: str(row[1].skipped)),
    Column("cost", lambda row: fmt.cost(row[1].cost_usd, row[1].unpriced, row[1].cost_estimated)),
]


def short_test_names(tests: Sequence[str]) -> dict[str, str]:
    """Each test's function name where that is unique in the run (they fit 80 columns), else its node id."""
    names = {test: test.rsplit("::", 1)[-1] for test in tests}
    counts = Counter(names.values())
    return {test: name if counts[name] == 1 else test for test, name in names.items()}


def test_section(summary: RunSummary) -> Section[PerTest]:
    short = short_test_names(list(summary.by_test))
    rows = [(short[test], m) for test, models in summary.by_test.items() for m in models]
    return Section("Per benchmark test", TEST_COLUMNS, rows, lambda row: _text(f"{row[0]} · {row[1].model}"),
                   details=False)


#: The board rows behind each difficulty (``stats.difficulty``), said once under the table.
BOARD_ROWS = "board rows: easy 1-2, medium 3, hard 4-5; by board value: in the file reports"


def _group_cell(table: dict[str, list[GroupStat]], group: str) -> Callable[[str], str]:
    def cell(model: str) -> str:
        stat = next((g for g in table.get(model, []) if g.group == group), None)
        return "-" if stat is None else f"{fmt.pct(stat.accuracy)} ({stat.n})"

    return cell


def board_section(stats: RunStatistics) -> Section[str] | None:
    """Jeopardy! accuracy by round and by board row, one row per model: the summary of the by-value block that
    the file reports show in full (at 80 columns that block alone filled a screen)."""
    if not stats.rounds:
        return None
    rounds = list(dict.fromkeys(g.group for groups in stats.rounds.values() for g in groups))
    levels = [level for level in ("easy", "medium", "hard")
              if any(g.group == level for groups in stats.difficulty.values() for g in groups)]
    columns: list[Column[str]] = [
        Column("model", _text, "left", core=True),
        *(Column(name, _group_cell(stats.rounds, name), core=True) for name in rounds),
        *(Column(level, _group_cell(stats.difficulty, level)) for level in levels),
    ]
    return Section("Jeopardy! accuracy by round and board row (answers)", columns, list(stats.rounds), _text)


def sections(summary: RunSummary) -> list[Section[Any]]:
    out: list[Section[Any]] = [model_section(summary)]
    if summary.by_test:
        out.append(test_section(summary))
    if summary.paired:
        out.append(paired_section(summary))
    if summary.repeats:
        out.append(repeat_section(summary))
    return out


def notes(summary: RunSummary) -> list[Text]:
    """The lines under the tables, ending with the gates and the verdict."""
    lines: list[Text] = []
    if summary.dataset_origin:
        lines.append(_text(f"questions: {summary.dataset_origin}"))
    if summary.simulated:
        lines.append(
            _text(
                f"simulated: {', '.join(summary.simulated)} are built-in simulated models; their answers, latencies "
                f"and costs are simulated, not measurements of any real model.",
                style="yellow",
            )
        )
    if any(m.cost_estimated for m in summary.models):
        lines.append(_text("* cost estimated from catalog prices (the provider did not bill it)"))
    lines += [_text(line) for line in summary.cost_lines()]  # budget, unpriced answers, the cache
    if summary.stop_reason:
        lines.append(_text(f"stopped: {summary.stop_reason}", style="bold red"))
    lines += [_text(line) for line in traffic_lines(summary.traffic)]
    lines += [_text(note, style="yellow") for note in summary.partial_notes()]
    for model, ece in summary.calibration.items():
        lines.append(_text(f"calibration: {model} expected calibration error {ece:.3f} (self-reported confidence)"))
    if summary.judging is not None:
        lines += [_text(line) for line in summary.judging.lines()]
    for note in summary.notes:
        lines.append(_text(note))
    for gate in summary.gates:
        style = "dim" if not gate.applicable else "green" if gate.passed else "red"
        lines.append(_text(gate.line(), style=style))
    if summary.gates:
        style = {"passed": "bold green", "failed": "bold red"}.get(summary.gates.status or "", "bold")
        lines.append(_text(f"gate verdict: {summary.gates.verdict()}", style=style))
    if summary.run_id is not None:
        lines.append(_text(f"stored as run {summary.run_id}" + (f" ({summary.run_name})" if summary.run_name else "")))
    return lines


def render(summary: RunSummary, *, width: int = 120, color: bool = False) -> str:
    out = io.StringIO()
    console = Console(
        file=out, width=width, force_terminal=color, no_color=not color, highlight=False, emoji=False, markup=False
    )
    for section in sections(summary):
        print_section(console, section, width)
    if summary.statistics is not None:
        from pytest_llmbench.outcome.statistics import lines as statistics_lines

        # Before the notes: the gates and their verdict stay the last lines printed.
        for text in statistics_lines(summary.statistics, board=False):
            console.print(_text(text))
        board = board_section(summary.statistics)
        if board is not None:
            print_section(console, board, width)
            console.print(_text(BOARD_ROWS, style="dim"))
    for line in notes(summary):
        console.print(line)
    # rich pads each line to the full width: trailing blanks only make a copied log harder to read.
    return "".join(line.rstrip(" ") + "\n" for line in out.getvalue().splitlines())
