"""Responding to a patient who describes a symptom (triage itself runs in every action)."""

from __future__ import annotations

from actions.base import ClinicAction


class ActionAssessSymptom(ClinicAction):
    kind = "symptom"

    def name(self) -> str:
        return "action_assess_symptom"
