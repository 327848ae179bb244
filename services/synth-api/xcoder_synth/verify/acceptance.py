"""Output equivalence under a checker program, measured in the judge.

Tasks with many valid answers come with a checker program (testlib protocol). Voting then groups
outputs by checker acceptance instead of equality: ``same_i(o, r)`` is "the checker accepts
output o on input i when r is the answer". For every input, every distinct output (of the
candidates, the oracle and the stated answer) is checked against every other one in the judge.

The checker itself is validated first, on the statement's examples: it must accept each stated
answer as its own output and reject mutated outputs (an empty one and a garbage token);
otherwise the task is dropped (``checker_invalid``).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from xcoder_synth.judge_gateway import ExecLimits, JudgeGateway
from xcoder_synth.verify.compare import Same

MUTANTS = ("", "xcoder-synth-invalid-output\n")
"""Outputs a valid checker rejects for any example (mutations of the stated answer)."""
MAX_PRINTED_BYTES = 256 * 1024
"""Larger outputs are compared by identity only (the printer program embeds the output)."""


class CheckerRelation(BaseModel):
    valid: bool
    detail: str = ""
    pairs: int = 0


def _relation(table: dict[tuple[str, str], bool]) -> Same:
    def same(output: str, reference: str) -> bool:
        return output == reference or table.get((output, reference), False)

    return same


async def checker_sames(
    gateway: JudgeGateway,
    *,
    task_id: str,
    checker: dict,
    inputs: Sequence[str],
    outputs: Sequence[set[str]],
    stated: Sequence[str | None],
    limits: ExecLimits,
) -> tuple[list[Same], CheckerRelation]:
    """One ``same`` per input (from every distinct output there), and whether the checker holds."""
    items: list[tuple[str, str, list[str]]] = []
    where: list[tuple[int, str, list[str]]] = []
    for i, data in enumerate(inputs):
        distinct = sorted(o for o in outputs[i] | ({stated[i]} if stated[i] is not None else set()))
        distinct = [o for o in distinct if len(o.encode("utf-8")) <= MAX_PRINTED_BYTES]
        for o in distinct:
            refs = [r for r in distinct if r != o]
            if o == stated[i]:
                refs = [o, *refs]  # the stated answer must be accepted as its own output
            if refs:
                items.append((data, o, refs))
                where.append((i, o, refs))
        if stated[i] is not None:
            for m in MUTANTS:
                items.append((data, m, [stated[i] or ""]))
                where.append((i, m, [stated[i] or ""]))
    verdicts = await gateway.accepts(items, checker=checker, limits=limits, tag=f"chk-{task_id}")
    tables: list[dict[tuple[str, str], bool]] = [{} for _ in inputs]
    problems: list[str] = []
    for (i, o, refs), accepted in zip(where, verdicts, strict=True):
        for r, ok in zip(refs, accepted, strict=True):
            if o in MUTANTS and stated[i] is not None and r == stated[i] and o != r:
                if ok:
                    problems.append(f"input {i}: accepts the mutated output {o!r}")
                continue
            if o == r:
                if not ok:
                    problems.append(f"input {i}: rejects the stated answer")
                continue
            tables[i][(o, r)] = ok
    relation = CheckerRelation(valid=not problems, detail="; ".join(problems[:3]), pairs=len(items))
    return [_relation(t) for t in tables], relation
