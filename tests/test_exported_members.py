import pytest_llmbench


def test_all_is_sorted_and_complete() -> None:
    names = [n for n in pytest_llmbench.__all__ if n != "__version__"]
    assert names == sorted(names)
    public = {n for n in dir(pytest_llmbench) if not n.startswith("_") and n[0].isupper()}
    assert public <= set(pytest_llmbench.__all__)
    for name in pytest_llmbench.__all__:
        assert hasattr(pytest_llmbench, name)
