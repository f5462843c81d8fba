"""The core questions a mediator asks in the meeting, in English and Norwegian bokmål.

They are data for a case system to show the mediator, in our own wording; the
library never records the answers (what is said in the meeting stays there).
"""

from __future__ import annotations

from attrs import frozen

from .errors import InvalidInput


@frozen(kw_only=True, weakref_slot=False)
class Question:
    """One core question of the meeting.

    Args:
        key: a stable identifier.
        en: the question in English.
        nb: the question in Norwegian bokmål.
    """

    key: str
    en: str
    nb: str

    def text(self, language: str = "en") -> str:
        """The question in ``"en"`` or ``"nb"``."""
        if language == "nb":
            return self.nb
        if language == "en":
            return self.en
        raise InvalidInput(f"no translation for {language!r}; use 'en' or 'nb'", field="language")


CORE_QUESTIONS: tuple[Question, ...] = (
    Question(
        key="what_happened",
        en="What took place? Tell it as concretely as you can.",
        nb="Hva var det som skjedde? Fortell så konkret du kan.",
    ),
    Question(
        key="experience",
        en="How did you live through what took place?",
        nb="Hvordan opplevde du det som skjedde?",
    ),
    Question(
        key="feelings",
        en="What did you feel, then and since?",
        nb="Hva kjente du på, da og senere?",
    ),
    Question(
        key="needs",
        en="What do you need now?",
        nb="Hva trenger du nå?",
    ),
    Question(
        key="hopes",
        en="What would you like this meeting to lead to?",
        nb="Hva ønsker du at dette møtet skal føre til?",
    ),
)
"""The five core questions, in the order a meeting takes them."""
