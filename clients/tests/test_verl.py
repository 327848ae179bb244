"""xcoder_client/verl.py loaded from its file path, as verl does (no judge needed here)."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect

import pytest
import xcoder_client.verl as verl_module


def load_like_verl():
    """verl.utils.import_utils.load_module: spec_from_file_location, not registered in sys.modules."""
    spec = importlib.util.spec_from_file_location("custom_module_probe", verl_module.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loaded_by_path_exposes_the_contract():
    module = load_like_verl()
    assert inspect.iscoroutinefunction(module.compute_score_async)
    assert not inspect.iscoroutinefunction(module.compute_score)
    inspect.signature(module.compute_score).bind(
        data_source="d", solution_str="s", ground_truth="{}", extra_info={}
    )


@pytest.mark.parametrize("shape", ["binary", "fraction", "xcoder"])
def test_loaded_by_path_scores_a_rollout_without_code(shape):
    module = load_like_verl()
    tests = {"inputs": ["1\n"], "outputs": ["1\n"]}
    sync = module.compute_score("d", "no code", tests, None, judge_url="http://judge.invalid", reward=shape)
    async_ = asyncio.run(
        module.compute_score_async(
            "d",
            "no code",
            tests,
            {},
            judge_url="http://judge.invalid",
            reward=shape,
            reward_router_address="ignored",
        )
    )
    assert sync == async_
    assert tuple(sync) == module.REWARD_KEYS
    assert sync["score"] == (-2.0 if shape == "xcoder" else 0.0) and sync["format_ok"] == 0.0


def test_bad_options_are_a_type_error():
    module = load_like_verl()
    with pytest.raises(TypeError, match="reward"):
        module.compute_score("d", "x", {"inputs": ["1"], "outputs": ["1"]}, None, reward="percent")
