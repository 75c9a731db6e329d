"""The bundled sample meets what it promises (README in pytest_llmbench/data/bundled)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

from pytest_llmbench.data import DataOptions, load_dataset
from pytest_llmbench.data.clean import board_values
from pytest_llmbench.data.kaggle import bundled_sample_path

KEYS = ["category", "air_date", "question", "value", "answer", "round", "show_number"]


def _raw() -> list[dict[str, object]]:
    return json.loads(bundled_sample_path().read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_raw_format_is_the_kaggle_format() -> None:
    rows = _raw()
    assert len(rows) >= 300
    for row in rows:
        assert list(row) == KEYS
        assert (
            isinstance(row["question"], str)
            and row["question"].startswith("'")
            and row["question"].endswith("'")
        )
        assert isinstance(row["show_number"], str) and row["show_number"].isdigit()
        assert row["value"] is None or re.fullmatch(r"\$\d{1,3}(,\d{3})*|\$\d+", str(row["value"]))
        assert (row["value"] is None) == (row["round"] in ("Final Jeopardy!", "Tiebreaker"))
    assert len({r["category"] for r in rows}) >= 25
    assert {r["round"] for r in rows} == {"Jeopardy!", "Double Jeopardy!", "Final Jeopardy!", "Tiebreaker"}


def test_all_value_levels_of_both_eras() -> None:
    seen: dict[tuple[str, bool], set[int]] = {}
    for row in _raw():
        if row["value"] is None:
            continue
        day = dt.date.fromisoformat(str(row["air_date"]))
        value = int(str(row["value"]).strip("$").replace(",", ""))
        seen.setdefault((str(row["round"]), day >= dt.date(2001, 11, 26)), set()).add(value)
    for round_name in ("Jeopardy!", "Double Jeopardy!"):
        for modern, day in ((False, dt.date(1995, 1, 1)), (True, dt.date(2005, 1, 1))):
            assert set(board_values(round_name, day)) <= seen[(round_name, modern)]


def test_quirks_are_present() -> None:
    text = bundled_sample_path().read_text(encoding="utf-8")
    for quirk in (
        '<a href=\\"',
        "<i>",
        "&amp;",
        "<br />",
        "\\\\'",
        "[audio clue]",
        "seen here",
        '"$1,500"',
        '"$3,200"',
        "(Abraham) Lincoln",
        "Sri Lanka (or Ceylon)",
        "the Nile or the Amazon",
    ):
        assert quirk in text, quirk


def test_loads_clean_with_media_dropped_and_daily_doubles_flagged() -> None:
    loaded = load_dataset("jeopardy-sample")
    report = loaded.report
    assert report.ok and report.dropped == {"media clue": 4} and report.rows_read == len(_raw())
    assert len(loaded.questions) == len(_raw()) - 4
    assert report.daily_doubles == 15
    for q in loaded.questions:
        assert not re.search(r"<[a-z/]|&amp;|\\'", q.clue + q.answer + (q.category or "")), q
        assert q.id.startswith(f"{q.show_number}-")
    assert len({q.key for q in loaded.questions}) == len(loaded.questions)
    # Shows of 1992 and 1997; 2000 and 2005 (less 4 media clues); 2010 with a tiebreaker.
    assert Counter(q.metadata.get("decade") for q in loaded.questions) == {1990: 123, 2000: 118, 2010: 62}
    with_media = load_dataset("jeopardy-sample", options=DataOptions(include_media=True))
    assert len(with_media.questions) == len(_raw())
