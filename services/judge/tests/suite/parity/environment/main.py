import importlib.util
import os
import sys

print("env", sorted(os.environ.items()))
print("sys.path", [p if not p.startswith(os.getcwd()) else "<cwd>" for p in sys.path])
judge = sorted(m for m in sys.modules if m.split(".")[0] in {"xcoder_judge", "pydantic", "pydantic_settings", "fastapi", "redis", "rq", "psutil", "pytest", "uvicorn"})
print("judge modules loaded", judge)
print("xcoder_judge importable", importlib.util.find_spec("xcoder_judge") is not None)
print("site loaded", "site" in sys.modules)
print("user site", getattr(sys.modules.get("site"), "ENABLE_USER_SITE", None))
