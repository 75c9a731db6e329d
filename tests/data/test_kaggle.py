from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import kagglehub
import pytest

from pytest_llmbench.data import DataOptions, kaggle, load_dataset

from .conftest import kaggle_row, write_json

OFFLINE = DataOptions(allow_download=False)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record calls to kagglehub; by default any call fails the test (no network in tests, ever)."""
    seen: list[str] = []

    def refuse(handle: str, *args: object, **kwargs: object) -> str:
        seen.append(handle)
        raise AssertionError("kagglehub.dataset_download must not be called here")

    monkeypatch.setattr(kagglehub, "dataset_download", refuse)
    return seen


def _dataset_dir(root: Path, n: int = 3) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    rows = [kaggle_row(question=f"'Clue {i} about Rome'", answer=f"answer {i}") for i in range(n)]
    write_json(root / "200k_questions.json", rows)
    return root


def test_offline_without_cache_serves_the_bundled_sample(calls: list[str]) -> None:
    loaded = load_dataset("jeopardy", options=OFFLINE)
    assert calls == []
    assert loaded.name == "jeopardy" and len(loaded.questions) >= 300
    assert loaded.origin == (
        f"bundled sample ({len(loaded.questions)} clues; Kaggle dataset not available: "
        "not in the local cache and downloading is off)"
    )


def test_download_then_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = _dataset_dir(tmp_path / "kh" / "versions" / "1")
    handles: list[str] = []

    def fake_download(handle: str, *args: object, **kwargs: object) -> str:
        handles.append(handle)
        return str(folder)

    monkeypatch.setattr(kagglehub, "dataset_download", fake_download)
    loaded = load_dataset("jeopardy")
    assert handles == ["aravindram11/jeopardy-dataset-updated"]
    assert len(loaded.questions) == 3
    target = folder / "200k_questions.json"
    assert (
        loaded.origin
        == f"Kaggle dataset aravindram11/jeopardy-dataset-updated (3 clues, downloaded to {target})"
    )
    record = json.loads((tmp_path / "llmbench-cache" / "kaggle-jeopardy.json").read_text())
    assert record["path"] == str(folder / "200k_questions.json")

    # A later session, offline: tier 1 finds the recorded file without kagglehub.
    from pytest_llmbench.data import loader

    loader.clear_cache()
    monkeypatch.setattr(kagglehub, "dataset_download", lambda *a, **k: pytest.fail("must not download"))
    again = load_dataset("jeopardy", options=OFFLINE)
    assert again.origin.endswith(f"cached at {folder / '200k_questions.json'})")
    assert [q.key for q in again.questions] == [q.key for q in loaded.questions]


def test_kagglehub_cache_layout_is_found_offline(calls: list[str], tmp_path: Path) -> None:
    base = tmp_path / "kagglehub-cache" / "datasets" / "aravindram11" / "jeopardy-dataset-updated"
    _dataset_dir(base / "versions" / "1", n=2)
    _dataset_dir(base / "versions" / "3", n=4)  # newest but unfinished: no completion marker
    (base / "1.complete").write_text("")
    loaded = load_dataset("jeopardy", options=OFFLINE)
    assert calls == []
    assert len(loaded.questions) == 2 and "cached at" in loaded.origin and "versions/1" in loaded.origin


def test_download_failure_falls_back_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(handle: str, *args: object, **kwargs: object) -> str:
        raise ConnectionError("Failed to resolve 'www.kaggle.com'\nretrying...")

    monkeypatch.setattr(kagglehub, "dataset_download", offline)
    loaded = load_dataset("jeopardy")
    assert "bundled sample (" in loaded.origin
    assert loaded.origin.endswith(
        "Kaggle dataset not available: kagglehub download failed "
        "(ConnectionError: Failed to resolve 'www.kaggle.com'))"
    )


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_a_hanging_download_times_out(monkeypatch: pytest.MonkeyPatch, release: threading.Event) -> None:
    monkeypatch.setattr(kagglehub, "dataset_download", lambda *a, **k: release.wait(30) and "")
    monkeypatch.setattr(kaggle, "DOWNLOAD_TIMEOUT", 0.2)
    loaded = load_dataset("jeopardy")
    assert loaded.origin.endswith("the kagglehub download did not finish within 0.2 s)")


def test_download_without_data_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(kagglehub, "dataset_download", lambda *a, **k: str(tmp_path / "empty"))
    loaded = load_dataset("jeopardy")
    assert f"no .json or .csv file in the downloaded folder {tmp_path / 'empty'}" in loaded.origin


def test_missing_kagglehub(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "kagglehub", None)
    assert load_dataset("jeopardy").origin.endswith(
        "Kaggle dataset not available: kagglehub is not installed)"
    )


def test_unreadable_cached_file_falls_back(calls: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "dl"
    folder.mkdir()
    (folder / "200k_questions.json").write_text("[{", encoding="utf-8")
    kaggle.record_download(tmp_path / "llmbench-cache", folder / "200k_questions.json")
    loaded = load_dataset("jeopardy", options=OFFLINE)
    assert (
        "bundled sample" in loaded.origin
        and "could not be read" in loaded.origin
        and "invalid JSON" in loaded.origin
    )


def test_real_format_folder_through_the_download_tier(
    monkeypatch: pytest.MonkeyPatch, real_sample: Path
) -> None:
    monkeypatch.setattr(kagglehub, "dataset_download", lambda *a, **k: str(real_sample.parent))
    loaded = load_dataset("jeopardy")
    assert loaded.origin.startswith(
        "Kaggle dataset aravindram11/jeopardy-dataset-updated (332 clues, downloaded"
    )
    assert loaded.report.rows_read == 351


def test_sample_name_never_looks_for_kaggle(calls: list[str]) -> None:
    loaded = load_dataset("jeopardy-sample")
    assert calls == [] and loaded.origin == f"bundled sample ({len(loaded.questions)} clues)"


def test_cache_dir_option_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert kaggle.llmbench_cache_dir(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("LLMBENCH_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert kaggle.llmbench_cache_dir() == tmp_path / "xdg" / "llmbench"
