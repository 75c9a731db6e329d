"""Opening a database: the default folder ignores itself in git, a user's own folder is left as it is."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pytest_llmbench.storage.db import open_engine


def test_the_default_folder_ignores_itself_in_git(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    open_engine("sqlite:///.llmbench/results.db", base_dir=tmp_path).dispose()
    assert (tmp_path / ".llmbench" / "results.db").is_file()
    status = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain", "--untracked-files=all"],
                            check=True, capture_output=True, text=True)
    assert status.stdout == ""


def test_a_folder_the_user_names_gets_no_gitignore(tmp_path: Path) -> None:
    open_engine("sqlite:///results/bench.db", base_dir=tmp_path).dispose()
    assert (tmp_path / "results" / "bench.db").is_file()
    assert not (tmp_path / "results" / ".gitignore").exists()
