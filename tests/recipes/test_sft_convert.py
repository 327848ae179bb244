"""sft/convert.py: X-Coder-SFT-376k and SynthSmith rows → the JSONL ms-swift reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sft import convert


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_hf_source_through_datasets_gives_exact_query_response_rows(fixtures, tmp_path):
    out = tmp_path / "hybrid.jsonl"
    stats = tmp_path / "stats.json"
    rc = convert.main(
        [
            "hf",
            "--data-files",
            str(fixtures / "xcoder_sft_hybrid.parquet"),
            "--cache-dir",
            str(tmp_path / "hf-cache"),
            "--out",
            str(out),
            "--stats",
            str(stats),
            "--no-progress",
        ]
    )
    assert rc == 0
    rows = read_jsonl(out)
    # 5 fixture rows: one has a blank response and is dropped; the extra `generator` column is not copied
    assert [set(r) for r in rows] == [{"query", "response"}] * 4
    assert rows[0]["query"] == "Read two integers a and b and print their sum."
    assert rows[0]["response"].startswith("<think>\nJust add them.\n</think>")
    assert rows[0]["response"].endswith("```python\na, b = map(int, input().split())\nprint(a + b)\n```")
    assert json.loads(stats.read_text()) == {"read": 5, "skipped:empty_response": 1, "written": 4}


def test_messages_format_and_system_prompt(fixtures, tmp_path):
    out = tmp_path / "msgs.jsonl"
    rc = convert.main(
        [
            "hf",
            "--data-files",
            str(fixtures / "xcoder_sft_hybrid.parquet"),
            "--cache-dir",
            str(tmp_path / "hf-cache"),
            "--format",
            "messages",
            "--system",
            "You are X-Coder.",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert rc == 0
    rows = read_jsonl(out)
    assert len(rows) == 4
    assert rows[1] == {
        "messages": [
            {"role": "system", "content": "You are X-Coder."},
            {"role": "user", "content": "Print the maximum of n integers given on the second line."},
            {
                "role": "assistant",
                "content": "<think>\nTrack the max.\n</think>\n\n```python\ninput()\nprint(max(map(int, input().split())))\n```",
            },
        ]
    }


def test_require_code_drops_answers_without_a_final_program(fixtures, tmp_path):
    out = tmp_path / "code.jsonl"
    rc = convert.main(
        [
            "files",
            str(fixtures / "xcoder_sft_hybrid.parquet"),
            "--require-code",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert rc == 0
    queries = [r["query"] for r in read_jsonl(out)]
    assert "Is 97 prime?" not in queries
    assert len(queries) == 3


def test_synthsmith_shapes_are_normalised(fixtures, tmp_path):
    out = tmp_path / "synth.jsonl"
    assert convert.main(["files", str(fixtures / "synth_sft.jsonl"), "--out", str(out), "--no-progress"]) == 0
    rows = read_jsonl(out)
    assert rows == [
        {
            "system": "You are a competitive programmer.",
            "query": "Print the sum of the integers on one line.",
            "response": "```python\nprint(sum(map(int, input().split())))\n```",
        },
        {
            "query": "Print n squared for the integer n on one line.",
            "response": "Square it.\n\n```python\nn = int(input())\nprint(n * n)\n```",
        },
        {
            "query": "Print YES if n is even, else NO.",
            "response": "```python\nprint('YES' if int(input()) % 2 == 0 else 'NO')\n```",
        },
        {"query": "Print the length of the line.", "response": "```python\nprint(len(input()))\n```"},
        {  # SynthSmith's sft.jsonl row: its id/meta columns are not training data
            "query": "Print the number of distinct integers on the line.",
            "response": "<think>\nUse a set.\n</think>\n\n```python\nprint(len(set(input().split())))\n```",
        },
    ]


def test_multi_turn_rows_keep_history(tmp_path):
    src = tmp_path / "multi.jsonl"
    src.write_text(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "q1"},
                    {"role": "assistant", "content": "a1"},
                    {"role": "user", "content": "q2"},
                    {"role": "assistant", "content": "a2"},
                ]
            }
        )
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    assert convert.main(["files", str(src), "--out", str(out), "--no-progress"]) == 0
    assert read_jsonl(out) == [{"query": "q2", "response": "a2", "history": [["q1", "a1"]]}]
    out2 = tmp_path / "out2.jsonl"
    assert convert.main(["files", str(src), "--format", "messages", "--out", str(out2), "--no-progress"]) == 0
    assert [m["content"] for m in read_jsonl(out2)[0]["messages"]] == ["q1", "a1", "q2", "a2"]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (
            {"messages": [{"role": "assistant", "content": "a"}, {"role": "user", "content": "q"}]},
            "missing_response",
        ),
        (
            {"messages": [{"role": "user", "content": "q"}, {"role": "user", "content": "q"}]},
            "missing_response",
        ),
        ({"messages": [{"role": "tool", "content": "x"}]}, "unknown_role"),
        ({"query": "q"}, "missing_response"),
        ({"response": "r"}, "missing_query"),
        ({"query": " ", "response": "r"}, "empty_query"),
        (
            {
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": "a"},
                    {"role": "assistant", "content": "b"},
                ]
            },
            "turns_not_alternating",
        ),
    ],
)
def test_unconvertible_rows_are_skipped_with_a_reason(record, reason):
    with pytest.raises(convert.SkipRow) as err:
        convert.normalize(record)
    assert err.value.reason == reason


def test_dedupe_and_limit(tmp_path):
    src = tmp_path / "dup.jsonl"
    src.write_text("".join(json.dumps({"query": f"q{i % 2}", "response": "r"}) + "\n" for i in range(6)))
    out = tmp_path / "out.jsonl"
    assert convert.main(["files", str(src), "--dedupe", "--out", str(out), "--no-progress"]) == 0
    assert [r["query"] for r in read_jsonl(out)] == ["q0", "q1"]
    assert convert.main(["files", str(src), "--limit", "3", "--out", str(out), "--no-progress"]) == 0
    assert len(read_jsonl(out)) == 3


def test_broken_json_line_is_an_error_naming_the_line_unless_skipped(tmp_path, capsys):
    src = tmp_path / "bad.jsonl"
    src.write_text(json.dumps({"query": "q", "response": "r"}) + "\n{not json\n")
    out = tmp_path / "out.jsonl"
    assert convert.main(["files", str(src), "--out", str(out), "--no-progress"]) == 2
    assert f"{src}:2: not valid JSON" in capsys.readouterr().err
    assert not out.exists()
    assert convert.main(["files", str(src), "--skip-invalid", "--out", str(out), "--no-progress"]) == 0
    assert len(read_jsonl(out)) == 1


def test_nothing_convertible_leaves_no_output_and_keeps_an_old_file(tmp_path):
    src = tmp_path / "empty.jsonl"
    src.write_text(json.dumps({"query": "q"}) + "\n")
    out = tmp_path / "out.jsonl"
    out.write_text("previous good data\n")
    with pytest.raises(SystemExit, match="no rows converted"):
        convert.main(["files", str(src), "--out", str(out), "--no-progress"])
    assert out.read_text() == "previous good data\n"
    assert not (tmp_path / "out.jsonl.tmp").exists()


def test_missing_input_is_a_clear_error(tmp_path, capsys):
    assert convert.main(["files", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
