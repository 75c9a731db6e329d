"""The ``llmbench`` command: thin; it shares settings, storage and renderers with the plugin.

Each subcommand group lives in its own module exposing ``register(subparsers)``; a handler returns the exit
code. Errors of ours become one sentence on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pytest_llmbench._version import __version__
from pytest_llmbench.errors import LlmBenchError

#: Modules under pytest_llmbench.cli that add subcommands. A missing one is skipped (optional features).
SUBCOMMAND_MODULES = ("data", "runs", "models", "cache", "db", "report", "regrade")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmbench",
        description="Inspect and manage pytest-llmbench results, datasets, models and cache. "
        "Benchmarks themselves run with pytest (pytest benchmarks --llm-models=...).",
    )
    parser.add_argument("--version", action="version", version=f"pytest-llmbench {__version__}")
    parser.add_argument("--db", metavar="URL|PATH",
                        help="results database, a URL or an SQLite file's path, before or after the subcommand "
                        "(default: --llm-db / LLMBENCH_DB_URL / the config file of the project this folder is in)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(f"pytest_llmbench.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"pytest_llmbench.cli.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def _lift_db(argv: Sequence[str]) -> tuple[list[str], str | None]:
    """Take ``--db X`` / ``--db=X`` out of the arguments wherever it stands: argparse only accepts the main
    parser's options before the subcommand, and users put it after (``llmbench runs list --db x.db``)."""
    rest: list[str] = []
    db: str | None = None
    args = iter(argv)
    for arg in args:
        if arg == "--":
            rest += [arg, *args]
            break
        if arg == "--db":
            db = next(args, None)
            if db is None:
                rest.append(arg)  # argparse says "expected one argument"
        elif arg.startswith("--db="):
            db = arg.partition("=")[2]
        else:
            rest.append(arg)
    return rest, db


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    rest, db = _lift_db(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(rest)
    if db is not None:
        args.db = db
    handler = getattr(args, "func", None)
    if handler is None:
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        return int(handler(args) or 0)
    except LlmBenchError as exc:
        print(f"llmbench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("llmbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
