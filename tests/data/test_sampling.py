from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from pytest_llmbench.data import load_dataset, parse_sample_size, sample_questions
from pytest_llmbench.data.sampling import equal, priority, proportional
from pytest_llmbench.errors import UsageError
from pytest_llmbench.types import Question

REPO = Path(__file__).resolve().parents[2]


def _questions(n: int = 200) -> list[Question]:
    rounds = ["Jeopardy!", "Double Jeopardy!", "Final Jeopardy!"]
    out = []
    for i in range(n):
        round_name = rounds[0] if i % 10 < 6 else rounds[1] if i % 10 < 9 else rounds[2]
        value = None if round_name == rounds[2] else 200 * (1 + i % 5)
        out.append(
            Question(
                id=f"{1000 + i // 61}-{i:06x}",
                clue=f"clue {i}",
                answer=f"answer {i}",
                dataset="jeopardy",
                category=f"CAT {i % 13}",
                value=value,
                round=round_name,
                air_date=dt.date(1985 + (i % 30), 1, 1),
                metadata={"decade": (1985 + (i % 30)) // 10 * 10},
            )
        )
    return out


@pytest.mark.parametrize("method", ["random", "stratified", "balanced", "temporal"])
def test_same_seed_same_sample_whatever_the_input_order(method: str) -> None:
    questions = _questions()
    a = sample_questions(questions, 30, seed=7, method=method)
    b = sample_questions(list(reversed(questions)), 30, seed=7, method=method)
    assert [q.key for q in a] == [q.key for q in b]
    assert len(a) == 30 and len({q.key for q in a}) == 30
    assert [q.key for q in sample_questions(questions, 30, seed=8, method=method)] != [q.key for q in a]


def test_output_is_sorted_by_a_stable_key() -> None:
    chosen = sample_questions(_questions(), 40, seed=1)
    shows = [int(q.id.split("-")[0]) for q in chosen]
    assert shows == sorted(shows)
    custom = [Question(id=f"q{i}", clue="c", answer="a", dataset="mine") for i in (10, 2, 1, 33)]
    assert [q.id for q in sample_questions(custom, None, seed=1)] == ["q1", "q2", "q10", "q33"]


def test_samples_are_nested_for_the_random_method() -> None:
    questions = _questions()
    small = {q.key for q in sample_questions(questions, 20, seed=3, method="random")}
    large = {q.key for q in sample_questions(questions, 60, seed=3, method="random")}
    assert small <= large


def test_stratified_is_proportional_with_largest_remainder() -> None:
    questions = _questions()  # rounds: 120 J!, 60 DJ!, 20 FJ
    chosen = sample_questions(questions, 25, seed=5, stratify=("round",))
    # Strata in name order: DJ! 60, FJ! 20, J! 120 -> quotas 7.5, 2.5, 15; the tied remainder goes to DJ!.
    assert Counter(q.round for q in chosen) == {"Jeopardy!": 15, "Double Jeopardy!": 8, "Final Jeopardy!": 2}
    assert proportional([60, 20, 120], 25) == [8, 2, 15]
    assert proportional([20, 60, 120], 25) == [3, 7, 15]
    assert proportional([1, 1, 1], 2) == [1, 1, 0]
    assert proportional([5, 0], 3) == [3, 0]


def test_stratified_by_default_columns_covers_every_round_and_value() -> None:
    questions = _questions()
    chosen = sample_questions(questions, 100, seed=11)
    strata = Counter((q.round, q.value) for q in questions)
    got = Counter((q.round, q.value) for q in chosen)
    for stratum, size in strata.items():
        assert abs(got[stratum] - size / 2) <= 1


def test_balanced_gives_equal_counts_and_redistributes_from_small_strata() -> None:
    questions = _questions()
    chosen = sample_questions(questions, 60, seed=2, method="balanced", stratify=("round",))
    # FJ has only 20, so it gives all of them and the other two share the rest equally.
    assert Counter(q.round for q in chosen) == {
        "Jeopardy!": 20,
        "Double Jeopardy!": 20,
        "Final Jeopardy!": 20,
    }
    chosen = sample_questions(questions, 90, seed=2, method="balanced", stratify=("round",))
    assert Counter(q.round for q in chosen) == {
        "Jeopardy!": 35,
        "Double Jeopardy!": 35,
        "Final Jeopardy!": 20,
    }
    assert equal([1, 10, 10], 7, [0, 0, 0]) == [1, 3, 3]
    assert sum(equal([3, 3, 3], 4, [2, 0, 1])) == 4 and equal([3, 3, 3], 4, [2, 0, 1])[1] == 2


def test_temporal_balances_decades() -> None:
    chosen = sample_questions(_questions(), 30, seed=4, method="temporal")
    counts = Counter(q.metadata["decade"] for q in chosen)  # 1985-2014: four decades of unequal size
    assert set(counts) == {1980, 1990, 2000, 2010}
    assert sorted(counts.values()) == [7, 7, 8, 8]


def test_sizes_fractions_and_more_than_available() -> None:
    questions = _questions()
    assert len(sample_questions(questions, 0.1, seed=1)) == 20
    assert len(sample_questions(questions, None, seed=1)) == 200
    assert len(sample_questions(questions, 10_000, seed=1)) == 200
    assert len(sample_questions(questions[:3], 0.01, seed=1)) == 1
    assert sample_questions([], 5, seed=1) == []


def test_stratify_by_metadata_and_unknown_columns() -> None:
    questions = _questions()
    assert len(sample_questions(questions, 10, seed=1, stratify=("decade", "category"))) == 10
    with pytest.raises(UsageError, match="Unknown stratify column 'colour'"):
        sample_questions(questions, 10, seed=1, stratify=("colour",))
    with pytest.raises(UsageError, match="Unknown sampling method 'fancy'"):
        sample_questions(questions, 10, seed=1, method="fancy")


@pytest.mark.parametrize(("text", "size"), [("50", 50), ("0.1", 0.1), ("10%", 0.1), ("all", 1.0), ("1", 1)])
def test_parse_sample_size(text: str, size: int | float) -> None:
    assert parse_sample_size(text) == size
    assert type(parse_sample_size(text)) is type(size)


@pytest.mark.parametrize("text", ["0", "-5", "1.5", "ten", "", "nan"])
def test_parse_sample_size_rejects(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_sample_size(text)
    assert str(info.value).endswith(".") and "\n" not in str(info.value)


def test_priority_is_a_pure_function_of_seed_and_key() -> None:
    assert priority(42, "jeopardy:1-abc") == priority(42, "jeopardy:1-abc")
    assert priority(42, "jeopardy:1-abc") != priority(43, "jeopardy:1-abc")


_CHILD = """
import json, sys
from pytest_llmbench.data import load_dataset, sample_questions
loaded = load_dataset("jeopardy-sample")
for method in ("random", "stratified", "balanced", "temporal"):
    print(json.dumps([q.key for q in sample_questions(loaded.questions, 25, seed=99, method=method)]))
"""


def test_keys_and_samples_agree_across_processes_with_different_hash_seeds() -> None:
    outputs = []
    for hash_seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(REPO))
        result = subprocess.run(
            [sys.executable, "-c", _CHILD], env=env, cwd=REPO, capture_output=True, text=True, check=True
        )
        outputs.append([json.loads(line) for line in result.stdout.splitlines()])
    assert outputs[0] == outputs[1]
    here = load_dataset("jeopardy-sample")
    assert outputs[0][0] == [q.key for q in sample_questions(here.questions, 25, seed=99, method="random")]
