"""Separation of the near-duplicate check: cosine similarity of same-task rewrites vs different tasks.

Reads services/synth-api/tests/fixtures/near_duplicates.yaml (problems written for this, each
with rewrites of the same task) and embeds every statement with the packaged all-MiniLM-L6-v2
(the `embed` extra). Prints per pair kind the lowest and highest similarity, and the share of each
kind on the right side of the threshold; writes bench/results/synth_neardup.json.

    .venv/bin/python bench/synth/bench_neardup.py [--threshold 0.85]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from pathlib import Path

import yaml
from xcoder_synth.neardup import Embedder, NearDupConfig

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "services/synth-api/tests/fixtures/near_duplicates.yaml"
RESULT = ROOT / "bench/results/synth_neardup.json"


def pairs(problems: list[dict]) -> list[tuple[str, str, str, str]]:
    """(kind, id_a, text_a, text_b) for every same-task rewrite and every cross-problem pair."""
    out = []
    for p in problems:
        for kind in ("reworded", "restoried"):
            if kind in p:
                out.append((kind, p["id"], p["a"], p[kind]))
    for p, q in itertools.combinations(problems, 2):
        near = p.get("near") == q["id"] or q.get("near") == p["id"]
        kind = "different, same topic" if near else "different"
        for tp, tq in itertools.product(
            [p["a"], *(p[k] for k in ("reworded", "restoried") if k in p)],
            [q["a"], *(q[k] for k in ("reworded", "restoried") if k in q)],
        ):
            out.append((kind, f"{p['id']}~{q['id']}", tp, tq))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threshold", type=float, default=NearDupConfig().threshold)
    args = ap.parse_args()
    problems = yaml.safe_load(FIXTURE.read_text())["problems"]
    load_before = os.getloadavg()
    started = time.monotonic()
    embedder = Embedder()
    loaded = time.monotonic() - started
    texts = sorted({t for p in problems for t in (p["a"], p.get("reworded"), p.get("restoried")) if t})
    vecs = dict(zip(texts, embedder.encode(texts), strict=True))
    encoded = time.monotonic() - started - loaded
    by_kind: dict[str, list[tuple[float, str]]] = {}
    for kind, pid, ta, tb in pairs(problems):
        by_kind.setdefault(kind, []).append((float(vecs[ta] @ vecs[tb]), pid))
    rows = []
    for kind in ("reworded", "restoried", "different, same topic", "different"):
        sims = sorted(by_kind.get(kind, []))
        same = not kind.startswith("different")
        right = sum(1 for s, _ in sims if (s >= args.threshold) == same)
        rows.append(
            {
                "kind": kind,
                "pairs": len(sims),
                "min": round(sims[0][0], 3),
                "max": round(sims[-1][0], 3),
                "min_pair": sims[0][1],
                "max_pair": sims[-1][1],
                "correct_at_threshold": right,
            }
        )
    print(
        f"threshold {args.threshold}; {len(texts)} statements; model load {loaded:.1f}s, encode {encoded:.1f}s"
    )
    print("| pairs | count | lowest cosine | highest cosine | on the right side of the threshold |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['kind']} | {r['pairs']} | {r['min']:.3f} ({r['min_pair']}) | {r['max']:.3f} ({r['max_pair']}) "
            f"| {r['correct_at_threshold']}/{r['pairs']} |"
        )
    load_after = os.getloadavg()
    print(
        f"load average before {[round(x, 2) for x in load_before]}, after {[round(x, 2) for x in load_after]}"
    )
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(
        json.dumps(
            {
                "threshold": args.threshold,
                "rows": rows,
                "load_before": load_before,
                "load_after": load_after,
                "seconds": {"load": round(loaded, 2), "encode": round(encoded, 2)},
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
