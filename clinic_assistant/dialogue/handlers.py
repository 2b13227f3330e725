"""What the assistant says for each kind of turn: one handler per kind, each owning its logic.

``clinic_assistant.dialogue.situation.decide`` picks the handler. Whatever it is, the reply
starts the same way (``start``): the safety message when the message names a sign, and while
the conversation is urgent a reminder of it. Then the handler adds what its kind of turn needs;
a reply with nothing in it offers topics. The answers come from the curated answer service,
which reads the answers once per turn.

Where to look for what happens when a patient...
- asks a question (one or several, a follow-up, "tell me more"): ``Answer``;
- is not understood: ``Fallback``;
- describes a symptom: ``Symptom`` (the safety message itself comes from ``start``);
- asks what they should choose: ``PersonalDecision``; asks for a person: ``NurseRequest``,
  or ``SpeakNow`` when the conversation is urgent; leaves a number: ``CallbackNumber``;
- asks whether an urgent problem can wait: ``DoNotWait``;
- is frightened or low: ``Worry``; in despair: ``Despair``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from clinic_assistant.answers.service import AnswerService, AnswerView
from clinic_assistant.dialogue.situation import Situation
from clinic_assistant.dialogue.turn import NURSE_BUTTON, Button, Turn
from clinic_assistant.triage import Assessment
from clinic_common.topics import BEST_GUESS_CONFIDENCE, is_information_question

# Offered when the model's own ranking does not give enough informational topics.
DEFAULT_SUGGESTION_INTENTS = ("ask_options", "ask_timing", "ask_what_is")
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


@dataclass
class Draft:
    """A reply being put together: answers first, the contract is added at the end."""

    answers: list[tuple[AnswerView, tuple[Button, ...], dict[str, Any]]] = field(
        default_factory=list
    )

    def add(self, answer: AnswerView | None, buttons: tuple[Button, ...] = (), **extra: Any):
        if answer is not None:
            self.answers.append((answer, buttons, extra))

    def topics(self) -> set[str]:
        return {answer.topic for answer, _, _ in self.answers}


@dataclass
class TurnContext:
    """What every handler works with: the turn, what triage and the dialogue made of it, the
    answers, and the draft reply."""

    turn: Turn
    assessment: Assessment
    situation: Situation
    answers: AnswerService
    draft: Draft = field(default_factory=Draft)

    def say(self, intent: str, buttons: tuple[Button, ...] = (), **extra: Any) -> None:
        self.draft.add(self.answers.answer_for(intent), buttons, **extra)

    # ------------------------------------------------------------------ questions
    def answer(self, intent: str | None = None) -> None:
        """The curated answer to the question (of ``intent``, else the turn's)."""
        turn = self.turn
        intent = intent or turn.intent
        if intent == "ask_more":
            self.more()
            return
        procedures = turn.entity_values("procedure")
        context: dict[str, Any] = {}
        if not procedures and turn.slots.get("procedure"):
            # A follow-up ("and the risks?") is about what was discussed before.
            procedures = (turn.slots["procedure"],)
            context = {"procedure": turn.slots["procedure"], "from": "conversation"}
        answer = self.answers.answer_for(intent, procedures, turn.text)
        if answer is None:
            self.offer_topics()
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
        self.draft.add(answer, context=context) if context else self.draft.add(answer)

    def _uncovered_aspect(self, answer: AnswerView) -> str:
        """What the question asks about that the chosen answer does not mention ("" if none)."""
        if not answer.sources:
            return ""
        for aspect, pattern in UNCOVERED_ASPECTS.items():
            if pattern.search(self.turn.text) and not pattern.search(answer.text):
                return aspect
        return ""

    def more(self) -> None:
        """ "Tell me more": the next answer of the topic just discussed, else topics."""
        topic = self.turn.slots.get("last_topic")
        given = list(self.turn.slots.get("given_answers") or [])
        answer = self.answers.next_in_topic(topic, given) if topic else None
        if answer is None:
            suggestions = self.suggestions()
            self.draft.add(self.answers.answer_for("ask_more"), suggestions,
                           suggestions=[b.payload[1:] for b in suggestions])  # fmt: skip
            return
        self.draft.add(answer)

    def also_answer(self) -> None:
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
        if answer is not None and answer.id not in {a.id for a, _, _ in self.draft.answers}:
            self.draft.add(answer)

    # ------------------------------------------------------------------ offering topics
    def question_guesses(self) -> list[str]:
        """The model's ranked intents that are information questions, best first."""
        return [name for name, _ in self.turn.intent_ranking if is_information_question(name)]

    def suggestions(self) -> tuple[Button, ...]:
        ranked = self.question_guesses()
        if not FRIGHTENING_RAISED.search(self.turn.text):
            ranked = [name for name in ranked if name not in FRIGHTENING_INTENTS]
        suggestions = self.answers.suggestions([*ranked, *DEFAULT_SUGGESTION_INTENTS], limit=3)
        return tuple(Button(title=s.title, payload=f"/{s.intent}") for s in suggestions)

    def offer_topics(self) -> None:
        answer = self.answers.answer_for("nlu_fallback")
        if answer is None:
            raise LookupError("the answer store has no fallback answer; run the seed")
        buttons = self.suggestions()
        self.draft.add(answer, buttons, suggestions=[b.payload[1:] for b in buttons])


def start(ctx: TurnContext, handler: Handler) -> None:
    """What every reply begins with: the safety message for the signs the message names, and
    while the conversation is urgent a reminder (unless the handler's whole reply is about
    that urgency)."""
    situation = ctx.situation
    if situation.symptoms.level != "none":
        ctx.say(SAFETY_ANSWERS[situation.symptoms.level])
    if situation.ongoing is not None and not handler.about_the_urgency:
        ctx.say(ONGOING_ANSWERS[situation.ongoing.level])


class Handler:
    # The reply is about the conversation's urgency itself: no reminder before it and no
    # topics offered after it.
    about_the_urgency: ClassVar[bool] = False

    def handle(self, ctx: TurnContext) -> None:
        raise NotImplementedError


class Answer(Handler):
    """Every question of the message, in the order asked, or the one it asks."""

    def handle(self, ctx: TurnContext) -> None:
        if ctx.draft.answers and ctx.turn.intent in CONVERSATIONAL:
            return  # "hi" after a safety message adds nothing
        questions = [
            c for c in ctx.turn.clauses
            if c.intent.startswith("ask_") and c.intent not in NOT_A_QUESTION
            and c.confidence >= CLAUSE_CONFIDENCE
        ]  # fmt: skip
        if len({c.intent for c in questions}) < 2:
            ctx.answer()
            return
        for clause in questions:
            procedures = clause.procedures or tuple(ctx.turn.entity_values("procedure"))
            answer = ctx.answers.answer_for(clause.intent, procedures, clause.text)
            if answer is not None and answer.topic not in ctx.draft.topics():
                ctx.draft.add(answer)


class Fallback(Handler):
    """The model is not sure. With no sign in the message: about the procedure it names, or
    inside the topic just discussed, or topics to choose from. With a sign: the safety message
    (from ``start``) and any question the message also asks."""

    def handle(self, ctx: TurnContext) -> None:
        situation = ctx.situation
        if situation.symptoms.level != "none":
            ctx.also_answer()
        elif situation.callback or situation.ongoing is not None:
            return  # the call-back number or the urgency is the reply
        elif not (
            self._about_named_procedure(ctx) or self._follow_up(ctx) or self._best_guess(ctx)
        ):
            ctx.offer_topics()

    @staticmethod
    def _about_named_procedure(ctx: TurnContext) -> bool:
        """Answer about the procedure the message names, when the model's best guess below
        the threshold is that procedure's topic too: two signals that agree."""
        best = ctx.turn.best_guess
        guess = ctx.answers.answer_for(best) if best else None
        for procedure in ctx.turn.entity_values("procedure"):
            answer = ctx.answers.about_procedure(procedure, ctx.turn.text)
            if answer is not None and guess is not None and guess.topic == answer.topic:
                ctx.draft.add(answer)
                return True
        return False

    @staticmethod
    def _follow_up(ctx: TurnContext) -> bool:
        """A short follow-up the model is unsure of ("is that permanent?", "and how long does
        it take?") is answered inside the topic just discussed, when one of the model's three
        best guesses is that topic (the conversation and the model agree), or when the model
        has no guess worth answering at all: then the conversation is all there is to go on."""
        topic = ctx.turn.slots.get("last_topic")
        if not topic or topic in NOT_FOLLOWED_UP or not FOLLOW_UP.search(ctx.turn.text):
            return False
        if len(ctx.turn.text.split()) > FOLLOW_UP_MAX_WORDS:
            return False
        guesses = ctx.question_guesses()
        model_lost = ctx.turn.top_guess[1] < BEST_GUESS_CONFIDENCE
        for intent in guesses if model_lost else guesses[:3]:
            guess = ctx.answers.answer_for(intent)
            if guess is not None and guess.topic == topic:
                ctx.answer(intent)
                return bool(ctx.draft.answers)
        return False

    @staticmethod
    def _best_guess(ctx: TurnContext) -> bool:
        """The model's best guess, when it is an information question with at least
        ``BEST_GUESS_CONFIDENCE``: answered, said to be a guess, with the other likely topics as
        buttons (held-out data of our own: such guesses are right more often than wrong, and a
        wrong one costs the patient one tap, as the topics alone would). Never for a message of
        unknown words, never a frightening topic the message did not raise."""
        turn = ctx.turn
        intent, confidence = turn.top_guess
        if (
            turn.unknown_words
            or confidence < BEST_GUESS_CONFIDENCE
            or not is_information_question(intent)
        ):
            return False
        if intent in FRIGHTENING_INTENTS and not FRIGHTENING_RAISED.search(turn.text):
            return False
        before = len(ctx.draft.answers)
        ctx.answer(intent)
        if len(ctx.draft.answers) != before + 1 or ctx.draft.answers[-1][0].topic == "fallback":
            return bool(ctx.draft.answers)
        answer, _, extra = ctx.draft.answers[-1]
        others = tuple(
            b for b in ctx.suggestions() if b.payload != f"/{intent}" and b.title != answer.title
        )[:2]
        suggested = [b.payload[1:] for b in others]
        guessed = {**extra, "best_guess": True, "suggestions": suggested}
        ctx.draft.answers[-1] = (answer, others, guessed)
        return True


class Symptom(Handler):
    """After the safety message: what is expected after surgery, or a request for more
    detail when no sign was recognised; then any question the message also asks."""

    def handle(self, ctx: TurnContext) -> None:
        if not (ctx.draft.answers or ctx.assessment.symptoms_denied):
            if ctx.situation.unclear_symptom or not ctx.assessment.expected_findings:
                ctx.say("report_symptom")
            else:
                ctx.say("triage_expected")
        ctx.also_answer()


class PersonalDecision(Handler):
    """Only their own team can say what is right for them; then the general answer about
    what they asked, where there is one."""

    def handle(self, ctx: TurnContext) -> None:
        turn = ctx.turn
        ctx.draft.add(ctx.answers.answer_for("ask_personal_decision", (), turn.text))
        general = None
        for procedure in turn.entity_values("procedure"):
            general = ctx.answers.about_procedure(procedure)
            if general:
                break
        if general is None and turn.intent not in {
            "ask_personal_decision", "request_nurse", "nlu_fallback",
        }:  # fmt: skip
            general = ctx.answers.answer_for(turn.intent, (), turn.text)
        for (entity, value), intent in ENTITY_INTENTS.items():
            if general is None and value in turn.entity_values(entity):
                general = ctx.answers.answer_for(intent, (), turn.text)
        if general is not None and general.topic not in ("greeting_smalltalk", "out_of_scope"):
            ctx.draft.add(general)


class Said(Handler):
    """A handler whose reply is one curated answer (and buttons)."""

    answer_intent: ClassVar[str]
    buttons: ClassVar[tuple[Button, ...]] = ()

    def handle(self, ctx: TurnContext) -> None:
        ctx.say(self.answer_intent, self.buttons)


class NurseRequest(Said):
    """A nurse will call back (the flag is raised by the reply); the number is asked for."""

    answer_intent = "request_nurse"


class CallbackNumber(Said):
    """The number the patient was asked for: that is the whole message."""

    answer_intent = "callback_number"


class Despair(Said):
    answer_intent = "express_despair"
    buttons = (NURSE_BUTTON,)


class Worry(Said):
    """Fear, panic or low mood on their own: support and the nurse button, no flag."""

    answer_intent = "express_worry"
    buttons = (NURSE_BUTTON,)


class SpeakNow(Handler):
    """Asking for a person while the conversation is urgent: the number to ring now."""

    about_the_urgency = True

    def handle(self, ctx: TurnContext) -> None:
        ctx.say("triage_speak_now")


class DoNotWait(Handler):
    """ "Can it wait till Thursday?" / "I'll ring on Monday" while urgent: no, and why."""

    about_the_urgency = True

    def handle(self, ctx: TurnContext) -> None:
        level = ctx.situation.urgent_level
        if level is not None:
            ctx.say(DO_NOT_WAIT_ANSWERS[level])


HANDLERS: dict[str, Handler] = {
    "answer": Answer(),
    "fallback": Fallback(),
    "symptom": Symptom(),
    "personal_decision": PersonalDecision(),
    "nurse_request": NurseRequest(),
    "callback_number": CallbackNumber(),
    "despair": Despair(),
    "worry": Worry(),
    "speak_now": SpeakNow(),
    "do_not_wait": DoNotWait(),
}


def handle(ctx: TurnContext) -> Draft:
    """The whole draft reply of the turn."""
    handler = HANDLERS[ctx.situation.handler]
    start(ctx, handler)
    handler.handle(ctx)
    if not ctx.draft.answers and not handler.about_the_urgency:
        ctx.offer_topics()
    return ctx.draft
