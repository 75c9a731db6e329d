from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmbench.config import (
    DEFAULT_SIM_MODELS,
    OPTIONS,
    AccuracyGate,
    Shard,
    default_models,
    load_settings,
    resolve,
)
from pytest_llmbench.errors import UsageError


def test_defaults_match_design() -> None:
    s = resolve({}, environ={})
    assert (s.dataset, s.sample, s.seed, s.grader, s.template) == ("jeopardy", 50, 42, "lenient", "jeopardy")
    assert (s.concurrency, s.rpm, s.timeout, s.retries, s.cache, s.stream) == (16, 0, 60.0, 4, "on", True)
    assert s.stratify == ("round", "value")
    assert s.db == "sqlite:///.llmbench/results.db"
    assert s.base_url == "https://openrouter.ai/api/v1"
    assert default_models(s) == DEFAULT_SIM_MODELS


def test_every_design_option_is_registered() -> None:
    names = {o.cli for o in OPTIONS}
    for name in (
        "--llm-models", "--llm-dataset", "--llm-sample", "--llm-seed", "--llm-stratify", "--llm-grader",
        "--llm-judge-model", "--llm-template", "--llm-concurrency", "--llm-model-concurrency", "--llm-rpm",
        "--llm-timeout",
        "--llm-retries", "--llm-max-cost", "--llm-estimate", "--llm-min-accuracy", "--llm-max-errors",
        "--llm-baseline", "--llm-max-regression", "--llm-db", "--llm-cache", "--llm-resume", "--llm-base-url",
        "--llm-report", "--llm-run-name", "--llm-stream", "--llm-repeat", "--llm-gate-bound", "--llm-shard",
        "--llm-pdf", "--llm-cluster", "--llm-plan", "--llm-plan-delta", "--llm-target-ci",
    ):
        assert name in names


def test_precedence_cli_over_env_over_file_over_default() -> None:
    file_values = {"models": "sim/weak", "sample": 7, "seed": 3}
    env = {"LLMBENCH_MODELS": "sim/fast-cheap"}
    s = resolve({"seed": "9"}, environ=env, file_values=file_values, file_source="pyproject.toml")
    assert s.models == ("sim/fast-cheap",)  # env beats file
    assert s.sample == 7  # file beats default
    assert s.seed == 9  # cli beats file
    assert s.sources["seed"] == "--llm-seed"
    s2 = resolve({"models": "sim/strong"}, environ=env, file_values=file_values, file_source="x")
    assert s2.models == ("sim/strong",)


def test_gates_parse_global_and_per_model() -> None:
    s = resolve({"min-accuracy": ["0.7", "sim/strong=0.9"]}, environ={})
    assert s.min_accuracy == (AccuracyGate(0.7), AccuracyGate(0.9, "sim/strong"))
    assert s.threshold_for("sim/strong") == 0.9
    assert s.threshold_for("sim/weak") == 0.7
    assert s.gating


@pytest.mark.parametrize(
    ("cli", "fragment"),
    [
        ({"min-accuracy": ["1.5"]}, "--llm-min-accuracy"),
        ({"min-accuracy": ["abc"]}, "MODEL=F"),
        ({"sample": "lots"}, "--llm-sample"),
        ({"concurrency": "0"}, "at least 1"),
        ({"cache": "maybe"}, "on, off, refresh, read-only"),
        ({"shard": "5/4"}, "between 1 and N"),
        ({"report": ["pdf:x.pdf"]}, "KIND:PATH"),
        ({"timeout": "-1"}, "positive"),
        ({"models": "a,a"}, "twice"),
        ({"base-url": "ftp://x"}, "http"),
    ],
)
def test_bad_values_are_one_sentence_usage_errors(cli: dict[str, object], fragment: str) -> None:
    with pytest.raises(UsageError) as info:
        resolve(cli, environ={})
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_a_report_path_alone_takes_its_kind_from_the_extension() -> None:
    s = resolve({"report": ["report.html", "out/results.JSON", "md:notes.txt", "table.markdown"]}, environ={})
    assert [(t.kind, str(t.path)) for t in s.report] == [
        ("html", "report.html"), ("json", "out/results.JSON"), ("md", "notes.txt"), ("md", "table.markdown")
    ]
    with pytest.raises(UsageError, match="KIND:PATH or a file ending in"):
        resolve({"report": ["report.pdf"]}, environ={})


def test_two_config_files_are_refused_rather_than_one_silently_ignored(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.llmbench]\nsample = 12\n", encoding="utf-8")
    (tmp_path / "llmbench.yaml").write_text("sample: 30\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"Both .*pyproject.toml \[tool.llmbench\] and .*llmbench.yaml"):
        load_settings(tmp_path, environ={})
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert load_settings(tmp_path, environ={}).sample == 30


def test_env_value_error_names_the_variable() -> None:
    with pytest.raises(UsageError, match="LLMBENCH_MODELS"):
        resolve({}, environ={"LLMBENCH_MODELS": "bad model id!"})


def test_pyproject_section_and_unknown_keys(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llmbench]\nsample = 12\nmin_accuracy = ["0.5"]\n')
    s = load_settings(tmp_path, environ={})
    assert s.sample == 12 and s.min_accuracy == (AccuracyGate(0.5),)
    assert "pyproject.toml" in s.sources["sample"]
    (tmp_path / "pyproject.toml").write_text("[tool.llmbench]\nsampel = 12\n")
    with pytest.raises(UsageError, match="Unknown setting 'sampel'"):
        load_settings(tmp_path, environ={})


def test_yaml_config_and_dotenv(tmp_path: Path) -> None:
    (tmp_path / "llmbench.yaml").write_text("models: [sim/strong, sim/weak]\nrepeat: 3\n")
    (tmp_path / ".env").write_text("# comment\nexport OPENROUTER_API_KEY='sk-or-v1-planted'\n")
    s = load_settings(tmp_path, environ={})
    assert s.models == ("sim/strong", "sim/weak") and s.repeat == 3
    assert s.api_key == "sk-or-v1-planted"
    # The process environment wins over .env.
    assert load_settings(tmp_path, environ={"OPENROUTER_API_KEY": "sk-env"}).api_key == "sk-env"


def test_key_never_in_repr_or_snapshot() -> None:
    s = resolve({}, environ={"OPENROUTER_API_KEY": "sk-or-v1-secret-value"})
    assert "sk-or-v1-secret-value" not in repr(s)
    assert "sk-or-v1-secret-value" not in str(s.snapshot())


def test_shard_and_flags() -> None:
    s = resolve({"shard": "2/4", "estimate": "on", "stream": "off"}, environ={})
    assert s.shard == Shard(2, 4) and s.estimate and not s.stream
