"""Which suite cases the VM's `suite` step leaves out (tests/deploy/vm/guest_checks.py), on the
project's real case files: every case needing a language the guest does not offer, named with
the reason, and none that it can judge."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

VM = Path(__file__).resolve().parent / "vm"


@pytest.fixture(scope="module")
def guest():
    spec = importlib.util.spec_from_file_location("xcoder_vm_guest_checks", VM / "guest_checks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("xcoder_judge_suite_lib", None)  # loaded by path; test_suite.py loads its own


def test_cases_left_out_are_exactly_those_needing_a_missing_language(guest) -> None:
    cases = guest._suite_lib().discover(groups=guest.SUITE_GROUPS)
    by_id = {c.id: c for c in cases}
    everything = set().union(*(guest._case_languages(c) for c in cases))
    assert {"python3", "c", "cpp17", "go", "pypy3"} <= everything
    assert guest.suite_left_out(cases, everything, {}) == {}

    dropped = {"cpp17": "CE: compilation exceeded the time limit (60 s)"}
    out = guest.suite_left_out(cases, everything - {"cpp17", "java"}, dropped)
    # a C submission judged by a C++ checker needs C++ too
    assert by_id["reward_hacking/checker_secret_binary_c"].data["language"] == "c"
    assert out["reward_hacking/checker_secret_binary_c"] == f"cpp17 not offered ({dropped['cpp17']})"
    assert out["hostile/thread_bomb_java"] == "java not offered (not installed)"
    assert "hostile/fork_bomb_c" not in out and "reward_hacking/interactor_secret_source_c" not in out
    for cid, c in by_id.items():
        needs = guest._case_languages(c)
        assert (cid in out) == bool(needs & {"cpp17", "java"}), cid


class _FakeEngine:
    """Judges the self-test submission by a table: language -> (verdict, program CPU s)."""

    def __init__(self, outcomes: dict[str, tuple[str, float]]) -> None:
        self.outcomes = outcomes
        self.toolchains: dict = {}
        self.seen: list = []

    def judge(self, sub):
        from xcoder_wire.schemas import SubmissionResult, TestResult

        self.seen.append(sub)
        verdict, cpu = self.outcomes[sub.language]
        test = TestResult(index=0, verdict=verdict, time_s=cpu)
        return SubmissionResult(id="x", verdict=verdict, score=0.0, passed=0, total=1, tests=[test])


def test_dropped_languages_retried_with_scaled_limits_offered_only_if_they_pass(guest) -> None:
    from types import SimpleNamespace

    tc = {
        lang: SimpleNamespace(language=SimpleNamespace(self_test=f"echo {lang}"))
        for lang in ("java", "javascript")
    }
    engine = _FakeEngine({"java": ("CE", 0.0), "javascript": ("AC", 14.0)})
    rows = guest.retry_self_test(engine, tc, ["java", "javascript"], 10.0)
    assert set(engine.toolchains) == {"javascript"}  # re-offered; java dropped again
    assert rows["javascript"]["verdict"] == "AC" and rows["java"]["verdict"] == "CE"
    limits = {s.language: (s.limits.time_s, s.compile_limits.time_s) for s in engine.seen}
    assert limits == {"java": (60.0, 60.0), "javascript": (60.0, 60.0)}  # 10 s x 10, capped at 60

    engine = _FakeEngine({"java": ("AC", 1.0)})
    # not scaled: no retry
    assert guest.retry_self_test(engine, tc, ["java"], 1.0) == {} and engine.seen == []
    engine = _FakeEngine({"javascript": ("AC", 1.0)})
    guest.retry_self_test(engine, tc, ["javascript"], 3.0)
    assert (engine.seen[0].limits.time_s, engine.seen[0].compile_limits.time_s) == (30.0, 60.0)
