"""``BenchSession``: one per pytest session, made in ``pytest_configure``, the facade over the run's stages.

collect (``collect.py``: marker x settings -> items) -> ask (``ask.py``: messages, requests, the engine) ->
grade (``grade.py``) -> record (``record.py``: the stored row) -> finish (``finish.py``: storage, summary,
gates, reports). Nothing is opened before the first item that uses the plugin, and nothing heavy is imported
at module level: a ``BenchSession`` is made in every pytest run where the plugin is installed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_llmbench._run.ask import Asker
from pytest_llmbench._run.collect import Collector
from pytest_llmbench._run.finish import RunStore
from pytest_llmbench._run.items import ItemSpec, ItemState
from pytest_llmbench.config import Settings, default_models
from pytest_llmbench.errors import LlmBenchError, ProviderError, UsageError
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind, Grade, Message, Outcome, Question, ResultRecord

if TYPE_CHECKING:
    from pytest_llmbench._plugin.progress import ProgressDisplay
    from pytest_llmbench._run.estimate import Estimate
    from pytest_llmbench._run.grade import Grading
    from pytest_llmbench._run.judge import JudgeStage
    from pytest_llmbench._run.result import ItemResult
    from pytest_llmbench._run.resume import StoredAnswer
    from pytest_llmbench._run.target import TargetStopping
    from pytest_llmbench.engine.traffic import ModelTraffic
    from pytest_llmbench.grading import Grader
    from pytest_llmbench.outcome.summary import RunSummary
    from pytest_llmbench.prompts import Template


@dataclass
class Hooks:
    """The plugin's hook callers, injected so this module needs no pytest config."""

    load_dataset: Callable[[str], list[Question] | None]
    build_messages: Callable[[Question, str, str], list[Message] | None]
    grade: Callable[[Question, Completion, str], Grade | None]
    on_result: Callable[[ResultRecord], None]
    on_summary: Callable[[RunSummary], None]


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
    resumed: dict[str, StoredAnswer] = field(default_factory=dict)
    planned: Mapping[str, int] = field(default_factory=dict)  # items per model that ask, once collected
    targets: TargetStopping | None = None  # --llm-target-ci (target.py)

    # --- the stages ----------------------------------------------------------------------------------

    @cached_property
    def collector(self) -> Collector:
        return Collector(self.settings, self.rootdir, self.hooks.load_dataset, self._check_names,
                         self.usage_errors, self.dataset_origins, self._check_prompts)

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
        from pytest_llmbench._run.grade import Grading

        stage = self.judge_stage
        return Grading(hook=self.hooks.grade, judge=stage.judge if stage else self.engine_call,
                       judge_model=self.settings.judge_model)

    @cached_property
    def judge_stage(self) -> JudgeStage | None:
        """The judge stage (``judge.py``) when a judge model is configured; its engine is made on first use."""
        if not self.settings.judge_model:
            return None
        from pytest_llmbench._run.judge import JudgeStage
        from pytest_llmbench.grading import get_grader

        return JudgeStage(self.asker.engine, self.settings.judge_model,
                          prepare=lambda q, c: self.asker.kinds().annotate(q, c),
                          make_grader=lambda name, judge, model: get_grader(name, judge=judge, judge_model=model))

    @cached_property
    def store(self) -> RunStore:
        return RunStore(self.settings, self.rootdir, self.models, self.dataset_origins, self.collector.benchmarks)

    @property
    def models(self) -> tuple[str, ...]:
        return default_models(self.settings)

    @property
    def run_id(self) -> int | None:
        return self.store.run_id

    def check_available(self) -> None:
        """Combinations of options that cannot work together."""
        if self.settings.max_regression is not None and self.settings.baseline is None:
            raise UsageError("--llm-max-regression needs --llm-baseline=RUN (a run id or 'latest') to compare with.")
        if self.settings.target_ci is not None and not 0.0 < self.settings.target_ci <= 0.5:
            raise UsageError(f"--llm-target-ci must be a half-width above 0 and at most 0.5, "
                             f"got {self.settings.target_ci:g}.")
        if not 0.0 < self.settings.plan_delta < 1.0:
            raise UsageError(f"--llm-plan-delta must be a difference above 0 and below 1, "
                             f"got {self.settings.plan_delta:g}.")

    def _check_names(self, grader: str, template: str) -> None:
        self.grader(grader)  # an unknown grader or template is a usage error now, not a failure per item
        self.template(template)

    def _check_prompts(self, template: str, questions: Sequence[Question]) -> None:
        from pytest_llmbench.prompts import check_fields

        check_fields(self.template(template), questions)

    # --- collection ----------------------------------------------------------------------------------

    def specs_for(self, marker: Mapping[str, Any], test: str = "") -> list[ItemSpec]:
        return self.collector.specs_for(marker, test)

    def load_dataset(self, name: str) -> list[Question]:
        return self.collector.load_dataset(name)

    def select_shard(self, nodeid: str) -> bool:
        return self.collector.select_shard(nodeid)

    def grader(self, name: str) -> Grader:
        return self.grading.grader(name)

    def template(self, name: str) -> Template:
        return self.asker.template(name)

    def estimate(self, items: Sequence[tuple[str, ItemSpec, bool]]) -> str:
        """``--llm-estimate``: the expected cost of the items that would ask a model; sends and stores nothing."""
        from pytest_llmbench._run.estimate import render_estimate

        return render_estimate(self._estimate(items), budget=self.settings.max_cost)

    def plan(self, items: Sequence[tuple[str, ItemSpec, bool]]) -> str:
        """``--llm-plan``: questions and dollars a difference or an interval width needs; sends nothing."""
        from pytest_llmbench._run.plan import make_plan, render_plan

        result = self._estimate(items)
        s = self.settings
        plan = make_plan(result, delta=s.plan_delta, half_width=s.target_ci, repeat=s.repeat)
        return render_plan(plan, catalog=result.catalog, target_given=s.target_ci is not None)

    def _estimate(self, items: Sequence[tuple[str, ItemSpec, bool]]) -> Estimate:
        from pytest_llmbench._run.estimate import EstimateItem, catalog_for_estimate, estimate

        price_of, catalog = catalog_for_estimate(self.settings.db, self.rootdir)
        wanted = (EstimateItem(spec.model, self.asker.messages(spec), spec.template,
                               self.template(spec.template).params.get("max_tokens"))
                  for _, spec, asks in items if asks)
        result = estimate(wanted, price_of)
        result.catalog = catalog
        return result

    # --- running items -------------------------------------------------------------------------------

    def start(self, items: Sequence[tuple[str, ItemSpec, bool]]) -> None:
        """Collection is final: open storage and prefetch every selected item that asks a model.

        ``items`` are (node id, spec, needs a completion) in test order.
        """
        if self.usage_errors:
            raise UsageError(self.usage_errors[0])
        if not items:
            return
        if self.writer:
            self.store.repository()  # a database that cannot be opened fails the run before anything is asked
        self.asker.check_models(spec.model for _, spec, asks in items if asks)
        if self.writer:
            self.store.load_baseline()
            self.open_run()
        elif self.resume_run_id is not None:
            from pytest_llmbench._run import resume as resume_mod

            self.resumed = resume_mod.stored_answers(self.store.repository(), self.resume_run_id)
        self.planned = Counter(spec.model for _, spec, asks in items if asks)
        if self.progress is not None:
            self.progress.start(self.planned)
        engine = self.asker.engine()
        if self.settings.target_ci is not None:
            from pytest_llmbench._run.target import TargetStopping

            self.targets = TargetStopping(self.settings.target_ci, engine.stop_model)
            self.targets.plan(spec.model for nodeid, spec, asks in items if asks and nodeid not in self.resumed)
        if self.prefetch:
            self.prefetch_items((nodeid, spec) for nodeid, spec, asks in items if asks)

    def open_run(self) -> int:
        self.resumed = self.store.open_run() or self.resumed
        return self.store.ensure_run()

    def prefetch_items(self, items: Iterable[tuple[str, ItemSpec]]) -> None:
        """Start the requests of these items now (in order); items the resumed run already has are skipped."""
        wanted = [(nodeid, spec) for nodeid, spec in items if nodeid not in self.resumed]
        self.asker.prefetch(wanted)
        stage = self.judge_stage
        if stage is not None:  # each reply's judge requests go out as soon as it arrives
            jobs = ((self.asker.job_for(nodeid, spec), spec) for nodeid, spec in wanted)
            stage.watch((job, spec.question, spec.grader) for job, spec in jobs if not isinstance(job, Completion))

    def engine_call(self, request: ChatRequest) -> Completion:
        return self.asker.call(request)

    def item_result(self, state: ItemState, nodeid: str) -> ItemResult | Completion:
        """Ask (or collect the prefetched or resumed answer) and grade; a failed completion is returned as is."""
        from pytest_llmbench._run.result import ItemResult

        stored = self.resumed.get(nodeid)
        if state.completion is None:
            state.completion = stored.completion if stored is not None else self.asker.complete(nodeid, state.spec)
        if not state.completion.ok:
            return state.completion
        if state.grade is None:
            if stored is not None and stored.grade is not None:
                state.judges = stored.judges
            try:
                state.grade = stored.grade if stored is not None and stored.grade is not None else (
                    self._graded(state, state.completion))
            except ProviderError as exc:  # the judge model failed: an infrastructure error, not a wrong answer
                state.completion = replace(state.completion, error=f"grading failed: {exc}", error_kind=exc.kind)
                return state.completion
        return ItemResult(state.spec.question, state.spec.model, state.completion, state.grade, state.spec.repeat)

    def _graded(self, state: ItemState, completion: Completion) -> Grade:
        """The item's grade; with a judge stage, also the jurors' votes and the rules' verdict beside them."""
        stage = self.judge_stage
        if stage is None:
            return self.grading.grade(state.spec.question, completion, state.spec.grader)
        from pytest_llmbench._run.judge import judge_entries

        with stage.capture() as votes:
            try:
                grade = self.grading.grade(state.spec.question, completion, state.spec.grader)
            finally:  # a failed judge's votes are kept too: they say why the item is an error
                state.judges = judge_entries(votes, None, "") or None
        if votes:
            rules_name, rules = stage.rules_grade(state.spec.question, completion, state.spec.grader)
            state.judges = judge_entries(votes, rules, rules_name)
        return grade

    def record_for(self, state: ItemState, nodeid: str, outcome: Outcome) -> ResultRecord:
        from pytest_llmbench._run.record import to_record

        assert state.completion is not None
        spec = state.spec
        if self.targets is not None and state.completion.error_kind is not ErrorKind.STOPPED:
            self.targets.graded(spec.model, None if state.grade is None else state.grade.correct)
        return to_record(spec.question, spec.model, spec.grader, spec.repeat, state.completion, state.grade,
                         nodeid=nodeid, outcome=outcome, messages=self.asker.sent(nodeid), judges=state.judges)

    def record(self, record: ResultRecord) -> None:
        """A finished item reached the writer: keep it, store it now, tell observers."""
        self.records.append(record)
        if self.progress is not None:
            self.progress.update(record)
        if self.writer:
            self.store.write(record)
        self.hooks.on_result(record)

    def stop(self, reason: str) -> None:
        if self.asker.started is not None:
            self.asker.started.stop(reason)

    # --- the end -------------------------------------------------------------------------------------

    def finish(self, exitstatus: int) -> RunSummary | None:
        if self.progress is not None:
            self.progress.close()
        engine = self.asker.started
        stop_reason = engine.stop_reason if engine else None
        traffic, notes = self.asker.traffic(), self.asker.notes()
        if self.judge_stage is not None:
            self.judge_stage.close()
        if engine is not None:
            engine.close()
        if self.asker.response_cache is not None:
            self.asker.response_cache.close()
        self.store.flush()
        if not self.writer:
            return None
        if not self.records:
            self.store.close_empty_run(self.interrupted)
            return None
        summary = self.store.summarize(self.records, stop_reason, self.planned, notes=notes,
                                       traffic=self.worker_traffic if traffic is None else traffic,
                                       targets=self.targets.reports() if self.targets is not None else None)
        self.hooks.on_summary(summary)
        self.store.persist(summary, interrupted=self.interrupted, command=self.command, exitstatus=exitstatus)
        return summary

    def close(self) -> None:
        if self.asker.started is not None:
            self.asker.started.close()
        cache = self.asker.response_cache
        for close_writer in (cache.close if cache is not None else None, self.store.flush):
            try:
                if close_writer is not None:
                    close_writer()
            except LlmBenchError:
                pass  # already reported by finish(); nothing more to do at unconfigure
        self.store.close()
