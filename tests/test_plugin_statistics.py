"""Issue 18 end to end: a three-model simulated Jeopardy! run with clustered intervals, Holm-adjusted pairs
and Coryat scores in every report; ``--llm-plan``; ``--llm-target-ci`` skipping with the reason."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from pytest_llmbench.stats import holm, plan_difference, questions_for_half_width

pytest_plugins = ["pytester"]

BENCH = "def test_quiz(llm_result):\n    llm_result.assert_correct()\n"
MODELS = "--llm-models=sim/strong,sim/fast-cheap,sim/weak"


def test_three_models_show_clustered_intervals_holm_and_coryat_everywhere(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_quiz=BENCH)
    result = pytester.runpytest_subprocess(
        MODELS, "--llm-sample=60", "-p", "no:cacheprovider", "-p", "no:randomly", "--llm-report=json:out.json",
        "--llm-report=md:out.md", "--llm-report=html:out.html", "--junitxml=out.xml",
        "--llm-min-accuracy=0.2", "--llm-gate-bound=lower",
    )
    out = result.stdout.str()
    assert "intervals clustered by category:" in out
    # In the summary table's units: percent, the clustered interval with one decimal.
    assert re.search(r"sim/strong\s+\d{1,3}\.\d% \[\d{1,3}\.\d-\d{1,3}\.\d\]\s+design effect \d+\.\d\d", out)
    assert re.search(r"sim/strong vs sim/weak: [+-]\d+\.\d pp \[[+-]\d+\.\d, [+-]\d+\.\d\]  p=", out), out
    assert "McNemar p raw / Holm-adjusted" in out and "Coryat $" in out
    # The terminal summarises the board in a table by round and board row; the file reports keep every value.
    assert "Jeopardy! accuracy by round and board row" in out and "accuracy by value" not in out
    assert "sim/strong clustered (by category) 95% lower bound" in out  # the gate says which bound it used

    report = json.loads((pytester.path / "out.json").read_text())
    stats = report["statistics"]
    assert stats["cluster"] == "category" and set(stats["clustered"]) == {"sim/strong", "sim/fast-cheap", "sim/weak"}
    raw = [c["p_value"] for c in stats["comparisons"]]
    assert [c["p_adjusted"] for c in stats["comparisons"]] == pytest.approx(holm(raw))
    for pair in stats["comparisons"]:
        boot = pair["bootstrap"]
        assert boot["low"] <= pair["difference"] <= boot["high"]
    # The Coryat score recomputed by hand from the stored records (no Daily Double can be told apart by hand
    # here, so only clues on the board of their round count with their own value).
    strong = [r for r in report["records"] if r["model"] == "sim/strong" and r["correct"] is not None]
    coryat = {s["model"]: s for s in stats["coryat"]}["sim/strong"]
    assert coryat["clues"] == sum(1 for r in strong if r["value"] is not None and "Jeopardy!" in (r["round"] or "")
                                  and not r["round"].startswith("Final"))
    assert coryat["right"] + coryat["wrong"] == coryat["clues"]

    props = {p.get("name", ""): p.get("value", "") for p in ET.parse(pytester.path / "out.xml").iter("property")}
    low = stats["clustered"]["sim/strong"]["ci_low"]
    assert float(props["llm_ci_clustered_low[sim/strong]"]) == pytest.approx(low, rel=1e-5)
    assert props["llm_coryat[sim/weak]"] == str({s["model"]: s for s in stats["coryat"]}["sim/weak"]["score"])
    assert "llm_p_holm[sim/strong vs sim/weak]" in props
    markdown, html = (pytester.path / "out.md").read_text(), (pytester.path / "out.html").read_text()
    assert "### Statistics" in markdown and "accuracy by value (answers)" in markdown
    assert 'id="llmbench-statistics"' in html and "accuracy by value (answers)" in html
    assert stats["accuracy_by_difficulty"]["sim/strong"]


def test_question_files_are_not_clustered_unless_asked(pytester: pytest.Pytester) -> None:
    rows = [{"question": f"Clue {i}", "answer": f"A{i}", "category": f"C{i % 3}"} for i in range(12)]
    pytester.makefile(".jsonl", questions="\n".join(json.dumps(r) for r in rows))
    pytester.makepyfile(test_quiz=BENCH)
    args = ("--llm-dataset=questions.jsonl", "--llm-sample=all", "--llm-models=sim/strong,sim/weak", "-p",
            "no:cacheprovider")
    out = pytester.runpytest_subprocess(*args).stdout.str()
    assert "intervals clustered" not in out and "Holm = raw" in out and "Coryat" not in out
    out = pytester.runpytest_subprocess(*args, "--llm-cluster=category").stdout.str()
    assert "intervals clustered by category:" in out


def test_plan_prints_questions_and_costs_and_runs_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_quiz=BENCH)
    result = pytester.runpytest_subprocess(
        "--llm-models=sim/strong,openai/gpt-4o-mini", "--llm-sample=20", "--llm-plan", "--llm-plan-delta=0.1",
        "--llm-target-ci=0.04", "-p", "no:cacheprovider",
    )
    assert result.ret == 0
    out = result.stdout.str()
    plan = plan_difference(0.1)
    assert "llmbench plan" in out
    assert f"paired (every model on the same questions, McNemar): {plan.paired:,} questions per model" in out
    assert f"{plan.unpaired:,} questions per model" in out
    assert f"±0.04 (--llm-target-ci) at accuracy 0.5: {questions_for_half_width(0.04):,} questions" in out
    row = next(line for line in result.stdout.lines if line.startswith("openai/gpt-4o-mini"))
    assert row.split()[1] == "20" and row.count("$") == 4
    assert "passed" not in out and "failed" not in out
    assert not (pytester.path / ".llmbench").exists()


def test_target_ci_stops_each_model_skips_the_rest_and_still_covers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_quiz=BENCH)
    common = ("--llm-models=sim/strong,sim/weak", "--llm-sample=120", "-p", "no:cacheprovider", "-p", "no:randomly",
              "--llm-cache=off", "--llm-concurrency=1", "-rs")
    full = pytester.runpytest_subprocess(*common, "--llm-report=json:full.json", "--llm-run-name=full")
    assert "stopped early" not in full.stdout.str()
    records = json.loads((pytester.path / "full.json").read_text())["records"]
    result = pytester.runpytest_subprocess(*common, "--llm-target-ci=0.12", "--llm-report=json:cut.json")
    out = result.stdout.str()
    assert re.search(r"SKIPPED \[\d+\] .*sim/strong: stopped early: sim/strong's interval is within ±0\.12 after "
                     r"\d+ answers", out)
    assert "--llm-target-ci (anytime-valid 95% interval, target ±0.12):" in out
    assert re.search(r"sim/strong: stopped after \d+ answers .* of \d+ items not asked", out)
    cut = json.loads((pytester.path / "cut.json").read_text())
    for target in cut["statistics"]["target_ci"]:
        answered = [r["correct"] for r in records if r["model"] == target["model"] and r["correct"] is not None]
        full_accuracy = sum(answered) / len(answered)
        assert target["low"] <= full_accuracy <= target["high"]  # the anytime-valid interval covers the full run
        if target["stopped_after"] is not None:
            assert target["stop_high"] - target["stop_low"] <= 2 * 0.12 + 1e-9
    strong = next(t for t in cut["statistics"]["target_ci"] if t["model"] == "sim/strong")
    assert strong["skipped"] > 0
    skipped = [r for r in cut["records"] if r["model"] == "sim/strong" and r["outcome"] == "skipped"]
    assert len(skipped) == strong["skipped"]
