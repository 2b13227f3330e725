"""Turning the draft into the reply: the flag, the reply contract on every message, the slots.

Every message of the reply carries the turn's triage level and reason (DESIGN.md's contract,
``clinic_common.contract``); a flag raised or updated here gives the reference the messages
quote; answers a clinician has not signed off carry a notice, or are held back where the clinic
asks for that.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from clinic_assistant.answers.service import AnswerService, fill_placeholders
from clinic_assistant.dialogue.handlers import Draft, TurnContext
from clinic_assistant.dialogue.turn import Message, Reply
from clinic_assistant.flags import FlagService
from clinic_common.contract import NEEDS_REVIEW, Triage, rank, reply_custom

NOT_COVERED = (
    "The information I have does not cover {aspect} specifically, so please ask your team "
    "about that. Here is what it does say: "
)
# Before the model's best guess below its fallback threshold (the other likely topics follow
# as buttons).
BEST_GUESS = (
    "I'm not completely sure what you're asking, but I think it is about this ({title}). "
    "If it isn't, please choose one of the topics below or ask in a different way. "
)
# Shown under an answer a clinician has not signed off yet (custom.notice).
REVIEW_NOTICE = (
    "A clinician has not checked this answer yet, so please talk it through with your own team."
)
# Said instead of such an answer when the clinic holds them back (CLINIC_REQUIRE_CLINICAL_
# APPROVAL), with a routine flag so that a nurse follows the question up.
HELD_ANSWER = "held_for_review"
HELD_REASON = "asked something whose answer awaits a clinician's review"
# Topics that are not information about a procedure: they do not become the conversation's.
NOT_A_TOPIC_TO_FOLLOW = ("red_flag", "needs_surgeon_decision", "out_of_scope")


@dataclass
class ReplyWriter:
    ctx: TurnContext
    flags: FlagService
    stored_text: str
    hold_unreviewed: bool = False

    @property
    def answers(self) -> AnswerService:
        return self.ctx.answers

    def write(self, draft: Draft) -> Reply:
        turn, situation = self.ctx.turn, self.ctx.situation
        reply = Reply()
        reference = ""
        triage, flag_kind = self._hold_unreviewed(draft, situation.triage, situation.flag_kind)
        if flag_kind is not None:
            outcome = self.flags.raise_flag(
                conversation_id=turn.sender_id or "unknown",
                message_id=turn.message_id,
                message_text=self.stored_text,
                level=triage.level,
                reason=triage.reason,
                kind=flag_kind,
            )
            reference, reply.alert = outcome.reference, outcome.alert
        if situation.callback:
            # "please ring me, it's 07700 900456": on the flag just raised, or the one waiting.
            reference = reference or turn.slots["awaiting_callback"]
            self.flags.record_callback_number(reference, situation.callback)
        values = {"reason": triage.reason, "reference": reference or "not needed",
                  "common_findings": self._common_findings()}  # fmt: skip
        for answer, buttons, extra in draft.answers:
            text = fill_placeholders(answer.text, values)
            uncovered = extra.get("context", {}).get("not_covered")
            if uncovered:
                text = NOT_COVERED.format(aspect=uncovered) + text
            if extra.get("best_guess"):
                text = BEST_GUESS.format(title=answer.title) + text
            custom = reply_custom(
                topic=answer.topic,
                answer_id=answer.id,
                sources=answer.sources,
                triage=triage,
                review_status=answer.review_status,
                notice=REVIEW_NOTICE if answer.review_status == NEEDS_REVIEW else "",
                title=answer.title,
                **({"flag_reference": reference} if reference else {}),
                **extra,
            )
            reply.messages.append(Message(text=text, custom=custom, buttons=buttons))
        reply.slots = self._slots(draft, reference)
        return reply

    def _hold_unreviewed(
        self, draft: Draft, triage: Triage, flag_kind: str | None
    ) -> tuple[Triage, str | None]:
        """Where the clinic holds unreviewed answers back, say the team will talk it through
        instead, once, and make sure a nurse sees the question (a routine flag at least)."""
        held = self.answers.answer_for(HELD_ANSWER) if self.hold_unreviewed else None
        unreviewed = [a for a, _, _ in draft.answers if a.review_status == NEEDS_REVIEW]
        if held is None or not unreviewed:
            return triage, flag_kind
        kept, said = [], False
        for answer, buttons, extra in draft.answers:
            if answer.review_status != NEEDS_REVIEW:
                kept.append((answer, buttons, extra))
            elif not said:
                # The topic stays what was asked about; no sources: nothing medical is said.
                view = replace(held, topic=answer.topic, sources=())
                kept.append((view, buttons, {**extra, "held_answer_id": answer.id}))
                said = True
        draft.answers = kept
        if rank(triage.level) < rank("routine_followup"):
            return Triage("routine_followup", HELD_REASON), "held_answer"
        return triage, flag_kind

    def _common_findings(self) -> str:
        """The expected after-surgery findings the message names ("bruising and ...")."""
        findings = self.ctx.assessment.expected_findings
        reasons = list(dict.fromkeys(f.reason for f in findings))
        return " and ".join(reasons) or "what you describe"

    def _slots(self, draft: Draft, reference: str) -> dict[str, Any]:
        turn, situation = self.ctx.turn, self.ctx.situation
        slots: dict[str, Any] = {}
        informative = [a for a, _, _ in draft.answers
                       if a.sources and a.topic not in NOT_A_TOPIC_TO_FOLLOW]  # fmt: skip
        if informative:
            last = informative[-1]
            given = list(turn.slots.get("given_answers") or [])
            slots.update(
                last_topic=last.topic,
                last_answer_id=last.id,
                given_answers=[*given, *(a.id for a in informative if a.id not in given)],
            )
            used_context = any("procedure" in extra.get("context", {})
                               for _, _, extra in draft.answers)  # fmt: skip
            switched = last.topic != turn.slots.get("last_topic")
            if switched and not used_context and not turn.entity_values("procedure"):
                # A new topic, not about the procedure discussed: "it" no longer means that.
                slots["procedure"] = None
        if situation.wants_nurse and reference and not situation.callback:
            slots["awaiting_callback"] = reference
        elif situation.callback or turn.slots.get("awaiting_callback"):
            slots["awaiting_callback"] = None
        return slots
