"""Unit tests of the code that runs inside the Rasa environment (``clinic_nlu``).

They import Rasa, so they run with ``.venv-rasa``'s Python and the standard library's
``unittest`` (the Rasa environment keeps Rasa's own pins and no test runner of its own):
``tests/nlu/test_rasa_environment.py`` runs them as part of ``make test``, and
``PYTHONPATH=. .venv-rasa/bin/python -m unittest discover -s tests/rasa_env -t .`` runs them
alone. pytest in the application environment does not collect them (pyproject.toml).
"""
