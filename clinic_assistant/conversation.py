"""What the assistant says in one turn, independent of Rasa's SDK.

Actions turn the tracker into a ``Turn`` and call ``respond`` with what the dialogue decided
(answer a question, fall back, respond to a symptom, a personal decision, a nurse request).
Whatever that is, triage runs first: a safety message comes before anything else, urgent
messages raise or update the conversation's flag, and every message carries the reply contract
(``custom``) of DESIGN.md with the turn's triage level and reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from clinic_assistant.answers.service import AnswerService, AnswerView, fill_placeholders
from clinic_assistant.contract import NEEDS_REVIEW, TRIAGE_LEVELS, Triage, reply_custom
from clinic_assistant.db.models import TurnRecord
from clinic_assistant.db.repositories import TurnRepository
from clinic_assistant.flags import ALERT_LEVELS, FlagService, Urgency
from clinic_assistant.live.gate import hold_for_nurse
from clinic_assistant.triage import Assessment
from clinic_assistant.triage.second_opinion import with_second_opinion
from clinic_common.redaction import redact

if TYPE_CHECKING:
    from clinic_assistant.app import AppContext

# What the dialogue asks the assistant to do with a turn (one per action).
KINDS = ("answer", "fallback", "symptom", "decision", "nurse")
# Offered when the model's own ranking does not give enough informational topics.
DEFAULT_SUGGESTION_INTENTS = ("ask_options", "ask_timing", "ask_what_is")
NOT_SUGGESTED = {
    "nlu_fallback", "greet", "goodbye", "thank", "acknowledge", "bot_challenge", "report_symptom",
    "request_nurse", "ask_personal_decision", "express_worry", "express_despair", "complain",
    "out_of_scope", "ask_more",
}  # fmt: skip
# Topics offered as buttons only to a message that raised them itself.
FRIGHTENING_INTENTS = {"ask_recurrence_treatment", "ask_prognosis"}
FRIGHTENING_RAISED = re.compile(
    r"\b(come|comes|came|coming) back|\brecur|\bspread|\bsurviv|\bprognos|\boutlook|\bchance|"
    r"\bdie\b|\bdying|\bmetasta|\bstatistic",
    re.IGNORECASE,
)
# Intents that are conversation, not a question: after a safety message they add nothing.
CONVERSATIONAL = {"greet", "goodbye", "thank", "acknowledge", "bot_challenge", "out_of_scope"}
SAFETY_ANSWERS = {
    "emergency": "triage_emergency",
    "contact_team_today": "triage_contact_team_today",
    "routine_followup": "triage_routine_followup",
}
# While a conversation is urgent: a reminder before other answers, "no" to waiting, and the
# number at once to a patient who asks for a person.
ONGOING_ANSWERS = {
    "emergency": "triage_ongoing_emergency",
    "contact_team_today": "triage_ongoing_contact_team_today",
}
DO_NOT_WAIT_ANSWERS = {
    "emergency": "triage_do_not_wait_emergency",
    "contact_team_today": "triage_do_not_wait_contact_team_today",
}
UNCLEAR_SYMPTOM = "a symptom I could not assess"
# After a symptom, the model's next guess is answered too if it is a question this likely.
RUNNER_UP_CONFIDENCE = 0.2
SYMPTOM_NEIGHBOURS = {"ask_more", "ask_personal_decision"}
# Words that show a message also asks something ("quick q about flaps, also my wound ...").
QUESTION_CUE = re.compile(
    r"\?|\b(what|how|when|why|which|can|could|is|are|does|do|tell me|explain|question|"
    r"q|asking|ask|wondering|info|information)\b",
    re.IGNORECASE,
)
# Things patients ask about that the clinic's documents do not cover; asked inside a topic, the
# answer says so first, then gives what the documents do say (never a made-up fact).
UNCOVERED_ASPECTS = {
    "smoking": re.compile(r"\b(smok\w*|cigarette\w*|vap\w*|nicotine)\b", re.I),
    "drains": re.compile(r"\bdrains?\b", re.I),
    "showering or bathing": re.compile(r"\b(shower\w*|bath|bathing|wash\w*)\b", re.I),
    "driving": re.compile(r"\b(driv\w*|drove)\b", re.I),
    "bras": re.compile(r"\b(bra|bras|sports bra|underwire\w*)\b", re.I),
    "exercise": re.compile(r"\b(exercis\w*|gym|swim\w*|running|yoga|lift\w* weights?)\b", re.I),
    "flying": re.compile(r"\b(fly|flying|flight\w*|plane)\b", re.I),
    "photographs": re.compile(r"\b(photo\w*|pictures?)\b", re.I),
    "sleeping position": re.compile(r"\b(sleep\w* on|sleeping position)\b", re.I),
}
NOT_COVERED = (
    "The information I have does not cover {aspect} specifically, so please ask your team "
    "about that. Here is what it does say: "
)
# A follow-up that leans on what was just said: a pronoun, or "and ...?" / "what about ...?".
FOLLOW_UP = re.compile(
    r"\b(that|it|this|they|them|those|these|one)\b|^\s*(and|so|but|what about|how about)\b",
    re.IGNORECASE,
)
FOLLOW_UP_MAX_WORDS = 12
NOT_FOLLOWED_UP = {"greeting_smalltalk", "out_of_scope", "red_flag", "needs_surgeon_decision"}
# A question of a several-question message is answered on its own when the model is this sure.
CLAUSE_CONFIDENCE = 0.5
NOT_A_QUESTION = {"ask_more", "ask_personal_decision"}
# The general answer for a personal question that names a timing or treatment.
ENTITY_INTENTS = {
    ("timing", "immediate"): "ask_timing",
    ("timing", "delayed"): "ask_timing",
    ("treatment", "radiotherapy"): "ask_radiation",
}
NURSE_REQUEST = "asked to speak to a nurse"
DESPAIR = "distress: said they do not want to go on"
PERSONAL_DECISION = "a question only your own team can answer"
# Shown under an answer a clinician has not signed off yet (custom.notice).
REVIEW_NOTICE = (
    "A clinician has not checked this answer yet, so please talk it through with your own team."
)
# Said instead of such an answer when the clinic holds them back (CLINIC_REQUIRE_CLINICAL_
# APPROVAL), with a routine flag so that a nurse follows the question up.
HELD_ANSWER = "held_for_review"
HELD_REASON = "asked something whose answer awaits a clinician's review"
# A phone number: 7 or more digits, with the usual separators.
PHONE = re.compile(r"(?<!\w)(\+?\d[\d\s().-]{5,}\d)(?!\w)")


@dataclass(frozen=True)
class Clause:
    """One question of a message that asks several."""

    text: str
    intent: str
    confidence: float
    procedures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Turn:
    """The patient's latest message as the NLU model understood it."""

    text: str
    intent: str
    confidence: float
    intent_ranking: tuple[tuple[str, float], ...] = ()
    entities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)
    sender_id: str = ""
    message_id: str = ""
    # The NLU server's learned triage opinion ({"level", "probabilities"}), if it gave one.
    triage_opinion: dict[str, Any] | None = None
    # Each question of a message that asks several, as the NLU understood it on its own.
    clauses: tuple[Clause, ...] = ()

    def entity_values(self, entity: str) -> tuple[str, ...]:
        return self.entities.get(entity, ())


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


NURSE_BUTTON = Button(title="Talk to a nurse", payload="/request_nurse")


@dataclass(frozen=True)
class Message:
    text: str
    custom: dict[str, Any]
    buttons: tuple[Button, ...] = ()


@dataclass
class Reply:
    messages: list[Message] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    # Set when an urgent flag queued a staff alert: deliver it once the turn is committed.
    alert: bool = False


@dataclass
class _Draft:
    """A reply being put together: answers first, the contract is added at the end."""

    answers: list[tuple[AnswerView, tuple[Button, ...], dict[str, Any]]] = field(
        default_factory=list
    )
    slots: dict[str, Any] = field(default_factory=dict)

    def add(self, answer: AnswerView | None, buttons: tuple[Button, ...] = (), **extra: Any):
        if answer is not None:
            self.answers.append((answer, buttons, extra))


def _rank(level: str) -> int:
    return TRIAGE_LEVELS.index(level)


def symptom_triage(assessment: Assessment) -> Triage:
    """The level and reason from the signs themselves (not from requests or decisions)."""
    signs = [f for f in assessment.findings if f.level != "none"]
    if not signs:
        return Triage()
    # The assessment's level is the highest sign's whenever a sign reaches routine follow-up.
    return Triage(level=max((f.effective_level for f in signs), key=_rank),
                  reason=assessment.reason)  # fmt: skip


def respond(app: AppContext, turn: Turn, kind: str) -> Reply:
    """Triage the turn, then compose and record the reply, all in one unit of work."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of turn {kind!r}")
    assessment = with_second_opinion(app.triage.assess(turn.text), turn.triage_opinion, turn.intent)
    # What is stored (turn index, flag) has the patient's personal details redacted.
    stored_text = redact(turn.text, app.settings.redact)
    with app.database.unit_of_work() as session:
        flags = FlagService(session)
        ongoing = flags.ongoing_urgency(turn.sender_id) if turn.sender_id else None
        composer = _Composer(app.answer_service(session), flags, turn, assessment, stored_text,
                             ongoing, app.settings.require_clinical_approval)  # fmt: skip
        reply = hold_for_nurse(app, session, turn, stored_text, composer.compose(kind))
        TurnRepository(session).record(turn_record(turn, reply, stored_text))
    if reply.alert:
        app.alerts.nudge()
    return reply


def turn_record(turn: Turn, reply: Reply, stored_text: str | None = None) -> TurnRecord:
    """What the console indexes about this turn."""
    customs = [message.custom for message in reply.messages]
    triage = customs[0]["triage"] if customs else Triage().as_dict()
    return TurnRecord(
        conversation_id=turn.sender_id or "unknown",
        message_id=turn.message_id,
        text=turn.text if stored_text is None else stored_text,
        intent=turn.intent,
        confidence=turn.confidence,
        topics=[custom["topic"] for custom in customs],
        answer_ids=[custom["answer_id"] for custom in customs],
        triage_level=triage["level"],
        triage_reason=triage["reason"],
        fallback=any(custom["topic"] == "fallback" for custom in customs),
    )


class _Composer:
    def __init__(
        self,
        answers: AnswerService,
        flags: FlagService,
        turn: Turn,
        assessment: Assessment,
        stored_text: str,
        ongoing: Urgency | None = None,
        hold_unreviewed: bool = False,
    ) -> None:
        self.hold_unreviewed = hold_unreviewed
        self.stored_text = stored_text
        self.ongoing = ongoing
        self.answers = answers
        self.flags = flags
        self.turn = turn
        self.assessment = assessment

    # ------------------------------------------------------------------ the turn
    def compose(self, kind: str) -> Reply:
        turn, assessment = self.turn, self.assessment
        symptoms = symptom_triage(assessment)
        wants_nurse = assessment.nurse_request or kind == "nurse"
        personal = assessment.personal_decision or kind == "decision"
        feelings_only = assessment.feelings and symptoms.level == "none"
        despair = assessment.despair or turn.intent == "express_despair"
        unclear_symptom = (
            kind == "symptom"
            and symptoms.level == "none"
            and not (
                assessment.expected_findings
                or assessment.symptoms_denied
                or wants_nurse
                or personal
                or feelings_only
            )
        )
        triage, flag_kind = self._turn_triage(
            symptoms, wants_nurse, personal, unclear_symptom, despair
        )
        ongoing = self._still_urgent(symptoms)
        if ongoing is not None:
            # Until staff resolve the conversation's urgent flag, every reply keeps its level.
            triage = Triage(ongoing.level, ongoing.reason)
            if flag_kind != "symptom":
                flag_kind = None
        callback = self._callback_number(wants_nurse)
        draft = _Draft()
        if symptoms.level != "none":
            draft.add(self.answers.answer_for(SAFETY_ANSWERS[symptoms.level]))
        urgent_level = triage.level if triage.level in ALERT_LEVELS else None
        if urgent_level and assessment.wants_to_wait:
            # "Can it wait till Thursday?" / "I'll ring on Monday": no, and why.
            draft.add(self.answers.answer_for(DO_NOT_WAIT_ANSWERS[urgent_level]))
            return self._finish(draft, triage, flag_kind, callback, wants_nurse)
        if urgent_level and wants_nurse:
            draft.add(self.answers.answer_for("triage_speak_now"))
            return self._finish(draft, triage, flag_kind, callback, wants_nurse)
        if ongoing is not None:
            draft.add(self.answers.answer_for(ONGOING_ANSWERS[ongoing.level]))
        if callback and not wants_nurse:
            # The number the patient was asked for: that is the whole message.
            draft.add(self.answers.answer_for("callback_number"))
        elif despair:
            draft.add(self.answers.answer_for("express_despair"), (NURSE_BUTTON,))
        elif wants_nurse:
            draft.add(self.answers.answer_for("request_nurse"))
        elif personal:
            self._personal_decision(draft)
        elif symptoms.level == "none" and (
            turn.intent == "express_worry"
            or (feelings_only and (kind in ("symptom", "fallback") or turn.intent == "greet"))
        ):
            # Fear, panic or low mood on their own: support and the nurse button, no flag.
            draft.add(self.answers.answer_for("express_worry"), (NURSE_BUTTON,))
        elif kind == "symptom":
            self._symptom(draft, unclear_symptom)
            self._also_answer(draft)
        elif kind == "fallback":
            if symptoms.level == "none" and not callback and ongoing is None:
                # Not sure of the intent, but the message names a procedure: answer about it
                # ("just asking about fat grafting") rather than offer topics.
                self._about_named_procedure(draft) or self._follow_up(draft) or self._offer_topics(
                    draft
                )
            elif symptoms.level != "none":
                self._also_answer(draft)
        elif not (draft.answers and turn.intent in CONVERSATIONAL):
            self._answer_each_question(draft)
        if not draft.answers:
            self._offer_topics(draft)
        return self._finish(draft, triage, flag_kind, callback, wants_nurse)

    def _still_urgent(self, symptoms: Triage) -> Urgency | None:
        """The conversation's open urgent flag, when this turn's own signs are less urgent."""
        ongoing = self.ongoing
        if ongoing is None or _rank(symptoms.level) >= _rank(ongoing.level):
            return None
        return ongoing

    def _turn_triage(
        self,
        symptoms: Triage,
        wants_nurse: bool,
        personal: bool,
        unclear_symptom: bool,
        despair: bool = False,
    ) -> tuple[Triage, str | None]:
        if symptoms.level != "none":
            return symptoms, "symptom"
        for condition, reason, kind in (
            (despair, DESPAIR, "wellbeing"),
            (wants_nurse, NURSE_REQUEST, "nurse_request"),
            (personal, PERSONAL_DECISION, "personal_decision"),
            (unclear_symptom, UNCLEAR_SYMPTOM, "symptom"),
        ):
            if condition:
                return Triage("routine_followup", reason), kind
        return Triage("none", self.assessment.reason), None

    def _callback_number(self, wants_nurse: bool = False) -> str:
        """A phone number left for a call back, after the request or in it ("" if none)."""
        if not (self.turn.slots.get("awaiting_callback") or wants_nurse):
            return ""
        match = PHONE.search(self.turn.text)
        if not match or sum(c.isdigit() for c in match.group(1)) < 7:
            return ""
        return " ".join(match.group(1).split())

    # ------------------------------------------------------------------ what to say
    def _answer(self, draft: _Draft, intent: str | None = None) -> None:
        turn = self.turn
        intent = intent or turn.intent
        if intent == "ask_more":
            self._more(draft)
            return
        procedures = turn.entity_values("procedure")
        context: dict[str, Any] = {}
        if not procedures and turn.slots.get("procedure"):
            # A follow-up ("and the risks?") is about what was discussed before.
            procedures = (turn.slots["procedure"],)
            context = {"procedure": turn.slots["procedure"], "from": "conversation"}
        answer = self.answers.answer_for(intent, procedures, turn.text)
        if answer is None:
            self._offer_topics(draft)
            return
        if answer.sources and answer.id == turn.slots.get("last_answer_id"):
            # The same paragraph twice in a row helps nobody: the next one of the topic, or
            # say that is all there is.
            given = [*(turn.slots.get("given_answers") or []), answer.id]
            answer = self.answers.next_in_topic(answer.topic, given) or self.answers.answer_for(
                "ask_more"
            )
            if answer is None:
                return
        uncovered = self._uncovered_aspect(answer)
        if uncovered:
            context = {**context, "not_covered": uncovered}
        draft.add(answer, context=context) if context else draft.add(answer)

    def _uncovered_aspect(self, answer: AnswerView) -> str:
        """What the question asks about that the chosen answer does not mention ("" if none)."""
        if not answer.sources:
            return ""
        for aspect, pattern in UNCOVERED_ASPECTS.items():
            if pattern.search(self.turn.text) and not pattern.search(answer.text):
                return aspect
        return ""

    def _answer_each_question(self, draft: _Draft) -> None:
        """Every question of the message, in the order asked, or the one it asks."""
        questions = [
            c for c in self.turn.clauses
            if c.intent.startswith("ask_") and c.intent not in NOT_A_QUESTION
            and c.confidence >= CLAUSE_CONFIDENCE
        ]  # fmt: skip
        if len({c.intent for c in questions}) < 2:
            self._answer(draft)
            return
        for clause in questions:
            procedures = clause.procedures or tuple(self.turn.entity_values("procedure"))
            answer = self.answers.answer_for(clause.intent, procedures, clause.text)
            if answer is not None and answer.topic not in {a.topic for a, _, _ in draft.answers}:
                draft.add(answer)

    def _more(self, draft: _Draft) -> None:
        topic = self.turn.slots.get("last_topic")
        given = list(self.turn.slots.get("given_answers") or [])
        answer = self.answers.next_in_topic(topic, given) if topic else None
        if answer is None:
            suggestions = self._suggestions()
            draft.add(self.answers.answer_for("ask_more"), suggestions, suggestions=[
                b.payload[1:] for b in suggestions
            ])  # fmt: skip
            return
        draft.add(answer)

    def _personal_decision(self, draft: _Draft) -> None:
        turn = self.turn
        draft.add(self.answers.answer_for("ask_personal_decision", (), turn.text))
        general = None
        for procedure in turn.entity_values("procedure"):
            general = self.answers.about_procedure(procedure)
            if general:
                break
        if general is None and turn.intent not in {
            "ask_personal_decision",
            "request_nurse",
            "nlu_fallback",
        }:
            general = self.answers.answer_for(turn.intent, (), turn.text)
        for (entity, value), intent in ENTITY_INTENTS.items():
            if general is None and value in turn.entity_values(entity):
                general = self.answers.answer_for(intent, (), turn.text)
        if general is not None and general.topic not in ("greeting_smalltalk", "out_of_scope"):
            draft.add(general)

    def _about_named_procedure(self, draft: _Draft) -> bool:
        """Answer about the procedure the message names, when the model's best guess below
        the threshold is that procedure's topic too: two signals that agree."""
        guesses = [name for name, _ in self.turn.intent_ranking if name != "nlu_fallback"]
        guess = self.answers.answer_for(guesses[0]) if guesses else None
        for procedure in self.turn.entity_values("procedure"):
            answer = self.answers.about_procedure(procedure, self.turn.text)
            if answer is not None and guess is not None and guess.topic == answer.topic:
                draft.add(answer)
                return True
        return False

    def _follow_up(self, draft: _Draft) -> bool:
        """A short follow-up the model is unsure of ("is that permanent?", "and how long does
        it take?") is answered inside the topic just discussed, when one of the model's three
        best guesses is that topic: the conversation and the model agree."""
        topic = self.turn.slots.get("last_topic")
        if not topic or topic in NOT_FOLLOWED_UP or not FOLLOW_UP.search(self.turn.text):
            return False
        if len(self.turn.text.split()) > FOLLOW_UP_MAX_WORDS:
            return False
        for intent in self._question_guesses()[:3]:
            guess = self.answers.answer_for(intent)
            if guess is not None and guess.topic == topic:
                self._answer(draft, intent)
                return bool(draft.answers)
        return False

    def _symptom(self, draft: _Draft, unclear: bool) -> None:
        if draft.answers or self.assessment.symptoms_denied:
            return
        if unclear or not self.assessment.expected_findings:
            draft.add(self.answers.answer_for("report_symptom"))
        else:
            draft.add(self.answers.answer_for("triage_expected"))

    def _also_answer(self, draft: _Draft) -> None:
        """An information question in a message about a symptom ("quick q about flaps, also
        my wound is leaking") is still answered: about the procedure it names if it asks
        something ("my flap looks blue" names a flap but asks nothing), else the model's best
        question intent if it gives it some confidence."""
        turn = self.turn
        answer = None
        if QUESTION_CUE.search(turn.text):
            for procedure in turn.entity_values("procedure"):
                answer = self.answers.about_procedure(procedure)
                if answer:
                    break
        for intent, confidence in [] if answer else turn.intent_ranking:
            if intent in SYMPTOM_NEIGHBOURS or not intent.startswith("ask_"):
                continue
            if confidence >= RUNNER_UP_CONFIDENCE:
                answer = self.answers.answer_for(intent, turn.entity_values("procedure"), turn.text)
            break
        if answer is not None and answer.id not in {a.id for a, _, _ in draft.answers}:
            draft.add(answer)

    def _question_guesses(self) -> list[str]:
        """The model's ranked intents that are information questions, best first."""
        return [name for name, _ in self.turn.intent_ranking if name not in NOT_SUGGESTED]

    def _suggestions(self) -> tuple[Button, ...]:
        ranked = self._question_guesses()
        if not FRIGHTENING_RAISED.search(self.turn.text):
            ranked = [name for name in ranked if name not in FRIGHTENING_INTENTS]
        suggestions = self.answers.suggestions([*ranked, *DEFAULT_SUGGESTION_INTENTS], limit=3)
        return tuple(Button(title=s.title, payload=f"/{s.intent}") for s in suggestions)

    def _offer_topics(self, draft: _Draft) -> None:
        answer = self.answers.answer_for("nlu_fallback")
        if answer is None:
            raise LookupError("the answer store has no fallback answer; run the seed")
        buttons = self._suggestions()
        draft.add(answer, buttons, suggestions=[b.payload[1:] for b in buttons])

    # ------------------------------------------------------------------ recording it
    def _finish(
        self,
        draft: _Draft,
        triage: Triage,
        flag_kind: str | None,
        callback: str,
        wants_nurse: bool,
    ) -> Reply:
        turn = self.turn
        reply = Reply()
        reference = ""
        triage, flag_kind = self._hold_unreviewed(draft, triage, flag_kind)
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
        if callback:
            # "please ring me, it's 07700 900456": on the flag just raised, or the one waiting.
            reference = reference or turn.slots["awaiting_callback"]
            self.flags.record_callback_number(reference, callback)
        values = {"reason": triage.reason, "reference": reference or "not needed",
                  "common_findings": self._common_findings()}  # fmt: skip
        for answer, buttons, extra in draft.answers:
            text = fill_placeholders(answer.text, values)
            uncovered = extra.get("context", {}).get("not_covered")
            if uncovered:
                text = NOT_COVERED.format(aspect=uncovered) + text
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
        reply.slots = self._slots(draft, wants_nurse, reference, callback)
        return reply

    def _hold_unreviewed(
        self, draft: _Draft, triage: Triage, flag_kind: str | None
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
        if _rank(triage.level) < _rank("routine_followup"):
            return Triage("routine_followup", HELD_REASON), "held_answer"
        return triage, flag_kind

    def _common_findings(self) -> str:
        """The expected after-surgery findings the message names ("bruising and ...")."""
        reasons = list(dict.fromkeys(f.reason for f in self.assessment.expected_findings))
        return " and ".join(reasons) or "what you describe"

    def _slots(
        self, draft: _Draft, wants_nurse: bool, reference: str, callback: str
    ) -> dict[str, Any]:
        slots: dict[str, Any] = {}
        informative = [a for a, _, _ in draft.answers if a.sources and a.topic not in (
            "red_flag", "needs_surgeon_decision", "out_of_scope"
        )]  # fmt: skip
        if informative:
            last = informative[-1]
            given = list(self.turn.slots.get("given_answers") or [])
            slots.update(
                last_topic=last.topic,
                last_answer_id=last.id,
                given_answers=[*given, *(a.id for a in informative if a.id not in given)],
            )
            used_context = any("procedure" in extra.get("context", {}) for _, _, extra in
                               draft.answers)  # fmt: skip
            switched = last.topic != self.turn.slots.get("last_topic")
            if switched and not used_context and not self.turn.entity_values("procedure"):
                # A new topic, not about the procedure discussed: "it" no longer means that.
                slots["procedure"] = None
        if wants_nurse and reference and not callback:
            slots["awaiting_callback"] = reference
        elif callback or self.turn.slots.get("awaiting_callback"):
            slots["awaiting_callback"] = None
        return slots
