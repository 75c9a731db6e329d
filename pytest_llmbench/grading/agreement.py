"""Measure how often a grader agrees with human verdicts on a labelled set.

The set is YAML: a list of groups, each an answer ``key`` (as J-Archive writes it), an optional ``clue`` and
``responses`` as ``[verdict, reply, [tags...]]`` with verdict ``correct``, ``incorrect`` or
``not_attempted``. Agreement is on correctness (a not-attempted reply is not correct); replies tagged
``near_miss`` name a different but similar entity, and accepting one is the worst mistake a grader can make.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pytest_llmbench.errors import DatasetError
from pytest_llmbench.grading.graders import Grader
from pytest_llmbench.types import Grade, Question

HUMAN_VERDICTS = ("correct", "incorrect", "not_attempted")


@dataclass(frozen=True, slots=True)
class AgreementCase:
    key: str
    clue: str
    response: str
    human: str
    tags: tuple[str, ...] = ()
    category: str = ""
    model: str = ""  # the model that wrote the reply, when the set records it

    @property
    def human_correct(self) -> bool:
        return self.human == "correct"

    @property
    def near_miss(self) -> bool:
        return "near_miss" in self.tags

    def question(self) -> Question:
        return Question(
            id=f"case-{abs(hash((self.key, self.clue))) % 10**8}",
            clue=self.clue,
            answer=self.key,
            category=self.category or None,
        )


@dataclass(frozen=True, slots=True)
class Disagreement:
    case: AgreementCase
    grade: Grade


@dataclass(slots=True)
class AgreementReport:
    grader: str
    total: int = 0
    agreed: int = 0
    false_positives: int = 0  # accepted, human says not correct
    false_negatives: int = 0  # rejected, human says correct
    human_correct: int = 0
    near_misses: int = 0
    near_misses_accepted: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        return self.agreed / self.total if self.total else 0.0

    @property
    def false_positive_rate(self) -> float:
        """Share of the human-incorrect replies that the grader accepted."""
        negatives = self.total - self.human_correct
        return self.false_positives / negatives if negatives else 0.0

    @property
    def false_negative_rate(self) -> float:
        """Share of the human-correct replies that the grader rejected."""
        return self.false_negatives / self.human_correct if self.human_correct else 0.0


def load_cases(path: str | Path) -> list[AgreementCase]:
    """Flatten the grouped YAML set into cases; a malformed entry raises ``DatasetError``."""
    path = Path(path)
    try:
        groups = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DatasetError(f"cannot read the labelled set: {exc}", path=str(path)) from exc
    if not isinstance(groups, list):
        raise DatasetError("the labelled set must be a list of groups", path=str(path))
    cases: list[AgreementCase] = []
    for number, group in enumerate(groups, 1):
        if not isinstance(group, dict) or "key" not in group or "responses" not in group:
            raise DatasetError(f"group {number} needs 'key' and 'responses'", path=str(path))
        for entry in group["responses"]:
            if not isinstance(entry, list) or len(entry) not in (2, 3) or entry[0] not in HUMAN_VERDICTS:
                raise DatasetError(
                    f"group {number} ({group['key']!r}) has a malformed response {entry!r}", path=str(path)
                )
            tags = tuple(str(t) for t in (entry[2] if len(entry) == 3 else ()))
            cases.append(AgreementCase(str(group["key"]), str(group.get("clue", "")), str(entry[1]), entry[0], tags))
    return cases


def load_replies(path: str | Path) -> list[AgreementCase]:
    """Real replies labelled by a judge, one JSON object a line (``clue``, ``category``, ``answer``,
    ``response``, ``label``, ``model``), as in ``../shared/data/grading/jeopardy_replies_dev.jsonl``."""
    path = Path(path)
    cases: list[AgreementCase] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"cannot read the labelled replies: {exc}", path=str(path)) from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            clue = str(row["clue"])
            if len(clue) >= 2 and clue[0] == clue[-1] == "'":
                clue = clue[1:-1]  # J-Archive dumps wrap every clue in single quotes
            human = "correct" if row["label"] is True else "incorrect"
            cases.append(
                AgreementCase(
                    key=str(row["answer"]),
                    clue=clue,
                    response=str(row["response"]),
                    human=human,
                    tags=("doubt",) if row.get("doubt") else (),
                    category=str(row.get("category") or ""),
                    model=str(row.get("model") or ""),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise DatasetError(f"line {number} is not a labelled reply ({exc})", path=str(path)) from exc
    return cases


def half_of(case: AgreementCase) -> int:
    """0 or 1: a stable split by clue, so that every reply to one clue falls in the same half."""
    return zlib.crc32(f"{case.key}\x00{case.clue}".encode()) & 1


def measure(grader: Grader, cases: Iterable[AgreementCase]) -> AgreementReport:
    report = AgreementReport(grader=grader.name)
    for case in cases:
        grade = grader.grade(case.question(), case.response)
        report.total += 1
        report.human_correct += case.human_correct
        report.near_misses += case.near_miss
        if grade.correct == case.human_correct:
            report.agreed += 1
        else:
            report.disagreements.append(Disagreement(case, grade))
            if grade.correct:
                report.false_positives += 1
            else:
                report.false_negatives += 1
        if case.near_miss and grade.correct:
            report.near_misses_accepted += 1
    return report


def tag_counts(cases: Sequence[AgreementCase]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in cases:
        for tag in case.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
