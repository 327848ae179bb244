"""SynthSmith: synthetic competitive-programming tasks, solutions and dual-verified tests.

The pipeline is a chain of resumable stages (``xcoder_synth.pipeline``) over typed records;
every model-written program runs in the judge, never in this process.
"""

__version__ = "0.1.0"
