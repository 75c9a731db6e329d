"""Costs: the budget, the cost estimator the engine is given, and the one prompt-token heuristic.

The heuristic is shared by the engine's budget reservation and ``--llm-estimate`` (``_run/estimate.py``). It
walks a request's messages once and reads the same parts two ways:

* ``TYPICAL`` (the estimate): one token per 4 characters of text, rounded up per part (the usual figure for
  English with BPE tokenizers); 4 tokens per message (role and separators of the chat template); 3 per request
  (the assistant turn that primes the reply); 85 per image part (a low-detail image on OpenAI-style models).
* ``UPPER_BOUND`` (the reservation): pessimistic on purpose, so the billed cost stays under what was reserved:
  one token per 3 characters of the content's JSON (quotes and escapes included), 10 per message, 20 per
  request, and an image part as 1,600 tokens, the most a large image costs on the common vision models (its
  base64 data URL says nothing about its token count).

No tokenizer dependency: none would match every model anyway.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from pytest_llmbench.types import Message

#: Expected USD for (model, prompt tokens, completion tokens) from catalog prices; None when unknown.
CostEstimator = Callable[[str, int, int], "float | None"]


def per_token_prices(table: Mapping[str, tuple[float, float]]) -> CostEstimator:
    """A ``CostEstimator`` from ``{model: (USD per prompt token, USD per completion token)}``."""

    def estimate(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        prices = table.get(model)
        return None if prices is None else prices[0] * prompt_tokens + prices[1] * completion_tokens

    return estimate


class BudgetLike(Protocol):
    """What the engine needs of a budget: this process's ``Budget``, or the run's ``storage.budget.SharedBudget``."""

    limit: float | None
    by_model: dict[str, float]

    @property
    def spent(self) -> float: ...

    @property
    def remaining(self) -> float | None: ...

    def reserve(self, amount: float) -> bool: ...

    def could_ever_fit(self, amount: float) -> bool: ...

    def settle(self, model: str, reserved: float, actual: float) -> None: ...


class Budget:
    """Reserve before sending, settle with what was billed; never start what could exceed the limit."""

    poll: float | None = None  # only this process settles it: a settle wakes the waiters

    def __init__(self, limit: float | None) -> None:
        self.limit = limit
        self.spent = 0.0
        self.reserved = 0.0
        self.by_model: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> bool:
        with self._lock:
            if self.limit is not None and self.spent + self.reserved + amount > self.limit + 1e-12:
                return False
            self.reserved += amount
            return True

    def could_ever_fit(self, amount: float) -> bool:
        """Whether ``amount`` fits once every outstanding reservation is settled at no cost."""
        return self.limit is None or (self.spent < self.limit and self.spent + amount <= self.limit + 1e-12)

    def settle(self, model: str, reserved: float, actual: float) -> None:
        with self._lock:
            self.reserved = max(0.0, self.reserved - reserved)
            self.spent += actual
            self.by_model[model] = self.by_model.get(model, 0.0) + actual

    @property
    def remaining(self) -> float | None:
        return None if self.limit is None else max(0.0, self.limit - self.spent)


@dataclass(frozen=True, slots=True)
class TokenHeuristic:
    """One reading of a prompt's parts as tokens (see the module docstring)."""

    chars_per_token: float
    per_message: int
    per_request: int
    image_tokens: int
    upper_bound: bool  # text counted as its JSON and rounded once, not per part


TYPICAL = TokenHeuristic(chars_per_token=4, per_message=4, per_request=3, image_tokens=85, upper_bound=False)
UPPER_BOUND = TokenHeuristic(chars_per_token=3, per_message=10, per_request=20, image_tokens=1600, upper_bound=True)

#: Characters an image part is budgeted as by ``UPPER_BOUND``: its tokens at its characters a token.
IMAGE_PART_CHARS = int(UPPER_BOUND.image_tokens * UPPER_BOUND.chars_per_token)


def _is_image(part: object) -> bool:
    return isinstance(part, Mapping) and part.get("type") == "image_url"


def prompt_chars(content: object) -> int:
    """Characters a message's content is budgeted as by ``UPPER_BOUND``: its JSON, each image at a fixed size."""
    if isinstance(content, list):
        rest = [p for p in content if not _is_image(p)]
        return len(json.dumps(rest)) + IMAGE_PART_CHARS * (len(content) - len(rest))
    return len(json.dumps(content))


def _typical_content_tokens(content: object, h: TokenHeuristic) -> int:
    if isinstance(content, str):
        return math.ceil(len(content) / h.chars_per_token)
    total = 0
    for part in content if isinstance(content, list) else ():
        if _is_image(part):
            total += h.image_tokens
        elif isinstance(part, Mapping):
            total += math.ceil(len(str(part.get("text", ""))) / h.chars_per_token)
    return total


def count_prompt_tokens(messages: Sequence[Message], heuristic: TokenHeuristic = TYPICAL) -> int:
    """Prompt tokens of a chat request's messages by ``heuristic``."""
    overhead = heuristic.per_request + heuristic.per_message * len(messages)
    if heuristic.upper_bound:
        chars = sum(prompt_chars(m.get("content", "")) for m in messages)
        return int(chars / heuristic.chars_per_token + overhead)
    return overhead + sum(_typical_content_tokens(m.get("content", ""), heuristic) for m in messages)


class UnpricedModels:
    """How the budget reserves for a model with no price, and what it says about it (once per model).

    Until the model's first answer nothing is known: its first request runs alone, reserving the whole rest of
    the budget. After that, a model whose provider bills it (OpenRouter's ``usage.cost``) reserves twice its
    dearest bill so far; one whose provider bills nothing cannot be counted by the budget at all, so it
    reserves nothing rather than run one request at a time for no protection.
    """

    def __init__(self) -> None:
        self.dearest: dict[str, float] = {}
        self.unbilled: dict[str, int] = {}
        self.first_alone: set[str] = set()

    def reservation(self, model: str) -> float | None:
        """What to reserve, or None: reserve the remainder (nothing known yet)."""
        if model in self.dearest:
            return 2 * self.dearest[model]
        if model in self.unbilled:
            return 0.0
        self.first_alone.add(model)
        return None

    def tracks(self, model: str) -> bool:
        return model in self.first_alone or model in self.dearest or model in self.unbilled

    def observe(self, model: str, billed: float | None) -> None:
        if billed is not None:
            self.dearest[model] = max(self.dearest.get(model, 0.0), billed)
        else:
            self.unbilled[model] = self.unbilled.get(model, 0) + 1

    def notes(self) -> list[str]:
        out = []
        for model in sorted(self.first_alone | set(self.unbilled) | set(self.dearest)):
            if self.unbilled.get(model) and model not in self.dearest:
                out.append(f"budget: --llm-max-cost cannot price {model} (no catalog price, and the provider billed "
                           f"none of its {self.unbilled[model]} answers): the budget did not limit it")
            elif model in self.dearest:
                out.append(f"budget: {model} has no catalog price: its first request ran alone, then each reserved "
                           f"twice its dearest bill so far (${self.dearest[model]:.6f})")
        return out

