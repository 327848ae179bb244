"""Score completions through ms-swift 4.6's own plugin and reward code (run by test_frameworks.py).

    python swift_probe.py <judge_url> < rows.json > results.json

Loads the plugin file with `swift.utils.import_external_file` (what `--external_plugins` does),
resolves `--reward_funcs xcoder_judge xcoder_code_format` with `resolve_reward_funcs`, and scores
GRPOSamples with `compute_rewards_per_func` (which runs async rewards in `asyncio.run`), twice,
as two training steps would.
"""

from __future__ import annotations

import json
import math
import os
import sys

import torch
from swift.rl_core.data import GRPOSample
from swift.rl_core.grpo_algorithm import compute_rewards_per_func
from swift.rlhf_trainers.utils import resolve_reward_funcs
from swift.utils import import_external_file
from xcoder_client.cli import _plugin_path


def main() -> None:
    os.environ["XCODER_CLIENT_JUDGE_URL"] = sys.argv[1]
    rows = json.load(sys.stdin)
    import_external_file(str(_plugin_path("swift")))
    funcs, names = resolve_reward_funcs(["xcoder_judge", "xcoder_code_format"], args=None)
    samples = [GRPOSample.from_row(row) for row in rows]
    steps = [compute_rewards_per_func(samples, funcs, None, device=torch.device("cpu")) for _ in range(2)]
    as_lists = [[[None if math.isnan(v) else v for v in row] for row in step.tolist()] for step in steps]
    json.dump({"names": names, "steps": as_lists}, sys.stdout)


if __name__ == "__main__":
    main()
