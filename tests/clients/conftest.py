"""The client judging through a live judge: the `live_judge` fixture of the xcoder_judge.testing
plugin (loaded wherever the judge is installed), and the client's own fixtures."""

from clients.tests.conftest import _clean_client_env, fast_settings  # noqa: F401  (fixtures)
