"""Tests of the live collector (a package, so that its conftest.py never shadows tests/conftest.py)."""
