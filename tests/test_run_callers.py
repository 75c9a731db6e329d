"""What the run calls outside itself (``_run/callers.py``): the hook callers and the progress display, as a
session uses them."""

from __future__ import annotations

from pathlib import Path

from pytest_llmbench._plugin.progress import PlainProgress
from pytest_llmbench._run.callers import Hooks, ProgressDisplay
from pytest_llmbench._run.items import ItemState
from pytest_llmbench._run.session import BenchSession
from pytest_llmbench.config import resolve
from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.types import Completion, Grade, Message, Outcome, Question, ResultRecord

QUESTIONS = [Question(id=str(i), clue=f"This planet number {i} is red", answer="Mars", dataset="tiny")
             for i in range(4)]


def test_a_session_tells_its_callers_and_its_display_what_happens(tmp_path: Path) -> None:
    told: list[str] = []
    results: list[ResultRecord] = []
    summaries: list[RunSummary] = []

    def build_messages(question: Question, model: str, template: str) -> list[Message] | None:
        told.append(f"messages {question.id} {model} {template}")
        return None  # the template's messages

    def grade(question: Question, completion: Completion, grader: str) -> Grade | None:
        told.append(f"grade {question.id} {grader}")
        return None  # the named grader decides

    hooks = Hooks(lambda name: QUESTIONS if name == "tiny" else None, build_messages, grade, results.append,
                  summaries.append)
    lines: list[str] = []
    display: ProgressDisplay = PlainProgress(lines.append, every=1)  # the plugin's display is one
    settings = resolve({"cache": "off", "models": "sim/strong", "sample": "all"}, environ={})
    bench = BenchSession(settings=settings, rootdir=tmp_path, hooks=hooks, progress=display)
    specs = bench.collector.specs_for({"dataset": "tiny"})
    items = [(f"t[{spec.id}]", spec, True) for spec in specs]
    bench.start(items)
    for nodeid, spec, _ in items:
        state = ItemState(spec)
        bench.flow.result(state, nodeid)
        bench.record(bench.flow.record_for(state, nodeid, Outcome.PASSED))
    summary = bench.finish(exitstatus=0)
    bench.close()
    assert [t for t in told if t.startswith("messages")] == [f"messages {i} sim/strong jeopardy" for i in range(4)]
    assert [t for t in told if t.startswith("grade")] == [f"grade {i} lenient" for i in range(4)]
    assert results == bench.records and len(results) == 4 and summaries == [summary]
    assert lines[0] == "llmbench: 4 items over 1 model(s)"  # start: the planned items
    assert any(line.startswith("llmbench: 1/4 items") for line in lines)  # update: each record
    assert lines[-1].startswith("llmbench: 4 items done")  # close: at finish
