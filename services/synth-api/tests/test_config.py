"""Run configs: the shipped examples load, typos are errors, paths resolve against the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from xcoder_synth.errors import ConfigError
from xcoder_synth.pipeline.config import load_config

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.mark.parametrize("name", ["demo.yaml", "production.yaml"])
def test_examples_load(name):
    cfg = load_config(EXAMPLES / name)
    assert cfg.output_dir is not None and cfg.output_dir.is_absolute()
    assert set(cfg.llm.stages) == {"extract", "evolve", "select", "write", "testgen"}


def test_demo_paths_resolve_next_to_the_file():
    cfg = load_config(EXAMPLES / "demo.yaml")
    assert cfg.seeds == (EXAMPLES.parent / "tests" / "fixtures" / "seeds.jsonl").resolve()
    # Runs go under the data directory, never into the source tree.
    assert cfg.output_dir == (Path(os.environ["XCODER_SYNTH_DATA_DIR"]) / "runs" / "demo").resolve()
    assert EXAMPLES.resolve() not in cfg.output_dir.parents
    assert cfg.cache_dir == cfg.output_dir / "llm-cache"
    assert cfg.llm.solve[0].samples == 6 and cfg.tasks.styles.weights()["leetcode"] == pytest.approx(1 / 3)


def _write(tmp_path, data) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_typos_and_unknown_endpoints_are_errors(tmp_path):
    base = {
        "name": "x",
        "seeds": "s.jsonl",
        "llm": {"endpoints": {"m": {"base_url": "http://h/v1", "model": "m"}}},
    }
    with pytest.raises(ConfigError, match="verfy"):
        load_config(_write(tmp_path, {**base, "verfy": {}}))
    bad = {**base, "llm": {**base["llm"], "stages": {"write": "nope"}}}
    with pytest.raises(ConfigError, match="endpoint 'nope' is not defined"):
        load_config(_write(tmp_path, bad))
    with pytest.raises(ConfigError, match="base_url must start with http"):
        load_config(_write(tmp_path, {**base, "llm": {"endpoints": {"m": {"base_url": "h", "model": "m"}}}}))
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")


def test_first_endpoint_is_the_default_for_every_stage(tmp_path):
    cfg = load_config(
        _write(
            tmp_path,
            {
                "name": "x",
                "seeds": [],
                "llm": {"endpoints": {"m": {"base_url": "http://h/v1", "model": "m"}}},
            },
        )
    )
    assert set(cfg.llm.stages.values()) == {"m"} and cfg.llm.solve[0].endpoint == "m"


def _judge_url(tmp_path, config_url):
    import asyncio

    from xcoder_synth.pipeline.runner import open_run
    from xcoder_synth.pipeline.stage import StageContext
    from xcoder_synth.settings import get_settings

    from .conftest import run_config

    get_settings.cache_clear()
    cfg = run_config(tmp_path, "http://127.0.0.1:9", judge_url=config_url)
    config = load_config(_write(tmp_path, cfg))
    ctx = StageContext(open_run(config), config, progress=False)
    try:
        return ctx.judge.url
    finally:
        asyncio.run(ctx.aclose())


def test_an_explicit_judge_url_environment_variable_overrides_the_config(tmp_path, monkeypatch):
    monkeypatch.delenv("XCODER_SYNTH_JUDGE_URL", raising=False)
    assert _judge_url(tmp_path, "http://config-judge:8000") == "http://config-judge:8000"
    monkeypatch.setenv("XCODER_SYNTH_JUDGE_URL", "http://deployed-judge:8000")
    assert _judge_url(tmp_path, "http://config-judge:8000") == "http://deployed-judge:8000"


def test_library_request_logs_stay_quiet_unless_verbose():
    import logging

    from xcoder_synth.cli import QUIET_LIBRARIES, _setup_logging

    _setup_logging(verbose=False)
    assert all(logging.getLogger(n).getEffectiveLevel() == logging.WARNING for n in QUIET_LIBRARIES)
    _setup_logging(verbose=True)
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.DEBUG
    _setup_logging(verbose=False)
