"""When the assistant is not confident enough to answer: say so and offer topics."""

from __future__ import annotations

from actions.base import ClinicAction


class ActionOfferTopics(ClinicAction):
    """Runs on ``nlu_fallback`` (low NLU confidence)."""

    kind = "fallback"

    def name(self) -> str:
        return "action_offer_topics"


class ActionDefaultFallback(ActionOfferTopics):
    """Replaces Rasa's built-in default fallback (``utter_default``), which would reply without
    the reply contract, when the dialogue policies are not confident about the next action."""

    def name(self) -> str:
        return "action_default_fallback"
