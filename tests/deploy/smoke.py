"""Smoke test of a running judge service over HTTP: readiness, isolation, a small verdict set.

    python tests/deploy/smoke.py http://127.0.0.1:8000 [--cgroup v2] [--workers 2] [--api-key K]

Used against the service wherever it runs for real: inside the cgroup v2 VM, in containers,
under podman-compose and in `podman kube play` pods. Standard library only, so it runs from any
Python 3.9+. Exits 1 with one line per failed expectation.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request

# (name, language, source, input, expected, limits, expected verdict)
CASES = [
    ("python-ac", "python3", "a, b = map(int, input().split())\nprint(a + b)\n", "1 2\n", "3\n", {}, "AC"),
    ("python-wa", "python3", "print(4)\n", "1 2\n", "3\n", {}, "WA"),
    ("python-re", "python3", "raise SystemExit(3)\n", "1 2\n", "3\n", {}, "RE"),
    ("python-tle", "python3", "while True:\n    pass\n", "", "x\n", {"time_s": 1.0}, "TLE"),
    (
        "python-mle",
        "python3",
        "x = bytearray(400 * 1024 * 1024)\nprint(len(x))\n",
        "",
        "x\n",
        {"memory_mb": 128, "time_s": 10.0},  # CPU time to spare for slow (emulated) machines
        "MLE",
    ),
    (
        "c-ac",
        "c",
        '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);return 0;}\n',
        "1 2\n",
        "3\n",
        {},
        "AC",
    ),
    (
        # six children of 64 MiB each under a 256 MiB limit: only a whole-tree (cgroup) limit sees it
        "c-mle-tree",
        "c",
        "#include <stdlib.h>\n#include <unistd.h>\n#include <sys/wait.h>\n"
        "int main(void){for(int i=0;i<6;i++){if(fork()==0){volatile char*p=malloc(64<<20);"
        "for(int j=0;j<(64<<20);j+=4096)p[j]=1;"  # volatile: the optimiser may not drop the stores
        "sleep(10);return 0;}}while(wait(0)>0);return 0;}\n",
        "",
        "",
        {"memory_mb": 256, "time_s": 20.0, "wall_s": 60.0},  # spare time: they must overlap
        "MLE",
    ),
]


TREE_CASES = {"c-mle-tree"}  # limits only a cgroup enforces


def _request(base: str, path: str, body: dict | None, key: str | None, timeout: float) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base.rstrip("/") + path, data=data, method="POST" if data else "GET")
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, {"error": e.read().decode(errors="replace")[:500]}


def wait_ready(base: str, key: str | None, timeout_s: float) -> str | None:
    """None once /readyz answers 200, else the last thing it said."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            status, body = _request(base, "/readyz", None, key, 5)
            if status == 200:
                return None
            last = f"HTTP {status}: {body}"
        except (OSError, ValueError) as e:
            last = f"{type(e).__name__}: {e}"
        time.sleep(1)
    return last


def run(base: str, *, cgroup: str | None, workers: int | None, key: str | None, ready_s: float) -> list[str]:
    """The failed expectations (empty when everything holds); prints what it sees."""
    problems: list[str] = []
    not_ready = wait_ready(base, key, ready_s)
    if not_ready:
        return [f"/readyz did not answer 200 within {ready_s:.0f} s: {not_ready}"]
    # workers register their capabilities a moment after they start: wait for the expected count
    deadline = time.monotonic() + ready_s
    while True:
        _, caps = _request(base, "/v1/capabilities", None, key, 10)
        live = caps.get("workers", []) if isinstance(caps, dict) else []
        if workers is None or len(live) >= workers or time.monotonic() > deadline:
            break
        time.sleep(1)
    for w in live:
        c = w["capabilities"]
        print(f"smoke: worker {w['name']}: slots={w['slots']} level={c['level']} cgroup={c['cgroup']}")
        # the rest as the worker reported it (fields differ between versions of the judge)
        rest = {k: v for k, v in sorted(c.items()) if k not in ("level", "cgroup")}
        print(f"smoke: worker {w['name']}: capabilities {json.dumps(rest, separators=(',', ':'))}")
    if workers is not None and len(live) != workers:
        problems.append(f"/v1/capabilities lists {len(live)} live worker(s), expected {workers}")
    if cgroup is not None:
        for w in live:
            if w["capabilities"]["cgroup"] != cgroup:
                problems.append(
                    f"worker {w['name']} reports cgroup {w['capabilities']['cgroup']}, expected {cgroup}"
                )
            if w["capabilities"]["level"] != "full":
                problems.append(
                    f"worker {w['name']} isolation is {w['capabilities']['level']}, expected full"
                )
    no_cgroup = [w["name"] for w in live if w["capabilities"]["cgroup"] == "none"]
    for name, language, source, stdin, expected, limits, verdict in CASES:
        if name in TREE_CASES and no_cgroup:
            # rlimits bound each process, not the tree (docs/deployment.md): nothing to check
            print(f"smoke: {name}: not run, worker(s) {no_cgroup} enforce no cgroup (rlimits only)")
            continue
        body = {
            "language": language,
            "source": source,
            "limits": limits,
            "tests": [{"kind": "stdio", "input": stdin, "expected": expected}],
        }
        t0 = time.monotonic()
        status, env = _request(base, "/v1/submissions?wait=60", body, key, 90)
        got = (env.get("result") or {}).get("verdict") if status == 200 else f"HTTP {status} {env}"
        print(f"smoke: {name}: {got} ({time.monotonic() - t0:.1f} s)")
        if got != verdict:
            problems.append(f"{name}: expected {verdict}, got {got}")
    return problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base_url")
    p.add_argument("--cgroup", choices=["v2", "v1", "none"], help="every worker must report this")
    p.add_argument("--workers", type=int, help="number of live workers expected")
    p.add_argument("--api-key")
    p.add_argument("--ready-timeout", type=float, default=120.0)
    args = p.parse_args(argv)
    problems = run(
        args.base_url, cgroup=args.cgroup, workers=args.workers, key=args.api_key, ready_s=args.ready_timeout
    )
    for line in problems:
        print(f"smoke: FAIL {line}", file=sys.stderr)
    print("smoke: ok" if not problems else f"smoke: {len(problems)} failure(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
