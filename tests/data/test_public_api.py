from __future__ import annotations

import inspect

import pytest_llmbench.data as data


def test_all_is_sorted_and_complete() -> None:
    assert data.__all__ == sorted(data.__all__)
    assert set(data.__all__) == {
        "DataOptions",
        "LoadedDataset",
        "QualityReport",
        "load_dataset",
        "parse_sample_size",
        "sample_questions",
    }
    for name in data.__all__:
        assert getattr(data, name) is not None


def test_signatures_the_plugin_relies_on() -> None:
    load = inspect.signature(data.load_dataset)
    assert list(load.parameters) == ["source", "base_dir", "options"]
    assert load.parameters["base_dir"].kind is inspect.Parameter.KEYWORD_ONLY
    sample = inspect.signature(data.sample_questions)
    assert list(sample.parameters) == ["questions", "size", "seed", "method", "stratify"]
    assert sample.parameters["method"].default == "stratified"
    assert tuple(sample.parameters["stratify"].default) == ("round", "value")
    options = data.DataOptions()
    assert (options.include_media, options.allow_download, options.rounds) == (False, True, ())
    assert hash(options) == hash(data.DataOptions())  # usable as a memo key
