"""The example GitHub Actions workflow (benchmarks/ci/github-actions.yml) uses options and commands that exist.

actionlint (run by .ci/run) checks it is a valid workflow; these tests check it is a valid *llmbench* workflow.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from pytest_llmbench.cli import build_parser
from pytest_llmbench.config import OPTIONS_BY_NAME

WORKFLOW = Path(__file__).resolve().parents[1] / "benchmarks" / "ci" / "github-actions.yml"


def _workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def test_runs_on_pull_requests_and_uploads_junit_and_report() -> None:
    wf = _workflow()
    assert "pull_request" in wf[True]  # YAML 1.1 reads the key "on" as True
    bench = wf["jobs"]["benchmark"]
    command = _runs(bench)
    for needed in ("--junitxml=", "--llm-report=html:", "--llm-min-accuracy=", "--llm-baseline=", "-n 4",
                   "--llm-shard="):
        assert needed in command
    uploads = [s for s in bench["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads and "reports/" in uploads[0]["with"]["path"]


def test_every_llm_option_in_the_workflow_exists() -> None:
    used = set(re.findall(r"--llm-([a-z-]+)", WORKFLOW.read_text()))
    assert used and used <= set(OPTIONS_BY_NAME), used - set(OPTIONS_BY_NAME)


def test_the_gate_job_merges_the_shards_with_a_real_command() -> None:
    gate = _workflow()["jobs"]["gate"]
    assert gate["needs"] == "benchmark"
    line = next(x for x in _runs(gate).splitlines() if x.strip().startswith("llmbench "))
    line = line.replace('"${args[@]}"', "--from shard1.db --from shard2.db").replace('"$RUN_NAME"', "ci-1")
    args = build_parser().parse_args(shlex.split(line)[1:])
    assert (args.command, args.db_command, args.sources, args.merged_name) == (
        "db", "merge", ["shard1.db", "shard2.db"], "ci-1")
