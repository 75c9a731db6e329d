"""Statistics over ``ResultRecord``s: accuracy with Wilson intervals, latency and cost, breakdowns, paired
comparison (McNemar's exact test), calibration and repeated-ask metrics.

Pure Python: imports neither pytest, rich nor numpy, so the plugin, the CLI and reports share it.
"""

from __future__ import annotations

from pytest_llmbench.stats.compare import (
    SIGNIFICANCE,
    Flip,
    PairedComparison,
    RepeatStats,
    compare_runs,
    expected_calibration_error,
    flipped,
    paired_comparison,
    repeat_stats,
)
from pytest_llmbench.stats.core import Z95, mcnemar_exact, pass_at_k, percentile, wilson_interval
from pytest_llmbench.stats.summary import (
    BREAKDOWNS,
    GroupStat,
    ModelSummary,
    breakdown,
    decade,
    difficulty,
    summarize_models,
)

__all__ = [
    "BREAKDOWNS",
    "SIGNIFICANCE",
    "Z95",
    "Flip",
    "GroupStat",
    "ModelSummary",
    "PairedComparison",
    "RepeatStats",
    "breakdown",
    "compare_runs",
    "decade",
    "difficulty",
    "expected_calibration_error",
    "flipped",
    "mcnemar_exact",
    "paired_comparison",
    "pass_at_k",
    "percentile",
    "repeat_stats",
    "summarize_models",
    "wilson_interval",
]
