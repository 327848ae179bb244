"""Candidate solutions: sampling from one or more models, extraction, syntax filtering."""
