"""Run configs: the shipped examples load, typos are errors, paths resolve against the file."""

from __future__ import annotations

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
    assert cfg.output_dir == (EXAMPLES / "runs" / "demo").resolve()
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
