"""Engine: the one object the service talks to.

It finds the languages this node has, starts the sandbox slots, checks every language with an
echo self-test, builds precompiled headers in the background, and judges submissions.
"""

from __future__ import annotations

import logging
import threading

from xcoder_wire.schemas import Capabilities, LanguageInfo, StdioTest, Submission, SubmissionResult, Verdict

from xcoder_judge.engine import pch
from xcoder_judge.engine.compile_cache import CompileCache
from xcoder_judge.engine.judge import Judge
from xcoder_judge.engine.languages import Toolchain, detect
from xcoder_judge.engine.languages.python3 import PRELOAD
from xcoder_judge.engine.sandbox import launch_state
from xcoder_judge.engine.sandbox.sandbox import Sandbox
from xcoder_judge.engine.sandbox.slot import default_python
from xcoder_judge.engine.settings import EngineSettings

log = logging.getLogger(__name__)


class Engine:
    """A pool of warm sandbox slots plus the language registry and compile cache.

    `judge()` is thread-safe: many submissions may be judged at once from different threads;
    their tests share the slots. Start it once per worker process.
    """

    def __init__(self, settings: EngineSettings | None = None) -> None:
        """`settings`: the engine's (the service's whole `Settings` may be passed: only the
        engine's fields are kept). Default: read from the environment."""
        if settings is None:
            from xcoder_judge.config import get_settings  # the one reader of XCODER_JUDGE_*

            settings = get_settings()
        self.settings = EngineSettings.of(settings)
        self.toolchains: dict[str, Toolchain] = {}
        self.sandbox: Sandbox | None = None
        self._judge: Judge | None = None
        self._pch_thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Spawn the slots and detect languages (idempotent)."""
        with self._start_lock:
            if self._judge is not None:
                return
            launch_state.standard_streams()  # before anything opens a descriptor that could be 0-2
            s = self.settings
            python = s.python or default_python()
            self.toolchains = detect(s.language_allow_list, {"python3": {"python": python}})
            if not self.toolchains:
                raise RuntimeError("no language toolchain found on this node")
            bind_paths = sorted({p for tc in self.toolchains.values() for p in tc.bind_paths})
            self.sandbox = Sandbox(
                s,
                python=python,
                preload=list(PRELOAD),
                bind_paths=bind_paths,
                artifacts_dir=s.cache_dir / "artifacts",
                pch_dir=s.cache_dir / "pch",
            )
            self.sandbox.start()
            cache = CompileCache(s.cache_dir / "artifacts", s.compile_cache_mb << 20)
            self._judge = Judge(s, self.sandbox, self.toolchains, cache)
            if s.pch:
                self._pch_thread = threading.Thread(target=self._build_pch, name="pch", daemon=True)
                self._pch_thread.start()
            if s.self_test:
                self._self_test()
            log.info(
                "engine ready: %d slots, isolation %s, languages %s",
                self.sandbox.slots_total,
                self.sandbox.capabilities().level,
                ", ".join(f"{k} {v.version}" for k, v in self.toolchains.items()),
            )

    def close(self) -> None:
        """Kill every slot and everything running in it."""
        with self._start_lock:
            if self.sandbox is not None:
                self.sandbox.close()
            self.sandbox = None
            self._judge = None

    def __enter__(self) -> Engine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _build_pch(self) -> None:
        assert self._judge is not None
        for tc in list(self.toolchains.values()):  # the self-test may drop languages meanwhile
            if tc.language.pch_header:
                try:
                    if pch.build(tc, self.settings.cache_dir / "pch") and self._publish_pch(tc.language.id):
                        self._judge.pch_ready.add(tc.language.id)
                except Exception:
                    log.exception("pch: building for %s failed", tc.language.id)

    def _publish_pch(self, lang_id: str) -> bool:
        sandbox = self.sandbox
        return sandbox is not None and sandbox.publish_pch(lang_id)

    def wait_pch(self, timeout: float | None = None) -> None:
        """Block until precompiled headers are built (benchmarks want steady-state compiles)."""
        if self._pch_thread is not None:
            self._pch_thread.join(timeout)

    def _self_test(self) -> None:
        """Every language must echo its input through the sandbox, or it is not offered."""
        for lang_id, tc in list(self.toolchains.items()):
            sub = Submission(
                language=lang_id,
                source=tc.language.self_test,
                tests=[StdioTest(input="xcoder 42\n", expected="xcoder 42\n")],
                compile_limits={"time_s": 60, "memory_mb": 2048},
                limits={"time_s": 10, "memory_mb": 1024},
            )
            res = self.judge(sub)
            if res.verdict != Verdict.AC:
                detail = res.message or (res.tests[0].message if res.tests else "")
                if res.compile is not None and not res.compile.ok and res.compile.output.strip():
                    # "compilation error" alone hides whether it was the compiler or its limit
                    lines = res.compile.output.strip().splitlines()
                    detail += (
                        ": " + next((x for x in lines if "error" in x or "exceeded" in x), lines[0])[:300]
                    )
                log.warning(
                    "language %s failed its self-test (%s: %s); not offered", lang_id, res.verdict, detail
                )
                del self.toolchains[lang_id]

    # ------------------------------------------------------------------ judging

    def judge(
        self,
        submission: Submission,
        *,
        cancel: threading.Event | None = None,
        caller: str | None = None,
    ) -> SubmissionResult:
        """Compile once, run every test across the slots, check, and return verdicts.

        Never raises for anything the program did; a failure of the judge itself comes back
        as verdict SE with a message. Raises ValueError (message names the field) for input
        the engine cannot judge (unknown language, call tests for a language without a harness).
        `caller` names who sent it (any stable string): with the `fair` scheduling policy,
        callers take turns on the slots, so one caller's flood does not starve another.
        """
        if self._judge is None:
            raise RuntimeError("Engine.start() first")
        return self._judge.judge(submission, cancel, caller)

    def languages(self) -> list[LanguageInfo]:
        return [
            LanguageInfo(
                id=lang_id,
                name=tc.language.name,
                version=tc.version,
                aliases=list(tc.language.aliases),
                compiled=tc.language.compiled,
                warm=tc.language.warm and self.settings.python_warm,
            )
            for lang_id, tc in self.toolchains.items()
        ]

    def capabilities(self) -> Capabilities:
        if self.sandbox is None:
            raise RuntimeError("Engine.start() first")
        return self.sandbox.capabilities()

    @property
    def slots_total(self) -> int:
        return self.sandbox.slots_total if self.sandbox else 0

    @property
    def slots_busy(self) -> int:
        return self.sandbox.slots_busy if self.sandbox else 0
