"""Settings: defaults < config file (``[tool.llmbench]`` or ``llmbench.yaml``) < environment < command line.

Every option of DESIGN.md section 3 is declared once in ``OPTIONS``; the pytest plugin registers them from that
table and the ``llmbench`` command reads the same file and environment through ``load_settings``. A value
that does not parse is a ``UsageError`` naming the option and where the value came from.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pytest_llmbench.errors import UsageError

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_DB_URL = "sqlite:///.llmbench/results.db"
SIMULATED_PREFIX = "sim/"
DEFAULT_SIM_MODELS = ("sim/strong", "sim/fast-cheap", "sim/weak")


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
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    # The key is kept out of repr, equality and every serialisation on purpose.
    api_key: str | None = field(default=None, repr=False, compare=False)

    @property
    def gating(self) -> bool:
        return bool(self.min_accuracy) or self.baseline is not None

    def snapshot(self) -> dict[str, Any]:
        """JSON-compatible copy for the run row: everything but the key."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("api_key", "sources"):
                continue
            out[f.name] = _jsonable(getattr(self, f.name))
        return out

    def threshold_for(self, model: str) -> float | None:
        specific = [g.threshold for g in self.min_accuracy if g.model == model]
        if specific:
            return specific[-1]
        general = [g.threshold for g in self.min_accuracy if g.model is None]
        return general[-1] if general else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, AccuracyGate | ReportTarget | Shard):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    return value


# --- parsers: raw text (or a config-file scalar/list) -> typed value --------------------------------------


def _as_text(raw: Any) -> str:
    return ",".join(str(x) for x in raw) if isinstance(raw, list) else str(raw).strip()


def _csv(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, list):
        return tuple(str(x).strip() for x in raw if str(x).strip())
    return tuple(part.strip() for part in str(raw).split(",") if part.strip())


def _int(minimum: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a whole number, got {_as_text(raw)!r}") from None
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _positive_float(raw: Any) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ValueError(f"expected a number, got {_as_text(raw)!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise ValueError(f"must be a positive number, got {_as_text(raw)!r}")
    return value


def _fraction(raw: Any) -> float:
    value = _positive_float(raw) if str(raw).strip() not in ("0", "0.0") else 0.0
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be between 0 and 1, got {_as_text(raw)!r}")
    return value


def _choice(*names: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = str(raw).strip().lower()
        if value not in names:
            raise ValueError(f"choose one of {', '.join(names)}; got {_as_text(raw)!r}")
        return value

    return parse


def _on_off(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in ("on", "true", "yes", "1"):
        return True
    if value in ("off", "false", "no", "0"):
        return False
    raise ValueError(f"choose on or off; got {_as_text(raw)!r}")


def _routing(raw: Any) -> dict[str, Any]:
    from pytest_llmbench.providers.routing import parse_routing  # only when the option is set

    return parse_routing(raw)


def _sample(raw: Any) -> int | float | None:
    text = str(raw).strip().lower()
    if text in ("all", "0"):
        return None
    if re.fullmatch(r"\d+", text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a count (50), a fraction (0.1) or 'all', got {_as_text(raw)!r}") from None
    if not 0.0 < value <= 1.0:
        raise ValueError(f"a fraction must be in (0, 1], got {_as_text(raw)!r}")
    return value


def _gates(raw: Any) -> tuple[AccuracyGate, ...]:
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


def _reports(raw: Any) -> tuple[ReportTarget, ...]:
    targets: list[ReportTarget] = []
    for item in raw if isinstance(raw, list) else [raw]:
        kind, sep, path = str(item).partition(":")
        kind = kind.strip().lower()
        if not sep or kind not in REPORT_KINDS or not path.strip():
            raise ValueError(f"expected KIND:PATH with KIND one of {', '.join(REPORT_KINDS)}, got {item!r}")
        targets.append(ReportTarget(kind, Path(path.strip())))
    return tuple(targets)


def _shard(raw: Any) -> Shard:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(raw))
    if not match:
        raise ValueError(f"expected I/N such as 1/4, got {_as_text(raw)!r}")
    index, total = int(match[1]), int(match[2])
    if total < 1 or not 1 <= index <= total:
        raise ValueError(f"I must be between 1 and N, got {_as_text(raw)!r}")
    return Shard(index, total)


def _models(raw: Any) -> tuple[str, ...]:
    models = _csv(raw)
    for model in models:
        if not re.fullmatch(r"[\w.\-:/@~+]+", model):
            raise ValueError(f"{model!r} is not a model id such as openai/gpt-4o-mini or sim/strong")
    if len(set(models)) != len(models):
        raise ValueError("a model is listed twice")
    return models


def _model(raw: Any) -> str:
    models = _models(raw)
    if len(models) != 1:
        raise ValueError(f"expected one model id such as openai/gpt-4o-mini, got {_as_text(raw)!r}")
    return models[0]


def _text(raw: Any) -> str:
    value = _as_text(raw)
    if not value:
        raise ValueError("must not be empty")
    return value


def _url(raw: Any) -> str:
    value = _text(raw).rstrip("/")
    if not re.match(r"https?://", value):
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return value


def _flag(raw: Any) -> bool:
    return _on_off(raw)


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
    Option("models", "models", _models, "comma-separated model ids (OpenRouter ids or sim/...); default: "
           "the simulated models when no OPENROUTER_API_KEY is set", "A,B", env="LLMBENCH_MODELS"),
    Option("dataset", "dataset", _text, "'jeopardy' or a CSV/JSON/JSONL/YAML question file (default: jeopardy)",
           "NAME|PATH"),
    Option("sample", "sample", _sample, "questions per dataset: a count, a fraction or 'all' (default: 50)", "N"),
    Option("sample-method", "sample_method", _choice("random", "stratified", "balanced", "temporal"),
           "sampling method (default: stratified)", "METHOD"),
    Option("seed", "seed", _int(0), "sampling seed; same seed, same questions everywhere (default: 42)", "N"),
    Option("stratify", "stratify", _csv, "columns to stratify by (default: round,value)", "COLS"),
    Option("category", "category", _text, "only categories matching this pattern (case-insensitive)", "PATTERN"),
    Option("rounds", "rounds", _csv, "only these rounds, e.g. 'Jeopardy!,Final Jeopardy!'", "A,B"),
    Option("include-media", "include_media", _flag, "keep clues that need a picture or sound", flag=True),
    Option("grader", "grader", _text, "strict, lenient, jeopardy, adaptive or judge (default: lenient)", "NAME"),
    Option("judge-model", "judge_model", _model, "model for the judge grader and adaptive's uncertain band", "ID"),
    Option("template", "template", _text, "jeopardy, qa, cot, few-shot or a YAML template (default: jeopardy)",
           "NAME|PATH"),
    Option("concurrency", "concurrency", _int(1), "requests in flight per process (default: 16)", "N"),
    Option("model-concurrency", "model_concurrency", _int(0),
           "requests in flight per model and process, 0 = up to --llm-concurrency (default: 0)", "N"),
    Option("rpm", "rpm", _int(0), "requests per minute per model, 0 = unlimited (default: 0)", "N"),
    Option("provider", "provider", _routing,
           "OpenRouter provider routing sent with every request and stored with the run: a JSON object, or "
           "FIELD=VALUE;... with lists comma-separated, e.g. 'order=azure,openai;allow_fallbacks=false' "
           "(fields: order, only, ignore, quantizations, allow_fallbacks, require_parameters, zdr, "
           "data_collection, sort)", "SPEC"),
    Option("strict-models", "strict_models", _flag,
           "a model id no catalog tier knows is a usage error, not a warning", flag=True),
    Option("timeout", "timeout", _positive_float, "per-attempt timeout in seconds (default: 60)", "S"),
    Option("retries", "retries", _int(0), "retries after a failed attempt, with backoff (default: 4)", "N"),
    Option("max-cost", "max_cost", _positive_float, "budget in USD: no new request once it would be exceeded",
           "USD"),
    Option("estimate", "estimate", _flag, "print the expected cost per model and run nothing", flag=True),
    Option("min-accuracy", "min_accuracy", _gates, "accuracy gate, F or MODEL=F (repeatable)", "[MODEL=]F",
           repeatable=True),
    Option("max-errors", "max_errors", _int(0), "infrastructure errors tolerated by the gate (default: 0)", "N"),
    Option("baseline", "baseline", _text, "stored run to compare with: 'latest' or a run id", "RUN"),
    Option("max-regression", "max_regression", _fraction, "largest tolerated paired accuracy drop vs baseline",
           "F"),
    Option("db", "db", _text, f"SQLAlchemy URL (default: {DEFAULT_DB_URL})", "URL", env="LLMBENCH_DB_URL"),
    Option("cache", "cache", _choice("on", "off", "refresh", "read-only"), "response cache (default: on)", "MODE"),
    Option("resume", "resume", _text, "finish an interrupted run: 'last' or a run id", "RUN"),
    Option("base-url", "base_url", _url, f"API base URL (default: {DEFAULT_BASE_URL})", "URL",
           env="OPENROUTER_BASE_URL"),
    Option("report", "report", _reports, "write a report, KIND:PATH with KIND html, json, csv or md (repeatable)",
           "KIND:PATH", repeatable=True),
    Option("run-name", "run_name", _text, "label stored with the run", "TEXT"),
    Option("stream", "stream", _on_off, "stream responses, recording time to first token (default: on)", "on|off"),
    Option("repeat", "repeat", _int(1), "ask each item K times; report pass@k and consistency (default: 1)", "K"),
    Option("gate-bound", "gate_bound", _choice("point", "lower"),
           "gate on the accuracy or on its Wilson 95% lower bound (default: point)", "point|lower"),
    Option("shard", "shard", _shard, "run shard I of N (deterministic split)", "I/N"),
    Option("pdf", "pdf", _choice("text", "native"), "PDFs as extracted text or as file parts (default: text)",
           "text|native"),
    Option("pdf-max-pages", "pdf_max_pages", _int(1), "pages of a PDF attachment sent to the model (default: 20)",
           "N"),
    Option("max-image-mb", "max_image_mb", _positive_float, "largest image attachment in MB (default: 20)", "MB"),
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
            return section, f"{pyproject} [tool.llmbench]"
    for name in ("llmbench.yaml", "llmbench.yml"):
        path = rootdir / name
        if path.is_file():
            import yaml  # only here: every pytest run reads settings, few projects have a YAML file

            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
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
    return Settings(**values, sources=sources, api_key=api_key)


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
