"""``--llm-shard=I/N`` end to end: shards on separate "machines" (their own database files) or on one shared
database, merged by ``llmbench db merge`` into one run with one summary and one gate."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from _quiz import quiz_project

from pytest_llmbench.cli import main

pytest_plugins = ["pytester"]

QUESTIONS = [{"question": f"Name the color number {i} of the rainbow", "answer": c, "category": "COLORS"}
             for i, c in enumerate(["red", "orange", "yellow", "green", "blue", "indigo", "violet", "white"])]
ARGS = ("--llm-dataset=questions.jsonl", "--llm-sample=all", "-p", "no:cacheprovider", "--llm-cache=off",
        "--llm-models=sim/strong,sim/weak", "--llm-run-name=pr-7")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return quiz_project(pytester, QUESTIONS)


def _results(db: Path, run_id: int | None = None) -> dict[str, bool]:
    with sqlite3.connect(db) as conn:
        query = "select nodeid, correct from benchmark_results"
        found = conn.execute(query + (f" where run_id = {int(run_id)}" if run_id else "")).fetchall()
    assert len(found) == len({n for n, _ in found})
    return {n: bool(c) for n, c in found}


def llmbench(db: Path, *argv: str) -> int:
    """The command on ``db``, run from its folder: no config file there (it reads the current folder's)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(db.parent)
        return main(["--db", f"sqlite:///{db}", *argv])


def _run(project: pytest.Pytester, db: Path, *extra: str) -> pytest.RunResult:
    return project.runpytest_subprocess(*ARGS, f"--llm-db=sqlite:///{db}", *extra)


def test_shards_on_separate_machines_merge_into_one_gated_run(
    project: pytest.Pytester, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(project, tmp_path / "whole.db")
    whole = _results(tmp_path / "whole.db")
    assert len(whole) == 16
    parts: list[dict[str, bool]] = []
    for index in (1, 2, 3):
        db = tmp_path / f"shard{index}.db"
        _run(project, db, f"--llm-shard={index}/3", "--llm-min-accuracy=sim/strong=0.5")
        parts.append(_results(db))
        with sqlite3.connect(db) as conn:
            assert conn.execute("select shard, status from benchmark_runs").fetchall() == [(f"{index}/3", "completed")]
    assert sum(len(p) for p in parts) == 16 and all(parts)  # disjoint, every item in exactly one shard
    assert {k: v for p in parts for k, v in p.items()} == whole

    merged = tmp_path / "merged.db"
    capsys.readouterr()
    code = llmbench(merged, "db", "merge", "--as", "pr-7 merged",
                    *[f"--from={tmp_path / f'shard{i}.db'}" for i in (1, 2, 3)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("LLM benchmark summary") == 1
    assert "PASS sim/strong accuracy" in out  # the shards' own gate, applied to the whole
    with sqlite3.connect(merged) as conn:
        runs = conn.execute("select id, name, status, shard from benchmark_runs order by id").fetchall()
        assert [r[3] for r in runs] == ["1/3", "2/3", "3/3", None]
        merged_id = runs[-1][0]
        assert runs[-1][1:3] == ("pr-7 merged", "completed")
        perf = dict(conn.execute("select model, items from model_performance where run_id = ?", (merged_id,)))
    assert _results(merged, merged_id) == whole
    assert perf == {"sim/strong": 8, "sim/weak": 8}

    failing = llmbench(merged, "db", "merge", "--run", "1", "--run", "2", "--run", "3",
                       "--min-accuracy", "sim/weak=1.0")
    assert failing == 1
    assert "FAIL sim/weak accuracy" in capsys.readouterr().out


def test_shards_sharing_one_database_merge_by_name(
    project: pytest.Pytester, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "shared.db"
    for index in (1, 2):
        _run(project, db, f"--llm-shard={index}/2")
    assert llmbench(db, "db", "merge", "--name", "pr-7") == 0
    with sqlite3.connect(db) as conn:
        last = conn.execute("select id from benchmark_runs order by id desc limit 1").fetchone()[0]
    assert len(_results(db, last)) == 16


def test_a_missing_shard_is_refused(project: pytest.Pytester, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "shared.db"
    _run(project, db, "--llm-shard=1/3")
    _run(project, db, "--llm-shard=3/3")
    assert llmbench(db, "db", "merge", "--name", "pr-7") == 2
    assert "Shard 2/3 is missing" in capsys.readouterr().err
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from benchmark_runs").fetchone() == (2,)


def test_shards_on_one_database_share_one_budget(pytester: pytest.Pytester, tmp_path: Path) -> None:
    from pytest_llmbench.testing import FakeOpenRouter

    project = quiz_project(pytester, [{"question": f"Clue {i}", "answer": "Mars"} for i in range(30)])
    db = tmp_path / "shared.db"
    # A model the (fake) live catalog prices as the fake server bills it. Each answer costs about $0.00006 and
    # reserves up to $0.0006 first: the 15 items of one shard fit in the budget alone, the 30 of both do not.
    entry = {"id": "test/priced", "name": "Priced", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}
    budget = 0.0012
    args = [sys.executable, "-m", "pytest", "--llm-dataset=questions.jsonl", "--llm-sample=all", "-p",
            "no:cacheprovider", "--llm-cache=off", "--llm-models=test/priced", f"--llm-db=sqlite:///{db}",
            f"--llm-max-cost={budget}", "--llm-concurrency=2", "-rs"]
    with FakeOpenRouter(policy="What is Mars?", models=[entry], latency=0.05) as server:
        base = [*args, f"--llm-base-url={server.base_url}"]
        logs = [tmp_path / f"shard{i}.log" for i in (1, 2)]
        shards = [project.popen([*base, f"--llm-shard={i}/2"], stdout=log.open("w"), stderr=subprocess.STDOUT)
                  for i, log in zip((1, 2), logs, strict=True)]  # both at once, as two CI jobs
        codes = [shard.wait(timeout=120) for shard in shards]
        outputs = [log.read_text() for log in logs]
        spent = _spent(db)
        again = project.popen([*base, "--llm-shard=1/2"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        again.wait(timeout=120)
    assert all(code in (0, 1) for code in codes), outputs
    assert "Budget exhausted" in "".join(outputs)  # together they ran out, where each alone would not have
    assert 0 < spent <= budget
    # Run again later, the benchmark gets its budget again: a new generation of the shards' shared pool.
    assert 0 < _spent(db, 3) <= budget


def _spent(db: Path, run_id: int | None = None) -> float:
    with sqlite3.connect(db) as conn:
        where = f" where run_id = {int(run_id)}" if run_id else ""
        return float(conn.execute("select coalesce(sum(cost_usd), 0) from benchmark_results" + where).fetchone()[0])
