"""``Engine.when_done``: the judge stage's signal that an answer arrived, for sent, cached and unsent jobs."""

from __future__ import annotations

import threading

from test_engine import ScriptedProvider, ok, req

from pytest_llmbench.engine.core import Engine, EngineSettings, Job
from pytest_llmbench.types import ChatRequest, Completion


def _collect(engine: Engine, job: Job) -> tuple[threading.Event, list[Completion]]:
    got: list[Completion] = []
    arrived = threading.Event()

    def callback(completion: Completion) -> None:
        got.append(completion)
        arrived.set()

    engine.when_done(job, callback)
    return arrived, got


def test_the_callback_gets_the_completion_of_a_submitted_job_once_it_arrives() -> None:
    gate = threading.Event()

    def held(request: ChatRequest, attempt: int) -> Completion:
        gate.wait(5)
        return ok(request, attempt)

    engine = Engine([ScriptedProvider(held)], EngineSettings(cache_mode="off"))
    try:
        job = Job("a", req(1))
        engine.submit([job])
        arrived, got = _collect(engine, job)
        assert not arrived.wait(0.05)  # not before the answer
        gate.set()
        assert arrived.wait(5) and got[0].text == "fine" and got[0] == engine.result(job)
    finally:
        engine.close()


def test_a_job_already_answered_or_never_submitted_is_reported_too() -> None:
    engine = Engine([ScriptedProvider(ok)], EngineSettings(cache_mode="off"))
    try:
        done = Job("done", req(1))
        engine.result(done)
        arrived, got = _collect(engine, done)
        assert arrived.is_set() and got[0].text == "fine"  # at once
        fresh = Job("fresh", req(2))
        arrived, got = _collect(engine, fresh)  # starts it
        assert arrived.wait(5) and got[0].ok
    finally:
        engine.close()
