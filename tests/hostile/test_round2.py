"""Hostile conditions, round 2 (issue 16): nothing lost, nothing leaked, nothing hangs.

Real pytest runs in subprocesses against the fake server, with hostile replies (NUL and escape bytes, HTML
pages, oversized bodies), hostile files (YAML bombs, attachments outside the dataset folder), hostile
options (credentials in the base URL, a proxy password, report paths on a full device) and hostile names.
The secret sweep at the end reads every artefact those runs left behind.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from _hostile import (
    EXPECTED_CORRECT,
    FAST,
    FULL_DISK_CONFTEST,
    MODEL,
    N_QUESTIONS,
    TEST_FILE,
    base_args,
    db_counts,
    policy,
    questions_jsonl,
    yaml_alias_bomb,
    yaml_deep,
)

from pytest_llmbench.testing import FakeOpenRouter, Fault, first, for_model
from pytest_llmbench.testing.samples import png_bytes

OTHER = "anthropic/claude-3-haiku"
ESC = "\x1b"
LLMBENCH = ("-c", "import sys; from pytest_llmbench.cli import main; sys.exit(main(sys.argv[1:]))")


def _project(pytester: pytest.Pytester) -> None:
    pytester.makefile(".jsonl", questions=questions_jsonl())
    pytester.makepyfile(test_quiz=TEST_FILE)
    pytester.makeini("[pytest]\n")


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "INTERNALERROR" not in stderr, stderr
    errors = [ln for ln in stderr.splitlines() if ln.startswith("ERROR: ")]
    assert len(errors) == 1, stderr
    return errors[0]


# --- item 1: one unstorable reply never costs the other results (PostgreSQL and SQLite) ------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_nul_reply_is_stored_with_every_other_result(
    pytester: pytest.Pytester, pg_database: Callable[[str], str], backend: str
) -> None:
    from sqlalchemy import create_engine, text

    url = pg_database(f"nul{os.getpid()}") if backend == "postgresql" else "sqlite:///.llmbench/results.db"
    _project(pytester)
    faults = for_model(OTHER, Fault.dirty_text())  # every reply of one model holds a NUL and escapes
    with FakeOpenRouter(policy=policy, faults=faults) as server:
        args = [a for a in base_args(server.base_url) if not a.startswith("--llm-models=")]
        result = pytester.runpytest_subprocess(*args, f"--llm-models={MODEL},{OTHER}", f"--llm-db={url}", timeout=90)
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 2 * N_QUESTIONS
    engine = create_engine(url if backend == "postgresql" else f"sqlite:///{pytester.path / '.llmbench/results.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("select model, outcome, response_text from benchmark_results")).all()
        status = conn.execute(text("select status from benchmark_runs")).scalar_one()
    engine.dispose()
    assert len(rows) == 2 * N_QUESTIONS and status == "completed"
    dirty = [r for r in rows if r[0] == OTHER]
    assert len(dirty) == N_QUESTIONS and all("\x00" not in r[2] and "\ufffd" in r[2] for r in dirty)
    assert all(r[1] in ("passed", "failed") for r in rows)


# --- item 4 and 11: oversized replies and HTML pages are per-item errors that say what they are -----------


def _stored_errors(root: Path) -> list[str]:
    with sqlite3.connect(root / ".llmbench" / "results.db") as db:
        return [e for (e,) in db.execute("select error from benchmark_results where error is not null")]


def test_a_gzip_bomb_is_refused_while_it_streams_with_the_option_to_raise(pytester: pytest.Pytester) -> None:
    _project(pytester)
    with FakeOpenRouter(policy=policy, faults=first(1, Fault.gzip_bomb(64 << 20))) as server:
        result = pytester.runpytest_subprocess(*base_args(server.base_url), "--llm-max-reply-mb=1", timeout=90)
    errors = _stored_errors(pytester.path)
    assert len(errors) == 1, result.stdout.str()
    assert "over 1 MB (after decompression)" in errors[0] and "--llm-max-reply-mb" in errors[0]


def test_a_big_reply_passes_when_the_limit_is_raised(pytester: pytest.Pytester) -> None:
    _project(pytester)
    with FakeOpenRouter(policy=policy, faults=first(1, Fault.oversized(2 << 20))) as server:
        result = pytester.runpytest_subprocess(*base_args(server.base_url), "--llm-max-reply-mb=4", timeout=90)
    assert _stored_errors(pytester.path) == [], result.stdout.str()


def test_an_html_page_on_a_stream_is_named_as_such(pytester: pytest.Pytester) -> None:
    _project(pytester)
    with FakeOpenRouter(policy=policy, faults=first(10_000, Fault.html_page())) as server:
        pytester.runpytest_subprocess(*base_args(server.base_url), "--llm-retries=0", timeout=90)
    errors = _stored_errors(pytester.path)
    assert len(errors) == N_QUESTIONS
    assert all("with an HTML page, not an event stream (HTTP 200, text/html)" in e for e in errors), errors[0]


# --- item 5 and 10: hostile files and values are one sentence, quickly ---------------------------------


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("bomb.yaml", yaml_alias_bomb(9), "alias bomb"),
        ("deep.yaml", yaml_deep(), "levels deep"),
        ("deep.json", '[{"question": "q", "answer": "a", "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}]", "deep"),
        ("long.jsonl", json.dumps({"question": "x" * 2_000_000, "answer": "y"}) + "\n", "--llm-max-clue-chars"),
    ],
    ids=["alias-bomb", "deep-yaml", "deep-json", "long-clue"],
)
def test_a_hostile_dataset_is_one_sentence(pytester: pytest.Pytester, name: str, content: str, said: str) -> None:
    pytester.path.joinpath(name).write_text(content, encoding="utf-8")
    pytester.makepyfile(test_quiz=TEST_FILE)
    pytester.makeini("[pytest]\n")
    result = pytester.runpytest_subprocess(
        *FAST, f"--llm-dataset={name}", "--llm-sample=all", "--llm-models=sim/strong", timeout=60
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    assert said in _one_error_line(result.stderr.str())


def test_data_validate_refuses_a_yaml_bomb_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pytest_llmbench.cli import main

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(yaml_alias_bomb(9), encoding="utf-8")
    code = main(["data", "validate", str(bomb)])
    captured = capsys.readouterr()
    assert code != 0 and "Traceback" not in captured.out + captured.err
    assert "alias bomb" in captured.out + captured.err


def test_a_yaml_bomb_in_llmbench_yaml_is_a_usage_error(pytester: pytest.Pytester) -> None:
    _project(pytester)
    bomb = "\n".join(line.strip() for line in yaml_alias_bomb(9).splitlines()[3:])  # the anchors, at the top
    pytester.path.joinpath("llmbench.yaml").write_text(bomb + "\n", encoding="utf-8")
    result = pytester.runpytest_subprocess(*FAST, "--llm-dataset=questions.jsonl", "--llm-models=sim/strong")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "alias bomb" in _one_error_line(result.stderr.str())


# --- item 6: attachments stay inside the dataset's folder unless a root allows more -------------------------

PNG = png_bytes(2, 2, (200, 30, 30))


def _attachment_project(pytester: pytest.Pytester) -> Path:
    data = pytester.path / "data"
    data.mkdir()
    outside = pytester.path / "secret.png"
    outside.write_bytes(PNG)
    (data / "inside.png").write_bytes(PNG)
    (data / "link.png").symlink_to(outside)
    attached = {"inside": "inside.png", "dotdot": "../secret.png", "absolute": str(outside), "symlink": "link.png"}
    rows = [
        {"id": name, "question": f"Clue number {i} of the hostile set", "answer": f"Answer{i}", "attachments": [path]}
        for i, (name, path) in enumerate(attached.items(), start=1)
    ]
    (data / "q.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pytester.makepyfile(test_quiz=TEST_FILE)
    pytester.makeini("[pytest]\n")
    return data


def test_an_attachment_outside_the_dataset_folder_is_never_read(pytester: pytest.Pytester) -> None:
    _attachment_project(pytester)
    with FakeOpenRouter(policy=policy) as server:
        args = [a for a in base_args(server.base_url) if not a.startswith("--llm-dataset")]
        result = pytester.runpytest_subprocess(*args, "--llm-dataset=data/q.jsonl", timeout=60)
        sent = [json.dumps(r.body) for r in server.chat_requests]
    out = result.stdout.str().replace("\n", "")
    assert len(sent) == 1 and "image_url" in sent[0]  # only the inside attachment was read and sent
    assert "3 unusable row(s) left out" in out and "is outside" in out, out


def test_an_attachment_root_allows_a_folder(pytester: pytest.Pytester) -> None:
    _attachment_project(pytester)
    with FakeOpenRouter(policy=policy) as server:
        args = [a for a in base_args(server.base_url) if not a.startswith("--llm-dataset")]
        pytester.runpytest_subprocess(*args, "--llm-dataset=data/q.jsonl", f"--llm-attachment-root={pytester.path}")
        assert len(server.chat_requests) == 4


# --- item 9: reports are atomic; a failed write is exit 4 and one sentence ----------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_report_on_a_full_device_is_exit_4_and_leaves_nothing(pytester: pytest.Pytester) -> None:
    _project(pytester)
    pytester.mkdir("reports")
    with FakeOpenRouter(policy=policy) as server:
        result = pytester.runpytest_subprocess(
            *base_args(server.base_url), "--llm-report=html:/dev/full", "--llm-report=md:reports/r.md", timeout=60
        )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "No space left on device" in _one_error_line(result.stderr.str())
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # written into, never replaced by a file
    assert (pytester.path / "reports" / "r.md").is_file()  # the other report was still written
    assert not [p for p in pytester.path.rglob("*.tmp")]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_llmbench_report_to_dev_full_fails_cleanly(pytester: pytest.Pytester) -> None:
    _project(pytester)
    pytester.runpytest_subprocess(*FAST, "--llm-dataset=questions.jsonl", "--llm-models=sim/strong")
    result = pytester.run(sys.executable, *LLMBENCH, "report", "latest", "--html", "/dev/full")
    assert result.ret != 0 and "Traceback" not in result.stderr.str()
    assert "No space left on device" in result.stderr.str()
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_full_disk_while_finishing_is_one_sentence(pytester: pytest.Pytester) -> None:
    _project(pytester)
    pytester.makeconftest(
        "import errno\n"
        "from pytest_llmbench.storage.repository import Repository\n"
        "def full(self, *args, **kwargs):\n"
        "    raise OSError(errno.ENOSPC, 'No space left on device', '.llmbench/results.db')\n"
        "Repository.finish_run = full\n"
    )
    result = pytester.runpytest_subprocess(*FAST, "--llm-dataset=questions.jsonl", "--llm-models=sim/strong")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    line = _one_error_line(result.stderr.str())
    assert "could not be finished: No space left on device" in line and "--llm-resume=last" in line



@pytest.mark.parametrize("error", ["sqlite", "oserror"])
def test_a_full_disk_loses_no_result_and_resume_pays_for_none(pytester: pytest.Pytester, error: str) -> None:
    """The batch a full disk refuses is kept, retried, then spooled; the resume stores it without asking."""
    _project(pytester)
    pytester.makeconftest(FULL_DISK_CONFTEST)
    (pytester.path / "disk-full").write_text(error)
    with FakeOpenRouter(policy=policy, latency=0.05) as server:
        args = [*base_args(server.base_url), "--llm-concurrency=1"]  # results arrive over several batches
        result = pytester.runpytest_subprocess(*args, timeout=90)
        assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
        line = _one_error_line(result.stderr.str())
        reason = "database or disk is full" if error == "sqlite" else "No space left on device"
        counts = db_counts(pytester.path / ".llmbench" / "results.db")
        unstored = N_QUESTIONS - counts.rows
        assert 0 < unstored < N_QUESTIONS and counts.run_status == "interrupted"  # the first batch had room
        kept = re.search(r"; (\d+) results? (?:are|is) kept in ", line)
        assert kept is not None and reason in line, line
        assert "--llm-resume=last stores them without asking again" in line
        assert len(list((pytester.path / ".llmbench").glob("unstored-run-1-*.json"))) == 1
        # every answer that arrived is kept; only items the failed writes stopped before asking are not
        asked_first = len(server.chat_requests)
        assert 0 < int(kept[1]) <= unstored and asked_first - int(kept[1]) == counts.rows

        (pytester.path / "disk-full").unlink()  # the space is freed
        server.reset()
        resumed = pytester.runpytest_subprocess(*args, "--llm-resume=last", timeout=90)
        asked_again = len(server.chat_requests)
        assert asked_first + asked_again == N_QUESTIONS  # nothing already paid for is asked again
    assert resumed.ret == pytest.ExitCode.TESTS_FAILED, resumed.stdout.str()  # the 4 wrong answers only
    final = db_counts(pytester.path / ".llmbench" / "results.db")
    assert final.rows == final.distinct_items == N_QUESTIONS and final.correct == EXPECTED_CORRECT
    assert final.run_status == "completed" and not list((pytester.path / ".llmbench").glob("unstored-*"))


def test_when_nothing_can_keep_them_the_sentence_says_how_many_are_asked_again(pytester: pytest.Pytester) -> None:
    _project(pytester)
    pytester.makeconftest(FULL_DISK_CONFTEST + (
        "import pytest_llmbench.storage.spool as spool\n"
        "def _no_room(path, data):\n"
        "    raise OSError(errno.ENOSPC, 'No space left on device', str(path))\n"
        "spool.write_atomic = _no_room\n"
    ))
    (pytester.path / "disk-full").write_text("sqlite")
    with FakeOpenRouter(policy=policy, latency=0.05) as server:
        args = [*base_args(server.base_url), "--llm-concurrency=1"]
        result = pytester.runpytest_subprocess(*args, timeout=90)
        line = _one_error_line(result.stderr.str())
        unstored = N_QUESTIONS - db_counts(pytester.path / ".llmbench" / "results.db").rows
        assert result.ret == pytest.ExitCode.USAGE_ERROR and 0 < unstored < N_QUESTIONS
        assert f"{unstored} results could not be stored or kept" in line, line
        assert f"--llm-resume=last asks only those {unstored} again" in line

        (pytester.path / "disk-full").unlink()
        server.reset()
        pytester.runpytest_subprocess(*args, "--llm-resume=last", timeout=90)
        assert len(server.chat_requests) == unstored  # only those, as the sentence said
    assert db_counts(pytester.path / ".llmbench" / "results.db").rows == N_QUESTIONS

# --- item 11: escape sequences in names and replies never reach a terminal or a Markdown file ---------------


def test_escape_sequences_in_a_run_name_and_replies_stay_inert(pytester: pytest.Pytester) -> None:
    _project(pytester)
    name = f"evil{ESC}]0;pwned\x07{ESC}[2Jname"
    with FakeOpenRouter(policy=policy, faults=first(10_000, Fault.dirty_text())) as server:
        result = pytester.runpytest_subprocess(
            *base_args(server.base_url), f"--llm-run-name={name}", "--llm-report=md:r.md", timeout=60
        )
    out = result.stdout.str()
    assert "stored as run 1" in out and ESC not in out and "\x07" not in out
    markdown = (pytester.path / "r.md").read_text(encoding="utf-8")
    assert ESC not in markdown and "\x00" not in markdown and "\\x1b" in markdown
    listing = pytester.run(sys.executable, *LLMBENCH, "runs", "list")
    assert "evil" in listing.stdout.str() and ESC not in listing.stdout.str() + listing.stderr.str()
