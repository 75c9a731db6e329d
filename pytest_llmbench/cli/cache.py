"""``llmbench cache stats|clear``: the response cache in the results database."""

from __future__ import annotations

import argparse

from pytest_llmbench.cli._shared import open_repository, table
from pytest_llmbench.storage.cache import DatabaseCache


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cache = subparsers.add_parser(
        "cache",
        help="response cache statistics, or clear it",
        description="The response cache: answers reused by --llm-cache=on.",
    )
    commands = cache.add_subparsers(dest="cache_command", metavar="COMMAND", required=True)
    stats = commands.add_parser("stats", help="cached answers per model", description="Cached answers per model.")
    stats.set_defaults(func=run_stats)
    clear = commands.add_parser(
        "clear", help="delete every cached answer", description="Delete every cached answer (stored runs are kept)."
    )
    clear.set_defaults(func=run_clear)


def run_stats(args: argparse.Namespace) -> int:
    repo = open_repository(args)
    try:
        by_model = DatabaseCache(repo.engine).stats()
    finally:
        repo.close()
    if not by_model:
        print("The response cache is empty.")
        return 0
    rows = [[model, f"{count:,}"] for model, count in sorted(by_model.items(), key=lambda kv: (-kv[1], kv[0]))]
    rows.append(["total", f"{sum(by_model.values()):,}"])
    print(table(["model", "cached answers"], rows, right=(1,)), end="")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    repo = open_repository(args)
    try:
        removed = DatabaseCache(repo.engine).clear()
    finally:
        repo.close()
    print(f"Removed {removed:,} cached answers; stored runs are untouched.")
    return 0
