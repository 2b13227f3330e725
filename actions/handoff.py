"""Handing over to people: personal decisions for the surgeon, requests for a nurse."""

from __future__ import annotations

from actions.base import ClinicAction


class ActionExplainSurgeonDecides(ClinicAction):
    kind = "decision"

    def name(self) -> str:
        return "action_explain_surgeon_decides"


class ActionRequestNurse(ClinicAction):
    kind = "nurse"

    def name(self) -> str:
        return "action_request_nurse"
