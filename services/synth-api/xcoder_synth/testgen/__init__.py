"""Test-input synthesis: prompted inputs, generator programs and input validators (run in the judge)."""
