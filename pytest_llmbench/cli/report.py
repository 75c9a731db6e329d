"""``llmbench report RUN --html PATH``: write the file reports of any stored run (html, json, csv, md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pytest_llmbench.cli._shared import open_repository
from pytest_llmbench.errors import UsageError
from pytest_llmbench.report.files import write_report
from pytest_llmbench.report.model import load_report

KINDS = ("html", "json", "csv", "md")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the HTML/JSON/CSV/Markdown report of a stored run",
        description="Write reports of a stored run, the same files --llm-report writes at the end of a session.",
    )
    parser.add_argument("run", metavar="RUN", help="a run id from 'llmbench runs list', or 'latest'")
    for kind in KINDS:
        parser.add_argument(f"--{kind}", type=Path, metavar="PATH", help=f"write the {kind} report here")
    parser.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    targets = [(kind, getattr(args, kind)) for kind in KINDS if getattr(args, kind) is not None]
    if not targets:
        raise UsageError("Say which report to write: --html PATH, --json PATH, --csv PATH or --md PATH.")
    repo = open_repository(args)
    try:
        data = load_report(repo, args.run)
    finally:
        repo.close()
    for kind, path in targets:
        write_report(kind, path, data)
        print(f"{kind} report of run {data.run.id if data.run else args.run}: {path}")
    return 0
