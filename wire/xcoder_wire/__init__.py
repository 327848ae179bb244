"""The X-Coder wire contract, shared by the judge, its clients and SynthSmith.

- `schemas`: what a submission is and what a result looks like, with every bound named once.
- `checkers`: the built-in output checkers (tokens, exact, lines, floats) and call-result values.

Pure Python on pydantic alone: importing it runs nothing and touches nothing.
"""
