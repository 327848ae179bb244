"""JudgeClient and AsyncJudgeClient against a live judge (real Redis, real workers, real HTTP)."""

from __future__ import annotations

import asyncio
import socket
import threading
from urllib.parse import urlsplit

import httpx
import pytest
from xcoder_client import AsyncJudgeClient, JudgeAuthError, JudgeClient, JudgeTransportError, Verdict
from xcoder_client.testcases import build_submission, parse_tests

from clients.tests.programs import ADD, ADD_TESTS, CRASH, SLEEPY_ADD, SPIN, WRONG_ADD, closed_port_url


@pytest.fixture(params=["sync", "async"])
def live_judge_call(request, live_judge):
    def call(submissions, base_url=None, client_options=None, **kw):
        opts = dict(client_options or {})
        url = base_url or live_judge.url
        if request.param == "sync":
            with JudgeClient(url, **opts) as client:
                return client.judge(submissions, **kw)

        async def run():
            async with AsyncJudgeClient(url, **opts) as client:
                return await client.judge(submissions, **kw)

        return asyncio.run(run())

    return call


def _sub(code: str, **kw):
    return build_submission(code, parse_tests(ADD_TESTS), **kw)


def test_live_results_stay_in_submission_order(live_judge_call):
    # The slow program goes first: on a judge with several slots the later ones finish before it.
    programs = [SLEEPY_ADD, WRONG_ADD, ADD, CRASH, ADD, WRONG_ADD]
    results = live_judge_call(
        [_sub(p) for p in programs], client_options={"chunk_size": 2, "max_concurrency": 3}
    )
    assert [r.verdict for r in results] == [
        Verdict.AC,
        Verdict.WA,
        Verdict.AC,
        Verdict.RE,
        Verdict.AC,
        Verdict.WA,
    ]
    assert [r.passed for r in results] == [4, 1, 4, 0, 4, 1]  # WRONG_ADD prints a - b: right only for "0 0"


def test_live_time_limit(live_judge_call):
    [result] = live_judge_call([_sub(SPIN, limits={"time_s": 0.5}, stop_on_first_failure=True)])
    assert result.verdict is Verdict.TLE and result.scored


def test_live_duplicates_and_many_chunks(live_judge_call):
    subs = [_sub(ADD if i % 2 else WRONG_ADD) for i in range(30)]
    results = live_judge_call(subs, client_options={"chunk_size": 4})
    assert [r.verdict for r in results] == [Verdict.AC if i % 2 else Verdict.WA for i in range(30)]


def test_live_languages_and_readiness(live_judge):
    with JudgeClient(live_judge.url) as client:
        assert client.ready()
        assert "python3" in {lang.id for lang in client.languages()}


class CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return super().handle_request(request)


def test_judge_down_retries_are_bounded_then_raise(fast_settings):
    transport = CountingTransport()
    with JudgeClient(closed_port_url(), transport=transport, settings=fast_settings, max_retries=3) as client:
        assert not client.ready()
        with pytest.raises(JudgeTransportError) as err:
            client.judge([_sub(ADD)])
    assert err.value.attempts == 4
    assert transport.requests == 1 + 4  # the readiness probe, then one try and three retries


def test_judge_down_gives_unscored_results_not_wrong_ones(live_judge_call, fast_settings):
    results = live_judge_call(
        [_sub(ADD), _sub(WRONG_ADD)],
        base_url=closed_port_url(),
        on_error="unscored",
        client_options={"settings": fast_settings, "max_retries": 1},
    )
    assert [r.verdict for r in results] == [Verdict.SE, Verdict.SE]
    assert [r.scored for r in results] == [False, False]


def test_a_key_in_the_url_reaches_a_judge_that_requires_keys(live_judge, judge_session_root):
    # Trainer configs often hold only a URL: `http://:KEY@host` or `?api_key=KEY` carry the key,
    # which the client takes out of the URL and sends as a header (never printed with the URL).
    from xcoder_judge.testing import JudgeCluster

    cluster = JudgeCluster(redis_url=live_judge.redis_url, root=judge_session_root / "keyed-api")
    try:
        url = cluster.start_api(api_keys="s3cret/+key,team-r:read:reader-key")
        cluster.wait_ready()
        host = url.removeprefix("http://")
        for keyed in (f"http://:s3cret%2F%2Bkey@{host}", f"{url}/?api_key=s3cret%2F%2Bkey"):
            with JudgeClient(keyed) as client:
                assert "s3cret" not in repr(client) and "s3cret" not in client.base_url
                [result] = client.judge([_sub(ADD)])
            assert result.verdict is Verdict.AC, result
        with JudgeClient(f"http://:wrong@{host}", max_retries=0) as client, pytest.raises(JudgeAuthError):
            client.judge([_sub(ADD)])
        # A read-only key cannot submit: a 403 the client names, never a retry or a failed test.
        reader = JudgeClient(url, api_key="reader-key", max_retries=3)
        with reader, pytest.raises(JudgeAuthError, match=r"403 forbidden.*needs the role submit"):
            reader.judge([_sub(ADD)])
    finally:
        cluster.stop()


class CountingProxy:
    """A TCP relay in front of the judge that counts the connections clients open (real HTTP)."""

    def __init__(self, target_url: str) -> None:
        target = urlsplit(target_url)
        self._target = (target.hostname, target.port)
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self.accepted = 0
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self.accepted += 1
            upstream = socket.create_connection(self._target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop = True
        self._server.close()


@pytest.mark.parametrize("twin", ["sync", "async"])
def test_sequential_calls_reuse_one_keep_alive_connection(live_judge, twin):
    """N calls one after another from one client cost one TCP connection, not N (keep-alive by
    default: a new connection per call is a handshake and a server accept on every reward)."""
    proxy = CountingProxy(live_judge.url)
    try:
        if twin == "sync":
            with JudgeClient(proxy.url) as client:
                verdicts = [client.judge([_sub(ADD)])[0].verdict for _ in range(5)]
        else:

            async def run():
                async with AsyncJudgeClient(proxy.url) as client:
                    return [(await client.judge([_sub(ADD)]))[0].verdict for _ in range(5)]

            verdicts = asyncio.run(run())
        assert verdicts == [Verdict.AC] * 5
        assert proxy.accepted == 1
    finally:
        proxy.close()
