"""Dual verification: run every candidate on every input in the judge, label inputs by
checker-aware vote with an agreement threshold, choose the golden solution with a hold-out."""
