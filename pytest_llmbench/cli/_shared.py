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


def settings() -> Settings:
    return load_settings(Path.cwd())


def db_url(args: argparse.Namespace) -> str:
    return str(getattr(args, "db", None) or settings().db)


def open_repository(args: argparse.Namespace, *, create: bool = False) -> Repository:
    """The results database; reading commands refuse to create an empty one where none exists."""
    url = db_url(args)
    path = sqlite_path(url, Path.cwd())
    if path is not None and not create and not path.exists():
        raise StorageError(
            f"There is no results database at {path} yet; run pytest with the plugin first, or pass --db URL."
        )
    return Repository(url, base_dir=Path.cwd())


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
