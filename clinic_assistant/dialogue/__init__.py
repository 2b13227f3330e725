"""The dialogue, independent of Rasa's SDK: what the assistant says in one patient turn.

- ``turn``: the turn as the NLU understood it, and the reply;
- ``situation``: what kind of turn it is, decided once (triage, flag, handler);
- ``handlers``: one handler per kind of turn, each owning what it says;
- ``reply``: the flag, the reply contract on every message, the conversation's slots;
- ``respond``: one turn in one unit of work, recorded for the console.
"""

from clinic_assistant.dialogue.respond import respond
from clinic_assistant.dialogue.turn import Clause, Reply, Turn

__all__ = ["Clause", "Reply", "Turn", "respond"]
