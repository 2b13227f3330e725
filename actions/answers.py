"""Answering information questions and conversation from the curated answers."""

from __future__ import annotations

from actions.base import ClinicAction


class ActionAnswerQuestion(ClinicAction):
    kind = "answer"

    def name(self) -> str:
        return "action_answer_question"
