"""``BenchSession``: one per pytest session, made in ``pytest_configure``, the facade over the run's stages.

collect (``collect.py``: marker x settings -> items) -> ask (``ask.py``: messages, requests, the engine) ->
grade (``grade.py``, ``judge.py``) -> record (``record.py``: the stored row) -> finish (``finish.py``: storage,
summary, gates, reports); ``flow.py`` takes each item through ask, grade and record. This module makes the
stages and wires them to the hook callers (``callers.py``); it decides nothing itself: the plugin's hooks call
the stages it makes (``bench.collector``, ``bench.flow``, ``bench.asker``) directly. Nothing is opened before the
first item that uses the plugin, and nothing heavy is imported at module level: a ``BenchSession`` is made in
every pytest run where the plugin is installed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_llmbench._run.ask import Asker
from pytest_llmbench._run.callers import Hooks, ProgressDisplay
from pytest_llmbench._run.collect import Collector, collector_for
from pytest_llmbench._run.finish import RunStore
from pytest_llmbench._run.flow import ItemFlow
from pytest_llmbench._run.items import ItemSpec
from pytest_llmbench.config import Settings, default_models
from pytest_llmbench.errors import LlmBenchError, UsageError
from pytest_llmbench.types import ResultRecord

if TYPE_CHECKING:
    from pytest_llmbench._run.grade import Grading
    from pytest_llmbench._run.judge import JudgeStage
    from pytest_llmbench.engine.traffic import ModelTraffic
    from pytest_llmbench.outcome.summary import RunSummary


@dataclass
class BenchSession:
    settings: Settings
    rootdir: Path
    hooks: Hooks
    writer: bool = True  # stores results: the single process or the xdist controller
    prefetch: bool = True  # not on xdist workers, which do not know their items in advance
    records: list[ResultRecord] = field(default_factory=list)
    usage_errors: list[str] = field(default_factory=list)
    dataset_origins: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False
    progress: ProgressDisplay | None = None
    command: tuple[str, ...] = ()  # the session's arguments, for the resume hint
    resume_run_id: int | None = None  # an xdist worker of a resumed run: which run's answers to replay
    budget_pool: str | None = None  # an xdist worker: the database row of the run's shared budget
    worker_traffic: dict[str, ModelTraffic] = field(default_factory=dict)  # the xdist controller: the workers'
    planned: Mapping[str, int] = field(default_factory=dict)  # items per model that ask, once collected

    # --- the stages ----------------------------------------------------------------------------------

    @cached_property
    def collector(self) -> Collector:
        return collector_for(self.settings, self.rootdir, self.hooks.load_dataset,
                             grader=lambda name: self.grading.grader(name),
                             template=lambda name: self.asker.template(name),
                             usage_errors=self.usage_errors, dataset_origins=self.dataset_origins)

    @cached_property
    def asker(self) -> Asker:
        # A marker may name models the command line does not: they need their provider (and prices) too, and so
        # do the judges, whose prices reserve the budget like any answer's.
        return Asker(self.settings, self.rootdir, self.hooks.build_messages,
                     lambda: tuple(dict.fromkeys((*self.models, *self.collector.marker_models, *self._judges()))),
                     lambda: self.store.repository(), budget_pool=self.budget_pool)

    def _judges(self) -> tuple[str, ...]:
        from pytest_llmbench.grading.jury import jury_models  # only once the engine is made: grading is heavy

        return jury_models(self.settings.judge_model)

    @cached_property
    def grading(self) -> Grading:
        from pytest_llmbench._run.grade import grading_for

        return grading_for(self.hooks.grade, self.settings.judge_model, self.judge_stage, lambda r: self.asker.call(r))

    @cached_property
    def judge_stage(self) -> JudgeStage | None:
        """The judge stage (``judge.py``) when a judge model is configured; its engine is made on first use."""
        if not self.settings.judge_model:
            return None
        from pytest_llmbench._run.judge import stage_for

        return stage_for(self.asker, self.settings.judge_model, self.hooks.grade)

    @cached_property
    def flow(self) -> ItemFlow:
        return ItemFlow(self.asker, lambda: self.grading, lambda: self.judge_stage)

    @cached_property
    def store(self) -> RunStore:
        return RunStore(self.settings, self.rootdir, self.models, self.dataset_origins, self.collector.benchmarks,
                        on_failure=lambda reason: self.asker.stop(reason))

    @property
    def models(self) -> tuple[str, ...]:
        return default_models(self.settings)

    @property
    def run_id(self) -> int | None:
        return self.store.run_id

    # --- before the run: --llm-estimate, --llm-plan --------------------------------------------------

    def estimate(self, items: Sequence[tuple[str, ItemSpec, bool]]) -> str:
        """``--llm-estimate``: the expected cost of the items that would ask a model; sends and stores nothing."""
        from pytest_llmbench._run.estimate import render_estimate
        from pytest_llmbench._run.plan import estimate_items

        return render_estimate(estimate_items(items, self.asker, self.settings, self.rootdir, self._judges()),
                               budget=self.settings.max_cost)

    def plan(self, items: Sequence[tuple[str, ItemSpec, bool]]) -> str:
        """``--llm-plan``: questions and dollars a difference or an interval width needs; sends nothing."""
        from pytest_llmbench._run.plan import estimate_items, plan_for

        return plan_for(estimate_items(items, self.asker, self.settings, self.rootdir, self._judges()), self.settings)

    # --- running items -------------------------------------------------------------------------------

    def start(self, items: Sequence[tuple[str, ItemSpec, bool]]) -> None:
        """Collection is final: ``items`` are (node id, spec, needs a completion) in test order (``ItemFlow.start``)."""
        if self.usage_errors:
            raise UsageError(self.usage_errors[0])
        if items:
            self.planned = self.flow.start(items, self.store, writer=self.writer, resume_run_id=self.resume_run_id,
                                           progress=self.progress, target_ci=self.settings.target_ci,
                                           prefetch=self.prefetch)

    def record(self, record: ResultRecord) -> None:
        """A finished item reached the writer: keep it, store it now, tell observers."""
        self.records.append(record)
        if self.progress is not None:
            self.progress.update(record)
        if self.writer:
            self.store.write(record)
        self.hooks.on_result(record)

    # --- the end -------------------------------------------------------------------------------------

    def finish(self, exitstatus: int) -> RunSummary | None:
        if self.progress is not None:
            self.progress.close()
        end = self.flow.end(exitstatus, interrupted=self.interrupted, command=self.command, planned=self.planned,
                            worker_traffic=self.worker_traffic)
        self.store.flush()
        if not self.writer:
            return None
        # Answers fetched but never graded (a signal, -x, a stop) are paid for: the resume must not ask again.
        self.store.keep_answers(self.asker.fetched(), self.flow.resumed, self.records,
                                resumable=self.interrupted or end.stop_reason is not None)
        return self.store.conclude(self.records, end, self.hooks.on_summary)

    def close(self) -> None:
        if self.asker.started is not None:
            self.asker.started.close()
        for close_writer in (self.asker.close_cache, self.store.flush):
            try:
                close_writer()
            except LlmBenchError:
                pass  # already reported by finish(); nothing more to do at unconfigure
        self.store.close()
