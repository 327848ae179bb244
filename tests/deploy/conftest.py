"""Fixtures of the deployment tests (helpers live in support.py)."""

from tests.deploy.support import tools

__all__ = ["tools"]
