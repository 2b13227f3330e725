"""Conversation ids and conversation secrets: what the channel, the action server and the web
app all accept.

**Ids.** 1 to 128 characters: ASCII letters and digits, and after the first character also
``_ - . : @``. The first character is a letter or a digit, so ``.`` and ``..`` (which URLs
collapse into another page) are not ids. Matched whole with ``fullmatch``: ``$`` also matches
before a trailing newline.

**Secrets.** Knowing a conversation's id must not be enough to post into it or to read its
replies. The server issues each conversation a secret with its first reply; the widget keeps it
and sends it with every later message, and with the patient's "download" and "forget me". The
secret is an HMAC of the id under the server's key (``CLINIC_CONVERSATION_KEY``): every Rasa
server and the web app can check it without storing anything, and it survives restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

CONVERSATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}")
ID_RULE = "1-128 letters, digits, '_', '-', '.', ':' or '@', starting with a letter or digit"
SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


def is_conversation_id(value: object) -> bool:
    return isinstance(value, str) and CONVERSATION_ID.fullmatch(value) is not None


def conversation_secret(key: str, conversation_id: str) -> str:
    """The secret the holder of ``conversation_id`` was given (43 URL-safe characters)."""
    if not key:
        raise ValueError("no conversation key is configured (CLINIC_CONVERSATION_KEY)")
    digest = hmac.new(key.encode(), f"conversation:{conversation_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def secret_matches(key: str, conversation_id: str, offered: object) -> bool:
    if not key or not isinstance(offered, str) or SECRET.fullmatch(offered) is None:
        return False
    return hmac.compare_digest(conversation_secret(key, conversation_id), offered)
