"""``--llm-provider``: the routing object parsed from its two forms, and merged into request parameters."""

from __future__ import annotations

import pytest

from pytest_llmbench.outcome.provenance import stored_messages
from pytest_llmbench.providers.routing import parse_routing, with_routing


def test_the_short_form_and_json_give_the_same_object() -> None:
    short = parse_routing("order=azure, openai ;allow_fallbacks=false;quantizations=fp8;sort=price")
    assert short == {"order": ["azure", "openai"], "allow_fallbacks": False, "quantizations": ["fp8"], "sort": "price"}
    assert parse_routing('{"order": ["azure", "openai"], "allow_fallbacks": false, "quantizations": ["fp8"], '
                         '"sort": "price"}') == short


@pytest.mark.parametrize(("spec", "message"), [
    ("order=azure;fallbacks=no", "unknown field 'fallbacks'"),
    ("allow_fallbacks=maybe", "allow_fallbacks must be true or false"),
    ('{"order": "azure"}', "order must be a list"),
    ("{not json", "is not valid JSON"),
    ("order", "expected FIELD=VALUE"),
    ("", "is empty"),
])
def test_bad_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_routing(spec)


def test_a_templates_own_provider_fields_win() -> None:
    params = with_routing({"temperature": 0, "provider": {"sort": "latency"}}, {"order": ["a"], "sort": "price"})
    assert params == {"temperature": 0, "provider": {"order": ["a"], "sort": "latency"}}
    assert with_routing({"temperature": 0}, None) == {"temperature": 0}


def test_stored_messages_keep_text_and_replace_inline_attachments_by_their_digest() -> None:
    image = "data:image/png;base64," + "A" * 5000
    messages = ({"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                             {"type": "image_url", "image_url": {"url": image}}]},)
    [stored] = stored_messages(messages)
    text, picture = stored["content"]
    assert text == {"type": "text", "text": "What is this?"}
    url = picture["image_url"]["url"]
    assert url.startswith("data:image/png;sha256=") and url.endswith(";chars=5022")
    sent = messages[0]["content"]
    assert isinstance(sent, list)
    assert sent[1]["image_url"]["url"] == image  # the request itself is untouched
