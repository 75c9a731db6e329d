"""pytest hooks: wiring only. The work is done by ``BenchSession`` (``_run/session.py``) and the stages it uses.

The ``pytest11`` entry point (``pytest_llmbench.plugin``, which hands these names on) imports this module in
every pytest run where the plugin is installed, most of which never benchmark. So it imports only what every
run needs (options, settings, the session object, the fixtures); reports and the rest are imported inside the
hooks that have work for them, and ``BenchSession`` imports storage, the engine and providers when it first
uses them.
"""

from __future__ import annotations

import sys
import warnings
from collections import Counter
from collections.abc import Generator
from typing import Any

import pytest

from pytest_llmbench._plugin import hookspecs, progress, signals, wrong
from pytest_llmbench._plugin import xdist as _xdist
from pytest_llmbench._plugin.ending import end_failure
from pytest_llmbench._plugin.fixtures import (  # noqa: F401 - registered as fixtures by being in this module
    _llmbench_case,
    fake_openrouter,  # offered to users' own tests
    llm_client,
    llm_cost,
    llm_grader,
    llm_question,
    llm_response,
    llm_result,
)
from pytest_llmbench._plugin.keys import ESTIMATE_KEY, PLAN_KEY, SESSION_KEY, STATE_KEY, SUMMARY_KEY
from pytest_llmbench._run.callers import Hooks
from pytest_llmbench._run.collect import check_settings
from pytest_llmbench._run.items import ItemSpec, ItemState
from pytest_llmbench._run.session import BenchSession
from pytest_llmbench.config import OPTIONS, load_settings
from pytest_llmbench.errors import LlmBenchError
from pytest_llmbench.types import Outcome, ResultRecord

_LLM_FIXTURES = frozenset({"llm_result", "llm_question", "llm_response"})
_ASKING_FIXTURES = frozenset({"llm_result", "llm_response"})
#: Whether the gates let the session pass (set at session finish, read for the colour of the final line).
_GATED_OK = pytest.StashKey[bool]()
#: On an xdist worker, its items per model until its first report carries them to the controller.
_TOTALS_KEY = pytest.StashKey[dict[str, int]]()


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llmbench", "LLM benchmarking (pytest-llmbench)")
    for option in OPTIONS:
        # argparse %-formats help texts: a literal "95% lower" would read as a conversion and crash --help.
        help_text = (option.help + (f" [env {option.env}]" if option.env else "")).replace("%", "%%")
        if option.flag:
            group.addoption(option.cli, action="store_const", const="on", default=None, dest=_dest(option.name),
                            help=help_text)
        else:
            group.addoption(option.cli, action="append" if option.repeatable else "store", default=None,
                            dest=_dest(option.name), metavar=option.metavar, help=help_text)


def _dest(name: str) -> str:
    return "llm_" + name.replace("-", "_")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "llmbench(dataset=, grader=, template=, models=, sample=, seed=, stratify=, sample_method=, category=, "
        "rounds=, repeat=): benchmark settings for a test that uses llm_result / llm_question / llm_response",
    )
    cli = {o.name: getattr(config.option, _dest(o.name), None) for o in OPTIONS}
    try:
        settings = load_settings(config.rootpath, cli)
    except LlmBenchError as exc:
        raise pytest.UsageError(str(exc)) from None
    role = _xdist.role(config)
    pool = _xdist.budget_pool(config, settings) if role is _xdist.Role.WORKER else None
    if role is _xdist.Role.WORKER:
        settings = _xdist.split_settings(settings, _xdist.worker_count(config), shared_budget=pool is not None)
    hook = config.hook
    bench = BenchSession(
        settings=settings,
        rootdir=config.rootpath,
        hooks=Hooks(
            load_dataset=lambda name: hook.pytest_llmbench_load_dataset(name=name, config=config),
            build_messages=lambda q, m, t: hook.pytest_llmbench_build_messages(question=q, model=m, template=t),
            grade=lambda q, c, g: hook.pytest_llmbench_grade(question=q, completion=c, grader=g),
            on_result=lambda r: hook.pytest_llmbench_result(result=r),
            on_summary=lambda s: hook.pytest_llmbench_summary(summary=s),
        ),
        writer=role is not _xdist.Role.WORKER,
        prefetch=role is _xdist.Role.SINGLE,  # a worker prefetches what it is sent (_xdist.WorkerHooks)
        command=tuple(config.invocation_params.args),
        resume_run_id=_xdist.resumed_run_id(config),
        budget_pool=pool,
    )
    try:
        check_settings(bench.settings)
    except LlmBenchError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[SESSION_KEY] = bench
    config.pluginmanager.register(_SessionHooks(config, bench), "llmbench-session")
    if role is _xdist.Role.CONTROLLER:
        config.pluginmanager.register(_xdist.ControllerHooks(bench), "llmbench-xdist-controller")
    elif role is _xdist.Role.WORKER:
        config.pluginmanager.register(_xdist.WorkerHooks(config, bench, _asking_item), "llmbench-xdist-worker")


def pytest_unconfigure(config: pytest.Config) -> None:
    bench = config.stash.get(SESSION_KEY, None)
    if bench is not None:
        bench.close()
    summary = config.stash.get(SUMMARY_KEY, None)
    xmlpath = getattr(config.option, "xmlpath", None)
    if summary is not None and xmlpath:
        from pytest_llmbench.report.junit import add_suite_properties, suite_properties

        # junitxml has written the file in its pytest_sessionfinish; suite properties are added to it here,
        # because record_testsuite_property does not work under xdist.
        add_suite_properties(config.invocation_params.dir / xmlpath, suite_properties(summary))


# --- the plugin's own implementations of its hooks: last, so a conftest wins ----------------------------


@pytest.hookimpl(trylast=True)
def pytest_llmbench_load_dataset(name: str, config: pytest.Config) -> list[Any]:
    return config.stash[SESSION_KEY].collector.load_dataset(name)


# --- collection -----------------------------------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not _LLM_FIXTURES & set(metafunc.fixturenames):
        return
    bench = metafunc.config.stash[SESSION_KEY]
    marker = metafunc.definition.get_closest_marker("llmbench")
    if marker is not None and marker.args:
        # A positional value would otherwise be ignored and the default dataset run (or downloaded) instead.
        bench.usage_errors.append(
            f"@pytest.mark.llmbench takes keyword arguments only (dataset=, grader=, template=, ...): "
            f"{metafunc.definition.nodeid} gives {marker.args[0]!r} without a name (write dataset={marker.args[0]!r}).")
        return
    specs = bench.collector.specs_for(dict(marker.kwargs) if marker else {}, metafunc.definition.nodeid)
    if specs:
        metafunc.parametrize("_llmbench_case", specs, ids=[s.id for s in specs])


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    bench = config.stash[SESSION_KEY]
    if bench.settings.shard is None:
        return
    kept = [i for i in items if _spec(i) is None or bench.collector.select_shard(i.nodeid)]
    dropped = [i for i in items if i not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_collection_finish(session: pytest.Session) -> None:
    bench = session.config.stash[SESSION_KEY]
    llm_items = []
    for item in session.items:
        spec = _spec(item)
        if spec is None:
            continue
        asks = bool(_ASKING_FIXTURES & set(getattr(item, "fixturenames", ())))
        llm_items.append((item.nodeid, spec, asks))
    if hasattr(session.config, "workerinput"):
        # Sent with this worker's first report: the controller collects nothing, so it learns the totals so.
        session.config.stash[_TOTALS_KEY] = dict(Counter(spec.model for _, spec, asks in llm_items if asks))
    for text in [*bench.collector.warnings, *bench.collector.unused_settings()]:
        warnings.warn(pytest.PytestWarning(f"llmbench: {text}"), stacklevel=1)
    if session.config.option.collectonly:
        if bench.usage_errors:
            raise pytest.UsageError(bench.usage_errors[0])
        return  # listing items asks nothing and stores nothing
    if bench.settings.estimate or bench.settings.plan:
        if bench.usage_errors:
            raise pytest.UsageError(bench.usage_errors[0])
        if bench.settings.estimate:
            session.config.stash[ESTIMATE_KEY] = bench.estimate(llm_items)
        if bench.settings.plan:
            session.config.stash[PLAN_KEY] = bench.plan(llm_items)
        return  # an estimate or a plan sends nothing and stores nothing; pytest_runtestloop runs nothing
    try:
        bench.start(llm_items)
    except LlmBenchError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    # An estimate or a plan runs nothing, so it needs no xdist workers (which would each collect and estimate).
    runs_nothing = getattr(config.option, "llm_estimate", None) or getattr(config.option, "llm_plan", None)
    if runs_nothing and getattr(config.option, "numprocesses", None):
        config.option.numprocesses = None
        config.option.dist = "no"


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    stash = session.config.stash
    return True if ESTIMATE_KEY in stash or PLAN_KEY in stash else None


def _spec(item: pytest.Item) -> ItemSpec | None:
    callspec = getattr(item, "callspec", None)
    value = callspec.params.get("_llmbench_case") if callspec is not None else None
    return value if isinstance(value, ItemSpec) else None


def _asking_item(item: pytest.Item) -> tuple[str, ItemSpec] | None:
    spec = _spec(item)
    asks = spec is not None and bool(_ASKING_FIXTURES & set(getattr(item, "fixturenames", ())))
    return (item.nodeid, spec) if spec is not None and asks else None


# --- running --------------------------------------------------------------------------------------------


def item_state(item: pytest.Item) -> ItemState | None:
    return item.stash.get(STATE_KEY, None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    totals = item.config.stash.get(_TOTALS_KEY, None)
    if totals is not None and report.when == "call":
        setattr(report, progress.TOTALS, totals)
        del item.config.stash[_TOTALS_KEY]
    state = item_state(item)
    if state is None or state.completion is None or state.recorded:
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.when == "call":
            outcome = Outcome.PASSED if report.passed else Outcome.FAILED
        else:
            outcome = Outcome.SKIPPED if report.skipped else Outcome.ERROR
        from pytest_llmbench.report.junit import properties

        bench = item.config.stash[SESSION_KEY]
        record = bench.flow.record_for(state, item.nodeid, outcome)
        state.recorded = True
        report.llmbench = record.to_dict()
        item.user_properties.extend(properties(record))
        from pytest_llmbench._run.result import ItemResult, WrongAnswer

        if (report.when == "call" and call.excinfo is not None and state.grade is not None
                and call.excinfo.errisinstance(WrongAnswer) and not wrong.full_blocks_wanted(item.config)):
            result = ItemResult(state.spec.question, state.spec.model, state.completion, state.grade, state.spec.repeat)
            setattr(report, wrong.ATTR, wrong.short_form(result, item.nodeid).to_dict())
    return report


class _SessionHooks:
    """Hooks that need the session but get no config: registered per session in ``pytest_configure``."""

    def __init__(self, config: pytest.Config, bench: BenchSession) -> None:
        self.config = config
        self.bench = bench
        self.session: pytest.Session | None = None
        self.signals = signals.EndingSignals()
        if _xdist.role(config) is not _xdist.Role.WORKER:  # the controller ends its workers itself
            self.signals.install()

    def pytest_unconfigure(self) -> None:
        self.signals.restore()

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session
        self.bench.progress = progress.attach(self.config)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        totals = getattr(report, progress.TOTALS, None)
        if isinstance(totals, dict) and self.bench.progress is not None:
            self.bench.progress.start(totals)
        data = getattr(report, "llmbench", None)
        if data is not None and self.bench.writer:
            try:
                self.bench.record(ResultRecord.from_dict(data))
            except LlmBenchError as exc:
                self.bench.asker.stop(str(exc))
                raise pytest.UsageError(str(exc)) from None
        if self.session is not None and (self.session.shouldfail or self.session.shouldstop):
            self.bench.asker.stop("the session is stopping (-x / --maxfail)")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.bench.interrupted = True
        self.bench.asker.stop(signals.reason(excinfo.value))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        try:
            summary = self.bench.finish(int(exitstatus))
        except (LlmBenchError, OSError) as exc:  # a full disk, a database gone: one sentence, exit 4
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            sys.stderr.write(f"ERROR: {end_failure(exc)}\n")
            return
        if summary is None:
            return
        self.config.stash[SUMMARY_KEY] = summary
        from pytest_llmbench.report.step_summary import append_step_summary

        try:
            append_step_summary(summary)
        except LlmBenchError as exc:
            summary.notes.append(str(exc))
        if summary.gates and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            # Gates decide for benchmark items; a failing ordinary test still fails the session.
            benchmark_failures = sum(1 for r in self.bench.records if r.outcome in (Outcome.FAILED, Outcome.ERROR))
            passed = summary.gates_passed and session.testsfailed <= benchmark_failures
            session.exitstatus = pytest.ExitCode.OK if passed else pytest.ExitCode.TESTS_FAILED
            self.config.stash[_GATED_OK] = passed
        if summary.report_failures:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            sys.stderr.write(f"ERROR: {summary.report_failures[0]}\n")

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> Generator[None]:
        # Outermost wrapper: the wrong answers are held out of pytest's FAILURES and short summary (inside), and
        # the summary and gate verdict come after everything pytest prints, just before its final line.
        failed = terminalreporter.stats.get("failed", [])
        held = wrong.held_out(failed)
        if held:
            terminalreporter.stats["failed"] = [r for r in failed if r not in held]
        try:
            yield
        finally:
            if held:
                terminalreporter.stats["failed"] = failed
        from pytest_llmbench.report.fmt import output_width

        writer = terminalreporter._tw
        # pytest's writer keeps the stream it writes to; off a terminal, sentences and tables come out unwrapped.
        width = output_width(getattr(writer, "_file", None), writer.fullwidth)
        if held:
            terminalreporter.section("wrong answers", sep="-")
            for line in wrong.render(held, width):
                terminalreporter.write_line(line)
        estimate = config.stash.get(ESTIMATE_KEY, None)
        if estimate is not None:
            terminalreporter.section("llmbench estimate")
            terminalreporter.write(estimate)
        plan = config.stash.get(PLAN_KEY, None)
        if plan is not None:
            terminalreporter.section("llmbench plan")
            terminalreporter.write(plan)
        summary = config.stash.get(SUMMARY_KEY, None)
        if summary is None:
            return
        from pytest_llmbench.report.terminal import render

        terminalreporter.section("llmbench")
        terminalreporter.write(render(summary, width=width, color=writer.hasmarkup))
        if summary.gates:
            # The gates decide the exit status, so they decide the colour of pytest's final line too.
            colour = "green" if summary.gates_passed and config.stash.get(_GATED_OK, False) else "red"
            terminalreporter._determine_main_color = lambda unknown_type_seen: colour
