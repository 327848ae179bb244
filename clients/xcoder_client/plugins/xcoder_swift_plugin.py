"""ms-swift plugin: `--external_plugins <this file> --reward_funcs xcoder_judge xcoder_code_format`.

Find the path with `xcoder-client plugin-path swift`. swift loads this file by path, so it
imports the installed package absolutely (or from two folders up if it is not installed).
"""

import sys
from pathlib import Path

try:
    import xcoder_client  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from xcoder_client.swift_orm import register

register()
