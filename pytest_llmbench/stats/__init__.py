"""Statistics over ``ResultRecord``s: accuracy with Wilson intervals, latency and cost, breakdowns, paired
comparison (McNemar's exact test), calibration and repeated-ask metrics; cluster-robust intervals, Holm-adjusted
comparisons of many models with paired bootstrap intervals, run planning, an anytime-valid confidence sequence
for stopping early, and the Jeopardy! Coryat score.

Pure Python: imports neither pytest, rich nor numpy, so the plugin, the CLI and reports share it.
"""

from __future__ import annotations

from pytest_llmbench.stats.cluster import (
    CLUSTERINGS,
    ClusteredEstimate,
    cluster_key,
    clustered_accuracy,
    clustered_mean,
    default_clustering,
)
from pytest_llmbench.stats.compare import (
    SIGNIFICANCE,
    PairedComparison,
    RepeatStats,
    compare_runs,
    expected_calibration_error,
    paired_comparison,
    repeat_stats,
)
from pytest_llmbench.stats.core import Z95, mcnemar_exact, pass_at_k, percentile, wilson_interval
from pytest_llmbench.stats.coryat import (
    CoryatScore,
    board_breakdown,
    coryat_scores,
    daily_double_value,
    is_daily_double,
)
from pytest_llmbench.stats.multiple import BootstrapInterval, ModelComparison, compare_models, holm, paired_bootstrap
from pytest_llmbench.stats.plan import (
    DifferencePlan,
    Prices,
    independent_discordant_rate,
    paired_questions,
    plan_cost,
    plan_difference,
    questions_for_half_width,
    unpaired_questions,
    wilson_half_width,
)
from pytest_llmbench.stats.sequential import (
    ConfidenceSequence,
    StopPoint,
    TargetReport,
    TargetTracker,
    confidence_sequence,
    stopping_point,
    target_horizon,
)
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
    "CLUSTERINGS",
    "SIGNIFICANCE",
    "Z95",
    "BootstrapInterval",
    "ClusteredEstimate",
    "ConfidenceSequence",
    "CoryatScore",
    "DifferencePlan",
    "GroupStat",
    "ModelComparison",
    "ModelSummary",
    "PairedComparison",
    "Prices",
    "RepeatStats",
    "StopPoint",
    "TargetReport",
    "TargetTracker",
    "board_breakdown",
    "breakdown",
    "cluster_key",
    "clustered_accuracy",
    "clustered_mean",
    "compare_models",
    "compare_runs",
    "confidence_sequence",
    "coryat_scores",
    "daily_double_value",
    "decade",
    "default_clustering",
    "difficulty",
    "expected_calibration_error",
    "holm",
    "independent_discordant_rate",
    "is_daily_double",
    "mcnemar_exact",
    "paired_bootstrap",
    "paired_comparison",
    "paired_questions",
    "pass_at_k",
    "percentile",
    "plan_cost",
    "plan_difference",
    "questions_for_half_width",
    "repeat_stats",
    "stopping_point",
    "summarize_models",
    "target_horizon",
    "unpaired_questions",
    "wilson_half_width",
    "wilson_interval",
]
