"""What the package's own helper processes (the parse worker, the HTTP worker) need to start."""

from __future__ import annotations

import os
from pathlib import Path


def available_cpus() -> int:
    """CPUs this process may run on (its affinity, where the platform tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def child_env(**extra: str) -> dict[str, str]:
    """This environment, with this copy of the package first on ``PYTHONPATH`` and ``extra`` set.

    ``sys.executable -c ...`` must import the same pytest_llmbench as this process, also when it came from a
    source tree rather than an installed copy.
    """
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # the folder that holds pytest_llmbench/
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.update(extra)
    return env
