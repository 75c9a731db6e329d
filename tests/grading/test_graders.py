from __future__ import annotations

import pytest

from pytest_llmbench.errors import UsageError
from pytest_llmbench.grading import (
    GRADER_NAMES,
    AdaptiveGrader,
    Grader,
    JudgeFailed,
    LenientGrader,
    available_graders,
    get_grader,
    register_grader,
)
from pytest_llmbench.grading import graders as graders_module
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind, Grade, Question, Verdict

GEHRIG = Question(id="1", clue="In 1939 he gave his 'luckiest man' speech", answer="(Lou) Gehrig")


class FakeJudge:
    def __init__(self, text: str = "CORRECT", cost: float = 0.002, error: str | None = None) -> None:
        self.text, self.cost, self.error = text, cost, error
        self.requests: list[ChatRequest] = []

    def __call__(self, request: ChatRequest) -> Completion:
        self.requests.append(request)
        kind = ErrorKind.TIMEOUT if self.error else None
        return Completion(model=request.model, text=self.text, cost_usd=self.cost, error=self.error, error_kind=kind)


@pytest.mark.parametrize("name", ["strict", "lenient", "jeopardy", "adaptive"])
def test_every_grader_fills_every_field(name: str) -> None:
    grade = get_grader(name).grade(GEHRIG, "Who is Lou Gehrig?")
    assert grade.correct and grade.verdict is Verdict.CORRECT
    assert 0 <= grade.score <= 1
    assert grade.method.startswith(name + ":")
    assert grade.matched == "Lou Gehrig"
    assert grade.extracted == "Lou Gehrig"
    assert grade.explanation.endswith(".")


def test_strict_accepts_only_written_forms() -> None:
    strict = get_grader("strict")
    assert strict.grade(GEHRIG, "Gehrig").correct
    assert not strict.grade(GEHRIG, "Lou Gherig").correct
    assert not strict.grade(Question(id="2", clue="", answer="thirteen"), "13").correct


def test_lenient_rejects_a_hedge_and_explains() -> None:
    grade = get_grader("lenient").grade(Question(id="3", clue="", answer="Australia"), "Either Austria or Australia")
    assert not grade.correct
    assert "hedges" in grade.explanation and grade.method == "lenient:hedge"


def test_hedge_between_forms_of_the_key_is_correct() -> None:
    q = Question(id="4", clue="", answer="Ceylon (or Sri Lanka)")
    assert get_grader("lenient").grade(q, "Sri Lanka or Ceylon").correct


@pytest.mark.parametrize("name", ["strict", "lenient", "jeopardy", "adaptive"])
def test_one_answer_named_twice_is_that_answer_not_a_hedge(name: str) -> None:
    q = Question(id="4b", clue="", answer="Paris")
    assert get_grader(name).grade(q, "Paris or Paris").correct
    assert not get_grader(name).grade(q, "Lyon or Lyon").correct


def test_refusal_is_not_attempted_but_a_key_that_reads_like_one_is_an_answer() -> None:
    lenient = get_grader("lenient")
    grade = lenient.grade(Question(id="5", clue="", answer="Paris"), "I don't know.")
    assert grade.verdict is Verdict.NOT_ATTEMPTED and not grade.correct
    assert lenient.grade(Question(id="6", clue="Who's on third?", answer='"I Don\'t Know"'), "I don't know").correct


def test_confidence_reaches_the_grade() -> None:
    grade = get_grader("lenient").grade(GEHRIG, "Who is Lou Gehrig?\nConfidence: 70%")
    assert grade.confidence == pytest.approx(0.7)


def test_jeopardy_grader_records_question_form_without_requiring_it() -> None:
    jeopardy = get_grader("jeopardy")
    with_form = jeopardy.grade(GEHRIG, "Who is Lou Gehrig?")
    without = jeopardy.grade(GEHRIG, "Lou Gehrig")
    assert with_form.correct and without.correct
    assert "was in question form" in with_form.explanation
    assert "not in question form" in without.explanation


def test_judge_grader_sends_clue_key_and_reply_and_bills_the_judge() -> None:
    judge = FakeJudge("Verdict: INCORRECT", cost=0.0031)
    grader = get_grader("judge", judge=judge, judge_model="judge/model")
    grade = grader.grade(GEHRIG, "Who is Babe Ruth?")
    assert not grade.correct and grade.verdict is Verdict.INCORRECT
    assert grade.cost_usd == pytest.approx(0.0031)
    assert "judge/model" in grade.explanation and "INCORRECT" in grade.explanation
    (request,) = judge.requests
    assert request.model == "judge/model" and request.stream is False
    assert request.params["temperature"] == 0
    prompt = request.messages[-1]["content"]
    assert "luckiest man" in prompt and "Babe Ruth" in prompt and "Gehrig" in prompt


def test_judge_failure_is_an_infrastructure_error_not_a_wrong_answer() -> None:
    grader = get_grader("judge", judge=FakeJudge(error="timed out"), judge_model="judge/model")
    with pytest.raises(JudgeFailed) as info:
        grader.grade(GEHRIG, "Who is Lou Gehrig?")
    assert info.value.kind is ErrorKind.TIMEOUT
    with pytest.raises(JudgeFailed):
        get_grader("judge", judge=FakeJudge("I like turtles"), judge_model="m").grade(GEHRIG, "Gehrig")


def test_adaptive_asks_the_judge_only_in_the_uncertain_band() -> None:
    judge = FakeJudge("CORRECT")
    adaptive = AdaptiveGrader(judge=judge, judge_model="judge/model")
    museum = Question(id="7", clue="", answer="Air & Space Museum")
    assert adaptive.grade(museum, "the Smithsonian Air Museum").method == "adaptive:judge"
    # The key with a word added in front is a confident match: decided without the judge.
    assert adaptive.grade(museum, "the National Air & Space Museum").method == "adaptive:added-words"
    assert adaptive.grade(GEHRIG, "Lou Gehrig").method == "adaptive:exact"
    dakota = Question(id="8", clue="", answer="South Dakota")
    assert not adaptive.grade(dakota, "North Dakota").correct  # vetoed: never sent to the judge
    assert len(judge.requests) == 1


def test_adaptive_without_judge_decides_by_threshold() -> None:
    museum = Question(id="7", clue="", answer="Air & Space Museum")
    grade = AdaptiveGrader().grade(museum, "the Smithsonian Air Museum")
    assert grade.method in ("adaptive:threshold", "adaptive:none") and not grade.confident
    numbers = Question(id="9", clue="", answer="1492")
    assert not AdaptiveGrader().grade(numbers, "1493").correct


def test_unknown_grader_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="Unknown grader 'x': choose one of strict, lenient, jeopardy"):
        get_grader("x")


def test_judge_without_model_asks_for_the_option() -> None:
    with pytest.raises(UsageError, match="--llm-judge-model"):
        get_grader("judge")


def test_registry_extension_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graders_module, "_REGISTRY", dict(graders_module._REGISTRY))

    class Always:
        name = "always"

        def grade(self, question: Question, text: str) -> Grade:
            return Grade(True, 1.0, "always")

    register_grader("always", lambda judge, model: Always())
    assert "always" in available_graders()
    grader = get_grader("ALWAYS")
    assert isinstance(grader, Grader) and grader.grade(GEHRIG, "").correct
    with pytest.raises(UsageError, match="already registered"):
        register_grader("always", lambda judge, model: Always())
    assert GRADER_NAMES == ("strict", "lenient", "jeopardy", "adaptive", "judge")


def test_graders_are_callable_like_the_llm_grader_fixture() -> None:
    assert LenientGrader()(GEHRIG, "Gehrig").correct


def test_a_grade_is_confident_unless_the_rules_say_otherwise() -> None:
    assert Grade(True, 1.0, "custom").confident
    lenient = LenientGrader()
    assert lenient.grade(GEHRIG, "Who is Lou Gehrig?").confident
    kidney = Question(id="10", clue="This organ filters the blood", answer="a kidney")
    unsure = lenient.grade(kidney, "What is a kidney transplant?")
    assert unsure.correct and not unsure.confident  # lenient decides it by its rule, and says it is unsure


@pytest.mark.parametrize(
    ("answer", "reply"),
    [
        ("a kidney", "What is a kidney transplant?"),  # unsure accept
        ("Harry Truman", "Who is Harry S. Truman?"),  # unsure reject (a middle initial)
        ("Nixon", "Who is Richard Nixon?"),  # confident accept
        ("South Dakota", "What is North Dakota?"),  # confident reject
        ("1492", "What is 1493?"),  # confident reject
    ],
)
def test_adaptive_asks_its_judge_exactly_when_the_rules_are_unsure(answer: str, reply: str) -> None:
    question = Question(id="11", clue="He", answer=answer)
    by_rule = AdaptiveGrader().grade(question, reply)
    judge = FakeJudge("INCORRECT" if by_rule.correct else "CORRECT")  # always the other verdict
    judged = AdaptiveGrader(judge=judge, judge_model="judge/model").grade(question, reply)
    assert len(judge.requests) == (0 if by_rule.confident else 1)
    if by_rule.confident:
        assert judged.correct == by_rule.correct and judged.method == by_rule.method
    else:
        assert judged.correct != by_rule.correct and judged.method == "adaptive:judge"


@pytest.mark.parametrize(
    ("reply", "correct"),
    [
        ("What are Germany and France?", True),
        ("Italy, the UK and France", True),
        ("Germany", False),  # the clue asks for two
        ("Germany and Spain", False),  # one of them is not on the list
        ("France and France", False),  # the same item twice is one item
    ],
)
def test_some_of_a_list_key_accepts_that_many_different_items(reply: str, correct: bool) -> None:
    key = "(2 of) France, Germany, Italy, & the UK"
    q = Question(id="q", clue="2 of the 4 countries with the most votes", answer=key)
    assert get_grader("lenient").grade(q, reply).correct is correct


@pytest.mark.parametrize(
    ("answer", "clue", "category", "reply", "correct", "confident"),
    [
        # The reply adds only the clue's own words: no more information than the key.
        ("a bull", 'this male animal\'s "blood from Eger"', "LIQUIDS", "Bull's Blood", True, True),
        ("Heathrow", "delayed in Terminal 4 of this London airport", "", "Heathrow Airport", True, True),
        # It leaves off a word the clue gives: right, but wordplay may want that very word, so unsure.
        ("the Manchester terrier", "Named for a British city, this terrier", "DOGS", "Manchester", True, False),
        ("wet hair", "Don't go out with hair in this condition", "HAIR DON'TS", "wet", True, False),
        # The key's own words run together, or with a slip, beside the clue's words.
        ("the Little Big Horn", "this battle", "HISTORIC BATTLES", "the Battle of Little Bighorn", True, False),
        ("Shift", 'The movement of starlight is called the "Red" this', "CHANGES", "redshift", True, True),
        # Only the clue's words left: nothing of the answer was said.
        ("the Manchester terrier", "Named for a British city, this terrier", "DOGS", "a terrier", False, None),
        # A word in place of another, or a number, stay another answer.
        ("North Dakota", "Not South Dakota but this state", "", "South Dakota", False, None),
        ("Henry VIII", "The son of Henry VII", "KINGS", "Henry VII", False, None),
        # Only the clue's words, and none of the key's: surely wrong.
        ("Venezuela", "Hugo Chavez is this country's controversial president", "", "Hugo Chavez", False, True),
    ],
)
def test_words_the_clue_supplies_add_nothing(
    answer: str, clue: str, category: str, reply: str, correct: bool, confident: bool | None
) -> None:
    grade = get_grader("lenient").grade(Question(id="q", clue=clue, answer=answer, category=category), reply)
    assert grade.correct is correct, grade.explanation
    if confident is not None:
        assert grade.confident is confident


@pytest.mark.parametrize(
    ("answer", "category", "reply", "correct"),
    [
        ('"But, soft! What light through yonder window breaks?"', "SHAKESPEARE", "But, soft!", True),
        ('"A jack of all trades"', "FAMILIAR PHRASES", '"Jack of all"', True),
        # A single word of a quotation, or words from its middle, do not name it.
        ('"A jack of all trades"', "FAMILIAR PHRASES", "trades", False),
        # BEFORE & AFTER: each half of the joined phrase is only half the answer.
        ("Ivan the Terrible Twos", "BEFORE & AFTER", "Ivan the Terrible", False),
        ("Ivan the Terrible Twos", "BEFORE & AFTER", "Ivan the Terrible Twos", True),
    ],
)
def test_quotation_openings_and_joined_phrases(answer: str, category: str, reply: str, correct: bool) -> None:
    grade = get_grader("lenient").grade(Question(id="q", clue="", answer=answer, category=category), reply)
    assert grade.correct is correct, grade.explanation
