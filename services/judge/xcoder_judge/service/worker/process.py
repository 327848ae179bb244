"""`xcoder-judge worker`: one engine with N warm slots, fed by K RQ job threads.

Many small submissions keep the slots busy only if several are judged at once, so the process
runs K (default 2 × slots) RQ workers in threads over one engine. Beside them: a heartbeat
thread (presence record, RQ worker keys, execution leases), a janitor thread and the watchdog.

SIGTERM or SIGINT only sets a flag: threads stop dequeuing, finish the submission in hand and
the process exits (graceful drain). A second signal exits at once; the janitor of another worker
then re-runs what was left. Every exit logs one line with its reason.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import redis.exceptions
from xcoder_wire.schemas import Capabilities, LanguageInfo

from xcoder_judge import __version__
from xcoder_judge.config import Settings
from xcoder_judge.engine.settings import EngineSettings
from xcoder_judge.service.queue import keys, presence
from xcoder_judge.service.queue.janitor import Janitor
from xcoder_judge.service.redis_clients import DEFAULT_URL, sync_client
from xcoder_judge.service.worker.job import JudgeTask
from xcoder_judge.service.worker.rq_worker import JudgeWorker, wait_for_redis
from xcoder_judge.service.worker.watchdog import Watchdog

log = logging.getLogger("xcoder_judge.worker")

EXIT_OK = 0
EXIT_ENGINE = 1
EXIT_COLD = 130


class WorkerProcess:
    def __init__(
        self, settings: Settings, *, engine_factory: Callable[[EngineSettings], Any] | None = None
    ) -> None:
        self.settings = settings
        self.name = settings.worker_name or f"{socket.gethostname()}.{os.getpid()}"
        self._engine_factory = engine_factory
        self._stop = threading.Event()
        self._reason = ""
        self._threads: list[threading.Thread] = []
        self._workers: list[JudgeWorker] = []
        self._started_at = time.time()

    # ------------------------------------------------------------------ lifecycle

    def run(self) -> int:
        self._install_signal_handlers()
        engine = self._start_engine()
        if engine is None:
            return EXIT_ENGINE
        try:
            return self._serve(engine)
        finally:
            try:
                engine.close()
            except Exception:
                log.exception("worker %s: closing the engine failed", self.name)

    def _start_engine(self) -> Any | None:
        try:
            factory = self._engine_factory
            if factory is None:
                from xcoder_judge.engine import Engine

                factory = Engine
            engine = factory(EngineSettings.of(self.settings))  # not the Redis URL or API keys
            engine.start()
            return engine
        except Exception as exc:
            log.error("worker %s: exiting: the engine could not start: %s", self.name, exc, exc_info=True)
            return None

    def _serve(self, engine: Any) -> int:
        s = self.settings
        threads = s.effective_job_threads
        url = s.redis_url or DEFAULT_URL
        connection = sync_client(url, max_connections=threads + 8)
        if not wait_for_redis(connection, self._stop, f"worker {self.name}"):
            log.info("worker %s: exiting: %s before Redis was reachable", self.name, self._reason)
            return EXIT_OK
        languages: list[LanguageInfo] = engine.languages()
        capabilities: Capabilities = engine.capabilities()
        watchdog = Watchdog()
        task = JudgeTask(engine=engine, watchdog=watchdog)
        watchdog.start()
        for i in range(threads):
            worker = JudgeWorker(
                name=f"{self.name}.{i}",
                connection=connection,
                lease_s=s.lease_s,
                block_s=1.0,
                block_on=keys.PRIORITIES[i % len(keys.PRIORITIES)],
                task=task,
                stop=self._stop,
                result_ttl_s=s.result_ttl_s,
            )
            self._workers.append(worker)
            self._threads.append(threading.Thread(target=worker.run, name=f"job-{i}"))
        beat_every = max(0.2, s.lease_s / 4)
        janitor = Janitor(connection, owner=self.name, lease_s=s.lease_s, interval_s=max(0.5, s.lease_s / 5))

        def record() -> presence.WorkerRecord:
            return presence.WorkerRecord(
                name=self.name,
                host=socket.gethostname(),
                pid=os.getpid(),
                version=__version__,
                slots=engine.slots_total,
                slots_busy=engine.slots_busy,
                job_threads=threads,
                draining=self._stop.is_set(),
                languages=languages,
                capabilities=capabilities,
                started_at=self._started_at,
                heartbeat_at=time.time(),
            )

        beating = threading.Event()
        heartbeat = threading.Thread(
            target=self._heartbeat_loop,
            args=(connection, record, beat_every, beating),
            name="heartbeat",
            daemon=True,
        )
        sweeper = threading.Thread(
            target=self._janitor_loop,
            args=(janitor, max(0.5, s.lease_s / 5), beating),
            name="janitor",
            daemon=True,
        )
        heartbeat.start()
        sweeper.start()
        for thread in self._threads:
            thread.start()
        log.info(
            "worker %s: ready: %d slots, %d job threads, isolation %s, languages %s",
            self.name,
            engine.slots_total,
            threads,
            capabilities.level,
            ", ".join(lang.id for lang in languages) or "(none)",
        )
        while not self._stop.wait(0.5):
            pass
        busy = sum(1 for w in self._workers if w.busy)
        log.info("worker %s: %s: draining %d running submission(s)", self.name, self._reason, busy)
        for thread in self._threads:
            thread.join()
        beating.set()
        heartbeat.join(timeout=5)
        sweeper.join(timeout=5)
        try:
            with connection.pipeline(transaction=False) as pipe:
                presence.withdraw(pipe, self.name)
                pipe.execute()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            pass  # the record expires by itself
        watchdog.stop()
        finished = sum(w.judged for w in self._workers)
        log.info(
            "worker %s: exiting: %s; drained, %d submission(s) judged", self.name, self._reason, finished
        )
        return EXIT_OK

    # ------------------------------------------------------------------ background loops

    def _heartbeat_loop(
        self,
        connection: Any,
        record: Callable[[], presence.WorkerRecord],
        every_s: float,
        stopped: threading.Event,
    ) -> None:
        warned = False
        while True:
            try:
                with connection.pipeline(transaction=False) as pipe:
                    presence.publish(pipe, record(), ttl_s=self.settings.lease_s)
                    for worker in self._workers:
                        worker.renew_leases(pipe)
                    pipe.execute()
                if warned:
                    log.info("worker %s: heartbeats resumed", self.name)
                warned = False
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
                if not warned:
                    log.warning("worker %s: heartbeat failed (%s); retrying", self.name, exc)
                warned = True
            except Exception:
                log.exception("worker %s: heartbeat failed", self.name)
            if stopped.wait(every_s):
                return

    def _janitor_loop(self, janitor: Janitor, every_s: float, stopped: threading.Event) -> None:
        while not stopped.wait(every_s):
            try:
                janitor.sweep()
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                janitor.redis_unreachable()  # the heartbeat already reports the outage
            except Exception:
                log.exception("worker %s: janitor sweep failed", self.name)

    # ------------------------------------------------------------------ signals

    def _install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if not self._stop.is_set():
            self._reason = name
            self._stop.set()
            return
        log.warning(
            "worker %s: exiting now: second %s; unfinished submissions will be re-run", self.name, name
        )
        logging.shutdown()
        os._exit(EXIT_COLD)
