"""Entities from the project's spaCy entity ruler, with canonical values.

Rasa's SpacyEntityExtractor reports the words the patient typed ("lipofilling", "latisimus").
The entity ruler already knows the canonical id of every pattern (``fat_grafting``, ``ld_flap``),
so this extractor reports that id as the value and keeps the typed words in ``text``.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    is_trainable=False,
    model_from="SpacyNLP",
)
class RulerEntityExtractor(SpacyEntityExtractor):
    """SpacyEntityExtractor that reports the ruler's canonical id as the entity value."""

    @staticmethod
    def _extract_entities(doc: Any) -> list[dict[str, Any]]:
        return [
            {
                "entity": ent.label_,
                "value": ent.ent_id_ or ent.text,
                "text": ent.text,
                "start": ent.start_char,
                "end": ent.end_char,
                "confidence": None,
            }
            for ent in doc.ents
        ]
