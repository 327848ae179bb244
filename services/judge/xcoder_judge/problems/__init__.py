"""Kattis/ICPC problem packages (and DOMjudge's variant) as input to the judge.

`package` reads one, `convert` turns it into wire Submissions, `check` judges every labelled
submission against its folder's label. See docs/problem-packages.md.
"""

from xcoder_judge.problems.package import PackageError, ProblemPackage, read_package

__all__ = ["PackageError", "ProblemPackage", "read_package"]
