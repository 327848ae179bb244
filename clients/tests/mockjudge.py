"""A scripted stand-in for the judge's HTTP API, for unit tests of client logic only.

It executes nothing: the verdict of a submission is read from a marker comment in its source
(`# mock: WA` → every test WA, `# mock: SE` → SE, `# mock: pass=1` → one test passes), so the
client's ordering, retry and failure logic can be checked precisely, including judge
behaviour a healthy live judge never shows (answers out of order, SE, lost results, 5xx, 429).
Tests against the real judge live in the test_live_*.py files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

MARKER = re.compile(r"#\s*mock:\s*(\w+)(?:=(\d+))?")


def program(marker: str = "AC", body: str = "print(1)") -> str:
    return f"# mock: {marker}\n{body}\n"


def submission(marker: str = "AC", n_tests: int = 2, **extra: Any) -> dict[str, Any]:
    tests = [{"kind": "stdio", "input": f"{i}\n", "expected": f"{i}\n"} for i in range(n_tests)]
    return {
        "language": "python3",
        "source": program(marker, extra.pop("body", "print(1)")),
        "tests": tests,
        **extra,
    }


@dataclass
class MockJudge:
    """Handler for httpx.MockTransport. `script` entries are consumed one per request first:
    an int answers with that status, "connect"/"read" raise the matching httpx error."""

    script: list[Any] = field(default_factory=list)
    retry_after: str | None = None
    polls_to_finish: int = 0
    """Lookups each job needs before it is done (0: done in the batch answer itself)."""
    finish_in_reverse: bool = False
    """Per lookup, finish only the LAST pending job of the request: answers complete out of order."""
    se_times: int = 0
    """How many times a `# mock: SE_ONCE` job answers SE before it passes."""
    shuffle_answer: bool = False
    swap_ids: bool = False
    lose_results_once: bool = False
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    se_seen: dict[str, int] = field(default_factory=dict)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def count(self, path: str) -> int:
        return sum(1 for _, p, _ in self.requests if p == path)

    def submitted_ids(self) -> list[str]:
        return [
            s["id"]
            for _, p, body in self.requests
            if p == "/v1/submissions/batch"
            for s in body["submissions"]
        ]

    # ------------------------------------------------------------ handler

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.requests.append((request.method, request.url.path, body))
        if self.script:
            step = self.script.pop(0)
            if step == "connect":
                raise httpx.ConnectError("connection refused", request=request)
            if step == "read":
                raise httpx.ReadTimeout("timed out", request=request)
            if isinstance(step, int):
                headers = {"Retry-After": self.retry_after} if step == 429 and self.retry_after else {}
                return httpx.Response(step, json={"detail": f"scripted {step}"}, headers=headers)
        path = request.url.path
        if path == "/v1/submissions/batch":
            ids = []
            for sub in body["submissions"]:
                self.jobs.setdefault(sub["id"], {"sub": sub, "polls": self.polls_to_finish})
                ids.append(sub["id"])
            return self._answer(ids, finish_now=self.polls_to_finish == 0)
        if path == "/v1/submissions/lookup":
            if self.lose_results_once:
                self.lose_results_once = False
                for i in body["ids"]:
                    self.jobs.pop(i, None)
                return httpx.Response(404, json={"detail": f"unknown ids: {body['ids']}"})
            pending = [i for i in body["ids"] if self.jobs[i]["polls"] > 0]
            advance = pending[-1:] if self.finish_in_reverse else pending
            for i in advance:
                self.jobs[i]["polls"] -= 1
            return self._answer(body["ids"], finish_now=False)
        if path == "/v1/languages":
            return httpx.Response(
                200, json=[{"id": "python3", "name": "Python", "version": "3.11", "compiled": False}]
            )
        if path == "/readyz":
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(404, json={"detail": "no such route"})

    def _answer(self, ids: list[str], *, finish_now: bool) -> httpx.Response:
        items = []
        for i in ids:
            job = self.jobs[i]
            done = finish_now or job["polls"] <= 0
            result = self._result(i, job["sub"]) if done else None
            status = "queued" if not done else "rejected" if result and result.get("rejection") else "done"
            items.append({"id": i, "status": status, "result": result})
        if self.swap_ids and len(items) > 1:
            items[0]["result"], items[1]["result"] = items[1]["result"], items[0]["result"]
        if self.shuffle_answer:
            items.reverse()
        status = 200 if all(it["status"] in ("done", "rejected") for it in items) else 202
        return httpx.Response(status, json={"items": items})

    def _result(self, job_id: str, sub: dict[str, Any]) -> dict[str, Any]:
        m = MARKER.search(sub["source"])
        marker, count = (m.group(1), m.group(2)) if m else ("AC", None)
        total = len(sub["tests"])
        if marker == "SE_ONCE":
            base = job_id.split(".r")[0]
            seen = self.se_seen[base] = self.se_seen.get(base, 0) + 1
            marker = "SE" if seen <= self.se_times else "AC"
        if marker == "REJECTED":  # the judge refused it: its checker does not compile
            message = "rejected: the checker does not compile; fix it and submit again"
            return {
                "id": job_id,
                "verdict": "SE",
                "score": 0.0,
                "passed": 0,
                "total": total,
                "message": message,
                "rejection": {"field": "checker", "message": message, "compiler_output": "error: x"},
            }
        if marker == "pass":
            passed = int(count)
            verdict = "AC" if passed == total else "WA"
        else:
            verdict = marker
            passed = total if marker == "AC" else 0
        tests = [{"index": k, "verdict": "AC" if k < passed else verdict} for k in range(total)]
        return {
            "id": job_id,
            "verdict": verdict,
            "score": passed / total,
            "passed": passed,
            "total": total,
            "tests": tests,
            "language": sub["language"],
        }
