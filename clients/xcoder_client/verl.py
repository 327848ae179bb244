"""verl 0.9 reward functions backed by the X-Coder judge.

Configure (verl 0.9.1, `reward.*` keys; the legacy top-level keys are ignored by main_ppo)::

    reward.custom_reward_function.path=$(python -c "import xcoder_client.verl as m; print(m.__file__)")
    reward.custom_reward_function.name=compute_score_async
    +reward.custom_reward_function.reward_kwargs.judge_url=http://judge:8000
    +reward.custom_reward_function.reward_kwargs.reward=fraction      # binary | fraction | xcoder

verl loads this FILE by path (not as a package module), so it imports its package absolutely
and, if the package is not installed, from the directory above this file. verl calls the
function once per finished rollout; concurrent calls in one process are coalesced into batch
requests (`xcoder_client.coalesce`). Rows keep their tests in `reward_model.ground_truth`
(any format `xcoder_client.testcases` reads; a JSON string is safest for parquet).

Every call returns the same keys: `score` plus numeric diagnostics (see `REWARD_KEYS`).
A rollout the judge could not judge is never scored as wrong: with `on_judge_error="raise"`
(default) the call raises `JudgeUnavailable`; with `"nan"` its score is NaN and
`judge_error` is 1.
"""

import sys
from pathlib import Path

if not __package__:  # loaded by file path, e.g. by verl's load_extern_object
    try:
        import xcoder_client  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xcoder_client.verl_reward import (
    REWARD_KEYS,
    VerlRewardOptions,
    compute_score,
    compute_score_async,
    compute_score_batched,
    compute_score_prime,
)

__all__ = [
    "REWARD_KEYS",
    "VerlRewardOptions",
    "compute_score",
    "compute_score_async",
    "compute_score_batched",
    "compute_score_prime",
]
