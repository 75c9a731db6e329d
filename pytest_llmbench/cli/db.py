"""``llmbench db backup PATH`` and ``llmbench db merge``: whole-database operations.

``db merge`` combines the runs of ``--llm-shard=I/N`` (from the same database, or from the shards' own
database files) into one run, prints one summary, evaluates one gate and exits 1 when it fails, so the last
job of a CI fan-out can gate on the whole. ``add_merge_arguments`` and ``run_merge`` are public so that
``llmbench runs merge`` can offer the same command.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from pathlib import Path
from typing import TextIO

from pytest_llmbench.cli._shared import database_url, db_url, project_root
from pytest_llmbench.cli.shards import merge_runs
from pytest_llmbench.config import Settings, load_settings, resolve
from pytest_llmbench.report.step_summary import append_step_summary
from pytest_llmbench.report.terminal import render
from pytest_llmbench.storage.maintenance import backup, copy_runs, runs_named
from pytest_llmbench.storage.repository import Repository, RunInfo


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="back up or merge results databases",
                                   description="Whole-database operations on the results database.")
    commands = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    take = commands.add_parser("backup", help="copy a SQLite results database safely, even while it is in use",
                               description="Copy the SQLite results database with SQLite's online backup. "
                               "For PostgreSQL use pg_dump.")
    take.add_argument("path", type=Path, help="where to write the copy")
    take.set_defaults(func=run_backup)
    merge = commands.add_parser("merge", help="merge the shard runs of one benchmark into one run and gate it",
                                description="Merge the runs of --llm-shard=I/N into one run, print its summary "
                                "and exit 1 when a gate fails.")
    add_merge_arguments(merge)


def add_merge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run", dest="runs", action="append", default=[], metavar="ID",
                        help="a shard run in the database (repeatable)")
    parser.add_argument("--name", help="every run stored under this --llm-run-name (shards sharing a name)")
    parser.add_argument("--from", dest="sources", action="append", default=[], metavar="DATABASE",
                        help="a shard's own database (SQLite path or URL); its newest run is copied in (repeatable)")
    parser.add_argument("--as", dest="merged_name", metavar="NAME", help="name of the merged run")
    parser.add_argument("--min-accuracy", action="append", default=None, metavar="[MODEL=]F",
                        help="gate (repeatable); default: the gates the shards ran with")
    parser.add_argument("--max-errors", metavar="N", help="infrastructure errors tolerated by the gate")
    parser.add_argument("--gate-bound", metavar="point|lower", help="gate on accuracy or its Wilson lower bound")
    parser.set_defaults(func=run_merge)


def run_backup(args: argparse.Namespace, out: TextIO | None = None) -> int:
    repo = Repository(db_url(args), base_dir=project_root())
    try:
        target = backup(repo, args.path)
    finally:
        repo.close()
    print(f"backed up to {target}", file=out)
    return 0


def run_merge(args: argparse.Namespace, out: TextIO | None = None) -> int:
    repo = Repository(db_url(args), base_dir=project_root())
    try:
        runs: list[RunInfo] = [repo.get_run(ref) for ref in args.runs]
        if args.name:
            runs += [r for r in runs_named(repo, args.name) if r.id not in {x.id for x in runs}
                     and r.shard is not None]
        for source in args.sources:
            other = Repository(database_url(source))
            try:
                newest = other.get_run("latest")
                copied = copy_runs(other, repo, [newest.id])
            finally:
                other.close()
            runs += [repo.get_run(i) for i in copied]
        result = merge_runs(repo, runs, name=args.merged_name, settings=_gate_overrides(args))
    finally:
        repo.close()
    width = shutil.get_terminal_size((160, 24)).columns
    print(render(result.summary, width=max(width, 120)), end="", file=out)
    append_step_summary(result.summary)
    return 0 if result.summary.gates_passed else 1


def _gate_overrides(args: argparse.Namespace) -> Settings | None:
    """Gates given to the command or in the config file; None lets the merge use the shards' own."""
    cli = {"min-accuracy": args.min_accuracy, "max-errors": args.max_errors, "gate-bound": args.gate_bound}
    settings = load_settings(project_root())
    given = resolve(cli, environ={})
    if given.min_accuracy or "max_errors" in given.sources or "gate_bound" in given.sources:
        return dataclasses.replace(
            settings, min_accuracy=given.min_accuracy or settings.min_accuracy,
            max_errors=given.max_errors if "max_errors" in given.sources else settings.max_errors,
            gate_bound=given.gate_bound if "gate_bound" in given.sources else settings.gate_bound,
            sources={**settings.sources, **given.sources},
        )
    return settings if settings.min_accuracy else None
