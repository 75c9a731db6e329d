"""The finish stage and the run's storage: the run row, the results as they arrive, and at the end the
summary, the gates, the comparison with the baseline, the stored totals and the file reports.

Only the writer (the single process, or the xdist controller) has a ``RunStore``'s run; workers only read
the answers of a resumed run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_llmbench.config import Settings
from pytest_llmbench.errors import LlmBenchError, UnstoredResults, UsageError
from pytest_llmbench.types import Completion, ResultRecord

if TYPE_CHECKING:
    from pytest_llmbench._run.resume import StoredAnswer
    from pytest_llmbench.engine.traffic import ModelTraffic
    from pytest_llmbench.outcome.summary import RunSummary
    from pytest_llmbench.stats import TargetReport
    from pytest_llmbench.storage.repository import Repository
    from pytest_llmbench.storage.spool import Spooled
    from pytest_llmbench.storage.writer import BatchWriter


@dataclass(frozen=True)
class RunEnd:
    """How the run ended, as the finish stage needs it (see ``RunStore.summarize`` for each field)."""

    exitstatus: int
    interrupted: bool = False
    command: Sequence[str] = ()
    stop_reason: str | None = None
    planned: Mapping[str, int] = field(default_factory=dict)
    notes: Sequence[str] = ()
    traffic: Mapping[str, ModelTraffic] | None = None
    targets: Mapping[str, TargetReport] | None = None


@dataclass
class RunStore:
    settings: Settings
    rootdir: Path
    models: tuple[str, ...]
    dataset_origins: dict[str, str]
    #: test node id -> the settings it ran with (markers applied); filled at collection, or from xdist workers
    benchmarks: dict[str, dict[str, Any]] = field(default_factory=dict)
    run_id: int | None = None
    run_name: str | None = None
    baseline_run: int | None = None
    baseline_records: list[ResultRecord] = field(default_factory=list)
    #: told once when results stop reaching the database, so the session stops asking (``BenchSession.stop``)
    on_failure: Callable[[str], None] | None = None
    #: results the database would not take at the end; raised by ``persist`` once the run's end is stored
    unstored: UnstoredResults | None = None
    notes: list[str] = field(default_factory=list)  # for the summary: what was kept for the resume
    _unstored_records: list[ResultRecord] = field(default_factory=list)
    _waiting: dict[str, Completion] = field(default_factory=dict)  # fetched answers no test graded
    _repo: Repository | None = None
    _results: BatchWriter[ResultRecord] | None = None

    def repository(self) -> Repository:
        if self._repo is None:
            from pytest_llmbench.storage.repository import Repository

            self._repo = Repository(self.settings.db, base_dir=self.rootdir)
        return self._repo

    def load_baseline(self) -> None:
        """Read the baseline run before this run's row exists, so 'latest' means the run before this one."""
        ref = self.settings.baseline
        if ref is None or self.baseline_run is not None:
            return
        info = self.repository().get_run(ref)
        self.baseline_run = info.id
        self.baseline_records = self.repository().results(info.id)
        if not self.baseline_records:
            raise UsageError(f"Baseline run {info.id} ({info.name}) has no stored results to compare with.")

    def open_run(self) -> dict[str, StoredAnswer]:
        """The run, before anything is asked: a new one, or the one ``--llm-resume`` names, reopened; returns
        the answers a resumed run already has."""
        resumed: dict[str, StoredAnswer] = {}
        if self.run_id is None and self.settings.resume:
            from pytest_llmbench._run import resume as resume_mod

            run = resume_mod.reopen(self.repository(), self.settings.resume, self.settings)
            self.run_id, self.run_name = run.id, run.name
            spooled = self._spool_load(run.id)
            # What a full disk kept out, stored now; like the stored ones, results without an answer are asked again.
            self.repository().add_results(run.id, [r for r in spooled.results if r.error is None])
            resumed = resume_mod.stored_answers(self.repository(), run.id)
            for nodeid, completion in spooled.answers.items():  # paid for, never graded: graded, not asked
                resumed.setdefault(nodeid, resume_mod.StoredAnswer(completion, None))
        self.ensure_run()
        return resumed

    def facts(self) -> dict[str, Any]:
        """The run row's dataset, grader and sample as the benchmark tests really ran (a marker's values, not
        the session defaults); several tests that differ are listed, ``; ``-separated."""
        s = self.settings
        if not self.benchmarks:
            return {"dataset": s.dataset, "grader": s.grader, "sample": None if s.sample is None else str(s.sample)}

        def joined(key: str) -> str:
            return "; ".join(dict.fromkeys(str(b[key]) for b in self.benchmarks.values()))

        sample = joined("sample")
        return {"dataset": joined("dataset"), "grader": joined("grader"), "sample": None if sample == "all" else sample}

    def ensure_run(self) -> int:
        if self.run_id is None:
            s = self.settings
            self.run_name = s.run_name or dt.datetime.now().strftime("run-%Y%m%d-%H%M%S")
            self.run_id = self.repository().start_run(
                name=self.run_name, models=list(self.models), **self.facts(), seed=s.seed,
                config={**s.snapshot(), "benchmarks": self.benchmarks},
                dataset_origin="; ".join(self.dataset_origins.values()) or None,
                shard=f"{s.shard.index}/{s.shard.total}" if s.shard else None,
            )
        return self.run_id

    def write(self, record: ResultRecord) -> None:
        if self._results is None:
            from pytest_llmbench.storage.writer import BatchWriter

            run_id, repo = self.ensure_run(), self.repository()
            self._results = BatchWriter(lambda batch: repo.add_results(run_id, batch), name="llmbench-results",
                                        on_failure=self._write_failed)
        self._results.add(record)  # written within 0.2 s, in batches (see storage/writer.py)

    def _write_failed(self, exc: BaseException) -> None:
        if self.on_failure is not None:  # nothing more is asked; what arrives is kept and written later
            self.on_failure(f"results cannot be stored: {str(exc).rstrip('.')}")

    def flush(self) -> None:
        """Write the results still pending. What the database will not take even now is spooled (see
        ``storage/spool.py``) and kept in ``unstored`` for ``persist`` to raise after the run's end; never raises."""
        writer, self._results = self._results, None
        if writer is None:
            return
        try:
            writer.close()
        except (LlmBenchError, OSError) as exc:
            self.unstored = self._keep_unstored(writer.unwritten(), exc)

    def _keep_unstored(self, records: list[ResultRecord], exc: BaseException) -> UnstoredResults:
        reason = (f"{exc.strerror or exc}" if isinstance(exc, OSError) else str(exc)).rstrip(".")
        # Only answers are worth keeping: an item without one (stopped once the writes failed, an HTTP error)
        # is asked again by the resume, like such an item stored.
        self._unstored_records = [r for r in records if r.error is None]
        kept = len(self._unstored_records)
        if kept:
            try:
                path = self._save_spool()
            except OSError:
                pass
            else:
                return UnstoredResults(f"{reason}; {kept} result{'s are' if kept != 1 else ' is'} kept in {path}: "
                                       "free the space, then --llm-resume=last stores them without asking again.")
            self._unstored_records = []
        count = f"{len(records)} result{'s' if len(records) != 1 else ''}"
        return UnstoredResults(f"{reason}; {count} could not be stored or kept: free the space, then "
                               f"--llm-resume=last asks only those {len(records)} again.")

    def keep_answers(self, fetched: Mapping[str, Completion], resumed: Mapping[str, StoredAnswer],
                     records: Sequence[ResultRecord], *, resumable: bool) -> None:
        """At the end: answers the provider sent that no test graded (a signal, -x or a stop came first) are
        spooled for the resume when the run can be resumed; a run that cannot be is done with its spool."""
        if self.run_id is None:
            return
        from pytest_llmbench.storage import spool

        recorded = {r.nodeid for r in records}
        waiting = {k: a.completion for k, a in resumed.items() if a.grade is None and k not in recorded}
        waiting.update((k, c) for k, c in fetched.items() if c.ok and k not in recorded)
        resumable = resumable or bool(self._unstored_records)  # not every result is stored: it is resumed
        self._waiting = waiting if resumable else {}
        if not self._waiting:
            if not self._unstored_records:  # nothing (more) to keep: an earlier session's spool is done with
                spool.discard(spool.paths(self.settings.db, self.rootdir, self.run_id))
            return
        try:
            path = self._save_spool()
        except OSError as exc:
            self.notes.append(f"{len(waiting)} fetched answer(s) could not be kept for the resume "
                              f"({exc.strerror or exc}); --llm-resume asks them again.")
            return
        self.notes.append(f"{len(waiting)} answer(s) fetched but not graded before the end are kept in {path}: "
                          "--llm-resume grades them without asking again.")

    def _save_spool(self) -> Path:
        from pytest_llmbench.storage import spool

        return spool.save(self.settings.db, self.rootdir, self.ensure_run(), self._unstored_records, self._waiting)

    def _spool_load(self, run_id: int) -> Spooled:
        from pytest_llmbench.storage import spool

        return spool.load(self.settings.db, self.rootdir, run_id)

    def summarize(
        self, records: Sequence[ResultRecord], stop_reason: str | None,
        planned: Mapping[str, int] | None = None, *,
        traffic: Mapping[str, ModelTraffic] | None = None, notes: Sequence[str] = (),
        targets: Mapping[str, TargetReport] | None = None,
    ) -> RunSummary:
        """The summary of the run, with its statistics, the baseline comparison and the gates.

        ``planned``: the items per model the run set out to ask (a stopped run's models are flagged partial
        against it); ``traffic``: the engine's per-model counters (or, on the xdist controller, the workers');
        ``notes``: the engine's, such as which catalog priced the run; ``targets``: where --llm-target-ci
        stopped each model.
        """
        from pytest_llmbench.outcome import baseline as baseline_mod
        from pytest_llmbench.outcome.gates import evaluate_gates
        from pytest_llmbench.outcome.statistics import build_statistics
        from pytest_llmbench.outcome.summary import RunSummary, mark_partial

        summary = RunSummary.from_records(
            records, run_id=self.run_id, run_name=self.run_name, dataset=self.facts()["dataset"],
            dataset_origin="; ".join(self.dataset_origins.values()) or None, budget=self.settings.max_cost,
            stop_reason=stop_reason if stop_reason and stop_reason != "the session ended" else None,
            traffic=dict(traffic or {}), notes=list(notes),
        )
        mark_partial(summary, records, planned or {})
        summary.statistics = build_statistics(records, cluster=self.settings.cluster, seed=self.settings.seed,
                                              targets=targets, half_width=self.settings.target_ci)
        extra = []
        if self.baseline_run is not None:
            summary.baseline = baseline_mod.compare(records, self.baseline_records, self.baseline_run)
            extra = baseline_mod.gates(summary.baseline, self.settings.max_regression or 0.0)
        summary.gates = evaluate_gates(self.settings, summary.models, extra, statistics=summary.statistics)
        return summary

    def conclude(
        self, records: Sequence[ResultRecord], end: RunEnd, on_summary: Callable[[RunSummary], None],
    ) -> RunSummary | None:
        """The writer's end of the run: the summary (told to ``on_summary``), stored with the reports; a run
        that got no result is closed or dropped instead (None)."""
        if not records:
            self.close_empty_run(end.interrupted)
            return None
        summary = self.summarize(records, end.stop_reason, end.planned, notes=end.notes, traffic=end.traffic,
                                 targets=end.targets)
        on_summary(summary)
        self.persist(summary, interrupted=end.interrupted, command=end.command, exitstatus=end.exitstatus)
        return summary

    def persist(self, summary: RunSummary, *, interrupted: bool, command: Sequence[str], exitstatus: int) -> None:
        """Store the run's end (status, totals, performance) and write the file reports; then raise
        ``unstored`` if results could not be stored (the run is left resumable, the sentence says how)."""
        summary.notes += self.notes
        if self.unstored is None:
            self._persist(summary, interrupted=interrupted, command=command, exitstatus=exitstatus)
            return
        try:
            self._persist(summary, interrupted=True, command=command, exitstatus=exitstatus)
        except (LlmBenchError, OSError):
            pass  # the database that refused the results refuses the run's end too: the sentence below says it
        raise self.unstored

    def _persist(self, summary: RunSummary, *, interrupted: bool, command: Sequence[str], exitstatus: int) -> None:
        from pytest_llmbench._run import resume as resume_mod
        from pytest_llmbench.outcome.summary import performance_row, totals
        from pytest_llmbench.report.files import write_reports

        repo = self.repository()
        run_id = self.ensure_run()
        if interrupted:
            summary.notes.append(f"interrupted: resume with {resume_mod.resume_command(command, run_id)}")
        if summary.dataset_origin:
            repo.update_run(run_id, dataset_origin=summary.dataset_origin)  # xdist: learnt from the workers
        if self.benchmarks:  # the xdist controller opened the run before any worker had collected
            config = {**self.settings.snapshot(), "benchmarks": self.benchmarks}
            repo.update_run(run_id, **self.facts(), config=config)
        repo.save_performance(run_id, [performance_row(m) for m in summary.models])
        # A run that stopped early (402, 401, the budget) is not "completed": it can be resumed once fixed.
        status = "interrupted" if interrupted else "stopped" if summary.stop_reason else "completed"
        repo.finish_run(run_id, status=status, totals=totals(summary),
                        exit_status=exitstatus)
        if self.settings.report:
            summary.notes += write_reports(repo, run_id, self.settings.report, live=summary,
                                           failures=summary.report_failures)

    def close_empty_run(self, interrupted: bool) -> None:
        """A run opened early (xdist controller, resume) that got no result: interrupted, or never used."""
        if self.run_id is None:
            return
        if interrupted or self.settings.resume or self._waiting:  # kept answers need the run to resume
            status = "interrupted" if interrupted or self._waiting else "completed"
            self.repository().update_run(self.run_id, status=status)
        else:
            from pytest_llmbench.storage.maintenance import delete_run

            delete_run(self.repository(), self.run_id)
            self.run_id = None

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()
