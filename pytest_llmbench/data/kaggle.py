"""Where the full Jeopardy! dataset comes from: local cache, a kagglehub download, or the bundled sample.

Tier 1 looks only at the disk: the path we recorded after an earlier download (``~/.cache/llmbench``),
then kagglehub's own cache (``$KAGGLEHUB_CACHE`` or ``~/.cache/kagglehub``). Tier 2 asks kagglehub, in a
daemon thread with a deadline, so no network trouble can hang a test session. Tier 3, the bundled sample,
always works; the reason the others did not is part of the origin the user sees.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

HANDLE = "aravindram11/jeopardy-dataset-updated"
#: Seconds a download may take before we give up and use the bundled sample (the file is ~50 MB).
DOWNLOAD_TIMEOUT = 300.0
#: File names inside the Kaggle dataset, best first; otherwise the largest .json, then .csv.
PREFERRED_FILES = ("200k_questions.json", "JEOPARDY_QUESTIONS1.json", "jeopardy.json", "JEOPARDY_CSV.csv")
_RECORD_NAME = "kaggle-jeopardy.json"


@dataclass(frozen=True)
class Located:
    """A data file of the Kaggle dataset and how it was found, or the reason there is none."""

    path: Path | None
    tier: str  # "cache", "download" or "none"
    reason: str = ""


def llmbench_cache_dir(cache_dir: Path | None = None) -> Path:
    """The option, else ``$LLMBENCH_CACHE_DIR``, ``$XDG_CACHE_HOME/llmbench`` or ``~/.cache/llmbench``."""
    if cache_dir is not None:
        return cache_dir
    env = os.environ.get("LLMBENCH_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "llmbench"


def kagglehub_cache_dir() -> Path:
    env = os.environ.get("KAGGLEHUB_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "kagglehub"


def bundled_sample_path() -> Path:
    """The sample shipped in the wheel (original clues written for pytest-llmbench)."""
    ref = resources.files("pytest_llmbench.data").joinpath("bundled", "jeopardy_sample.json")
    return Path(str(ref))


def find_data_file(directory: Path) -> Path | None:
    """The questions file inside a downloaded dataset folder."""
    if directory.is_file():
        return directory
    if not directory.is_dir():
        return None
    for name in PREFERRED_FILES:
        hits = sorted(directory.rglob(name))
        if hits:
            return hits[0]
    for pattern in ("*.json", "*.csv"):
        hits = sorted(directory.rglob(pattern), key=lambda p: (-p.stat().st_size, str(p)))
        if hits:
            return hits[0]
    return None


def _recorded(cache_dir: Path) -> Path | None:
    try:
        data = json.loads((cache_dir / _RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("handle") != HANDLE or not isinstance(data.get("path"), str):
        return None
    return find_data_file(Path(data["path"]))


def record_download(cache_dir: Path, path: Path) -> None:
    """Remember where kagglehub put the data, so later sessions need neither network nor kagglehub."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f"{_RECORD_NAME}.{os.getpid()}.tmp"
        payload = {"handle": HANDLE, "path": str(path), "recorded": _dt.datetime.now(_dt.UTC).isoformat()}
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        tmp.replace(cache_dir / _RECORD_NAME)
    except OSError:
        pass  # a read-only home must not stop a benchmark; we simply look again next time


def _kagglehub_cached(root: Path) -> Path | None:
    """The newest complete version in kagglehub's cache layout ``datasets/<owner>/<name>/versions/<n>``."""
    owner, name = HANDLE.split("/")
    base = root / "datasets" / owner / name
    versions = base / "versions"
    if not versions.is_dir():
        return None
    numbered = sorted((int(p.name), p) for p in versions.iterdir() if p.is_dir() and p.name.isdigit())
    for number, folder in reversed(numbered):
        # kagglehub writes "<n>.complete" once a version is fully extracted; skip half-finished ones.
        if (base / f"{number}.complete").exists() or (versions / f"{number}.complete").exists():
            found = find_data_file(folder)
            if found is not None:
                return found
    return None


def locate_cached(cache_dir: Path | None = None) -> Path | None:
    """Tier 1: a file already on this machine; never touches the network."""
    return _recorded(llmbench_cache_dir(cache_dir)) or _kagglehub_cached(kagglehub_cache_dir())


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def download(timeout: float | None = None) -> Path:
    """Tier 2: ``kagglehub.dataset_download``; raises ``RuntimeError`` with a short reason on any failure."""
    timeout = DOWNLOAD_TIMEOUT if timeout is None else timeout
    try:
        import kagglehub
    except ImportError:
        raise RuntimeError("kagglehub is not installed") from None
    fetch: Callable[[str], str] = kagglehub.dataset_download
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["path"] = fetch(HANDLE)
        except BaseException as exc:  # any failure of a third-party call means "not available"
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="llmbench-kaggle-download", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise RuntimeError(f"the kagglehub download did not finish within {timeout:g} s")
    if "error" in outcome:
        raise RuntimeError(f"kagglehub download failed ({_describe(outcome['error'])})")  # type: ignore[arg-type]
    path = outcome.get("path")
    if not isinstance(path, str | os.PathLike):
        raise RuntimeError(f"kagglehub returned {path!r} instead of a folder")
    found = find_data_file(Path(path))
    if found is None:
        raise RuntimeError(f"no .json or .csv file in the downloaded folder {path}")
    return found


def locate(*, allow_download: bool, cache_dir: Path | None = None, timeout: float | None = None) -> Located:
    """Tiers 1 and 2; ``Located.path`` is ``None`` (with the reason) when the bundled sample must serve."""
    cached = locate_cached(cache_dir)
    if cached is not None:
        return Located(cached, "cache")
    if not allow_download:
        return Located(None, "none", "not in the local cache and downloading is off")
    try:
        found = download(timeout)
    except RuntimeError as exc:
        return Located(None, "none", str(exc))
    record_download(llmbench_cache_dir(cache_dir), found)
    return Located(found, "download")
