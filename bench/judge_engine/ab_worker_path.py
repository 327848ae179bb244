"""Worker-side Python per test, without a sandbox, for A/B runs of two trees in one session.

What issue #11 part 4 moved out of judge.py: a stdio test's processes, its run verdict, the
built-in check and its TestResult. Best of 15 rounds of 2000 tests, CPU time, microseconds.
It runs under the tree on PYTHONPATH, the split layout or the single judge.py of 11d93d0:

    git archive 11d93d0 services/judge wire bench | tar -x -C /tmp/before
    for t in . /tmp/before /tmp/before . . /tmp/before; do
        PYTHONPATH=$t/services/judge:$t/wire .venv/bin/python bench/judge_engine/ab_worker_path.py
    done
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from xcoder_judge.engine import judge as J
from xcoder_judge.engine.compile_cache import Artifact
from xcoder_judge.engine.languages import KNOWN_LANGUAGES, Toolchain
from xcoder_judge.engine.sandbox.run_types import ProcReport
from xcoder_judge.engine.settings import EngineSettings
from xcoder_wire.schemas import Submission

REPORT = ProcReport(0, None, 0.01, 0.02, 1000, False, None, b"3\n", b"", b"", 2, 0, None, 1.0)
ARTIFACT = Artifact("k" * 64, True, "", 0.1, False, {"main_class": "Main"})


def toolchain(lang_id: str) -> Toolchain:
    lang = KNOWN_LANGUAGES[lang_id]
    return Toolchain(lang, {k: f"/usr/bin/{k}" for k in lang.tools}, "1")


def per_test(sub: Submission, prog: object) -> Callable[[object, int], None]:
    try:  # the split layout
        from xcoder_judge.engine.results import result_for
        from xcoder_judge.engine.run_plan import runs_for
        from xcoder_judge.engine.tests_run import check
        from xcoder_judge.engine.verdicts import run_verdict

        def one(t: object, i: int) -> None:
            runs_for(sub, t, prog, None, True)
            run_verdict(REPORT, sub.limits, prog.language.mle_markers)
            v, m = check(sub, t, REPORT)
            result_for(sub, i, REPORT, v, m)

    except ImportError:  # one judge.py
        judge = J.Judge.__new__(J.Judge)
        judge.settings = EngineSettings()

        def one(t: object, i: int) -> None:
            judge._runs_for(sub, t, prog, None)
            J.run_verdict(REPORT, sub.limits, t, prog.language.mle_markers)
            v, m = judge._check(sub, t, REPORT)
            J.Judge._test_result(sub, i, REPORT, v, m)

    return one


def main() -> None:
    out = {}
    for lang_id, src in (("c", "int main(){}"), ("java", "public class Main{}")):
        tests = [{"input": f"{i} 1\n", "expected": f"{i + 1}\n"} for i in range(100)]
        sub = Submission(language=lang_id, source=src, tests=tests)
        one = per_test(sub, J.Program(toolchain(lang_id), ARTIFACT))
        best = float("inf")
        for _ in range(15):
            t0 = time.process_time()
            for _ in range(20):
                for i, t in enumerate(sub.tests):
                    one(t, i)
            best = min(best, (time.process_time() - t0) / 2000)
        out[lang_id] = round(best * 1e6, 2)
    print(json.dumps({"tree": J.__file__.split("/services")[0], "us_per_test": out}))


if __name__ == "__main__":
    main()
