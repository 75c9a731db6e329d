"""Settings: defaults < config file (``[tool.llmbench]`` or ``llmbench.yaml``) < environment < command line.

Every option of DESIGN.md section 3 is declared once in ``OPTIONS``; the pytest plugin registers them from that
table and the ``llmbench`` command reads the same file and environment through ``load_settings``. A value
that does not parse is a ``UsageError`` naming the option and where the value came from.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

# The parsers and bounds the OPTIONS table is built from.
from pytest_llmbench.config.values import (
    MAX_CONCURRENCY,
    MAX_MB,
    MAX_PAGES,
    MAX_REPEAT,
    MAX_RETRIES,
    MAX_RPM,
    MAX_SEED,
    MAX_TIMEOUT,
    jsonable,
    parse_bounded_float,
    parse_choice,
    parse_csv,
    parse_flag,
    parse_fraction,
    parse_gates,
    parse_int,
    parse_judge_models,
    parse_models,
    parse_on_off,
    parse_positive_float,
    parse_reports,
    parse_routing,
    parse_shard,
    parse_text,
    parse_url,
)

# Names with "as": re-exported, the settings' public value types and the one sample-size parser.
from pytest_llmbench.config.values import REPORT_KINDS as REPORT_KINDS
from pytest_llmbench.config.values import AccuracyGate as AccuracyGate
from pytest_llmbench.config.values import ReportTarget as ReportTarget
from pytest_llmbench.config.values import Shard as Shard
from pytest_llmbench.config.values import parse_sample as parse_sample
from pytest_llmbench.errors import UsageError

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_DB_URL = "sqlite:///.llmbench/results.db"
SIMULATED_PREFIX = "sim/"
DEFAULT_SIM_MODELS = ("sim/strong", "sim/fast-cheap", "sim/weak")


@dataclass(frozen=True)
class Settings:
    """Every setting, parsed and typed. ``sources`` says where each non-default value came from."""

    models: tuple[str, ...] = ()
    dataset: str = "jeopardy"
    sample: int | float | None = 50
    sample_method: str = "stratified"
    seed: int = 42
    stratify: tuple[str, ...] = ("round", "value")
    category: str | None = None
    rounds: tuple[str, ...] = ()
    include_media: bool = False
    grader: str = "lenient"
    judge_model: str | None = None
    template: str = "jeopardy"
    concurrency: int = 16
    model_concurrency: int = 0  # 0: each model may use the whole ``concurrency``
    rpm: int = 0
    provider: dict[str, Any] | None = field(default=None, hash=False)  # OpenRouter provider routing
    strict_models: bool = False
    timeout: float = 60.0
    retries: int = 4
    max_cost: float | None = None
    estimate: bool = False
    min_accuracy: tuple[AccuracyGate, ...] = ()
    max_errors: int = 0
    baseline: str | None = None
    max_regression: float | None = None
    db: str = DEFAULT_DB_URL
    cache: str = "on"
    resume: str | None = None
    base_url: str = DEFAULT_BASE_URL
    report: tuple[ReportTarget, ...] = ()
    run_name: str | None = None
    stream: bool = True
    repeat: int = 1
    gate_bound: str = "point"
    shard: Shard | None = None
    pdf: str = "text"
    pdf_max_pages: int = 20
    max_image_mb: float = 20.0
    max_reply_mb: float = 8.0
    max_clue_chars: int = 1_000_000
    attachment_root: str | None = None
    cluster: str | None = None  # None: by dataset (``stats.default_clustering``)
    plan: bool = False
    plan_delta: float = 0.05
    target_ci: float | None = None
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    #: Settings given on the command line, which beat a marker's values (see ``_run/collect.py``).
    from_cli: frozenset[str] = field(default_factory=frozenset, compare=False)
    # The key is kept out of repr, equality and every serialisation on purpose.
    api_key: str | None = field(default=None, repr=False, compare=False)

    @property
    def max_reply_bytes(self) -> int:
        return int(self.max_reply_mb * (1 << 20))

    @property
    def gating(self) -> bool:
        return bool(self.min_accuracy) or self.baseline is not None

    def snapshot(self) -> dict[str, Any]:
        """JSON-compatible copy for the run row: everything but the key."""
        from pytest_llmbench.redaction import redact, secrets_in

        secrets = secrets_in(self.api_key, [self.base_url, self.db])
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("api_key", "sources", "from_cli"):
                continue
            value = jsonable(getattr(self, f.name))
            # URLs (base URL, database) may hold a user and password: the snapshot is stored and shown.
            out[f.name] = redact(value, *secrets) if isinstance(value, str) else value
        return out

    def threshold_for(self, model: str) -> float | None:
        specific = [g.threshold for g in self.min_accuracy if g.model == model]
        if specific:
            return specific[-1]
        general = [g.threshold for g in self.min_accuracy if g.model is None]
        return general[-1] if general else None


@dataclass(frozen=True, slots=True)
class Option:
    """One ``--llm-*`` option: its parser, help text, environment variable and how argparse takes it."""

    name: str  # without the "--llm-" prefix, e.g. "min-accuracy"
    dest: str  # Settings field
    parse: Callable[[Any], Any]
    help: str
    metavar: str | None = None
    env: str | None = None
    repeatable: bool = False
    flag: bool = False

    @property
    def cli(self) -> str:
        return f"--llm-{self.name}"


OPTIONS: tuple[Option, ...] = (
    Option("models", "models", parse_models, "comma-separated model ids (OpenRouter ids or sim/...); default: "
           "the simulated models when no OPENROUTER_API_KEY is set", "A,B", env="LLMBENCH_MODELS"),
    Option("dataset", "dataset", parse_text, "'jeopardy' or a CSV/JSON/JSONL/YAML question file (default: jeopardy)",
           "NAME|PATH"),
    Option("sample", "sample", parse_sample, "questions per dataset: a count, a fraction or 'all' (default: 50)", "N"),
    Option("sample-method", "sample_method", parse_choice("random", "stratified", "balanced", "temporal"),
           "sampling method (default: stratified)", "METHOD"),
    Option("seed", "seed", parse_int(0, MAX_SEED),
           "sampling seed; same seed, same questions everywhere (default: 42)", "N"),
    Option("stratify", "stratify", parse_csv, "columns to stratify by (default: round,value)", "COLS"),
    Option("category", "category", parse_text, "only categories matching this pattern (case-insensitive)", "PATTERN"),
    Option("rounds", "rounds", parse_csv, "only these rounds, e.g. 'Jeopardy!,Final Jeopardy!'", "A,B"),
    Option("include-media", "include_media", parse_flag, "keep clues that need a picture or sound", flag=True),
    Option("grader", "grader", parse_text, "strict, lenient, jeopardy, adaptive or judge (default: lenient)", "NAME"),
    Option("judge-model", "judge_model", parse_judge_models,
           "model(s) for the judge grader and adaptive's uncertain band; several = a jury (majority)", "ID[,ID...]"),
    Option("template", "template", parse_text, "jeopardy, qa, cot, few-shot or a YAML template (default: jeopardy)",
           "NAME|PATH"),
    Option("concurrency", "concurrency", parse_int(1, MAX_CONCURRENCY), "requests in flight per process (default: 16)",
           "N"),
    Option("model-concurrency", "model_concurrency", parse_int(0, MAX_CONCURRENCY),
           "requests in flight per model and process, 0 = up to --llm-concurrency (default: 0)", "N"),
    Option("rpm", "rpm", parse_int(0, MAX_RPM), "requests per minute per model, 0 = unlimited (default: 0)", "N"),
    Option("timeout", "timeout", parse_bounded_float(MAX_TIMEOUT), "per-attempt timeout in seconds (default: 60)",
           "S"),
    Option("retries", "retries", parse_int(0, MAX_RETRIES),
           "retries after a failed attempt, with backoff (default: 4)", "N"),
    Option("provider", "provider", parse_routing,
           "OpenRouter provider routing sent with every request and stored with the run: a JSON object, or "
           "FIELD=VALUE;... with lists comma-separated, e.g. 'order=azure,openai;allow_fallbacks=false' "
           "(fields: order, only, ignore, quantizations, allow_fallbacks, require_parameters, zdr, "
           "data_collection, sort)", "SPEC"),
    Option("strict-models", "strict_models", parse_flag,
           "a model id no catalog tier knows is a usage error, not a warning", flag=True),
    Option("max-cost", "max_cost", parse_positive_float, "budget in USD: no new request once it would be exceeded",
           "USD"),
    Option("estimate", "estimate", parse_flag, "print the expected cost per model and run nothing", flag=True),
    Option("min-accuracy", "min_accuracy", parse_gates, "accuracy gate, F or MODEL=F (repeatable)", "[MODEL=]F",
           repeatable=True),
    Option("max-errors", "max_errors", parse_int(0), "infrastructure errors tolerated by the gate (default: 0)", "N"),
    Option("baseline", "baseline", parse_text, "stored run to compare with: 'latest' or a run id", "RUN"),
    Option("max-regression", "max_regression", parse_fraction, "largest tolerated paired accuracy drop vs baseline",
           "F"),
    Option("db", "db", parse_text, f"SQLAlchemy URL (default: {DEFAULT_DB_URL})", "URL", env="LLMBENCH_DB_URL"),
    Option("cache", "cache", parse_choice("on", "off", "refresh", "read-only"), "response cache (default: on)", "MODE"),
    Option("resume", "resume", parse_text, "finish an interrupted run: 'last' or a run id", "RUN"),
    Option("base-url", "base_url", parse_url, f"API base URL (default: {DEFAULT_BASE_URL})", "URL",
           env="OPENROUTER_BASE_URL"),
    Option("report", "report", parse_reports,
           "write a report, KIND:PATH with KIND html, json, csv or md, or a path ending in one (repeatable)",
           "KIND:PATH", repeatable=True),
    Option("run-name", "run_name", parse_text, "label stored with the run", "TEXT"),
    Option("stream", "stream", parse_on_off, "stream responses, recording time to first token (default: on)", "on|off"),
    Option("repeat", "repeat", parse_int(1, MAX_REPEAT),
           "ask each item K times; report pass@k and consistency (default: 1)", "K"),
    Option("gate-bound", "gate_bound", parse_choice("point", "lower"),
           "gate on the accuracy or on its Wilson 95% lower bound (default: point)", "point|lower"),
    Option("shard", "shard", parse_shard, "run shard I of N (deterministic split)", "I/N"),
    Option("pdf", "pdf", parse_choice("text", "native"), "PDFs as extracted text or as file parts (default: text)",
           "text|native"),
    Option("pdf-max-pages", "pdf_max_pages", parse_int(1, MAX_PAGES),
           "pages of a PDF attachment sent to the model (default: 20)", "N"),
    Option("max-image-mb", "max_image_mb", parse_bounded_float(MAX_MB),
           "largest image attachment in MB (default: 20)", "MB"),
    Option("max-reply-mb", "max_reply_mb", parse_bounded_float(MAX_MB),
           "largest reply body in MB after decompression; a larger one is an error for its item (default: 8)", "MB"),
    Option("max-clue-chars", "max_clue_chars", parse_int(1),
           "longest question text in characters; a longer one is left out with a reason (default: 1000000)", "N"),
    Option("attachment-root", "attachment_root", parse_text,
           "folder attachments may be read from (default: the dataset's own folder)", "DIR"),
    Option("cluster", "cluster", parse_choice("category", "show", "none"),
           "cluster the intervals by category or show (default: category for Jeopardy!, none for question files)",
           "category|show|none"),
    Option("plan", "plan", parse_flag, "print the questions and dollars a difference or an interval width needs; "
           "run nothing", flag=True),
    Option("plan-delta", "plan_delta", parse_fraction, "accuracy difference --llm-plan sizes for (default: 0.05)",
           "D"),
    Option("target-ci", "target_ci", parse_fraction, "stop asking a model once its anytime-valid 95% interval "
           "half-width is at most W", "W"),
)

OPTIONS_BY_NAME: dict[str, Option] = {o.name: o for o in OPTIONS}


def _config_key(key: str) -> str:
    key = key.strip().lower().replace("_", "-")
    return key[4:] if key.startswith("llm-") else key


def read_config_file(rootdir: Path) -> tuple[dict[str, Any], str | None]:
    """Settings from ``pyproject.toml [tool.llmbench]``, else ``llmbench.yaml``, in ``rootdir``."""
    pyproject = rootdir / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{pyproject} is not valid TOML: {exc}.") from None
        section = data.get("tool", {}).get("llmbench")
        if section is not None:
            if not isinstance(section, dict):
                raise UsageError(f"[tool.llmbench] in {pyproject} must be a table.")
            # Two files of settings would leave one silently unread: say so rather than pick.
            for name in ("llmbench.yaml", "llmbench.yml"):
                if (rootdir / name).is_file():
                    raise UsageError(
                        f"Both {pyproject} [tool.llmbench] and {rootdir / name} hold settings; keep them in one."
                    )
            return section, f"{pyproject} [tool.llmbench]"
    for name in ("llmbench.yaml", "llmbench.yml"):
        path = rootdir / name
        if path.is_file():
            import yaml  # only here: every pytest run reads settings, few projects have a YAML file

            from pytest_llmbench.data._yaml import safe_load

            try:
                loaded = safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise UsageError(f"{path} is not valid YAML: {exc}.") from None
            if loaded is None:
                return {}, str(path)
            if not isinstance(loaded, dict):
                raise UsageError(f"{path} must hold a mapping of option names to values.")
            return loaded, str(path)
    return {}, None


def resolve(
    cli: Mapping[str, Any],
    *,
    environ: Mapping[str, str] | None = None,
    file_values: Mapping[str, Any] | None = None,
    file_source: str | None = None,
) -> Settings:
    """Build ``Settings`` from the layers. ``cli`` maps option names to raw values (None = not given)."""
    env = os.environ if environ is None else environ
    file_values = {_config_key(k): v for k, v in (file_values or {}).items()}
    unknown = sorted(set(file_values) - set(OPTIONS_BY_NAME))
    if unknown:
        raise UsageError(
            f"Unknown setting {unknown[0]!r} in {file_source or 'the config file'}; "
            f"known settings are the --llm-* option names, e.g. 'models', 'sample', 'min-accuracy'."
        )
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for option in OPTIONS:
        raw: Any = None
        source = ""
        given = cli.get(option.name)
        if given not in (None, [], ()):
            raw, source = given, option.cli
        elif option.env and env.get(option.env, "").strip():
            raw, source = env[option.env], f"environment variable {option.env}"
        elif option.name in file_values:
            raw, source = file_values[option.name], f"'{option.name}' in {file_source}"
        if raw is None:
            continue
        try:
            values[option.dest] = option.parse(raw)
        except ValueError as exc:
            raise UsageError(f"{source}: {exc}.") from None
        sources[option.dest] = source
    api_key = (env.get("OPENROUTER_API_KEY") or "").strip() or None
    from_cli = frozenset(o.dest for o in OPTIONS if cli.get(o.name) not in (None, [], ()))
    return Settings(**values, sources=sources, api_key=api_key, from_cli=from_cli)


def default_models(settings: Settings) -> tuple[str, ...]:
    """The models to run: the configured ones, else the simulated ones (with or without a key: a key alone
    should never start spending money on models nobody chose)."""
    return settings.models or DEFAULT_SIM_MODELS


def read_dotenv(path: Path) -> dict[str, str]:
    """The ``KEY=value`` lines of a ``.env`` file (quotes stripped, comments and blanks skipped)."""
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def environment_with_dotenv(rootdir: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment, completed (never overridden) by ``rootdir/.env``."""
    env = dict(os.environ if environ is None else environ)
    for key, value in read_dotenv(rootdir / ".env").items():
        env.setdefault(key, value)
    return env


def load_settings(
    rootdir: Path, cli: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """All layers for ``rootdir``: what the plugin and the ``llmbench`` command both use."""
    file_values, file_source = read_config_file(rootdir)
    return resolve(
        cli or {},
        environ=environment_with_dotenv(rootdir, environ),
        file_values=file_values,
        file_source=file_source,
    )


def option_names() -> Sequence[str]:
    return [o.cli for o in OPTIONS]
