"""The example suites in benchmarks/kinds: their files are what make_assets.py writes, and they pass offline."""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from pathlib import Path
from types import ModuleType

import pytest

from pytest_llmbench.data import load_dataset
from pytest_llmbench.grading.structured import kind_grader

pytest_plugins = ["pytester"]

SUITES = Path(__file__).resolve().parents[2] / "benchmarks" / "kinds"


def _make_assets() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_assets", SUITES / "make_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_assets_are_what_the_script_writes_and_small() -> None:
    module = _make_assets()
    assert module.main(["--check"]) == 0
    total = sum((SUITES / name).stat().st_size for name in module.ASSETS)
    assert total < 50_000


@pytest.mark.parametrize(
    ("name", "count", "kind"),
    [("vision", 6, "lenient"), ("documents", 4, "lenient"), ("structured", 4, "json"), ("tools", 4, "tool_call")],
)
def test_question_files_load_with_their_kinds(name: str, count: int, kind: str) -> None:
    questions = load_dataset(str(SUITES / f"{name}.yaml")).questions
    assert len(questions) == count
    assert {kind_grader(q, "lenient") for q in questions} == {kind}
    for question in questions:
        assert all(Path(p).is_absolute() and Path(p).is_file() for p in question.attachments)


def test_the_suites_pass_offline_with_the_simulated_models(pytester: pytest.Pytester) -> None:
    shutil.copytree(SUITES, pytester.path / "benchmarks" / "kinds", ignore=shutil.ignore_patterns("__pycache__"))
    pytester.makepyprojecttoml('[tool.llmbench]\nmin-accuracy = ["0.35", "sim/strong=0.80"]\n')
    result = pytester.runpytest_subprocess("benchmarks", "-p", "no:cacheprovider", "-rs")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*gate verdict: all gates passed*"])
    with sqlite3.connect(pytester.path / ".llmbench" / "results.db") as db:
        rows = db.execute("select model, outcome, error_kind, grader from benchmark_results").fetchall()
    assert len(rows) == 3 * (6 + 4 + 4 + 4)
    assert not [r for r in rows if r[1] == "error"]
    skipped = sorted((m, kind) for m, outcome, kind, _ in rows if outcome == "skipped")
    # sim/weak has no image input and no tools; the others can do everything these suites ask (PDFs as text).
    assert skipped == [("sim/weak", "unsupported")] * (6 + 4)
    strong = [outcome for m, outcome, _, _ in rows if m == "sim/strong"]
    assert strong.count("passed") >= 0.8 * len(strong)
    assert {g for *_, g in rows} == {"lenient", "json", "tool_call"}
