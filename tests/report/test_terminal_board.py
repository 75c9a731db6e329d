"""The terminal summarises Jeopardy!'s accuracy by board value in a small table (by round and board row); the
file reports keep the full by-value breakdown (issue 15: the by-value block alone filled an 80-column screen)."""

from __future__ import annotations

from pytest_llmbench.outcome.statistics import build_statistics, lines
from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.report import terminal
from pytest_llmbench.report.stats_section import markdown_section
from pytest_llmbench.types import Outcome, ResultRecord

MODELS = ("sim/strong", "sim/fast-cheap", "openai/gpt-4o-mini")
LONG = "anthropic/claude-3.5-haiku-20241022"
ROUNDS = (("Jeopardy!", (200, 400, 600, 800, 1000)), ("Double Jeopardy!", (400, 800, 1200, 1600, 2000)))


def _board(models: tuple[str, ...] = MODELS) -> RunSummary:
    """Three models over two modern boards of six categories, and one Final Jeopardy!; model k misses every
    clue whose column index is below k, so each model's accuracy by row is known by construction."""
    records = []
    for k, model in enumerate(models):
        for round_name, values in ROUNDS:
            for column in range(6):
                for row, value in enumerate(values, 1):
                    ok = column >= k
                    records.append(ResultRecord(
                        model=model, question_key=f"{round_name}-{column}-{value}", dataset="jeopardy",
                        outcome=Outcome.PASSED if ok else Outcome.FAILED, correct=ok, category=f"C{column}",
                        round=round_name, value=value, difficulty=row, air_date="2010-01-01"))
        records.append(ResultRecord(model=model, question_key="final", dataset="jeopardy", outcome=Outcome.PASSED,
                                    correct=True, category="FINAL", round="Final Jeopardy!", air_date="2010-01-01"))
    summary = RunSummary.from_records(records)
    summary.statistics = build_statistics(records)
    return summary


def test_the_board_is_a_small_table_at_80_columns_and_the_values_stay_in_the_files() -> None:
    summary = _board()
    assert summary.statistics is not None
    narrow = terminal.render(summary, width=80)
    assert max(len(line) for line in narrow.splitlines()) <= 80, narrow
    board = narrow[narrow.index("Jeopardy! accuracy by round and board row"):].split("\nboard rows:")[0]
    header = next(line for line in board.splitlines() if line.startswith("┃ model"))
    assert [cell.strip() for cell in header.strip("┃").split("┃")] == [
        "model", "Jeopardy!", "Double Jeopardy!", "Final Jeopardy!"]
    # openai/gpt-4o-mini misses columns 0 and 1 of 6: two thirds of each round and of each board row
    row = next(line for line in board.splitlines() if line.startswith("│ openai/gpt-4o-mini"))
    assert [cell.strip() for cell in row.strip("│").split("│")] == [
        "openai/gpt-4o-mini", "66.7% (30)", "66.7% (30)", "100.0% (1)"]
    assert "openai/gpt-4o-mini\n    easy 66.7% (24) · medium 66.7% (12) · hard 66.7% (24)" in board
    assert len(board.splitlines()) == 1 + 4 + len(MODELS) + 2 * len(MODELS)  # title, table, details
    assert "accuracy by value" not in narrow and "$1,600" not in narrow  # the by-value block is not printed
    wide = terminal.render(summary, width=200)
    header = next(line for line in wide.splitlines() if line.startswith("┃ model") and "Jeopardy!" in line)
    assert [cell.strip() for cell in header.strip("┃").split("┃")][-3:] == ["easy", "medium", "hard"]
    assert "\n    easy " not in wide  # where there is room the board rows are columns, not stacked lines
    # The file reports keep the full breakdown by value.
    full = "\n".join(lines(summary.statistics))
    assert "accuracy by value (answers):" in full and "Double Jeopardy! $1,600" in full
    assert any("Double Jeopardy! $1,600" in line for line in markdown_section(summary.statistics))


def test_a_model_id_too_long_for_the_table_is_stacked_whole() -> None:
    narrow = terminal.render(_board(("sim/strong", LONG)), width=80)
    assert max(len(line) for line in narrow.splitlines()) <= 80, narrow
    board = narrow[narrow.index("Jeopardy! accuracy by round and board row"):].split("\nboard rows:")[0]
    assert f"\n{LONG}\n    Jeopardy! 83.3% (30) · Double Jeopardy! 83.3% (30)" in board
