"""X-Coder judge clients: sync/async judge client, code extraction, test formats, rewards.

Light on purpose (xcoder-wire + httpx + pydantic): it installs into any training image. The verl and
ms-swift adapters import their frameworks only when used.
"""

from xcoder_wire.schemas import (
    AssertTest,
    CallTest,
    Limits,
    StdioTest,
    Submission,
    SubmissionResult,
    TestResult,
    Verdict,
)

from xcoder_client.async_client import AsyncJudgeClient
from xcoder_client.client import JudgeClient
from xcoder_client.errors import (
    JudgeAuthError,
    JudgeConfigError,
    JudgeError,
    JudgeOverloaded,
    JudgeProtocolError,
    JudgeRequestError,
    JudgeServerError,
    JudgeTimeout,
    JudgeTransportError,
    JudgeUnavailable,
    TestFormatError,
)
from xcoder_client.extract import Extraction, ExtractStatus, extract_code
from xcoder_client.settings import ClientSettings, get_settings
from xcoder_client.testcases import TestSuite, build_submission, parse_tests, select_tests

__version__ = "0.1.0"

__all__ = [
    "AssertTest",
    "AsyncJudgeClient",
    "CallTest",
    "ClientSettings",
    "ExtractStatus",
    "Extraction",
    "JudgeAuthError",
    "JudgeClient",
    "JudgeConfigError",
    "JudgeError",
    "JudgeOverloaded",
    "JudgeProtocolError",
    "JudgeRequestError",
    "JudgeServerError",
    "JudgeTimeout",
    "JudgeTransportError",
    "JudgeUnavailable",
    "Limits",
    "StdioTest",
    "Submission",
    "SubmissionResult",
    "TestFormatError",
    "TestResult",
    "TestSuite",
    "Verdict",
    "build_submission",
    "extract_code",
    "get_settings",
    "parse_tests",
    "select_tests",
]
