"""A compile that the request's limits ended is that request's answer, not the program's: it is
cached under those limits only, so the same source with larger limits compiles again. (It used to
be cached under the source alone, so one request with a tight limit, or one compile killed
while the node was loaded, turned every later identical rollout into CE.) Checkers and
interactors compile under the submission's own `compile_limits`."""

from __future__ import annotations

import uuid

import pytest
from xcoder_wire.schemas import Submission, Verdict


def _heavy_cpp() -> str:
    # std::regex instantiates a great deal: well over 0.05 s of compiler CPU, a few s at most;
    # the comment makes the source (and so its cache key) new to this run
    return (
        f"// {uuid.uuid4()}\n#include <cstdio>\n#include <regex>\n#include <string>\n"
        'int main(){std::regex r("a+b");std::string s="aab";'
        'std::puts(std::regex_match(s,r)?"yes":"no");}\n'
    )


def _sub(source: str, time_s: float, **extra) -> Submission:
    return Submission(
        language="cpp17",
        source=source,
        compile_limits={"time_s": time_s, "memory_mb": 2048},
        tests=[{"input": "", "expected": "yes\n"}],
        **extra,
    )


def test_a_time_limited_compile_does_not_decide_a_later_request_with_more_time(suite_engine) -> None:
    source = _heavy_cpp()
    tight = suite_engine.judge(_sub(source, 0.05))
    assert tight.verdict == Verdict.CE and "exceeded the time limit (0.05 s)" in tight.compile.output
    again = suite_engine.judge(_sub(source, 0.05))
    assert again.verdict == Verdict.CE and again.compile.cached  # same limits: the cached answer
    roomy = suite_engine.judge(_sub(source, 30.0))
    assert roomy.verdict == Verdict.AC and not roomy.compile.cached
    # and the program, once built, is served to any limits
    assert suite_engine.judge(_sub(source, 0.05)).verdict == Verdict.AC


def test_a_checker_compiles_under_the_submissions_compile_limits(suite_engine) -> None:
    checker = _heavy_cpp().replace("int main(){", "int main(int, char**){return 0;") + "\n"

    def sub(time_s: float) -> Submission:
        return Submission(
            language="python3",
            source="print('yes')",
            compile_limits={"time_s": time_s, "memory_mb": 2048},
            checker={"kind": "program", "language": "cpp17", "source": checker},
            tests=[{"input": "", "expected": "yes\n"}],
        )

    with pytest.raises(ValueError, match="exceeded the time limit"):
        suite_engine.judge(sub(0.05))
    assert suite_engine.judge(sub(30.0)).verdict == Verdict.AC
