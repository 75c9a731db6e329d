"""pytest-xdist support: who does what when a session runs on several workers.

- **Controller** (runs no test): opens the database and creates (or, with ``--llm-resume``, reopens) the run
  before any worker starts, hands the run id to the workers through ``workerinput``, stores every result that
  arrives inside a test report, and alone builds the summary, the gates and the JUnit suite properties.
  Dataset origins, known only where questions were loaded, come back in ``workeroutput``.
- **A lost worker** (killed, out of memory, a crash in C code): xdist reports the item it was running as failed,
  with no answer in it, and gives the items still queued for it to other workers. The controller stores that
  item as an error (kind ``lost``, reported as an error too) and marks the run ``interrupted``, so
  ``--llm-resume`` asks again exactly what has no answer: the lost item, and any item xdist dropped after too
  many lost workers.
- **Worker**: runs its items and prefetches them. A worker learns its items in batches from the controller
  (``--dist load`` sends consecutive chunks), so before each test it submits every item still queued for it;
  the look-ahead is read from xdist's worker queue, with the next item (pytest's own ``nextitem``) as the
  fallback should that internal ever change.
- **One budget for the run**: the workers reserve and settle ``--llm-max-cost`` in one database row
  (``storage/budget.py``), so together they spend at most the budget and stop where a serial run would
  (within one in-flight request per worker), however unevenly the work is spread.
- **One rate limit for the run**: each model's adaptive in-flight limit is one row too
  (``storage/shared_limits.py``): a cut or a Retry-After pause one worker decides holds every worker, and the
  workers' shares of the limit add up to it. Caps, concurrency and rpm are split evenly (concurrency/N,
  rpm/N, at least 1 each): their sum never exceeds what the user set. Without a run id (no database) the
  budget is split evenly too and each worker adapts its limit alone.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_llmbench._run.items import ItemSpec
from pytest_llmbench.config import Settings
from pytest_llmbench.errors import LlmBenchError
from pytest_llmbench.types import Completion, ErrorKind, Outcome, ResultRecord

if TYPE_CHECKING:
    from pytest_llmbench._run.session import BenchSession

#: Keys in ``workerinput`` / ``workeroutput`` (builtins only cross the channel).
RUN_ID = "llmbench_run_id"
ORIGINS = "llmbench_dataset_origins"
BENCHMARKS = "llmbench_benchmarks"
TRAFFIC = "llmbench_traffic"  # per model: the worker engine's retries, 429s, waits (ModelTraffic.to_dict)

#: Returns (node id, spec) of an item that asks a model, else None.
LlmItem = Callable[[pytest.Item], tuple[str, ItemSpec] | None]


class Role(enum.Enum):
    SINGLE = "single"
    CONTROLLER = "controller"
    WORKER = "worker"


def role(config: pytest.Config) -> Role:
    """Decided in ``pytest_configure``, before xdist (``trylast``) has registered its session object."""
    if hasattr(config, "workerinput"):
        return Role.WORKER
    dist = getattr(config.option, "dist", "no")
    if dist != "no" and getattr(config.option, "tx", None) and not config.option.collectonly:
        return Role.CONTROLLER
    return Role.SINGLE


def worker_count(config: pytest.Config) -> int:
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    return max(1, int(workerinput.get("workercount", 1)))


def split_settings(settings: Settings, workers: int, *, shared_budget: bool = False) -> Settings:
    """This worker's share of the session's concurrency (total and per model), rate limit and, unless the
    workers share it through the database, budget."""
    if workers <= 1:
        return settings
    return dataclasses.replace(
        settings,
        concurrency=max(1, settings.concurrency // workers),
        model_concurrency=0 if settings.model_concurrency == 0 else max(1, settings.model_concurrency // workers),
        rpm=0 if settings.rpm == 0 else max(1, settings.rpm // workers),
        max_cost=settings.max_cost if settings.max_cost is None or shared_budget else settings.max_cost / workers,
    )


def budget_pool(config: pytest.Config, settings: Settings) -> str | None:
    """The database rows this worker's budget and rate limits live in: one pool per run, shared by all its
    workers (the budget's only when there is one)."""
    run_id = resumed_run_id(config)
    if run_id is None or worker_count(config) <= 1:
        return None
    # xdist's id of this session: a resumed run gets a fresh budget, as a serial resume does.
    session = str(getattr(config, "workerinput", {}).get("testrunuid", ""))[:16]
    return f"run:{run_id}:{session}"


def in_play(settings: Settings) -> bool:
    """The user configured the plugin (an option, environment variable or config file value): only then does
    the controller, which collects nothing, open the database before it knows whether any item uses it."""
    return bool(settings.sources)


def check_early(bench: BenchSession) -> None:
    """Usage errors the controller can see without collecting: a worker that finds one can only crash,
    so an unknown grader or template, or a missing question file, given explicitly, is reported here."""
    from pytest_llmbench.data.loader import resolve_path

    s = bench.settings
    if "models" in s.sources:
        from pytest_llmbench._run.collect import check_models

        check_models(s.models, warn=lambda text: None)  # a worker warns; a wrong sim id is an error here
    if "grader" in s.sources:
        bench.grading.grader(s.grader)
    if "template" in s.sources:
        bench.asker.template(s.template)
    if "dataset" in s.sources and Path(s.dataset).suffix:
        resolve_path(s.dataset, bench.rootdir)


class ControllerHooks:
    """Registered on the xdist controller only."""

    def __init__(self, bench: BenchSession) -> None:
        self.bench = bench

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # Ours runs before xdist's (trylast) pytest_sessionstart, which starts the workers.
        try:
            check_early(self.bench)
            if in_play(self.bench.settings):
                self.bench.flow.open_run(self.bench.store)
        except LlmBenchError as exc:
            raise pytest.UsageError(str(exc)) from None

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[RUN_ID] = self.bench.run_id

    def pytest_handlecrashitem(self, crashitem: str, report: Any, sched: Any) -> None:
        # xdist logs ``report`` right after this hook: given a record, our logreport hook stores it.
        record = lost_record(self.bench, crashitem, str(report.longrepr))
        report.when = "setup"  # a failed setup is what pytest counts as an error, as the database does
        if record is not None:
            report.llmbench = record.to_dict()

    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        if error is not None:
            self.bench.interrupted = True  # items may be lost or dropped: the run must stay resumable
        origins = getattr(node, "workeroutput", {}).get(ORIGINS)
        if isinstance(origins, dict):
            self.bench.dataset_origins.update({str(k): str(v) for k, v in origins.items()})
        benchmarks = getattr(node, "workeroutput", {}).get(BENCHMARKS)
        if isinstance(benchmarks, dict):
            self.bench.collector.benchmarks.update(benchmarks)
        traffic = getattr(node, "workeroutput", {}).get(TRAFFIC)
        if isinstance(traffic, dict):
            from pytest_llmbench.engine.traffic import merge_traffic

            merge_traffic(self.bench.worker_traffic, traffic)


class WorkerHooks:
    """Registered on xdist workers only."""

    def __init__(self, config: pytest.Config, bench: BenchSession, llm_item: LlmItem) -> None:
        self.config = config
        self.bench = bench
        self.llm_item = llm_item
        self._queue: Any = None
        self._queue_found = False

    def _pending(self) -> list[int]:
        """Indices xdist has assigned to this worker and not run yet (``WorkerInteractor.torun``)."""
        if not self._queue_found:
            self._queue_found = True
            for plugin in self.config.pluginmanager.get_plugins():
                queue = getattr(plugin, "torun", None)
                if queue is not None and callable(getattr(queue, "lock", None)):
                    self._queue = queue
                    break
        if self._queue is None:
            return []
        try:
            with self._queue.lock() as pending:
                return [i for i in pending if isinstance(i, int)]
        except Exception:  # an xdist internal changed: fall back to nextitem only
            self._queue = None
            return []

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        items = item.session.items
        ahead = [item] + ([nextitem] if nextitem is not None else [])
        ahead += [items[i] for i in self._pending() if 0 <= i < len(items)]
        self.bench.flow.prefetch(_asking(ahead, self.llm_item))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        output: dict[str, Any] = getattr(self.config, "workeroutput", {})
        output[ORIGINS] = dict(self.bench.dataset_origins)
        output[BENCHMARKS] = dict(self.bench.collector.benchmarks)
        traffic = self.bench.asker.traffic()
        if traffic is not None:
            output[TRAFFIC] = {model: t.to_dict() for model, t in traffic.items()}


def lost_record(bench: BenchSession, nodeid: str, why: str) -> ResultRecord | None:
    """The error record of an item whose worker died, found among the session's items by its parameter id.

    The controller collects nothing, so it rebuilds the items of an unmarked test (loading the dataset) only
    now; an item of a ``@pytest.mark.llmbench`` test with other settings is not found and is left absent,
    which the interrupted run's resume also asks again.
    """
    from pytest_llmbench._run.record import to_record

    param = nodeid.rpartition("[")[2].removesuffix("]") if nodeid.endswith("]") else ""
    try:
        specs = [s for s in bench.collector.specs_for({}) if s.id in param] if param else []
    except LlmBenchError:
        return None
    if not specs:
        return None
    spec = max(specs, key=lambda s: len(s.id))  # "a-q1" is in "a-q10": the longest id is the item's own
    completion = Completion(model=spec.model, error=f"{why}: its answer was lost; --llm-resume asks it again",
                            error_kind=ErrorKind.LOST, attempts=0)
    return to_record(spec.question, spec.model, spec.grader, spec.repeat, completion, None, nodeid=nodeid,
                     outcome=Outcome.ERROR)


def _asking(items: Iterable[pytest.Item], llm_item: LlmItem) -> list[tuple[str, ItemSpec]]:
    return [found for found in map(llm_item, items) if found is not None]


def resumed_run_id(config: pytest.Config) -> int | None:
    value = getattr(config, "workerinput", {}).get(RUN_ID)
    return int(value) if value is not None else None
