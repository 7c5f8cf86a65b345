"""Helpers the tests share (imported as ``support.<module>``; tests/ is on the path, see pyproject.toml)."""
