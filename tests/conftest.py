"""Registers the fixtures every test folder shares (tests/support/plugin.py)."""
pytest_plugins = ["tests.support.plugin"]
