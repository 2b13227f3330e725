"""The partial breast reconstruction assistant: answer store, reply contract, data layer, runtime.

Runs in the application environment (current rasa-sdk, SQLAlchemy 2.x). Nothing here imports Rasa.
"""
