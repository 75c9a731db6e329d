"""End-to-end behaviour of the plugin, through pytest's own ``pytester``."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from _quiz import quiz_project

pytest_plugins = ["pytester"]

QUESTIONS = [
    {"question": "This planet is known as the Red Planet", "answer": "Mars", "category": "SPACE",
     "round": "Jeopardy!", "value": 200},
    {"question": "He wrote 'Hamlet'", "answer": "(William) Shakespeare", "category": "AUTHORS",
     "round": "Jeopardy!", "value": 400},
    {"question": "The largest ocean on Earth", "answer": "the Pacific", "category": "GEOGRAPHY",
     "round": "Double Jeopardy!", "value": 800},
    {"question": "This metal has the chemical symbol Au", "answer": "gold", "category": "SCIENCE",
     "round": "Double Jeopardy!", "value": 1200},
    {"question": "First president of the United States", "answer": "(George) Washington",
     "category": "PRESIDENTS", "round": "Jeopardy!", "value": 600},
    {"question": "The capital of Japan", "answer": "Tokyo", "category": "CAPITALS", "round": "Final Jeopardy!"},
]

BENCH = """
import pytest

def test_quiz(llm_result):
    llm_result.assert_correct()
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return quiz_project(pytester, QUESTIONS, BENCH)


def _db(pytester: pytest.Pytester) -> sqlite3.Connection:
    return sqlite3.connect(pytester.path / ".llmbench" / "results.db")


ARGS = ("--llm-dataset=questions.jsonl", "--llm-sample=all", "-p", "no:cacheprovider")


def test_silent_when_unused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert 1 + 1 == 2\n")
    pytester.makeini("[pytest]\n")
    def lines(*extra: str) -> list[str]:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v", *extra)
        result.assert_outcomes(passed=1)
        assert not result.stderr.str().strip()
        # pytest's own header lists installed plugins and the run time varies: everything else must match. The
        # banner's "=" padding follows the time's digits (a run of 16.82 s under load is one "=" shorter).
        return [re.sub(r"in [0-9.]+s", "in Ns", line).strip("= ") for line in result.stdout.lines
                if not line.startswith(("plugins:", "rootdir:", "cachedir:"))]

    # The run with the plugin must print exactly what the run without it prints. No substring search: the
    # platform line shows the virtualenv's path, which holds "llm" in a checkout named pytest-llmbench.
    with_plugin = lines()
    without_plugin = lines("-p", "no:llmbench")
    assert with_plugin == without_plugin
    assert any("test_plain.py::test_one PASSED" in line for line in with_plugin), with_plugin
    assert not (pytester.path / ".llmbench").exists()


# The plugin is imported by every pytest run where it is installed: these must wait until a run benchmarks.
HEAVY = ("sqlalchemy", "httpx", "rich", "jsonschema", "rapidfuzz", "yaml")
HEAVY_OURS = ("storage", "engine", "providers", "grading", "_run.media", "_run.request", "_run.capabilities", "data",
              "_run.result", "outcome", "report.junit", "report.terminal", "testing", "_run.resume")


@pytest.mark.parametrize("module", ["pytest_llmbench.plugin", "pytest_llmbench"])
def test_importing_the_plugin_imports_nothing_heavy(module: str) -> None:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout))
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY)
    assert not loaded & {f"pytest_llmbench.{m}" for m in HEAVY_OURS}


def test_a_run_that_does_not_benchmark_loads_no_heavy_module(pytester: pytest.Pytester) -> None:
    # Other installed plugins may import httpx and the like, so this run checks our own modules and SQLAlchemy.
    pytester.makeconftest(
        "import json, sys\n"
        "def pytest_unconfigure(config):\n"
        "    (config.rootpath / 'modules.json').write_text(json.dumps(sorted(sys.modules)))\n"
    )
    pytester.makepyfile(test_plain="def test_one():\n    assert 1 + 1 == 2\n")
    pytester.makeini("[pytest]\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    loaded = set(json.loads((pytester.path / "modules.json").read_text()))
    assert "pytest_llmbench._run.session" in loaded  # the plugin was there and made its session
    assert "sqlalchemy" not in loaded
    assert not loaded & {f"pytest_llmbench.{m}" for m in HEAVY_OURS}


def test_items_are_question_x_model_with_stable_ids(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong,sim/weak", "--collect-only", "-q")
    ids = [line for line in result.stdout.lines if "::test_quiz[" in line]
    assert len(ids) == 12
    assert all("[sim/strong-questions:" in i or "[sim/weak-questions:" in i for i in ids)
    again = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong,sim/weak", "--collect-only", "-q")
    assert [line for line in again.stdout.lines if "::test_quiz[" in line] == ids
    assert not (project.path / ".llmbench").exists()  # collecting asks nothing and stores nothing


def test_run_prints_summary_and_stores_every_item(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 18
    out = result.stdout.str()
    assert "LLM benchmark summary" in out
    for model in ("sim/strong", "sim/fast-cheap", "sim/weak"):
        assert f"{model} (simulated)" in out
    assert "simulated models" in out
    with _db(project) as db:
        runs = db.execute("select id, status, models from benchmark_runs").fetchall()
        assert len(runs) == 1 and runs[0][1] == "completed"
        rows = db.execute(
            "select r.model, r.correct, r.outcome, q.clue from benchmark_results r "
            "join questions q on q.id = r.question_id"
        ).fetchall()
        assert len(rows) == 18
        stored_failed = sum(1 for r in rows if r[2] == "failed")
        assert stored_failed == outcomes.get("failed", 0)
        assert all((r[1] == 1) == (r[2] == "passed") for r in rows)
        perf = dict(db.execute("select model, correct from model_performance").fetchall())
        assert perf == {m: sum(1 for r in rows if r[0] == m and r[1]) for m in perf}


def test_gate_met_exits_zero_despite_wrong_answers(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong,sim/weak",
                                          "--llm-min-accuracy=sim/strong=0.5", "--llm-min-accuracy=0.0")
    assert result.parseoutcomes().get("failed", 0) > 0
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*PASS sim/strong accuracy*>= 0.500*", "*all gates passed*"])


def test_impossible_gate_exits_one_and_names_the_model(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-models=sim/weak", "--llm-min-accuracy=sim/weak=1.0")
    if result.parseoutcomes().get("failed", 0) == 0:
        pytest.fail("sim/weak answered everything; the fixture questions are too easy for this test")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*FAIL sim/weak accuracy*< 1.000*", "*gates FAILED*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--llm-grader=psychic",), "Unknown grader 'psychic'"),
        (("--llm-min-accuracy=high",), "--llm-min-accuracy"),
        (("--llm-dataset=missing.csv",), "missing.csv"),
        (("--llm-template=nope",), "Unknown template 'nope'"),
        (("--llm-sample=0",), "--llm-sample: 0 questions is no sample"),
    ],
)
def test_bad_usage_is_exit_4_with_one_sentence(project: pytest.Pytester, args: tuple[str, ...], message: str) -> None:
    result = project.runpytest_subprocess(*[a for a in ARGS if not (args[0].startswith("--llm-dataset") and
                                                                  a.startswith("--llm-dataset"))], *args)
    assert result.ret == 4
    err = result.stderr.str()
    assert message in err
    assert "Traceback" not in err + result.stdout.str()


def test_junit_properties(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong", "--junitxml=out.xml")
    assert result.ret in (0, 1)
    xml = (project.path / "out.xml").read_text()
    for name in ("llm_model", "llm_question_id", "llm_correct", "llm_score", "llm_grader", "llm_latency_ms",
                 "llm_ttft_ms", "llm_prompt_tokens", "llm_completion_tokens", "llm_cost_usd", "llm_cached"):
        assert f'name="{name}"' in xml
    assert xml.count('name="llm_model" value="sim/strong"') == 6


def test_infrastructure_failure_is_an_error_not_a_wrong_answer(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        *ARGS, "--llm-models=openai/gpt-4o-mini", "--llm-base-url=http://127.0.0.1:9/api/v1",
        "--llm-retries=0", "--llm-timeout=2",
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors", outcomes.get("error")) == 6 and "failed" not in outcomes
    result.stdout.fnmatch_lines(["*infrastructure error*"])
    with _db(project) as db:
        assert db.execute("select count(*) from benchmark_results where outcome='error' and correct is null"
                          ).fetchone() == (6,)


def test_marker_settings_and_hooks(project: pytest.Pytester) -> None:
    project.makeconftest("""
from pytest_llmbench import Grade, Question

def pytest_llmbench_load_dataset(name, config):
    if name == "tiny":
        return [Question(id="one", clue="Say yes", answer="yes", dataset="tiny")]

def pytest_llmbench_grade(question, completion, grader):
    return Grade(correct=True, score=1.0, method="conftest")
""")
    project.makepyfile(test_tiny="""
import pytest

@pytest.mark.llmbench(dataset="tiny", models=["sim/weak"], grader="strict")
def test_tiny(llm_result):
    assert llm_result.grade.method == "conftest"
    llm_result.assert_correct()
""")
    result = project.runpytest_subprocess("test_tiny.py", "-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_tiny[[]sim/weak-tiny:one[]] PASSED*"])


def test_deselected_items_are_never_asked(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong,sim/weak", "-k", "strong")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 6
    with _db(project) as db:
        models = {m for (m,) in db.execute("select model from benchmark_results")}
        assert models == {"sim/strong"}
        assert db.execute("select count(*) from response_cache where model='sim/weak'").fetchone() == (0,)


def test_cached_rerun_is_marked_keeps_its_numbers_and_is_billed_nothing(project: pytest.Pytester) -> None:
    project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong")
    rerun = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong")
    with _db(project) as db:
        rows = db.execute("select run_id, cached, cost_usd, latency_ms, prompt_tokens from benchmark_results "
                          "order by id").fetchall()
        totals = dict(db.execute("select id, totals from benchmark_runs").fetchall())
    first = [r for r in rows if r[0] == 1]
    second = [r for r in rows if r[0] == 2]
    assert len(first) == len(second) == 6
    assert not any(r[1] for r in first) and all(r[1] for r in second)
    # Each hit keeps the original call's cost, latency and tokens; the run was billed nothing for them.
    assert [r[2:] for r in second] == [r[2:] for r in first] and all(r[2] > 0 for r in first)
    saved = json.loads(totals[2])
    assert saved["cost_usd"] == 0 and saved["cached"] == 6
    assert saved["cost_saved_usd"] == pytest.approx(sum(r[2] for r in first))
    assert any(line.startswith("cache: 6 answers served from the response cache: billed $0") for line in rerun.outlines)


def test_database_path_is_configurable(project: pytest.Pytester, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "bench.db"
    result = project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong", f"--llm-db=sqlite:///{target}")
    assert result.ret in (0, 1)
    assert target.exists() and not (project.path / ".llmbench").exists()


def test_pytest_help_lists_every_option_and_exits_0(pytester: pytest.Pytester) -> None:
    # argparse %-formats help texts; one literal "%" in an option's help crashed `pytest --help` for everyone.
    from pytest_llmbench.config import OPTIONS

    result = pytester.runpytest_subprocess("--help")
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    out = result.stdout.str()
    assert "LLM benchmarking (pytest-llmbench)" in out
    missing = [option.cli for option in OPTIONS if option.cli not in out]
    assert not missing, missing
    assert "Wilson 95% lower bound" in " ".join(out.split())


def test_every_fixture_of_the_plugin_has_a_docstring(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    pass\n")
    result = pytester.runpytest_subprocess("--fixtures")
    assert result.ret == pytest.ExitCode.OK
    out = result.stdout.str()
    for name in ("llm_result", "llm_question", "llm_response", "llm_grader", "llm_client", "llm_cost"):
        assert name in out, name
    ours = out.split("fixtures defined from pytest_llmbench")[1].split("fixtures defined from")[0]
    assert "llm_client" in ours and "llm_cost" in ours
    assert "no docstring available" not in ours, ours
