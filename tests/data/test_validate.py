from __future__ import annotations

import datetime as dt

from pytest_llmbench.data.validate import MAX_EXAMPLES, QualityReport, ReportBuilder
from pytest_llmbench.types import Question


def _q(qid: str, round_name: str, day: str, dd: bool = False, category: str = "C") -> Question:
    return Question(
        id=qid,
        clue="c",
        answer="a",
        category=category,
        round=round_name,
        air_date=dt.date.fromisoformat(day),
        metadata={"daily_double": dd},
    )


def test_builder_counts_and_summarises() -> None:
    builder = ReportBuilder("f.json")
    for _ in range(6):
        builder.read()
    builder.drop("media clue")
    builder.drop("malformed", "f.json:4: invalid JSON")
    kept = [
        _q("1", "Jeopardy!", "2001-01-01", dd=True),
        _q("2", "Final Jeopardy!", "1999-05-05", category="D"),
    ]
    report = builder.build(kept, filtered=2)
    assert report == QualityReport(
        source="f.json",
        rows_read=6,
        kept=2,
        dropped={"media clue": 1, "malformed": 1},
        filtered=2,
        examples=("f.json:4: invalid JSON",),
        rounds={"Jeopardy!": 1, "Final Jeopardy!": 1},
        categories=2,
        daily_doubles=1,
        date_range=("1999-05-05", "2001-01-01"),
    )
    assert report.dropped_total == 2 and report.bad_rows == 1 and not report.ok


def test_examples_are_capped() -> None:
    builder = ReportBuilder("f")
    for i in range(MAX_EXAMPLES + 5):
        builder.drop("malformed", f"f:{i}: bad")
    assert len(builder.build([]).examples) == MAX_EXAMPLES
    assert builder.bad_rows == MAX_EXAMPLES + 5


def test_media_and_duplicates_are_not_problems() -> None:
    report = QualityReport("f", rows_read=3, kept=1, dropped={"media clue": 1, "duplicate": 1})
    assert report.ok and report.bad_rows == 0


def test_format_for_humans() -> None:
    report = QualityReport(
        "f.json",
        rows_read=10,
        kept=7,
        dropped={"media clue": 2, "missing answer": 1},
        filtered=0,
        examples=("f.json:3: the answer is empty",),
        rounds={"Jeopardy!": 7},
        categories=3,
        daily_doubles=1,
        date_range=("1990-01-01", "1999-12-31"),
    )
    assert report.format() == "\n".join(
        [
            "Data quality report for f.json",
            "  rows read:   10",
            "  kept:        7",
            "  dropped:     3 (media clue 2, missing answer 1)",
            "  rounds:      Jeopardy! 7",
            "  categories:  3",
            "  daily doubles: 1",
            "  air dates:   1990-01-01 .. 1999-12-31",
            "  problems:",
            "    f.json:3: the answer is empty",
        ]
    )
