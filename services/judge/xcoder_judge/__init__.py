"""X-Coder code judge."""

__version__ = "0.1.0"
