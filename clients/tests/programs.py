"""Programs and rollouts for the live tests. They run only inside the judge's sandbox."""

from __future__ import annotations

import socket

FENCE = "```"

ECHO = "print(input())\n"
ADD = "a, b = map(int, input().split())\nprint(a + b)\n"
WRONG_ADD = "a, b = map(int, input().split())\nprint(a - b)\n"
SLEEPY_ADD = "import time\ntime.sleep(1.0)\na, b = map(int, input().split())\nprint(a + b)\n"
SPIN = "while True:\n    pass\n"
CRASH = "raise SystemExit(3)\n"
SYNTAX_ERROR = "def broken(:\n    pass\n"

ADD_TESTS = {"inputs": ["1 2\n", "3 4\n", "10 -5\n", "0 0\n"], "outputs": ["3\n", "7\n", "5\n", "0\n"]}


def fenced(code: str, tag: str = "python") -> str:
    return f"Let me think.\n{FENCE}{tag}\n{code}{FENCE}\n"


def passes_first(k: int, delay: float = 0.0) -> str:
    """A stdio program for tests `n\\n → n\\n` that answers correctly only while n < k."""
    sleep = f"import time\ntime.sleep({delay})\n" if delay else ""
    return f"{sleep}n = int(input())\nprint(n if n < {k} else -1)\n"


def count_tests(n: int) -> dict:
    return {"inputs": [f"{i}\n" for i in range(n)], "outputs": [f"{i}\n" for i in range(n)]}


def closed_port_url() -> str:
    """A URL where nothing listens: the judge is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
