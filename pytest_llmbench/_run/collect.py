"""The collect stage: a benchmark function's ``llmbench`` marker x the settings -> its items (``ItemSpec``).

A marker value goes through the same parser as its ``--llm-*`` option (``config.OPTIONS``), so ``sample="10%"``
and ``--llm-sample=10%`` mean the same thing and are refused the same way. Precedence: the command line beats the
marker, the marker beats the environment, the config file and the defaults.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pytest_llmbench._run.items import ItemSpec
from pytest_llmbench.config import OPTIONS, SIMULATED_PREFIX, Settings, default_models
from pytest_llmbench.config.values import parse_csv
from pytest_llmbench.errors import LlmBenchError, UsageError
from pytest_llmbench.types import Question

#: Keyword arguments the ``llmbench`` marker accepts; each overrides the command-line setting for that test.
MARKER_KEYS = frozenset(
    {"dataset", "grader", "template", "models", "sample", "seed", "stratify", "sample_method", "category",
     "rounds", "repeat"}
)
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
        if key in settings.from_cli or (isinstance(raw, list | tuple) and not raw):
            continue  # the command line wins; an empty list leaves the setting as it is
        try:
            values[key] = _PARSERS[key](list(raw) if isinstance(raw, tuple) else raw)
        except ValueError as exc:
            raise UsageError(f"llmbench marker argument {key}={raw!r}: {exc}.") from None
    return replace(settings, **values)


@dataclass
class Collector:
    """Questions (loaded and sampled once per distinct selection) x models -> item specs."""

    settings: Settings
    rootdir: Path
    load_hook: Callable[[str], list[Question] | None]
    check_names: Callable[[str, str], None]  # an unknown grader or template is a usage error at collection
    usage_errors: list[str] = field(default_factory=list)
    dataset_origins: dict[str, str] = field(default_factory=dict)
    marker_models: dict[str, None] = field(default_factory=dict)  # models named only by a marker, in order
    _datasets: dict[tuple[Any, ...], list[Question]] = field(default_factory=dict)

    @property
    def models(self) -> tuple[str, ...]:
        return default_models(self.settings)

    def specs_for(self, marker: Mapping[str, Any]) -> list[ItemSpec]:
        """The items of one benchmark function; a problem is remembered and raised as a usage error later."""
        try:
            return self._specs_for(marker)
        except LlmBenchError as exc:
            self.usage_errors.append(str(exc))
            return []

    def _specs_for(self, marker: Mapping[str, Any]) -> list[ItemSpec]:
        from pytest_llmbench.kinds import kind_grader

        s = marker_settings(self.settings, marker)
        models = default_models(s)
        self.marker_models.update(dict.fromkeys(models))
        self.check_names(s.grader, s.template)
        specs = build_specs(self.questions(s), models, grader=s.grader, template=s.template, repeat=s.repeat)
        # A question with a schema or tools is graded by its kind's grader when a text grader was configured.
        return [replace(spec, grader=kind_grader(spec.question, spec.grader)) for spec in specs]

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
