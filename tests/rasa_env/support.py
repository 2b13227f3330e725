"""Building components the way Rasa's own component tests do: a LocalModelStorage in a
temporary folder, a Resource and an ExecutionContext."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


class ComponentTestCase(unittest.TestCase):
    def setUp(self) -> None:
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.storage = LocalModelStorage(Path(folder.name))
        self.context = ExecutionContext(GraphSchema({}), "test-model")

    def build(self, component: type, name: str, **config: Any) -> Any:
        full = {**component.get_default_config(), **config}
        return component.create(full, self.storage, Resource(name), self.context)

    def reload(self, component: type, name: str, **config: Any) -> Any:
        full = {**component.get_default_config(), **config}
        return component.load(full, self.storage, Resource(name), self.context)


def message(text: str, intent: str = "", dense: list[float] | None = None) -> Message:
    data: dict[str, Any] = {TEXT: text}
    if intent:
        data[INTENT] = intent
    found = Message(data=data)
    if dense is not None:
        found.features.append(Features(np.array([dense], dtype=np.float32),
                                       FEATURE_TYPE_SENTENCE, TEXT, "test"))  # fmt: skip
    return found


def training_data(*messages: Message) -> TrainingData:
    return TrainingData(training_examples=list(messages))
