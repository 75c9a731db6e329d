"""One redaction for every outside text before it is stored or shown.

Outside text (an error from httpx, a server's error message, a configured URL) can carry a secret the user
never meant to write down: the API key, a key prefix a server echoes back ("Incorrect API key provided:
sk-or-v1-abc1***xyz"), the userinfo of a base URL (``http://user:KEY@host``), a proxy's password. ``redact``
removes all of them, from any text, given the secrets in play (``secrets_in``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote, urlsplit

MASK = "[redacted]"
#: In a URL's userinfo: without brackets, which a URL parser would take for an IPv6 address.
URL_MASK = "redacted"
#: ``scheme://userinfo@``: the userinfo of any URL in a text.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@'\"<>]+@")
#: The shapes of API keys (OpenAI/OpenRouter/Anthropic ``sk-...``) and bearer tokens, whole or echoed in part.
_KEY_SHAPES = re.compile(r"(?i)\bsk-[a-z0-9][\w\-*.]{5,}|(?<=bearer )[\w\-*.~+/]{8,}=*")
#: Characters of a secret that identify it when a server echoes only its beginning.
_PREFIX = 8
_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def redact_url(url: str) -> str:
    """``url`` without its userinfo (user and password): ``http://redacted@host/...``."""
    return _USERINFO.sub(lambda m: m[1] + URL_MASK + "@", url)


def url_secrets(url: str | None) -> list[str]:
    """The user name and password of ``url`` (raw and percent-decoded), if it has any."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        found = [parts.username, parts.password]
    except ValueError:
        return []
    return [s for v in found if v for s in (v, unquote(v))]


def secrets_in(
    api_key: str | None = None, urls: Iterable[str | None] = (), environ: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """Every secret a run may leak: the key, the userinfo of ``urls`` and of the proxy variables."""
    env = os.environ if environ is None else environ
    found: list[str] = [api_key] if api_key else []
    for url in (*urls, *(env.get(name) for name in _PROXY_VARIABLES)):
        found += url_secrets(url)
    # Longest first: a secret that contains another is masked whole.
    return tuple(sorted({s for s in found if len(s) >= 4}, key=len, reverse=True))


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every secret, any echoed beginning of one, URL userinfo and key-shaped tokens masked."""
    for secret in secrets:
        if not secret or len(secret) < 4:
            continue
        text = text.replace(secret, MASK)
        if len(secret) >= 2 * _PREFIX and secret[:_PREFIX] in text:
            # An echoed beginning: mask the whole token it starts (``sk-or-v1-ab***xyz``).
            text = re.sub(re.escape(secret[:_PREFIX]) + r"\S*", MASK, text)
    return _KEY_SHAPES.sub(MASK, redact_url(text))
