"""The xcoder-synth command line: run/redo/status, single-task verify, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from .conftest import FIXTURES, run_config, write_config

CLI = [sys.executable, "-m", "xcoder_synth.cli"]


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, **kw)


def test_run_status_and_redo(replay, tmp_path):
    cfg = write_config(tmp_path, run_config(tmp_path, replay.url))
    done = _cli("run", str(cfg), "--to", "decontam", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "write     records=3" in done.stdout
    status = json.loads(_cli("status", str(tmp_path / "run"), "--json").stdout)
    by_name = {s["name"]: s for s in status}
    assert (
        by_name["decontam"]["complete"]
        and not by_name["solve"]["complete"]
        and by_name["solve"]["shards"] is None
    )
    served = len(replay.state.log)

    redo = _cli("run", str(cfg), "--to", "decontam", "--redo", "write", "--no-progress")
    assert redo.returncode == 0, redo.stderr
    assert len(replay.state.log) == served  # rewritten from the response cache
    text = _cli("status", str(tmp_path / "run")).stdout
    assert "write     complete" in text and "solve     pending" in text


def test_errors_exit_2_with_a_message(tmp_path):
    missing = _cli("run", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "config file not found" in missing.stderr
    not_a_run = _cli("status", str(tmp_path))
    assert not_a_run.returncode == 2 and "not a run directory" in not_a_run.stderr


def test_verify_command(live_judge, tmp_path):
    pools = yaml.safe_load((FIXTURES / "pools.yaml").read_text())["maxsub"]
    arrays = [[1, -2, 3], [-5], [2, 2], [4, -1, -1, 4], [-1, 7, -3]]
    request = {
        "task": {"id": "cli-maxsub"},
        "candidates": [{"code": c} for c in list(pools["correct"].values())[:3]]
        + [{"code": pools["wrong"]["whole_sum"]}],
        "inputs": [{"data": f"{len(a)}\n{' '.join(map(str, a))}\n"} for a in arrays],
        "config": {"min_candidates": 3, "min_tests": 3, "limits": {"time_s": 2, "memory_mb": 256}},
    }
    path = tmp_path / "req.json"
    path.write_text(json.dumps(request))
    done = _cli("verify", str(path), "--judge-url", live_judge.url)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "verified"
    assert [t["output"].strip() for t in result["result"]["tests"]] == ["3", "-5", "4", "6", "7"]

    request["config"]["min_candidates"] = 5
    path.write_text(json.dumps(request))
    dropped = _cli("verify", str(path), "--judge-url", live_judge.url)
    assert dropped.returncode == 3 and json.loads(dropped.stdout)["result"]["reason"] == "too_few_candidates"


def test_flags_become_a_settings_object_and_leave_the_environment_alone(monkeypatch, tmp_path):
    from xcoder_synth.cli import _settings, build_parser
    from xcoder_synth.pipeline.config import load_config
    from xcoder_synth.pipeline.runner import open_run
    from xcoder_synth.pipeline.stage import StageContext

    monkeypatch.delenv("XCODER_SYNTH_JUDGE_URL", raising=False)
    cfg = write_config(tmp_path, run_config(tmp_path, "http://127.0.0.1:9/v1"))
    args = build_parser().parse_args(["run", str(cfg), "--judge-url", "http://judge.flag:8000"])
    settings = _settings(args, ("judge_url",))
    assert settings.judge_url == "http://judge.flag:8000"
    assert "XCODER_SYNTH_JUDGE_URL" not in os.environ
    config = load_config(cfg)
    ctx = StageContext(open_run(config), config, progress=False, settings=settings)
    assert ctx.judge.url == "http://judge.flag:8000"  # the flag wins over the config's judge.url
    plain = StageContext(open_run(config), config, progress=False)
    assert plain.settings.judge_url != "http://judge.flag:8000"
