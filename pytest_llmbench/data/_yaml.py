"""YAML with limits: an alias bomb or deep nesting is refused in one sentence, while it is read.

``yaml.safe_load`` refuses Python tags but not a "billion laughs": a 429-byte file of nested aliases took
6 GB and a minute before anything was said, and 100,000 nested brackets ended in a RecursionError. The
loader here counts, while composing, how many nodes the aliases stand for once expanded, and how deep the
nesting goes, and stops at the first limit passed. Every YAML file the package reads (datasets, metadata,
``llmbench.yaml``, prompt templates) goes through it.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Nodes that aliases may stand for, expanded, per document: a few shared blocks pass, a bomb does not.
MAX_ALIAS_NODES = 100_000
#: Nesting depth of collections: far beyond any question file, far below Python's recursion limit.
MAX_DEPTH = 100


class YamlLimitError(yaml.MarkedYAMLError):
    """A document passes ``MAX_ALIAS_NODES`` or ``MAX_DEPTH``; ``problem`` is the sentence."""


class LimitedSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses alias expansion beyond ``MAX_ALIAS_NODES`` and nesting beyond ``MAX_DEPTH``."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._nodes = 0  # nodes composed so far, each alias counted as the nodes it stands for
        self._via_aliases = 0
        self._depth = 0
        self._weights: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            target = self.anchors.get(event.anchor)
            weight = self._weights.get(id(target), 1)
            self._nodes += weight
            self._via_aliases += weight
            if self._via_aliases > MAX_ALIAS_NODES:
                raise YamlLimitError(
                    problem=f"its aliases expand to more than {MAX_ALIAS_NODES:,} nodes (a YAML alias bomb); "
                    "write the values out instead of nesting aliases",
                    problem_mark=event.start_mark,
                )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlLimitError(problem=f"it nests collections more than {MAX_DEPTH} levels deep",
                                     problem_mark=mark)
            start = self._nodes
            node = super().compose_node(parent, index)
            self._nodes += 1
            if getattr(node, "value", None).__class__ is list:
                self._weights[id(node)] = self._nodes - start
            return node
        finally:
            self._depth -= 1


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the limits of ``LimitedSafeLoader`` (raises ``yaml.YAMLError``)."""
    loader = LimitedSafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
