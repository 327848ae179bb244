"""OpenRLHF custom reward: `--remote_rm_url <this file> --label_key <column with the tests>`.

Find the path with `xcoder-client plugin-path openrlhf`. OpenRLHF loads this file by path and
calls `reward_func(queries, prompts, labels)` from a thread per rollout; the calls in flight are
coalesced into batch judge calls. Settings come from XCODER_CLIENT_* (`XCODER_CLIENT_JUDGE_URL`,
`_REWARD`, `_MAX_TESTS`, `_LANGUAGE`, `_TIME_LIMIT_S`, `_MEMORY_MB`, `_MAX_CONCURRENCY`). Returns
tensors, as OpenRLHF's own example reward function does.
"""

import sys
from functools import lru_cache
from pathlib import Path

if not __package__:  # loaded by file path (OpenRLHF's importlib spec), not as xcoder_client.<module>
    try:
        import xcoder_client  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xcoder_client.openrlhf_reward import OpenRLHFRewardOptions, score_queries
from xcoder_client.settings import read_env


@lru_cache(maxsize=1)
def _options() -> OpenRLHFRewardOptions:
    return read_env(OpenRLHFRewardOptions)


def reward_func(queries, prompts, labels, **kwargs):
    import torch

    out = score_queries(queries, prompts, labels, _options())
    as_tensor = lambda values: torch.tensor(values, dtype=torch.float32)  # noqa: E731
    return {
        "rewards": as_tensor(out["rewards"]),
        "scores": as_tensor(out["scores"]),
        "extra_logs": {key: as_tensor(values) for key, values in out["extra_logs"].items()},
    }
