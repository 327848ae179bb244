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

from xcoder_judge.engine.sandbox import launcher_build, layout, seccomp
from xcoder_judge.engine.sandbox.cgroups import Cgroups, CgroupUnavailable, SlotGroups
from xcoder_judge.engine.sandbox.pch_mount import PchMount
from xcoder_judge.engine.sandbox.pool import ANONYMOUS, KindStats, SlotPool
from xcoder_judge.engine.sandbox.run_types import BoxConfig, RunRequest, RunResult
from xcoder_judge.engine.sandbox.scheduling import Flow, Kind
from xcoder_judge.engine.sandbox.slot import Slot, SlotError
from xcoder_judge.engine.settings import EngineSettings
from xcoder_wire.schemas import Capabilities

log = logging.getLogger(__name__)

NAMESPACES = ["mount", "pid", "net", "ipc", "uts"]
AUX_UID_OFFSET = 10000  # checkers and interactors run as a second uid per slot


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
        self.pch = PchMount(self.pch_dir, work / "pch")
        if self._isolate:
            try:
                self.pch.mount()
            except OSError as e:
                self._warn(f"no tmpfs for the PCH ({e}): C++ compiles run without one")
        if self.pch.mounted or not self._isolate:  # never a bind of the host cache dir
            binds.append((str(self.pch.path), layout.PCH_MOUNT, False))
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
            slots.append(Slot(i, config, uids, files))
        self._start_slots(slots)
        self.pool = SlotPool(slots, s.scheduling)

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
        return Capabilities(
            level=level,
            cgroup=cgroup,
            namespaces=NAMESPACES if self._isolate else [],
            seccomp=seccomp_on,
            uid_drop=self._isolate,
            no_new_privs=True,
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
