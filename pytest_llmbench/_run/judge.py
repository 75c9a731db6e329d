"""The judge stage: judge requests go out as each answer arrives, so a test only reads its verdict.

Without it a judge-graded run asks the judge one call at a time inside the test bodies (answers are
concurrent, judge calls were not: 400 items at 200 ms took 18x the ideal). The stage watches the prefetched
answers' jobs (``Engine.when_done``); as one arrives, a dispatcher thread grades it once with a *probe* judge
that, instead of answering, records the request the grader would send. The graders themselves decide whether
they need a judge (``judge``: every reply; ``adaptive``: the replies its rules are unsure of), so the stage
follows whatever rule they have. The probe's requests, one per juror, are submitted to the same engine as the
answers: same concurrency, limits, retries, response cache and budget.

In the test body the grader runs again, with ``judge`` as its judge function: each juror's request is the job
the dispatcher already submitted (keyed by the request's cache key), so the body waits for nothing it could
have started earlier; an item nobody prefetched (no prefetch, a resumed run's stored answer, an ad-hoc grade)
submits its juror requests right then. A failed juror is handled by the jury's rules (``grading/jury.py``);
an undecided jury is a failed judge: ``JudgeFailed`` from the grader, an infrastructure error for the item.

The grade hook (``pytest_llmbench_grade``) keeps the meaning it has without a stage: it is asked once per
item, before any judge, and a grade it returns means no judge is asked. For a prefetched item the dispatcher
asks it as the answer arrives (so on the dispatcher's thread) and the test body takes that answer, or its
exception; an item nobody prefetched asks it in the test body (``hook_once``: whoever comes first asks it).
Like its answer, an item whose test never runs (``-x``, an interrupt) may have been asked about already.

Each item's juror requests take its answer's place in the engine's line (``Engine.submit(beside=...)``), not a
place behind every answer still waiting: the tests need both at the same turn, so verdicts arrive in the
order pytest reads them rather than mostly after the answers.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from pytest_llmbench.grading.jury import Vote, jury_models, verdict_completion, vote_of
from pytest_llmbench.types import ChatRequest, Completion, Grade, Question

if TYPE_CHECKING:
    from pytest_llmbench._run.ask import Asker
    from pytest_llmbench.engine.core import Job
    from pytest_llmbench.grading import Grader

#: The grader whose verdict a judge's is compared with, for graders that have no judge-free form.
RULES_FOR_JUDGE = "lenient"


class StageEngine(Protocol):
    """What the stage needs of ``engine.core.Engine`` (a fake engine in unit tests)."""

    def submit(self, jobs: Iterable[Job], *, beside: str | None = None) -> None: ...

    def result(self, job: Job) -> Completion: ...

    def when_done(self, job: Job, callback: Callable[[Completion], None]) -> None: ...


class _JudgeWanted(Exception):
    """Raised by the probe judge: the grader wants this judge request (and nothing is asked yet)."""

    def __init__(self, request: ChatRequest) -> None:
        super().__init__(request.model)
        self.request = request


@dataclass
class _Capture:
    votes: list[Vote] = field(default_factory=list)


class JudgeStage:
    """Judge requests for answers as they arrive; the judge function the graders use in the test body."""

    def __init__(
        self,
        engine: Callable[[], StageEngine],
        judge_spec: str,
        *,
        make_grader: Callable[[str, Callable[[ChatRequest], Completion] | None, str | None], Grader],
        prepare: Callable[[Question, Completion], Completion] = lambda q, c: c,
        hook: Callable[[Question, Completion, str], Grade | None] = lambda q, c, g: None,
    ) -> None:
        from pytest_llmbench.engine.core import Job, cache_key

        self._job, self._cache_key = Job, cache_key
        self._engine = engine  # made on first use: collection, --llm-estimate and regrade's checks open nothing
        self.spec = judge_spec
        self.jurors = jury_models(judge_spec)
        self._make_grader = make_grader
        self._prepare = prepare
        self._hook = hook
        self._hooked: dict[str, concurrent.futures.Future[Grade | None]] = {}  # item key -> the hook's answer
        self._watched: set[str] = set()
        self._probes: dict[str, Grader] = {}
        self._rules: dict[str, tuple[str, Grader]] = {}
        self._charged: set[str] = set()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._queue: queue.SimpleQueue[tuple[str, Question, str, Completion] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.requested = 0  # juror requests the dispatcher submitted ahead of the tests

    # --- ahead of the tests: on the dispatcher thread ----------------------------------------------------

    def watch(self, items: Iterable[tuple[Job, Question, str]]) -> None:
        """Judge these answers' replies (job, question, grader name) as soon as each arrives, if they need it."""
        for job, question, grader in items:
            if job.key in self._watched:  # an xdist worker hands over its look-ahead again before every test
                continue
            self._watched.add(job.key)
            self._engine().when_done(job, self._arrived(job.key, question, grader))
        if self._thread is None:
            self._thread = threading.Thread(target=self._dispatch, name="llmbench-judge", daemon=True)
            self._thread.start()

    def _arrived(self, key: str, question: Question, grader: str) -> Callable[[Completion], None]:
        def arrived(completion: Completion) -> None:  # on the engine's loop: only queue it
            self._queue.put((key, question, grader, completion))

        return arrived

    def _dispatch(self) -> None:
        while (item := self._queue.get()) is not None:
            key, question, grader, completion = item
            try:
                self.prefetch(question, completion, grader, key=key)
            except Exception:  # the test body grades again and reports any error properly
                continue

    def prefetch(self, question: Question, completion: Completion, grader: str, *, key: str | None = None) -> list[Job]:
        """Submit the juror requests ``grader`` will want for this reply (none if it decides alone).

        ``key``: the item's answer job; its grade hook is asked first (a grade from it: no judge) and the
        juror requests take the answer's place in the engine's line.
        """
        completion = self._prepare(question, completion)
        if not completion.ok:
            return []
        if key is not None:
            said = self._hook_call(key, question, completion, grader)
            if said is _GRADED or said.exception() is not None or said.result() is not None:
                return []  # the test is graded already, or the hook decided (or failed): no judge for it
        request = self.wanted(question, completion, grader)
        if request is None:
            return []
        jobs = [self._juror_job(request, juror) for juror in self.jurors]
        self._engine().submit(jobs, beside=key)
        with self._lock:
            self.requested += len(jobs)
        return jobs

    def wanted(self, question: Question, completion: Completion, grader: str) -> ChatRequest | None:
        """The judge request ``grader`` makes for this reply, found by grading it with the probe judge."""
        from pytest_llmbench._run.grade import grade_completion

        probe = self._probes.get(grader)
        if probe is None:
            probe = self._probes[grader] = self._make_grader(grader, _probe, self.spec)
        try:
            grade_completion(probe, question, completion)
        except _JudgeWanted as wanted:
            return wanted.request
        return None

    def _juror_job(self, request: ChatRequest, juror: str) -> Job:
        juror_request = replace(request, model=juror)
        return self._job(f"judge:{self._cache_key(juror_request)}", juror_request)

    def _hook_call(self, key: str, question: Question, completion: Completion, grader: str
                   ) -> concurrent.futures.Future[Grade | None]:
        """The grade hook's answer for item ``key``, asked once: by whichever thread comes first."""
        with self._lock:
            said = self._hooked.get(key)
            mine = said is None
            if said is None:
                said = self._hooked[key] = concurrent.futures.Future()
        if mine:
            try:
                said.set_result(self._hook(question, completion, grader))
            except BaseException as exc:  # pytest.skip() too: the test body re-raises it, as if it had asked
                said.set_exception(exc)
        return said

    # --- in the test body --------------------------------------------------------------------------------

    def hook_once(self, key: str, question: Question, completion: Completion, grader: str) -> Grade | None:
        """The grade hook's answer for item ``key``: the one the dispatcher got, else asked now."""
        said = self._hook_call(key, question, completion, grader)
        with self._lock:  # the item is graded once: keep only a marker that it was
            self._hooked[key] = _GRADED
        return said.result()

    def judge(self, request: ChatRequest) -> Completion:
        """The graders' judge function: each juror's (prefetched) answer, and the jury's majority."""
        said = [self._said(self._juror_job(request, juror)) for juror in self.jurors]
        votes = [vote for vote, _ in said]
        capture: _Capture | None = getattr(self._local, "capture", None)
        if capture is not None:
            capture.votes.extend(votes)
        if len(said) == 1:
            # One judge: its own reply, so the grader's failure policy and explanation see what it said.
            vote, completion = said[0]
            return replace(completion, cost_usd=vote.cost_usd)
        return verdict_completion(self.spec, votes)

    def _said(self, job: Job) -> tuple[Vote, Completion]:
        completion = self._engine().result(job)  # submits it now when nothing prefetched it
        with self._lock:
            # Two items with the same reply to the same question share one judge call: it is paid once.
            first = job.key not in self._charged
            self._charged.add(job.key)
        return vote_of(job.request.model, completion, None if first else 0.0), completion

    @contextmanager
    def capture(self) -> Iterator[list[Vote]]:
        """The votes the judge function gave while this block graded one item (on this thread)."""
        capture = _Capture()
        self._local.capture = capture
        try:
            yield capture.votes
        finally:
            self._local.capture = None

    def rules_grade(self, question: Question, completion: Completion, grader: str) -> tuple[str, Grade | None]:
        """The judge-free decision to compare the judge with: ``grader`` without its judge, else ``lenient``."""
        from pytest_llmbench._run.grade import grade_completion
        from pytest_llmbench.errors import UsageError

        if grader not in self._rules:
            try:
                self._rules[grader] = (grader, self._make_grader(grader, None, None))
            except UsageError:  # the judge grader has no judge-free form
                self._rules[grader] = (RULES_FOR_JUDGE, self._make_grader(RULES_FOR_JUDGE, None, None))
        name, rules = self._rules[grader]
        try:
            return name, grade_completion(rules, question, completion)
        except Exception:  # a comparison figure must never fail the item it describes
            return name, None

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None


#: Stands for an item its test body graded: the dispatcher never asks its hook again, nor its judge.
_GRADED: concurrent.futures.Future[Grade | None] = concurrent.futures.Future()
_GRADED.set_result(None)


def _probe(request: ChatRequest) -> Completion:
    raise _JudgeWanted(request)


def judge_entries(votes: Iterable[Vote], rules: Grade | None, rules_name: str) -> list[dict[str, Any]]:
    """What the results' ``judge_json`` keeps: every juror's vote, then the rules' own verdict."""
    entries = [v.to_json() for v in votes]
    if rules is not None and rules.verdict is not None:
        entries.append({"role": "rules", "model": rules_name, "verdict": rules.verdict.value,
                        "reason": rules.explanation[:200], "cost_usd": 0.0, "error": None})
    return entries


def stage_for(asker: Asker, judge_model: str, hook: Callable[[Question, Completion, str], Grade | None]) -> JudgeStage:
    """The run's judge stage over the asker's engine (made on first use), with the asker's request kinds."""
    from pytest_llmbench.grading import get_grader

    return JudgeStage(asker.engine, judge_model, hook=hook, prepare=lambda q, c: asker.kinds().annotate(q, c),
                      make_grader=lambda name, judge, model: get_grader(name, judge=judge, judge_model=model))
