"""Conversation tests use the running stack of tests/conftest.py (``stack``, ``chat``)."""
