"""Questions for benchmarks: the Jeopardy! dataset (Kaggle or the bundled sample) and question files.

The plugin needs four things from here::

    loaded = load_dataset("jeopardy", options=DataOptions(allow_download=False))
    print(loaded.origin)            # which tier served, e.g. "bundled sample (312 clues; ...)"
    picked = sample_questions(loaded.questions, parse_sample_size("50"), seed=42)

Loading is memoised per (source, options) in the process, and big files (the 200,000-clue dump) are
parsed once into a disk cache under ``~/.cache/llmbench/questions`` that later sessions and xdist workers
reuse. Sampling is deterministic across processes and machines.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_llmbench.data.loader import DataOptions, LoadedDataset, load_dataset
from pytest_llmbench.data.sampling import DEFAULT_STRATIFY, parse_size, sample
from pytest_llmbench.data.validate import QualityReport
from pytest_llmbench.types import Question

__all__ = [
    "DataOptions",
    "LoadedDataset",
    "QualityReport",
    "load_dataset",
    "parse_sample_size",
    "sample_questions",
]


def sample_questions(
    questions: Sequence[Question],
    size: int | float | None,
    *,
    seed: int,
    method: str = "stratified",
    stratify: Sequence[str] = DEFAULT_STRATIFY,
) -> list[Question]:
    """``size`` questions (a count, a fraction in (0, 1], or ``None`` for all), the same on every machine.

    ``method`` is ``random``, ``stratified`` (proportional over ``stratify`` columns), ``balanced`` (equal
    per stratum) or ``temporal`` (equal per decade). Asking for more than there is returns all of them.
    """
    return sample(questions, size, seed=seed, method=method, stratify=stratify)


def parse_sample_size(text: str) -> int | float:
    """``"50"`` -> 50, ``"0.1"`` or ``"10%"`` -> 0.1, ``"all"`` -> 1.0; anything else is a ``UsageError``."""
    return parse_size(text)
