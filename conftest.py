"""Repository-wide pytest setup: the live judge fixture (`live_judge`) for every package's tests."""

pytest_plugins = ["xcoder_judge.testing"]
