"""One submission being judged, after its build: what every step that runs its tests reads.

`Judge` makes one `Judging` per submission once its programs are built; the test runners
(tests_run.py, multipass.py) take it instead of a long argument list.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from xcoder_wire.schemas import AnyTest, Submission

from xcoder_judge.engine.compile_plan import Program
from xcoder_judge.engine.run_plan import runs_for
from xcoder_judge.engine.sandbox.run_types import Proc
from xcoder_judge.engine.sandbox.sandbox import Sandbox
from xcoder_judge.engine.sandbox.scheduling import Flow


@dataclass(frozen=True)
class Judging:
    sub: Submission
    program: Program
    checker: Program | None  # a checker program (ProgramChecker), built
    interactor: Program | None
    sandbox: Sandbox
    flow: Flow
    python_warm: bool  # python3 runs in warm forked interpreters
    cancel: threading.Event | None = None

    @property
    def progs(self) -> dict[str, str | None]:
        """The artifacts a test's run mounts: the solution at /prog, the interactor at /aux."""
        return {
            "/prog": self.program.artifact.key,
            "/aux": self.interactor.artifact.key if self.interactor else None,
        }

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def runs(self, test: AnyTest) -> list[Proc]:
        return runs_for(self.sub, test, self.program, self.interactor, self.python_warm)
