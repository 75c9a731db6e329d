"""xdist under load on one SQLite file: four workers, 400 items, several runs in a row sharing the database
and its response cache. No "database is locked", nothing lost: every run stores exactly its items."""

from __future__ import annotations

import json
import sqlite3

import pytest
from _hostile import FAST

QUESTIONS = 200
MODELS = ("sim/fast-cheap", "sim/weak")
ITEMS = QUESTIONS * len(MODELS)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    rows = [
        {"id": f"q{i:03d}", "question": f"Load question {i}", "answer": f"answer {i}", "category": f"C{i % 7}"}
        for i in range(QUESTIONS)
    ]
    pytester.makefile(".jsonl", questions="\n".join(json.dumps(r) for r in rows))
    pytester.makepyfile(test_load="def test_load(llm_result):\n    llm_result.assert_correct()\n")
    pytester.makeini("[pytest]\n")
    return pytester


def test_four_workers_three_runs_one_sqlite_file_nothing_lost(project: pytest.Pytester) -> None:
    args = (*FAST, "-n", "4", "--llm-dataset=questions.jsonl", "--llm-sample=all", f"--llm-models={','.join(MODELS)}")
    outputs = []
    for cache in ("on", "on", "refresh"):  # cold (cache writes), warm (cache reads), refresh (rewrites)
        result = project.runpytest_subprocess(*args, f"--llm-cache={cache}", timeout=240)
        out = result.stdout.str() + result.stderr.str()
        outputs.append(out)
        assert "database is locked" not in out.lower()
        assert "Traceback" not in out and "INTERNALERROR" not in out, out[-3000:]
        outcomes = result.parseoutcomes()
        assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == ITEMS, outcomes

    with sqlite3.connect(project.path / ".llmbench" / "results.db") as db:
        runs = db.execute("select id, status from benchmark_runs order by id").fetchall()
        per_run = dict(db.execute("select run_id, count(*) from benchmark_results group by run_id").fetchall())
        distinct = dict(
            db.execute("select run_id, count(distinct nodeid) from benchmark_results group by run_id").fetchall()
        )
        cached = dict(db.execute("select run_id, sum(cached) from benchmark_results group by run_id").fetchall())
        cache_rows = db.execute("select count(*) from response_cache").fetchone()[0]
    assert [status for _, status in runs] == ["completed"] * 3
    assert all(per_run[run_id] == distinct[run_id] == ITEMS for run_id, _ in runs), per_run
    first, second, third = (run_id for run_id, _ in runs)
    assert cached[first] == 0 and cached[second] == ITEMS and cached[third] == 0
    assert cache_rows == ITEMS
