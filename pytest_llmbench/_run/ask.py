"""The ask stage: an item's messages (template or hook), its request (kinds: media, schema, tools, capability
checks), and the engine that sends it. An item that cannot be sent becomes a completion saying why, at once.

One catalog per run (``storage/run_catalog.py``) feeds the capability checks, the prices, the model-id check
and the budget; under xdist the workers share that budget through the database (``storage/budget.py``).
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_llmbench._run.items import ItemSpec, make_request
from pytest_llmbench.config import SIMULATED_PREFIX, Settings
from pytest_llmbench.errors import ItemNotAsked, LlmBenchWarning, StorageError
from pytest_llmbench.types import ChatRequest, Completion, Message, Question

if TYPE_CHECKING:
    from pytest_llmbench._run.request import RequestKinds
    from pytest_llmbench.engine.core import Engine, Job
    from pytest_llmbench.engine.limits import LimitShare
    from pytest_llmbench.engine.traffic import ModelTraffic
    from pytest_llmbench.prompts import Template
    from pytest_llmbench.storage.budget import SharedBudget
    from pytest_llmbench.storage.cache import DatabaseCache
    from pytest_llmbench.storage.repository import Repository
    from pytest_llmbench.storage.run_catalog import RunCatalog


@dataclass
class Asker:
    settings: Settings
    rootdir: Path
    build_messages: Callable[[Question, str, str], list[Message] | None]
    models: Callable[[], Sequence[str]]  # every model the run may ask, markers' included
    repository: Callable[[], Repository]
    budget_pool: str | None = None  # an xdist worker: the run's rows of the shared budget and rate limits
    _templates: dict[str, Template] = field(default_factory=dict)
    _messages: dict[tuple[str, str, str], list[Message]] = field(default_factory=dict)
    _kinds: RequestKinds | None = None
    _jobs: dict[str, Job | Completion] = field(default_factory=dict)
    _questions_by_prompt: dict[str, Question] = field(default_factory=dict)
    _engine: Engine | None = None
    _catalog: RunCatalog | None = None
    response_cache: DatabaseCache | None = None

    def template(self, name: str) -> Template:
        if name not in self._templates:
            from pytest_llmbench.prompts import load_template

            self._templates[name] = load_template(name, self.rootdir)
        return self._templates[name]

    def messages(self, spec: ItemSpec) -> list[Message]:
        key = (spec.question.key, spec.model, spec.template)
        built = self._messages.get(key)
        if built is None:
            built = self.build_messages(spec.question, spec.model, spec.template)
            if built is None:
                built = self.template(spec.template).render(spec.question)
            self._messages[key] = built
        return built

    def kinds(self) -> RequestKinds:
        if self._kinds is None:
            from pytest_llmbench._run.media import MB, MediaLimits
            from pytest_llmbench._run.request import RequestKinds

            s = self.settings
            limits = MediaLimits(max_image_bytes=int(s.max_image_mb * MB), pdf_max_pages=s.pdf_max_pages,
                                 pdf_mode=s.pdf)
            self._kinds = RequestKinds(limits, info=lambda model: self.catalog().info(model))
        return self._kinds

    def request_for(self, spec: ItemSpec) -> ChatRequest:
        """The request for an item; raises ``ItemNotAsked`` when its question cannot be sent to its model."""
        from pytest_llmbench._run.request import prompt_key
        from pytest_llmbench.providers.routing import with_routing

        template = self.template(spec.template)
        params = with_routing(dict(template.params), self.settings.provider)
        request = make_request(spec, self.messages(spec), params, stream=self.settings.stream)
        request = self.kinds().prepare(spec.question, request)
        if spec.model.startswith(SIMULATED_PREFIX):  # only simulated models look their answer up by prompt
            self._questions_by_prompt.setdefault(prompt_key(request.messages), spec.question)
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

    def sent(self, nodeid: str) -> Sequence[Message] | None:
        """The messages an item's request carried; None when it was not asked (a skip, an input error)."""
        job = self._jobs.get(nodeid)
        return None if job is None or isinstance(job, Completion) else job.request.messages

    def prefetch(self, items: Iterable[tuple[str, ItemSpec]]) -> None:
        """Start the requests of these items now, in order."""
        jobs = (self.job_for(nodeid, spec) for nodeid, spec in items)
        self.engine().submit(job for job in jobs if not isinstance(job, Completion))

    def complete(self, nodeid: str, spec: ItemSpec) -> Completion:
        job = self.job_for(nodeid, spec)
        if isinstance(job, Completion):
            return job
        return self.kinds().annotate(spec.question, self.engine().result(job))

    def fetched(self) -> dict[str, Completion]:
        """Node id -> each item's answer the provider sent this session (see ``Engine.fetched``); the judge's
        and ``llm_client``'s calls are not items."""
        fetched = self._engine.fetched() if self._engine is not None else {}
        return {key: answer for key, answer in fetched.items() if key in self._jobs}

    def call(self, request: ChatRequest) -> Completion:
        """One ad-hoc call through the engine (the judge, ``llm_client``)."""
        return self.engine().call(request)

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._make_engine()
        return self._engine

    def _make_engine(self) -> Engine:
        from pytest_llmbench import providers
        from pytest_llmbench.engine.core import Engine, EngineSettings
        from pytest_llmbench.engine.pricing import CatalogPrices
        from pytest_llmbench.storage.cache import DatabaseCache

        s = self.settings
        models = tuple(self.models())
        if s.cache != "off":
            self.response_cache = DatabaseCache(self.repository().engine)
        built = providers.build(s, models, self._question_for)
        # Catalog prices reserve the budget and cost unbilled answers (marked estimated).
        costs = CatalogPrices(self.catalog().models)
        return Engine(
            built,
            EngineSettings(concurrency=s.concurrency, per_model_concurrency=s.model_concurrency or None, rpm=s.rpm,
                           timeout=s.timeout, retries=s.retries, max_cost=s.max_cost, cache_mode=s.cache),
            cache=self.response_cache,
            costs=costs,
            budget=self._shared_budget(),
            shared_limits=self._shared_limits(),
        )

    def _shared_budget(self) -> SharedBudget | None:
        s = self.settings
        if s.max_cost is None or (self.budget_pool is None and s.shard is None):
            return None
        from pytest_llmbench.storage.budget import SharedBudget, join_shard_pool, shard_benchmark

        engine = self.repository().engine
        pool = self.budget_pool
        if s.shard is not None:  # the shards of one benchmark on this database share its budget
            benchmark = shard_benchmark(s.shard.total, s.dataset, s.seed, s.sample, s.grader, self.models(),
                                        s.max_cost)
            pool = join_shard_pool(engine, benchmark, s.shard.index, self.budget_pool or uuid.uuid4().hex)
        assert pool is not None
        return SharedBudget(engine, pool, s.max_cost)

    def _shared_limits(self) -> Callable[[str, int], LimitShare] | None:
        if self.budget_pool is None:
            return None
        from pytest_llmbench.storage.shared_limits import SharedLimits, this_worker

        worker = this_worker()
        if worker is None:
            return None
        try:
            return SharedLimits(self.repository().engine, self.budget_pool, *worker).for_model
        except StorageError:  # as when the shared row fails later: this worker keeps its own limit, never crashes
            return None

    def catalog(self) -> RunCatalog:
        """The run's one model catalog (see ``storage/run_catalog.py``), resolved on first use."""
        if self._catalog is None:
            from pytest_llmbench.storage.run_catalog import catalog_for_run

            s = self.settings
            self._catalog = catalog_for_run(tuple(self.models()), db=self.repository, base_url=s.base_url,
                                            api_key=s.api_key)
        return self._catalog

    def check_models(self, models: Iterable[str]) -> None:
        """One warning per model id no catalog tier knows; under ``--llm-strict-models`` a usage error."""
        for problem in self.catalog().check(list(dict.fromkeys(models)), strict=self.settings.strict_models):
            warnings.warn(LlmBenchWarning(problem), stacklevel=1)

    def traffic(self) -> dict[str, ModelTraffic] | None:
        """The engine's per-model counters (retries, 429s, waits); None when no engine was made."""
        return self._engine.traffic() if self._engine is not None else None

    def notes(self) -> list[str]:
        """The summary's notes about what the engine priced: which catalog answered, models without a price."""
        notes = self._engine.unpriced.notes() if self._engine is not None else []
        if self._catalog is not None and self._catalog.answer is not None:
            notes.insert(0, self._catalog.describe())
        return notes

    def _question_for(self, request: ChatRequest) -> Question | None:
        from pytest_llmbench._run.request import prompt_key

        return self._questions_by_prompt.get(prompt_key(request.messages))

    def stop(self, reason: str) -> None:
        """Stop asking (a signal, -x, storage that failed): the engine, if one was made, says ``reason``."""
        if self._engine is not None:
            self._engine.stop(reason)

    def close(self) -> None:
        """The end of the run: the engine's threads and connections, then the response cache's writer."""
        if self._engine is not None:
            self._engine.close()
        self.close_cache()

    def close_cache(self) -> None:
        if self.response_cache is not None:
            self.response_cache.close()

    @property
    def started(self) -> Engine | None:
        """The engine if one was made (nothing to stop or close otherwise)."""
        return self._engine
