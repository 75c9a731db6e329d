"""``--llm-provider=SPEC``: OpenRouter's provider routing object, passed through in every request.

SPEC is either the JSON object itself (``{"order": ["azure"], "allow_fallbacks": false}``) or the short form
``order=azure,openai;allow_fallbacks=false;quantizations=fp8``: ``;`` between fields, ``,`` between list
items. Known fields (https://openrouter.ai/docs/features/provider-routing) are checked for their type, so a
typo is a usage error rather than a setting OpenRouter ignores; the JSON form may also carry fields this
version does not know (they are passed as given).
"""

from __future__ import annotations

import json
from typing import Any

LISTS = frozenset({"order", "only", "ignore", "quantizations"})
FLAGS = frozenset({"allow_fallbacks", "require_parameters", "zdr", "enforce_distillable_text"})
WORDS = frozenset({"data_collection", "sort"})
KNOWN = LISTS | FLAGS | WORDS | {"max_price"}


def parse_routing(raw: Any) -> dict[str, Any]:
    """The routing object of ``raw`` (a SPEC string, or a mapping from a config file); ValueError if bad."""
    if isinstance(raw, dict):
        return _checked(dict(raw), strict=False)
    text = str(raw).strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"is not valid JSON ({exc.msg} at character {exc.pos})") from None
        if not isinstance(value, dict):
            raise ValueError("must be a JSON object")
        return _checked(value, strict=False)
    out: dict[str, Any] = {}
    for field in filter(None, (f.strip() for f in text.split(";"))):
        key, sep, value = field.partition("=")
        key = key.strip().replace("-", "_")
        if not sep:
            raise ValueError(f"expected FIELD=VALUE, got {field!r}")
        if key not in KNOWN or key == "max_price":
            raise ValueError(f"unknown field {key!r}: use {', '.join(sorted(KNOWN - {'max_price'}))} "
                             f"(or the JSON form for max_price)")
        if key in LISTS:
            out[key] = [v.strip() for v in value.split(",") if v.strip()]
        elif key in FLAGS:
            out[key] = _flag(key, value)
        else:
            out[key] = value.strip()
    if not out:
        raise ValueError("is empty: give e.g. order=azure,openai;allow_fallbacks=false")
    return out


def _flag(key: str, value: str) -> bool:
    word = value.strip().lower()
    if word in ("true", "yes", "on", "1"):
        return True
    if word in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"{key} must be true or false, got {value!r}")


def _checked(value: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    for key in LISTS & value.keys():
        if not isinstance(value[key], list) or not all(isinstance(v, str) for v in value[key]):
            raise ValueError(f"{key} must be a list of provider names")
    for key in FLAGS & value.keys():
        if not isinstance(value[key], bool):
            raise ValueError(f"{key} must be true or false")
    for key in WORDS & value.keys():
        if not isinstance(value[key], str):
            raise ValueError(f"{key} must be a string")
    if strict and not value.keys() <= KNOWN:
        raise ValueError(f"unknown fields {sorted(value.keys() - KNOWN)}")
    return value


def with_routing(params: dict[str, Any], routing: dict[str, Any] | None) -> dict[str, Any]:
    """Request parameters with the run's routing; a template's own ``provider`` object wins field by field."""
    if not routing:
        return params
    own = params.get("provider")
    return {**params, "provider": {**routing, **own} if isinstance(own, dict) else dict(routing)}
