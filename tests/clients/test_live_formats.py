"""Every supported test format, parsed by xcoder_client.testcases and judged by a live judge.

For each format a correct program must be accepted on every test and a wrong one must not.
"""

from __future__ import annotations

import base64
import json
import pickle
import zlib

import pytest
from xcoder_client import JudgeClient, Verdict
from xcoder_client.testcases import build_submission, parse_tests

from clients.tests.programs import ADD, ADD_TESTS, WRONG_ADD


def lcb_encode(cases):
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(cases)))).decode()


TWO_SUM = """class Solution:
    def twoSum(self, nums, target):
        seen = {}
        for i, x in enumerate(nums):
            if target - x in seen:
                return [seen[target - x], i]
            seen[x] = i
"""
WRONG_TWO_SUM = "class Solution:\n    def twoSum(self, nums, target):\n        return [0, 0]\n"
ADD_FN = "def add(a, b):\n    return a + b\n"
ADD_METHOD = "class Solution:\n    def add(self, a, b):\n        return a + b\n"
WRONG_ADD_FN = "def add(a, b):\n    return a - b\n"
PAIR_FN = "def pair(a, b):\n    return [a, b]\n"
WRONG_PAIR_FN = "def pair(a, b):\n    return (b, a)\n"
EXIT_EARLY = (
    "import sys\nclass Solution:\n    def twoSum(self, nums, target):\n        return [0, 0]\nsys.exit(0)\n"
)

TWO_SUM_LCB = [
    {"input": "[2,7,11,15]\n9", "output": "[0, 1]", "testtype": "functional"},
    {"input": "[3,2,4]\n6", "output": "[1, 2]", "testtype": "functional"},
]
TWO_SUM_LCB_PRIVATE = [{"input": "[3,3]\n6", "output": "[0, 1]", "testtype": "functional"}]

CASES = {
    "apps-stdin": (ADD_TESTS, ADD, WRONG_ADD),
    "apps-stdin-double-encoded": (json.dumps(json.dumps(ADD_TESTS)), ADD, WRONG_ADD),
    "apps-call-wrapped": (
        {"fn_name": "add", "inputs": [[1, 2], [3, 4]], "outputs": [[3], [7]]},
        ADD_FN,
        WRONG_ADD_FN,
    ),
    "apps-call-on-solution-class": (
        {"fn_name": "add", "inputs": [[1, 2]], "outputs": [[3]]},
        ADD_METHOD,
        WRONG_ADD_FN,
    ),
    "apps-call-returning-list": (
        {"fn_name": "pair", "inputs": [[1, 2]], "outputs": [[[1, 2]]]},
        PAIR_FN,
        WRONG_PAIR_FN,
    ),
    "xcoder-stdio-row": (
        {"id": "x1", "type": "stdin_stdout", "input_output": json.dumps(json.dumps(ADD_TESTS))},
        ADD,
        WRONG_ADD,
    ),
    "xcoder-leetcode-row": (
        {
            "prompter_type": "leetcode",
            "input_output": json.dumps(
                {
                    "test_cases": [
                        "assert Solution().twoSum([2, 7, 11, 15], 9) == [0, 1]",
                        "assert Solution().twoSum([3, 3], 6) == [0, 1]",
                    ]
                }
            ),
        },
        TWO_SUM,
        WRONG_TWO_SUM,
    ),
    "xcoder-livecodebench-selected-uts": (
        {
            "prompter_type": "livecodebench",
            "input_output": "{}",
            "selected_uts": json.dumps(
                {
                    "input_output": json.dumps(
                        {
                            "fn_name": "twoSum",
                            "inputs": [c["input"] for c in TWO_SUM_LCB],
                            "outputs": [c["output"] for c in TWO_SUM_LCB],
                        }
                    )
                }
            ),
        },
        TWO_SUM,
        WRONG_TWO_SUM,
    ),
    "livecodebench-stdin-public-and-private": (
        {
            "public_test_cases": json.dumps([{"input": "1 2\n", "output": "3\n", "testtype": "stdin"}]),
            "private_test_cases": lcb_encode([{"input": "5 6\n", "output": "11\n", "testtype": "stdin"}]),
            "metadata": "{}",
        },
        ADD,
        WRONG_ADD,
    ),
    "livecodebench-functional-public-and-private": (
        {
            "public_test_cases": json.dumps(TWO_SUM_LCB),
            "private_test_cases": lcb_encode(TWO_SUM_LCB_PRIVATE),
            "metadata": json.dumps({"func_name": "twoSum"}),
        },
        TWO_SUM,
        WRONG_TWO_SUM,
    ),
    "swift-verification-info": (
        {
            "verification_info": json.dumps(
                {
                    "language": "python",
                    "test_cases": [{"input": "1 2\n", "output": "3\n", "type": "stdin_stdout"}],
                }
            )
        },
        ADD,
        WRONG_ADD,
    ),
    "verl-row-assert-case": (
        {
            "data_source": "x",
            "reward_model": {
                "style": "rule",
                "ground_truth": json.dumps(
                    {
                        "inputs": [],
                        "outputs": [],
                        "assert_case": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"],
                    }
                ),
            },
        },
        ADD_FN,
        WRONG_ADD_FN,
    ),
    "judge-native": (
        {
            "fn_name": "add",
            "tests": [
                {"kind": "call", "args": [2, 2], "expected": 4},
                {"kind": "call", "kwargs": {"a": 1, "b": 1}, "expected": 2},
            ],
        },
        ADD_FN,
        WRONG_ADD_FN,
    ),
}


@pytest.fixture(scope="module")
def judged(live_judge):
    """Judge every case's right and wrong program in one call (also a batch of mixed kinds)."""
    subs = []
    for data, good, bad in CASES.values():
        suite = parse_tests(data)
        subs += [build_submission(good, suite), build_submission(bad, suite)]
    with JudgeClient(live_judge.url) as client:
        results = client.judge(subs)
    return {name: (results[2 * i], results[2 * i + 1]) for i, name in enumerate(CASES)}


@pytest.mark.parametrize("name", list(CASES))
def test_format_right_program_accepted_wrong_program_rejected(judged, name):
    good, bad = judged[name]
    assert good.verdict is Verdict.AC and good.passed == good.total >= 1, good
    assert bad.verdict is not Verdict.AC and bad.scored and bad.passed < bad.total, bad


def test_early_exit_does_not_pass_assert_tests(live_judge):
    suite = parse_tests(CASES["xcoder-leetcode-row"][0])
    with JudgeClient(live_judge.url) as client:
        [result] = client.judge([build_submission(EXIT_EARLY, suite)])
    assert result.verdict is not Verdict.AC and result.passed == 0
