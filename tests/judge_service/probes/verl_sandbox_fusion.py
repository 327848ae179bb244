"""Score completions with verl 0.9.1's OWN SandboxFusion reward code against a judge URL (a base
URL, or the `/run_code` URL itself with a query such as `?api_key=KEY`).

Runs in the CPU training venv (verl installed). stdin: a JSON list of {completion, test_cases};
stdout (last line): a JSON list of {score, results} where results are verl's per-case codes
(True/False, or -1 API error, -2 runtime error, -3 timeout, -4 compile error).
"""

import json
import sys

from verl.utils.reward_score.sandbox_fusion import compute_score
from verl.utils.reward_score.sandbox_fusion.utils import check_correctness

# A judge's base URL, or a full /run_code URL as a verl config holds it (`…/run_code?api_key=K`).
url = sys.argv[1] if "/run_code" in sys.argv[1] else sys.argv[1].rstrip("/") + "/run_code"
print("probe: verl imported", file=sys.stderr, flush=True)  # a test may set up load until here
out = []
for item in json.load(sys.stdin):
    score, _ = compute_score(
        url, None, 1024, item["completion"], item["test_cases"], continuous=True, timeout=5
    )
    code = item["completion"].split("```python")[-1].split("```")[0]
    results, metadata = check_correctness(url, item["test_cases"], code, timeout=5, memory_limit_mb=1024)
    out.append({"score": score, "results": results, "statuses": [m.get("status") for m in metadata]})
print(json.dumps(out))
