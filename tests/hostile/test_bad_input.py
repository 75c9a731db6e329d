"""Bad input is a usage error: exit 4, one sentence naming what is wrong, no traceback, nothing spent.

Every ``--llm-*`` option gets a bad value (flags, which take none on the command line, get theirs from
``[tool.llmbench]``); a malformed question file names file and line; a database that cannot be created fails
before the first request.
"""

from __future__ import annotations

import json

import pytest
from _hostile import FAST, TEST_FILE, questions_jsonl

from pytest_llmbench.config import OPTIONS, Option
from pytest_llmbench.testing import FakeOpenRouter

#: One value per option that must be refused. Values that parse (a dataset name, a run id) name things
#: that do not exist: those must be refused too, before any item runs.
BAD_VALUES: dict[str, str] = {
    "models": "not a model!",
    "dataset": "no-such-file.csv",
    "sample": "lots",
    "sample-method": "psychic",
    "seed": "-1",
    "stratify": "no_such_column",
    "category": "([unclosed",
    "rounds": "Quadruple Jeopardy!",
    "include-media": "maybe",
    "grader": "psychic",
    "judge-model": "not a model!",
    "template": "no-such-template",
    "concurrency": "0",
    "model-concurrency": "-1",
    "rpm": "-5",
    "provider": "order=azure;fallbacks=no",
    "strict-models": "maybe",
    "timeout": "soon",
    "retries": "-1",
    "max-cost": "free",
    "estimate": "maybe",
    "min-accuracy": "1.5",
    "max-errors": "many",
    "baseline": "no-such-run",
    "max-regression": "2",
    "db": "not a database url",
    "cache": "sometimes",
    "resume": "no-such-run",
    "base-url": "ftp://example.com",
    "report": "pdf:out.pdf",
    "run-name": "",
    "stream": "maybe",
    "repeat": "0",
    "gate-bound": "upper",
    "shard": "5/4",
    "pdf": "image",
    "pdf-max-pages": "0",
    "max-image-mb": "huge",
    "max-reply-mb": "0",
    "max-clue-chars": "0",
    "attachment-root": "no-such-folder",
    "cluster": "by-mood",
    "plan": "maybe",
    "plan-delta": "2",
    "target-ci": "wide",
}

#: Values that parse as numbers or URLs but crashed or hung a run (issue 16, item 10).
HUGE_VALUES: dict[str, str] = {
    "concurrency": "1000000",
    "repeat": "100000000",
    "seed": "1" + "0" * 400,
    "max-image-mb": "1e308",
    "max-reply-mb": "1e308",
    "timeout": "1e308",
    "pdf-max-pages": "99999999999999999999",
    "base-url": "http://[::1",
}


def test_the_table_covers_every_option() -> None:
    assert sorted(BAD_VALUES) == sorted(o.name for o in OPTIONS)


def _one_sentence(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert "Traceback" not in stderr
    errors = [ln for ln in lines if ln.startswith("ERROR: ")]
    assert len(errors) == 1, stderr
    message = errors[0].removeprefix("ERROR: ")
    assert message.strip() and len(message) < 400, message
    return message


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".jsonl", questions=questions_jsonl())
    pytester.makepyfile(test_quiz=TEST_FILE)
    return pytester


@pytest.mark.parametrize("option", OPTIONS, ids=[o.name for o in OPTIONS])
def test_a_bad_value_is_a_one_sentence_usage_error(project: pytest.Pytester, option: Option) -> None:
    bad = BAD_VALUES[option.name]
    args = [*FAST, "--llm-dataset=questions.jsonl", "--llm-sample=all", "--llm-models=sim/strong"]
    if option.flag:  # no value on the command line: the bad one comes from the config file
        project.makepyprojecttoml(f'[tool.llmbench]\n{option.name} = "{bad}"\n')
    else:
        project.makeini("[pytest]\n")
        args = [a for a in args if not a.startswith(option.cli + "=")] + [f"{option.cli}={bad}"]
    result = project.runpytest_inprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    message = _one_sentence(result.stderr.str())
    named = (option.cli, f"'{option.name}'", bad) if bad else (option.cli, f"'{option.name}'")
    assert any(n in message for n in named), message
    assert not (project.path / ".llmbench").exists() or option.name in ("baseline", "resume")


@pytest.mark.parametrize(("name", "value"), HUGE_VALUES.items(), ids=list(HUGE_VALUES))
def test_a_value_that_crashed_or_hung_is_a_one_sentence_usage_error(
    project: pytest.Pytester, name: str, value: str
) -> None:
    project.makeini("[pytest]\n")
    result = project.runpytest_inprocess(
        *FAST, "--llm-dataset=questions.jsonl", "--llm-sample=all", "--llm-models=sim/strong", f"--llm-{name}={value}"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    message = _one_sentence(result.stderr.str())
    assert f"--llm-{name}" in message and len(message) < 300, message
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


OK = '{"question": "fine", "answer": "a"}\n'


@pytest.mark.parametrize(
    ("suffix", "content", "line"),
    [
        (".jsonl", OK + '{"question": "broken", "answer": \n{"oops"\n', 2),
        (".jsonl", OK + '{"question": "no answer"}\n{"answer": "no question"}\n', 2),
        (".json", '[{"question": "ok", "answer": "a"},\n {"question": "x" "answer": "b"}]\n', 2),
        (".json", '{"question": "not a list"}\n', None),
        (".csv", "question,answer\nok,a\nno answer,\n,no question\n", 3),
        (".csv", "question,answer\nok,a\n1,2,3\n4,5,6\n", 3),
        (".yaml", "- question: ok\n  answer: a\n- question: [unclosed\n  answer: b\n", 4),  # where YAML notices
        (".yaml", "just a string\n", None),
    ],
    ids=[
        "jsonl-syntax",
        "jsonl-missing-fields",
        "json-syntax",
        "json-object",
        "csv-empty-cells",
        "csv-extra-fields",
        "yaml-syntax",
        "yaml-scalar",
    ],
)
def test_a_malformed_dataset_names_file_and_line(
    pytester: pytest.Pytester, suffix: str, content: str, line: int | None
) -> None:
    (pytester.path / f"questions{suffix}").write_text(content, encoding="utf-8")
    pytester.makepyfile(test_quiz=TEST_FILE)
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest_inprocess(*FAST, f"--llm-dataset=questions{suffix}", "--llm-models=sim/strong")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    message = _one_sentence(result.stderr.str())
    assert f"questions{suffix}:{line}:" in message if line else f"questions{suffix}" in message, message


def test_a_few_bad_rows_are_left_out_and_said_with_file_and_line(pytester: pytest.Pytester) -> None:
    # The loader tolerates a few bad rows (a scraped dump has some); a left-out question must still be said.
    rows = questions_jsonl().splitlines()
    rows.insert(3, '{"question": "forgot the answer"}')
    pytester.makefile(".jsonl", questions="\n".join(rows))
    pytester.makepyfile(test_quiz=TEST_FILE)
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest_inprocess(
        *FAST, "--llm-dataset=questions.jsonl", "--llm-sample=all", "--llm-models=sim/strong"
    )
    result.assert_outcomes(passed=12)
    # Off a terminal the summary is unwrapped: the whole sentence is on one line, as a grep of a CI log needs.
    lines = [line for line in result.stdout.lines if "unusable row(s) left out" in line]
    assert len(lines) == 1 and "1 unusable row(s) left out" in lines[0] and "questions.jsonl:4:" in lines[0], lines


def test_every_summary_sentence_is_whole_with_a_very_long_dataset_path(pytester: pytest.Pytester) -> None:
    # A path longer than any terminal: a wrap inside it would split the sentence a user greps for.
    folder = pytester.path
    for part in ("a-deliberately-long-folder-name-" * 2, "with spaces in it " * 3, "x" * 60, "llm bench data"):
        folder = folder / part
    folder.mkdir(parents=True)
    dataset = folder / "questions.jsonl"
    rows = questions_jsonl().splitlines()
    rows.insert(3, '{"question": "forgot the answer"}')
    dataset.write_text("\n".join(rows), encoding="utf-8")
    assert len(str(dataset)) > 200
    pytester.makepyfile(test_quiz=TEST_FILE)
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest_inprocess(
        *FAST, f"--llm-dataset={dataset}", "--llm-sample=all", "--llm-models=sim/strong", "--llm-min-accuracy=0.5"
    )
    result.assert_outcomes(passed=12)
    lines = result.stdout.lines
    origin = [line for line in lines if line.startswith("questions: ")]
    assert len(origin) == 1, lines
    assert str(dataset) in origin[0], origin
    assert "1 unusable row(s) left out" in origin[0] and f"{dataset.name}:4:" in origin[0], origin
    simulated = [line for line in lines if line.startswith("simulated: ")]
    assert len(simulated) == 1 and simulated[0].rstrip().endswith("not measurements of any real model."), simulated
    verdict = [line for line in lines if line.startswith("gate verdict: ")]
    assert verdict == ["gate verdict: all gates passed"], lines


@pytest.mark.parametrize(
    "db", ["sqlite:////proc/llmbench/x.db", "sqlite:///{file}/under/a/file.db", "sqlite:///{folder}"]
)
def test_an_unusable_database_fails_before_anything_is_spent(pytester: pytest.Pytester, db: str) -> None:
    pytester.makefile(".jsonl", questions=questions_jsonl())
    pytester.makepyfile(test_quiz=TEST_FILE)
    pytester.makeini("[pytest]\n")
    (pytester.path / "plain-file").write_text("not a folder", encoding="utf-8")
    url = db.format(file=pytester.path / "plain-file", folder=pytester.mkdir("a-folder"))
    with FakeOpenRouter() as server:
        result = pytester.runpytest_subprocess(
            *FAST,
            "--llm-dataset=questions.jsonl",
            "--llm-sample=all",
            "--llm-models=openai/gpt-4o-mini",
            f"--llm-base-url={server.base_url}",
            f"--llm-db={url}",
            timeout=60,
        )
        requests = len(server.requests)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    _one_sentence(result.stderr.str())
    assert requests == 0


def test_questions_fixture_is_valid_json() -> None:
    assert all(json.loads(line) for line in questions_jsonl().splitlines())
