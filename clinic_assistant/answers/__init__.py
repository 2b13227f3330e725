"""Curated answers: the YAML catalogue, seeding it into the database, choosing and rendering one."""
