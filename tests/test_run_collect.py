"""The collect stage: marker x settings -> item specs, marker values parsed like their options."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmbench._run.collect import Collector, build_specs, check_settings, in_shard, marker_settings
from pytest_llmbench.config import resolve
from pytest_llmbench.errors import UsageError
from pytest_llmbench.types import Question

QUESTIONS = [Question(id=str(i), clue=f"clue {i}", answer=f"answer {i}", dataset="tiny") for i in range(20)]


def _collector(cli: dict[str, object], loaded: list[Question] | None = QUESTIONS) -> Collector:
    names: list[tuple[str, str]] = []
    return Collector(resolve(cli, environ={}), Path("."), lambda name: loaded, lambda g, t: names.append((g, t)))


def test_sample_on_the_command_line_takes_a_percentage_like_the_marker() -> None:
    assert resolve({"sample": "10%"}, environ={}).sample == 0.1
    assert marker_settings(resolve({}, environ={}), {"sample": "10%"}).sample == 0.1


@pytest.mark.parametrize("cli", [{"sample": "0"}, {"sample": "0%"}])
def test_a_sample_of_nothing_is_a_usage_error(cli: dict[str, object]) -> None:
    with pytest.raises(UsageError) as info:
        resolve(cli, environ={})
    message = str(info.value)
    assert message.startswith("--llm-sample: ") and message.endswith(".") and "\n" not in message


def test_marker_values_go_through_the_option_parsers() -> None:
    base = resolve({}, environ={})
    s = marker_settings(base, {"models": "sim/weak, sim/strong", "stratify": ("round",), "seed": "7", "repeat": 2})
    assert (s.models, s.stratify, s.seed, s.repeat) == (("sim/weak", "sim/strong"), ("round",), 7, 2)
    with pytest.raises(UsageError, match=r"llmbench marker argument sample='lots': 'lots' is neither"):
        marker_settings(base, {"sample": "lots"})
    with pytest.raises(UsageError, match="Unknown llmbench marker argument 'colour'"):
        marker_settings(base, {"colour": "red"})


def test_the_command_line_beats_the_marker_and_the_marker_beats_the_config_file() -> None:
    s = resolve({"seed": "5"}, environ={}, file_values={"sample": 3}, file_source="pyproject.toml")
    marked = marker_settings(s, {"seed": 9, "sample": 4})
    assert (marked.seed, marked.sample) == (5, 4)


def test_specs_are_question_major_with_repeats_and_remember_marker_models() -> None:
    collector = _collector({})  # no --llm-sample: the marker's sample counts
    specs = collector.specs_for({"models": ["sim/weak", "sim/strong"], "sample": 2, "repeat": 2})
    assert [(s.question.id, s.model, s.repeat) for s in specs[:4]] == [
        (specs[0].question.id, "sim/weak", 0), (specs[0].question.id, "sim/weak", 1),
        (specs[0].question.id, "sim/strong", 0), (specs[0].question.id, "sim/strong", 1)]
    assert len(specs) == 8 and list(collector.marker_models) == ["sim/weak", "sim/strong"]


def test_a_problem_is_remembered_as_a_usage_error() -> None:
    collector = _collector({}, loaded=None)
    assert collector.specs_for({}) == []
    assert collector.usage_errors == ["No plugin could load dataset 'jeopardy'."]


def test_shards_split_every_item_exactly_once() -> None:
    ids = [s.id for s in build_specs(QUESTIONS, ["m"], grader="g", template="t")]
    owners = [[i for i in (1, 2, 3) if in_shard(nodeid, i, 3)] for nodeid in ids]
    assert all(len(o) == 1 for o in owners) and {o[0] for o in owners} == {1, 2, 3}


def test_a_markers_dataset_beats_the_command_line_and_an_unused_one_is_said() -> None:
    s = resolve({"dataset": "mine.csv", "grader": "strict"}, environ={}, file_values={}, file_source="pyproject.toml")
    marked = marker_settings(s, {"dataset": "tools.yaml", "grader": "tool_call"})
    assert (marked.dataset, marked.grader) == ("tools.yaml", "strict")  # the dataset is the test's own
    assert marker_settings(s, {}).dataset == "mine.csv"


@pytest.mark.parametrize(("cli", "message"), [
    ({"max-regression": "0.1"}, "--llm-max-regression needs --llm-baseline"),
    ({"target-ci": "0.6"}, "--llm-target-ci must be a half-width above 0 and at most 0.5, got 0.6"),
    ({"plan-delta": "1"}, "--llm-plan-delta must be a difference above 0 and below 1, got 1"),
])
def test_options_that_cannot_work_together_are_one_usage_error(cli: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        check_settings(resolve(cli, environ={}))
    check_settings(resolve({}, environ={}))  # the defaults work together


def test_the_runs_collector_checks_names_and_prompts_with_the_runs_own_lookups() -> None:
    from pytest_llmbench._run.collect import collector_for
    from pytest_llmbench.prompts import Template

    looked_up: list[str] = []

    def grader(name: str) -> object:
        looked_up.append(f"grader {name}")
        if name != "lenient":
            raise UsageError(f"Unknown grader {name!r}.")
        return name

    def template(name: str) -> Template:
        looked_up.append(f"template {name}")
        return Template(name, "{clu}" if name == "typo" else "{clue}")

    errors: list[str] = []
    collector = collector_for(resolve({"models": "sim/strong"}, environ={}), Path("."), lambda name: QUESTIONS,
                              grader=grader, template=template, usage_errors=errors, dataset_origins={})
    assert len(collector.specs_for({"grader": "lenient", "sample": "all"})) == 20
    assert looked_up == ["grader lenient", "template jeopardy", "template jeopardy"]  # names, then the prompts
    assert collector.specs_for({"grader": "nonsense"}) == []
    assert collector.specs_for({"template": "typo", "sample": "all"}) == []
    assert errors[0] == "Unknown grader 'nonsense'." and "uses {clu}, which no question has" in errors[1]
    assert collector.usage_errors is errors
