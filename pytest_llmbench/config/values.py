"""The value types of the settings and the parsers of the ``--llm-*`` options: raw text (or a config-file
scalar or list, or a marker's value) -> typed value. A parser raises ``ValueError`` with a message that
``config.resolve`` and the collect stage turn into a one-sentence ``UsageError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class AccuracyGate:
    """``--llm-min-accuracy=[MODEL=]F``: ``model`` None is the global threshold."""

    threshold: float
    model: str | None = None


@dataclass(frozen=True, slots=True)
class ReportTarget:
    kind: str
    path: Path


@dataclass(frozen=True, slots=True)
class Shard:
    index: int  # 1-based, as the user writes it
    total: int


def jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, AccuracyGate | ReportTarget | Shard):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    return value


def as_text(raw: Any) -> str:
    return ",".join(str(x) for x in raw) if isinstance(raw, list) else str(raw).strip()


def parse_csv(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, list):
        return tuple(str(x).strip() for x in raw if str(x).strip())
    return tuple(part.strip() for part in str(raw).split(",") if part.strip())


#: Upper bounds of numeric options: beyond them a value crashes or hangs the run (62,500 HTTP clients for a
#: concurrency of a million, an OverflowError for a seed or a size beyond 64 bits), so it is a usage error.
MAX_CONCURRENCY = 4096
MAX_REPEAT = 1000
MAX_SEED = 2**31 - 1  # the runs table's seed column is a 32-bit integer on PostgreSQL
MAX_RETRIES = 100
MAX_RPM = 1_000_000
MAX_PAGES = 10_000
MAX_MB = 4096.0
MAX_TIMEOUT = 86_400.0
MAX_COUNT = 2**31 - 1
#: Longest number accepted as text: int() of a 100,000-digit string is refused by Python itself.
_MAX_DIGITS = 40


def parse_int(minimum: int, maximum: int = MAX_COUNT) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        text = str(raw).strip()
        try:
            value = int(text) if len(text) <= _MAX_DIGITS else None
        except ValueError:
            raise ValueError(f"expected a whole number, got {short(raw)!r}") from None
        if value is None or value > maximum:
            raise ValueError(f"must be at most {maximum}, got {short(raw)}")
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def short(raw: Any, limit: int = 60) -> str:
    """A value as shown in an error: at most ``limit`` characters, so a 256 MB value is not echoed."""
    text = as_text(raw)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def parse_bounded_float(maximum: float) -> Callable[[Any], float]:
    def parse(raw: Any) -> float:
        try:
            value = float(str(raw).strip()[:_MAX_DIGITS * 2])
        except ValueError:
            raise ValueError(f"expected a number, got {short(raw)!r}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise ValueError(f"must be a positive number, got {short(raw)!r}")
        if value > maximum:
            raise ValueError(f"must be at most {maximum:g}, got {short(raw)}")
        return value

    return parse


def parse_positive_float(raw: Any) -> float:
    return parse_bounded_float(float("inf"))(raw)


def parse_fraction(raw: Any) -> float:
    value = parse_positive_float(raw) if str(raw).strip() not in ("0", "0.0") else 0.0
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be between 0 and 1, got {short(raw)!r}")
    return value


def parse_choice(*names: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in names:
            raise ValueError(f"choose one of {', '.join(names)}; got {short(raw)!r}")
        return value

    return parse


def parse_on_off(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in ("on", "true", "yes", "1"):
        return True
    if value in ("off", "false", "no", "0"):
        return False
    raise ValueError(f"choose on or off; got {short(raw)!r}")


def parse_routing(raw: Any) -> dict[str, Any]:
    from pytest_llmbench.providers.routing import parse_routing as parse  # only when the option is set

    return parse(raw)


def parse_sample(raw: Any) -> int | float | None:
    """The one sample-size parser (command line, environment, config file, marker): None means all."""
    text = str(raw).strip().lower()
    if text == "all":
        return None
    if re.fullmatch(r"\d+", text):
        if int(text) == 0:
            raise ValueError("0 questions is no sample: give a count above 0, a fraction, or 'all'")
        return int(text)
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"{short(raw)!r} is neither a count (50) nor a fraction (0.1) nor 'all'") from None
    if not 0.0 < value <= 1.0:  # also refuses nan
        raise ValueError(f"{short(raw)!r} is a fraction out of range: above 0 and at most 1 (or 10%)")
    return value


def parse_gates(raw: Any) -> tuple[AccuracyGate, ...]:
    gates: list[AccuracyGate] = []
    for item in raw if isinstance(raw, list) else [raw]:
        text = str(item).strip()
        model, sep, number = text.rpartition("=")
        if not sep:
            model, number = "", text
        try:
            threshold = float(number)
        except ValueError:
            raise ValueError(f"expected F or MODEL=F with F between 0 and 1, got {text!r}") from None
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"the threshold must be between 0 and 1, got {text!r}")
        gates.append(AccuracyGate(threshold, model.strip() or None))
    return tuple(gates)


REPORT_KINDS = ("html", "json", "csv", "md")


def parse_reports(raw: Any) -> tuple[ReportTarget, ...]:
    targets: list[ReportTarget] = []
    for item in raw if isinstance(raw, list) else [raw]:
        kind, sep, path = str(item).partition(":")
        kind = kind.strip().lower()
        if not sep or kind not in REPORT_KINDS:
            # A bare path says its kind by its extension (report.html, out/results.json, table.md).
            suffix = Path(str(item).strip()).suffix.lower().lstrip(".")
            kind, path = {"htm": "html", "markdown": "md"}.get(suffix, suffix), str(item)
        if kind not in REPORT_KINDS or not path.strip():
            raise ValueError(
                f"expected KIND:PATH or a file ending in .{', .'.join(REPORT_KINDS)}, with KIND one of "
                f"{', '.join(REPORT_KINDS)}, got {item!r}"
            )
        targets.append(ReportTarget(kind, Path(path.strip())))
    return tuple(targets)


def parse_shard(raw: Any) -> Shard:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(raw))
    if not match:
        raise ValueError(f"expected I/N such as 1/4, got {short(raw)!r}")
    index, total = int(match[1]), int(match[2])
    if total < 1 or not 1 <= index <= total:
        raise ValueError(f"I must be between 1 and N, got {short(raw)!r}")
    return Shard(index, total)


def parse_models(raw: Any) -> tuple[str, ...]:
    models = parse_csv(raw)
    for model in models:
        if not re.fullmatch(r"[\w.\-:/@~+]+", model):
            raise ValueError(f"{model!r} is not a model id such as openai/gpt-4o-mini or sim/strong")
    if len(set(models)) != len(models):
        raise ValueError("a model is listed twice")
    return models


def parse_model(raw: Any) -> str:
    models = parse_models(raw)
    if len(models) != 1:
        raise ValueError(f"expected one model id such as openai/gpt-4o-mini, got {short(raw)!r}")
    return models[0]


def parse_judge_models(raw: Any) -> str:
    """One judge model, or a jury (several, comma-separated: ``grading/jury.py``), kept as written."""
    return ",".join(parse_models(raw))


def parse_text(raw: Any) -> str:
    value = as_text(raw)
    if not value:
        raise ValueError("must not be empty")
    return value


def parse_url(raw: Any) -> str:
    from pytest_llmbench.redaction import redact_url

    value = parse_text(raw).rstrip("/")
    if not re.match(r"https?://", value):
        raise ValueError(f"expected an http(s) URL, got {short(redact_url(value))!r}")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise ValueError(f"{short(redact_url(value))!r} is not a valid URL ({exc})") from None
    if not parts.hostname:
        raise ValueError(f"{short(redact_url(value))!r} has no host name")
    return value


def parse_flag(raw: Any) -> bool:
    return parse_on_off(raw)
