"""Learning from real conversations (issue 18): patient feedback on answers, the inbox of
messages to learn from, the reviewed NLU file, retraining from the console, and the gated,
reversible release of a model to every Rasa server."""
