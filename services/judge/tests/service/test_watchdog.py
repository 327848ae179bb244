"""The watchdog cancels an overrunning job, and gives up on the process if the job ignores it."""

from __future__ import annotations

import threading
import time

from xcoder_judge.service.worker.watchdog import Watchdog


def test_cancel_is_set_at_the_deadline_and_not_before():
    dog = Watchdog(grace_s=60)
    dog.start()
    try:
        with dog.guard("slow", 0.2) as cancel:
            assert not cancel.is_set()
            assert cancel.wait(5)
        with dog.guard("fast", 30) as cancel:
            pass
        assert not cancel.is_set()
    finally:
        dog.stop()


def test_a_job_ignoring_its_cancel_is_reported_stuck():
    stuck: list[str] = []
    reported = threading.Event()

    def on_stuck(job_id: str) -> None:
        stuck.append(job_id)
        reported.set()

    dog = Watchdog(grace_s=0.2, on_stuck=on_stuck)
    dog.start()
    try:
        with dog.guard("hung", 0.1):
            assert reported.wait(5)
        with dog.guard("ok", 0.1) as cancel:
            cancel.wait(5)  # a well-behaved job returns once cancelled
        time.sleep(0.4)
    finally:
        dog.stop()
    assert stuck == ["hung"]


def test_cancel_all_reaches_every_running_job():
    dog = Watchdog()
    dog.start()
    try:
        with dog.guard("a", 60) as a, dog.guard("b", 60) as b:
            assert dog.cancel_all() == 2
            assert a.is_set() and b.is_set()
    finally:
        dog.stop()


def test_a_job_wakes_the_watchdog_only_if_it_is_due_before_the_watchdog_looks_next():
    """Every job has about the same timeout: waking the thread for each (a hand-off between
    threads per job) would find nothing to do. A job due sooner must still wake it."""
    dog = Watchdog(grace_s=60)
    dog.start()
    try:
        with dog.guard("first", 60):
            time.sleep(0.2)  # the thread has looked, and sleeps until "first" is due
            looked = dog.wakeups
            for i in range(50):
                with dog.guard(f"later-{i}", 60):
                    pass
            time.sleep(0.2)
            assert dog.wakeups == looked
            with dog.guard("sooner", 0.05) as cancel:
                assert cancel.wait(5)
            assert dog.wakeups > looked
    finally:
        dog.stop()
