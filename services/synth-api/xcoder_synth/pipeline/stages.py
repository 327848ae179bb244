"""The SynthSmith stages, in order. Each reads earlier stages' outputs through the typed reads
it declares (:mod:`xcoder_synth.pipeline.reads`), never by a stage name.

extract → tree → configs → select → write → decontam → solve → testgen → inputs → verify → export
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from typing import Any

from xcoder_synth.decontam import NgramIndex, build_index, eval_problems
from xcoder_synth.dropped import Dropped, DropReason
from xcoder_synth.features.evolve import FeatureTreeRecord, Growth, graft, grow, sample_for_evolution
from xcoder_synth.features.extract import extract_features
from xcoder_synth.features.sample import FeatureConfig, sample_configs
from xcoder_synth.features.seeds import Seed, load_seeds, seed_from_record
from xcoder_synth.features.tree import category_coverage, leaf_count, merged
from xcoder_synth.jsonl import write_atomic
from xcoder_synth.llm import ParseFailure
from xcoder_synth.neardup import Embedder, NearMatch, find_near_duplicates
from xcoder_synth.pipeline.reads import (
    CANDIDATES,
    CONFIGS,
    EXTRACTIONS,
    INPUTS,
    PLANS,
    SELECTIONS,
    TASKS,
    TREE,
    VERIFIED,
    WRITTEN,
)
from xcoder_synth.pipeline.stage import Kept, Outcome, Stage, StageContext
from xcoder_synth.pipeline.store import Rejection
from xcoder_synth.solutions.sample import CandidateSet, sample_candidates
from xcoder_synth.tasks.models import Selection, TaskRecord
from xcoder_synth.tasks.select import select_features
from xcoder_synth.tasks.styles import assign_styles
from xcoder_synth.tasks.write import write_task
from xcoder_synth.testgen.materialize import materialize
from xcoder_synth.testgen.models import InputSet, Program, TestPlan
from xcoder_synth.testgen.plan import plan_tests
from xcoder_synth.verify.dual import verify_task


def _parse_dropped(failure: ParseFailure) -> Dropped:
    return Dropped(
        reason=DropReason.parse(failure.reason),
        detail=failure.detail[:500],
        extra={
            "attempts": [a.model_dump() for a in failure.attempts],
            "provenance": failure.provenance.model_dump(),
        },
    )


# ------------------------------------------------------------------ stages


class ExtractStage(Stage):
    name = "extract"
    description = "extract seed problems' features into the fixed schema (LLM)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        seeds = ctx.config.seeds
        if isinstance(seeds, list):
            records = (seed_from_record(r, n) for n, r in enumerate(seeds, 1))
        else:
            records = load_seeds(seeds)
        for seed in records:
            yield seed.id, seed

    async def process(self, ctx: StageContext, item: Seed) -> Outcome:
        client = ctx.llm.get(ctx.config.llm.stages["extract"])
        result = await extract_features(client, item, attempts=ctx.config.llm.parse_attempts)
        if isinstance(result, ParseFailure):
            return _parse_dropped(result)
        return Kept([result])


class TreeStage(Stage):
    name = "tree"
    reads = (EXTRACTIONS,)
    sharded = False
    description = "merge extracted features into one tree and evolve it in depth and breadth (LLM)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        yield "tree", None

    async def process(self, ctx: StageContext, item: None) -> Outcome:
        extractions = list(self.inputs(ctx).all(EXTRACTIONS))
        if not extractions:
            return Dropped(reason=DropReason.NO_EXTRACTIONS, detail="no seed produced features")
        tree = merged([e.tree for e in sorted(extractions, key=lambda e: e.id)])
        base_leaves = leaf_count(tree)
        evo = ctx.config.features.evolution
        client = ctx.llm.get(ctx.config.llm.stages["evolve"])
        growth: list[Growth] = []
        rejections: list[Rejection] = []
        for round_no in range(evo.rounds):
            offered = [
                sample_for_evolution(
                    tree, evo.conditions, random.Random(f"xcoder-synth:evolve:{evo.seed}:{round_no}:{k}")
                )
                for k in range(evo.per_round)
            ]
            results = await asyncio.gather(
                *(
                    grow(
                        client, tree, sub, round_no=round_no, sample=k, attempts=ctx.config.llm.parse_attempts
                    )
                    for k, sub in enumerate(offered)
                )
            )
            for k, (record, failure, grown) in enumerate(results):
                if failure is not None:
                    rejections.append(
                        Rejection(
                            item_id=f"evolve:{round_no}:{k}",
                            reason=DropReason.parse(failure.reason).value,
                            detail=failure.detail[:500],
                        )
                    )
                    continue
                assert record is not None and grown is not None
                record.added = [list(p) for p in graft(tree, offered[k], grown)]
                growth.append(record)
        out = FeatureTreeRecord(
            tree=tree,
            seeds=len(extractions),
            base_leaves=base_leaves,
            leaves=leaf_count(tree),
            coverage=category_coverage(tree),
            growth=growth,
        )
        write_atomic(ctx.store.artifacts / "feature_tree.json", out.tree.model_dump_json(indent=1))
        return Kept([out], rejections)


class ConfigsStage(Stage):
    name = "configs"
    reads = (TREE,)
    sharded = False
    description = "sample feature subtrees (uniform or frequency-weighted, seeded) and assign styles"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        yield "configs", None

    async def process(self, ctx: StageContext, item: None) -> Outcome:
        tree = next(self.inputs(ctx).all(TREE)).tree
        configs: list[FeatureConfig] = []
        rejections: list[Rejection] = []
        for drawn in sample_configs(tree, ctx.config.features.sampling):
            if isinstance(drawn, int):
                rejections.append(
                    Rejection(item_id=f"config:{drawn}", reason=DropReason.NO_VALID_SUBTREE.value)
                )
            else:
                configs.append(drawn)
        styles = assign_styles([c.id for c in configs], ctx.config.tasks.styles)
        for c in configs:
            c.style = styles[c.id]
        return Kept(list(configs), rejections)


class SelectStage(Stage):
    name = "select"
    reads = (CONFIGS,)
    description = "choose compatible features, integration strategy and scenario (LLM, stage 1)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        for c in self.inputs(ctx).all(CONFIGS):
            yield c.id, c

    async def process(self, ctx: StageContext, item: FeatureConfig) -> Outcome:
        t = ctx.config.tasks
        result = await select_features(
            ctx.llm.get(ctx.config.llm.stages["select"]),
            item,
            style=item.style or "codeforces",  # type: ignore[arg-type]
            min_selected=t.min_selected,
            max_selected=t.max_selected,
            attempts=ctx.config.llm.parse_attempts,
        )
        if isinstance(result, ParseFailure):
            return _parse_dropped(result)
        return Kept([result])


class WriteStage(Stage):
    name = "write"
    reads = (SELECTIONS,)
    description = "write the task in its style: statement, formats, constraints, examples (LLM, stage 2)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        for s in self.inputs(ctx).all(SELECTIONS):
            yield s.id, s

    async def process(self, ctx: StageContext, item: Selection) -> Outcome:
        t = ctx.config.tasks
        result = await write_task(
            ctx.llm.get(ctx.config.llm.stages["write"]),
            item,
            min_examples=t.min_examples,
            banned_terms=tuple(t.banned_terms),
            multi_answer=t.multi_answer,
            attempts=ctx.config.llm.parse_attempts,
        )
        if isinstance(result, ParseFailure):
            return _parse_dropped(result)
        return Kept([result])


class DecontamStage(Stage):
    """n-gram overlap per task; with ``decontam.near_duplicates`` on, also sentence-embedding
    near duplicates of evaluation problems and of other tasks of the run. That check compares
    every task with every other, so the stage then runs as one shard."""

    name = "decontam"
    reads = (WRITTEN,)
    description = "drop tasks overlapping evaluation problems (word n-grams) and near duplicates (embeddings)"

    def __init__(self) -> None:
        self._index: NgramIndex | None = None
        self._near: dict[str, NearMatch] = {}

    def n_shards(self, ctx: StageContext) -> int:
        one = ctx.config.decontam.near_duplicates.enabled
        return ctx.store.n_shards(self.name, 1 if one else ctx.config.shards)

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        for t in self.inputs(ctx).all(WRITTEN):
            yield t.id, t

    async def setup(self, ctx: StageContext) -> None:
        source = ctx.config.eval_problems
        cfg = ctx.config.decontam
        self._index = None if source is None else build_index(source, cfg.ngram)
        self._near = {}
        if cfg.near_duplicates.enabled:
            nd = cfg.near_duplicates
            embedder = Embedder(nd.model_dir, batch_size=nd.batch_size)
            tasks = [(t.id, t.statement) for t in self.inputs(ctx).all(WRITTEN)]
            if self._index is not None:  # n-gram matches are dropped first and compared with nothing
                tasks = [(i, s) for i, s in tasks if self._contaminated(ctx, s) is None]
            evals = [] if source is None else eval_problems(source)
            self._near = await asyncio.to_thread(find_near_duplicates, tasks, evals, embedder, nd.threshold)

    def _contaminated(self, ctx: StageContext, statement: str) -> Dropped | None:
        assert self._index is not None
        ov = self._index.overlap(statement)
        if ov.ratio < ctx.config.decontam.max_overlap:
            return None
        return Dropped(
            reason=DropReason.CONTAMINATED,
            detail=f"{ov.ratio:.1%} of its {ctx.config.decontam.ngram}-grams occur in {ov.eval_id}",
            extra=ov.model_dump(),
        )

    async def process(self, ctx: StageContext, item: TaskRecord) -> Outcome:
        if self._index is not None and (dropped := self._contaminated(ctx, item.statement)):
            return dropped
        match = self._near.get(item.id)
        if match is not None:
            what = "evaluation problem" if match.kind == "eval" else "task"
            return Dropped(
                reason=DropReason.NEAR_DUPLICATE_EVAL if match.kind == "eval" else DropReason.NEAR_DUPLICATE,
                detail=f"cosine {match.similarity:.3f} with {what} {match.of} "
                f"(threshold {ctx.config.decontam.near_duplicates.threshold})",
                extra=match.model_dump(),
            )
        return Kept([item])


class SolveStage(Stage):
    name = "solve"
    reads = (TASKS,)
    description = "sample N candidate solutions per task from one or more models (LLM)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        for t in self.inputs(ctx).all(TASKS):
            yield t.id, t

    async def process(self, ctx: StageContext, item: TaskRecord) -> Outcome:
        cset = await sample_candidates(ctx.llm, item, ctx.config.llm.solve)
        n = len(cset.voters)
        if n < ctx.config.verify.min_candidates:
            reasons: dict[str, int] = {}
            for c in cset.candidates:
                key = c.reject_reason or ("duplicate" if c.duplicate_of else "ok")
                reasons[key] = reasons.get(key, 0) + 1
            return Dropped(
                reason=DropReason.TOO_FEW_CANDIDATES,
                detail=f"{n} distinct usable candidate(s) < {ctx.config.verify.min_candidates}",
                extra={"candidates": reasons},
            )
        return Kept([cset])


class TestgenStage(Stage):
    __test__ = False
    name = "testgen"
    reads = (TASKS, CANDIDATES)
    description = "write test inputs, a generator and input validators (LLM)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        for t in self.inputs(ctx).surviving_tasks(CANDIDATES):
            yield t.id, t

    async def process(self, ctx: StageContext, item: TaskRecord) -> Outcome:
        plan = await plan_tests(
            ctx.llm.get(ctx.config.llm.stages["testgen"]),
            item,
            ctx.config.testgen.plan,
            attempts=ctx.config.llm.parse_attempts,
        )
        return Kept([plan])


class InputsStage(Stage):
    name = "inputs"
    reads = (TASKS, PLANS)
    description = "run generators and validators in the judge; keep valid, distinct inputs (judge)"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        reads = self.inputs(ctx)
        plans = reads.by_id(PLANS)
        for t in reads.surviving_tasks(PLANS):
            yield t.id, (t, plans[t.id])

    async def process(self, ctx: StageContext, item: tuple[TaskRecord, TestPlan]) -> Outcome:
        task, plan = item
        result = await materialize(ctx.judge, task, plan, ctx.config.testgen.materialize)
        return result if isinstance(result, Dropped) else Kept([result])


class VerifyStage(Stage):
    name = "verify"
    reads = (TASKS, CANDIDATES, PLANS, INPUTS)
    description = (
        "dual verification: weighted vote with the oracle, golden solution with hold-out, final check (judge)"
    )

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        reads = self.inputs(ctx)
        inputs = reads.by_id(INPUTS)
        cands = reads.by_id(CANDIDATES)
        plans = reads.by_id(PLANS)
        for t in reads.surviving_tasks(INPUTS):
            plan = plans.get(t.id)
            yield t.id, (t, cands[t.id], inputs[t.id], plan.oracle if plan else None)

    async def process(
        self, ctx: StageContext, item: tuple[TaskRecord, CandidateSet, InputSet, Program | None]
    ) -> Outcome:
        task, cands, inputs, oracle = item
        result = await verify_task(ctx.judge, task, cands, inputs, ctx.config.verify, oracle=oracle)
        return result if isinstance(result, Dropped) else Kept([result])


class ExportStage(Stage):
    name = "export"
    reads = (VERIFIED, CANDIDATES, PLANS, WRITTEN, INPUTS)
    sharded = False
    description = "write SFT JSONL, RL parquet (verl) and the run report"

    def items(self, ctx: StageContext) -> Iterable[tuple[str, Any]]:
        yield "export", None

    async def process(self, ctx: StageContext, item: None) -> Outcome:
        from xcoder_synth.export.bundle import export_run  # matplotlib/pyarrow only when exporting

        summary = await asyncio.to_thread(export_run, ctx.store, self.inputs(ctx), ctx.config)
        return Kept([summary])


STAGES: dict[str, type[Stage]] = {
    s.name: s
    for s in (
        ExtractStage,
        TreeStage,
        ConfigsStage,
        SelectStage,
        WriteStage,
        DecontamStage,
        SolveStage,
        TestgenStage,
        InputsStage,
        VerifyStage,
        ExportStage,
    )
}
STAGE_ORDER: tuple[str, ...] = tuple(STAGES)
JUDGE_STAGES = frozenset({"inputs", "verify"})
