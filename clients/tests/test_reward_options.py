"""Every framework adapter reads the reward fields, their bounds and the RewardConfig the same way."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from xcoder_client.openrlhf_reward import OpenRLHFRewardOptions
from xcoder_client.reward import RewardConfig, RewardShape
from xcoder_client.reward_options import RewardOptions, RowRewardOptions
from xcoder_client.settings import read_env
from xcoder_client.swift_orm import SwiftRewardOptions
from xcoder_client.trl_reward import TRLRewardOptions
from xcoder_client.verl_reward import VerlRewardOptions
from xcoder_wire.schemas import MAX_MEMORY_MB, MAX_TIME_S, MIN_MEMORY_MB

ADAPTERS = [OpenRLHFRewardOptions, VerlRewardOptions, SwiftRewardOptions, TRLRewardOptions]
FIELDS = {"reward": "binary", "max_tests": 3, "language": "cpp", "time_limit_s": 2.5, "memory_mb": 256}


@pytest.mark.parametrize("model", ADAPTERS, ids=lambda m: m.__name__)
def test_same_fields_same_config(model: type[RewardOptions]) -> None:
    config = model(**FIELDS).reward_config()
    assert config == RewardConfig(
        shape=RewardShape.binary, language="cpp", max_tests=3, time_limit_s=2.5, memory_mb=256
    )
    assert model().reward_config() == RewardConfig()  # defaults: fraction, python, 10 tests, no limits


@pytest.mark.parametrize("model", ADAPTERS, ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "bad",
    [
        {"time_limit_s": MAX_TIME_S + 1},
        {"time_limit_s": 0},
        {"memory_mb": MIN_MEMORY_MB - 1},
        {"memory_mb": MAX_MEMORY_MB + 1},
        {"max_tests": 0},
        {"reward": "partial"},
        {"no_such_option": 1},
    ],
)
def test_the_judges_limits_bound_every_adapter(model: type[RewardOptions], bad: dict) -> None:
    with pytest.raises(ValidationError):
        model(**bad)


def test_verl_keeps_allow_unterminated() -> None:
    assert VerlRewardOptions(allow_unterminated=True, reward="xcoder").reward_config() == RewardConfig(
        shape=RewardShape.xcoder, allow_unterminated=True
    )
    assert VerlRewardOptions().reward_config().allow_unterminated is False


@pytest.mark.parametrize("model", [SwiftRewardOptions, TRLRewardOptions], ids=lambda m: m.__name__)
def test_row_adapters_name_their_columns(model: type[RowRewardOptions]) -> None:
    columns = model(tests_column="unit_tests", task_id_column="qid").row_columns()
    assert (columns.tests_column, columns.task_id_column) == ("unit_tests", "qid")


def test_swift_reads_the_shared_fields_from_the_environment() -> None:
    env = {
        "XCODER_CLIENT_REWARD": "binary",
        "XCODER_CLIENT_TIME_LIMIT_S": "4",
        "XCODER_CLIENT_TESTS_COLUMN": "t",
    }
    options = read_env(SwiftRewardOptions, env)
    assert options.reward_config().shape is RewardShape.binary and options.reward_config().time_limit_s == 4.0
    assert options.row_columns().tests_column == "t"
