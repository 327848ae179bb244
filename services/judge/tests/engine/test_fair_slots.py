"""Head-of-line blocking on the real sandbox: a small submission sent while a large one runs.

Under the `fair` policy the small one takes the next free slot after the batch in hand, so it
is done while the large one still runs; under `fifo` (the old order) it waits for every test of
the large one. Verdicts are the same either way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from xcoder_judge.config import Settings
from xcoder_judge.engine import Engine
from xcoder_judge.testing import claim_uid_block
from xcoder_wire.schemas import Priority, Submission, SubmissionResult, Verdict

DOUBLE = "print(int(input()) * 2)\n"
BIG_TESTS = 600


def double_tests(n: int, offset: int = 0) -> list[dict[str, str]]:
    return [{"input": f"{offset + i}\n", "expected": f"{2 * (offset + i)}\n"} for i in range(n)]


def start_engine(root: Path, policy: str) -> tuple[Engine, object]:
    base, lock = claim_uid_block()
    root.chmod(0o755)
    engine = Engine(
        Settings(
            slots=2,
            cache_dir=root / "cache",
            work_dir=root / "work",
            sandbox_uid=base,
            languages="python3",
            self_test=False,
            scheduling=policy,
        )
    )
    engine.start()
    return engine, lock


@pytest.fixture(scope="module", params=["fair", "fifo"])
def engine(request, tmp_path_factory) -> Iterator[Engine]:
    engine, lock = start_engine(tmp_path_factory.mktemp(request.param), request.param)
    # Compile once (cached): the timed submissions below queue their test batches at once.
    warm = engine.judge(Submission(language="python3", source=DOUBLE, tests=double_tests(4)))
    assert warm.verdict is Verdict.AC
    try:
        yield engine
    finally:
        engine.close()
        lock.release()  # type: ignore[attr-defined]


def race(
    engine: Engine, big_priority: Priority, small_priority: Priority, small_source: str = DOUBLE
) -> tuple[SubmissionResult, SubmissionResult, float]:
    """Start the big one, send the small one once the big one holds the slots; return both
    results and the share of the big one's remaining time the small one waited (0 to 1)."""
    big = Submission(language="python3", source=DOUBLE, tests=double_tests(BIG_TESTS), priority=big_priority)
    small = Submission(
        language="python3", source=small_source, tests=double_tests(3, offset=10_000), priority=small_priority
    )
    box: dict[str, SubmissionResult] = {}
    ended: dict[str, float] = {}

    def judge_big() -> None:
        box["big"] = engine.judge(big)
        ended["big"] = time.monotonic()

    thread = threading.Thread(target=judge_big)
    thread.start()
    deadline = time.monotonic() + 30
    while engine.slots_busy < engine.slots_total and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.2)  # a few of its batches are through; the rest wait in the queue
    sent = time.monotonic()
    small_result = engine.judge(small)
    small_done = time.monotonic()
    thread.join(300)
    share = (small_done - sent) / max(1e-6, ended["big"] - sent)
    return box["big"], small_result, share


@pytest.mark.slow
@pytest.mark.parametrize(
    ("big_priority", "small_priority"),
    [
        (Priority.bulk, Priority.bulk),
        (Priority.bulk, Priority.interactive),
        (Priority.interactive, Priority.interactive),
    ],
)
def test_a_small_submission_does_not_wait_for_a_large_one(engine, big_priority, small_priority):
    big, small, waited = race(engine, big_priority, small_priority)
    # Same verdicts under either policy: every test judged, in order.
    assert big.verdict is Verdict.AC and big.passed == BIG_TESTS
    assert [t.index for t in big.tests] == list(range(BIG_TESTS))
    assert small.verdict is Verdict.AC and small.passed == 3
    print(f"{engine.settings.scheduling}: the small one waited {waited:.0%} of the large one's rest")
    if engine.settings.scheduling == "fair":
        # One batch per slot at most: a small part of the large one's remaining time.
        assert waited < 0.4, "the small submission waited for the large one"
    else:
        assert waited > 0.7  # the old order: the oldest submission first, all of its tests


@pytest.mark.slow
def test_a_small_submission_to_compile_does_not_wait_for_a_large_ones_tests(engine):
    # A program never seen before: its compile is a request of its own kind, and under `fair`
    # a slot takes it although the large one's test batches wait (the compile lane).
    before = engine.sandbox.pool_stats()
    fresh = f"# {time.time_ns()}\n{DOUBLE}"
    big, small, waited = race(engine, Priority.bulk, Priority.bulk, small_source=fresh)
    assert big.verdict is Verdict.AC and big.passed == BIG_TESTS
    assert small.verdict is Verdict.AC and small.compile is not None and not small.compile.cached
    after = engine.sandbox.pool_stats()
    assert after["compile"].requests - before["compile"].requests == 1  # the small one's only
    assert after["run"].requests - before["run"].requests >= BIG_TESTS // 8 + 1  # batches of <= 8
    assert after["compile"].busy_s > before["compile"].busy_s
    print(f"{engine.settings.scheduling}: the small one waited {waited:.0%} of the large one's rest")
    if engine.settings.scheduling == "fair":
        assert waited < 0.4, "the small submission's compile waited for the large one's tests"
    else:
        assert waited > 0.7


@pytest.mark.slow
def test_early_stop_still_skips_everything_after_the_first_failure(engine):
    # A failure in the middle of a large submission while another one competes for the slots.
    tests = double_tests(200)
    tests[57] = {"input": "57\n", "expected": "0\n"}
    sub = Submission(language="python3", source=DOUBLE, tests=tests, stop_on_first_failure=True)
    other = Submission(language="python3", source=DOUBLE, tests=double_tests(200), priority=Priority.bulk)
    box: dict[str, SubmissionResult] = {}
    thread = threading.Thread(target=lambda: box.update(other=engine.judge(other)))
    thread.start()
    result = engine.judge(sub)
    thread.join(300)
    assert box["other"].verdict is Verdict.AC
    assert result.verdict is Verdict.WA and result.passed == 57
    assert [t.verdict for t in result.tests[:57]] == [Verdict.AC] * 57
    assert result.tests[57].verdict is Verdict.WA
    assert {t.verdict for t in result.tests[58:]} == {Verdict.SK}
