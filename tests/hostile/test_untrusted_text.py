"""Model output and dataset text are inert everywhere.

Rich markup in an answer, a category or a model id prints literally (no styling is injected, even with
``--color=yes``); a raw escape sequence in an answer does not reach the terminal as one; SQL in a category
is stored as text; HTML and Markdown reports escape what they show.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _hostile import FAST

from pytest_llmbench.testing import FakeOpenRouter

MARKUP = "[bold red]x[/bold red]"
SQL = "'); DROP TABLE benchmark_results; --"
HTML = "<script>alert('owned')</script>"
ESCAPE = "\x1b[31mRED\x1b[0m"  # a raw ANSI sequence a model might emit
EVIL_MODEL = f"evil/{MARKUP}<i>|"  # only a marker can name it: --llm-models refuses such ids
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

QUESTIONS = [
    {"id": "markup", "question": "Say markup", "answer": "Paris", "category": f"{MARKUP} {SQL}"},
    {"id": "html", "question": "Say html", "answer": "Rome", "category": f"{HTML} | pipe | `tick`"},
    {"id": "plain", "question": "Say plain", "answer": "Oslo", "category": "PLAIN"},
]
ANSWERS = {
    "Say markup": f"What is {MARKUP}?",
    "Say html": f"{HTML} | {ESCAPE} |",
    "Say plain": "What is Oslo?",
}
BENCH = f"""
import pytest

@pytest.mark.llmbench(models="openai/gpt-4o-mini,{EVIL_MODEL}")
def test_quiz(llm_result):
    llm_result.assert_correct()
"""


def _policy(body: Mapping[str, Any]) -> str:
    prompt = json.dumps(body["messages"])
    return next((a for k, a in ANSWERS.items() if k in prompt), "I don't know")


@dataclass(frozen=True)
class EvilRun:
    stdout: str
    stderr: str
    path: Path


@pytest.fixture(scope="module")
def evil_run(tmp_path_factory: pytest.TempPathFactory) -> EvilRun:
    """One session for every check here: a real pytest subprocess, coloured output, HTML and Markdown reports.

    ``--tb=long`` asks for the full failure blocks (wrong answers are otherwise one line each): the blocks quote
    the most hostile text, category and clue included."""
    path = tmp_path_factory.mktemp("evil")
    (path / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in QUESTIONS), encoding="utf-8")
    (path / "test_quiz.py").write_text(BENCH, encoding="utf-8")
    (path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    reports = ["--llm-report=html:out.html", "--llm-report=md:out.md"]
    # (a module fixture runs before tests/conftest.py clears these per test)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENROUTER_", "LLMBENCH_"))}
    with FakeOpenRouter(policy=_policy) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", *FAST, "--llm-dataset=questions.jsonl", "--llm-sample=all",
             f"--llm-base-url={server.base_url}", "--color=yes", "-rA", "--tb=long", *reports],
            cwd=path, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    return EvilRun(proc.stdout, proc.stderr, path)


def test_markup_in_answers_categories_and_model_ids_prints_literally(evil_run: EvilRun) -> None:
    raw = evil_run.stdout
    plain = ANSI.sub("", raw)
    assert re.search(r"4 failed, 2 passed", plain), raw
    assert "\x1b[" in raw  # --color=yes did colour pytest's own output: the checks below mean something
    # literal: rich would have consumed the brackets had it read them as markup
    assert f"got:      What is {MARKUP}?" in plain
    assert f"category: {MARKUP} {SQL}" in plain
    assert f"test_quiz[{EVIL_MODEL}-questions:markup]" in plain
    summary = plain[plain.index("LLM benchmark summary") :]
    assert "evil/[bold red]x[/bold" in summary  # the table cell may wrap, but keeps the brackets
    assert MARKUP in raw  # and no styling was slipped inside the hostile text itself


def test_a_raw_escape_sequence_in_an_answer_never_reaches_the_terminal(evil_run: EvilRun) -> None:
    assert "RED" in evil_run.stdout  # the answer is shown...
    assert ESCAPE not in evil_run.stdout + evil_run.stderr  # ...but not as a live escape sequence


def test_the_short_wrong_answer_lines_show_escapes_as_text() -> None:
    from types import SimpleNamespace

    from pytest_llmbench._plugin import wrong

    line = wrong.WrongLine(test="t.py::test_quiz", model="evil/m", question="q:1", expected="'Rome'",
                           got=f"'{ESCAPE}'", why=f"reply {ESCAPE} is not 'Rome'")
    lines = list(wrong.render([SimpleNamespace(**{wrong.ATTR: line.to_dict()})]))
    assert lines[0] == "t.py::test_quiz: 1 wrong answer(s)"
    assert "RED" in "".join(lines) and not any("\x1b" in text for text in lines), lines


def test_sql_in_a_category_is_stored_as_text(evil_run: EvilRun) -> None:
    with sqlite3.connect(evil_run.path / ".llmbench" / "results.db") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
        categories = {row[0] for row in db.execute("select category from questions")}
        answers = {row[0] for row in db.execute("select response_text from benchmark_results")}
        rows = db.execute("select count(*) from benchmark_results").fetchone()[0]
    assert "benchmark_results" in tables and rows == 6
    assert f"{MARKUP} {SQL}" in categories and f"{HTML} | pipe | `tick`" in categories
    assert f"What is {MARKUP}?" in answers and f"{HTML} | {ESCAPE} |" in answers  # stored exactly as sent


def test_html_and_markdown_reports_escape_hostile_text(evil_run: EvilRun) -> None:
    html = (evil_run.path / "out.html").read_text(encoding="utf-8")
    md = (evil_run.path / "out.md").read_text(encoding="utf-8")
    assert HTML not in html and "owned" in html  # shown, escaped
    assert "<script>alert" not in html
    assert EVIL_MODEL not in html  # the model id's "<i>" is escaped too
    assert HTML not in md and "<i>" not in md  # Markdown renderers pass raw HTML through
    tables: list[list[str]] = [[]]
    for line in md.splitlines():  # contiguous "|" lines form one table
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    hostile = [t for t in tables if any("evil/" in row for row in t)]
    assert hostile, md
    for table in hostile:
        # a "|" inside a cell is escaped, so every row keeps the header's column count
        counts = {row.replace("\\|", "").count("|") for row in table}
        assert len(counts) == 1, table
