"""The JSON and CSV reports, and ``write_report`` that writes any kind (html, json, csv, md) to a path.

JSON is the whole run: run info, the settings snapshot, the per-model summary, gates, paired comparisons and
every record. CSV is one row per item. Text cells of the CSV that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) are prefixed with ``'``: model output is
untrusted, and a reply such as ``=HYPERLINK(...)`` must stay text when someone opens the file in Excel.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pytest_llmbench.config import ReportTarget
from pytest_llmbench.errors import LlmBenchError, UsageError
from pytest_llmbench.outcome.statistics import to_dict as statistics_dict
from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.report._atomic import write_atomic
from pytest_llmbench.report.model import ReportData, load_report
from pytest_llmbench.storage.repository import Repository

FORMAT_VERSION = 1

CSV_COLUMNS = (
    "run_id",
    "model",
    "simulated",
    "question_key",
    "repeat",
    "dataset",
    "category",
    "round",
    "value",
    "air_date",
    "clue",
    "answer",
    "response_text",
    "outcome",
    "correct",
    "score",
    "verdict",
    "grader",
    "grade_method",
    "explanation",
    "latency_ms",
    "ttft_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "cost_estimated",
    "cached",
    "attempts",
    "error_kind",
    "error",
    "nodeid",
)
_TEXT_COLUMNS = frozenset({"clue", "answer", "response_text", "explanation", "error", "category", "nodeid"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def report_dict(data: ReportData) -> dict[str, Any]:
    run = data.run
    return {
        "format": "pytest-llmbench-run",
        "format_version": FORMAT_VERSION,
        "generated_at": data.generated_at.isoformat() + "Z",
        "run": None
        if run is None
        else {
            "id": run.id,
            "name": run.name,
            "status": run.status,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "models": run.models,
            "dataset": run.dataset,
            "dataset_origin": run.dataset_origin,
            "grader": run.grader,
            "seed": run.seed,
            "sample": run.sample,
            "totals": run.totals,
            "environment": run.environment,
            "parent_id": run.parent_id,
            "parent_relation": run.parent_relation,
        },
        "settings": None if run is None else run.config,
        "summary": {
            # "partial": {graded, planned} for a model the run stopped before finishing (its accuracy covers
            # only the graded items), else null.
            "models": [{**asdict(m), "partial": _partial(data, m.model)} for m in data.summary.models],
            "spent_usd": data.summary.spent,
            "budget_usd": data.summary.budget,
            "simulated": data.summary.simulated,
            "stop_reason": data.summary.stop_reason,
            "notes": data.summary.notes,
            "partial": {m: _partial(data, m) for m in data.summary.partial},
        },
        # Each gate has "status" ("passed", "failed" or "not applicable"); "passed" is kept for older readers
        # and stays true for a gate that does not apply (it fails nothing).
        "gates": data.gates.to_dicts(),
        "gates_passed": data.gates.passed if data.gates else None,
        "gates_status": data.gates.status,
        "comparisons": [c.to_dict() for c in data.comparisons()],
        "records": [r.to_dict() for r in data.records],
        "statistics": None if data.summary.statistics is None else statistics_dict(data.summary.statistics),
    }


def _partial(data: ReportData, model: str) -> dict[str, int] | None:
    if model not in data.summary.partial:
        return None
    graded, planned = data.summary.partial[model]
    return {"graded": graded, "planned": planned}


def render_json(data: ReportData) -> str:
    return json.dumps(report_dict(data), indent=2, ensure_ascii=False, default=str) + "\n"


def _cell(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if column in _TEXT_COLUMNS and isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def render_csv(data: ReportData) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    run_id = data.run.id if data.run else data.summary.run_id
    for r in data.records:
        row = r.to_dict()
        row["run_id"] = run_id
        writer.writerow([_cell(c, row.get(c)) for c in CSV_COLUMNS])
    return out.getvalue()


def render(kind: str, data: ReportData) -> str:
    from pytest_llmbench.report.html import render_html
    from pytest_llmbench.report.markdown import render_markdown

    if kind == "html":
        return render_html(data)
    if kind == "json":
        return render_json(data)
    if kind == "csv":
        return render_csv(data)
    if kind == "md":
        return render_markdown(data.summary, data.records, run=data.run)
    raise UsageError(f"Unknown report kind {kind!r}; use html, json, csv or md.")


def write_report(kind: str, path: Path, data: ReportData) -> Path:
    """Render and write atomically (see ``_atomic``); a failure is one sentence (``UsageError``)."""
    text = render(kind, data)
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise UsageError(f"Cannot write the {kind} report to {path}: {exc.strerror or exc}.") from None
    return path


def write_reports(
    repo: Repository,
    run_id: int,
    targets: Sequence[ReportTarget],
    *,
    live: RunSummary | None = None,
    base_dir: Path | None = None,
    failures: list[str] | None = None,
) -> list[str]:
    """Write every ``--llm-report`` target of a finished run; returns one line per file for the summary.

    The data is read back from the database, so these files equal what ``llmbench report`` writes later.
    A file that cannot be written is reported in its line, never as a traceback at the end of a session, and
    its sentence is added to ``failures`` (the plugin turns it into exit status 4).
    """
    if not targets:
        return []
    data = load_report(repo, run_id, live=live)
    lines = []
    for target in targets:
        path = target.path if target.path.is_absolute() else (base_dir or Path.cwd()) / target.path
        try:
            write_report(target.kind, path, data)
        except LlmBenchError as exc:
            lines.append(f"{target.kind} report NOT written: {exc}")
            if failures is not None:
                failures.append(str(exc))
            continue
        lines.append(f"{target.kind} report: {path}")
    return lines
