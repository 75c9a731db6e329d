"""What the engine did for each model beyond one request per item: retries, 429s, resets, waiting, the limit.

A snapshot of plain numbers (``Engine.traffic()``), read by the end-of-session summary and the live progress;
it is kept by the model's ``AdaptiveLimit`` on the engine's loop, so reading it from another thread only
ever sees a slightly old value, never a broken one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pytest_llmbench.engine.limits import AdaptiveLimit


@dataclass(frozen=True, slots=True)
class ModelTraffic:
    model_limit: int  # the adaptive in-flight limit now
    lowest_limit: int
    cap: int
    decreases: int
    attempts: int
    retries: int
    rate_limited: int  # 429s
    resets: int  # connection resets and broken streams
    waited_s: float  # seconds items waited to be retried, summed over items (they wait side by side)
    paused_s: float  # seconds new requests were held by a model-wide Retry-After pause

    @classmethod
    def of(cls, limit: AdaptiveLimit) -> ModelTraffic:
        t = limit.traffic
        return cls(limit.limit, limit.lowest, limit.cap, limit.decreases, t.attempts, t.retries, t.rate_limited,
                   t.resets, t.waited_s, t.paused_s)

    def to_dict(self) -> dict[str, float]:
        """Builtins only: what an xdist worker sends its controller."""
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_dict(cls, data: Mapping[str, float]) -> ModelTraffic:
        def count(name: str) -> int:
            return int(data[name])

        return cls(count("model_limit"), count("lowest_limit"), count("cap"), count("decreases"), count("attempts"),
                   count("retries"), count("rate_limited"), count("resets"), float(data["waited_s"]),
                   float(data["paused_s"]))

    def plus(self, other: ModelTraffic) -> ModelTraffic:
        """Two processes' counters for one model (xdist workers): summed; limits as seen by the worst-off one."""
        return ModelTraffic(
            min(self.model_limit, other.model_limit), min(self.lowest_limit, other.lowest_limit),
            min(self.cap, other.cap), self.decreases + other.decreases, self.attempts + other.attempts,
            self.retries + other.retries, self.rate_limited + other.rate_limited, self.resets + other.resets,
            self.waited_s + other.waited_s, self.paused_s + other.paused_s,
        )

    @property
    def eventful(self) -> bool:
        """Anything beyond one clean request per item: worth a line in the summary."""
        return bool(self.retries or self.rate_limited or self.resets or self.decreases)

    def line(self, model: str) -> str:
        parts = [f"{self.attempts} requests", f"{self.retries} retries", f"{self.rate_limited} rate-limited (429)",
                 f"{self.resets} resets", f"{self.waited_s:.1f} s waiting to retry (summed over items)"]
        if self.paused_s:
            parts.append(f"{self.paused_s:.1f} s paused by Retry-After")
        limit = f"in-flight limit {self.model_limit} of {self.cap}"
        if self.decreases:
            limit += f" (lowered {self.decreases}x, lowest {self.lowest_limit})"
        return f"traffic: {model}: {', '.join(parts)}; {limit}"


def merge_traffic(into: dict[str, ModelTraffic], sent: Mapping[str, Mapping[str, float]]) -> None:
    """Add one worker's counters (``to_dict`` per model) to ``into``."""
    for model, data in sent.items():
        traffic = ModelTraffic.from_dict(data)
        into[model] = into[model].plus(traffic) if model in into else traffic


def traffic_lines(traffic: Mapping[str, ModelTraffic]) -> list[str]:
    """The summary's lines: one per model that needed more than one clean request per item."""
    return [t.line(model) for model, t in traffic.items() if t.eventful]
