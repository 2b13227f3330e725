"""A change staff asked for that cannot be made: a message for them and a code for URLs.

``code`` names the refusal in a URL (``?error=``): a page shows its own text for a known code,
never text taken from the URL.
"""

from __future__ import annotations


class Refused(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code
