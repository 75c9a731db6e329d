"""The real J-Archive rows (../shared/data/jeopardy) read and clean as expected."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pytest_llmbench.data import load_dataset


def test_real_sample_quality(real_sample: Path) -> None:
    loaded = load_dataset(str(real_sample))
    report = loaded.report
    assert loaded.name == "jeopardy"
    assert report.rows_read == 351
    assert report.ok  # nothing malformed in the real data
    assert report.dropped == {"media clue": 19}
    assert report.kept == len(loaded.questions) == 332
    assert report.rounds == {"Jeopardy!": 170, "Double Jeopardy!": 157, "Final Jeopardy!": 5}
    assert report.date_range == ("2000-07-19", "2010-07-06")


def test_real_sample_cleaning(real_sample: Path) -> None:
    questions = load_dataset(str(real_sample)).questions
    by_answer = {q.answer: q for q in questions}
    for q in questions:
        assert not re.search(r"<[a-z/]|\\'|\\u[0-9a-f]{4}", q.clue + q.answer), q
        assert q.show_number in (3673, 3751, 4680, 4931, 5690, 5957)
    assert "Mrs. O'Leary's cow" in by_answer and "Aéropostale" in by_answer
    loyola = by_answer["(St. Ignatius) Loyola"]
    assert loyola.value == 3200 and loyola.metadata["daily_double"] is True
    assert loyola.air_date == dt.date(2004, 12, 31) and loyola.round == "Double Jeopardy!"
    capitals = by_answer["Barcelona"]
    assert capitals.clue == "Ljubljana, Bratislava, Barcelona"
    assert capitals.metadata["difficulty"] == 1  # $400 in a 2006 Double Jeopardy! round
