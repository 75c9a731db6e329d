"""The data quality report: what was read, what was kept, and why the rest was dropped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pytest_llmbench.types import Question

# Reasons a row is dropped. "Bad" reasons count towards the "most rows are bad" stop; the others are
# ordinary (the media clues of a Jeopardy! dump, the repeats of a concatenated file).
MALFORMED = "malformed"
MISSING_QUESTION = "missing question"
MISSING_ANSWER = "missing answer"
MEDIA = "media clue"
DUPLICATE = "duplicate"
TOO_LONG = "question too long"
OUTSIDE = "attachment outside the allowed folder"
BAD_REASONS = frozenset({MALFORMED, MISSING_QUESTION, MISSING_ANSWER, TOO_LONG, OUTSIDE})

#: How many example problems a report keeps (file:line messages).
MAX_EXAMPLES = 10


@dataclass(frozen=True)
class QualityReport:
    """Counts of one load: ``dropped`` maps a reason to a count; ``filtered`` rows the filters left out."""

    source: str
    rows_read: int
    kept: int
    dropped: Mapping[str, int] = field(default_factory=dict)
    filtered: int = 0
    examples: tuple[str, ...] = ()
    rounds: Mapping[str, int] = field(default_factory=dict)
    categories: int = 0
    daily_doubles: int = 0
    date_range: tuple[str, str] | None = None

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    @property
    def bad_rows(self) -> int:
        return sum(n for reason, n in self.dropped.items() if reason in BAD_REASONS)

    @property
    def ok(self) -> bool:
        """No malformed or incomplete rows (media clues and duplicates are not problems of the file)."""
        return self.bad_rows == 0

    def format(self) -> str:
        """A few lines for a terminal."""
        lines = [f"Data quality report for {self.source}"]
        lines.append(f"  rows read:   {self.rows_read}")
        lines.append(f"  kept:        {self.kept}")
        if self.dropped:
            detail = ", ".join(f"{reason} {n}" for reason, n in sorted(self.dropped.items()))
            lines.append(f"  dropped:     {self.dropped_total} ({detail})")
        else:
            lines.append("  dropped:     0")
        if self.filtered:
            lines.append(f"  filtered:    {self.filtered} (outside the requested category/round/value/date)")
        if self.rounds:
            detail = ", ".join(f"{name} {n}" for name, n in sorted(self.rounds.items()))
            lines.append(f"  rounds:      {detail}")
        if self.categories:
            lines.append(f"  categories:  {self.categories}")
        if self.daily_doubles:
            lines.append(f"  daily doubles: {self.daily_doubles}")
        if self.date_range:
            lines.append(f"  air dates:   {self.date_range[0]} .. {self.date_range[1]}")
        if self.examples:
            lines.append("  problems:")
            lines.extend(f"    {example}" for example in self.examples)
        return "\n".join(lines)


class ReportBuilder:
    """Collects counts while a file streams by; ``build`` freezes them."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.rows_read = 0
        self.dropped: Counter[str] = Counter()
        self.filtered = 0
        self.examples: list[str] = []

    def read(self) -> None:
        self.rows_read += 1

    def drop(self, reason: str, example: str | None = None) -> None:
        self.dropped[reason] += 1
        if example is not None and len(self.examples) < MAX_EXAMPLES:
            self.examples.append(example)

    @property
    def bad_rows(self) -> int:
        return sum(n for reason, n in self.dropped.items() if reason in BAD_REASONS)

    def build(self, kept: Sequence[Question], *, filtered: int = 0) -> QualityReport:
        # A few comprehension passes: cheaper than one Python loop over 200,000 questions.
        dates = [q.air_date for q in kept if q.air_date is not None]
        return QualityReport(
            source=self.source,
            rows_read=self.rows_read,
            kept=len(kept),
            dropped=dict(self.dropped),
            filtered=filtered,
            examples=tuple(self.examples),
            rounds=dict(Counter(q.round or "(none)" for q in kept)),
            categories=len({q.category for q in kept if q.category}),
            daily_doubles=sum(1 for q in kept if q.metadata.get("daily_double")),
            date_range=(min(dates).isoformat(), max(dates).isoformat()) if dates else None,
        )
