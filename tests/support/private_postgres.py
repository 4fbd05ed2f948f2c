"""A throw-away PostgreSQL cluster of the test's own, which the test may stop and start (a real outage).

Built with the machine's PostgreSQL binaries as the `postgres` user (initdb refuses to run as root).
"""

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def unavailable() -> str | None:
    if not BIN:
        return "no PostgreSQL binaries under /usr/lib/postgresql"
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        return "needs root (to run initdb as the postgres user)"
    return None


class PrivatePostgres:
    """In a directory of its own under /tmp: pytest's temporary directories are not reachable by `postgres`."""

    def __init__(self, port: int) -> None:
        self.directory, self.port = Path(tempfile.mkdtemp(prefix="mineflow-pg-")), port
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *argv: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True, capture_output=True, timeout=60)

    def init(self) -> "PrivatePostgres":
        shutil.chown(self.directory, "postgres", "postgres")
        self.directory.chmod(0o700)
        self._run(f"{BIN[-1]}/initdb", "-D", str(self.directory / "data"), "-A", "trust", "-U", "postgres",
                  "--no-sync")
        return self

    def start(self) -> None:
        self._run(f"{BIN[-1]}/pg_ctl", "-D", str(self.directory / "data"), "-w", "-l", str(self.directory / "log"),
                  "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        self._run(f"{BIN[-1]}/pg_ctl", "-D", str(self.directory / "data"), "-w", "-m", "fast", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
