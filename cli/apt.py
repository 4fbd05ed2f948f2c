"""apt-get for the project's own setup (`make system`, `make browser`), bounded so a stuck mirror or a held dpkg
lock fails setup with a message instead of hanging CI until its budget runs out."""

import os
import subprocess
from pathlib import Path

# Wait at most this long for another apt/dpkg to release its lock, and for a mirror that stopped answering.
_OPTIONS = ("-o", "DPkg::Lock::Timeout=180", "-o", "Acquire::http::Timeout=30", "-o", "Acquire::Retries=3")
_WHOLE_RUN_SECONDS = 1200


def apt_get(*args: str, log: Path) -> bool:
    """Run `apt-get ARGS` non-interactively, its output appended to `log`; True when it succeeded in time."""
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with log.open("a") as out:
        try:
            return subprocess.run(["apt-get", *_OPTIONS, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                  check=False, timeout=_WHOLE_RUN_SECONDS).returncode == 0
        except subprocess.TimeoutExpired:
            out.write(f"\napt-get {' '.join(args)}: gave up after {_WHOLE_RUN_SECONDS} s\n")
            return False
