"""The keeper: the process the worker started, left outside an isolated slot's PID namespace.

Runs in the worker's child after it has unshared the namespaces and forked the box (PID 1 of
the new PID namespace); stdlib only, Python 3.8 (the solution interpreter runs it). It touches
nothing but the box: it writes the box's id maps when the box enters its user namespace, drops
to the box's unprivileged host uid (box_creds.KeeperSide), then waits for it and exits with its
status, so the worker's handle (a Popen) stays valid. Killing the keeper kills the slot: the box has PR_SET_PDEATHSIG, and when
PID 1 dies the kernel kills everything else in the namespace.
"""

import os
import signal


def keep(child):
    """Wait for the box; SIGTERM is passed on as SIGKILL. Never returns."""

    def forward(signum, frame):
        os.kill(child, signal.SIGKILL)

    signal.signal(signal.SIGTERM, forward)
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF if hasattr(os, "waitstatus_to_exitcode") else 1)
