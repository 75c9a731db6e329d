"""The collect stage: a benchmark function's ``llmbench`` marker x the settings -> its items (``ItemSpec``).

A marker value goes through the same parser as its ``--llm-*`` option (``config.OPTIONS``), so ``sample="10%"``
and ``--llm-sample=10%`` mean the same thing and are refused the same way. Precedence: the command line beats the
marker, the marker beats the environment, the config file and the defaults; with one exception, ``dataset``.
A marker's ``dataset=`` is what that test is about (a JSON-schema test's questions, a tool-calling test's):
``--llm-dataset=my.csv`` applied to it would turn it into nonsense. So ``--llm-dataset`` applies to the
benchmark tests whose marker names no dataset, and a marker's dataset is always kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_llmbench._run.items import ItemSpec
from pytest_llmbench.config import OPTIONS, SIMULATED_PREFIX, Settings, default_models
from pytest_llmbench.config.values import parse_csv
from pytest_llmbench.errors import LlmBenchError, UsageError
from pytest_llmbench.types import Question

if TYPE_CHECKING:
    from pytest_llmbench.prompts import Template

#: Keyword arguments the ``llmbench`` marker accepts; each overrides the command-line setting for that test.
MARKER_KEYS = frozenset(
    {"dataset", "grader", "template", "models", "sample", "seed", "stratify", "sample_method", "category",
     "rounds", "repeat"}
)
#: Marker arguments that beat the command line too: they say what the test is (see the module's docstring).
MARKER_WINS = frozenset({"dataset"})
_PARSERS = {o.dest: o.parse for o in OPTIONS if o.dest in MARKER_KEYS}
# The command line checks model ids; a marker is the test's own code and may name any id its provider takes.
_PARSERS["models"] = parse_csv


def build_specs(
    questions: Sequence[Question], models: Sequence[str], *, grader: str, template: str, repeat: int = 1
) -> list[ItemSpec]:
    # Question-major order: a model that is slow does not hold the first results of the others back.
    return [
        ItemSpec(question=q, model=m, grader=grader, template=template, repeat=r)
        for q in questions
        for m in models
        for r in range(repeat)
    ]


def in_shard(nodeid: str, index: int, total: int) -> bool:
    """Deterministic split of items over ``total`` shards (1-based ``index``), the same on every machine."""
    digest = hashlib.sha256(nodeid.encode()).digest()
    return int.from_bytes(digest[:8], "big") % total == index - 1


def marker_settings(settings: Settings, marker: Mapping[str, Any]) -> Settings:
    """``settings`` with the marker's values, each parsed by its option's parser, where no command line beats it."""
    unknown = sorted(set(marker) - MARKER_KEYS)
    if unknown:
        raise UsageError(f"Unknown llmbench marker argument {unknown[0]!r}; known: {', '.join(sorted(MARKER_KEYS))}.")
    values: dict[str, Any] = {}
    for key, raw in marker.items():
        if (key in settings.from_cli and key not in MARKER_WINS) or (isinstance(raw, list | tuple) and not raw):
            continue  # the command line wins; an empty list leaves the setting as it is
        try:
            values[key] = _PARSERS[key](list(raw) if isinstance(raw, tuple) else raw)
        except ValueError as exc:
            raise UsageError(f"llmbench marker argument {key}={raw!r}: {exc}.") from None
    return replace(settings, **values)


def check_settings(settings: Settings) -> None:
    """Combinations of options that cannot work together."""
    s = settings
    if s.max_regression is not None and s.baseline is None:
        raise UsageError("--llm-max-regression needs --llm-baseline=RUN (a run id or 'latest') to compare with.")
    if s.target_ci is not None and not 0.0 < s.target_ci <= 0.5:
        raise UsageError(f"--llm-target-ci must be a half-width above 0 and at most 0.5, got {s.target_ci:g}.")
    if not 0.0 < s.plan_delta < 1.0:
        raise UsageError(f"--llm-plan-delta must be a difference above 0 and below 1, got {s.plan_delta:g}.")


def check_models(models: Sequence[str], *, warn: Callable[[str], None]) -> None:
    """A simulated id must be one of the simulated models (a typo would fail every item); any other id that the
    catalog does not know is only a warning: the catalog snapshot may be older than the model."""
    from pytest_llmbench._run.capabilities import catalog_info
    from pytest_llmbench.providers.simulated import PROFILES

    for model in models:
        if model.startswith(SIMULATED_PREFIX):
            if model not in PROFILES:
                raise UsageError(f"Unknown simulated model {model!r}: the simulated models are "
                                 f"{', '.join(PROFILES)}.")
        elif catalog_info(model) is None:
            warn(f"Model {model!r} is not in the model catalog: check the id (llmbench models search NAME).")


@dataclass
class Collector:
    """Questions (loaded and sampled once per distinct selection) x models -> item specs."""

    settings: Settings
    rootdir: Path
    load_hook: Callable[[str], list[Question] | None]
    check_names: Callable[[str, str], None]  # an unknown grader or template is a usage error at collection
    usage_errors: list[str] = field(default_factory=list)
    dataset_origins: dict[str, str] = field(default_factory=dict)
    #: a template's placeholders against the questions it is given (see ``prompts.check_fields``)
    check_prompts: Callable[[str, Sequence[Question]], None] = lambda template, questions: None
    warnings: list[str] = field(default_factory=list)  # said once at the end of collection, not failures
    #: what each benchmark test really ran with (its marker applied): what the run's row and reports say
    benchmarks: dict[str, dict[str, Any]] = field(default_factory=dict)
    cli_dataset_used: bool = False  # a benchmark test took the session's dataset (its marker names none)
    marker_models: dict[str, None] = field(default_factory=dict)  # models named only by a marker, in order
    _datasets: dict[tuple[Any, ...], list[Question]] = field(default_factory=dict)

    @property
    def models(self) -> tuple[str, ...]:
        return default_models(self.settings)

    def specs_for(self, marker: Mapping[str, Any], test: str = "") -> list[ItemSpec]:
        """The items of one benchmark function (``test``, its node id); a problem is remembered and raised as a
        usage error later."""
        try:
            return self._specs_for(marker, test)
        except LlmBenchError as exc:
            self.usage_errors.append(str(exc))
            return []

    def _specs_for(self, marker: Mapping[str, Any], test: str) -> list[ItemSpec]:
        from pytest_llmbench.grading.structured import kind_grader

        s = marker_settings(self.settings, marker)
        if "dataset" not in marker:
            self.cli_dataset_used = True
        models = default_models(s)
        check_models(models, warn=lambda text: self.warnings.append(text) if text not in self.warnings else None)
        self.marker_models.update(dict.fromkeys(models))
        self.check_names(s.grader, s.template)
        questions = self.questions(s)
        self.check_prompts(s.template, questions)
        specs = build_specs(questions, models, grader=s.grader, template=s.template, repeat=s.repeat)
        # A question with a schema or tools is graded by its kind's grader when a text grader was configured.
        specs = [replace(spec, grader=kind_grader(spec.question, spec.grader)) for spec in specs]
        if test:
            self.benchmarks[test] = {
                "dataset": s.dataset, "grader": ", ".join(dict.fromkeys(spec.grader for spec in specs)) or s.grader,
                "template": s.template, "sample": "all" if s.sample is None else str(s.sample),
                "questions": len(questions), "models": list(models),
            }
        return specs

    def unused_settings(self) -> list[str]:
        """Warnings about the command line that no benchmark test took (call after collection)."""
        if "dataset" in self.settings.from_cli and not self.cli_dataset_used and self._datasets:
            return [f"--llm-dataset={self.settings.dataset} applies to no test here: every benchmark test's marker "
                    f"names its own dataset (a marker's dataset= beats --llm-dataset)."]
        return []

    def questions(self, s: Settings) -> list[Question]:
        from pytest_llmbench import data as data_mod

        key = (s.dataset, s.sample, s.seed, s.sample_method, s.stratify, s.category, s.rounds)
        if key not in self._datasets:
            loaded = self.load_hook(s.dataset)
            if loaded is None:
                raise UsageError(f"No plugin could load dataset {s.dataset!r}.")
            self._datasets[key] = data_mod.sample_questions(loaded, s.sample, seed=s.seed, method=s.sample_method,
                                                            stratify=s.stratify)
        return self._datasets[key]

    def load_dataset(self, name: str) -> list[Question]:
        """The built-in loader (the last implementation of ``pytest_llmbench_load_dataset``)."""
        from pytest_llmbench import data as data_mod

        options = data_mod.DataOptions(
            include_media=self.settings.include_media,
            allow_download=not all(m.startswith(SIMULATED_PREFIX) for m in self.models),
            category=self.settings.category,
            rounds=self.settings.rounds,
            max_clue_chars=self.settings.max_clue_chars,
            attachment_root=self.rootdir / self.settings.attachment_root if self.settings.attachment_root else None,
        )
        loaded = data_mod.load_dataset(name, base_dir=self.rootdir, options=options)
        origin, report = loaded.origin, loaded.report
        if report.bad_rows:  # a dropped question is said, with file and line, never lost silently
            first = f", first {report.examples[0]}" if report.examples else ""
            origin += f"; {report.bad_rows} unusable row(s) left out{first}"
        self.dataset_origins[loaded.name] = origin
        return loaded.questions

    def select_shard(self, nodeid: str) -> bool:
        shard = self.settings.shard
        return shard is None or in_shard(nodeid, shard.index, shard.total)


def collector_for(settings: Settings, rootdir: Path, load_hook: Callable[[str], list[Question] | None], *,
                  grader: Callable[[str], object], template: Callable[[str], Template], usage_errors: list[str],
                  dataset_origins: dict[str, str]) -> Collector:
    """The run's collector, checking grader and template names with the run's own lookups (``grader``, ``template``)."""

    def check_names(grader_name: str, template_name: str) -> None:
        grader(grader_name)  # an unknown grader or template is a usage error now, not a failure per item
        template(template_name)

    def check_prompts(template_name: str, questions: Sequence[Question]) -> None:
        from pytest_llmbench.prompts import check_fields

        check_fields(template(template_name), questions)

    return Collector(settings, rootdir, load_hook, check_names, usage_errors, dataset_origins, check_prompts)
