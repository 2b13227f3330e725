"""The triage engine: one patient message in, a level, a reason and the findings out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import negspacy.negation  # noqa: F401  (registers the "negex" pipeline factory)
import spacy
import yaml
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from clinic_assistant.triage.patterns import compile_pattern
from clinic_common.contract import TRIAGE_LEVELS, rank
from clinic_common.text import without_emoji

SPANS = "triage"
NEGATED = "triage_negated"
# Cue sets of context.yml matched as phrases; each becomes a Matcher label.
CUE_SETS = (
    "resolution_cues", "recurrence_cues", "general_cues_strong", "general_cues_before",
    "general_cues_weak", "personal_cues", "present_cues", "history_cues", "long_ago_cues",
    "wait_cues", "feeling_cues", "despair_cues", "ongoing_cues",
)  # fmt: skip
REQUESTS = ("personal_decision", "nurse_request")
TEMPERATURE_WORDS = {
    "temp", "temps", "temperature", "temprature", "tempreture", "temperture", "fever",
    "feverish", "thermometer", "degrees", "°", "feever", "feaver",
}  # fmt: skip
NEGATIONS = {"not", "never", "n't", "no"}
NUMBER = re.compile(r"^(\d{2,3}(?:[.,]\d{1,2})?)(°?[cf])?$")
# A bare reading with one decimal, in the range of a fever ("spiked 38.7", "it was 100.8"): a
# temperature even without the word, unless something else is being measured (written from
# the eighth batch of training descriptions, where such readings went unheard).
BARE_READING = re.compile(r"^(?:3[89]|4[0-2]|100|10[1-6])[.,]\d$")
OTHER_MEASURES = {
    "kg", "kgs", "kilos", "lb", "lbs", "pounds", "stone", "st", "bmi", "weight", "weigh", "cm",
    "mm", "ml", "mls", "%", "percent", "weeks", "wks", "days", "years", "hours", "minutes", "mins",
    "size", "cup", "score", "ki67", "ki-67", "grade", "heart", "pulse", "bpm", "rate",
}  # fmt: skip


@dataclass(frozen=True)
class Sign:
    id: str
    level: str
    reason: str
    all: tuple[tuple[str, ...], ...]
    also: tuple[tuple[str, ...], ...] = ()
    unless: tuple[str, ...] = ()
    # Keeps its level when the patient says it is over (a stroke's signs that passed).
    even_if_over: bool = False


@dataclass(frozen=True)
class Finding:
    sign: str
    level: str
    reason: str
    resolved: bool = False
    even_if_over: bool = False

    @property
    def effective_level(self) -> str:
        """A sign that is over or was treated counts as routine follow-up at most, unless it
        is one that matters even when it has passed."""
        if self.resolved and not self.even_if_over and rank(self.level) > rank("routine_followup"):
            return "routine_followup"
        return self.level


@dataclass(frozen=True)
class Assessment:
    level: str
    reason: str
    findings: tuple[Finding, ...] = ()
    personal_decision: bool = False
    nurse_request: bool = False
    # The message names symptoms only to deny them ("no fever, no redness, just asking").
    symptoms_denied: bool = False
    # Asks whether it can wait, or puts off calling ("I'll ring on Monday").
    wants_to_wait: bool = False
    # Speaks of fear, panic, low mood or crying.
    feelings: bool = False
    # Speaks of despair or not wanting to live.
    despair: bool = False
    # Symptoms the rules saw and set aside: denied, over, asked about in general, or someone
    # else's past. The learned opinion may only overrule that when it is confident.
    set_aside: bool = False
    # Any symptom named at all, whatever its context.
    symptoms_named: bool = False

    @property
    def expected_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "none")


@dataclass
class _SentenceState:
    """Which concepts a sentence has, and whether each symptom there counts now or is over."""

    present: set[str] = field(default_factory=set)
    active: set[str] = field(default_factory=set)
    resolved: set[str] = field(default_factory=set)
    denied: set[str] = field(default_factory=set)
    # Symptoms named in a general question, or someone else's or long-past history.
    set_aside: set[str] = field(default_factory=set)


def _group(item: str) -> tuple[str, ...]:
    return tuple(item.split("|"))


def _load_signs(path: Path) -> list[Sign]:
    return [
        Sign(
            id=raw["id"],
            level=raw["level"],
            reason=raw["reason"],
            all=tuple(_group(item) for item in raw["all"]),
            also=tuple(_group(item) for item in raw.get("also", [])),
            unless=tuple(raw.get("unless", [])),
            even_if_over=bool(raw.get("even_if_over", False)),
        )
        for raw in yaml.safe_load(path.read_text())["signs"]
    ]


def _words(items: list, where: str) -> set[str]:
    """A word list of the triage data. YAML reads a bare on, off, yes or no as true or false,
    and a list holding True never matches the word "on": "the pain has gone on for hours" was
    read as pain that had gone. Such a list is refused rather than silently wrong."""
    not_words = [item for item in items if not isinstance(item, str)]
    if not_words:
        raise ValueError(f"{where}: {not_words} are not words (quote on, off, yes and no)")
    return set(items)


class TriageEngine:
    """Assesses patient messages. Build once per process (loading takes about a second)."""

    def __init__(self, data_dir: Path) -> None:
        concepts = yaml.safe_load((data_dir / "concepts.yml").read_text())["concepts"]
        context = yaml.safe_load((data_dir / "context.yml").read_text())
        self.signs = _load_signs(data_dir / "signs.yml")
        self.kinds = {name: spec["kind"] for name, spec in concepts.items()}
        # Measured temperatures (see _temperatures) are concepts too.
        self.kinds.update(
            measured_fever="symptom", high_fever="symptom", normal_temperature="modifier"
        )
        self.kinds.update({name: "request" for name in REQUESTS})
        self.not_before = {name: _words(spec.get("not_before", []), f"{name}.not_before")
                           for name, spec in concepts.items()}  # fmt: skip
        self.not_after = {name: _words(spec.get("not_after", []), f"{name}.not_after")
                          for name, spec in concepts.items()}  # fmt: skip
        self.not_after["personal_decision"] = _words(
            context["personal_decision_not_after"], "personal_decision_not_after"
        )
        self.contractions = context["contractions"]
        self.resolution_not_before = _words(
            context["resolution_not_before"], "resolution_not_before"
        )
        self._check_signs()
        # Concepts behind emergency signs: a weak general cue ("is it normal to have chest
        # pain?") does not set them aside, as a patient who has them often asks that way.
        self.emergency_concepts = {
            concept
            for sign in self.signs if sign.level == "emergency"
            for group in sign.all + sign.also for concept in group
        }  # fmt: skip

        self.nlp = spacy.blank("en")
        self.sentencizer = self.nlp.add_pipe("sentencizer")
        # Lemmas from spaCy's lookup tables (spacy-lookups-data, installed, read offline).
        self.lemmatizer = self.nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        self.nlp.initialize()
        self.negex = self.nlp.add_pipe(
            "negex",
            config={
                "neg_termset": context["negation"],
                "span_keys": [SPANS],
                "extension_name": NEGATED,
            },
        )
        self.concepts = Matcher(self.nlp.vocab, validate=True)
        for name, spec in concepts.items():
            self.concepts.add(name, [compile_pattern(p, self.lemma) for p in spec["patterns"]])
        for name in REQUESTS:
            self.concepts.add(name, [compile_pattern(p, self.lemma) for p in context[name]])
        self.cues = Matcher(self.nlp.vocab, validate=True)
        for name in CUE_SETS:
            self.cues.add(name, [compile_pattern(p, self.lemma) for p in context[name]])
        self._contraction = re.compile(
            r"(?<![\w'])(" + "|".join(re.escape(c) for c in self.contractions) + r")(?![\w'])"
        )

    def _check_signs(self) -> None:
        for sign in self.signs:
            if sign.level not in TRIAGE_LEVELS:
                raise ValueError(f"sign {sign.id}: unknown level {sign.level!r}")
            names = [n for group in sign.all + sign.also for n in group] + list(sign.unless)
            unknown = [n for n in names if n not in self.kinds]
            if unknown:
                raise ValueError(f"sign {sign.id}: unknown concepts {unknown}")

    # ------------------------------------------------------------------ reading the message
    def normalise(self, text: str) -> str:
        # Emoji out (no sign is written in emoji): a message of 2,000 emoji made 2,000 tokens
        # for the matchers, almost a second of the action server's time.
        lowered = without_emoji(text).lower().replace("\u2019", "'").replace("\u2018", "'")
        return self._contraction.sub(lambda m: self.contractions[m.group(1)], lowered)

    def lemma(self, word: str) -> str:
        return self.lemmatizer(self.nlp.make_doc(word))[0].lemma_.lower()

    def _doc(self, text: str) -> Doc:
        doc = self.lemmatizer(self.sentencizer(self.nlp.make_doc(self.normalise(text))))
        for token in doc:
            # Patterns match plain words on NORM: every form of a word shares its lemma.
            token.norm_ = token.lemma_.lower() or token.lower_
        spans = []
        for span in self.concepts(doc, as_spans=True):
            following = doc[span.end].lower_ if span.end < len(doc) else ""
            preceding = doc[span.start - 1].lower_ if span.start > 0 else ""
            if following in self.not_before.get(span.label_, ()):
                continue
            if preceding in self.not_after.get(span.label_, ()):
                continue
            spans.append(span)
        spans += self._temperatures(doc)
        # Per concept, the longest of overlapping matches.
        by_concept: dict[str, list[Span]] = {}
        for span in spans:
            by_concept.setdefault(span.label_, []).append(span)
        doc.spans[SPANS] = [s for group in by_concept.values() for s in filter_spans(group)]
        return self.negex(doc)

    def _temperatures(self, doc: Doc) -> list[Span]:
        """Measured temperatures: 38 °C / 100.4 °F or more is a fever, 39.4 / 103 very high."""
        spans = []
        for sentence in doc.sents:
            words = {t.lower_ for t in sentence}
            for token in sentence:
                match = NUMBER.match(token.lower_)
                if not match:
                    continue
                unit = (match.group(2) or "").strip("°")
                nxt = doc[token.i + 1].lower_ if token.i + 1 < len(doc) else ""
                if not unit and nxt in {"c", "f", "°c", "°f", "degrees", "°"}:
                    unit = nxt.strip("°")[:1]
                if (
                    not unit
                    and not (words & TEMPERATURE_WORDS)
                    and not (BARE_READING.match(token.lower_) and not words & OTHER_MEASURES)
                ):
                    continue
                value = float(match.group(1).replace(",", "."))
                celsius = (value - 32) * 5 / 9 if unit == "f" or value > 45 else value
                if not 34 <= celsius <= 44:
                    continue
                if celsius >= 38.0:
                    spans.append(Span(doc, token.i, token.i + 1, label="measured_fever"))
                if celsius >= 39.4:
                    spans.append(Span(doc, token.i, token.i + 1, label="high_fever"))
                if celsius < 38.0:
                    spans.append(Span(doc, token.i, token.i + 1, label="normal_temperature"))
        return spans

    # ------------------------------------------------------------------ context
    def _cues(self, doc: Doc) -> dict[str, list[Span]]:
        found: dict[str, list[Span]] = {name: [] for name in CUE_SETS}
        for span in self.cues(doc, as_spans=True):
            found[span.label_].append(span)
        return found

    @staticmethod
    def _in(spans: Iterable[Span], sentence: Span) -> list[Span]:
        return [s for s in spans if sentence.start <= s.start and s.end <= sentence.end]

    def _is_general(self, span: Span, sentence: Span, cues: dict[str, list[Span]]) -> bool:
        if self._in(cues["present_cues"], sentence):
            return False
        strong = self._in(cues["general_cues_strong"], sentence)
        before = [c for c in self._in(cues["general_cues_before"], sentence) if c.end <= span.start]
        if strong or before:
            return True
        if span.label_ in self.emergency_concepts:
            return False
        weak = self._in(cues["general_cues_weak"], sentence)
        return bool(weak) and not self._in(cues["personal_cues"], sentence)

    def _is_history(self, span: Span, sentence: Span, cues: dict[str, list[Span]]) -> bool:
        present = self._in(cues["present_cues"], sentence)
        for cue in self._in(cues["long_ago_cues"], sentence):
            # "a clot years back and now a pain in my chest": the "now" between the story and
            # the symptom brings it to the present.
            start, end = (cue.end, span.start) if cue.end <= span.start else (span.end, cue.start)
            if not any(start <= p.start and p.end <= end for p in present):
                return True
        # "my husband had a fall and now he is grey": someone else's story, happening now.
        if present:
            return False
        terminators = {t.lower() for t in self.negex.termination}  # type: ignore[attr-defined]
        for cue in self._in(cues["history_cues"], sentence):
            between = span.doc[cue.end : span.start]
            if cue.end <= span.start and not any(t.lower_ in terminators for t in between):
                return True
        return False

    def _is_resolved(
        self, span: Span, sentence: Span, next_sentence: Span | None, cues: dict[str, list[Span]]
    ) -> bool:
        concept_spans = list(span.doc.spans[SPANS])

        def real(cue: Span) -> bool:
            # "stopped working" belongs to a symptom, it does not end one; "gone on for hours"
            # and "gone grey" describe a change.
            following = cue.doc[cue.end].lower_ if cue.end < len(cue.doc) else ""
            before = cue.doc[cue.start - 1].lower_ if cue.start > 0 else ""
            # "has not stopped" is the opposite of an end.
            if following in self.resolution_not_before or before in NEGATIONS:
                return False
            if any(c.start == cue.start for c in cues["ongoing_cues"]):
                return False
            return not any(c.start <= cue.start < c.end for c in concept_spans)

        scopes = [sentence]
        if next_sentence is not None and not self._in(concept_spans, next_sentence):
            scopes.append(next_sentence)
        for scope in scopes:
            for cue in self._in(cues["resolution_cues"], scope):
                if cue.start >= span.end and real(cue):
                    later = [r for r in self._in(cues["recurrence_cues"], scope)
                             if r.start >= cue.end]  # fmt: skip
                    if not later:
                        return True
        return False

    def _sentence_states(self, doc: Doc, cues: dict[str, list[Span]]) -> list[_SentenceState]:
        sentences = list(doc.sents)
        states = []
        for index, sentence in enumerate(sentences):
            state = _SentenceState()
            following = sentences[index + 1] if index + 1 < len(sentences) else None
            for span in self._in(doc.spans[SPANS], sentence):
                concept = span.label_
                if self.kinds.get(concept) in ("anchor", "modifier"):
                    state.present.add(concept)
                    continue
                if span._.get(NEGATED):
                    state.denied.add(concept)
                    continue
                # A request ("can I speak to a nurse?") is about now, whatever else is said.
                if self.kinds[concept] == "symptom" and (
                    self._is_history(span, sentence, cues) or self._is_general(span, sentence, cues)
                ):
                    state.set_aside.add(concept)
                    continue
                state.present.add(concept)
                if self._is_resolved(span, sentence, following, cues):
                    state.resolved.add(concept)
                else:
                    state.active.add(concept)
            self._apply_measured_temperature(state)
            states.append(state)
        return states

    @staticmethod
    def _apply_measured_temperature(state: _SentenceState) -> None:
        """A measured normal temperature outweighs the word "temperature" in its sentence."""
        if "normal_temperature" in state.present and "measured_fever" not in state.present:
            for concepts in (state.present, state.active, state.resolved):
                concepts.discard("fever")

    # ------------------------------------------------------------------ signs
    def _findings(self, states: list[_SentenceState]) -> list[Finding]:
        message_present = set().union(*(s.present for s in states)) if states else set()
        message_active = set().union(*(s.active for s in states)) if states else set()
        findings = []
        for sign in self.signs:
            if any(not set(group) & message_present for group in sign.also):
                continue
            for state in states:
                if set(sign.unless) & state.present:
                    continue
                if all(set(group) & state.present for group in sign.all):
                    used = {c for group in sign.all + sign.also for c in group}
                    symptoms = {c for c in used if self.kinds.get(c, "symptom") == "symptom"}
                    in_use = symptoms & (state.present | message_present)
                    resolved = bool(in_use) and not (in_use & (state.active | message_active))
                    findings.append(
                        Finding(sign.id, sign.level, sign.reason, resolved, sign.even_if_over)
                    )
                    break
        return findings

    def assess(self, text: str) -> Assessment:
        doc = self._doc(text)
        cues = self._cues(doc)
        states = self._sentence_states(doc, cues)
        findings = self._findings(states)
        requests = set().union(*(s.active | s.resolved for s in states)) if states else set()
        personal, nurse = "personal_decision" in requests, "nurse_request" in requests
        level = max((f.effective_level for f in findings), key=rank, default="none")
        if (personal or nurse) and rank(level) < rank("routine_followup"):
            level = "routine_followup"
        symptoms = {c for c in requests if self.kinds.get(c) == "symptom"}
        return Assessment(
            level=level,
            reason=self._reason(level, findings, personal, nurse),
            findings=tuple(findings),
            personal_decision=personal,
            nurse_request=nurse,
            symptoms_denied=any(s.denied for s in states) and not symptoms,
            wants_to_wait=bool(cues["wait_cues"]),
            feelings=bool(cues["feeling_cues"]),
            despair=bool(cues["despair_cues"]),
            set_aside=any(s.denied or s.set_aside or s.resolved for s in states),
            symptoms_named=any(
                self.kinds.get(c) == "symptom"
                for s in states
                for c in s.present | s.denied | s.set_aside
            ),
        )

    @staticmethod
    def _reason(level: str, findings: list[Finding], personal: bool, nurse: bool) -> str:
        top = [f for f in findings if f.effective_level == level]
        reasons = list(dict.fromkeys(f.reason for f in top))
        if top and all(f.resolved for f in top):
            reasons = [f"{reason} (now settled or treated)" for reason in reasons]
        if level == "none":
            return f"common after surgery: {', '.join(reasons)}" if reasons else ""
        if not reasons:
            if nurse:
                return "asked to speak to a nurse"
            if personal:
                return "a question only your own team can answer"
        return " and ".join(reasons[:2])
