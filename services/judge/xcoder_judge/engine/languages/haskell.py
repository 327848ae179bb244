"""Haskell (GHC), compiled with -O2 to a native program; GHC's own linker step needs gcc.

Debian keeps GHC's package database under /var/lib/ghc (a symlink from its libdir); the box has
no /var, so that one directory is bound in read-only.
"""

import os
import subprocess

from xcoder_judge.engine.languages.base import Language


def _package_db(tools: dict[str, str]) -> tuple[str, ...]:
    """The real directory of the global package database, wherever the libdir's link points."""
    out = subprocess.run([tools["ghc"], "--print-libdir"], capture_output=True, timeout=60, check=True)
    db = os.path.realpath(os.path.join(out.stdout.decode().strip(), "package.conf.d"))
    return (db,) if os.path.isdir(db) else ()


LANGUAGE = Language(
    id="haskell",
    name="Haskell (GHC)",
    source_file="main.hs",
    compile=("{ghc}", "-O2", "-outputdir", "/tmp/ghc", "-o", "main", "{sources}"),
    artifacts=("main",),
    run=("{prog}/main",),
    tools={"ghc": ("ghc",)},
    version_cmd=("{ghc}", "--numeric-version"),
    compile_env={"TMPDIR": "/tmp", "HOME": "/tmp"},
    compile_processes=128,
    compiles=("*.hs",),
    extra_binds=_package_db,
    mle_markers=(b"Heap exhausted",),
    self_test="import qualified Data.ByteString as B\nmain :: IO ()\nmain = B.getContents >>= B.putStr\n",
)
