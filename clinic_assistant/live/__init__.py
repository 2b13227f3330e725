"""A nurse in the patient's chat: who is waiting, joining, messages both ways, handing back.

``chats`` keeps the state in the application database (one unit of work per request);
``gate`` is the one rule the assistant follows while a nurse is in a conversation; ``bus``
wakes the streams that deliver the lines; ``summary`` is what the nurse reads first.
"""
