"""The judge stage with a fake engine: judge requests leave as answers arrive; the test body only reads them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from pytest_llmbench._run.grade import Grading
from pytest_llmbench._run.judge import JudgeStage, judge_entries
from pytest_llmbench.engine.core import Job
from pytest_llmbench.grading import JudgeFailed, get_grader
from pytest_llmbench.grading.jury import Vote, majority, verdict_completion
from pytest_llmbench.types import ChatRequest, Completion, Grade, Question, Verdict

MARS = Question(id="1", clue="This planet is red", answer="Mars")
OCEAN = Question(id="2", clue="Largest ocean", answer="the Pacific")
LONG = ("It is the largest and deepest body of water on our planet, covering much of the surface between Asia "
        "and the Americas, and it was named by a sailor who found it calm after a storm")


class FakeEngine:
    """Answers judge jobs from ``says`` (model -> verdict text, or None to fail); records what was sent when."""

    def __init__(self, says: dict[str, str | None]) -> None:
        self.says = says
        self.submitted: list[Job] = []
        self.beside: dict[str, str | None] = {}  # submitted key -> the job whose place in line it took
        self.results: list[str] = []  # keys read with result()
        self.waiting: dict[str, list[Callable[[Completion], None]]] = {}
        self.done = threading.Event()

    def submit(self, jobs: Iterable[Job], *, beside: str | None = None) -> None:
        for job in jobs:
            if all(j.key != job.key for j in self.submitted):
                self.submitted.append(job)
                self.beside[job.key] = beside

    def result(self, job: Job) -> Completion:
        self.submit([job])
        self.results.append(job.key)
        said = self.says[job.request.model]
        if said is None:
            return Completion(model=job.request.model, error="HTTP 500: down")
        return Completion(model=job.request.model, text=said, cost_usd=0.01)

    def when_done(self, job: Job, callback: Callable[[Completion], None]) -> None:
        self.waiting.setdefault(job.key, []).append(callback)

    def arrive(self, job: Job, completion: Completion) -> None:
        for callback in self.waiting.pop(job.key):
            callback(completion)

    def judge_jobs(self) -> list[Job]:
        return [j for j in self.submitted if j.key.startswith("judge:")]


def _stage(engine: FakeEngine, spec: str, hook: Callable[[Question, Completion, str], Grade | None] | None = None
           ) -> JudgeStage:
    return JudgeStage(lambda: engine, spec, hook=hook or (lambda q, c, g: None),
                      make_grader=lambda name, judge, model: get_grader(name, judge=judge, judge_model=model))


def _answer(key: str, text: str) -> tuple[Job, Completion]:
    return Job(key, ChatRequest("m/x", ({"role": "user", "content": key},))), Completion(model="m/x", text=text)


def _wait_for(engine: FakeEngine, count: int) -> None:
    for _ in range(500):
        if len(engine.judge_jobs()) >= count:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"expected {count} judge jobs, got {len(engine.judge_jobs())}")


def test_judge_requests_are_submitted_when_the_answer_arrives_before_any_test_reads_them() -> None:
    engine = FakeEngine({"j/a": "CORRECT"})
    stage = _stage(engine, "j/a")
    job, completion = _answer("item-1", "What is Mars?")
    stage.watch([(job, MARS, "judge")])
    assert engine.judge_jobs() == []  # nothing before the answer is there
    engine.arrive(job, completion)
    _wait_for(engine, 1)
    stage.close()
    sent = engine.judge_jobs()[0]
    assert sent.request.model == "j/a" and "Mars" in str(sent.request.messages) and engine.results == []
    grade = Grading(hook=lambda q, c, g: None, judge=stage.judge, judge_model="j/a").grade(MARS, completion, "judge")
    assert grade.correct and grade.cost_usd == 0.01
    assert engine.results == [sent.key]  # the test body read the prefetched job, nothing new was sent
    assert len(engine.judge_jobs()) == 1


class CountingHook:
    """A user's grade hook: overrides the items whose clue names ``overrides``, raises for ``raises``."""

    def __init__(self, overrides: str = "planet", raises: str = "never") -> None:
        self.overrides, self.raises = overrides, raises
        self.calls: list[str] = []

    def __call__(self, question: Question, completion: Completion, grader: str) -> Grade | None:
        self.calls.append(question.clue)
        if self.raises in question.clue:
            raise ValueError("the hook is broken")
        return Grade(correct=False, score=0.0, method="conftest") if self.overrides in question.clue else None


def test_a_prefetched_item_asks_the_hook_first_and_once_and_a_hook_grade_asks_no_judge() -> None:
    engine = FakeEngine({"j/a": "CORRECT"})
    hook = CountingHook()
    stage = _stage(engine, "j/a", hook)
    (mars_job, mars), (ocean_job, ocean) = _answer("item-mars", "What is Mars?"), _answer("item-ocean", LONG)
    stage.watch([(mars_job, MARS, "judge"), (ocean_job, OCEAN, "judge")])
    engine.arrive(mars_job, mars)
    engine.arrive(ocean_job, ocean)
    _wait_for(engine, 1)  # the dispatcher takes them in order: Mars is done once the ocean's verdict is asked
    stage.close()
    assert ["Largest ocean" in str(j.request.messages) for j in engine.judge_jobs()] == [True]
    assert engine.beside == {engine.judge_jobs()[0].key: "item-ocean"}  # in the answer's place in line
    assert hook.calls == [MARS.clue, OCEAN.clue]
    grading = Grading(hook=hook, judge=stage.judge, judge_model="j/a", hook_once=stage.hook_once)
    overridden = grading.grade(MARS, mars, "judge", key="item-mars")
    judged = grading.grade(OCEAN, ocean, "judge", key="item-ocean")
    assert overridden.method == "conftest" and not overridden.correct
    assert judged.correct and judged.verdict is Verdict.CORRECT
    assert hook.calls == [MARS.clue, OCEAN.clue]  # the test bodies took the dispatcher's answers


def test_an_item_nobody_prefetched_asks_the_hook_in_the_test_body_the_same_way() -> None:
    engine = FakeEngine({"j/a": "CORRECT"})
    hook = CountingHook()
    stage = _stage(engine, "j/a", hook)
    grading = Grading(hook=hook, judge=stage.judge, judge_model="j/a", hook_once=stage.hook_once)
    assert grading.grade(MARS, Completion(model="m", text="What is Mars?"), "judge", key="item-mars").method == (
        "conftest")
    assert engine.judge_jobs() == [] and hook.calls == [MARS.clue]
    assert grading.grade(OCEAN, Completion(model="m", text=LONG), "judge", key="item-ocean").correct
    assert len(engine.judge_jobs()) == 1 and hook.calls == [MARS.clue, OCEAN.clue]


def test_an_answer_announced_again_after_its_test_was_graded_asks_neither_hook_nor_judge() -> None:
    """An xdist worker hands its look-ahead over before every test: the same items come again and again."""
    engine = FakeEngine({"j/a": "CORRECT"})
    hook = CountingHook()
    stage = _stage(engine, "j/a", hook)
    job, mars = _answer("item-mars", "What is Mars?")
    stage.watch([(job, MARS, "judge")])
    stage.watch([(job, MARS, "judge")])
    assert len(engine.waiting[job.key]) == 1  # watched once
    grading = Grading(hook=hook, judge=stage.judge, judge_model="j/a", hook_once=stage.hook_once)
    assert grading.grade(MARS, mars, "judge", key="item-mars").method == "conftest"
    assert stage.prefetch(MARS, mars, "judge", key="item-mars") == []  # as when its answer arrives late
    stage.close()
    assert engine.judge_jobs() == [] and hook.calls == [MARS.clue]


def test_a_hook_that_raises_ahead_raises_in_the_test_body_and_asks_no_judge() -> None:
    engine = FakeEngine({"j/a": "CORRECT"})
    hook = CountingHook(raises="planet")
    stage = _stage(engine, "j/a", hook)
    completion = Completion(model="m", text="What is Mars?")
    assert stage.prefetch(MARS, completion, "judge", key="item-mars") == []
    grading = Grading(hook=hook, judge=stage.judge, judge_model="j/a", hook_once=stage.hook_once)
    with pytest.raises(ValueError, match="the hook is broken"):
        grading.grade(MARS, completion, "judge", key="item-mars")
    assert engine.judge_jobs() == [] and hook.calls == [MARS.clue]


def test_a_hook_that_skips_on_the_dispatcher_skips_the_test_and_the_dispatcher_goes_on() -> None:
    def hook(question: Question, completion: Completion, grader: str) -> Grade | None:
        if "planet" in question.clue:
            pytest.skip("not this one")  # a BaseException, not an Exception
        return None

    engine = FakeEngine({"j/a": "CORRECT"})
    stage = _stage(engine, "j/a", hook)
    (mars_job, mars), (ocean_job, ocean) = _answer("item-mars", "What is Mars?"), _answer("item-ocean", LONG)
    stage.watch([(mars_job, MARS, "judge"), (ocean_job, OCEAN, "judge")])
    engine.arrive(mars_job, mars)
    engine.arrive(ocean_job, ocean)
    _wait_for(engine, 1)  # the ocean's verdict is still asked: the skip did not end the dispatcher
    stage.close()
    grading = Grading(hook=hook, judge=stage.judge, judge_model="j/a", hook_once=stage.hook_once)
    with pytest.raises(pytest.skip.Exception, match="not this one"):
        grading.grade(MARS, mars, "judge", key="item-mars")


def test_adaptive_prefetches_only_what_its_rules_are_unsure_of() -> None:
    engine = FakeEngine({"j/a": "CORRECT"})
    stage = _stage(engine, "j/a")
    assert stage.prefetch(MARS, Completion(model="m", text="What is Mars?"), "adaptive") == []
    assert stage.prefetch(MARS, Completion(model="m", text="What is Venus?"), "adaptive") == []
    unsure = stage.prefetch(OCEAN, Completion(model="m", text=LONG), "adaptive")
    assert [j.request.model for j in unsure] == ["j/a"]
    assert stage.prefetch(MARS, Completion(model="m", text="What is Mars?"), "lenient") == []
    assert stage.prefetch(MARS, Completion(model="m", error="timeout"), "judge") == []  # no reply, no judge


def test_a_jury_gets_one_request_per_juror_and_the_majority_decides() -> None:
    engine = FakeEngine({"j/a": "CORRECT", "j/b": "INCORRECT", "j/c": "CORRECT"})
    stage = _stage(engine, "j/a,j/b,j/c")
    completion = Completion(model="m", text="What is Mars?")
    jobs = stage.prefetch(MARS, completion, "judge")
    assert [j.request.model for j in jobs] == ["j/a", "j/b", "j/c"]
    assert all(j.request.messages == jobs[0].request.messages for j in jobs)  # one prompt for every juror
    with stage.capture() as votes:
        grade = Grading(hook=lambda q, c, g: None, judge=stage.judge, judge_model=stage.spec).grade(
            MARS, completion, "judge")
    assert grade.correct and grade.verdict is Verdict.CORRECT
    assert [(v.model, v.verdict) for v in votes] == [
        ("j/a", Verdict.CORRECT), ("j/b", Verdict.INCORRECT), ("j/c", Verdict.CORRECT)]
    assert grade.cost_usd == pytest.approx(0.03)
    name, rules = stage.rules_grade(MARS, completion, "judge")
    entries = judge_entries(votes, rules, name)
    assert [e["role"] for e in entries] == ["judge"] * 3 + ["rules"] and entries[-1]["model"] == "lenient"


def test_a_shared_judge_call_is_paid_once() -> None:
    engine = FakeEngine({"j/a": "CORRECT"})
    stage = _stage(engine, "j/a")
    completion = Completion(model="m", text="What is Mars?")
    grading = Grading(hook=lambda q, c, g: None, judge=stage.judge, judge_model="j/a")
    first, second = (grading.grade(MARS, completion, "judge") for _ in range(2))
    assert first.cost_usd == 0.01 and second.cost_usd == 0.0 and second.correct


def test_a_failed_judge_raises_judge_failed_never_a_wrong_grade() -> None:
    engine = FakeEngine({"j/a": None})
    stage = _stage(engine, "j/a")
    grading = Grading(hook=lambda q, c, g: None, judge=stage.judge, judge_model="j/a")
    with pytest.raises(JudgeFailed):
        grading.grade(MARS, Completion(model="m", text="What is Mars?"), "judge")


def test_an_undecided_jury_raises_judge_failed() -> None:
    engine = FakeEngine({"j/a": "CORRECT", "j/b": "INCORRECT", "j/c": None})
    stage = _stage(engine, "j/a,j/b,j/c")
    grading = Grading(hook=lambda q, c, g: None, judge=stage.judge, judge_model=stage.spec)
    with pytest.raises(JudgeFailed, match="no verdict"):
        grading.grade(MARS, Completion(model="m", text="What is Mars?"), "judge")


C, W, N = Verdict.CORRECT, Verdict.INCORRECT, Verdict.NOT_ATTEMPTED


def _votes(*verdicts: Verdict | None) -> list[Vote]:
    return [Vote(f"j/{i}", v, error=None if v else "down") for i, v in enumerate(verdicts)]


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ((C, C, W), C),
        ((W, C, W), W),
        ((N, N, C), N),
        ((C, W), W),  # a tie is not correct
        ((C, W, N), W),  # three ways: a tie
        ((C, C, None), C),  # the failed juror could not have changed it
        ((C, W, None), None),  # it could have: undecided
        ((None,), None),
        ((C, C, W, None), None),  # 2 of 4 is no strict majority of the jury
        ((C, C, C, None), C),
    ],
)
def test_majority_rules(verdicts: tuple[Verdict | None, ...], expected: Verdict | None) -> None:
    assert majority(_votes(*verdicts)) is expected


def test_the_jury_completion_leads_with_the_verdict_and_names_every_vote() -> None:
    done = verdict_completion("j/0,j/1,j/2", _votes(C, W, C))
    assert done.ok and done.text.startswith("CORRECT (jury 2/3: j/0 CORRECT; j/1 INCORRECT; j/2 CORRECT)")
    undecided = verdict_completion("j/0,j/1,j/2", _votes(C, W, None))
    assert not undecided.ok and "j/2 failed (down)" in (undecided.error or "")


def test_the_runs_judge_stage_judges_through_the_askers_engine(tmp_path: Path) -> None:
    from pytest_llmbench._run.ask import Asker
    from pytest_llmbench._run.judge import stage_for
    from pytest_llmbench.config import resolve
    from pytest_llmbench.storage.repository import Repository

    def no_repository() -> Repository:
        raise AssertionError("the cache is off")

    settings = resolve({"cache": "off", "models": "sim/strong"}, environ={})
    asker = Asker(settings, tmp_path, lambda q, m, t: None, lambda: ("sim/strong", "sim/weak"), no_repository)
    stage = stage_for(asker, "sim/weak", lambda q, c, g: None)
    assert stage.jurors == ("sim/weak",) and asker.started is None  # the engine is made on first use
    grader = get_grader("judge", judge=stage.judge, judge_model="sim/weak")
    with pytest.raises(JudgeFailed, match="sim/weak gave no verdict"):  # a simulated model answers, not judges
        grader.grade(MARS, "What is Mars?")
    assert asker.started is not None and asker.started.traffic()["sim/weak"].attempts == 1  # the asker's engine
    stage.close()
    asker.close()
