from __future__ import annotations

import hashlib

from pytest_llmbench.data.keys import natural_key, normalize_for_key, question_id


def test_id_is_show_number_and_six_hex_of_sha1() -> None:
    digest = hashlib.sha1(b"history|a roman road|the appian way").hexdigest()
    assert question_id(4680, "HISTORY", "A  Roman road", "the Appian Way") == f"4680-{digest[:6]}"


def test_id_without_show_is_ten_hex() -> None:
    qid = question_id(None, None, "2+2?", "4")
    assert len(qid) == 10
    assert qid == hashlib.sha1(b"|2+2?|4").hexdigest()[:10]


def test_normalization_ignores_case_width_and_spacing() -> None:
    assert normalize_for_key("  ＡＢＣ\tdef ") == "abc def"
    assert question_id(1, "Cat", "Clue", "Ans") == question_id(1, "CAT", " clue ", "ANS")
    assert question_id(1, "Cat", "Clue", "Ans") != question_id(2, "Cat", "Clue", "Ans")
    assert question_id(1, "Cat", "Clue", "Ans") != question_id(1, "Cat", "Clue", "Other")


def test_natural_key_orders_numbers_numerically() -> None:
    ids = ["q10", "q2", "q1", "a"]
    assert sorted(ids, key=natural_key) == ["a", "q1", "q2", "q10"]


def test_squashed_fast_path_gives_the_same_digest() -> None:
    for parts in (
        ("HISTORY", "A Roman road", "the Appian Way"),
        ("CAFÉ", "Ｗｉｄｅ\u00a0text", "ﬁne"),
        (None, "x", "y"),
    ):
        assert question_id(7, *parts, squashed=True) == question_id(7, *parts)
