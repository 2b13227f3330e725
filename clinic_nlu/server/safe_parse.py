"""Every patient message reaches triage: normalised text, and a parse even when the NLU fails.

Rasa hands each message to ``MessageProcessor.parse_message`` before anything else happens to
it; if the NLU pipeline raises there (a character the MiniLM featurizer cannot align, a bug),
Rasa drops the message: nothing is stored, no action runs, so triage never sees it and the
patient gets "a problem on our side". This wraps ``parse_message`` so that:

- the text is normalised once (``clinic_common.text.normalise_message``) and that is the text
  Rasa stores and the actions (triage) read;
- the model reads the text without emoji and at most a few hundred characters of it
  (``model_text``): its work per message is bounded; the stored text is kept whole;
- if the pipeline raises anyway, the message is parsed as ``nlu_fallback`` with confidence 0
  and ``nlu_error`` set, so the fallback rule runs the fallback action, which triages the text,
  gives the safety message, raises the flag and stores the turn like any other;
- a message that asks two or three questions (``question_clauses``) also gets each question
  parsed on its own, in order, as ``clauses`` (text, intent, confidence, entities), so the
  action server can answer each of them.

Written for Rasa 3.6.21 (``MessageProcessor.parse_message(message, tracker,
only_output_properties)``); ``install`` refuses to patch another version.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from clinic_common.text import model_text, normalise_message, question_clauses

logger = logging.getLogger(__name__)
NLU_ERROR = "nlu_error"
CLAUSES = "clauses"
MAX_CLAUSES = 3


def fallback_parse(text: str) -> dict[str, Any]:
    """What the NLU would have said if it had no idea: the fallback intent, nothing else."""
    intent = {"name": "nlu_fallback", "confidence": 0.0}
    return {"text": text, "intent": intent, "entities": [], "intent_ranking": [intent],
            NLU_ERROR: True}  # fmt: skip


def install() -> None:
    """Called by ``clinic_nlu.server.patches.install``, after its version check."""
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor, "_clinic_safe_parse", False):
        return
    inner = MessageProcessor.parse_message

    async def parse_message(self, message, tracker=None, only_output_properties=True):
        message.text = normalise_message(message.text or "")
        stored = message.text
        message.text = model_text(stored) or stored
        try:
            parse_data = await inner(self, message, tracker, only_output_properties)
        except Exception:
            logger.exception("the NLU pipeline failed; the message goes on as nlu_fallback")
            parse_data = fallback_parse(stored)
        finally:
            message.text = stored
        parse_data["text"] = stored
        if not parse_data.get(NLU_ERROR):
            clauses = await _parse_clauses(self, message, tracker, only_output_properties)
            if clauses:
                parse_data[CLAUSES] = clauses
        return parse_data

    async def _parse_clauses(processor, message, tracker, only_output_properties):
        texts = question_clauses(model_text(message.text) or message.text)
        if len(texts) < 2:
            return []
        clauses = []
        for text in texts[:MAX_CLAUSES]:
            part = copy.copy(message)
            part.text = text
            try:
                parsed = await inner(processor, part, tracker, only_output_properties)
            except Exception:
                logger.exception("the NLU pipeline failed on a clause; the clauses are skipped")
                return []
            clauses.append({"text": text, "intent": parsed["intent"],
                            "entities": parsed.get("entities", [])})  # fmt: skip
        return clauses

    MessageProcessor.parse_message = parse_message
    MessageProcessor._clinic_safe_parse = True
