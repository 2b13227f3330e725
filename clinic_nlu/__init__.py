"""Code that runs inside the Rasa environment (Rasa 3.6, spaCy 3.4).

Only the Rasa server, `rasa train` and the tools that build the project's spaCy pipeline import
this package; the product's own code (actions, data layer, tests) never does.
"""
