"""The native API through real HTTP, a real worker and the real engine (the `live_judge` fixture)."""

from __future__ import annotations

import re

import httpx
import pytest
from xcoder_wire.schemas import SubmissionEnvelope, SubmissionResult, Verdict

ADD = "a, b = map(int, input().split())\nprint(a + b)\n"


@pytest.fixture(scope="module")
def api(live_judge):
    with httpx.Client(base_url=live_judge.url, timeout=120) as client:
        yield client


def add_submission(**over):
    body = {
        "language": "python3",
        "source": ADD,
        "tests": [{"input": "1 2\n", "expected": "3"}, {"input": "5 7\n", "expected": "12\n"}],
    }
    return {**body, **over}


def test_a_submission_is_judged_and_returned_whole(api):
    r = api.post("/v1/submissions", json=add_submission())
    assert r.status_code == 200
    env = SubmissionEnvelope.model_validate(r.json())
    assert env.status == "done" and env.result is not None
    assert env.result.verdict is Verdict.AC and env.result.passed == env.result.total == 2
    assert env.result.id == env.id and env.result.language == "python3" and env.result.attempts == 1


def test_wrong_answers_are_reported_per_test(api):
    body = add_submission(
        source="print(4)", tests=[{"input": "1 2\n", "expected": "3"}, {"input": "2 2\n", "expected": "4"}]
    )
    result = SubmissionResult.model_validate(api.post("/v1/submissions", json=body).json()["result"])
    assert result.verdict is Verdict.WA and result.score == 0.5
    assert [t.verdict for t in result.tests] == [Verdict.WA, Verdict.AC]
    assert result.tests[0].stdout == "4\n"  # output "failed" (the default) returns failed tests' output


def test_a_batch_comes_back_in_request_order(api):
    subs = [add_submission(source=f"print({i})", tests=[{"input": "", "expected": str(i)}]) for i in range(6)]
    subs.insert(3, add_submission(language="cpp", source="int main(){return 3;}", tests=[{"input": ""}]))
    r = api.post("/v1/submissions/batch", json={"submissions": subs})
    assert r.status_code == 200
    items = [SubmissionEnvelope.model_validate(i) for i in r.json()["items"]]
    verdicts = [i.result.verdict for i in items]
    assert verdicts == [Verdict.AC] * 3 + [Verdict.RE] + [Verdict.AC] * 3
    assert items[3].result.language == "cpp17"  # the alias resolved to the language id
    assert len({i.id for i in items}) == 7


def test_enqueue_then_poll(api):
    r = api.post("/v1/submissions", params={"wait": 0}, json=add_submission())
    assert r.status_code == 202
    env = r.json()
    assert env["status"] in ("queued", "running") and env["result"] is None
    polled = api.get(f"/v1/submissions/{env['id']}", params={"wait": 60})
    assert polled.status_code == 200 and polled.json()["result"]["verdict"] == "AC"
    looked = api.post("/v1/submissions/lookup", json={"ids": [env["id"]], "wait": 5})
    assert looked.status_code == 200 and looked.json()["items"][0] == polled.json()


def test_unknown_ids_are_404_and_named(api):
    r = api.get("/v1/submissions/no-such-id")
    assert r.status_code == 404 and "no-such-id" in r.json()["detail"]
    done = api.post("/v1/submissions", json=add_submission()).json()["id"]
    r = api.post("/v1/submissions/lookup", json={"ids": [done, "ghost.1", "ghost:2"]})
    assert r.status_code == 404
    assert (
        "ghost.1" in r.json()["detail"] and "ghost:2" in r.json()["detail"] and done not in r.json()["detail"]
    )


def test_a_client_id_is_idempotent_and_never_reused_for_other_code(api):
    sid = f"idem.{re.sub(r'[^0-9a-f]', '', str(id(api)))}:1"
    first = api.post("/v1/submissions", json=add_submission(id=sid))
    again = api.post("/v1/submissions", json=add_submission(id=sid, priority="bulk"))
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == sid
    assert again.json() == first.json()  # the same result object, timings included: not re-run
    conflict = api.post("/v1/submissions", json=add_submission(id=sid, source="print(3)"))
    assert conflict.status_code == 409
    assert conflict.json()["detail"][0]["loc"] == ["body", "id"]


def test_unknown_language_is_400_listing_the_offered_ones(api):
    r = api.post("/v1/submissions", json=add_submission(language="brainfuck"))
    assert r.status_code == 400
    (err,) = r.json()["detail"]
    assert err["loc"] == ["body", "language"] and "python3" in err["msg"] and "cpp17" in err["msg"]
    r = api.post(
        "/v1/submissions/batch", json={"submissions": [add_submission(), add_submission(language="cobol")]}
    )
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["body", "submissions", 1, "language"]


def test_a_test_kind_the_language_cannot_run_is_400(api):
    body = add_submission(language="cpp17", fn_name="f", tests=[{"kind": "call", "args": [1], "expected": 1}])
    r = api.post("/v1/submissions", json=body)
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["body", "tests"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (b'{"language": "python3", "source": ', ["body", 34]),
        (b'{"language": 3, "source": "x", "tests": [{}]}', ["body", "language"]),
        (b'{"language": "python3", "source": "x", "tests": []}', ["body", "tests"]),
        (
            b'{"language": "python3", "source": "x", "tests": [{}], "limits": {"time_s": 1000}}',
            ["body", "limits", "time_s"],
        ),
        (
            b'{"language": "python3", "source": "x", "tests": [{}], "limits": {"memory_mb": 1}}',
            ["body", "limits", "memory_mb"],
        ),
        (b'{"language": "python3", "source": "x", "tests": [{}], "surprise": 1}', ["body", "surprise"]),
    ],
)
def test_malformed_requests_are_422_naming_the_field(api, body, loc):
    r = api.post("/v1/submissions", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == loc


def test_bad_query_and_path_values_are_422(api):
    assert api.post("/v1/submissions", params={"wait": -1}, json=add_submission()).status_code == 422
    assert api.post("/v1/submissions", params={"wait": "soon"}, json=add_submission()).status_code == 422
    r = api.get("/v1/submissions/bad id!")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "submission_id"]


def test_node_information(api):
    langs = {lang["id"]: lang for lang in api.get("/v1/languages").json()}
    assert {"python3", "cpp17"} <= set(langs) and langs["cpp17"]["compiled"] and langs["python3"]["version"]
    (worker,) = api.get("/v1/capabilities").json()["workers"]
    caps = worker["capabilities"]
    assert worker["slots"] == 2 and caps["level"] in ("full", "partial", "rlimits")
    if caps["namespaces"]:  # isolated boxes: the box's own privileges are reported
        assert set(caps["box_capabilities"]) == {"DAC_OVERRIDE", "KILL", "SETGID", "SETUID", "SYS_ADMIN"}
        assert caps["box_userns"] != bool(caps["box_userns_reason"])  # on, or a reason why not
    status = api.get("/v1/status").json()
    assert status["slots_total"] == 2 and set(status["queued"]) == {"interactive", "bulk"}
    assert status["workers"][0]["languages"] and not status["workers"][0]["draining"]
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["workers"] == 1


def test_metrics_count_jobs_by_verdict_and_language(api):
    def counter(text: str, verdict: str) -> float:
        m = re.search(
            rf'^xcoder_judge_jobs_total{{language="python3",priority="interactive",tenant="open",verdict="{verdict}"}} (\S+)$',
            text,
            re.M,
        )
        return float(m.group(1)) if m else 0.0

    before = api.get("/metrics").text
    api.post("/v1/submissions", json=add_submission(source="print(0)"))
    after = api.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    assert counter(after.text, "WA") == counter(before, "WA") + 1
    # the latency histograms carry the same labels, so a dashboard can filter them alike
    judged = r'^xcoder_judge_job_judge_seconds_count{language="python3",priority="interactive",tenant="open",verdict="WA"} \S+$'
    assert re.search(judged, after.text, re.M)
    for name in (
        "xcoder_judge_queue_depth",
        "xcoder_judge_job_judge_seconds_bucket",
        "xcoder_judge_job_queue_wait_seconds_count",
        "xcoder_judge_worker_slots_busy",
        "xcoder_judge_sandbox_level",
        "xcoder_judge_http_request_duration_seconds_bucket",
    ):
        assert name in after.text
    assert re.search(r"^xcoder_judge_redis_up 1\.0$", after.text, re.M)


def test_http_metrics_label_every_matched_route_by_its_template(api):
    def count(text: str, route: str, status: str) -> float:
        m = re.search(
            rf'^xcoder_judge_http_request_duration_seconds_count{{method="GET",route="{re.escape(route)}",'
            rf'status="{status}"}} (\S+)$',
            text,
            re.M,
        )
        return float(m.group(1)) if m else 0.0

    before = api.get("/metrics").text
    for path in (
        "/docs",
        "/openapi.json",
        "/redoc",
        "/docs-assets/swagger-ui.css",
        "/v1/submissions/no-such-id",
        "/no/such/route",
    ):
        api.get(path)
    after = api.get("/metrics").text
    for route, status in (
        ("/docs", "200"),
        ("/openapi.json", "200"),
        ("/redoc", "200"),
        ("/docs-assets/{path}", "200"),
        ("/metrics", "200"),
        ("/v1/submissions/{submission_id}", "404"),
        ("unmatched", "404"),
    ):
        assert count(after, route, status) >= count(before, route, status) + 1, (route, status)
    assert not re.search(r'route="unmatched",status="200"', after)


def test_submissions_cannot_see_redis_or_the_workers_settings(api, live_judge):
    probe = (
        "import os, socket\n"
        "print(sorted(k for k in os.environ if 'XCODER' in k or 'REDIS' in k))\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 6379), timeout=1).close()\n"
        "    print('redis reachable')\n"
        "except OSError:\n"
        "    print('redis unreachable')\n"
    )
    body = {"language": "python3", "source": probe, "tests": [{"input": ""}], "output": "all"}
    result = api.post("/v1/submissions", json=body).json()["result"]
    assert result["verdict"] == "AC"
    assert result["tests"][0]["stdout"] == "[]\nredis unreachable\n"
    assert live_judge.redis_url.startswith("redis://127.0.0.1:6379/")  # the port probed above


def test_the_openapi_document_has_working_examples_and_the_key_schemes(api):
    doc = api.get("/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert set(schemes) == {"HTTPBearer", "APIKeyHeader", "HTTPBasic", "APIKeyQuery"}
    assert schemes["APIKeyQuery"]["in"] == "query" and schemes["APIKeyQuery"]["name"] == "api_key"
    assert doc["paths"]["/v1/submissions"]["post"]["security"] == [{name: []} for name in schemes]
    assert doc["paths"]["/run_code"]["post"]["security"]  # compat routes need keys too by default
    for open_path in ("/healthz", "/readyz", "/metrics", "/ping", "/v1/ping"):
        assert "security" not in doc["paths"][open_path]["get"], open_path
    # Every example the document shows is a request this judge really accepts and judges.
    schemas = doc["components"]["schemas"]
    for example in schemas["Submission"]["examples"]:
        r = api.post("/v1/submissions", json=example)
        assert r.status_code == 200 and r.json()["result"]["verdict"] == "AC", r.text
    [batch] = schemas["BatchRequest"]["examples"]
    items = api.post("/v1/submissions/batch", json=batch).json()["items"]
    assert [i["result"]["verdict"] for i in items] == ["AC"] * len(batch["submissions"])
    [lookup] = schemas["LookupRequest"]["examples"]
    assert api.post("/v1/submissions/lookup", json=lookup).json()["items"][0]["status"] == "done"
    [run_code] = schemas["RunCodeRequest"]["examples"]
    ran = api.post("/run_code", json=run_code).json()
    assert ran["status"] == "Success" and ran["run_result"]["stdout"] == "3\n"
    [one] = schemas["CJSubmission"]["examples"]
    assert api.post("/judge", json=one).json()["success"] is True
    [many] = schemas["CJBatchSubmission"]["examples"]
    assert [r["success"] for r in api.post("/judge/long-batch", json=many).json()["results"]] == [True]


def test_docs_pages_load_only_assets_this_judge_serves(api):
    # Offline clusters cannot reach a CDN: every script, style and icon the pages name is local.
    for page in ("/docs", "/redoc"):
        html = api.get(page)
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        urls = re.findall(r'(?:src|href)=["\']([^"\']+)', html.text) + re.findall(
            r'url: *["\']([^"\']+)', html.text
        )
        assert urls and all(u.startswith("/") for u in urls), (page, urls)
        assert "http://" not in html.text and "https://" not in html.text
        for url in urls:
            asset = api.get(url)
            assert asset.status_code == 200 and len(asset.content) > 100, url


@pytest.mark.slow
def test_docs_render_their_operations_in_headless_chromium_without_network(api, tmp_path):
    """Swagger UI as a browser shows it, with every host but the judge unresolvable (offline)."""
    from xcoder_judge.testing_chromium import HeadlessChromium

    browser = HeadlessChromium(tmp_path)
    url = str(api.base_url.join("/docs"))
    dom = browser.dom(url)
    rendered = set(re.findall(r'class="opblock-summary-path" data-path="([^"]+)"', dom))
    assert {"/v1/submissions", "/v1/submissions/batch", "/run_code", "/judge/long-batch"} <= rendered
    assert "Authorize" in dom  # the API-key schemes are offered
    png = browser.screenshot(url, tmp_path / "docs.png")
    assert png.startswith(b"\x89PNG") and len(png) > 50_000  # a blank page is a few KB


def test_the_grafana_dashboard_uses_only_metrics_and_labels_the_judge_exposes(api):
    import json
    from pathlib import Path

    dashboard = json.loads(
        (Path(__file__).resolve().parents[4] / "helm" / "dashboards" / "xcoder-judge.json").read_text()
    )
    api.post("/v1/submissions", json=add_submission())  # so the job series exist
    exposed: dict[str, set[str]] = {}
    for line in api.get("/metrics").text.splitlines():
        m = re.match(r"^(xcoder_judge_\w+)(?:\{(.*)\})? ", line)
        if m:
            labels = set(re.findall(r'(\w+)="', m.group(2) or ""))
            exposed.setdefault(m.group(1), set()).update(labels)
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [v["definition"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    assert len(dashboard["panels"]) >= 10
    for expr in exprs:
        for name, selector in re.findall(r"(xcoder_judge_\w+)(?:\{([^}]*)\})?", expr):
            assert name in exposed, (name, expr)
            used = set(re.findall(r"(\w+)\s*=~?", selector)) - {"job"}  # `job` is Prometheus's
            assert used <= exposed[name], (name, used - exposed[name])
        for grouping in re.findall(r"by \(([^)]*)\)", expr):
            labels = {label.strip() for label in grouping.split(",")} - {"le"}
            names = re.findall(r"xcoder_judge_\w+", expr)
            assert any(labels <= exposed[n] for n in names), (labels, expr)
        # `max by (...)` folds the API replicas' identical copies of a cluster-wide series: it
        # must keep every label of the series, or it takes the max across tenants (or verdicts).
        job_series = set(re.findall(r"xcoder_judge_job_\w+_seconds_bucket|xcoder_judge_jobs_total", expr))
        for grouping in re.findall(r"max by \(([^)]*)\)", expr) if job_series else ():
            labels = {label.strip() for label in grouping.split(",")} - {"le"}
            assert all(labels == exposed[name] - {"le"} for name in job_series), (labels, expr)


BROKEN_CHECKER = {
    "kind": "program",
    "language": "cpp17",
    "source": "int main(int argc, char **argv) { return undefined_function(argv[1]) }\n",
}


def test_a_checker_that_does_not_compile_is_a_422_when_waited_for_and_rejected_when_polled(api):
    """Not SE (which clients retry): a distinct, final refusal carrying the compiler output."""
    body = add_submission(id="broken-checker-1", checker=BROKEN_CHECKER)
    waited = api.post("/v1/submissions", json=body)
    assert waited.status_code == 422, waited.text
    [error] = waited.json()["detail"]
    assert error["loc"] == ["body", "checker"] and error["type"] == "submission_rejected"
    assert "undefined_function" in error["ctx"]["compiler_output"]
    assert error["ctx"]["id"] == "broken-checker-1"
    # The async view of the same submission: a terminal `rejected` status with the reason.
    polled = api.get("/v1/submissions/broken-checker-1")
    assert polled.status_code == 200
    env = SubmissionEnvelope.model_validate(polled.json())
    assert env.status.value == "rejected" and env.result is not None
    assert env.result.verdict is Verdict.SE and not env.result.scored
    assert env.result.rejection is not None and env.result.rejection.field == "checker"
    assert "undefined_function" in env.result.rejection.compiler_output
    # Enqueued without waiting, then read in a batch: rejected too, never left "queued".
    queued = api.post("/v1/submissions", params={"wait": 0}, json={**body, "id": "broken-checker-2"})
    assert queued.status_code == 202
    looked = api.post("/v1/submissions/lookup", json={"ids": ["broken-checker-2"], "wait": 60})
    assert looked.status_code == 200
    assert looked.json()["items"][0]["status"] == "rejected"
    # A good checker beside it in a batch is judged as usual.
    batch = api.post(
        "/v1/submissions/batch",
        json={"submissions": [{**body, "id": "broken-checker-3"}, add_submission()]},
    )
    assert batch.status_code == 200
    assert [item["status"] for item in batch.json()["items"]] == ["rejected", "done"]


def test_a_long_batch_is_one_job_per_program_and_each_item_keeps_its_own_verdict(api):
    """code-judge's batch routes carry a rollout's tests as items of one program: merged into
    one job per program (not one per item), each item still answered from its own test alone."""

    def jobs(text: str) -> float:
        return sum(
            float(m.group(1))
            for m in re.finditer(
                r'^xcoder_judge_jobs_total\{language="python3",priority="bulk"[^}]*\} (\S+)$', text, re.M
            )
        )

    add, sub, broken = ADD, ADD.replace("a + b", "a - b"), "def (:\n"
    items = [
        (add, "1 2\n", "3"),  # right
        (sub, "1 2\n", "3"),  # wrong
        (add, "2 3\n", "5"),  # right
        (add, "5 5\n", "11"),  # the same program, wrong here: never taints its neighbours
        (sub, "3 1\n", "2"),  # right
        (broken, "1\n", "1"),  # does not compile: this item alone
    ]
    body = {
        "type": "batch",
        "submissions": [
            {"type": "python", "solution": s, "input": i, "expected_output": e} for s, i, e in items
        ],
    }
    before = jobs(api.get("/metrics").text)
    out = api.post("/judge/long-batch", json=body)
    assert out.status_code == 200, out.text
    results = out.json()["results"]
    assert [r["success"] for r in results] == [True, False, True, False, True, False]
    assert [r["run_success"] for r in results] == [True, True, True, True, True, False]  # CE: no run
    assert jobs(api.get("/metrics").text) == before + 3  # three programs, three jobs
    ran = api.post("/run/long-batch", json=body).json()["results"]
    assert [r["stdout"] for r in ran[:5]] == ["3\n", "-1\n", "5\n", "10\n", "2\n"]
