"""OpenRLHF's remote reward protocol (`xcoder-client serve-reward`) and `reward_func.py`, live.

Requests are shaped as OpenRLHF 0.11's `SingleTurnAgentExecutor` sends them (one query per
request, the query being prompt + response); test_frameworks.py drives OpenRLHF's own code.
"""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from xcoder_client.openrlhf_reward import OpenRLHFRewardOptions
from xcoder_client.reward_server import make_server

from clients.tests.programs import ADD, ADD_TESTS, WRONG_ADD, closed_port_url, fenced

PROMPT = (
    "<|im_start|>user\nAdd two numbers. Example:\n```python\nprint(3)\n```<|im_end|>\n<|im_start|>assistant\n"
)
LABEL = json.dumps(ADD_TESTS)


@pytest.fixture
def serve():
    servers = []

    def start(**options):
        server = make_server("127.0.0.1", 0, OpenRLHFRewardOptions(**options))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/get_reward"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def ask(url, responses, labels, prompt=PROMPT):
    body = {"query": [prompt + r for r in responses], "prompts": [prompt] * len(responses), "labels": labels}
    return httpx.post(url, json=body, timeout=60)


def test_endpoint_scores_rollouts_in_openrlhfs_shape(live_judge, serve):
    url = serve(judge_url=live_judge.url)
    answer = ask(url, [fenced(ADD) + "<|im_end|>", fenced(WRONG_ADD), "I would add them."], [LABEL] * 3)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["rewards"] == [1.0, 0.25, 0.0]
    assert body["scores"] == [1.0, 0.25, 0.0]
    assert body["extra_logs"]["format_ok"] == [1.0, 1.0, 0.0]
    assert body["extra_logs"]["acc"] == [1.0, 0.0, 0.0]
    for single in ([fenced(ADD)], [fenced(WRONG_ADD)]):  # what OpenRLHF 0.11 actually sends: one each
        assert len(ask(url, single, [LABEL]).json()["rewards"]) == 1


def test_the_prompts_own_code_block_is_never_judged(live_judge, serve):
    """A statement with an example program: an answer without code must not be scored on it."""
    url = serve(judge_url=live_judge.url, reward="xcoder")
    prompt = "Add two numbers. This solves it:\n```python\n" + ADD + "```\n"
    assert ask(url, ["No idea."], [LABEL], prompt=prompt).json()["rewards"] == [-2.0]
    refused = httpx.post(url, json={"query": ["other text"], "prompts": [prompt], "labels": [LABEL]})
    assert refused.status_code == 422 and "does not contain its prompt" in refused.json()["error"]


def test_labels_carry_task_id_checker_and_language(live_judge, serve):
    url = serve(judge_url=live_judge.url)
    third = {"inputs": ["\n"], "outputs": ["0.3333333333\n"]}
    nine = fenced('print("%.9f" % (1 / 3))\n')
    floats = {"kind": "floats", "abs_tol": 1e-6, "rel_tol": 1e-6}
    labels = [
        json.dumps({"tests": third, "task_id": "third", "checker": json.dumps(floats)}),
        json.dumps({**third, "checker": floats}),
        json.dumps(third),
        {"tests": ADD_TESTS, "language": "cpp"},
    ]
    cpp_add = (
        '```cpp\n#include <cstdio>\nint main(){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);}\n```'
    )
    body = ask(url, [nine, nine, nine, cpp_add], labels).json()
    assert body["rewards"] == [1.0, 1.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"prompts": ["p"], "labels": [LABEL]}, 400, "query"),
        ({"query": "not a list"}, 400, "query"),
        ({"query": ["pa", "pb"], "prompts": ["p"], "labels": [LABEL]}, 400, "differ in length"),
        ({"query": ["p" + fenced(ADD)], "prompts": ["p"]}, 422, "label"),
        ({"query": ["p" + fenced(ADD)], "prompts": ["p"], "labels": ["{not json"]}, 422, "label"),
        (
            {"query": ["p" + fenced(ADD)], "prompts": ["p"], "labels": [json.dumps({"kind": "x"})]},
            422,
            "format",
        ),
    ],
)
def test_bad_requests_get_clear_json_errors(live_judge, serve, body, status, message):
    answer = httpx.post(serve(judge_url=live_judge.url), json=body)
    assert answer.status_code == status and message in answer.json()["error"]


def test_a_judge_outage_is_503_never_a_reward(serve):
    url = serve(judge_url=closed_port_url())
    answer = ask(url, [fenced(ADD)], [LABEL])
    assert answer.status_code == 503 and "judge unavailable" in answer.json()["error"]
    assert ask(url, ["no code"], [LABEL]).json()["rewards"] == [0.0]  # nothing to judge: no judge needed
    assert httpx.get(url.replace("/get_reward", "/healthz")).json() == {"status": "ok"}
    assert httpx.post(url.replace("/get_reward", "/other"), json={}).status_code == 404
