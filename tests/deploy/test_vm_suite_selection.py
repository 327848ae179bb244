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
