"""The node's sandbox: what isolation holds here, the shared box configuration, the slots.

Isolation degrades rather than fails: without root there are no namespaces or uid drop,
without a writable cgroup hierarchy memory and process limits fall back to rlimits. Either
way one clear warning is logged at start-up and the level is reported in `capabilities()`.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from xcoder_judge.engine.sandbox import launcher_build, layout, seccomp
from xcoder_judge.engine.sandbox.cgroups import Cgroups, CgroupUnavailable, SlotGroups
from xcoder_judge.engine.sandbox.pch_mount import PchMount, sweep_stale
from xcoder_judge.engine.sandbox.pool import ANONYMOUS, KindStats, SlotPool
from xcoder_judge.engine.sandbox.run_types import BoxConfig, RunRequest, RunResult
from xcoder_judge.engine.sandbox.scheduling import Flow, Kind
from xcoder_judge.engine.sandbox.slot import Slot, SlotError
from xcoder_judge.engine.settings import EngineSettings
from xcoder_wire.schemas import Capabilities

log = logging.getLogger(__name__)

NAMESPACES = ["mount", "pid", "net", "ipc", "uts"]
AUX_UID_OFFSET = 10000  # checkers and interactors run as a second uid per slot
BOX_ROOT_UID_OFFSET = 20000  # the host uid of a box's root in its user namespace, and its keeper's


class Sandbox:
    def __init__(
        self,
        settings: EngineSettings,
        *,
        python: str,
        preload: list[str],
        bind_paths: list[str],
        artifacts_dir: Path,
        pch_dir: Path,
    ) -> None:
        self.settings = settings
        self.python = python
        self.preload = preload
        self.bind_paths = bind_paths
        self.artifacts_dir = artifacts_dir
        self.pch_dir = pch_dir
        self.pch: PchMount | None = None
        self.cgroups: Cgroups | None = None
        self.groups: list[SlotGroups] = []
        self.pool: SlotPool | None = None
        self.warnings: list[str] = []
        self._isolate = False
        self._seccomp = b""
        self.launcher: Path | None = None  # the C launcher binary, when exec-kind programs use it
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ start-up

    def start(self) -> None:
        s = self.settings
        root = os.geteuid() == 0
        self._isolate = root
        if not root:
            self._warn("not running as root: no namespaces, no uid drop, no cgroups (rlimits only)")
        try:
            self._seccomp = seccomp.build_filter()
        except seccomp.SeccompUnavailable as e:
            self._warn(f"seccomp filter unavailable: {e}")
        if s.launcher != "python":
            try:
                self.launcher = launcher_build.build(s.cache_dir)
            except launcher_build.LauncherUnavailable as e:
                if s.launcher == "c":
                    raise
                self._warn(f"C launcher unavailable ({e}): exec-kind programs start through Python")
        if s.cgroup != "none" and root:
            try:
                self.cgroups = Cgroups.detect(s.cgroup)
                self.cgroups.prepare()
            except (CgroupUnavailable, OSError) as e:
                self.cgroups = None
                self._warn(
                    f"no usable cgroup hierarchy ({e}): memory and process limits fall back to rlimits"
                )
        elif s.cgroup == "none":
            self._warn("cgroups disabled by configuration: memory and process limits are rlimits only")

        layout.prepare_artifacts_dir(self.artifacts_dir)
        self.pch_dir.mkdir(parents=True, exist_ok=True)
        work = s.work_dir / f"worker-{os.getpid()}"
        work.mkdir(parents=True, exist_ok=True)
        binds, symlinks = layout.system_binds()
        binds += layout.extra_binds([*self.bind_paths, os.path.dirname(os.path.dirname(self.python))])
        binds += self._pch_binds(work)
        config = BoxConfig(
            python=self.python,
            isolate=self._isolate,
            binds=binds,
            symlinks=symlinks,
            etc=layout.etc_files(),
            env=dict(layout.PROGRAM_ENV),
            seccomp=self._seccomp,
            preload=self.preload,
            work_dir=work,
            artifacts_dir=self.artifacts_dir,
            progs_mb=s.progs_cache_mb,
            launcher=str(self.launcher) if self.launcher else None,
        )
        slots = []
        for i in range(s.slots):
            files: dict[str, dict] = {}
            if self.cgroups is not None:
                g = self.cgroups.create_slot(i)
                self.groups.append(g)
                files = g.files
            uids = {"main": s.sandbox_uid + i, "aux": s.sandbox_uid + AUX_UID_OFFSET + i}
            slots.append(Slot(i, config, uids, files, self._userns_plan(i, uids, files)))
        self._start_slots(slots)
        self.pool = SlotPool(slots, s.scheduling)
        if self._isolate and not all(sl.userns for sl in slots):
            reason = next(sl.userns_reason for sl in slots if not sl.userns)
            if s.box_userns == "on":
                self.close()
                raise SlotError(f"XCODER_JUDGE_BOX_USERNS=on, but no user namespace for the box: {reason}")
            if s.box_userns == "auto":
                self._warn(
                    f"the box has no user namespace ({reason}): it stays host root with five capabilities"
                )

    def _userns_plan(self, index: int, uids: dict[str, int], cgroups: dict[str, dict]) -> dict[str, Any]:
        """What the box is to do after set-up (box_creds.Privilege): its id map, or why not.

        Inside, uid and gid 0 is the host id sandbox_uid + 20000 + slot (the keeper's too, once
        it has written the maps); the program and checker uids are the same inside and out.
        """
        host_uid = self.settings.sandbox_uid + BOX_ROOT_UID_OFFSET + index
        off = None
        if self.settings.box_userns == "off":
            off = "turned off (XCODER_JUDGE_BOX_USERNS=off)"
        elif any("per_run" in spec["files"] for spec in cgroups.values()):
            off = (
                "cgroup v2 without memory.peak reset (Linux < 6.12): the box makes a child group per "
                "run, which takes root over the worker's cgroup tree"
            )
        if off is not None:
            return {"off": off, "host_uid": host_uid}
        return {
            "map": {0: host_uid, uids["main"]: uids["main"], uids["aux"]: uids["aux"]},
            "host_uid": host_uid,
        }

    def _start_slots(self, slots: list[Slot]) -> None:
        errors: list[str] = []

        def start(slot: Slot) -> None:
            try:
                slot.start()
            except SlotError as e:
                errors.append(str(e))

        threads = [threading.Thread(target=start, args=(sl,)) for sl in slots]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            for slot in slots:
                slot.kill()
            raise SlotError("; ".join(errors))
        for w in sorted({w for sl in slots for w in sl.warnings}):
            self._warn(f"box: {w}")

    def _pch_binds(self, work: Path) -> list[tuple[str, str, bool]]:
        """/pch: a bind of the worker's PCH tmpfs, never of the host cache dir (pch_mount.py)."""
        self.pch = PchMount(self.pch_dir, work / "pch")
        if self._isolate:
            for stale in sweep_stale(work.parent):
                log.info("sandbox: unmounted %s (its worker is gone)", stale)
            try:
                self.pch.mount()
            except OSError as e:
                self._warn(f"no tmpfs for the PCH ({e}): C++ compiles run without one")
        if self.pch.mounted or not self._isolate:
            return [(str(self.pch.path), layout.PCH_MOUNT, False)]
        return []

    def publish_pch(self, lang_id: str) -> bool:
        """Make a built PCH visible at /pch/<lang_id> in every box; False: compile without it."""
        if self.pch is None or (self._isolate and not self.pch.mounted):
            return False
        self.pch.publish(lang_id)
        return True

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning("sandbox: %s", message)

    # ------------------------------------------------------------------ use

    def submit(self, req: RunRequest, flow: Flow = ANONYMOUS, kind: Kind = "run") -> Future[RunResult]:
        """Queue `req` for a slot; `kind` tells the scheduler a compile from a run of built programs."""
        assert self.pool is not None, "Sandbox.start() first"
        return self.pool.submit(req, flow, kind)

    def run(self, req: RunRequest, flow: Flow = ANONYMOUS, kind: Kind = "run") -> RunResult:
        return self.submit(req, flow, kind).result()

    def pool_stats(self) -> dict[Kind, KindStats]:
        """Per kind of request: how many ran, their slot time and their wait (pool.py)."""
        assert self.pool is not None, "Sandbox.start() first"
        return self.pool.stats()

    @property
    def slots_total(self) -> int:
        return len(self.pool.slots) if self.pool else 0

    @property
    def slots_busy(self) -> int:
        return self.pool.busy if self.pool else 0

    def capabilities(self) -> Capabilities:
        cgroup = self.cgroups.mode if self.cgroups else "none"
        seccomp_on = bool(self._seccomp)
        if self._isolate and cgroup != "none" and seccomp_on:
            level = "full"
        elif not self._isolate and cgroup == "none":
            level = "rlimits"
        else:
            level = "partial"
        slots = self.pool.slots if self.pool else []
        userns = bool(slots) and self._isolate and all(sl.userns for sl in slots)
        reasons = sorted({sl.userns_reason for sl in slots if sl.userns_reason})
        return Capabilities(
            level=level,
            cgroup=cgroup,
            namespaces=NAMESPACES if self._isolate else [],
            seccomp=seccomp_on,
            uid_drop=self._isolate,
            no_new_privs=True,
            box_userns=userns,
            box_capabilities=slots[0].box_caps if slots and self._isolate else [],
            box_userns_reason=None if userns else ("; ".join(reasons) or "not isolated (not root)"),
            warnings=list(self.warnings),
        )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self.cgroups is not None:
            for g in self.groups:
                self.cgroups.remove_slot(g)
            self.cgroups.close()
            self.cgroups = None
        if self.pch is not None:
            self.pch.close()
