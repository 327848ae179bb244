"""A job thread's own Redis connection: its pop, its start and its finish, packed by hiredis.

Why not the worker's shared client, through which RQ's API would send them: for a judge job,
redis-py's Python-level packing (an `Encoder.encode` per argument) and its per-command and
per-pipeline bookkeeping (pool checkout, retry wrapper, reply callbacks) cost several times
more CPU than the few commands themselves; `hiredis.pack_command` produces the same bytes in C.
RQ's API still writes every command: onto a redis-py pipeline that is never executed there
(`queued`), whose commands are then sent here as one MULTI/EXEC.

A connection of its own also lets the start transaction be written without waiting for its
replies (`send_transaction`), so the engine does not wait a round trip; `wait` reads them (and
raises their first error) later, before any finish is sent on any connection: Redis has applied
the start by then. One transaction at most is ever unread, and every read or write that fails
midway drops the connection, so replies never pair with the wrong commands.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import hiredis
import redis
from redis.client import EMPTY_RESPONSE, Pipeline
from redis.commands.core import Script
from redis.exceptions import ConnectionError, ExecAbortError, NoScriptError, ResponseError, TimeoutError

Command = Sequence[Any]


def queued(pipe: Pipeline) -> list[Command]:
    """The commands RQ's API queued on `pipe` (a redis-py pipeline never executed), to send here."""
    if pipe.scripts:
        raise ValueError("a pipeline with scripts must be executed by redis-py (it loads them first)")
    return [args for args, options in pipe.command_stack if EMPTY_RESPONSE not in options]


class JobLink:
    """One connection, one thread: commands sent in order, at most one transaction's replies unread."""

    def __init__(self, pool: redis.ConnectionPool) -> None:
        # Built like the pool's own connections (address, timeouts, health checks), not from it:
        # it is never shared, so it never goes back to a pool that would hand it out mid-transaction.
        self._conn = pool.connection_class(**pool.connection_kwargs)
        self._unread: int | None = None  # commands of the transaction whose replies are unread

    @property
    def pending(self) -> bool:
        """A transaction was sent and its replies not read yet."""
        return self._unread is not None

    def call(self, *args: Any) -> Any:
        """Send one command and return its reply (raising an error reply)."""
        self._require_idle()
        self._send(pack([args], self._conn))
        return self._read(self._conn.read_response)

    def run_script(self, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """EVALSHA `script`, or EVAL it once where this Redis has not cached it (a restart)."""
        try:
            return self.call("EVALSHA", script.sha, len(keys), *keys, *args)
        except NoScriptError:
            return self.call("EVAL", script.script, len(keys), *keys, *args)

    def send_transaction(self, commands: Iterable[Command]) -> None:
        """Write `commands` as one MULTI/EXEC and return at once; `wait` reads the replies."""
        self._require_idle()
        commands = list(commands)
        self._send(pack([("MULTI",), *commands, ("EXEC",)], self._conn))
        self._unread = len(commands)

    def wait(self) -> list[Any] | None:
        """The replies of the transaction sent last (None if none is unread); raises its first error."""
        unread, self._unread = self._unread, None
        if unread is None:
            return None
        return self._read(lambda: _read_transaction(self._conn, unread))

    def transaction(self, commands: Iterable[Command]) -> list[Any]:
        """Send `commands` as one MULTI/EXEC and return their replies."""
        self.send_transaction(commands)
        replies = self.wait()
        assert replies is not None
        return replies

    def close(self) -> None:
        self._unread = None
        self._conn.disconnect()

    def _require_idle(self) -> None:
        if self._unread is not None:
            raise RuntimeError("the last transaction's replies are unread: wait() first")

    def _send(self, packed: bytes) -> None:
        """Write `packed`; once more on a fresh connection if the write failed (Redis executes
        no command it did not receive whole, nor a MULTI whose EXEC it never got)."""
        try:
            self._conn.send_packed_command([packed])
        except (ConnectionError, TimeoutError):
            self._conn.disconnect()
            self._conn.send_packed_command([packed])

    def _read(self, read: Any) -> Any:
        try:
            return read()
        except ResponseError:
            raise  # a whole reply was read: the connection is still in step
        except BaseException:
            self._conn.disconnect()  # the rest of the replies may still come: never read them
            raise


def pack(commands: Iterable[Command], conn: Any) -> bytes:
    """The commands in Redis's protocol, as redis-py would write them (its packer where hiredis
    cannot: a multi-word command name, an argument type hiredis refuses)."""
    parts: list[bytes] = []
    for args in commands:
        name = args[0]
        if not (isinstance(name, str) and " " in name):
            try:
                parts.append(hiredis.pack_command(args if isinstance(args, tuple) else tuple(args)))
                continue
            except TypeError:
                pass
        parts.extend(bytes(chunk) for chunk in conn.pack_command(*args))
    return b"".join(parts)


def _read_transaction(conn: Any, commands: int) -> list[Any]:
    """Read MULTI's reply, one QUEUED per command and EXEC's replies; raise the first error."""
    errors: list[ResponseError] = []
    for _ in range(commands + 1):
        try:
            conn.read_response()
        except ResponseError as exc:  # refused when queued: EXEC then aborts the transaction
            errors.append(exc)
    try:
        replies = conn.read_response()
    except ExecAbortError:
        raise errors[0] if errors else ExecAbortError("transaction aborted") from None
    if errors:
        raise errors[0]
    if replies is None:
        raise ResponseError("transaction aborted (EXEC returned nil)")
    for reply in replies:
        if isinstance(reply, ResponseError):
            raise reply
    return list(replies)
