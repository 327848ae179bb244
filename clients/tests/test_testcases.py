"""Test formats in the wild → judge tests; deterministic subsets; submissions."""

from __future__ import annotations

import base64
import json
import pickle
import subprocess
import sys
import zlib

import pytest
from xcoder_client import TestFormatError
from xcoder_client.testcases import build_submission, parse_tests, select_tests, suite_key
from xcoder_wire.schemas import AssertTest, CallTest, StdioTest


def lcb_encode(cases: list[dict], protocol: int = 4) -> str:
    """LiveCodeBench's own encoding of private tests (we only ever build, never load, pickles)."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(cases), protocol=protocol))).decode()


class Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


# ------------------------------------------------------------- TACO / APPS / verl


def test_apps_stdin():
    suite = parse_tests({"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "7\n"]})
    assert suite.tests == [StdioTest(input="1 2\n", expected="3\n"), StdioTest(input="3 4\n", expected="7\n")]
    assert suite.fn_name is None and suite.source_format == "apps"


def test_apps_double_encoded_json_string():
    once = json.dumps({"inputs": ["5\n"], "outputs": ["25\n"]})
    suite = parse_tests(json.dumps(once))
    assert suite.tests == [StdioTest(input="5\n", expected="25\n")]


def test_apps_line_lists_are_joined():
    suite = parse_tests({"inputs": [["2", "1 2"]], "outputs": [["3"]]})
    assert suite.tests == [StdioTest(input="2\n1 2\n", expected="3\n")]


def test_apps_call_based_with_wrapped_outputs_is_unwrapped():
    suite = parse_tests({"fn_name": "add", "inputs": [[1, 2], [5, 5]], "outputs": [[3], [10]]})
    assert suite.fn_name == "add"
    assert suite.tests == [CallTest(args=[1, 2], expected=3), CallTest(args=[5, 5], expected=10)]


def test_apps_call_based_returning_lists_keeps_inner_list():
    suite = parse_tests({"fn_name": "pair", "inputs": [[1], [2]], "outputs": [[[1, 1]], [[2, 2]]]})
    assert [t.expected for t in suite.tests] == [[1, 1], [2, 2]]


def test_apps_call_based_unwrapped_outputs_are_kept_as_is():
    suite = parse_tests({"fn_name": "f", "inputs": [[1], [2]], "outputs": [[1, 2], 3]})
    assert [t.expected for t in suite.tests] == [[1, 2], 3]


def test_verl_assert_case():
    suite = parse_tests(
        {"inputs": [], "outputs": [], "assert_case": ["assert f(1) == 2", "assert f(2) == 3"]}
    )
    assert suite.tests == [AssertTest(code="assert f(1) == 2"), AssertTest(code="assert f(2) == 3")]


def test_verl_row_reads_reward_model_ground_truth():
    row = {
        "data_source": "taco",
        "reward_model": {
            "style": "rule",
            "ground_truth": json.dumps({"inputs": ["1\n"], "outputs": ["2\n"]}),
        },
    }
    assert parse_tests(row).tests == [StdioTest(input="1\n", expected="2\n")]


def test_mismatched_lengths_are_an_error():
    with pytest.raises(TestFormatError, match="differ in length"):
        parse_tests({"inputs": ["1"], "outputs": []})


# --------------------------------------------------------------------- X-Coder


def test_xcoder_stdio_row_with_double_encoded_input_output():
    row = {
        "id": "t1",
        "type": "stdin_stdout",
        "prompter_type": "codeforces",
        "input_output": json.dumps(json.dumps({"inputs": ["3\n"], "outputs": ["9\n"]})),
    }
    suite = parse_tests(row)
    assert suite.tests == [StdioTest(input="3\n", expected="9\n")] and suite.source_format == "xcoder"


def test_xcoder_leetcode_asserts():
    row = {
        "prompter_type": "leetcode",
        "input_output": json.dumps(
            {
                "test_cases": [
                    "assert Solution().twoSum([2,7], 9) == [0, 1]",
                    "assert Solution().twoSum([3,3], 6) == [0, 1]",
                ]
            }
        ),
    }
    suite = parse_tests(row)
    assert suite.source_format == "xcoder-leetcode"
    assert [t.kind for t in suite.tests] == ["assert", "assert"]


def test_xcoder_livecodebench_selected_uts_functional():
    inner = json.dumps(
        {"fn_name": "twoSum", "inputs": ["[2,7,11,15]\n9", "[3,3]\n6"], "outputs": ["[0, 1]", "[0, 1]"]}
    )
    row = {
        "prompter_type": "livecodebench",
        "input_output": "{}",
        "selected_uts": json.dumps({"input_output": inner}),
    }
    suite = parse_tests(row)
    assert suite.fn_name == "twoSum"
    assert suite.tests[0] == CallTest(args=[[2, 7, 11, 15], 9], expected=[0, 1])


def test_python_literal_outputs_are_read_safely():
    inner = {"fn_name": "f", "inputs": ["1"], "outputs": ["(1, 'a', True)"]}
    assert parse_tests(inner).tests[0].expected == (1, "a", True)
    with pytest.raises(TestFormatError, match="neither JSON nor a Python literal"):
        parse_tests({"fn_name": "f", "inputs": ["1"], "outputs": ["__import__('os').getcwd()"]})


# ---------------------------------------------------------------- LiveCodeBench


def test_lcb_public_stdin():
    row = {
        "public_test_cases": json.dumps([{"input": "1\n", "output": "1\n", "testtype": "stdin"}]),
        "private_test_cases": "",
        "metadata": "{}",
    }
    assert parse_tests(row).tests == [StdioTest(input="1\n", expected="1\n")]


@pytest.mark.parametrize("protocol", [0, 2, 3, 4, 5])
def test_lcb_private_encoded_tests_are_read_without_unpickling(protocol):
    private = [{"input": "[1,2]\n3", "output": "4", "testtype": "functional"}]
    row = {
        "public_test_cases": json.dumps([{"input": "[1]\n1", "output": "2", "testtype": "functional"}]),
        "private_test_cases": lcb_encode(private, protocol),
        "metadata": json.dumps({"func_name": "addAll"}),
    }
    suite = parse_tests(row)
    assert suite.fn_name == "addAll" and suite.source_format == "livecodebench"
    assert suite.tests == [CallTest(args=[[1], 1], expected=2), CallTest(args=[[1, 2], 3], expected=4)]
    assert len(parse_tests(row, include_private=False).tests) == 1


def test_lcb_private_plain_json_is_accepted():
    row = {
        "public_test_cases": "[]",
        "private_test_cases": json.dumps([{"input": "a", "output": "b", "testtype": "stdin"}]),
    }
    assert parse_tests(row).tests == [StdioTest(input="a", expected="b")]


def test_malicious_pickle_is_refused_and_never_executed(capsys):
    blob = base64.b64encode(zlib.compress(pickle.dumps(Evil()))).decode()
    row = {
        "public_test_cases": json.dumps([{"input": "1", "output": "1", "testtype": "stdin"}]),
        "private_test_cases": blob,
    }
    with pytest.raises(TestFormatError, match="refused to load the pickle"):
        parse_tests(row)
    assert "must never run" not in capsys.readouterr().out


def test_pickle_of_something_other_than_a_string_is_refused():
    blob = base64.b64encode(zlib.compress(pickle.dumps(["a", "b"]))).decode()
    with pytest.raises(TestFormatError, match="refused"):
        parse_tests({"public_test_cases": "[]", "private_test_cases": blob})


def test_lcb_functional_without_function_name_is_an_error():
    row = {"public_test_cases": json.dumps([{"input": "1", "output": "1", "testtype": "functional"}])}
    with pytest.raises(TestFormatError, match="func_name"):
        parse_tests(row)


# ------------------------------------------------------------ other formats


def test_swift_verification_info():
    row = {
        "verification_info": json.dumps(
            {"language": "python", "test_cases": [{"input": "2\n", "output": "4\n", "type": "stdin_stdout"}]}
        )
    }
    suite = parse_tests(row)
    assert suite.tests == [StdioTest(input="2\n", expected="4\n")] and suite.source_format == "swift"


def test_native_judge_tests_pass_through():
    data = {
        "fn_name": "f",
        "tests": [{"kind": "call", "args": [1], "expected": 1}, {"kind": "stdio", "input": "x"}],
    }
    suite = parse_tests(json.dumps(data))
    assert suite.source_format == "judge" and suite.tests[0] == CallTest(args=[1], expected=1)


def test_tests_column_holding_another_format():
    assert parse_tests({"tests": json.dumps({"inputs": ["1"], "outputs": ["1"]})}).source_format == "apps"


@pytest.mark.parametrize("bad", ["not json", "[]", "{}", "42", json.dumps({"something": 1})])
def test_unrecognised_data_is_a_clear_error(bad):
    with pytest.raises(TestFormatError):
        parse_tests(bad)


# ------------------------------------------------------------------ subsets


def _suite(n: int):
    return parse_tests({"inputs": [f"{i}\n" for i in range(n)], "outputs": [f"{i}\n" for i in range(n)]})


def test_subset_is_deterministic_per_task_and_keeps_order():
    suite = _suite(50)
    a = select_tests(suite, 10, key=suite_key(suite, "task-1"))
    b = select_tests(suite, 10, key=suite_key(suite, "task-1"))
    c = select_tests(suite, 10, key=suite_key(suite, "task-2"))
    assert a.tests == b.tests and len(a.tests) == 10
    assert a.tests != c.tests
    inputs = [int(t.input) for t in a.tests]
    assert inputs == sorted(inputs)


def test_subset_of_a_small_suite_is_the_suite():
    suite = _suite(3)
    assert select_tests(suite, 10, key="k") is suite


def test_subset_does_not_depend_on_the_process_hash_seed():
    code = (
        "from xcoder_client.testcases import parse_tests, select_tests;"
        "s = parse_tests({'inputs': [str(i) for i in range(40)], 'outputs': [str(i) for i in range(40)]});"
        "print([t.input for t in select_tests(s, 5, key='task-9').tests])"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outs) == 1


def test_default_key_is_the_content_digest():
    assert suite_key(_suite(4)) == suite_key(_suite(4)) != suite_key(_suite(5))


# -------------------------------------------------------------- submissions


def test_build_submission_maps_language_and_carries_fn_name():
    suite = parse_tests({"fn_name": "f", "inputs": [[1]], "outputs": [[1]]})
    sub = build_submission("def f(x):\n    return x\n", suite, language="py")
    assert sub.language == "python3" and sub.fn_name == "f" and sub.output.value == "none"
    assert build_submission("int main(){}", _suite(1), language="c++").language == "cpp17"
    assert build_submission("int main(){}", _suite(1), language="cpp20").language == "cpp20"


def test_call_tests_need_python():
    suite = parse_tests({"fn_name": "f", "inputs": [[1]], "outputs": [[1]]})
    with pytest.raises(TestFormatError, match="need Python"):
        build_submission("int f(int x){return x;}", suite, language="cpp")
