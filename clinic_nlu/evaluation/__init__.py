"""Measuring NLU models: intent evaluation and calibration, pipeline comparison, grouped
cross-validation. Run in the Rasa environment; nothing here is imported by the server."""
