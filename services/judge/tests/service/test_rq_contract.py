"""The worker subclasses RQ's `SimpleWorker` and `Job`: pin every hook it relies on.

A minor RQ release could rename a hook, change its signature or stop calling it, and the
override would silently stop running (a lease never renewed, a notice never published). The
dependency is pinned to `rq==3.0.*`; these tests fail on an RQ that breaks the contract, so an
upgrade is a deliberate change reviewed against this list.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import redis
import rq
import tomllib
from rq.job import Job
from rq.timeouts import BaseDeathPenalty
from rq.worker import SimpleWorker
from xcoder_judge.service.worker import job as job_module
from xcoder_judge.service.worker import rq_worker
from xcoder_judge.service.worker.job import JudgeJob
from xcoder_judge.service.worker.rq_worker import JudgeWorker, NoDeathPenalty

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

# Every RQ method JudgeWorker overrides, and the RQ method(s) whose source must still call it.
WORKER_HOOKS: dict[str, tuple[str, ...]] = {
    "subscribe": ("bootstrap",),
    "unsubscribe": ("teardown",),
    "set_state": ("bootstrap",),
    "get_heartbeat_ttl": ("maintain_heartbeats",),
    "dequeue_job_and_maintain_ttl": ("work",),
    "prepare_execution": ("execute_job",),
    "prepare_job_execution": ("perform_job",),
    "handle_execution_ended": ("_finalize_success",),
    "handle_job_success": ("_finalize_success",),
    "cleanup_execution": ("handle_job_failure",),
}
# RQ methods the worker calls (not overrides) and the names of their parameters it passes.
WORKER_CALLS = ("bootstrap", "register_death", "heartbeat", "execute_job", "increment_successful_job_count")
CLASS_ATTRIBUTES = ("death_penalty_class", "job_class", "log_result_lifespan")


def _params(fn: object) -> list[tuple[str, object]]:
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]  # type: ignore[arg-type]


def test_rq_is_pinned_to_the_minor_release_the_hooks_were_checked_against() -> None:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    assert "rq==3.0.*" in deps
    assert rq.__version__.startswith("3.0.")


def test_every_override_exists_in_simple_worker_with_the_same_signature() -> None:
    ours = {
        name
        for name, value in vars(JudgeWorker).items()
        if inspect.isfunction(value) and not name.startswith("__") and hasattr(SimpleWorker, name)
    }
    assert ours == set(WORKER_HOOKS), "an override was added or removed: update WORKER_HOOKS"
    for name in WORKER_HOOKS:
        assert _params(getattr(JudgeWorker, name)) == _params(getattr(SimpleWorker, name)), name
    for name in CLASS_ATTRIBUTES:
        assert hasattr(SimpleWorker, name), name
    for name in WORKER_CALLS:
        assert callable(getattr(SimpleWorker, name, None)), name


@pytest.mark.parametrize("hook", sorted(WORKER_HOOKS))
def test_rq_still_calls_each_override(hook: str) -> None:
    callers = WORKER_HOOKS[hook]
    for caller in callers:
        source = inspect.getsource(getattr(SimpleWorker, caller))
        assert re.search(rf"\bself\.{hook}\(", source), f"SimpleWorker.{caller} no longer calls {hook}"


def test_simple_worker_runs_a_job_through_the_hooks_in_order() -> None:
    """execute_job → prepare_execution → perform_job → job.perform → success bookkeeping."""
    execute = inspect.getsource(SimpleWorker.execute_job)
    assert execute.index("prepare_execution") < execute.index("perform_job")
    perform = inspect.getsource(SimpleWorker.perform_job)
    assert perform.index("prepare_job_execution") < perform.index("job.perform()")
    assert perform.index("job.perform()") < perform.index("_finalize_success")


def test_the_job_finds_its_function_through_the_func_property() -> None:
    """JudgeJob hands RQ the worker's task by overriding `Job.func`, which `perform` calls."""
    assert isinstance(inspect.getattr_static(Job, "func"), property)
    assert isinstance(inspect.getattr_static(JudgeJob, "func"), property)
    assert "self.func(" in inspect.getsource(Job._execute)
    assert "self._execute()" in inspect.getsource(Job.perform)
    for name in ("set_status", "save", "cleanup", "heartbeat", "prepare_for_execution", "restore"):
        assert callable(getattr(Job, name)), name
    assert list(inspect.signature(Job.save).parameters)[:4] == [
        "self",
        "pipeline",
        "include_meta",
        "include_result",
    ]


def test_no_death_penalty_overrides_rq_s_two_methods() -> None:
    for name in ("setup_death_penalty", "cancel_death_penalty"):
        assert _params(getattr(NoDeathPenalty, name)) == _params(getattr(BaseDeathPenalty, name))


def test_a_job_without_a_task_refuses_to_run_instead_of_importing_by_name() -> None:
    job = JudgeJob("x", connection=redis.Redis())  # never connects: nothing here talks to Redis
    with pytest.raises(RuntimeError, match="xcoder-judge worker"):
        _ = job.func


@pytest.mark.parametrize("module", [rq_worker, job_module])
def test_the_worker_touches_no_private_rq_member(module: object) -> None:
    source = inspect.getsource(module)  # type: ignore[arg-type]
    private = re.findall(r"\b(?:job|execution|self|pipe|queue)\._[a-z]\w*\b", source)
    ours = {"self._task", "self._running", "self._stop", "self._block_s", "self._block_on"}
    ours |= {"self._lease_ttl", "self._pop_first", "self._pop_keys", "self._register", "self._unregister"}
    ours |= {"self._link", "self._registries", "self._settle_start"}
    assert set(private) <= ours, set(private) - ours
