"""Plain-Python code shared by both environments (no third-party imports)."""
