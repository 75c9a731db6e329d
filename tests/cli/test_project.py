"""The CLI finds the project as pytest finds its rootdir, takes --db anywhere, and a plain path as --db."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmbench.cli import main
from pytest_llmbench.cli._shared import project_root


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_subfolder_reads_the_projects_database(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = history / "benchmarks" / "nested"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert project_root() == history.resolve()
    code, out, err = _run(capsys, "runs", "list")
    assert code == 0, err
    assert "candidate" in out and "baseline" in out
    assert not (deep / ".llmbench").exists()


def test_the_nearest_pyproject_with_settings_is_the_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.llmbench]\nsample = 5\n", encoding="utf-8")
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert project_root(inner) == tmp_path.resolve()
    lone = tmp_path / "elsewhere"
    lone.mkdir()
    (tmp_path / "pyproject.toml").unlink()
    assert project_root(lone) == lone.resolve()


@pytest.mark.parametrize("where", ["before", "after", "equals-after"])
def test_db_is_taken_before_or_after_the_subcommand_and_as_a_plain_path(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    other = history.parent / f"{history.name}-other"
    other.mkdir()
    monkeypatch.chdir(other)  # no project here: only --db can find the runs
    path = str(history / ".llmbench" / "results.db")
    argv = {
        "before": ["--db", path, "runs", "list"],
        "after": ["runs", "list", "--db", path],
        "equals-after": ["runs", "list", f"--db={path}"],
    }[where]
    code, out, err = _run(capsys, *argv)
    assert code == 0, err
    assert "candidate" in out


def test_errors_share_one_prefix(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "runs", "show", "999")
    assert code == 2 and err.startswith("llmbench: ") and len(err.strip().splitlines()) == 1
    code, _, err = _run(capsys, "data", "validate", "no-such-file.csv")
    assert code != 0 and err.startswith("llmbench: "), err
