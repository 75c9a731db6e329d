"""Make any value storable in its column, on every backend, before it is written.

Replies, datasets and model ids are outside text: a NUL byte, a lone surrogate, a ``round`` longer than its
``String(64)`` or a number beyond a 32-bit ``Integer`` is accepted by SQLite and refused by PostgreSQL, and a
refused value failed the whole batch it was in. So every row is passed through ``storable_row`` first: NUL
becomes U+FFFD (visible, never silently joined text), a lone surrogate becomes U+FFFD, a string over its
column's length is cut and ends with a digest of the whole (two long ids that differ stay different keys), an
integer outside 32 bits becomes NULL, a non-finite float in a JSON column becomes null. The same on SQLite, so
a database does not depend on the backend it was written to.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import JSON, Integer, String, Table

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
#: Characters of a cut string given to the digest of the whole value ("~" and 16 hex digits).
_DIGEST = 17


def storable_text(text: str, length: int | None = None) -> str:
    """``text`` without NUL or lone surrogates, and at most ``length`` characters."""
    if _UNSTORABLE.search(text):
        text = _UNSTORABLE.sub(REPLACEMENT, text)
    if length is not None and len(text) > length:
        if length < 2 * _DIGEST:
            return text[:length]
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[: _DIGEST - 1]
        text = text[: length - _DIGEST] + "~" + digest
    return text


def storable_json(value: Any) -> Any:
    """A JSON-compatible value whose strings (keys too) are storable and whose floats are finite."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {storable_text(str(k)): storable_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable_json(v) for v in value]
    return value


def storable_value(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, JSON):
        return storable_json(value)
    if isinstance(column_type, String) and isinstance(value, str):
        return storable_text(value, column_type.length)
    if isinstance(column_type, Integer) and isinstance(value, int) and not isinstance(value, bool):
        return value if _INT_MIN <= value <= _INT_MAX else None
    return value


#: Per table: column name -> its type, for the columns ``storable_value`` may change (JSON, String, Integer).
_PLANS: dict[Table, dict[str, Any]] = {}


def _plan(table: Table) -> dict[str, Any]:
    plan = _PLANS.get(table)
    if plan is None:
        plan = _PLANS[table] = {c.name: c.type for c in table.columns if isinstance(c.type, JSON | String | Integer)}
    return plan


def storable_row(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with each one made storable in its column of ``table`` (unknown keys pass unchanged)."""
    # Called for every stored item (a writer batch is thousands of rows): the column types are looked up once
    # per table, and a value that needs no change (None, a float, a clean short string) is passed on as is.
    plan = _plan(table)
    out = dict(values)
    for name, value in values.items():
        if value is None:
            continue
        column_type = plan.get(name)
        if column_type is not None:
            out[name] = storable_value(column_type, value)
    return out
