"""The public surface is exactly ``__all__``, as httpx checks its own (tests/test_exported_members.py there)."""

from __future__ import annotations

import json
import subprocess
import sys
from types import ModuleType

import pytest_llmbench

#: Dunder names that are part of the surface on purpose.
INCLUDED_PRIVATE = ("__version__",)


def _surface(namespace: dict[str, object]) -> list[str]:
    # Submodules (config, errors, types, ...) become attributes once imported; they are reached by their
    # own path, not re-exported names, so they are not part of __all__.
    return sorted(
        name for name, value in namespace.items()
        if (not name.startswith("_") or name in INCLUDED_PRIVATE) and not isinstance(value, ModuleType)
    )


def test_all_is_exactly_the_public_names_sorted() -> None:
    exported = list(pytest_llmbench.__all__)
    assert exported == sorted(exported)
    # Lazy names appear in the namespace on first access: touch them all, then compare exactly.
    for name in exported:
        assert getattr(pytest_llmbench, name) is not None
    assert exported == _surface(vars(pytest_llmbench))


def test_a_fresh_import_exposes_nothing_beyond_all() -> None:
    # In a fresh interpreter, before any lazy access: everything public is in __all__, and only lazy names
    # of __all__ are missing.
    code = (
        "import json, types, pytest_llmbench as p; "
        "print(json.dumps(sorted(n for n, v in vars(p).items() "
        "if (not n.startswith('_') or n == '__version__') and not isinstance(v, types.ModuleType))))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    eager = set(json.loads(out))
    exported = set(pytest_llmbench.__all__)
    assert eager <= exported
    assert exported - eager == {"ItemResult", "WrongAnswer"}
    assert dir(pytest_llmbench) == sorted({*vars(pytest_llmbench), *exported})
