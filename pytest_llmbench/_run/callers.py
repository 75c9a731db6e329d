"""What the run calls outside itself: the plugin's hook callers and a progress display.

Both are injected into ``BenchSession`` by the pytest adapter (``_plugin/hooks.py``), so the run needs no pytest
config and its tests can pass fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pytest_llmbench.types import Completion, Grade, Message, Question, ResultRecord

if TYPE_CHECKING:
    from pytest_llmbench.outcome.summary import RunSummary


class ProgressDisplay(Protocol):
    """What the session tells a progress display (``_plugin/progress.py`` draws one)."""

    def start(self, totals: Mapping[str, int]) -> None: ...

    def update(self, record: ResultRecord) -> None: ...

    def close(self) -> None: ...


@dataclass
class Hooks:
    """The plugin's hook callers, injected so the run needs no pytest config."""

    load_dataset: Callable[[str], list[Question] | None]
    build_messages: Callable[[Question, str, str], list[Message] | None]
    grade: Callable[[Question, Completion, str], Grade | None]
    on_result: Callable[[ResultRecord], None]
    on_summary: Callable[[RunSummary], None]
