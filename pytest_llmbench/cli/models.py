"""``llmbench models refresh|search PATTERN|info ID|cache``: the provider's model catalog.

Answers come from the database cache (``models`` table, 24-hour TTL), the network (``GET /models``), an older
cache, or the bundled snapshot, in that order; every command says which tier answered.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import fnmatch
import json
from pathlib import Path

from pytest_llmbench.cli._shared import open_repository, settings, table
from pytest_llmbench.errors import UsageError
from pytest_llmbench.providers.catalog import ModelInfo, fetch_models, parse_models
from pytest_llmbench.storage.catalog_cache import (
    NETWORK,
    SNAPSHOT,
    STALE_CACHE,
    CatalogAnswer,
    CatalogCache,
    Fetch,
    resolve_catalog,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    models = subparsers.add_parser(
        "models",
        help="search the model catalog: prices, context, modalities",
        description="The OpenRouter model catalog, cached in the results database for 24 hours; offline it "
        "falls back to the cache, then to a snapshot bundled with pytest-llmbench.",
    )
    commands = models.add_subparsers(dest="models_command", metavar="COMMAND", required=True)

    refresh = commands.add_parser(
        "refresh",
        help="fetch the catalog now and cache it",
        description="Fetch GET /models now (or read a saved response) and cache it.",
    )
    refresh.add_argument("--from-file", type=Path, metavar="PATH", help="a saved GET /models JSON response")
    refresh.set_defaults(func=run_refresh)

    search = commands.add_parser(
        "search",
        help="models whose id or name matches",
        description="Models whose id or name contains PATTERN (or matches it as a glob).",
    )
    search.add_argument("pattern", metavar="PATTERN", help="text or glob, case-insensitive, e.g. 'gpt-4o' or '*:free'")
    search.add_argument("--limit", type=int, default=40, help="at most this many rows (default 40; 0 = all)")
    search.add_argument("--free", action="store_true", help="only models with zero prices")
    search.add_argument("--input", metavar="MODALITY", help="only models that take this input (image, file, audio)")
    search.add_argument("--param", metavar="NAME", help="only models that support this parameter (e.g. tools)")
    search.add_argument("--offline", action="store_true", help="never fetch; use the cache or the snapshot")
    search.set_defaults(func=run_search)

    info = commands.add_parser(
        "info",
        help="prices, context, modalities and parameters of one model",
        description="Everything the catalog says about one model.",
    )
    info.add_argument("model", metavar="ID", help="a model id such as openai/gpt-4o-mini")
    info.add_argument("--offline", action="store_true", help="never fetch; use the cache or the snapshot")
    info.set_defaults(func=run_info)

    cache = commands.add_parser(
        "cache",
        help="what the catalog cache holds, or clear it",
        description="Show the age and size of the cached catalog.",
    )
    cache.add_argument("--clear", action="store_true", help="empty the catalog cache")
    cache.set_defaults(func=run_cache)


def _network() -> Fetch:
    s = settings()

    def fetch() -> dict[str, ModelInfo]:
        return asyncio.run(fetch_models(s.base_url, s.api_key))

    return fetch


def _catalog(
    args: argparse.Namespace, *, refresh: bool = False, fetch: Fetch | None = None, tier: str | None = None
) -> CatalogAnswer:
    repo = open_repository(args, create=True)
    try:
        online = fetch or (None if getattr(args, "offline", False) else _network())
        return resolve_catalog(CatalogCache(repo.engine), online, refresh=refresh, tier=tier or NETWORK)
    finally:
        repo.close()


def per_million(price: float | None) -> str:
    if price is None:
        return "unknown"
    value = price * 1_000_000
    if value == 0:
        return "$0"
    return f"${value:,.2f}" if value >= 0.01 else f"${value:.4g}"


def _context(info: ModelInfo) -> str:
    return "-" if info.context_length is None else f"{info.context_length:,}"


def run_refresh(args: argparse.Namespace) -> int:
    fetch: Fetch | None = None
    if args.from_file is not None:
        path: Path = args.from_file

        def from_file() -> dict[str, ModelInfo]:
            try:
                return parse_models(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise UsageError(f"Cannot read a model catalog from {path}: {exc}.") from None

        fetch = from_file
    answer = _catalog(args, refresh=True, fetch=fetch, tier=None if fetch is None else f"file {args.from_file}")
    print(answer.describe())
    return 0 if answer.fetched_at is not None and answer.tier not in (STALE_CACHE, SNAPSHOT) else 1


def run_search(args: argparse.Namespace) -> int:
    answer = _catalog(args)
    pattern = args.pattern.lower()
    glob = any(ch in pattern for ch in "*?[")
    found = []
    for info in sorted(answer.models.values(), key=lambda m: m.id):
        text = f"{info.id}\n{info.name}".lower()
        if not (fnmatch.fnmatch(info.id.lower(), pattern) if glob else pattern in text):
            continue
        if args.free and not info.is_free:
            continue
        if args.input and not info.accepts(args.input):
            continue
        if args.param and info.supports(args.param) is not True:
            continue
        found.append(info)
    print(answer.describe())
    if not found:
        print(f"No model matches {args.pattern!r}.")
        return 1
    shown = found[: args.limit] if args.limit else found
    rows = [
        [m.id, _context(m), per_million(m.prompt_price), per_million(m.completion_price), "+".join(m.input_modalities)]
        for m in shown
    ]
    print(table(["id", "context", "$/M input", "$/M output", "input"], rows, right=(1, 2, 3)), end="")
    if len(shown) < len(found):
        print(f"…{len(found) - len(shown)} more; use --limit 0 to see all.")
    return 0


def run_info(args: argparse.Namespace) -> int:
    answer = _catalog(args)
    info = answer.models.get(args.model)
    if info is None:
        near = difflib.get_close_matches(args.model, list(answer.models), n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(near)}?" if near else " Try 'llmbench models search'."
        raise UsageError(f"{args.model} is not in the catalog ({answer.describe()}).{hint}")
    params = (
        "unknown (this catalog does not list them)"
        if info.supported_parameters is None
        else ", ".join(sorted(info.supported_parameters)) or "none"
    )
    facts = [
        ("id", info.id),
        ("name", info.name),
        ("context length", _context(info)),
        ("max completion tokens", "-" if info.max_completion_tokens is None else f"{info.max_completion_tokens:,}"),
        ("input price", f"{per_million(info.prompt_price)} per million tokens"),
        ("output price", f"{per_million(info.completion_price)} per million tokens"),
        ("per request", "unknown" if info.request_price is None else f"${info.request_price:g}"),
        ("per image", "unknown" if info.image_price is None else f"${info.image_price:g}"),
        ("input modalities", ", ".join(info.input_modalities)),
        ("output modalities", ", ".join(info.output_modalities)),
        ("supported parameters", params),
    ]
    for tier in info.price_tiers:
        facts.append(
            (
                f"from {tier.min_prompt_tokens:,} prompt tokens",
                f"{per_million(tier.prompt_price)} in / {per_million(tier.completion_price)} out per million",
            )
        )
    width = max(len(k) for k, _ in facts)
    for key, value in facts:
        print(f"{key:<{width}}  {value}")
    print(f"source: {answer.describe()}")
    return 0


def run_cache(args: argparse.Namespace) -> int:
    repo = open_repository(args, create=True)
    try:
        cache = CatalogCache(repo.engine)
        if args.clear:
            print(f"Removed {cache.clear():,} cached catalog entries.")
            return 0
        models, fetched_at = cache.load()
    finally:
        repo.close()
    if not models or fetched_at is None:
        print("The catalog cache is empty; 'llmbench models refresh' fills it.")
        return 0
    age = CatalogAnswer(models, "cache", fetched_at).describe()
    current = cache.age()
    fresh = "fresh" if current is not None and current < cache.ttl else "stale: the next lookup refetches"
    print(f"{age} ({fresh}; TTL {cache.ttl.total_seconds() / 3600:.0f} h)")
    return 0
