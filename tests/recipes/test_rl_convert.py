"""rl/convert.py: X-Coder-RL-40k rows → verl 0.9 RL parquet whose ground truth xcoder_client parses."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from xcoder_client.testcases import parse_tests
from xcoder_wire.schemas import AssertTest, CallTest, StdioTest

from rl import convert

EXPECTED_SCHEMA = pa.schema(
    [
        ("data_source", pa.string()),
        ("prompt", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
        ("ability", pa.string()),
        ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
        (
            "extra_info",
            pa.struct(
                [
                    ("index", pa.int64()),
                    ("split", pa.string()),
                    ("task_id", pa.string()),
                    ("prompter_type", pa.string()),
                    ("source_file", pa.string()),
                    ("style", pa.string()),
                    ("io", pa.string()),
                    ("fn_name", pa.string()),
                    ("checker", pa.string()),
                    ("time_limit_s", pa.float64()),
                    ("pass_rate", pa.float64()),
                    ("n_tests", pa.int64()),
                    ("features", pa.string()),
                    ("golden_candidate_id", pa.string()),
                    ("provenance", pa.string()),
                ]
            ),
        ),
    ]
)
"""The one RL row schema (xcoder_client.rl_row): rl/convert.py's columns and SynthSmith's."""


@pytest.fixture()
def converted(fixtures, tmp_path):
    out_dir = tmp_path / "train"
    report = tmp_path / "report.json"
    rc = convert.main(
        [
            "xcoder",
            str(fixtures / "xcoder_rl_part.parquet"),
            "--out-dir",
            str(out_dir),
            "--report",
            str(report),
            "--no-progress",
        ]
    )
    assert rc == 0
    return out_dir / "xcoder_rl_part.parquet", json.loads(report.read_text())


def test_schema_and_rows_are_what_verl_reads(converted):
    path, report = converted
    table = pq.read_table(path)
    assert table.schema.remove_metadata() == EXPECTED_SCHEMA
    rows = table.to_pylist()
    # six fixture rows, one without tests is dropped
    assert [r["extra_info"]["task_id"] for r in rows] == [
        "syn-0001",
        "syn-0002",
        "lc-0003",
        "lcb-0004",
        "xcoder_rl_part-5",
    ]
    assert [r["extra_info"]["index"] for r in rows] == [0, 1, 2, 3, 4]
    assert {r["data_source"] for r in rows} == {"xcoder/rl-syn"}
    assert {r["ability"] for r in rows} == {"code"}
    assert {r["reward_model"]["style"] for r in rows} == {"rule"}
    assert rows[0]["prompt"] == [{"role": "user", "content": "Read two integers a and b and print a + b."}]
    # a row without a prompt gets its statement as the user turn
    assert rows[4]["prompt"] == [{"role": "user", "content": "Read an integer n and print 2 * n."}]
    assert [r["extra_info"]["prompter_type"] for r in rows] == [
        "xcoder",
        "xcoder",
        "leetcode",
        "livecodebench",
        "xcoder",
    ]
    assert report["stats"] == {"read": 6, "skipped:too_few_tests": 1, "written": 5}


def test_ground_truth_is_taco_style_json_and_parses_to_the_right_tests(converted):
    path, _ = converted
    rows = {r["extra_info"]["task_id"]: r for r in pq.read_table(path).to_pylist()}
    truths = {k: json.loads(r["reward_model"]["ground_truth"]) for k, r in rows.items()}
    assert truths["syn-0001"] == {"inputs": ["1 2\n", "5 7\n", "-3 3\n"], "outputs": ["3\n", "12\n", "0\n"]}
    assert len(truths["syn-0002"]["inputs"]) == 12  # double-encoded input_output decoded
    assert truths["lc-0003"] == {
        "assert_case": ["assert Solution().addDigits(38) == 2", "assert Solution().addDigits(0) == 0"]
    }
    assert truths["lcb-0004"] == {
        "inputs": ["[2,7,11,15]\n9", "[3,2,4]\n6"],
        "outputs": ["[0, 1]", "[1, 2]"],
        "fn_name": "twoSum",
    }

    # the reward's parser (xcoder_client.testcases) reads each as the intended judge tests
    suite = parse_tests(rows["syn-0001"]["reward_model"]["ground_truth"])
    assert suite.tests == [
        StdioTest(input="1 2\n", expected="3\n"),
        StdioTest(input="5 7\n", expected="12\n"),
        StdioTest(input="-3 3\n", expected="0\n"),
    ]
    suite = parse_tests(rows["lc-0003"]["reward_model"]["ground_truth"])
    assert suite.tests == [
        AssertTest(code="assert Solution().addDigits(38) == 2"),
        AssertTest(code="assert Solution().addDigits(0) == 0"),
    ]
    suite = parse_tests(rows["lcb-0004"]["reward_model"]["ground_truth"])
    assert suite.fn_name == "twoSum"
    assert suite.tests == [
        CallTest(args=[[2, 7, 11, 15], 9], expected=[0, 1]),
        CallTest(args=[[3, 2, 4], 6], expected=[1, 2]),
    ]


def test_max_tests_keeps_a_fixed_ordered_subset(fixtures, tmp_path):
    args = ["xcoder", str(fixtures / "xcoder_rl_part.parquet"), "--max-tests", "5", "--no-progress"]
    assert convert.main([*args, "--out-dir", str(tmp_path / "a")]) == 0
    assert convert.main([*args, "--out-dir", str(tmp_path / "b")]) == 0
    a = pq.read_table(tmp_path / "a" / "xcoder_rl_part.parquet").to_pylist()
    b = pq.read_table(tmp_path / "b" / "xcoder_rl_part.parquet").to_pylist()
    truth = json.loads(a[1]["reward_model"]["ground_truth"])
    assert truth == json.loads(b[1]["reward_model"]["ground_truth"])  # deterministic
    assert len(truth["inputs"]) == len(truth["outputs"]) == 5
    full_inputs = [f"{n}\n" + " ".join(str(i) for i in range(1, n + 1)) + "\n" for n in range(1, 13)]
    positions = [full_inputs.index(x) for x in truth["inputs"]]
    assert positions == sorted(positions)  # original order
    for x, y in zip(truth["inputs"], truth["outputs"], strict=True):  # pairs stay together
        n = int(x.split("\n")[0])
        assert y == f"{n * (n + 1) // 2}\n"
    # tasks with at most 5 tests are untouched
    assert len(json.loads(a[0]["reward_model"]["ground_truth"])["inputs"]) == 3


def test_holdout_moves_the_last_rows_to_a_validation_file(fixtures, tmp_path):
    rc = convert.main(
        [
            "xcoder",
            str(fixtures / "xcoder_rl_part.parquet"),
            "--out-dir",
            str(tmp_path / "train"),
            "--holdout",
            "2",
            "--holdout-dir",
            str(tmp_path / "val"),
            "--no-progress",
        ]
    )
    assert rc == 0
    train = pq.read_table(tmp_path / "train" / "xcoder_rl_part.parquet").to_pylist()
    val = pq.read_table(tmp_path / "val" / "holdout.parquet").to_pylist()
    assert [r["extra_info"]["task_id"] for r in train] == ["syn-0001", "syn-0002", "lc-0003"]
    assert [r["extra_info"]["task_id"] for r in val] == ["lcb-0004", "xcoder_rl_part-5"]
    assert {r["extra_info"]["split"] for r in val} == {"holdout"}


def test_check_accepts_converted_files_and_reports_bad_ones(converted, tmp_path, capsys):
    path, _ = converted
    assert convert.main(["check", str(path)]) == 0
    assert "OK" in capsys.readouterr().out

    rows = pq.read_table(path).to_pylist()
    rows[2]["reward_model"]["ground_truth"] = json.dumps({"inputs": ["1"], "outputs": []})
    rows[3]["prompt"] = []
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=EXPECTED_SCHEMA), bad)
    assert convert.main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out
    assert "row 2: ground truth does not parse" in out
    assert "row 3: prompt is not a non-empty list" in out

    no_reward = tmp_path / "no_reward.parquet"
    pq.write_table(pa.table({"prompt": [[{"role": "user", "content": "x"}]]}), no_reward)
    assert convert.main(["check", str(no_reward)]) == 1
    assert "missing columns: ['data_source', 'reward_model']" in capsys.readouterr().out


def test_synthsmith_rl_export_passes_the_check_and_parses(fixtures, capsys):
    path = fixtures / "synth_rl.parquet"
    assert convert.main(["check", str(path)]) == 0
    assert "OK" in capsys.readouterr().out
    rows = pq.read_table(path).to_pylist()
    call = parse_tests(rows[1]["reward_model"]["ground_truth"])
    # one-element-list outputs are unwrapped; list-valued results survive
    assert call.fn_name == "pairs"
    assert call.tests == [
        CallTest(args=[[1, 2, 3]], expected=[[1, 2], [2, 3]]),
        CallTest(args=[[4]], expected=[]),
    ]


def test_rows_already_in_verl_form_are_reconverted_unchanged(converted, tmp_path):
    """A verl parquet (e.g. SynthSmith's RL export) passes through: its ground truth is kept."""
    path, _ = converted
    assert convert.main(["xcoder", str(path), "--out-dir", str(tmp_path / "again"), "--no-progress"]) == 0
    before = pq.read_table(path).to_pylist()
    after = pq.read_table(tmp_path / "again" / path.name).to_pylist()
    assert [r["reward_model"] for r in after] == [r["reward_model"] for r in before]
    assert [r["prompt"] for r in after] == [r["prompt"] for r in before]
    assert [r["extra_info"]["task_id"] for r in after] == [r["extra_info"]["task_id"] for r in before]


def test_unparseable_tests_are_dropped_with_an_example(tmp_path, capsys):
    rows = [
        {"id": "ok", "problem": "p", "input_output": json.dumps({"inputs": ["1\n"], "outputs": ["1\n"]})},
        {
            "id": "mismatch",
            "problem": "p",
            "input_output": json.dumps({"inputs": ["1\n", "2\n"], "outputs": ["1\n"]}),
        },
        {"id": "notjson", "problem": "p", "input_output": "{oops"},
    ]
    src = tmp_path / "src.parquet"
    pq.write_table(pa.Table.from_pylist(rows), src)
    assert convert.main(["xcoder", str(src), "--out-dir", str(tmp_path / "o"), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "skipped:unparseable_tests=1" in err
    assert "skipped:bad_tests=1" in err
    assert "row 1" in err  # an example names the row
    out = pq.read_table(tmp_path / "o" / "src.parquet").to_pylist()
    assert [r["extra_info"]["task_id"] for r in out] == ["ok"]


def test_same_file_name_twice_is_refused(fixtures, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "xcoder_rl_part.parquet").write_bytes((fixtures / "xcoder_rl_part.parquet").read_bytes())
    rc = convert.main(
        ["xcoder", str(fixtures / "xcoder_rl_part.parquet"), str(other), "--out-dir", str(tmp_path / "o")]
    )
    assert rc == 2
    assert "share a file name" in capsys.readouterr().err


def test_swift_converts_verl_rows_and_a_synthsmith_export_to_grpo_jsonl(
    converted, fixtures, tmp_path, capsys
):
    out = tmp_path / "swift.jsonl"
    code = convert.main(["swift", str(converted[0]), str(fixtures / "synth_rl.parquet"), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    verl_rows = pq.read_table(converted[0]).to_pylist()
    synth_rows = pq.read_table(fixtures / "synth_rl.parquet").to_pylist()
    assert len(rows) == len(verl_rows) + len(synth_rows)
    for row, src in zip(rows, verl_rows + synth_rows, strict=True):
        assert row["messages"] == src["prompt"] and "prompt" not in row
        assert row["tests"] == src["reward_model"]["ground_truth"]
        assert row["task_id"] == src["extra_info"]["task_id"]
        assert parse_tests(row["tests"]).tests
    synth = rows[len(verl_rows) :]
    assert all(json.loads(r["checker"]) == {"kind": "tokens", "case_sensitive": True} for r in synth)
    assert "checker" not in rows[0]  # X-Coder rows carry none: the judge's default applies


def test_swift_refuses_rows_it_could_not_score(tmp_path, capsys):
    bad = tmp_path / "bad.parquet"
    row = {
        "data_source": "x",
        "prompt": [{"role": "user", "content": "q"}],
        "reward_model": {"ground_truth": "nope"},
    }
    pq.write_table(pa.Table.from_pylist([row]), bad)
    assert convert.main(["swift", str(bad), "--out", str(tmp_path / "o.jsonl")]) == 1
    assert "skip" in capsys.readouterr().err


def test_a_reconvert_of_a_synthsmith_export_keeps_its_extra_info(fixtures, tmp_path):
    """The reward reads extra_info.checker: a re-convert must not lose it (nor the other columns)."""
    src = fixtures / "synth_rl.parquet"
    assert convert.main(["xcoder", str(src), "--out-dir", str(tmp_path / "o"), "--no-progress"]) == 0
    table = pq.read_table(tmp_path / "o" / src.name)
    assert table.schema.remove_metadata() == EXPECTED_SCHEMA
    before = pq.read_table(src).to_pylist()
    after = table.to_pylist()
    assert len(after) == len(before) == 2
    for b, a in zip(before, after, strict=True):
        assert a["extra_info"]["checker"] == b["extra_info"]["checker"] is not None
        for name in ("task_id", "style", "io", "fn_name", "pass_rate", "n_tests", "provenance"):
            assert a["extra_info"][name] == b["extra_info"][name], name
        assert a["extra_info"]["source_file"] == src.name


def test_rows_with_bad_extra_info_are_skipped_and_counted(converted, tmp_path, capsys):
    path, _ = converted
    rows = pq.read_table(path).to_pylist()
    ids = [r["extra_info"]["task_id"] for r in rows]
    assert len(rows) == 5
    rows[1]["extra_info"]["checker"] = "tokens"  # not a JSON object: the reward could not use it
    rows[3]["extra_info"] = None  # no extra_info is fine: the id falls back to file and row
    bad = tmp_path / "in" / "bad.parquet"
    bad.parent.mkdir()
    pq.write_table(pa.Table.from_pylist(rows, schema=EXPECTED_SCHEMA), bad)
    report = tmp_path / "report.json"
    argv = ["xcoder", str(bad), "--out-dir", str(tmp_path / "o"), "--report", str(report), "--no-progress"]
    assert convert.main(argv) == 0
    stats = json.loads(report.read_text())["stats"]
    assert stats["skipped:bad_extra_info"] == 1
    assert "extra_info.checker is not a JSON object" in capsys.readouterr().err
    out = pq.read_table(tmp_path / "o" / "bad.parquet").to_pylist()
    assert [r["extra_info"]["task_id"] for r in out] == [ids[0], ids[2], "bad-3", ids[4]]


def test_both_writers_write_the_same_schema(tmp_path):
    """SynthSmith's export and rl/convert.py: one schema, so their files concatenate and re-convert."""
    from xcoder_synth.export.rl import SCHEMA

    assert SCHEMA == EXPECTED_SCHEMA == convert._schema()
