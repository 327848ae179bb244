"""The shared RL row schema: full extra_info dicts, and what a re-convert may carry over."""

from __future__ import annotations

import json

import pytest
from xcoder_client.rl_row import EXTRA_INFO_NAMES, BadExtraInfo, carry_extra_info, extra_info


def test_extra_info_has_every_column_and_refuses_unknown_ones():
    info = extra_info({"index": 3, "task_id": "t"})
    assert tuple(info) == EXTRA_INFO_NAMES
    assert info["index"] == 3 and info["task_id"] == "t" and info["checker"] is None
    with pytest.raises(ValueError, match="checkr"):
        extra_info({"checkr": "{}"})


def test_carry_keeps_known_columns_from_a_dict_or_its_json_text():
    checker = json.dumps({"kind": "floats", "abs_tol": 1e-6})
    row = {"task_id": "t", "checker": checker, "pass_rate": 1, "n_tests": 4, "something_else": [1]}
    for raw in (row, json.dumps(row)):
        carried = carry_extra_info(raw)
        assert carried == {"task_id": "t", "checker": checker, "pass_rate": 1.0, "n_tests": 4}
        assert isinstance(carried["pass_rate"], float)
    assert carry_extra_info(None) == {}


def test_a_checker_given_as_an_object_is_carried_as_json_text():
    carried = carry_extra_info({"checker": {"kind": "tokens"}})
    assert json.loads(carried["checker"]) == {"kind": "tokens"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([1, 2], "a list, not an object"),
        ("{oops", "not JSON"),
        ({"index": "7"}, "extra_info.index is a str, not int"),
        ({"n_tests": True}, "extra_info.n_tests is a bool"),
        ({"pass_rate": "high"}, "extra_info.pass_rate is a str, not float"),
        ({"checker": "tokens"}, "extra_info.checker is not a JSON object"),
        ({"provenance": "[1]"}, "extra_info.provenance is not a JSON object"),
    ],
)
def test_bad_extra_info_is_refused_with_why(raw, message):
    with pytest.raises(BadExtraInfo, match=message):
        carry_extra_info(raw)
