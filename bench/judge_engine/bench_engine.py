"""Judge engine benchmark: bare fork+exec against the engine's full isolation, side by side.

    .venv/bin/python bench/judge_engine/bench_engine.py            # full run (a few minutes)
    .venv/bin/python bench/judge_engine/bench_engine.py --quick    # smaller samples
    .venv/bin/python bench/judge_engine/bench_engine.py --json out.json

It measures, in one run and one process:

1. bare fork+exec: subprocess.run and os.posix_spawn of /bin/true, and os.posix_spawn of a tiny C
   A+B program with stdin/stdout pipes (the floor any judge pays per test);
2. the engine's cost per test with full isolation, for the same tiny C program: one 1-test
   submission at a time (latency), and one many-test submission spread over the slots;
3. trivial-Python throughput: 200 A+B submissions x 10 tests, 16 in flight from threads;
4. C++ throughput after compilation: the same workload, the binary already in the compile cache;
5. C++ compile p50 of a bits/stdc++.h program, with the precompiled header and without;
6. the two ways an exec-kind test starts (Settings.launcher): the C launcher against a forked
   Python child, in interleaved rounds on two engines, per-test overhead and C/C++ tests/s.

It prints a table and writes JSON with the figures, the targets and the machine facts (CPU
model, vCPUs, kernel, commit, isolation level). Numbers on this 2-vCPU VM drift by about 15%
between runs; compare figures only within one run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_wire.schemas import Submission, Verdict

REPO = Path(__file__).resolve().parents[2]
BENCH_UID = 63000  # away from the default 60000 and the test suite's 62000/62100

TARGETS = {
    "overhead_ms_per_test": ("<=", 3.0),
    "python_tests_per_s": (">=", 500.0),
    "cpp_tests_per_s": (">=", 250.0),
    "cpp_compile_p50_pch_s": ("<=", 0.6),
}

TINY_C = r"""
#include <stdio.h>
int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%lld\n", a + b);
    return 0;
}
"""
PY_AB = "a, b = map(int, input().split())\nprint(a + b)\n"
PY_ADD = "def add(a, b):\n    return a + b\n"
CPP_AB = """#include <bits/stdc++.h>
using namespace std;
int main() {
    long long a, b;
    cin >> a >> b;
    cout << a + b << "\\n";
}
"""


# ------------------------------------------------------------------ helpers


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))
    return xs[k]


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    ms = [x * 1000 for x in samples_s]
    return {"n": len(ms), "mean_ms": statistics.fmean(ms), "p50_ms": pct(ms, 0.5), "p95_ms": pct(ms, 0.95)}


def machine_facts(engine: Engine | None) -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def git(*args: str) -> str:
        r = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False)
        return r.stdout.strip()

    facts: dict[str, object] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": cpu,
        "vcpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "engine_tree_dirty": bool(git("status", "--porcelain", "--", "services/judge/xcoder_judge")),
        "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
    }
    if engine is not None:
        caps = engine.capabilities()
        facts["isolation"] = {"level": caps.level, "cgroup": caps.cgroup, "seccomp": caps.seccomp}
        facts["languages"] = {info.id: info.version for info in engine.languages()}
    return facts


# ------------------------------------------------------------------ bare fork+exec


def bare_spawn(argv: list[str], stdin: bytes | None) -> None:
    """posix_spawn with pipes for stdin/stdout, feed, read, wait: what a judge minimally does."""
    if stdin is None:
        pid = os.posix_spawn(argv[0], argv, {})
        os.waitpid(pid, 0)
        return
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    pid = os.posix_spawn(
        argv[0],
        argv,
        {},
        file_actions=[
            (os.POSIX_SPAWN_DUP2, in_r, 0),
            (os.POSIX_SPAWN_DUP2, out_w, 1),
            (os.POSIX_SPAWN_CLOSE, in_w),
            (os.POSIX_SPAWN_CLOSE, out_r),
        ],
    )
    os.close(in_r)
    os.close(out_w)
    os.write(in_w, stdin)
    os.close(in_w)
    while os.read(out_r, 65536):
        pass
    os.close(out_r)
    os.waitpid(pid, 0)


def bench_bare(n: int, tiny_c: Path) -> dict[str, dict[str, float]]:
    out = {}
    for label, fn in (
        ("subprocess.run /bin/true", lambda: subprocess.run(["/bin/true"], check=False)),
        ("posix_spawn /bin/true", lambda: bare_spawn(["/bin/true"], None)),
        ("posix_spawn tiny C A+B (pipes)", lambda: bare_spawn([str(tiny_c)], b"1 2\n")),
    ):
        for _ in range(min(20, n)):
            fn()
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t)
        out[label] = summary_ms(samples)
    return out


# ------------------------------------------------------------------ engine


def ab_tests(k: int, seed: int = 0) -> list[dict[str, str]]:
    return [{"input": f"{seed + i} {i}\n", "expected": f"{seed + 2 * i}\n"} for i in range(k)]


def judge_ok(engine: Engine, sub: Submission) -> None:
    r = engine.judge(sub)
    if r.verdict != Verdict.AC:
        raise SystemExit(f"benchmark submission was {r.verdict.value}: {r.message} {r.tests[:1]}")


def bench_overhead(engine: Engine, n_single: int, n_many: int) -> dict[str, dict[str, float]]:
    single = Submission(language="c", source=TINY_C, tests=ab_tests(1))
    judge_ok(engine, single)  # compile once; the rest hit the cache
    samples = []
    for i in range(n_single):
        sub = Submission(language="c", source=TINY_C, tests=ab_tests(1, seed=i))
        t = time.perf_counter()
        judge_ok(engine, sub)
        samples.append(time.perf_counter() - t)
    many = Submission(language="c", source=TINY_C, tests=ab_tests(n_many))
    judge_ok(engine, many)
    t = time.perf_counter()
    judge_ok(engine, many)
    wall = time.perf_counter() - t
    return {
        "engine: 1-test submissions, one at a time": summary_ms(samples),
        f"engine: one {n_many}-test submission, per test": {
            "n": n_many,
            "mean_ms": wall * 1000 / n_many,
            "p50_ms": wall * 1000 / n_many,
            "p95_ms": wall * 1000 / n_many,
        },
    }


def assert_tests(k: int, seed: int = 0) -> list[dict[str, str]]:
    """A+B as HumanEval-style assert tests: the tester calls add() in the candidate."""
    return [{"kind": "assert", "code": f"assert add({seed + i}, {i}) == {seed + 2 * i}\n"} for i in range(k)]


def bench_throughput(
    engine: Engine, language: str, source: str, n_subs: int, tests_per: int, inflight: int, tests=ab_tests
) -> float:
    judge_ok(engine, Submission(language=language, source=source, tests=tests(tests_per)))  # warm + cache
    subs = [
        Submission(language=language, source=source, tests=tests(tests_per, seed=i)) for i in range(n_subs)
    ]
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=inflight) as pool:
        results = list(pool.map(engine.judge, subs))
    wall = time.perf_counter() - t
    bad = [r.verdict.value for r in results if r.verdict != Verdict.AC]
    if bad:
        raise SystemExit(f"{language} throughput run had non-AC results: {bad[:5]}")
    return n_subs * tests_per / wall


def bench_compile(engine: Engine, n: int, tag: str) -> dict[str, float]:
    times = []
    for i in range(n):
        # A unique comment defeats the compile cache, so every submission really compiles.
        src = f"// bench {tag} {time.time_ns()} {i}\n{CPP_AB}"
        r = engine.judge(Submission(language="cpp17", source=src, tests=ab_tests(1)))
        if r.verdict != Verdict.AC or r.compile is None or r.compile.cached:
            raise SystemExit(f"compile benchmark: {r.verdict.value} cached={r.compile and r.compile.cached}")
        times.append(r.compile.time_s)
    return {"n": n, "p50_s": pct(times, 0.5), "p95_s": pct(times, 0.95), "mean_s": statistics.fmean(times)}


def bench_launchers(
    engines: dict[str, Engine], rounds: int, n_many: int, n_subs: int, tests_per: int, inflight: int
) -> dict[str, dict[str, float]]:
    """Per-test wall of one many-test C submission, and C and C++ tests/s, for each start path.

    Rounds alternate between the engines, so load from other work hits both alike; medians.
    """
    many = Submission(language="c", source=TINY_C, tests=ab_tests(n_many))
    for engine in engines.values():
        judge_ok(engine, many)  # compile once each
    samples: dict[str, dict[str, list[float]]] = {
        k: {"c_ms": [], "c_tps": [], "cpp_tps": []} for k in engines
    }
    for _ in range(rounds):
        for name, engine in engines.items():
            t = time.perf_counter()
            judge_ok(engine, many)
            samples[name]["c_ms"].append((time.perf_counter() - t) * 1000 / n_many)
            samples[name]["c_tps"].append(bench_throughput(engine, "c", TINY_C, n_subs, tests_per, inflight))
            samples[name]["cpp_tps"].append(
                bench_throughput(engine, "cpp17", CPP_AB, n_subs, tests_per, inflight)
            )
    return {
        name: {
            "rounds": rounds,
            "c_wall_ms_per_test": statistics.median(s["c_ms"]),
            "c_tests_per_s": statistics.median(s["c_tps"]),
            "cpp_tests_per_s": statistics.median(s["cpp_tps"]),
            "samples": {k: [round(x, 3) for x in v] for k, v in s.items()},
        }
        for name, s in samples.items()
    }


def make_engine(root: Path, name: str, slots: int, **overrides) -> Engine:
    settings = Settings(
        slots=slots,
        cache_dir=root / f"{name}-cache",
        work_dir=root / f"{name}-work",
        sandbox_uid=overrides.pop("sandbox_uid", BENCH_UID + (100 if overrides.get("pch") is False else 0)),
        **overrides,
    )
    engine = Engine(settings)
    engine.start()
    return engine


# ------------------------------------------------------------------ report


def verdict_of(key: str, value: float) -> str:
    op, target = TARGETS[key]
    ok = value <= target if op == "<=" else value >= target
    return f"{'PASS' if ok else 'FAIL'} (target {op} {target:g})"


def render(report: dict) -> str:
    lines = []
    m = report["machine"]
    lines.append(
        f"machine: {m['cpu_model']}, {m['vcpus']} vCPUs, kernel {m['kernel']}, Python {m['python']}, "
        f"commit {m['commit']}{' (engine tree dirty)' if m.get('engine_tree_dirty') else ''}"
    )
    if "isolation" in m:
        lines.append(f"isolation: {m['isolation']}; slots {report['params']['slots']}")
    lines.append(
        f"load average (1 min) at start {m.get('loadavg_1m_at_start')}, at end {m.get('loadavg_1m_at_end')}"
        " (other work on the machine skews every figure)"
    )
    lines.append("")
    lines.append(f"{'per test (ms)':<52}{'n':>6}{'mean':>9}{'p50':>9}{'p95':>9}")
    for label, s in {**report["bare"], **report["engine"]}.items():
        lines.append(f"{label:<52}{s['n']:>6}{s['mean_ms']:>9.2f}{s['p50_ms']:>9.2f}{s['p95_ms']:>9.2f}")
    lines.append("")
    r = report["results"]
    rows = [
        (
            "overhead over bare fork+exec, ms/test (many-test)",
            "overhead_ms_per_test",
            f"{r['overhead_ms_per_test']:.2f}",
        ),
        ("trivial Python tests/s (16 in flight)", "python_tests_per_s", f"{r['python_tests_per_s']:.0f}"),
        ("C++ tests/s after compilation (16 in flight)", "cpp_tests_per_s", f"{r['cpp_tests_per_s']:.0f}"),
        ("C++ compile p50 with PCH, s", "cpp_compile_p50_pch_s", f"{r['cpp_compile_p50_pch_s']:.2f}"),
    ]
    rows_untargeted = [
        ("Python assert tests/s (tester process, 16 in flight)", f"{r['python_assert_tests_per_s']:.0f}"),
        (
            "assert / stdio Python throughput",
            f"{r['python_assert_tests_per_s'] / r['python_tests_per_s']:.2f}",
        ),
        ("second process cost, slot-ms per assert test", f"{r['assert_extra_ms_per_test']:.2f}"),
    ]
    for label, key, shown in rows:
        lines.append(f"{label:<52}{shown:>10}   {verdict_of(key, r[key])}")
    for label, shown in rows_untargeted:
        lines.append(f"{label:<52}{shown:>10}")
    lines.append(
        f"{'1-test submission latency over bare fork+exec, ms':<52}{r['latency_overhead_ms']:>10.2f}"
    )
    lines.append(f"{'C++ compile p50 without PCH, s':<52}{r['cpp_compile_p50_nopch_s']:>10.2f}")
    if "launchers" in report:
        lines.append("")
        lines.extend(render_launchers(report["launchers"]))
    return "\n".join(lines)


def render_launchers(la: dict) -> list[str]:
    c, py = la["paths"]["c"], la["paths"]["python"]
    lines = [f"exec-kind start paths: {c['rounds']} interleaved rounds (medians), load {la['loadavg_1m']}"]
    lines.append(f"{'':<44}{'C launcher':>12}{'Python fork':>13}{'ratio':>8}")
    for label, key, fmt in (
        ("overhead over bare fork+exec, ms/test", "overhead_ms_per_test", ".2f"),
        ("C tests/s (16 in flight)", "c_tests_per_s", ".0f"),
        ("C++ tests/s (16 in flight)", "cpp_tests_per_s", ".0f"),
    ):
        ratio = py[key] / c[key] if key.startswith("overhead") else c[key] / py[key]
        lines.append(f"{label:<44}{c[key]:>12{fmt}}{py[key]:>13{fmt}}{ratio:>7.2f}x")
    return lines


def launchers_section(
    c_engine: Engine,
    root: Path,
    slots: int,
    bare_c_ms: float,
    rounds: int,
    sizes: tuple[int, int, int],
    inflight: int,
) -> dict:
    """Section 6: `c_engine` (launcher "c") against a twin with launcher "python"."""
    load = [round(os.getloadavg()[0], 2)]
    py_engine = make_engine(root, "pyfork", slots, pch=True, launcher="python", sandbox_uid=BENCH_UID + 200)
    try:
        py_engine.wait_pch()
        n_many, n_subs, tests_per = sizes
        paths = bench_launchers(
            {"c": c_engine, "python": py_engine}, rounds, n_many, n_subs, tests_per, inflight
        )
    finally:
        py_engine.close()
    for p in paths.values():
        p["overhead_ms_per_test"] = p["c_wall_ms_per_test"] - bare_c_ms
    load.append(round(os.getloadavg()[0], 2))
    return {"paths": paths, "bare_c_ms": bare_c_ms, "loadavg_1m": f"{load[0]} -> {load[1]}"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller samples (for a smoke run)")
    ap.add_argument("--slots", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--inflight", type=int, default=16)
    ap.add_argument("--launchers-only", action="store_true", help="only the exec start paths (6.)")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds of the start paths")
    ap.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "judge_engine.json")
    args = ap.parse_args(argv)
    q = args.quick
    n_bare = 100 if q else 500
    n_single, n_many = (50, 100) if q else (200, 500)
    n_subs, tests_per = (40, 10) if q else (200, 10)
    n_compile = 3 if q else 10
    rounds = args.rounds or (2 if q else 4)
    launcher_sizes = (n_many, n_subs // 2, tests_per)

    load_start = round(os.getloadavg()[0], 2)
    root = Path(tempfile.mkdtemp(prefix="xcoder-bench-"))
    os.chmod(root, 0o755)
    engine = nopch = None
    try:
        tiny = root / "tiny"
        (root / "tiny.c").write_text(TINY_C)
        subprocess.run(["gcc", "-O2", "-o", str(tiny), str(root / "tiny.c")], check=True)

        print("bare fork+exec ...", file=sys.stderr)
        bare = bench_bare(n_bare, tiny)
        bare_c = bare["posix_spawn tiny C A+B (pipes)"]["mean_ms"]
        print("engine start ...", file=sys.stderr)
        engine = make_engine(root, "pch", args.slots, pch=True, launcher="c")
        engine.wait_pch()
        if args.launchers_only:
            print("exec start paths ...", file=sys.stderr)
            la = launchers_section(engine, root, args.slots, bare_c, rounds, launcher_sizes, args.inflight)
            report = {"machine": machine_facts(engine), "bare": bare, "launchers": la}
            report["machine"]["loadavg_1m_at_start"] = load_start
            print("\n".join(render_launchers(la)))
            out = args.json.with_name(args.json.stem + "_launchers.json")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(report, indent=2) + "\n")
            print(f"\nJSON written to {out}", file=sys.stderr)
            return 0
        print("engine overhead ...", file=sys.stderr)
        eng = bench_overhead(engine, n_single, n_many)
        print("python throughput ...", file=sys.stderr)
        py_tps = bench_throughput(engine, "python3", PY_AB, n_subs, tests_per, args.inflight)
        print("python assert throughput ...", file=sys.stderr)
        assert_tps = bench_throughput(
            engine, "python3", PY_ADD, n_subs, tests_per, args.inflight, assert_tests
        )
        print("c++ throughput ...", file=sys.stderr)
        cpp_tps = bench_throughput(engine, "cpp17", CPP_AB, n_subs, tests_per, args.inflight)
        print("c++ compile with pch ...", file=sys.stderr)
        comp_pch = bench_compile(engine, n_compile, "pch")
        print("exec start paths ...", file=sys.stderr)
        la = launchers_section(engine, root, args.slots, bare_c, rounds, launcher_sizes, args.inflight)
        facts = machine_facts(engine)
        engine.close()
        engine = None
        print("c++ compile without pch ...", file=sys.stderr)
        nopch = make_engine(root, "nopch", args.slots, pch=False)
        comp_nopch = bench_compile(nopch, n_compile, "nopch")

        latency = eng["engine: 1-test submissions, one at a time"]["mean_ms"]
        per_test = eng[f"engine: one {n_many}-test submission, per test"]["mean_ms"]
        facts["loadavg_1m_at_start"] = load_start
        report = {
            "machine": facts,
            "params": {
                "slots": args.slots,
                "inflight": args.inflight,
                "bare_n": n_bare,
                "single_n": n_single,
                "many_tests": n_many,
                "submissions": n_subs,
                "tests_per_submission": tests_per,
                "compile_n": n_compile,
                "quick": q,
            },
            "bare": bare,
            "engine": eng,
            "compile": {"pch": comp_pch, "nopch": comp_nopch},
            "launchers": la,
            "results": {
                "overhead_ms_per_test": per_test - bare_c,
                "latency_overhead_ms": latency - bare_c,
                "python_tests_per_s": py_tps,
                "python_assert_tests_per_s": assert_tps,
                # slot time one assert test costs beyond a stdio test: the tester's fork + the call
                "assert_extra_ms_per_test": args.slots * 1000 * (1 / assert_tps - 1 / py_tps),
                "cpp_tests_per_s": cpp_tps,
                "cpp_compile_p50_pch_s": comp_pch["p50_s"],
                "cpp_compile_p50_nopch_s": comp_nopch["p50_s"],
            },
            "targets": {k: {"op": op, "value": v} for k, (op, v) in TARGETS.items()},
        }
        text = render(report)
        print(text)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nJSON written to {args.json}", file=sys.stderr)
        return 0
    finally:
        for e in (engine, nopch):
            if e is not None:
                e.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
