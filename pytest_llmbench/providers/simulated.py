"""Built-in simulated models (``sim/...``): the offline default, labelled simulated in every report.

A simulated model is deterministic per (model, question, repeat): whether it answers right, what it says
and how long it takes all derive from a SHA-256 of those, so every machine, worker and rerun agrees. Models
differ in skill, speed and price, and the chance of a right answer falls with the clue's difficulty, so the
summary has something real to rank. The latency is really waited (scaled down so the default run takes
seconds) and measured by the engine like any other call; tokens are counted from the text and the cost is
computed from the profile's made-up prices.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_llmbench.config import SIMULATED_PREFIX
from pytest_llmbench.errors import BadRequestError, ProviderTimeout
from pytest_llmbench.providers import _sim_kinds as kinds
from pytest_llmbench.providers.catalog import ModelInfo
from pytest_llmbench.types import ChatRequest, Completion, Question

PREFIX = SIMULATED_PREFIX  # the one definition is config's: defaults and help text name it too


@dataclass(frozen=True, slots=True)
class SimProfile:
    skill: float  # chance of a right answer on a difficulty-3 clue
    latency_ms: float  # median latency
    prompt_price: float  # USD per token
    completion_price: float
    abstain: float = 0.03  # chance of "I don't know" when it does not know
    verbose: bool = False  # answers in a sentence rather than the bare question form
    # Capabilities, as a catalog entry would list them (see ``sim_model_info``).
    inputs: tuple[str, ...] = ("text", "image", "file")
    parameters: frozenset[str] = field(
        default=frozenset({"temperature", "max_tokens", "response_format", "structured_outputs", "tools"})
    )


_BASIC_PARAMETERS = frozenset({"temperature", "max_tokens"})
PROFILES: dict[str, SimProfile] = {
    "sim/strong": SimProfile(skill=0.90, latency_ms=60, prompt_price=3e-6, completion_price=15e-6, verbose=True),
    "sim/fast-cheap": SimProfile(skill=0.72, latency_ms=15, prompt_price=1.5e-7, completion_price=6e-7,
                                 inputs=("text", "image")),
    "sim/weak": SimProfile(skill=0.45, latency_ms=35, prompt_price=5e-7, completion_price=1.5e-6, abstain=0.15,
                           inputs=("text",), parameters=_BASIC_PARAMETERS | {"response_format"}),
}
#: Prompt tokens an image costs (OpenAI's low-detail figure; the simulated models never look closer).
IMAGE_TOKENS = 85


def sim_model_info(model: str) -> ModelInfo | None:
    """The catalog entry a simulated model would have: its capabilities and made-up prices."""
    profile = PROFILES.get(model)
    if profile is None:
        return None
    return ModelInfo(
        id=model, name=f"Simulated {model.removeprefix(PREFIX)}", context_length=32768,
        prompt_price=profile.prompt_price, completion_price=profile.completion_price,
        input_modalities=profile.inputs, supported_parameters=profile.parameters,
    )

#: How a simulated model knows the right answer: the question whose prompt this is (None when unknown).
AnswerLookup = Callable[[ChatRequest], Question | None]


def _unit(*parts: object) -> float:
    """A uniform number in [0, 1) from the parts, the same on every machine (unlike ``hash``)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def spoken_answer(key: str) -> str:
    """A natural way to say an answer key: '(Abraham) Lincoln' -> 'Abraham Lincoln', 'A or B' -> 'A'."""
    text = re.sub(r"\(or [^)]*\)", "", key)
    text = re.sub(r"[()]", "", text)
    text = re.split(r"\s+or\s+|/", text)[0]
    return re.sub(r"\s+", " ", text).strip(" .") or key


def count_tokens(text: str) -> int:
    """Roughly what a BPE tokenizer gives for English: a token per ~4 characters, at least one per word."""
    return max(len(text.split()), (len(text) + 3) // 4)


class SimulatedProvider:
    name = "simulated"
    simulated = True

    def __init__(self, lookup: AnswerLookup, *, time_scale: float = 1.0) -> None:
        self._lookup = lookup
        self._time_scale = time_scale

    def handles(self, model: str) -> bool:
        return model.startswith(PREFIX)

    async def complete(self, request: ChatRequest, *, timeout: float) -> Completion:
        profile = PROFILES.get(request.model)
        if profile is None:
            raise BadRequestError(
                f"Unknown simulated model {request.model!r}; the simulated models are {', '.join(PROFILES)}.",
                status=400,
            )
        _refuse_unsupported(request, profile)
        question = self._lookup(request)
        seed = (request.model, question.key if question else _last_user(request), request.repeat)
        text, calls = self._reply(profile, question, request, seed)
        # A log-normal-ish spread around the median, deterministic per item.
        latency_s = profile.latency_ms / 1000 * (0.5 + 1.5 * _unit("latency", *seed) ** 2) * self._time_scale
        if latency_s > timeout:
            await asyncio.sleep(timeout)
            raise ProviderTimeout(f"Simulated model {request.model} did not answer within {timeout:g} s.")
        ttft_s = latency_s * 0.4
        await asyncio.sleep(ttft_s)
        await asyncio.sleep(latency_s - ttft_s)
        images = sum(1 for m in request.messages for p in _parts(m) if p.get("type") == "image_url")
        prompt_tokens = sum(count_tokens(kinds.content_text(m.get("content"))) for m in request.messages)
        prompt_tokens += IMAGE_TOKENS * images
        completion_tokens = count_tokens(text + "".join(c["function"]["arguments"] for c in calls))
        return Completion(
            model=request.model,
            text=text,
            ttft_ms=ttft_s * 1000 if request.stream else None,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=prompt_tokens * profile.prompt_price + completion_tokens * profile.completion_price,
            simulated=True,
            served_model=request.model,
            finish_reason="tool_calls" if calls else "stop",
            tool_calls=tuple(calls),
        )

    def _reply(
        self, profile: SimProfile, question: Question | None, request: ChatRequest, seed: tuple[object, ...]
    ) -> tuple[str, list[dict[str, Any]]]:
        """Text and tool calls: a tool call when tools are offered, JSON when a schema asks for it."""
        if question is not None and (kinds.needs_tools(request, question) or kinds.wants_json(request, question)):
            chance = min(0.99, max(0.02, profile.skill))
            correct = _unit("correct", *seed) < chance
            key = "\x1f".join(map(str, seed))
            if kinds.needs_tools(request, question):
                return "", [kinds.tool_call(question, correct, key)]
            return kinds.json_reply(question, correct, key, profile.verbose), []
        return self._answer(profile, question, seed), []

    def _answer(self, profile: SimProfile, question: Question | None, seed: tuple[object, ...]) -> str:
        if question is None:
            return "I don't know."
        difficulty = float(question.metadata.get("difficulty", 3) or 3)
        chance = min(0.99, max(0.02, profile.skill - 0.08 * (difficulty - 3)))
        answer = spoken_answer(question.answer)
        if _unit("correct", *seed) < chance:
            return f"The answer is {answer}." if profile.verbose and _unit("form", *seed) < 0.3 else (
                f"What is {answer}?"
            )
        if _unit("abstain", *seed) < profile.abstain:
            return "I'm not sure."
        return f"What is {_wrong_answer(question, seed)}?"

    async def aclose(self) -> None:
        return None


_DISTRACTORS = (
    "Paris", "Thomas Edison", "the Mississippi", "Mercury", "Shakespeare", "Napoleon", "Australia",
    "Jupiter", "the Pacific", "Mozart", "Egypt", "Benjamin Franklin", "oxygen", "Rome", "Picasso", "1776",
)


def _wrong_answer(question: Question, seed: tuple[object, ...]) -> str:
    right = spoken_answer(question.answer).lower()
    options = [d for d in _DISTRACTORS if d.lower() != right]
    return options[int(_unit("wrong", *seed) * len(options))]


def _last_user(request: ChatRequest) -> str:
    for message in reversed(request.messages):
        if message.get("role") == "user":
            return kinds.content_text(message.get("content", ""))
    return ""


def _parts(message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = message.get("content")
    return [p for p in content if isinstance(p, Mapping)] if isinstance(content, list) else []


def _refuse_unsupported(request: ChatRequest, profile: SimProfile) -> None:
    """Answer a request the model cannot serve the way OpenRouter does: 404, no endpoint supports it."""
    types = kinds.part_types(request)
    needs = [("image input", "image_url" in types and "image" not in profile.inputs),
             ("file input", "file" in types and "file" not in profile.inputs),
             ("tool use", bool(request.params.get("tools")) and "tools" not in profile.parameters)]
    for what, lacking in needs:
        if lacking:
            raise BadRequestError(f"No endpoints found that support {what} for {request.model}.", status=404)
