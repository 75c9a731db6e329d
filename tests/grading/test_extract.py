from __future__ import annotations

import pytest

from pytest_llmbench.grading.extract import extract


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        ("What is Paris?", "Paris"),
        ("who are the Monkees?", "the Monkees"),
        ("What's Paris?", "Paris"),
        ("**Who is Lou Gehrig?**", "Lou Gehrig"),
        ("- What is `Night Train`?", "Night Train"),
        ('"Night Train"', "Night Train"),
        ("Paris, because the Louvre is there.", "Paris"),
        ("Paris. It is the capital of France.", "Paris"),
        ("Who is St. Ignatius Loyola? He founded the Jesuits.", "St. Ignatius Loyola"),
        ("The answer is **Mount Everest**, which is the tallest mountain on Earth.", "Mount Everest"),
        ("Let me think.\nThe Louvre is in the capital.\nFinal answer: Paris", "Paris"),
        ("Step 1: museum.\nStep 2: capital.\n\nAnswer: What is Paris?", "Paris"),
        ("Hmm, this is tricky.\nI think the answer is Henry VIII.", "Henry VIII"),
        ("I'm not sure, but I think it's Paris.", "Paris"),
        ("<think>Lyon? No.</think>What is Paris?", "Paris"),
        ("In 1492", "1492"),
    ],
)
def test_answer_span(reply: str, answer: str) -> None:
    assert extract(reply).answer == answer


def test_question_form_is_recorded() -> None:
    assert extract("What is Paris?").question_form
    assert not extract("Paris").question_form


@pytest.mark.parametrize(
    ("reply", "candidates"),
    [
        ("Either Austria or Australia", ("Austria", "Australia")),
        ("Austria, or maybe Australia", ("Austria", "Australia")),
        ("It might be Paris, but it could also be Lyon.", ("Paris", "Lyon")),
        ("What is Paris or what is Lyon?", ("Paris", "Lyon")),
    ],
)
def test_hedges_name_every_candidate(reply: str, candidates: tuple[str, ...]) -> None:
    ext = extract(reply)
    assert ext.hedged
    assert ext.candidates == candidates
    assert "Paris" not in ext.variants  # a hedge is never judged by its first clause


@pytest.mark.parametrize(
    "reply", ["I don't know.", "I'm not sure.", "I cannot answer that.", "", "   ", "Unknown.", "No idea!"]
)
def test_refusals_are_not_attempts(reply: str) -> None:
    assert extract(reply).not_attempted


@pytest.mark.parametrize("reply", ["Unknown Soldier", "Nairobi, Kenya", "Passover", "Not sure, maybe Paris?"])
def test_answers_that_look_like_refusals_are_attempts(reply: str) -> None:
    assert not extract(reply).not_attempted


@pytest.mark.parametrize(
    ("reply", "confidence"),
    [
        ("What is Paris?\nConfidence: 80%", 0.8),
        ("Paris (confidence: 0.9)", 0.9),
        ("Paris", None),
        ("Paris. Confidence level: 65 percent", 0.65),
    ],
)
def test_confidence(reply: str, confidence: float | None) -> None:
    ext = extract(reply)
    assert ext.confidence == pytest.approx(confidence) if confidence is not None else ext.confidence is None
    assert ext.answer == "Paris"


def test_variants_offer_less_likely_readings_after_the_answer() -> None:
    ext = extract("Theodor Geisel (Dr. Seuss)")
    assert ext.variants[0] == "Theodor Geisel"
    assert "Dr. Seuss" in ext.variants
    assert "Paris" in extract("Paris, France").variants
