"""One item's way through the stages: ask (or replay the resumed run's answer) -> grade -> record.

``ItemFlow`` holds what the items of a run share once collection is final: the answers a resumed run already
has, the ``--llm-target-ci`` trackers, the judge stage's watch on replies. ``BenchSession`` only wires it to
the hooks; each item's own progress is its ``ItemState``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pytest_llmbench._run.finish import RunEnd
from pytest_llmbench._run.items import ItemSpec, ItemState
from pytest_llmbench.errors import ProviderError
from pytest_llmbench.types import Completion, ErrorKind, Grade, Outcome, ResultRecord

if TYPE_CHECKING:
    from pytest_llmbench._run.ask import Asker
    from pytest_llmbench._run.callers import ProgressDisplay
    from pytest_llmbench._run.finish import RunStore
    from pytest_llmbench._run.grade import Grading
    from pytest_llmbench._run.judge import JudgeStage
    from pytest_llmbench._run.result import ItemResult
    from pytest_llmbench._run.resume import StoredAnswer
    from pytest_llmbench._run.target import TargetStopping
    from pytest_llmbench.engine.traffic import ModelTraffic


@dataclass
class ItemFlow:
    asker: Asker
    grading: Callable[[], Grading]  # made on first use: grading imports heavy modules
    judge_stage: Callable[[], JudgeStage | None]
    resumed: dict[str, StoredAnswer] = field(default_factory=dict)
    targets: TargetStopping | None = None  # --llm-target-ci (target.py)

    def start(self, items: Sequence[tuple[str, ItemSpec, bool]], store: RunStore, *, writer: bool,
              resume_run_id: int | None, progress: ProgressDisplay | None, target_ci: float | None,
              prefetch: bool) -> Counter[str]:
        """Collection is final: open storage and prefetch every selected item that asks a model; returns the
        planned items per model.

        ``items`` are (node id, spec, needs a completion) in test order, at least one.
        """
        if writer:
            store.repository()  # a database that cannot be opened fails the run before anything is asked
        self.asker.check_models(spec.model for _, spec, asks in items if asks)
        if writer:
            store.load_baseline()
            self.open_run(store)
        elif resume_run_id is not None:
            from pytest_llmbench._run import resume as resume_mod

            self.resumed = resume_mod.stored_answers(store.repository(), resume_run_id)
        planned = Counter(spec.model for _, spec, asks in items if asks)
        if progress is not None:
            progress.start(planned)
        self.begin(((nodeid, spec) for nodeid, spec, asks in items if asks), target_ci=target_ci, prefetch=prefetch)
        return planned

    def open_run(self, store: RunStore) -> int:
        """The writer's run row (a resumed run's answers are replayed); its id."""
        self.resumed = store.open_run() or self.resumed
        return store.ensure_run()

    def begin(self, items: Iterable[tuple[str, ItemSpec]], *, target_ci: float | None, prefetch: bool) -> None:
        """The asking items are known (node id, spec in test order): set the targets up and start the requests."""
        wanted = list(items)
        engine = self.asker.engine()
        if target_ci is not None:
            from pytest_llmbench._run.target import TargetStopping

            self.targets = TargetStopping(target_ci, engine.stop_model)
            self.targets.plan(spec.model for nodeid, spec in wanted if nodeid not in self.resumed)
        if prefetch:
            self.prefetch(wanted)

    def prefetch(self, items: Iterable[tuple[str, ItemSpec]]) -> None:
        """Start the requests of these items now (in order); items the resumed run already has are skipped."""
        wanted = [(nodeid, spec) for nodeid, spec in items if nodeid not in self.resumed]
        self.asker.prefetch(wanted)
        stage = self.judge_stage()
        if stage is not None:  # each reply's judge requests go out as soon as it arrives
            jobs = ((self.asker.job_for(nodeid, spec), spec) for nodeid, spec in wanted)
            stage.watch((job, spec.question, spec.grader) for job, spec in jobs if not isinstance(job, Completion))

    def result(self, state: ItemState, nodeid: str) -> ItemResult | Completion:
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
                    self.graded(state, state.completion, nodeid))
            except ProviderError as exc:  # the judge model failed: an infrastructure error, not a wrong answer
                state.completion = replace(state.completion, error=f"grading failed: {exc}", error_kind=exc.kind)
                return state.completion
        return ItemResult(state.spec.question, state.spec.model, state.completion, state.grade, state.spec.repeat)

    def graded(self, state: ItemState, completion: Completion, nodeid: str) -> Grade:
        """The item's grade; with a judge stage, also the jurors' votes and the rules' verdict beside them."""
        stage = self.judge_stage()
        if stage is None:
            return self.grading().grade(state.spec.question, completion, state.spec.grader)
        from pytest_llmbench._run.judge import judge_entries

        with stage.capture() as votes:
            try:
                grade = self.grading().grade(state.spec.question, completion, state.spec.grader, key=nodeid)
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

    def end(self, exitstatus: int, *, interrupted: bool, command: Sequence[str], planned: Mapping[str, int],
            worker_traffic: Mapping[str, ModelTraffic]) -> RunEnd:
        """The items are done: how the run ended, for the finish stage (``worker_traffic``: the xdist workers',
        when this process made no engine); then the judge stage and the engine are closed."""
        engine, targets, traffic = self.asker.started, self.targets, self.asker.traffic()
        end = RunEnd(exitstatus, interrupted, command, engine.stop_reason if engine else None,
                     planned, self.asker.notes(), worker_traffic if traffic is None else traffic,
                     targets.reports() if targets is not None else None)
        stage = self.judge_stage()
        if stage is not None:
            stage.close()
        self.asker.close()
        return end
