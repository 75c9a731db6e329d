"""What every history subcommand shares: the settings, the database, and plain-text tables.

The database is the one the plugin would use from this folder (``--llm-db`` / ``LLMBENCH_DB_URL`` /
``[tool.llmbench] db`` / the default), unless the dispatcher's ``--db`` says otherwise.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pytest_llmbench.config import Settings, load_settings
from pytest_llmbench.errors import StorageError
from pytest_llmbench.report.fmt import output_width
from pytest_llmbench.storage.db import sqlite_path
from pytest_llmbench.storage.repository import Repository

#: What marks a project's root folder, as pytest's rootdir is found by its ini files.
_ROOT_MARKERS = ("llmbench.yaml", "llmbench.yml", "pytest.ini", ".llmbench")


def _marks_root(folder: Path) -> bool:
    if any((folder / name).exists() for name in _ROOT_MARKERS):
        return True
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "[tool.llmbench]" in text or "[tool.pytest.ini_options]" in text


def project_root(start: Path | None = None) -> Path:
    """The folder the plugin would treat as the project: the nearest one at or above ``start`` holding
    llmbench.yaml, pytest.ini, a .llmbench folder, or a pyproject.toml with [tool.llmbench] or pytest
    settings; else ``start``. Run from a subfolder, the CLI reads the same config and database as pytest."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _marks_root(folder):
            return folder
    return here


def settings() -> Settings:
    return load_settings(project_root())


def database_url(given: str) -> str:
    """A URL as given, or a plain path (``results.db``, ``~/bench/x.sqlite``) as an SQLite URL."""
    return given if "://" in given else f"sqlite:///{Path(given).expanduser().resolve()}"


def db_url(args: argparse.Namespace) -> str:
    given = getattr(args, "db", None)
    return database_url(str(given)) if given else str(settings().db)


def open_repository(args: argparse.Namespace, *, create: bool = False) -> Repository:
    """The results database; reading commands refuse to create an empty one where none exists."""
    url = db_url(args)
    root = project_root()
    path = sqlite_path(url, root)
    if path is not None and not create and not path.exists():
        raise StorageError(
            f"There is no results database at {path} yet; run pytest with the plugin first, or pass --db URL."
        )
    return Repository(url, base_dir=root)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Sequence[int] = (), width: int | None = None
) -> str:
    """A plain text table (no colour, no markup: names and texts print literally)."""
    t = Table(show_edge=False, box=None, pad_edge=False, header_style="bold")
    for i, h in enumerate(headers):
        t.add_column(Text(h), justify="right" if i in right else "left", overflow="fold")
    for row in rows:
        t.add_row(*(Text(c) for c in row))
    out = io.StringIO()
    if width is None:
        width = output_width(sys.stdout, shutil.get_terminal_size().columns)
    Console(file=out, width=width, no_color=True, markup=False, highlight=False, emoji=False).print(t)
    return out.getvalue()
