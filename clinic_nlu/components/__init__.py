"""NLU components of the pipeline in ``config.yml``, registered with Rasa's default recipe."""
