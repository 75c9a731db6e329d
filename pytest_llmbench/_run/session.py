"""``BenchSession``: one per pytest session, created in ``pytest_configure``, doing the work the hooks delegate.

It turns marker and option settings into items, hands their requests to the engine once collection is final,
turns completions into grades and records, stores records (only where this process is the writer: the
single process, or the xdist controller) and builds the summary and the gates at the end.
Nothing here is opened before the first item that uses the plugin: a project that never requests an
``llm_*`` fixture gets no database, no engine and no output.

Nor does it import them: a ``BenchSession`` is made in every pytest run where the plugin is installed, so the
modules behind storage, the engine, providers, grading, datasets and reports (SQLAlchemy, httpx, rich,
rapidfuzz, ...) are imported inside the methods that first need them, and named at module level only for type
checking.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_llmbench._run.items import MARKER_KEYS, ItemSpec, build_specs, in_shard, make_request
from pytest_llmbench.config import SIMULATED_PREFIX, Settings, default_models
from pytest_llmbench.errors import ItemNotAsked, LlmBenchError, LlmBenchWarning, ProviderError, UsageError
from pytest_llmbench.types import ChatRequest, Completion, Grade, Message, Outcome, Question, ResultRecord

if TYPE_CHECKING:
    from pytest_llmbench._plugin.progress import ProgressDisplay
    from pytest_llmbench._run.grade import Grading
    from pytest_llmbench._run.result import ItemResult
    from pytest_llmbench._run.resume import StoredAnswer
    from pytest_llmbench.engine.core import Engine, Job
    from pytest_llmbench.engine.traffic import ModelTraffic
    from pytest_llmbench.grading import Grader
    from pytest_llmbench.kinds import RequestKinds
    from pytest_llmbench.outcome.summary import RunSummary
    from pytest_llmbench.prompts import Template
    from pytest_llmbench.providers.base import Provider
    from pytest_llmbench.storage.budget import SharedBudget
    from pytest_llmbench.storage.cache import DatabaseCache
    from pytest_llmbench.storage.repository import Repository
    from pytest_llmbench.storage.run_catalog import RunCatalog
    from pytest_llmbench.storage.writer import BatchWriter


@dataclass
class ItemState:
    """What one item went through, kept on the item until its report is made."""

    spec: ItemSpec
    completion: Completion | None = None
    grade: Grade | None = None
    recorded: bool = False


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
    run_id: int | None = None
    run_name: str | None = None
    interrupted: bool = False
    baseline_run: int | None = None
    baseline_records: list[ResultRecord] = field(default_factory=list)
    other_failures: int = 0
    progress: ProgressDisplay | None = None
    command: tuple[str, ...] = ()  # the session's arguments, for the resume hint
    resume_run_id: int | None = None  # an xdist worker of a resumed run: which run's answers to replay
    budget_pool: str | None = None  # an xdist worker: the database row of the run's shared budget
    worker_traffic: dict[str, ModelTraffic] = field(default_factory=dict)  # the xdist controller: the workers'
    resumed: dict[str, StoredAnswer] = field(default_factory=dict)
    _engine: Engine | None = None
    _catalog: RunCatalog | None = None
    _repo: Repository | None = None
    _cache: DatabaseCache | None = None
    _results: BatchWriter[ResultRecord] | None = None
    _questions_by_prompt: dict[str, Question] = field(default_factory=dict)
    _datasets: dict[tuple[Any, ...], list[Question]] = field(default_factory=dict)
    _grading: Grading | None = None
    _templates: dict[str, Template] = field(default_factory=dict)
    _jobs: dict[str, Job | Completion] = field(default_factory=dict)
    _marker_models: dict[str, None] = field(default_factory=dict)  # models named only by a marker, in order
    _kinds: RequestKinds | None = None
    _messages: dict[tuple[str, str, str], list[Message]] = field(default_factory=dict)

    # --- configuration -------------------------------------------------------------------------------

    def check_available(self) -> None:
        """Combinations of options that cannot work together."""
        if self.settings.max_regression is not None and self.settings.baseline is None:
            raise UsageError("--llm-max-regression needs --llm-baseline=RUN (a run id or 'latest') to compare with.")

    @property
    def models(self) -> tuple[str, ...]:
        return default_models(self.settings)

    def _effective(self, key: str, marker: Mapping[str, Any]) -> Any:
        """Command line beats the marker; the marker beats environment, config file and defaults."""
        from_cli = self.settings.sources.get(key, "").startswith("--")
        if key in marker and not from_cli:
            return marker[key]
        return getattr(self.settings, key)

    # --- collection ----------------------------------------------------------------------------------

    def specs_for(self, marker: Mapping[str, Any]) -> list[ItemSpec]:
        """The items of one benchmark function; a problem is remembered and raised as a usage error later."""
        try:
            return self._specs_for(marker)
        except LlmBenchError as exc:
            self.usage_errors.append(str(exc))
            return []

    def _specs_for(self, marker: Mapping[str, Any]) -> list[ItemSpec]:
        from pytest_llmbench.kinds import kind_grader

        unknown = sorted(set(marker) - MARKER_KEYS)
        if unknown:
            known = ", ".join(sorted(MARKER_KEYS))
            raise UsageError(f"Unknown llmbench marker argument {unknown[0]!r}; known: {known}.")
        models_value = self._effective("models", marker)
        models = tuple(models_value) if models_value else self.models
        if isinstance(models_value, str):
            models = tuple(m.strip() for m in models_value.split(",") if m.strip())
        self._marker_models.update(dict.fromkeys(models))
        grader = str(self._effective("grader", marker))
        template = str(self._effective("template", marker))
        self.grader(grader)  # an unknown grader is a usage error now, not a failure per item
        self.template(template)
        questions = self.questions(marker)
        repeat = int(self._effective("repeat", marker))
        specs = build_specs(questions, models, grader=grader, template=template, repeat=repeat)
        # A question with a schema or tools is graded by its kind's grader when a text grader was configured.
        return [replace(s, grader=kind_grader(s.question, s.grader)) for s in specs]

    def questions(self, marker: Mapping[str, Any]) -> list[Question]:
        from pytest_llmbench import data as data_mod

        dataset = str(self._effective("dataset", marker))
        sample = self._effective("sample", marker)
        if isinstance(sample, str):
            sample = data_mod.parse_sample_size(sample)
        seed = int(self._effective("seed", marker))
        method = str(self._effective("sample_method", marker))
        stratify = self._effective("stratify", marker)
        if isinstance(stratify, str):
            stratify = tuple(s.strip() for s in stratify.split(",") if s.strip())
        key = (dataset, sample, seed, method, tuple(stratify), self._effective("category", marker),
               tuple(self._effective("rounds", marker)))
        if key not in self._datasets:
            loaded = self.hooks.load_dataset(dataset)
            if loaded is None:
                raise UsageError(f"No plugin could load dataset {dataset!r}.")
            self._datasets[key] = data_mod.sample_questions(loaded, sample, seed=seed, method=method,
                                                            stratify=tuple(stratify))
        return self._datasets[key]

    def load_dataset(self, name: str) -> list[Question]:
        """The built-in loader (the last implementation of ``pytest_llmbench_load_dataset``)."""
        from pytest_llmbench import data as data_mod

        options = data_mod.DataOptions(
            include_media=self.settings.include_media,
            allow_download=not all(m.startswith(SIMULATED_PREFIX) for m in self.models),
            category=self.settings.category,
            rounds=self.settings.rounds,
        )
        loaded = data_mod.load_dataset(name, base_dir=self.rootdir, options=options)
        origin, report = loaded.origin, loaded.report
        if report.bad_rows:  # a dropped question is said, with file and line, never lost silently
            first = f", first {report.examples[0]}" if report.examples else ""
            origin += f"; {report.bad_rows} unusable row(s) left out{first}"
        self.dataset_origins[loaded.name] = origin
        return loaded.questions

    @property
    def grading(self) -> Grading:
        if self._grading is None:
            from pytest_llmbench._run.grade import Grading

            self._grading = Grading(hook=self.hooks.grade, judge=self.engine_call,
                                    judge_model=self.settings.judge_model)
        return self._grading

    def grader(self, name: str) -> Grader:
        return self.grading.grader(name)

    def template(self, name: str) -> Template:
        if name not in self._templates:
            from pytest_llmbench.prompts import load_template

            self._templates[name] = load_template(name, self.rootdir)
        return self._templates[name]

    def messages(self, spec: ItemSpec) -> list[Message]:
        key = (spec.question.key, spec.model, spec.template)
        built = self._messages.get(key)
        if built is None:
            built = self.hooks.build_messages(spec.question, spec.model, spec.template)
            if built is None:
                built = self.template(spec.template).render(spec.question)
            self._messages[key] = built
        return built

    @staticmethod
    def _prompt_key(messages: Sequence[Message]) -> str:
        from pytest_llmbench.kinds import prompt_key

        return prompt_key(messages)

    def kinds(self) -> RequestKinds:
        if self._kinds is None:
            from pytest_llmbench.kinds import MB, MediaLimits, RequestKinds

            s = self.settings
            limits = MediaLimits(max_image_bytes=int(s.max_image_mb * MB), pdf_max_pages=s.pdf_max_pages,
                                 pdf_mode=s.pdf)
            self._kinds = RequestKinds(limits, info=lambda model: self.catalog().info(model))
        return self._kinds

    def request_for(self, spec: ItemSpec) -> ChatRequest:
        """The request for an item; raises ``ItemNotAsked`` when its question cannot be sent to its model."""
        from pytest_llmbench.providers.routing import with_routing

        template = self.template(spec.template)
        params = with_routing(dict(template.params), self.settings.provider)
        request = make_request(spec, self.messages(spec), params, stream=self.settings.stream)
        request = self.kinds().prepare(spec.question, request)
        if spec.model.startswith(SIMULATED_PREFIX):  # only simulated models look their answer up by prompt
            self._questions_by_prompt.setdefault(self._prompt_key(request.messages), spec.question)
        return request

    def job_for(self, nodeid: str, spec: ItemSpec) -> Job | Completion:
        """The engine job of an item, or the completion saying why it is not asked (skip or input error)."""
        job = self._jobs.get(nodeid)
        if job is None:
            from pytest_llmbench.engine.core import Job

            try:
                job = Job(nodeid, self.request_for(spec))
            except ItemNotAsked as exc:
                job = Completion(model=spec.model, error=str(exc), error_kind=exc.kind, attempts=0)
            self._jobs[nodeid] = job
        return job

    def start(self, items: Sequence[tuple[str, ItemSpec, bool]]) -> None:
        """Collection is final: open storage and prefetch every selected item that asks a model.

        ``items`` are (node id, spec, needs a completion) in test order.
        """
        if self.usage_errors:
            raise UsageError(self.usage_errors[0])
        if not items:
            return
        if self.writer:
            self.repository()  # a database that cannot be opened fails the run before anything is asked
        asked = list(dict.fromkeys(spec.model for _, spec, asks in items if asks))
        for problem in self.catalog().check(asked, strict=self.settings.strict_models):
            warnings.warn(LlmBenchWarning(problem), stacklevel=1)
        if self.writer:
            self.load_baseline()
            self.open_run()
        elif self.resume_run_id is not None:
            from pytest_llmbench._run import resume as resume_mod

            self.resumed = resume_mod.stored_answers(self.repository(), self.resume_run_id)
        if self.progress is not None:
            self.progress.start(Counter(spec.model for _, spec, asks in items if asks))
        self.engine()
        if self.prefetch:
            self.prefetch_items((nodeid, spec) for nodeid, spec, asks in items if asks)

    def prefetch_items(self, items: Iterable[tuple[str, ItemSpec]]) -> None:
        """Start the requests of these items now (in order); items the resumed run already has are skipped."""
        jobs = (self.job_for(nodeid, spec) for nodeid, spec in items if nodeid not in self.resumed)
        self.engine().submit(job for job in jobs if not isinstance(job, Completion))

    def open_run(self) -> int:
        """The writer's run, before anything is asked: a new one, or the one ``--llm-resume`` names, reopened."""
        if self.run_id is None and self.settings.resume:
            from pytest_llmbench._run import resume as resume_mod

            run = resume_mod.reopen(self.repository(), self.settings.resume, self.settings)
            self.run_id, self.run_name = run.id, run.name
            self.resumed = resume_mod.stored_answers(self.repository(), run.id)
        return self.ensure_run()

    def estimate(self, items: Sequence[tuple[str, ItemSpec, bool]]) -> str:
        """``--llm-estimate``: the expected cost of the items that would ask a model; sends and stores nothing."""
        from pytest_llmbench._run.estimate import EstimateItem, catalog_for_estimate, estimate, render_estimate

        price_of, catalog = catalog_for_estimate(self.settings.db, self.rootdir)
        result = estimate(
            (
                EstimateItem(spec.model, self.messages(spec), spec.template,
                             self.template(spec.template).params.get("max_tokens"))
            for _, spec, asks in items if asks
            ),
            price_of,
        )
        result.catalog = catalog
        return render_estimate(result, budget=self.settings.max_cost)

    def select_shard(self, nodeid: str) -> bool:
        shard = self.settings.shard
        return shard is None or in_shard(nodeid, shard.index, shard.total)

    # --- the engine and storage ------------------------------------------------------------------------

    def repository(self) -> Repository:
        if self._repo is None:
            from pytest_llmbench.storage.repository import Repository

            self._repo = Repository(self.settings.db, base_dir=self.rootdir)
        return self._repo

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._make_engine()
        return self._engine

    def _make_engine(self) -> Engine:
        from pytest_llmbench.engine.core import Engine, EngineSettings
        from pytest_llmbench.engine.pricing import CatalogPrices
        from pytest_llmbench.providers.simulated import SimulatedProvider
        from pytest_llmbench.storage.cache import DatabaseCache

        s = self.settings
        # A marker may name models the command line does not: they need their provider (and prices) too.
        models = tuple(dict.fromkeys((*self.models, *self._marker_models)))
        providers: list[Provider] = [SimulatedProvider(self._question_for)]
        if any(not m.startswith(SIMULATED_PREFIX) for m in models):
            providers.append(self._openrouter(models))
        if s.cache != "off":
            self._cache = DatabaseCache(self.repository().engine)
        # Catalog prices reserve the budget and cost unbilled answers (marked estimated).
        costs = CatalogPrices(self.catalog().models)
        return Engine(
            providers,
            EngineSettings(concurrency=s.concurrency, per_model_concurrency=s.model_concurrency or None, rpm=s.rpm,
                           timeout=s.timeout, retries=s.retries, max_cost=s.max_cost, cache_mode=s.cache),
            cache=self._cache,
            costs=costs,
            budget=self._shared_budget(),
        )

    def _shared_budget(self) -> SharedBudget | None:
        if self.budget_pool is None or self.settings.max_cost is None:
            return None
        from pytest_llmbench.storage.budget import SharedBudget

        return SharedBudget(self.repository().engine, self.budget_pool, self.settings.max_cost)

    def catalog(self) -> RunCatalog:
        """The session's one model catalog (see ``storage/run_catalog.py``), resolved on first use."""
        if self._catalog is None:
            from pytest_llmbench.storage.run_catalog import catalog_for_run

            s, models = self.settings, tuple(dict.fromkeys((*self.models, *self._marker_models)))
            self._catalog = catalog_for_run(models, db=self.repository, base_url=s.base_url, api_key=s.api_key)
        return self._catalog

    def _openrouter(self, models: Sequence[str]) -> Provider:
        from pytest_llmbench.providers.openrouter import OpenRouterProvider

        s = self.settings
        if not s.api_key and "base_url" not in s.sources:
            real = [m for m in models if not m.startswith(SIMULATED_PREFIX)]
            raise UsageError(
                f"OPENROUTER_API_KEY is not set: set it (or put it in .env) to ask {', '.join(real)}, "
                f"or choose simulated models such as --llm-models=sim/strong."
            )
        from pytest_llmbench.engine.workers import available_cpus
        from pytest_llmbench.providers import _remote

        if s.concurrency >= _remote.REMOTE_FROM and available_cpus() > 1:
            return _remote.RemoteProvider(s.api_key, s.base_url, s.concurrency)
        return OpenRouterProvider.for_concurrency(s.api_key, s.concurrency, s.base_url)

    def _question_for(self, request: ChatRequest) -> Question | None:
        return self._questions_by_prompt.get(self._prompt_key(request.messages))

    def engine_call(self, request: ChatRequest) -> Completion:
        return self.engine().call(request)

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

    def ensure_run(self) -> int:
        if self.run_id is None:
            s = self.settings
            self.run_name = s.run_name or dt.datetime.now().strftime("run-%Y%m%d-%H%M%S")
            self.run_id = self.repository().start_run(
                name=self.run_name, models=list(self.models), dataset=s.dataset, grader=s.grader, seed=s.seed,
                sample=None if s.sample is None else str(s.sample), config=s.snapshot(),
                dataset_origin="; ".join(self.dataset_origins.values()) or None,
                shard=f"{s.shard.index}/{s.shard.total}" if s.shard else None,
            )
        return self.run_id

    # --- running items -------------------------------------------------------------------------------

    def complete(self, nodeid: str, spec: ItemSpec) -> Completion:
        stored = self.resumed.get(nodeid)
        if stored is not None:
            return stored.completion
        job = self.job_for(nodeid, spec)
        if isinstance(job, Completion):
            return job
        return self.kinds().annotate(spec.question, self.engine().result(job))

    def grade(self, spec: ItemSpec, completion: Completion) -> Grade:
        return self.grading.grade(spec.question, completion, spec.grader)

    def item_result(self, state: ItemState, nodeid: str) -> ItemResult | Completion:
        """Ask (or collect the prefetched answer) and grade; a failed completion is returned as is."""
        from pytest_llmbench._run.result import ItemResult

        if state.completion is None:
            state.completion = self.complete(nodeid, state.spec)
        if not state.completion.ok:
            return state.completion
        if state.grade is None:
            stored = self.resumed.get(nodeid)
            try:
                state.grade = stored.grade if stored is not None and stored.grade is not None else self.grade(
                    state.spec, state.completion)
            except ProviderError as exc:  # the judge model failed: an infrastructure error, not a wrong answer
                state.completion = replace(state.completion, error=f"grading failed: {exc}", error_kind=exc.kind)
                return state.completion
        return ItemResult(state.spec.question, state.spec.model, state.completion, state.grade, state.spec.repeat)

    def stop(self, reason: str) -> None:
        if self._engine is not None:
            self._engine.stop(reason)

    def record_for(self, state: ItemState, nodeid: str, outcome: Outcome) -> ResultRecord:
        from pytest_llmbench._run.record import to_record

        assert state.completion is not None
        spec = state.spec
        job = self._jobs.get(nodeid)
        sent = None if job is None or isinstance(job, Completion) else job.request.messages
        return to_record(spec.question, spec.model, spec.grader, spec.repeat, state.completion, state.grade,
                         nodeid=nodeid, outcome=outcome, messages=sent)

    def record(self, record: ResultRecord) -> None:
        """A finished item reached the writer: keep it, store it now, tell observers."""
        self.records.append(record)
        if self.progress is not None:
            self.progress.update(record)
        if self.writer:
            if self._results is None:
                from pytest_llmbench.storage.writer import BatchWriter

                run_id, repo = self.ensure_run(), self.repository()
                self._results = BatchWriter(lambda batch: repo.add_results(run_id, batch), name="llmbench-results")
            self._results.add(record)  # written within 0.2 s, in batches (see _writer)
        self.hooks.on_result(record)

    # --- the end -------------------------------------------------------------------------------------

    def finish(self, exitstatus: int) -> RunSummary | None:
        if self.progress is not None:
            self.progress.close()
        stop_reason = self._engine.stop_reason if self._engine else None
        traffic = self._engine.traffic() if self._engine else dict(self.worker_traffic)
        engine_notes = self._engine.unpriced.notes() if self._engine else []
        if self._catalog is not None and self._catalog.answer is not None:
            engine_notes.insert(0, self._catalog.describe())
        if self._engine is not None:
            self._engine.close()
        if self._cache is not None:
            self._cache.close()
        if self._results is not None:
            self._results.close()
        if not self.writer:
            return None
        if not self.records:
            self._close_empty_run()
            return None
        from pytest_llmbench._run import resume as resume_mod
        from pytest_llmbench.outcome import baseline as baseline_mod
        from pytest_llmbench.outcome.gates import evaluate_gates
        from pytest_llmbench.outcome.summary import RunSummary, performance_row, totals
        from pytest_llmbench.report.files import write_reports

        summary = RunSummary.from_records(
            self.records, run_id=self.run_id, run_name=self.run_name, dataset=self.settings.dataset,
            dataset_origin="; ".join(self.dataset_origins.values()) or None, budget=self.settings.max_cost,
            stop_reason=stop_reason if stop_reason and stop_reason != "the session ended" else None, traffic=traffic,
            notes=engine_notes,
        )
        extra = []
        if self.baseline_run is not None:
            summary.baseline = baseline_mod.compare(self.records, self.baseline_records, self.baseline_run)
            extra = baseline_mod.gates(summary.baseline, self.settings.max_regression or 0.0)
        summary.gates = evaluate_gates(self.settings, summary.models, extra)
        self.hooks.on_summary(summary)
        status = "interrupted" if self.interrupted else "completed"
        repo = self.repository()
        run_id = self.ensure_run()
        if self.interrupted:
            summary.notes.append(f"interrupted: resume with {resume_mod.resume_command(self.command, run_id)}")
        if summary.dataset_origin:
            repo.update_run(run_id, dataset_origin=summary.dataset_origin)  # xdist: learnt from the workers
        repo.save_performance(run_id, [performance_row(m) for m in summary.models])
        repo.finish_run(run_id, status=status, totals=totals(summary), exit_status=exitstatus)
        if self.settings.report:
            summary.notes += write_reports(repo, run_id, self.settings.report, live=summary)
        return summary

    def _close_empty_run(self) -> None:
        """A run opened early (xdist controller, resume) that got no result: interrupted, or never used."""
        if self.run_id is None:
            return
        if self.interrupted or self.settings.resume:
            self.repository().update_run(self.run_id, status="interrupted" if self.interrupted else "completed")
        else:
            from pytest_llmbench.storage.maintenance import delete_run

            delete_run(self.repository(), self.run_id)
            self.run_id = None

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
        for writer in (self._cache, self._results):
            if writer is not None:
                try:
                    writer.close()
                except LlmBenchError:
                    pass  # already reported by finish(); nothing more to do at unconfigure
        if self._repo is not None:
            self._repo.close()
