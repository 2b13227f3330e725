"""Answering information questions from the curated answers."""

from __future__ import annotations

from actions.base import ClinicAction
from clinic_assistant.contract import Triage
from clinic_assistant.conversation import Reply, Turn, answer_question


class ActionAnswerQuestion(ClinicAction):
    def name(self) -> str:
        return "action_answer_question"

    def reply(self, turn: Turn) -> Reply:
        with self.app.answers() as service:
            return answer_question(service, turn, Triage())
