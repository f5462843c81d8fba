"""The core questions of the meeting, in English and Norwegian bokmål."""

from __future__ import annotations

import pytest

import restorative as r
from restorative.errors import InvalidInput


def test_five_core_questions_in_meeting_order() -> None:
    keys = [q.key for q in r.CORE_QUESTIONS]
    assert ["what_happened", "experience", "feelings", "needs", "hopes"] == keys


@pytest.mark.parametrize("language", ["en", "nb"])
def test_every_question_has_a_text_in_both_languages(language: str) -> None:
    texts = [q.text(language) for q in r.CORE_QUESTIONS]
    assert all(t.endswith("?") or t.endswith(".") for t in texts)
    assert len(set(texts)) == len(texts)


def test_bokmal_differs_from_english() -> None:
    assert all(q.en != q.nb for q in r.CORE_QUESTIONS)


def test_unknown_language_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        r.CORE_QUESTIONS[0].text("sv")
    assert "language" == caught.value.field
