"""Benchmarks (`make bench`): NLU quality against baselines, triage, load, resources, training."""
