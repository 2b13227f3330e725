"""Triage: how urgently a patient message needs a person, from the clinic's triage reference.

Runs on every patient message (the actions call it whatever the intent). Built on spaCy:
token patterns with typo-tolerant matching for the signs, NegEx (negspacy) for negation, and
the project's own rules for symptoms that are over, general questions and other people's
history. The vocabulary and rules are data under ``data/triage/``.
"""

from clinic_assistant.triage.engine import Assessment, Finding, TriageEngine

__all__ = ["Assessment", "Finding", "TriageEngine"]
