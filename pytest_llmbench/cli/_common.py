"""What every ``llmbench`` subcommand shares with the plugin: the settings and the results database."""

from __future__ import annotations

import argparse
from pathlib import Path

from pytest_llmbench.config import Settings, load_settings
from pytest_llmbench.storage import Repository


def settings_for(args: argparse.Namespace) -> Settings:
    """The same layers as the plugin (config file, .env, environment) read from the current folder."""
    return load_settings(Path.cwd())


def open_repository(args: argparse.Namespace) -> Repository:
    """``--db`` of the command line, else the plugin's ``--llm-db`` setting (env, config file, default)."""
    url = getattr(args, "db", None) or settings_for(args).db
    return Repository(url, base_dir=Path.cwd())
