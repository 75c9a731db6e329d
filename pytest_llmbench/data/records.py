"""Raw records -> ``Question``: the J-Archive scrape and our own question files (DESIGN.md section 3b)."""

from __future__ import annotations

import datetime as _dt
import functools
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_llmbench.data import clean
from pytest_llmbench.data.keys import question_id
from pytest_llmbench.data.validate import MALFORMED, MEDIA, MISSING_ANSWER, MISSING_QUESTION
from pytest_llmbench.errors import DatasetError
from pytest_llmbench.types import KIND_FIELDS, Question

JEOPARDY_DATASET = "jeopardy"
#: Fields of a question file that map onto ``Question`` attributes.
CORE_FIELDS = (
    "id",
    "question",
    "answer",
    "category",
    "value",
    "round",
    "air_date",
    "show_number",
    "attachments",
)


@dataclass(frozen=True, slots=True)
class Dropped:
    """A record that is readable but not used, and why (a reason from ``validate``)."""

    reason: str
    detail: str = ""


def _show_number(raw: object) -> int | None:
    if raw is None or isinstance(raw, bool | int):
        return _parse_show(raw)
    return _parse_show(str(raw))


@functools.lru_cache(maxsize=8192)
def _parse_show(raw: object) -> int | None:
    if raw is None or isinstance(raw, bool):
        if isinstance(raw, bool):
            raise ValueError("show_number must be a number")
        return None
    text = str(raw).strip()
    if not text or text.lower() in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"show_number {raw!r} is not a number") from None


def _jeopardy_facts(raw_value: object, value: int | None, round_name: str | None, air_date: Any) -> dict[str, Any]:
    """Daily Double flag, difficulty and decade; one shared dict per distinct combination.

    Sharing is safe because ``Question.metadata`` is a read-only ``Mapping``, and it saves about 40 MB
    on the full dump: the facts depend on the date only through its era and decade, so a few hundred
    dicts serve 200,000 questions.
    """
    era = None if air_date is None else (air_date >= clean.DOUBLED_VALUES_FROM, air_date.year // 10)
    key = (raw_value if isinstance(raw_value, str) else value, round_name, era)
    facts = _FACTS.get(key)
    if facts is None:
        daily_double = clean.is_daily_double(raw_value, value, round_name, air_date)
        facts = {"daily_double": daily_double}
        level = clean.difficulty(value, round_name, air_date, daily_double)
        if level is not None:
            facts["difficulty"] = level
        decade = clean.decade(air_date)
        if decade is not None:
            facts["decade"] = decade
        if len(_FACTS) < 200_000:
            _FACTS[key] = facts
    return facts


_FACTS: dict[tuple[object, str | None, tuple[bool, int] | None], dict[str, Any]] = {}


def _text(raw: object, field: str) -> str:
    return raw if type(raw) is str else clean.require_text(raw, field)


_Context = tuple["str | None", Any, "str | None", "int | None", "int | None"]


def _board_context(fields: Mapping[str, Any]) -> _Context:
    """Category, air date, round, show and the date's ordinal; about five clues share each, so it is cached."""
    raw = (fields.get("category"), fields.get("air_date"), fields.get("round"), fields.get("show_number"))
    try:
        cached = _CONTEXT.get(raw)
    except TypeError:  # an unhashable field (a list in a hand-made file): no caching, same result
        cached = None
    if cached is not None:
        return cached
    category = clean.clean_answer(_text(raw[0], "category")) or None
    air_date = clean.parse_date(raw[1])
    context = (
        None if category is None else sys.intern(category),
        air_date,
        clean.canonical_round(raw[2]),
        _show_number(raw[3]),
        None if air_date is None else air_date.toordinal(),
    )
    if len(_CONTEXT) < 200_000:
        _CONTEXT[raw] = context
    return context


_CONTEXT: dict[tuple[object, ...], _Context] = {}


#: A cleaned clue as plain data: the ``Question`` fields in order, the air date as a proleptic ordinal. It is
#: what the question cache stores and what parallel parse workers send back (``marshal`` has no dates, and
#: it keeps the shared metadata dicts and interned categories shared).
Row = tuple[
    str,
    str,
    str,
    str,
    "str | None",
    "int | None",
    "str | None",
    "int | None",
    "int | None",
    "tuple[str, ...]",
    "Mapping[str, Any]",
]


def question_from_row(row: Row, dates: dict[int, Any]) -> Question:
    """The ``Question`` of a row; ``dates`` shares one ``date`` per air date (about 60 clues have each)."""
    day = row[7]
    air_date = None
    if day is not None:
        air_date = dates.get(day)
        if air_date is None:
            air_date = dates[day] = _dt.date.fromordinal(day)
    # Positional: a frozen dataclass's keyword call costs twice as much, and this runs 200,000 times.
    return Question(row[0], row[1], row[2], row[3], row[4], row[5], row[6], air_date, row[8], row[9], row[10])


def jeopardy_question(fields: Mapping[str, Any], *, include_media: bool = False) -> Question | Dropped:
    """One clue of the J-Archive scrape (Kaggle JSON or CSV), cleaned."""
    row = jeopardy_row(fields, include_media=include_media)
    return row if isinstance(row, Dropped) else question_from_row(row, _DATES)


_DATES: dict[int, Any] = {}


def jeopardy_row(fields: Mapping[str, Any], *, include_media: bool = False) -> Row | Dropped:
    """One clue of the J-Archive scrape, cleaned, as a ``Row``.

    This runs 200,000 times for the full dump, hence the caches and the few inlined checks.
    """
    clue_text = clean.clean_clue(_text(fields.get("question"), "question"))
    if not clue_text.text:
        return Dropped(MISSING_QUESTION, "the clue is empty")
    answer = clean.clean_answer(_text(fields.get("answer"), "answer"))
    if not answer:
        return Dropped(MISSING_ANSWER, "the answer is empty")
    if clue_text.media is not None and not include_media:
        return Dropped(MEDIA, f"needs {clue_text.media}")
    try:
        category, air_date, round_name, show, day = _board_context(fields)
        raw_value = fields.get("value")
        value = clean.parse_value(raw_value)
    except ValueError as exc:
        return Dropped(MALFORMED, str(exc))
    metadata = _jeopardy_facts(raw_value, value, round_name, air_date)
    if clue_text.media is not None or clue_text.media_urls:
        metadata = dict(metadata)
        if clue_text.media is not None:
            metadata["media"] = clue_text.media
        if clue_text.media_urls:
            metadata["media_urls"] = list(clue_text.media_urls)
    return (
        question_id(show, category, clue_text.text, answer, squashed=True),
        clue_text.text,
        answer,
        JEOPARDY_DATASET,
        category,
        value,
        round_name,
        day,
        show,
        (),
        metadata,
    )


def _maybe_json(raw: object, field: str) -> Any:
    """CSV cells hold JSON text for structured fields; YAML/JSON files hold the value itself."""
    if isinstance(raw, str):
        text = raw.strip()
        if text[:1] in ("{", "[", '"') or text in ("true", "false", "null") or _is_number(text):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                if field in ("schema", "tools", "expected_call"):
                    raise DatasetError(f"field '{field}' is not valid JSON: {exc.msg}") from None
        return raw
    return raw


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_schema(value: object) -> None:
    """A broken schema is the file's fault: say so when it is read, not once per model when grading."""
    if not isinstance(value, dict):
        raise DatasetError("field 'schema' must be a JSON Schema object")
    import jsonschema  # imported here: only files with schemas pay for it

    try:
        jsonschema.validators.validator_for(value).check_schema(value)
    except jsonschema.SchemaError as exc:
        raise DatasetError(f"field 'schema' is not a valid JSON Schema: {exc.message}") from None


def _kind_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in KIND_FIELDS:
        raw = fields.get(name)
        if raw is None or raw == "":
            continue
        value = _maybe_json(raw, name)
        if name == "schema":
            _check_schema(value)
        if name == "tools" and not (isinstance(value, list) and all(isinstance(t, dict) for t in value)):
            raise DatasetError("field 'tools' must be a list of tool definitions")
        if name == "expected_call" and not (isinstance(value, dict) and isinstance(value.get("name"), str)):
            raise DatasetError("field 'expected_call' must be an object with a 'name'")
        out[name] = value
    if "schema" in out and "expected" not in out:
        raise DatasetError("field 'schema' needs an 'expected' value to grade against")
    if "expected_call" in out and "tools" not in out:
        raise DatasetError("field 'expected_call' needs the 'tools' the model may call")
    return out


def _attachments(raw: object, base: Path) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    items: object = _maybe_json(raw, "attachments") if isinstance(raw, str) else raw
    if isinstance(items, str):
        items = [part for part in (p.strip() for p in items.replace("|", ";").split(";")) if part]
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise DatasetError("field 'attachments' must be a list of file paths")
    paths: list[str] = []
    for item in items:
        path = (base / item).resolve()
        if not path.is_file():
            raise DatasetError(f"attachment '{item}' not found in {base}")
        paths.append(str(path))
    return tuple(paths)


def file_question(fields: Mapping[str, Any], *, dataset: str, base: Path) -> Question | Dropped:
    """One record of a user's question file; unknown fields are kept in ``metadata``."""
    question = clean.require_text(fields.get("question"), "question")
    if not question:
        if "question" not in fields:
            found = ", ".join(sorted(str(k) for k in fields)) or "none"
            return Dropped(MISSING_QUESTION, f"no 'question' field (fields: {found})")
        return Dropped(MISSING_QUESTION, "the question is empty")
    kinds = _kind_fields(fields)
    answer = clean.require_text(fields.get("answer"), "answer")
    if not answer:
        if "expected" in kinds:
            answer = json.dumps(kinds["expected"], ensure_ascii=False, sort_keys=True)
        elif "expected_call" in kinds:
            answer = json.dumps(kinds["expected_call"], ensure_ascii=False, sort_keys=True)
        else:
            return Dropped(MISSING_ANSWER, "no 'answer' (or 'expected' / 'expected_call')")
    try:
        raw_value = fields.get("value")
        value = clean.parse_value(raw_value)
        air_date = clean.parse_date(fields.get("air_date"))
        show = _show_number(fields.get("show_number"))
    except ValueError as exc:
        return Dropped(MALFORMED, str(exc))
    round_name = clean.canonical_round(fields.get("round"))
    category = clean.require_text(fields.get("category"), "category") or None
    metadata: dict[str, Any] = {}
    extra = fields.get("metadata")
    if isinstance(extra, Mapping):
        metadata.update(extra)
    for name, raw in fields.items():
        if name not in CORE_FIELDS and name not in KIND_FIELDS and name != "metadata" and raw not in (None, ""):
            metadata[str(name)] = raw
    if round_name in clean.ROUNDS:
        metadata.update(_jeopardy_facts(raw_value, value, round_name, air_date))
    elif air_date is not None:
        metadata["decade"] = clean.decade(air_date)
    explicit = fields.get("id")
    qid = str(explicit).strip() if explicit not in (None, "") else ""
    return Question(
        id=qid or question_id(show, category, question, answer),
        clue=question,
        answer=answer,
        dataset=dataset,
        category=category,
        value=value,
        round=round_name,
        air_date=air_date,
        show_number=show,
        attachments=_attachments(fields.get("attachments"), base),
        metadata=metadata,
        schema=kinds.get("schema"),
        expected=kinds.get("expected"),
        tools=tuple(kinds.get("tools", ())),
        expected_call=kinds.get("expected_call"),
    )
